// How fast configuration loads: JSON5 parsing, schema validation and the whole pipeline that
// `mmclaw gateway` and every CLI command run at start-up (and hot reload runs again).

#include <benchmark/benchmark.h>

#include <map>

#include <boost/json.hpp>

#include "config/json5.hpp"
#include "config/load.hpp"
#include "config/schema_openclaw.hpp"
#include "../tests/support/env.hpp"
#include "../tests/support/source_file.hpp"

namespace {

// A large but realistic file: many accounts with per-channel overrides.
std::string many_accounts(int accounts) {
  std::string text = "{channels: {mattermost: {baseUrl: 'https://chat.example.com', dmPolicy: 'pairing', accounts: {\n";
  for (int i = 0; i < accounts; ++i) {
    text += "  'bot" + std::to_string(i) + "': { botToken: 'token-" + std::to_string(i) +
            "-abcdefghijklmnop', chatmode: 'oncall', groups: {'*': {requireMention: true}, "
            "'q8d3z5ma1kfz7gp4wbnyx2cs6h': {requireMention: false}}, streaming: {mode: 'partial'}, // bot " +
            std::to_string(i) + "\n    allowFrom: ['u7xyk1b9qjf8tmw3ch5ag6n2pe', 'ab3kq9x1mnc7ezr5tdyw8po2uh'] },\n";
  }
  return text + "}}}}\n";
}

mmclaw::config::LoadOptions options_with_env() {
  static const std::map<std::string, std::string> env{{"MM_OPS_TOKEN", "ops-token-0000000000000000c"},
                                                      {"OPENAI_API_KEY", "sk-example"},
                                                      {"ANTHROPIC_API_KEY", "ant-example"},
                                                      {"MMCLAW_EXAMPLE_SECRETS", "/nonexistent"}};
  mmclaw::config::LoadOptions options;
  options.env = mmclaw::test::env_of(env);
  options.home = "/home/bench";
  options.resolve_secrets = false;  // file/exec resolution is I/O, measured by the e2e run instead
  return options;
}

void BM_ParseJson5_MultiAccountExample(benchmark::State& state) {
  const std::string text = mmclaw::test::read_source_file("examples/multi-account.json");
  for (auto _ : state) benchmark::DoNotOptimize(mmclaw::config::parse_json5(text));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_ParseJson5_MultiAccountExample);

void BM_ParseJson5_Accounts(benchmark::State& state) {
  const std::string text = many_accounts(static_cast<int>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(mmclaw::config::parse_json5(text));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_ParseJson5_Accounts)->Arg(100);

void BM_LoadConfig_MultiAccountExample(benchmark::State& state) {
  const std::string text = mmclaw::test::read_source_file("examples/multi-account.json");
  const auto options = options_with_env();
  for (auto _ : state) benchmark::DoNotOptimize(mmclaw::config::load_config_text(text, "/etc/openclaw.json", options));
}
BENCHMARK(BM_LoadConfig_MultiAccountExample);

void BM_LoadConfig_Accounts(benchmark::State& state) {
  const std::string text = many_accounts(static_cast<int>(state.range(0)));
  const auto options = options_with_env();
  for (auto _ : state) {
    auto loaded = mmclaw::config::load_config_text(text, "/etc/openclaw.json", options);
    if (!loaded.ok()) state.SkipWithError("the generated config did not load");
    benchmark::DoNotOptimize(loaded);
  }
}
BENCHMARK(BM_LoadConfig_Accounts)->Arg(100)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();

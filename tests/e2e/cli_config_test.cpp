// `mmclaw config check` and `mmclaw config show` as a user runs them: the real binary, real files.

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <fstream>

#include "../support/temp_dir.hpp"
#include "mmclaw_process.hpp"

namespace json = boost::json;
namespace fs = std::filesystem;
using namespace mmclaw::test;

namespace {

std::string fixture(const std::string& name) {
  return source_path("tests/fixtures/config/" + name);
}

// Runs `config check` on a fixture and expects exit 2 with each of `expected` on stderr.
void expect_rejected(const std::string& name, const std::vector<std::string>& expected,
                     const std::map<std::string, std::string>& env = {{"HOME", "/nonexistent-home"}}) {
  SCOPED_TRACE(name);
  const auto run = run_mmclaw({"config", "check", "--config", fixture(name)}, env);
  EXPECT_EQ(run.exit_code, 2) << run.out << run.err;
  EXPECT_EQ(run.out, "") << "nothing is reported as accepted";
  for (const auto& text : expected)
    EXPECT_NE(run.err.find(text), std::string::npos) << "missing: " << text << "\nin:\n" << run.err;
  EXPECT_NE(run.err.find("mmclaw: " + fixture(name) + " is not valid: "), std::string::npos) << run.err;
}

}  // namespace

TEST(CliConfig, AcceptsTheDemoConfig) {
  const auto run =
      run_mmclaw({"config", "check", "--config", source_path("examples/openclaw.json")}, {{"HOME", "/tmp"}});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find(
                "account \"default\" (default): enabled, http://127.0.0.1:8065 (config), token from config"),
            std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("ok: 1 account (1 enabled), 0 warnings"), std::string::npos) << run.out;
}

TEST(CliConfig, AcceptsTheMinimalConfig) {
  const auto run = run_mmclaw({"config", "check", "--config", source_path("examples/minimal.json")},
                              {{"HOME", "/tmp"}, {"MATTERMOST_BOT_TOKEN", "tok0000000000000000000000a"}});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find(
                "account \"default\" (default): enabled, https://chat.example.com (config), token from env"),
            std::string::npos)
      << run.out;
}

TEST(CliConfig, AcceptsTheMultiAccountConfig) {
  TempDir dir;
  const auto secrets = dir.write("secrets.json", R"({"mattermost":{"support":"support-token-000000000b"}})");
  const auto run = run_mmclaw({"config", "check", "--config", source_path("examples/multi-account.json")},
                              {{"HOME", dir.path().string()},
                               {"MM_OPS_TOKEN", "ops-token-0000000000000000c"},
                               {"MMCLAW_EXAMPLE_SECRETS", secrets.string()},
                               {"OPENAI_API_KEY", "sk-example"},
                               {"ANTHROPIC_API_KEY", "ant-example"}});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("account \"ops\" (default): enabled"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("account \"support-desk\": enabled, https://chat.example.com (config), token from "
                         "file, dmPolicy=open"),
            std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("ok: 2 accounts (2 enabled), 0 warnings"), std::string::npos) << run.out;
}

TEST(CliConfig, AcceptsTheThirdPartySetupPageConfigWithAWarningPerKey) {
  const auto run = run_mmclaw({"config", "check", "--config", source_path("examples/third-party-setup.json")},
                              {{"HOME", "/tmp"}, {"MATTERMOST_BOT_TOKEN", "tok0000000000000000000000a"}});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  for (const char* key : {"serverUrl", "teamId", "allowChannels", "respondToMentions", "respondToDMs",
                          "useWebSocket", "reconnectInterval"})
    EXPECT_NE(run.out.find(std::string("warning: channels.mattermost.") + key + ": `" + key +
                           "` is not an OpenClaw key"),
              std::string::npos)
        << key << "\n"
        << run.out;
  EXPECT_NE(run.out.find("https://mattermost.example.com (config)"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("ok: 1 account (1 enabled), 7 warnings"), std::string::npos) << run.out;
}

TEST(CliConfig, RejectsInvalidJson5WithItsPosition) {
  expect_rejected("invalid-json5.json", {fixture("invalid-json5.json") + ":5:7: error: expected"});
}

TEST(CliConfig, RejectsWrongTypes) {
  expect_rejected(
      "wrong-types.json",
      {fixture("wrong-types.json") +
           ":6:7: error: channels.mattermost.requireMention: must be true or false (got the string \"yes\")",
       fixture("wrong-types.json") +
           ":7:7: error: channels.mattermost.allowFrom: must be an array (got the string \"u1\")"});
}

TEST(CliConfig, RejectsOutOfRangeNumbers) {
  expect_rejected(
      "out-of-range.json",
      {":6:7: error: channels.mattermost.textChunkLimit: must be a whole number from 1 to 2147483647 (got 0)",
       ":7:25: error: channels.mattermost.dmChannelRetry.maxRetries: must be a whole number from 0 to 10 "
       "(got 11)",
       ":7:41: error: channels.mattermost.dmChannelRetry.timeoutMs: must be a whole number from 5000 to "
       "120000 (got 1000)",
       ":10:14: error: gateway.port: must be a whole number from 1 to 65535 (got 0)",
       "is not valid: 4 errors"});
}

TEST(CliConfig, RejectsUnknownKeysWithASuggestion) {
  expect_rejected("unknown-key.json", {":6:7: error: channels.mattermost.groupPolcy: unknown key "
                                       "`groupPolcy` (did you mean `groupPolicy`?)"});
}

TEST(CliConfig, RejectsOpenDmPolicyWithoutWildcard) {
  expect_rejected(
      "dm-open-without-star.json",
      {":7:7: error: channels.mattermost.allowFrom: channels.mattermost.dmPolicy=\"open\" requires "
       "channels.mattermost.allowFrom to include \"*\""});
}

TEST(CliConfig, RejectsInitialDelayAboveMaxDelay) {
  expect_rejected(
      "retry-delays.json",
      {":6:25: error: channels.mattermost.dmChannelRetry.initialDelayMs: initialDelayMs must be less "
       "than or equal to maxDelayMs"});
}

TEST(CliConfig, RejectsAnUnresolvableSecretReference) {
  expect_rejected(
      "unresolvable-secret.json",
      {":5:7: error: channels.mattermost.botToken: secret reference {source: \"file\", provider: \"vault\", "
       "id: "
       "\"/mattermost/botToken\"}: cannot read /nonexistent/mmclaw-secrets.json: No such file or directory"},
      {{"HOME", "/tmp"}, {"MATTERMOST_BOT_TOKEN", "env-token-must-not-be-used"}});
}

TEST(CliConfig, RejectsStoreSecretReferencesAsUnsupported) {
  expect_rejected(
      "store-secret.json",
      {"\"store\" secret references read OpenClaw's own state database and are not supported by mmclaw"});
}

TEST(CliConfig, IgnoresMattermostUrlForANamedAccount) {
  expect_rejected("named-account-env-url.json",
                  {":5:9: error: channels.mattermost.accounts.ops.baseUrl: Mattermost baseUrl missing for "
                   "account \"ops\" (set "
                   "channels.mattermost.accounts.ops.baseUrl or MATTERMOST_URL for default).",
                   ":5:9: note: channels.mattermost.accounts.ops.baseUrl: MATTERMOST_URL applies only to the "
                   "default account; it "
                   "is ignored for account \"ops\""},
                  {{"HOME", "/tmp"}, {"MATTERMOST_URL", "https://chat.example.com"}});
}

TEST(CliConfig, RejectsLegacyKeysWithTheMigrationHint) {
  expect_rejected(
      "legacy-keys.json",
      {":6:7: error: channels.mattermost.streamMode: `streamMode` is a legacy key; use `streaming.mode`. Run "
       "\"mmclaw doctor --fix\".",
       ":7:7: error: channels.mattermost.blockStreaming: `blockStreaming` is a legacy key; use "
       "`streaming.block.enabled`."});
}

TEST(CliConfig, EmptyConfigSaysNoAccountIsConfigured) {
  for (const char* name : {"empty.json", "empty-object.json"})
    expect_rejected(name, {"error: channels.mattermost: no Mattermost account configured"});
}

TEST(CliConfig, MissingFileIsAClearError) {
  const auto run = run_mmclaw({"config", "check", "--config", "/nonexistent/openclaw.json"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_EQ(run.err,
            "mmclaw: config file not found: /nonexistent/openclaw.json (pass --config PATH or set "
            "OPENCLAW_CONFIG_PATH)\n");
}

TEST(CliConfig, UnreadablePathsAreClearErrors) {
  TempDir dir;
  auto run = run_mmclaw({"config", "check", "--config", dir.path().string()});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_EQ(run.err, "mmclaw: config path " + dir.path().string() + " is a directory, not a file\n");

  const auto file = dir.write("openclaw.json", "{}");
  run = run_mmclaw({"config", "check", "--config", file.string() + "/x"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_EQ(run.err, "mmclaw: cannot read config file " + file.string() + "/x: Not a directory\n");
}

TEST(CliConfig, UnreadableFileIsAClearError) {
  TempDir dir;
  fs::permissions(dir.path(), fs::perms::owner_all | fs::perms::others_exec);
  const auto file = dir.write("openclaw.json", "{}", fs::perms::none);
  // Root reads any file, so as root the check runs as the unprivileged user "nobody".
  std::vector<std::string> prefix;
  if (::geteuid() == 0) prefix = {"/usr/bin/setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"};
  const auto run = run_mmclaw({"config", "check", "--config", file.string()}, {}, prefix);
  EXPECT_EQ(run.exit_code, 2) << run.err;
  EXPECT_EQ(run.err, "mmclaw: cannot read config file " + file.string() + ": Permission denied\n");
}

TEST(CliConfig, OversizedAndTooDeepFilesAreRejected) {
  TempDir dir;
  std::string big = "{\"pad\":\"" + std::string(4 * 1024 * 1024, 'x') + "\"}";
  const auto large = dir.write("large.json", big);
  auto run = run_mmclaw({"config", "check", "--config", large.string()});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("is larger than 4 MiB"), std::string::npos) << run.err;

  const auto deep = dir.write("deep.json", std::string(70, '[') + std::string(70, ']'));
  run = run_mmclaw({"config", "check", "--config", deep.string()});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find(deep.string() + ":1:65: error: nesting is deeper than 64 levels"), std::string::npos)
      << run.err;
}

TEST(CliConfig, FindsTheFileThroughTheEnvironmentAndHome) {
  TempDir home;
  home.write(".openclaw/openclaw.json",
             R"({channels: {mattermost: {baseUrl: "https://home.example", botToken: "tok123456"}}})");
  auto run = run_mmclaw({"config", "check"}, {{"HOME", home.path().string()}});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("config: " + (home.path() / ".openclaw/openclaw.json").string()), std::string::npos)
      << run.out;

  const auto other =
      home.write("elsewhere.json",
                 R"({channels: {mattermost: {baseUrl: "https://env.example", botToken: "tok123456"}}})");
  run = run_mmclaw({"config", "check"},
                   {{"HOME", home.path().string()}, {"OPENCLAW_CONFIG_PATH", other.string()}});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("https://env.example"), std::string::npos) << run.out;
}

TEST(CliConfig, ShowPrintsResolvedAccountsWithSecretsHidden) {
  TempDir dir;
  const auto config = dir.write("openclaw.json", R"({channels: {mattermost: {
      baseUrl: "https://chat.example.com/api/v4", botToken: "plain-config-token-123",
      accounts: {Ops: {botToken: "${OPS_TOKEN}", dmPolicy: "allowlist", allowFrom: ["u1"]}}}},
      models: {providers: {local: {baseUrl: "http://127.0.0.1:11434/v1", apiKey: "sk-abcdefghijklmnopqrstuv", models: [{id: "m"}]}}}})");
  const auto run = run_mmclaw({"config", "show", "--config", config.string()},
                              {{"HOME", dir.path().string()}, {"OPS_TOKEN", "ops-env-token-456"}});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  for (const char* secret : {"plain-config-token-123", "ops-env-token-456", "sk-abcdefghijklmnopqrstuv"})
    EXPECT_EQ(run.out.find(secret), std::string::npos) << secret;
  const json::value shown = json::parse(run.out);
  const auto& accounts = shown.at("accounts").as_array();
  ASSERT_EQ(accounts.size(), 2u);
  EXPECT_EQ(accounts[0].at("id"), "ops");
  EXPECT_EQ(json::serialize(accounts[0].at("botToken")), R"({"value":"***","source":"env"})");
  EXPECT_EQ(accounts[0].at("dmPolicy"), "allowlist");
  EXPECT_EQ(accounts[1].at("id"), "default");
  EXPECT_EQ(accounts[1].at("baseUrl"), "https://chat.example.com");
  EXPECT_EQ(json::serialize(accounts[1].at("botToken")), R"({"value":"***","source":"config"})");
  EXPECT_EQ(json::serialize(shown.at("models").at("providers").at("local").at("apiKey")),
            R"({"value":"***","source":"config"})");
  EXPECT_EQ(shown.at("defaultAccount"), "default");
}

// bench_message: the real `mmclaw message send` against the real mmsim on loopback, as a cron job
// runs it: a process per send that loads the config, resolves the target over REST and posts.
// Measures the wall time of a whole send per target form (each form makes different lookups) and
// the largest resident set of those processes. Figures go to docs/PERFORMANCE.md; nothing here
// asserts beyond "every send succeeded and posted once".
//
//   bench_message [--runs N]

#include <sys/resource.h>

#include <iostream>
#include <map>

#include "bench_args.hpp"
#include "bench_proc.hpp"
#include "e2e/gateway_support.hpp"

namespace {

using namespace mmclaw::e2e;
using mmclaw::bench::percentile;
using std::chrono::duration;

struct Settings {
  int runs = 50;
};

int run(const Settings& settings) {
  Mmsim sim;
  GatewayOptions options;
  Gateway config(sim, options);  // writes the config; the gateway itself is never started
  const std::vector<std::pair<std::string, std::string>> forms{
      {"channel:<id>", fmt::format("channel:{}", kTownSquare)},
      {"#channel-name", "#town-square"},
      {"@username", "@alice"},
      {"bare user id", std::string(kAliceId)},
  };
  std::cout << fmt::format("bench_message: {} sends per target form, each a new mmclaw process\n", settings.runs);
  int n = 0;
  for (const auto& [name, target] : forms) {
    std::vector<double> ms;
    for (int i = 0; i < settings.runs; ++i) {
      const auto began = Clock::now();
      const auto result = run_mmclaw_command(config.config_path(), {"message", "send", "--target", target,
                                                                    fmt::format("bench message {}", ++n)});
      ms.push_back(duration<double, std::milli>(Clock::now() - began).count());
      if (result.exit_code != 0)
        throw std::runtime_error(fmt::format("send {} to {} failed: {}", n, target, result.stderr_data));
    }
    std::cout << fmt::format("  {:<14} median {:6.2f} ms  p95 {:6.2f} ms  max {:6.2f} ms\n", name,
                             percentile(ms, 0.5), percentile(ms, 0.95), percentile(ms, 1.0));
  }
  // Every send posted exactly once.
  std::map<std::string, int> seen;
  const auto all = sim.control("/_control/posts");
  for (const auto& p : all.as_array())
    if (field(p.as_object(), "user_id") == kBotId) ++seen[field(p.as_object(), "message")];
  for (int i = 1; i <= n; ++i)
    if (seen[fmt::format("bench message {}", i)] != 1)
      throw std::runtime_error(fmt::format("message {} was posted {} times", i, seen[fmt::format("bench message {}", i)]));
  rusage usage{};
  getrusage(RUSAGE_CHILDREN, &usage);
  std::cout << fmt::format("  largest resident set of a send process: {} KiB (every one of the {} sends posted once)\n",
                           usage.ru_maxrss, n);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Settings settings;
  if (!mmclaw::bench::parse_options(argc, argv, {{"--runs", &settings.runs}}, {}, "bench_message",
                                    "bench_message [--runs N]"))
    return 2;
  try {
    return run(settings);
  } catch (const std::exception& e) {
    std::cerr << "bench_message: " << e.what() << "\n";
    return 1;
  }
}

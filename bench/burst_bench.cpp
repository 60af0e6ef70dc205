// bench_burst: PRODUCT.md's burst target, "1,000 mentions across 50 channels all answered once
// within 5 s". The real `mmclaw gateway` (echo backend, default timers and lanes) against the real
// mmsim on loopback, with a fixture of 50 extra channels where alice and the bot are members.
// Alice posts the mentions as fast as mmsim takes them, round-robin over the channels; the figure
// is the time from the first post to the last answer, and every post must have exactly one
// answer, in its channel. Figures go to docs/PERFORMANCE.md; nothing here asserts.
//
//   bench_burst [--posts N] [--channels N] [--timeout-seconds S]

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "bench_args.hpp"
#include "e2e/gateway_support.hpp"
#include "support/temp_dir.hpp"

namespace {

using namespace mmclaw::e2e;

struct Settings {
  int posts = 1000;
  int channels = 50;
  int timeout_seconds = 60;
};

double ms_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

// The demo fixture with `count` more open channels of team eng, alice and the bot in each.
std::vector<std::string> write_fixture(const std::filesystem::path& path, int count) {
  std::ifstream in(mmclaw::test::MmsimProcess::demo_fixture());
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  const std::string anchor = "\"channels\": [";
  const auto at = text.find(anchor);
  if (at == std::string::npos) throw std::runtime_error("the demo fixture has no channels list");
  std::vector<std::string> ids;
  std::string extra;
  for (int i = 0; i < count; ++i) {
    ids.push_back(make_id("benchburstchannel", static_cast<std::uint64_t>(i)));
    extra += fmt::format(R"(
    {{"id": "{}", "team": "eng", "name": "burst-{}", "members": ["alice", "mmclaw"]}},)",
                         ids.back(), i);
  }
  text.insert(at + anchor.size(), extra);
  std::ofstream(path) << text;
  return ids;
}

int run(const Settings& settings) {
  mmclaw::test::TempDir dir;
  const auto fixture = dir.path() / "burst_fixture.json";
  const auto channels = write_fixture(fixture, settings.channels);
  // mmsim's rate limiter is off by default; a real server's would be tuned for a bot like this.
  Mmsim sim({}, fixture.string());
  GatewayOptions options;
  options.short_timers = false;
  Gateway gateway(sim, options);
  gateway.start_and_wait_ready(std::chrono::seconds(20));
  gateway.wait_log("catch-up (startup)", std::chrono::seconds(20));
  std::cout << fmt::format("bench_burst: {} mentions across {} channels, mmsim on 127.0.0.1:{}\n",
                           settings.posts, settings.channels, sim.port())
            << std::flush;

  const auto delivered_before = gateway.count_log("delivered reply to");
  std::vector<json::object> posts;
  posts.reserve(static_cast<std::size_t>(settings.posts));
  const auto first = Clock::now();
  for (int i = 0; i < settings.posts; ++i) {
    const auto& channel = channels[static_cast<std::size_t>(i) % channels.size()];
    posts.push_back(sim.post_as("alice", channel, fmt::format("@mmclaw burst question {}", i)));
  }
  const auto posted = Clock::now();
  const auto want = delivered_before + static_cast<std::size_t>(settings.posts);
  Clock::time_point last = posted;
  const bool all = poll_until(
      [&] {
        last = Clock::now();
        return gateway.count_log("delivered reply to") >= want;
      },
      std::chrono::seconds(settings.timeout_seconds));
  const double rss_mib = [&] {
    std::ifstream status("/proc/" + std::to_string(gateway.pid()) + "/status");
    std::string line;
    while (std::getline(status, line))
      if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
    return 0.0;
  }();

  // Exactly once, in the right channel: every answer tagged with its post, none twice.
  std::this_thread::sleep_for(std::chrono::seconds(1));
  std::map<std::string, int> answers;
  for (const auto& channel : channels) {
    for (const auto& p : sim.posts(channel)) {
      const auto& post = p.as_object();
      if (field(post, "user_id") != kBotId) continue;
      const auto* props = post.if_contains("props");
      if (props == nullptr || !props->is_object()) continue;
      const std::string answered = field(props->as_object(), "mmclaw_reply_to");
      if (!answered.empty()) ++answers[answered];
    }
  }
  std::size_t missing = 0;
  std::size_t twice = 0;
  for (const auto& post : posts) {
    const auto it = answers.find(field(post, "id"));
    if (it == answers.end())
      ++missing;
    else if (it->second > 1)
      ++twice;
  }
  const int stop_status = gateway.stop(std::chrono::seconds(10));

  std::cout << "\n| Measure | Value |\n|---|---|\n";
  std::cout << fmt::format("| posting {} mentions (alice, REST, one at a time) | {:.0f} ms |\n", settings.posts,
                           ms_between(first, posted));
  std::cout << fmt::format("| first post → last answer{} | {:.0f} ms |\n", all ? "" : " (timed out)",
                           ms_between(first, last));
  std::cout << fmt::format("| last post → last answer | {:.0f} ms |\n", ms_between(posted, last));
  std::cout << fmt::format("| posts without an answer / answered more than once | {} / {} |\n", missing, twice);
  std::cout << fmt::format("| gateway peak resident memory (VmHWM) | {:.1f} MiB |\n", rss_mib);
  std::cout << fmt::format("| exit status after SIGTERM | {} |\n", exit_text(stop_status));
  std::cout << fmt::format("\nmachine: {} CPUs online; mmsim and the poster share them with the gateway\n",
                           ::sysconf(_SC_NPROCESSORS_ONLN));
  return missing == 0 && twice == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Settings settings;
  if (!mmclaw::bench::parse_options(argc, argv,
                                    {{"--posts", &settings.posts},
                                     {"--channels", &settings.channels},
                                     {"--timeout-seconds", &settings.timeout_seconds}},
                                    {}, "bench_burst", "bench_burst [--posts N] [--channels N] [--timeout-seconds S]"))
    return 2;
  try {
    return run(settings);
  } catch (const std::exception& e) {
    std::cerr << "bench_burst: " << e.what() << "\n";
    return 1;
  }
}

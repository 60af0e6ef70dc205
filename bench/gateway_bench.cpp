// bench_gateway: the real `mmclaw gateway` (echo backend, mmclaw's default timers) against the
// real mmsim on loopback. Measures what an operator feels: how long a start takes until the bot
// is connected, how much memory an idle gateway holds, and how many WebSocket events it decodes
// and filters per CPU-second (channel posts that do not concern the bot: the common case on a
// busy server). Figures go to docs/PERFORMANCE.md; nothing here asserts.
//
//   bench_gateway [--runs N] [--events N] [--idle-seconds S] [--gateway-log-level L]

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "bench_args.hpp"
#include "bench_proc.hpp"
#include "e2e/gateway_support.hpp"

namespace {

using namespace mmclaw::e2e;
using mmclaw::bench::percentile;
using mmclaw::bench::status_kib;
using std::chrono::duration;
using std::chrono::milliseconds;

struct Settings {
  int runs = 20;
  int events = 20000;
  int idle_seconds = 10;
  std::string gateway_log_level;  // e.g. debug: to check that the burst's posts were screened, not lost
};

double ms_since(Clock::time_point start) {
  return duration<double, std::milli>(Clock::now() - start).count();
}


// utime + stime of every thread of `pid`, in seconds (/proc/<pid>/stat fields 14 and 15). Clock
// ticks (10 ms) are the resolution, as schedstat is often off in containers: bursts are large
// enough for that to be a few per cent, and the table adds an aggregate over all bursts.
double cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto close = text.rfind(')');  // the command name may contain spaces
  if (close == std::string::npos) return 0;
  std::istringstream fields(text.substr(close + 2));
  std::string skip;
  for (int i = 3; i < 14; ++i) fields >> skip;  // state .. cmajflt
  long long utime = 0;
  long long stime = 0;
  fields >> utime >> stime;
  return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}


// Waits until the gateway's CPU time stops moving (two equal samples 150 ms apart, at most 10 s).
double quiet_cpu(pid_t pid) {
  double last = cpu_seconds(pid);
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while (Clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(150));
    const double now = cpu_seconds(pid);
    if (now == last) return now;
    last = now;
  }
  return last;
}

// (a) spawn -> the bot's authenticated socket in mmsim (polled every 1 ms), and -> the ready log line.
struct StartupFigures {
  std::vector<double> socket_ms;
  std::vector<double> log_ms;
  std::vector<double> stop_ms;
};

StartupFigures measure_startup(const Mmsim& sim, int runs) {
  StartupFigures out;
  GatewayOptions options;
  options.short_timers = false;
  for (int i = 0; i < runs; ++i) {
    Gateway gateway(sim, options);  // a fresh store: a first start
    const std::int64_t before = sim.newest_bot_socket();
    const auto started = Clock::now();
    gateway.start();
    double socket_ms = -1;
    while (ms_since(started) < 20000) {
      if (sim.newest_bot_socket() > before) {
        socket_ms = ms_since(started);
        break;
      }
      if (!gateway.running()) gateway.fail_exited("the bot's socket");
      std::this_thread::sleep_for(milliseconds(1));
    }
    if (socket_ms < 0)
      throw std::runtime_error("the gateway did not connect within 20 s:\n" + gateway.log_tail());
    double log_ms = -1;
    while (ms_since(started) < 20000) {
      if (gateway.count_log(kReadyLine) > 0) {
        log_ms = ms_since(started);
        break;
      }
      std::this_thread::sleep_for(milliseconds(1));
    }
    const auto stopping = Clock::now();
    const int status = gateway.stop(std::chrono::seconds(10));
    out.stop_ms.push_back(ms_since(stopping));
    if (status != 0) std::cerr << "warning: the gateway exited with status " << exit_text(status) << "\n";
    out.socket_ms.push_back(socket_ms);
    if (log_ms >= 0) out.log_ms.push_back(log_ms);
  }
  return out;
}

// A `posted` frame as mmsim sends it to a member of town-square for a post without a mention,
// captured from mmsim itself (as bob, so the bot's socket is not involved) and stripped of its
// seq: injected frames must not disturb the gateway's sequence continuity.
json::object captured_posted_frame(const Mmsim& sim) {
  mmclaw::test::WebSocketTestClient ws(sim.port());
  if (auto connected =
          ws.connect("/api/v4/websocket", {{"Authorization", "Bearer bobtoken000000000000000001"}});
      !connected)
    throw std::runtime_error("websocket: " + connected.error().message);
  (void)ws.read(std::chrono::seconds(3));  // hello
  sim.post_as("alice", kTownSquare, "a template post nobody answers");
  while (true) {
    auto frame = ws.read(std::chrono::seconds(3));
    if (!frame) throw std::runtime_error("no posted frame: " + frame.error().message);
    auto parsed = json::parse(*frame).as_object();
    if (field(parsed, "event") != "posted") continue;
    parsed.erase("seq");
    return parsed;
  }
}

std::string posted_frame(const json::object& model, std::string_view batch, std::uint64_t n,
                         std::int64_t at) {
  json::object frame = model;
  auto& data = frame["data"].as_object();
  auto post = json::parse(data.at("post").as_string()).as_object();
  post["id"] = make_id(batch, n);
  post["create_at"] = at;
  post["update_at"] = at;
  post["message"] = fmt::format("bench message {} for the team, not for the bot", n);
  data["post"] = json::serialize(post);
  return json::serialize(frame);
}

bool bot_queue_empty(const Mmsim& sim) {
  for (const auto& c : sim.connections()) {
    const auto& o = c.as_object();
    if (field(o, "user_id") == kBotId && o.at("active").as_bool() && int_field(o, "queue_depth") != 0)
      return false;
  }
  return true;
}

struct BurstFigures {
  double cpu_s = 0;
  double wall_ms = 0;
  long rss_after_kib = 0;
  long hwm_kib = 0;
  std::int64_t socket_before = 0;
  std::int64_t socket_after = 0;
};

// (c) N posted frames in batches of 1000 (the control API's limit), then a DM as a sentinel: the
// frames of one socket are handled in order, so its answer means every frame was processed.
BurstFigures measure_burst(const Mmsim& sim, Gateway& gateway, const json::object& model, int events,
                           int round) {
  const std::string batch_prefix = fmt::format("benchround{}", round);
  std::vector<std::string> bodies;
  const std::int64_t at =
      int_field(json::parse(model.at("data").at("post").as_string()).as_object(), "create_at");
  for (int first = 0; first < events; first += 1000) {
    json::array frames;
    for (int n = first; n < std::min(events, first + 1000); ++n)
      frames.emplace_back(posted_frame(model, batch_prefix, static_cast<std::uint64_t>(n), at + n));
    bodies.push_back(json::serialize(json::object{{"user", "mmclaw"}, {"frames", std::move(frames)}}));
  }
  BurstFigures out;
  out.socket_before = sim.newest_bot_socket();
  const pid_t pid = gateway.pid();
  const double cpu_before = quiet_cpu(pid);
  const auto started = Clock::now();
  for (const auto& body : bodies) {
    mmclaw::test::HttpTestClient client(sim.port(), "127.0.0.1", std::chrono::seconds(30));
    auto reply = client.request("POST", "/_control/frames", {{"Content-Type", "application/json"}}, body);
    if (!reply || reply->status != 200)
      throw std::runtime_error("frame injection failed: " + (reply ? reply->body : reply.error().message));
  }
  // A broadcast into a send queue of 256 or more closes the socket (as Mattermost does), so the
  // sentinel waits until mmsim has written every injected frame.
  if (!poll_until([&] { return bot_queue_empty(sim); }, std::chrono::seconds(120)))
    throw std::runtime_error("mmsim's queue to the gateway did not drain");
  const auto sentinel = sim.post_as("alice", kAliceDm, fmt::format("sentinel {}", round));
  const std::string expected = "echo: " + field(sentinel, "message");
  const bool answered = [&] {
    const auto deadline = Clock::now() + std::chrono::seconds(120);
    while (Clock::now() < deadline) {
      for (const auto& a : answers_to(sim, kAliceDm, field(sentinel, "id")))
        if (field(a, "message") == expected) return true;
      std::this_thread::sleep_for(milliseconds(5));
    }
    return false;
  }();
  out.wall_ms = ms_since(started);
  if (!answered) throw std::runtime_error("the sentinel was not answered:\n" + gateway.log_tail());
  out.cpu_s = quiet_cpu(pid) - cpu_before;
  out.rss_after_kib = status_kib(pid, "VmRSS");
  out.hwm_kib = status_kib(pid, "VmHWM");
  out.socket_after = sim.newest_bot_socket();
  return out;
}

int run(const Settings& settings) {
  Mmsim sim;
  std::cout << fmt::format("bench_gateway: mmclaw {} against mmsim on 127.0.0.1:{}\n", MMCLAW_BINARY,
                           sim.port());

  std::cout << fmt::format("(a) start to authenticated socket, {} runs ...\n", settings.runs) << std::flush;
  const auto startup = measure_startup(sim, settings.runs);

  GatewayOptions options;
  options.short_timers = false;
  if (!settings.gateway_log_level.empty()) options.global_args = {"--log-level", settings.gateway_log_level};
  Gateway gateway(sim, options);
  gateway.start_and_wait_ready(std::chrono::seconds(20));
  std::cout << fmt::format("(b) idle for {} s ...\n", settings.idle_seconds) << std::flush;
  std::this_thread::sleep_for(std::chrono::seconds(settings.idle_seconds));
  const long idle_rss = status_kib(gateway.pid(), "VmRSS");
  const long idle_hwm = status_kib(gateway.pid(), "VmHWM");
  const int threads = static_cast<int>(status_kib(gateway.pid(), "Threads"));
  const double idle_cpu = cpu_seconds(gateway.pid());

  std::cout << fmt::format("(c) {} posted frames (channel posts without a mention), 3 rounds ...\n",
                           settings.events)
            << std::flush;
  const auto model = captured_posted_frame(sim);
  std::vector<BurstFigures> bursts;
  for (int round = 0; round < 3; ++round)
    bursts.push_back(measure_burst(sim, gateway, model, settings.events, round));
  const auto dropped = gateway.count_log("frame dropped");
  const auto screened = gateway.count_log(" not answered (");
  std::string sample;  // one screened post's line, to show why it was not answered
  if (const std::string all = gateway.log(); all.rfind(" not answered (") != std::string::npos) {
    const auto at = all.rfind(" not answered (");
    const auto begin = all.rfind('\n', at);
    sample = all.substr(begin == std::string::npos ? 0 : begin + 1, all.find('\n', at) - (begin + 1));
  }
  const int stop_status = gateway.stop(std::chrono::seconds(10));

  std::cout << "\n| Measure | Value |\n|---|---|\n";
  std::cout << fmt::format(
      "| start → authenticated socket (mmsim, 1 ms polls), median / p95 / max | {:.1f} / {:.1f} / "
      "{:.1f} ms |\n",
      percentile(startup.socket_ms, 0.5), percentile(startup.socket_ms, 0.95),
      percentile(startup.socket_ms, 1.0));
  if (!startup.log_ms.empty())
    std::cout << fmt::format("| start → `{}` log line, median / p95 | {:.1f} / {:.1f} ms |\n", kReadyLine,
                             percentile(startup.log_ms, 0.5), percentile(startup.log_ms, 0.95));
  std::cout << fmt::format("| SIGTERM → exit, median / p95 | {:.1f} / {:.1f} ms |\n",
                           percentile(startup.stop_ms, 0.5), percentile(startup.stop_ms, 0.95));
  std::cout << fmt::format("| idle after {} s connected: VmRSS / VmHWM | {:.1f} / {:.1f} MiB |\n",
                           settings.idle_seconds, static_cast<double>(idle_rss) / 1024.0,
                           static_cast<double>(idle_hwm) / 1024.0);
  std::cout << fmt::format("| idle: threads, CPU time since start | {} / {:.2f} s |\n", threads, idle_cpu);
  for (std::size_t i = 0; i < bursts.size(); ++i) {
    const auto& b = bursts[i];
    std::cout << fmt::format(
        "| burst {}: {} events, gateway CPU / events per CPU-second | {:.2f} s / {:.0f} |\n", i + 1,
        settings.events, b.cpu_s, b.cpu_s > 0 ? settings.events / b.cpu_s : 0.0);
    std::cout << fmt::format(
        "| burst {}: wall time until processed / events per second | {:.0f} ms / {:.0f} |\n", i + 1,
        b.wall_ms, settings.events / (b.wall_ms / 1000.0));
    std::cout << fmt::format("| burst {}: VmRSS after / VmHWM | {:.1f} / {:.1f} MiB |\n", i + 1,
                             static_cast<double>(b.rss_after_kib) / 1024.0,
                             static_cast<double>(b.hwm_kib) / 1024.0);
    if (b.socket_after != b.socket_before)
      std::cout << fmt::format(
          "| burst {}: NOTE the gateway reconnected during the burst | socket {} → {} |\n", i + 1,
          b.socket_before, b.socket_after);
  }
  double total_cpu = 0;
  for (const auto& b : bursts) total_cpu += b.cpu_s;
  if (total_cpu > 0)
    std::cout << fmt::format("| all bursts: events per CPU-second ({} events, {:.2f} s) | {:.0f} |\n",
                             settings.events * static_cast<int>(bursts.size()), total_cpu,
                             settings.events * static_cast<double>(bursts.size()) / total_cpu);
  std::cout << fmt::format("| frames logged as dropped (should be 0) | {} |\n", dropped);
  if (!settings.gateway_log_level.empty())
    std::cout << fmt::format("| posts logged as not answered (debug log) | {} |\n", screened)
              << (sample.empty() ? "" : "\nlast one: " + sample + "\n");
  std::cout << fmt::format("| exit status after SIGTERM | {} |\n", exit_text(stop_status));
  std::cout << fmt::format(
      "\nmachine: {} CPUs online; wall times include mmsim's own work (one process on the same "
      "cores)\n",
      ::sysconf(_SC_NPROCESSORS_ONLN));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Settings settings;
  if (!mmclaw::bench::parse_options(
          argc, argv,
          {{"--runs", &settings.runs}, {"--events", &settings.events}, {"--idle-seconds", &settings.idle_seconds}},
          {{"--gateway-log-level", &settings.gateway_log_level}}, "bench_gateway",
          "bench_gateway [--runs N] [--events N] [--idle-seconds S] [--gateway-log-level L]"))
    return 2;
  try {
    return run(settings);
  } catch (const std::exception& e) {
    std::cerr << "bench_gateway: " << e.what() << "\n";
    return 1;
  }
}

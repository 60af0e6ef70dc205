// bench_agent: PRODUCT.md's agent targets, "gateway overhead on a DM round trip under 2 ms at the
// median" and the memory of a gateway that has talked a while. The real `mmclaw gateway` (default
// timers, log level info) against the real mmsim and llmsim on loopback, with an
// openai-completions provider pointing at llmsim, which answers at once (no directive: `echo: <the
// message>`, streamed one word per chunk without delays).
//
// (1) N sequential DM round trips (alice → the bot; each waits for its answer). The gateway's own
//     time comes from timestamps the processes record, all wall-clock milliseconds of this machine:
//       T0  the post's create_at (mmsim stamps it when alice's POST /posts is handled)
//       T1  llmsim's `time` of the model request (stamped once the request is read)
//       T2  the reply's create_at (mmsim stamps it when the bot's POST /posts is handled)
//     (a) T1 - T0, inbound: mmsim's event to the bot, decoding, decisions, store, transcript,
//         prompt, the HTTP request to llmsim;
//     (b) T2 - T1, outbound: llmsim writing its zero-delay stream (llmsim records no end time;
//         its stream is a handful of chunks written at once, well under the 1 ms resolution),
//         the gateway reading it to the final, then POST /posts;
//     T2 - T0, the whole round trip minus nothing: with llmsim answering at once, all of it is the
//         gateway's own time plus mmsim's and llmsim's work on loopback.
//     Each difference has 1 ms resolution (an error below ±1 ms per sample; the mean of many is
//     unbiased). The bench's own clock adds a microsecond figure: the /_control/post call sent →
//     the reply's `posted` event read on alice's WebSocket, an upper bound of the same round trip.
// (2) M turns across S sessions on a fresh gateway: with `replyToMode: "all"` every root post in
//     town-square opens a thread, and each thread is its own session (`...:thread:<root id>`), so
//     S root mentions by alice and then replies in those threads give S real sessions with
//     transcripts. Rounds: one post per session, all S posted at once, wait for the S answers,
//     next round. After the last round: the gateway's VmRSS and VmHWM from /proc.
//
// (3) One long streamed answer (llmsim: `tokens` words, `delay_ms` apart) on a fresh gateway with
//     the default `streaming.mode` partial: the preview's edits per second (mmsim's history of the
//     post) and the gateway's CPU per streamed token (schedstat from the post to the final edit).
//
// Figures go to docs/PERFORMANCE.md; nothing here asserts beyond "every post answered once".
//
//   bench_agent [--round-trips N] [--warmup N] [--sessions S] [--turns-per-session T]
//               [--timeout-seconds S] [--stream-tokens N] [--stream-delay-ms D]

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <numeric>
#include <set>
#include <sstream>

#include "bench_args.hpp"
#include "bench_proc.hpp"
#include "e2e/gateway_support.hpp"
#include "support/llmsim_process.hpp"

namespace {

using namespace mmclaw::e2e;
using mmclaw::bench::percentile;
using mmclaw::bench::status_kib;
using mmclaw::test::LlmsimProcess;

struct Settings {
  int round_trips = 200;
  int warmup = 5;
  int sessions = 100;
  int turns_per_session = 10;
  int timeout_seconds = 60;  // per wait (one answer, one round)
  int stream_tokens = 2000;  // (3): the streamed answer's tokens
  int stream_delay_ms = 5;   // (3): llmsim's pause between them
};

double mean(const std::vector<double>& values) {
  return values.empty()
             ? 0
             : std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
}

// "2026-11-21T19:55:00.123Z" (llmsim's request time) → milliseconds since the epoch.
std::int64_t iso_ms(const std::string& text) {
  std::tm tm{};
  int ms = 0;
  if (std::sscanf(text.c_str(), "%d-%d-%dT%d:%d:%d.%dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                  &tm.tm_min, &tm.tm_sec, &ms) != 7)
    throw std::runtime_error("llmsim time not understood: " + text);
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<std::int64_t>(::timegm(&tm)) * 1000 + ms;
}

// CPU time of every thread of `pid` in nanoseconds (/proc/<pid>/schedstat, first field), or -1
// when the kernel does not keep it. Nanosecond resolution, unlike the 10 ms ticks of /proc/<pid>/stat.
double cpu_ns(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/schedstat");
  double ns = -1;
  if (!(in >> ns)) return -1;
  return ns;
}

double mib(long kib) {
  return static_cast<double>(kib) / 1024.0;
}

// The provider: llmsim over openai-completions, its one model, no directive needed.
GatewayOptions agent_options(const LlmsimProcess& llm) {
  GatewayOptions o;
  o.short_timers = false;
  o.models = fmt::format(R"(models: {{ providers: {{
      llmsim: {{ baseUrl: "{}", api: "openai-completions", apiKey: "sk-bench-not-a-real-key-0123456789",
                 models: [{{ id: "sim-chat" }}] }},
    }} }},
  agents: {{ defaults: {{ model: {{ primary: "llmsim/sim-chat" }}, systemPrompt: "You are a benchmark bot." }} }},)",
                         llm.base_url());
  return o;
}

// The model requests llmsim received after `since` (its seq), oldest first.
json::array model_requests_since(const LlmsimProcess& llm, std::int64_t since) {
  json::array out;
  const auto all = llm.control(fmt::format("/_control/requests?since={}", since));
  for (const auto& r : all.at("requests").as_array())
    if (str(r.at("path")) == "/v1/chat/completions") out.push_back(r);
  return out;
}
std::int64_t last_seq(const LlmsimProcess& llm) {
  const auto all = llm.control("/_control/requests");
  const auto& list = all.at("requests").as_array();
  return list.empty() ? 0 : list.back().at("seq").to_number<std::int64_t>();
}

// The text of the last user message of a chat completions request.
std::string last_user_text(const json::value& request) {
  const auto* body = request.as_object().if_contains("json");
  if (body == nullptr || !body->is_object()) return {};
  const auto& messages = body->as_object().at("messages").as_array();
  for (auto it = messages.rbegin(); it != messages.rend(); ++it)
    if (field(it->as_object(), "role") == "user") return field(it->as_object(), "content");
  return {};
}

// Alice's WebSocket: waits for the bot's `posted` event that answers `post_id`, or the
// `post_edited` event of a preview finalised in place into that answer; the reply post.
json::object wait_reply_event(mmclaw::test::WebSocketTestClient& ws, std::string_view post_id,
                              std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (int frames = 0; frames < 10000; ++frames) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) break;
    auto frame = ws.read(left);
    if (!frame) throw std::runtime_error("alice's socket: " + frame.error().message);
    const auto parsed = json::parse(*frame);
    if (!parsed.is_object()) continue;
    const std::string event = field(parsed.as_object(), "event");
    if (event != "posted" && event != "post_edited") continue;
    auto post = json::parse(str(parsed.at("data").at("post"))).as_object();
    if (field(post, "user_id") != kBotId) continue;
    const auto* props = post.if_contains("props");
    if (props != nullptr && props->is_object() && field(props->as_object(), "mmclaw_reply_to") == post_id)
      return post;
  }
  throw std::runtime_error(fmt::format("no answer to post {} within {} ms", post_id, timeout.count()));
}

struct RoundTrip {
  double inbound_ms = 0;   // (a) T1 - T0
  double outbound_ms = 0;  // (b) T2 - T1
  double whole_ms = 0;     // T2 - T0
  double bench_us = 0;     // /_control/post sent → reply event read (bench clock)
};

struct DmFigures {
  std::vector<RoundTrip> trips;
  std::map<std::string, std::size_t> bot_calls;  // "METHOD path" → count, during the measured trips
  double post_call_ms = 0;                       // mmsim's own handling of the bot's POST /posts (mean)
  std::size_t last_prompt_messages = 0;
  std::size_t last_prompt_bytes = 0;
  std::vector<double> model_turn_log_ms;  // the gateway's "model turn ... in N ms" lines
  long rss_kib = 0;
  long hwm_kib = 0;
  double cpu_ms_per_trip = -1;  // the gateway's CPU (schedstat) over the measured trips, per trip
};

DmFigures measure_dm_round_trips(const Mmsim& sim, const LlmsimProcess& llm, const Settings& settings) {
  DmFigures out;
  Gateway gateway(sim, agent_options(llm));
  gateway.start_and_wait_ready(std::chrono::seconds(20));
  gateway.wait_log("catch-up (startup)", std::chrono::seconds(20));
  mmclaw::test::WebSocketTestClient ws(sim.port(), "127.0.0.1",
                                       std::chrono::seconds(settings.timeout_seconds));
  if (auto connected =
          ws.connect("/api/v4/websocket", {{"Authorization", "Bearer " + std::string(kAliceToken)}});
      !connected)
    throw std::runtime_error("alice's websocket: " + connected.error().message);
  (void)ws.read(std::chrono::seconds(5));  // hello
  const auto timeout = std::chrono::milliseconds(std::chrono::seconds(settings.timeout_seconds));

  std::uint64_t calls_from = 0;
  std::string log_at_measure;
  double cpu_before = -1;
  for (int i = -settings.warmup; i < settings.round_trips; ++i) {
    if (i == 0) {
      const auto calls = sim.calls();
      calls_from =
          calls.empty() ? 0 : static_cast<std::uint64_t>(int_field(calls.back().as_object(), "index")) + 1;
      log_at_measure = gateway.log();
      std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the warm-up's typing settles
      cpu_before = cpu_ns(gateway.pid());
    }
    const std::int64_t seq_before = last_seq(llm);
    const std::string text = fmt::format("dm question {} for the benchmark", i);
    const auto sent = Clock::now();
    const auto post = sim.post_as("alice", kAliceDm, text);
    const auto reply = wait_reply_event(ws, field(post, "id"), timeout);
    const auto seen = Clock::now();
    const auto requests = model_requests_since(llm, seq_before);
    if (requests.size() != 1 || last_user_text(requests.front()).find(text) == std::string::npos)
      throw std::runtime_error(fmt::format("round trip {}: expected one model request for \"{}\", got {}", i,
                                           text, json::serialize(requests)));
    if (i < 0) continue;
    const std::int64_t t0 = int_field(post, "create_at");
    const std::int64_t t1 = iso_ms(str(requests.front().at("time")));
    // The answer became visible when it was posted, or when a preview was edited into it.
    const std::int64_t t2 = int_field(reply, "edit_at") > 0 ? int_field(reply, "edit_at") : int_field(reply, "create_at");
    out.trips.push_back({static_cast<double>(t1 - t0), static_cast<double>(t2 - t1),
                         static_cast<double>(t2 - t0),
                         std::chrono::duration<double, std::micro>(seen - sent).count()});
    if (i == settings.round_trips - 1) {
      const auto& body = requests.front().at("json").as_object();
      out.last_prompt_messages = body.at("messages").as_array().size();
      out.last_prompt_bytes = str(requests.front().at("body")).size();
    }
  }
  if (const double cpu_after = cpu_ns(gateway.pid()); cpu_before >= 0 && cpu_after >= 0 && !out.trips.empty())
    out.cpu_ms_per_trip = (cpu_after - cpu_before) / 1e6 / static_cast<double>(out.trips.size());
  out.rss_kib = status_kib(gateway.pid(), "VmRSS");
  out.hwm_kib = status_kib(gateway.pid(), "VmHWM");

  double post_ms = 0;
  std::size_t posts = 0;
  for (const auto& c : sim.calls(calls_from)) {
    const auto& o = c.as_object();
    if (field(o, "user_id") != kBotId) continue;
    ++out.bot_calls[field(o, "method") + " " + field(o, "path")];
    if (field(o, "method") == "POST" && field(o, "path") == "/api/v4/posts") {
      post_ms += static_cast<double>(int_field(o, "duration_ms"));
      ++posts;
    }
  }
  out.post_call_ms = posts > 0 ? post_ms / static_cast<double>(posts) : 0;

  // "model turn for post X with llmsim/sim-chat: answered in N ms (1 call)", measured trips only.
  const std::string all = gateway.log();
  constexpr std::string_view kTurn = ": answered in ";
  for (auto at = all.find(kTurn, log_at_measure.size()); at != std::string::npos;
       at = all.find(kTurn, at + 1))
    out.model_turn_log_ms.push_back(std::stod(all.substr(at + kTurn.size(), 12)));

  (void)ws.close();
  const int status = gateway.stop(std::chrono::seconds(10));
  if (status != 0) std::cerr << "warning: the gateway exited with status " << exit_text(status) << "\n";
  return out;
}

struct SessionFigures {
  long idle_rss_kib = 0;
  long idle_anon_kib = 0;
  long rss_kib = 0;
  long anon_kib = 0;  // RssAnon: the heap and stacks
  long file_kib = 0;  // RssFile: mapped files (the binary, libraries, SQLite's shared memory index)
  long hwm_kib = 0;
  std::vector<double> round_ms;
  std::size_t sessions_seen = 0;  // distinct session keys in the "delivered reply to" lines
  std::size_t unanswered = 0;
  std::size_t answered_twice = 0;
  std::size_t wrong_thread = 0;
  std::size_t model_requests = 0;
  std::size_t min_last_messages = 0;
  std::size_t max_last_messages = 0;
  double cpu_ms_per_turn = -1;  // the gateway's CPU (schedstat) over the rounds, per turn
};

SessionFigures measure_sessions(const Mmsim& sim, const LlmsimProcess& llm, const Settings& settings) {
  SessionFigures out;
  llm.control("/_control/reset", json::object{});
  GatewayOptions options = agent_options(llm);
  options.mattermost_extra = R"(replyToMode: "all",)";
  Gateway gateway(sim, options);
  gateway.start_and_wait_ready(std::chrono::seconds(20));
  gateway.wait_log("catch-up (startup)", std::chrono::seconds(20));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  out.idle_rss_kib = status_kib(gateway.pid(), "VmRSS");
  out.idle_anon_kib = status_kib(gateway.pid(), "RssAnon");

  const auto sessions = static_cast<std::size_t>(settings.sessions);
  std::vector<std::string> roots(sessions);
  std::map<std::string, std::size_t> thread_of;  // alice's post id → its session index
  const auto delivered_before = gateway.count_log("delivered reply to");
  const std::int64_t seq_before = last_seq(llm);
  std::int64_t seq_last_round = seq_before;
  const double cpu_before = cpu_ns(gateway.pid());
  for (int round = 0; round < settings.turns_per_session; ++round) {
    if (round == settings.turns_per_session - 1) seq_last_round = last_seq(llm);
    const auto started = Clock::now();
    for (std::size_t s = 0; s < sessions; ++s) {
      const std::string text = fmt::format("@mmclaw session {} turn {}: what next?", s, round);
      const auto post = round == 0 ? sim.post_as("alice", kTownSquare, text)
                                   : sim.post_as("alice", kTownSquare, text, roots[s]);
      if (round == 0) roots[s] = field(post, "id");
      thread_of[field(post, "id")] = s;
    }
    const auto want = delivered_before + sessions * static_cast<std::size_t>(round + 1);
    if (!poll_until([&] { return gateway.count_log("delivered reply to") >= want; },
                    std::chrono::seconds(settings.timeout_seconds)))
      throw std::runtime_error(fmt::format("round {}: not all {} sessions answered within {} s; log:\n{}",
                                           round, sessions, settings.timeout_seconds, gateway.log_tail()));
    out.round_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - started).count());
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  if (const double cpu_after = cpu_ns(gateway.pid()); cpu_before >= 0 && cpu_after >= 0)
    out.cpu_ms_per_turn =
        (cpu_after - cpu_before) / 1e6 /
        static_cast<double>(sessions * static_cast<std::size_t>(settings.turns_per_session));
  out.rss_kib = status_kib(gateway.pid(), "VmRSS");
  out.hwm_kib = status_kib(gateway.pid(), "VmHWM");
  out.anon_kib = status_kib(gateway.pid(), "RssAnon");
  out.file_kib = status_kib(gateway.pid(), "RssFile");

  // Every post answered once, in its own thread.
  std::map<std::string, int> answers;
  for (const auto& p : sim.posts(kTownSquare)) {
    const auto& post = p.as_object();
    if (field(post, "user_id") != kBotId || int_field(post, "delete_at") != 0) continue;
    const auto* props = post.if_contains("props");
    if (props == nullptr || !props->is_object()) continue;
    const std::string answered = field(props->as_object(), "mmclaw_reply_to");
    const auto it = thread_of.find(answered);
    if (it == thread_of.end()) continue;
    ++answers[answered];
    if (field(post, "root_id") != roots[it->second]) ++out.wrong_thread;
  }
  for (const auto& [id, s] : thread_of) {
    const auto it = answers.find(id);
    if (it == answers.end())
      ++out.unanswered;
    else if (it->second > 1)
      ++out.answered_twice;
  }
  // Distinct sessions, from "delivered reply to channel:... (session <key>, post ...".
  std::set<std::string> keys;
  const std::string all = gateway.log();
  constexpr std::string_view kSession = "(session ";
  for (auto at = all.find("delivered reply to"); at != std::string::npos;
       at = all.find("delivered reply to", at + 1)) {
    const auto from = all.find(kSession, at);
    if (from == std::string::npos) break;
    const auto begin = from + kSession.size();
    keys.insert(all.substr(begin, all.find(',', begin) - begin));
  }
  out.sessions_seen = keys.size();
  // The last round's requests carry each session's transcript.
  const auto requests = model_requests_since(llm, seq_before);
  out.model_requests = requests.size();
  out.min_last_messages = std::numeric_limits<std::size_t>::max();
  for (const auto& r : model_requests_since(llm, seq_last_round)) {
    const auto n = r.at("json").at("messages").as_array().size();
    out.min_last_messages = std::min(out.min_last_messages, n);
    out.max_last_messages = std::max(out.max_last_messages, n);
  }
  if (out.max_last_messages == 0) out.min_last_messages = 0;

  const int status = gateway.stop(std::chrono::seconds(10));
  if (status != 0) std::cerr << "warning: the gateway exited with status " << exit_text(status) << "\n";
  return out;
}

struct StreamFigures {
  std::size_t tokens = 0;
  std::size_t posts = 0;        // the bot's posts of the answer (one, edited in place)
  std::size_t edits = 0;        // patches of the preview, the final one included
  double stream_ms = 0;         // the post's create_at → the last edit
  double cpu_us_per_token = -1; // the gateway's CPU over the whole answer, per token
};

StreamFigures measure_streaming(const Mmsim& sim, const LlmsimProcess& llm, const Settings& settings) {
  StreamFigures out;
  Gateway gateway(sim, agent_options(llm));
  gateway.start_and_wait_ready(std::chrono::seconds(20));
  gateway.wait_log("catch-up (startup)", std::chrono::seconds(20));
  const auto group = sim.create_group();  // a channel of its own: the DMs of (1) are not counted
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const double cpu_before = cpu_ns(gateway.pid());
  const auto post = sim.post_as(
      "alice", group,
      fmt::format(R"(@mmclaw stream @llmsim {{"tokens": {}, "delay_ms": {}}})", settings.stream_tokens,
                  settings.stream_delay_ms));
  const auto deadline = Clock::now() + std::chrono::seconds(settings.timeout_seconds);
  std::vector<json::object> answers;
  while (Clock::now() < deadline) {
    answers = answers_to(sim, group, field(post, "id"));
    if (!answers.empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (answers.empty()) throw std::runtime_error("the streamed answer did not arrive");
  const double cpu_after = cpu_ns(gateway.pid());
  out.tokens = static_cast<std::size_t>(settings.stream_tokens);
  std::int64_t last = 0;
  for (const auto& p : sim.posts(group)) {
    const auto& o = p.as_object();
    if (field(o, "user_id") != kBotId) continue;
    ++out.posts;
    for (const auto& h : o.at("history").as_array())
      if (field(h.as_object(), "cause") == "patch") {
        ++out.edits;
        last = std::max(last, int_field(h.as_object(), "at"));
      }
  }
  out.stream_ms = static_cast<double>(last - int_field(post, "create_at"));
  if (cpu_before >= 0 && cpu_after >= 0)
    out.cpu_us_per_token = (cpu_after - cpu_before) / 1e3 / static_cast<double>(out.tokens);
  return out;
}

void print_interval(std::string_view what, const std::vector<double>& values, std::string_view unit = "ms") {
  std::cout << fmt::format("| {} | {:.0f} / {:.0f} / {:.2f} / {:.0f} {} |\n", what, percentile(values, 0.5),
                           percentile(values, 0.99), mean(values), percentile(values, 1.0), unit);
}

int run(const Settings& settings) {
  Mmsim sim;
  LlmsimProcess llm;
  std::cout << fmt::format("bench_agent: mmclaw {} with mmsim on 127.0.0.1:{} and llmsim on 127.0.0.1:{}\n",
                           MMCLAW_BINARY, sim.port(), llm.port());
  std::cout << fmt::format("(1) {} sequential DM round trips (after {} warm-up) ...\n", settings.round_trips,
                           settings.warmup)
            << std::flush;
  const auto dm = measure_dm_round_trips(sim, llm, settings);
  std::cout << fmt::format("(2) {} turns across {} thread sessions ...\n",
                           settings.sessions * settings.turns_per_session, settings.sessions)
            << std::flush;
  const auto s = measure_sessions(sim, llm, settings);
  std::cout << fmt::format("(3) one answer of {} tokens streamed {} ms apart ...\n", settings.stream_tokens,
                           settings.stream_delay_ms)
            << std::flush;
  const auto st = measure_streaming(sim, llm, settings);

  std::vector<double> inbound;
  std::vector<double> outbound;
  std::vector<double> whole;
  std::vector<double> bench_ms;
  for (const auto& t : dm.trips) {
    inbound.push_back(t.inbound_ms);
    outbound.push_back(t.outbound_ms);
    whole.push_back(t.whole_ms);
    bench_ms.push_back(t.bench_us / 1000.0);
  }
  const auto half = whole.size() / 2;
  const std::vector<double> first_half(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(half));
  const std::vector<double> second_half(whole.begin() + static_cast<std::ptrdiff_t>(half), whole.end());

  std::cout << fmt::format("\n{} DM round trips, median / p99 / mean / max:\n\n", dm.trips.size());
  std::cout << "| Interval | Figure |\n|---|---|\n";
  print_interval("(a) post create_at → llmsim request time (inbound)", inbound);
  print_interval("(b) llmsim request time → reply create_at (stream + outbound)", outbound);
  print_interval("whole: post create_at → reply create_at", whole);
  std::cout << fmt::format("| whole, first half / second half of the trips (median) | {:.0f} / {:.0f} ms |\n",
                           percentile(first_half, 0.5), percentile(second_half, 0.5));
  std::cout << fmt::format(
      "| bench clock: /_control/post sent → reply event on alice's socket | {:.2f} / {:.2f} / "
      "{:.2f} / {:.2f} ms |\n",
      percentile(bench_ms, 0.5), percentile(bench_ms, 0.99), mean(bench_ms), percentile(bench_ms, 1.0));
  std::vector<std::size_t> slow;
  for (std::size_t i = 0; i < whole.size(); ++i)
    if (whole[i] >= 20) slow.push_back(i);
  std::cout << fmt::format(
      "| trips whose whole round trip took 20 ms or more (first / last trip number) | {}{} |\n", slow.size(),
      slow.empty() ? "" : fmt::format(" ({} / {})", slow.front(), slow.back()));
  if (dm.cpu_ms_per_trip >= 0)
    std::cout << fmt::format("| gateway CPU per round trip (schedstat over the {} trips) | {:.3f} ms |\n",
                             dm.trips.size(), dm.cpu_ms_per_trip);
  if (!dm.model_turn_log_ms.empty())
    print_interval("the gateway's log: model turn \"answered in N ms\"", dm.model_turn_log_ms);
  std::string calls;
  for (const auto& [name, count] : dm.bot_calls)
    calls += fmt::format(
        "{}{} {:.2f}", calls.empty() ? "" : ", ", name,
        static_cast<double>(count) / static_cast<double>(std::max<std::size_t>(1, dm.trips.size())));
  std::cout << fmt::format("| the bot's REST calls per round trip (mmsim's log) | {} |\n", calls);
  std::cout << fmt::format("| mmsim's own time on the bot's POST /posts (mean) | {:.2f} ms |\n",
                           dm.post_call_ms);
  std::cout << fmt::format("| the last trip's model request: messages / body | {} / {} bytes |\n",
                           dm.last_prompt_messages, dm.last_prompt_bytes);
  std::cout << fmt::format("| gateway after the DMs: VmRSS / VmHWM | {:.1f} / {:.1f} MiB |\n",
                           mib(dm.rss_kib), mib(dm.hwm_kib));

  std::cout << fmt::format("\n{} turns across {} sessions (thread sessions, {} rounds of {} posts):\n\n",
                           settings.sessions * settings.turns_per_session, settings.sessions,
                           settings.turns_per_session, settings.sessions);
  std::cout << "| Measure | Value |\n|---|---|\n";
  std::cout << fmt::format(
      "| gateway before the turns (connected, idle): VmRSS, of which RssAnon | {:.1f}, {:.1f} MiB |\n",
      mib(s.idle_rss_kib), mib(s.idle_anon_kib));
  std::cout << fmt::format("| gateway after the turns: VmRSS / VmHWM | {:.1f} / {:.1f} MiB |\n",
                           mib(s.rss_kib), mib(s.hwm_kib));
  std::cout << fmt::format("| of which RssAnon / RssFile | {:.1f} / {:.1f} MiB |\n", mib(s.anon_kib),
                           mib(s.file_kib));
  std::cout << fmt::format("| distinct session keys answered / model requests | {} / {} |\n", s.sessions_seen,
                           s.model_requests);
  std::cout << fmt::format("| messages in the last round's model requests (min / max) | {} / {} |\n",
                           s.min_last_messages, s.max_last_messages);
  std::cout << fmt::format("| one round ({} posts → {} answers), median / max | {:.0f} / {:.0f} ms |\n",
                           settings.sessions, settings.sessions, percentile(s.round_ms, 0.5),
                           percentile(s.round_ms, 1.0));
  if (s.cpu_ms_per_turn >= 0)
    std::cout << fmt::format("| gateway CPU per turn (schedstat over the rounds) | {:.3f} ms |\n",
                             s.cpu_ms_per_turn);
  std::cout << fmt::format(
      "| posts without an answer / answered twice / answered outside their thread | {} / {} / "
      "{} |\n",
      s.unanswered, s.answered_twice, s.wrong_thread);
  std::cout << fmt::format("\nOne streamed answer ({} tokens, {} ms apart; streaming.mode partial):\n\n",
                           st.tokens, settings.stream_delay_ms);
  std::cout << "| Measure | Value |\n|---|---|\n";
  std::cout << fmt::format("| the answer's posts / edits of the preview | {} / {} |\n", st.posts, st.edits);
  std::cout << fmt::format("| post → last edit | {:.0f} ms |\n", st.stream_ms);
  std::cout << fmt::format("| edits per second | {:.2f} |\n",
                           st.stream_ms > 0 ? static_cast<double>(st.edits) * 1000.0 / st.stream_ms : 0.0);
  if (st.cpu_us_per_token >= 0)
    std::cout << fmt::format("| gateway CPU per streamed token (schedstat, post → answer seen) | {:.2f} µs |\n",
                             st.cpu_us_per_token);
  std::cout << fmt::format(
      "\nmachine: {} CPUs online; mmsim, llmsim and the bench share them with the gateway. Process "
      "timestamps have 1 ms resolution.\n",
      ::sysconf(_SC_NPROCESSORS_ONLN));
  return s.unanswered == 0 && s.answered_twice == 0 && s.wrong_thread == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Settings settings;
  if (!mmclaw::bench::parse_options(argc, argv,
                                    {{"--round-trips", &settings.round_trips},
                                     {"--warmup", &settings.warmup},
                                     {"--sessions", &settings.sessions},
                                     {"--turns-per-session", &settings.turns_per_session},
                                     {"--timeout-seconds", &settings.timeout_seconds},
                                     {"--stream-tokens", &settings.stream_tokens},
                                     {"--stream-delay-ms", &settings.stream_delay_ms}},
                                    {}, "bench_agent",
                                    "bench_agent [--round-trips N] [--warmup N] [--sessions S] "
                                    "[--turns-per-session T] [--timeout-seconds S] [--stream-tokens N] "
                                    "[--stream-delay-ms D]"))
    return 2;
  try {
    return run(settings);
  } catch (const std::exception& e) {
    std::cerr << "bench_agent: " << e.what() << "\n";
    return 1;
  }
}

#pragma once
// The end-to-end harness of `mmclaw gateway`: a fresh mmsim per test (the demo fixture), a config
// written into a temp dir, the real mmclaw started as a child process, and helpers that read back
// what Mattermost would see (posts, REST calls, WebSocket connections).
//
// Not tied to GoogleTest (the gateway benchmark uses it too): a failure is a std::runtime_error
// whose message says what was waited for and, for the gateway, what it logged. Every wait is
// bounded and polls; nothing here assumes a fast machine.

#include <signal.h>
#include <sys/types.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "support/http_test_client.hpp"
#include "support/mmsim_process.hpp"
#include "support/temp_dir.hpp"
#include "util/child_process.hpp"
#include "util/free_port.hpp"
#include "util/subprocess.hpp"

namespace mmclaw::e2e {

using namespace std::chrono_literals;
namespace json = boost::json;
using Clock = std::chrono::steady_clock;

// The demo fixture's ids and tokens (kBotToken, kTownSquare, ...).
using namespace test::mmsim_demo;

inline constexpr std::string_view kReadyLine = "mattermost websocket authenticated";
inline constexpr std::chrono::milliseconds kPoll = 50ms;

inline std::string str(const json::value& v) {
  return v.is_string() ? std::string(v.get_string()) : std::string();
}
inline std::string field(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr ? str(*v) : std::string();
}
inline std::int64_t int_field(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_number() ? v->to_number<std::int64_t>() : 0;
}

// Polls `done` every kPoll until it is true or `timeout` passed; returns the last answer.
inline bool poll_until(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (true) {
    if (done()) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(kPoll);
  }
}

// 26 characters from Mattermost's id alphabet, unique per (prefix, n) for n < 32^8.
inline std::string make_id(std::string_view prefix, std::uint64_t n) {
  static constexpr std::string_view alphabet = "ybndrfg8ejkmcpqxot1uwisza345h769";
  std::string id(prefix.substr(0, 18));
  while (id.size() < 18) id += 'y';
  for (int i = 0; i < 8; ++i) {
    id += alphabet[n % 32];
    n /= 32;
  }
  return id;
}

// ---------------------------------------------------------------------------------------------
// mmsim with the demo fixture (tests/support/mmsim_process.hpp: start, stop, call(), control()),
// and what the end-to-end tests read back from it.
class Mmsim : public test::MmsimProcess {
 public:
  using MmsimProcess::MmsimProcess;

  // A post as `user` through the real REST path; the created post.
  json::object post_as(std::string_view user, std::string_view channel_id, std::string_view message,
                       std::string_view root_id = {}) const {
    json::object body{{"as", user}, {"channel_id", channel_id}, {"message", message}};
    if (!root_id.empty()) body["root_id"] = root_id;
    return created_post(control("/_control/post", body));
  }
  // A DM from `user` to `to` (the DM channel is opened first when needed).
  json::object dm_as(std::string_view user, std::string_view to, std::string_view message) const {
    return created_post(
        control("/_control/post", json::object{{"as", user}, {"to", to}, {"message", message}}));
  }
  // A group message channel of alice, bob and the bot; its id.
  std::string create_group() const {
    const auto reply = control("/_control/act",
                               json::object{{"as", "alice"},
                                            {"method", "POST"},
                                            {"path", "/api/v4/channels/group"},
                                            {"body", json::array{json::string(kAliceId), json::string(kBobId),
                                                                 json::string(kBotId)}}});
    if (int_field(reply.as_object(), "status") != 201)
      throw std::runtime_error("cannot create a group channel: " + json::serialize(reply));
    return str(reply.at("body").at("id"));
  }

  json::array posts(std::string_view channel_id) const {
    return control(fmt::format("/_control/posts?channel_id={}", channel_id)).as_array();
  }
  json::array calls(std::uint64_t since = 0) const {
    return control(fmt::format("/_control/calls?since={}", since)).as_array();
  }
  // REST calls of `method` `path` made so far (any caller).
  std::size_t count_calls(std::string_view method, std::string_view path) const {
    std::size_t n = 0;
    for (const auto& c : calls())
      if (field(c.as_object(), "method") == method && field(c.as_object(), "path") == path) ++n;
    return n;
  }
  json::array connections() const { return control("/_control/connections").as_array(); }
  void fault(json::object body) const { control("/_control/faults", body); }

  // The numbers of the bot's open sockets that are authenticated and not blackholed.
  std::vector<std::int64_t> bot_sockets() const {
    std::vector<std::int64_t> out;
    for (const auto& c : connections()) {
      const auto& o = c.as_object();
      const auto* socket = o.if_contains("socket");
      if (field(o, "user_id") != kBotId || socket == nullptr || !socket->is_number()) continue;
      if (!o.at("authenticated").as_bool() || !o.at("active").as_bool() || o.at("blackholed").as_bool())
        continue;
      out.push_back(socket->to_number<std::int64_t>());
    }
    return out;
  }
  // The newest such socket, or 0 when there is none.
  std::int64_t newest_bot_socket() const {
    const auto sockets = bot_sockets();
    return sockets.empty() ? 0 : *std::max_element(sockets.begin(), sockets.end());
  }

 private:
  static json::object created_post(const json::value& reply) {
    if (int_field(reply.as_object(), "status") != 201)
      throw std::runtime_error("mmsim refused the post: " + json::serialize(reply));
    return reply.at("body").as_object();
  }
};

// ---------------------------------------------------------------------------------------------
struct GatewayOptions {
  std::string bot_token{kBotToken};
  bool short_timers = true;          // the e2e timers; false keeps mmclaw's defaults (the benchmark)
  int reconnect_max_delay_ms = 500;  // with short_timers; also the slow retry rate of a rejected token
  bool use_websocket = true;
  std::string dm_policy = "open";
  std::string allow_from = R"(["*"])";  // a JSON5 array
  std::string group_policy = "open";
  std::string mattermost_extra;          // JSON5 members added to channels.mattermost, e.g. `groups: {...},`
  std::string root_extra;                // JSON5 members added at the top level, e.g. `session: {...},`
  std::string gateway_extra;             // JSON5 members added to `gateway`, e.g. `reload: {...},`
  std::uint16_t http_port = 0;           // gateway.port; 0: a free port, chosen when the config is written
  std::string mmclaw_extra;  // JSON5 members added to `mmclaw`, e.g. `agent: {...},`
  // The `models` and `agents` sections (the default: the echo backend).
  std::string models = R"(models: { providers: { echo: { api: "echo", models: [{ id: "echo" }] } } },
  agents: { defaults: { model: "echo/echo" } },)";
  std::vector<std::string> global_args;  // before the command, e.g. {"--log-level", "debug"}
};

// `mmclaw --config <dir>/openclaw.json5 gateway`. The config and the store live in a temp dir
// owned by this object, so start() after a stop is a restart with the same store.
class Gateway {
 public:
  Gateway(const Mmsim& sim, GatewayOptions options = {}) : options_(std::move(options)) {
    choose_port();
    config_path_ = dir_.write("openclaw.json5", config_text(sim));
  }
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  [[nodiscard]] const std::filesystem::path& config_path() const { return config_path_; }
  [[nodiscard]] std::filesystem::path store_path() const { return dir_.path() / "mmclaw.db"; }

  // The config's text: what the tests and the benchmark run with.
  [[nodiscard]] std::string config_text(const Mmsim& sim) const {
    const std::string timers = options_.short_timers ? fmt::format(R"(
    monitor: {{
      connectTimeoutMs: 2000, authTimeoutMs: 2000, pingIntervalMs: 300, pongTimeoutMs: 300,
      readIdleMs: 2000, healthCheckIntervalMs: 300, reconnectInitialDelayMs: 100,
      reconnectMaxDelayMs: {}, pollIntervalMs: 200,
    }},)",
                                                                   options_.reconnect_max_delay_ms)
                                                     : std::string();
    return fmt::format(R"({{
  // Written by tests/e2e/gateway_support.hpp.
  channels: {{
    mattermost: {{
      baseUrl: "{}",
      botToken: "{}",
      dmPolicy: "{}",
      allowFrom: {},
      groupPolicy: "{}",
      network: {{ dangerouslyAllowPrivateNetwork: true }},
      {}
      {}
    }},
  }},
  {}
  gateway: {{ port: {}, {} }},
  mmclaw: {{
    store: {{ path: "{}" }},{}
    {}
  }},
  {}
}}
)",
                       sim.base_url(), options_.bot_token, options_.dm_policy, options_.allow_from,
                       options_.group_policy, options_.use_websocket ? "" : "useWebSocket: false,",
                       options_.mattermost_extra, options_.models, options_.http_port, options_.gateway_extra,
                       store_path().string(), timers, options_.mmclaw_extra, options_.root_extra);
  }

  [[nodiscard]] const GatewayOptions& options() const { return options_; }
  // The gateway's HTTP port (gateway.port) and the base URL of its HTTP surface.
  [[nodiscard]] std::uint16_t http_port() const { return options_.http_port; }
  [[nodiscard]] std::string http_url() const { return fmt::format("http://127.0.0.1:{}", options_.http_port); }

  // Writes a new config (for reload tests): the options' config, or `text` verbatim. Replaced by a
  // rename, as editors do, so the gateway never reads half a file.
  void rewrite_config(const Mmsim& sim, GatewayOptions options) {
    const std::uint16_t port = options_.http_port;
    options_ = std::move(options);
    if (options_.http_port == 0) options_.http_port = port;  // the running gateway keeps its port
    write_config_text(config_text(sim));
  }
  void write_config_text(std::string_view text) {
    const auto tmp = dir_.write("openclaw.json5.tmp", std::string(text));
    std::filesystem::rename(tmp, config_path_);
  }

  // Starts the gateway (again, after a stop: same config, same store).
  void start() {
    util::ChildOptions options;
    options.argv = {MMCLAW_BINARY, "--config", config_path_.string()};
    options.argv.insert(options.argv.end(), options_.global_args.begin(), options_.global_args.end());
    options.argv.push_back("gateway");
    // Nothing of our environment leaks in (MATTERMOST_* would change the config); HOME is the temp dir.
    options.env =
        std::vector<std::string>{"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=" + dir_.path().string()};
    options.capture_stdout = true;
    options.capture_stderr = true;
    options.max_buffered_bytes = 16 << 20;
    auto child = util::ChildProcess::spawn(options);
    if (!child) throw std::runtime_error("cannot start mmclaw: " + child.error().message);
    child_.emplace(std::move(*child));
    started_at_ = Clock::now();
  }
  void start_and_wait_ready(std::chrono::milliseconds timeout = 15s) {
    start();
    wait_ready(timeout);
  }

  // Until the authenticated line is logged (WebSocket mode) or `line` appears.
  void wait_ready(std::chrono::milliseconds timeout = 15s) { wait_log(kReadyLine, timeout); }

  // Until stderr holds `text` at least `times` times; throws with the log when it does not, or
  // at once when the gateway exits.
  void wait_log(std::string_view text, std::chrono::milliseconds timeout = 15s, std::size_t times = 1) {
    const bool seen = poll_until(
        [&] {
          if (count_log(text) >= times) return true;
          if (!running()) fail_exited(fmt::format("logging \"{}\"", text));
          return false;
        },
        timeout);
    if (!seen)
      throw std::runtime_error(fmt::format("the gateway did not log \"{}\"{} within {} ms; its log:\n{}",
                                           text, times > 1 ? fmt::format(" {} times", times) : "",
                                           timeout.count(), log_tail()));
  }

  [[nodiscard]] std::size_t count_log(std::string_view text) const {
    const std::string all = log();
    std::size_t n = 0;
    for (auto at = all.find(text); at != std::string::npos; at = all.find(text, at + text.size())) ++n;
    return n;
  }
  [[nodiscard]] std::string log() const { return child_ ? child_->output(util::Stream::err) : std::string(); }
  [[nodiscard]] std::string log_tail(std::size_t bytes = 6000) const {
    const std::string all = log();
    return all.size() <= bytes ? all : "...\n" + all.substr(all.size() - bytes);
  }
  [[nodiscard]] bool running() const { return child_ && child_->running(); }
  [[nodiscard]] pid_t pid() const { return child_ ? child_->pid() : -1; }
  [[nodiscard]] Clock::time_point started_at() const { return started_at_; }

  // SIGTERM (or SIGINT) and up to `grace` for a clean exit; the exit status (143: it did not
  // handle the signal, 137: it had to be killed).
  int stop(std::chrono::milliseconds grace = 10s, int signal = SIGTERM) {
    if (!child_) return -1;
    if (signal == SIGTERM) {
      auto status = child_->terminate(grace);
      return status ? *status : -1;
    }
    if (child_->running()) ::kill(child_->pid(), signal);
    if (auto status = child_->wait(grace)) return *status;
    auto status = child_->terminate(1s);
    return status ? *status : -1;
  }
  void kill() {
    if (child_) child_->kill();
  }
  util::ChildProcess& child() { return *child_; }

  // Throws the reason the gateway is gone, naming the missing command clearly.
  [[noreturn]] void fail_exited(std::string_view waiting_for) {
    auto status = child_->wait(0ms);
    const std::string log_text = log();
    if (log_text.find("not available yet") != std::string::npos)
      throw std::runtime_error(
          "`mmclaw gateway` is not available yet in this build (src/app/cmd_gateway.cpp): " + log_text);
    throw std::runtime_error(fmt::format("the gateway exited (status {}) while waiting for {}; its log:\n{}",
                                         status ? *status : -1, waiting_for, log_tail()));
  }

 private:
  GatewayOptions options_;
  test::TempDir dir_;
  std::filesystem::path config_path_;
  // A free port for gateway.port unless the options name one.
  void choose_port() {
    if (options_.http_port != 0) return;
    auto port = util::free_loopback_port();
    if (!port) throw std::runtime_error("no free port for the gateway: " + port.error().message);
    options_.http_port = *port;
  }

  std::optional<util::ChildProcess> child_;
  Clock::time_point started_at_{};
};

// ---------------------------------------------------------------------------------------------
// `mmclaw --config <config> <args...>` as a command run from a script (pairing, message,
// directory): nothing of our environment leaks in; `stdin_data` is its standard input.
inline util::SubprocessResult run_mmclaw_command(const std::filesystem::path& config, std::vector<std::string> args,
                                                 std::string stdin_data = "") {
  util::SubprocessOptions options;
  options.argv = {MMCLAW_BINARY, "--config", config.string()};
  options.argv.insert(options.argv.end(), args.begin(), args.end());
  options.env = std::vector<std::string>{"PATH=/usr/bin:/bin", "HOME=/nonexistent"};
  options.stdin_data = std::move(stdin_data);
  options.timeout = std::chrono::seconds(20);
  auto run = util::run_subprocess(options);
  if (!run) throw std::runtime_error("cannot run mmclaw: " + run.error().message);
  return *run;
}

// ---------------------------------------------------------------------------------------------
// Answers: the bot's live posts carrying props.mmclaw_reply_to = the answered post's id.

inline std::vector<json::object> answers_to(const Mmsim& sim, std::string_view channel_id,
                                            std::string_view post_id) {
  std::vector<json::object> out;
  for (const auto& p : sim.posts(channel_id)) {
    const auto& post = p.as_object();
    if (field(post, "user_id") != kBotId || int_field(post, "delete_at") != 0) continue;
    const auto* props = post.if_contains("props");
    if (props == nullptr || !props->is_object()) continue;
    if (const auto* reply_to = props->as_object().if_contains("mmclaw_reply_to");
        reply_to != nullptr && str(*reply_to) == post_id)
      out.push_back(post);
  }
  return out;
}

inline std::string describe(const std::vector<json::object>& posts) {
  std::string out;
  for (const auto& p : posts) out += "\n  " + json::serialize(p);
  return out.empty() ? " (none)" : out;
}

// The echo backend's answer to `message`: it echoes the normalised body, so a leading bot mention
// is gone (channel-behaviour §4.7).
inline std::string echo_of(std::string_view message) {
  constexpr std::string_view kMention = "@mmclaw ";
  if (message.starts_with(kMention)) message.remove_prefix(kMention.size());
  return "echo: " + std::string(message);
}

// Waits until `post` has an answer with the final text echo_of(<message>), then watches `settle`
// longer for a second one. Checks the answer's channel, root and text; returns it. The answer's
// root is the post's root, or `root` when given (a thread the reply mode opens).
inline json::object expect_one_answer(const Mmsim& sim, const json::object& post,
                                      std::chrono::milliseconds timeout = 15s,
                                      std::chrono::milliseconds settle = 700ms,
                                      std::optional<std::string> root = std::nullopt) {
  const std::string channel = field(post, "channel_id");
  const std::string id = field(post, "id");
  const std::string expected = echo_of(field(post, "message"));
  std::vector<json::object> found;
  const bool answered = poll_until(
      [&] {
        found = answers_to(sim, channel, id);
        return std::any_of(found.begin(), found.end(),
                           [&](const json::object& a) { return field(a, "message") == expected; });
      },
      timeout);
  if (!answered)
    throw std::runtime_error(
        fmt::format("post {} (\"{}\") was not answered with \"{}\" within {} ms; answers:{}", id,
                    field(post, "message"), expected, timeout.count(), describe(found)));
  std::this_thread::sleep_for(settle);
  found = answers_to(sim, channel, id);
  if (found.size() != 1)
    throw std::runtime_error(
        fmt::format("post {} was answered {} times:{}", id, found.size(), describe(found)));
  const json::object& answer = found.front();
  if (field(answer, "message") != expected || field(answer, "channel_id") != channel ||
      field(answer, "root_id") != root.value_or(field(post, "root_id")))
    throw std::runtime_error(fmt::format("the answer to post {} (root \"{}\") is wrong:{}", id,
                                         field(post, "root_id"), describe(found)));
  return answer;
}

// What the gateway's exit status means, for messages.
inline std::string exit_text(int status) {
  if (status > 128) return fmt::format("{} (killed by signal {})", status, status - 128);
  return std::to_string(status);
}

}  // namespace mmclaw::e2e

#pragma once
// mmsim, the Mattermost simulator, as a child process for tests and benchmarks: started with
// `--port 0 --exit-with-parent` and a fixture (the demo fixture unless told otherwise), ready once
// it printed `mmsim listening on http://127.0.0.1:<port>` (a bounded wait), stopped by the
// destructor. Helpers for its control API (/_control/...) and for REST calls with a token.
//
// Header-only: the target that includes it defines MMSIM_BINARY (the executable's path) and
// MMCLAW_SOURCE_DIR, and links mmclaw_test_client when it uses the call helpers. Every call is
// bounded by a timeout; a failure is a std::runtime_error that says what went wrong.

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json.hpp>

#include "support/http_test_client.hpp"
#include "util/child_process.hpp"

#ifndef MMSIM_BINARY
#error "support/mmsim_process.hpp needs MMSIM_BINARY (the path of the mmsim executable)"
#endif
#ifndef MMCLAW_SOURCE_DIR
#error "support/mmsim_process.hpp needs MMCLAW_SOURCE_DIR (for the demo fixture)"
#endif

namespace mmclaw::test {

// Ids and tokens of the demo fixture (tools/mmsim/model/demo_fixture.json).
namespace mmsim_demo {
inline constexpr std::string_view kBotToken = "mmclawbottoken000000000001";
inline constexpr std::string_view kAliceToken = "alicetoken0000000000000001";
inline constexpr std::string_view kAdminToken = "admintoken0000000000000001";
inline constexpr std::string_view kBotId = "wj3drgzdpnf54rxf5d8qd3dqne";
inline constexpr std::string_view kAliceId = "14j8umgczgrdp95w77zuxmxfu9";
inline constexpr std::string_view kBobId = "ih1r84kij94nrwis97rft6rduh";
inline constexpr std::string_view kTeam = "saqjfmjqqy9mo1yj4zwed73333";
inline constexpr std::string_view kTownSquare = "g63dcrphk8idgyjgzbrpajosz6";  // O, the bot is a member
inline constexpr std::string_view kDev = "889766ufjgio6kbpzjbufozksq";         // O, the bot is not a member
inline constexpr std::string_view kOps = "r3kq9xw7mn1bczt5oefy8ja4dh";         // P, the bot is a member
inline constexpr std::string_view kAliceDm = "iqcx3qc9sbbt6ocshszfqgq6ci";     // D, alice and the bot
}  // namespace mmsim_demo

// A control call's answer: the status and the body, parsed (a JSON string when it is not JSON).
struct MmsimReply {
  unsigned status = 0;
  boost::json::value body;
};

class MmsimProcess {
 public:
  static constexpr std::chrono::milliseconds kStartTimeout = std::chrono::seconds(20);
  static constexpr std::chrono::milliseconds kCallTimeout = std::chrono::seconds(5);

  [[nodiscard]] static std::string demo_fixture() {
    return std::string(MMCLAW_SOURCE_DIR) + "/tools/mmsim/model/demo_fixture.json";
  }

  // `extra` goes after the standard arguments (e.g. {"--auth-timeout-ms", "300"}).
  explicit MmsimProcess(std::vector<std::string> extra = {}, std::string fixture = demo_fixture()) {
    util::ChildOptions options;
    options.argv = {MMSIM_BINARY, "--port",          "0", "--log-level", "warn", "--exit-with-parent",
                    "--fixture",  std::move(fixture)};
    options.argv.insert(options.argv.end(), std::make_move_iterator(extra.begin()),
                        std::make_move_iterator(extra.end()));
    auto child = util::ChildProcess::spawn(options);
    if (!child) throw std::runtime_error("cannot start mmsim: " + child.error().message);
    child_.emplace(std::move(*child));
    auto line =
        child_->wait_for_line(util::Stream::out, "mmsim listening on http://127.0.0.1:", kStartTimeout);
    if (!line)
      throw std::runtime_error("mmsim did not start: " + line.error().message + "\n" +
                               child_->output(util::Stream::err));
    port_ = static_cast<std::uint16_t>(std::stoi(line->substr(line->rfind(':') + 1)));
  }
  ~MmsimProcess() {
    if (child_) (void)child_->terminate(std::chrono::seconds(5));
  }
  MmsimProcess(const MmsimProcess&) = delete;
  MmsimProcess& operator=(const MmsimProcess&) = delete;

  [[nodiscard]] std::uint16_t port() const { return port_; }
  [[nodiscard]] std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  [[nodiscard]] bool running() const { return child_->running(); }

  // A REST call with a token; `body`, when given, is sent as JSON.
  HttpReply rest(std::string_view method, std::string_view target, std::string_view token,
                 std::string_view body = {}) const {
    HttpTestClient client(port_);
    Headers headers{{"Authorization", "Bearer " + std::string(token)}};
    if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
    auto reply = client.request(method, target, headers, body);
    if (!reply)
      throw std::runtime_error("mmsim " + std::string(target) + " failed: " + reply.error().message);
    return std::move(*reply);
  }

  // A control call whatever it answers: GET when `body` is null, else POST with `body` as JSON.
  // Uses only the port, so it may run on another thread than the one that owns this object.
  MmsimReply call(std::string_view path, const boost::json::value& body = nullptr,
                  std::chrono::milliseconds timeout = kCallTimeout) const {
    HttpTestClient client(port_, "127.0.0.1", timeout);
    auto reply = body.is_null() ? client.request("GET", path)
                                : client.request("POST", path, {{"Content-Type", "application/json"}},
                                                 boost::json::serialize(body));
    if (!reply) throw std::runtime_error("mmsim " + std::string(path) + " failed: " + reply.error().message);
    boost::json::error_code ec;
    boost::json::value parsed = boost::json::parse(reply->body, ec);
    return {reply->status, ec ? boost::json::value(boost::json::string(reply->body)) : std::move(parsed)};
  }

  // A control call that must answer 200; its body.
  boost::json::value control(std::string_view path, const boost::json::value& body = nullptr,
                             std::chrono::milliseconds timeout = kCallTimeout) const {
    auto reply = call(path, body, timeout);
    if (reply.status != 200)
      throw std::runtime_error("mmsim " + std::string(path) + " answered " + std::to_string(reply.status) +
                               ": " + boost::json::serialize(reply.body));
    return std::move(reply.body);
  }

 private:
  std::optional<util::ChildProcess> child_;
  std::uint16_t port_ = 0;
};

}  // namespace mmclaw::test

#pragma once
// Runs the real mmsim executable for conformance tests, and a small integration endpoint (the
// gateway's side of slash commands and buttons) for the round trips.

#include <atomic>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include "net/http_server.hpp"
#include "support/http_test_client.hpp"
#include "util/child_process.hpp"

namespace mmsim_test {

using namespace std::chrono_literals;
namespace json = boost::json;

inline constexpr std::string_view kBotToken = "mmclawbottoken000000000001";
inline constexpr std::string_view kAliceToken = "alicetoken0000000000000001";
inline constexpr std::string_view kAdminToken = "admintoken0000000000000001";
inline constexpr std::string_view kBotId = "wj3drgzdpnf54rxf5d8qd3dqne";
inline constexpr std::string_view kAliceId = "14j8umgczgrdp95w77zuxmxfu9";
inline constexpr std::string_view kBobId = "ih1r84kij94nrwis97rft6rduh";
inline constexpr std::string_view kTownSquare = "g63dcrphk8idgyjgzbrpajosz6";
inline constexpr std::string_view kDev = "889766ufjgio6kbpzjbufozksq";  // the bot is not a member
inline constexpr std::string_view kTeam = "saqjfmjqqy9mo1yj4zwed73333";

class Mmsim {
 public:
  explicit Mmsim(std::vector<std::string> extra = {}) {
    mmclaw::util::ChildOptions options;
    options.argv = {MMSIM_BINARY, "--port",
                    "0",          "--log-level",
                    "warn",       "--exit-with-parent",
                    "--fixture",  std::string(MMCLAW_SOURCE_DIR) + "/tools/mmsim/model/demo_fixture.json"};
    options.argv.insert(options.argv.end(), extra.begin(), extra.end());
    auto child = mmclaw::util::ChildProcess::spawn(options);
    if (!child) throw std::runtime_error(child.error().message);
    child_.emplace(std::move(*child));
    auto line = child_->wait_for_line(mmclaw::util::Stream::out, "mmsim listening on http://127.0.0.1:", 20s);
    if (!line)
      throw std::runtime_error("mmsim did not start: " + line.error().message + "\n" +
                               child_->output(mmclaw::util::Stream::err));
    port_ = static_cast<std::uint16_t>(std::stoi(line->substr(line->rfind(':') + 1)));
  }
  ~Mmsim() {
    if (child_) (void)child_->terminate(5s);
  }
  Mmsim(const Mmsim&) = delete;
  Mmsim& operator=(const Mmsim&) = delete;

  [[nodiscard]] std::uint16_t port() const { return port_; }
  [[nodiscard]] bool running() const { return child_->running(); }

  // A REST call with a token; the reply's body parsed when it is JSON.
  mmclaw::test::HttpReply rest(std::string_view method, std::string_view target, std::string_view token,
                               std::string_view body = {}) const {
    mmclaw::test::HttpTestClient client(port_);
    mmclaw::test::Headers headers{{"Authorization", "Bearer " + std::string(token)}};
    if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
    auto reply = client.request(method, target, headers, body);
    if (!reply) throw std::runtime_error("request failed: " + reply.error().message);
    return *reply;
  }
  json::value control(std::string_view path, const json::value& body = nullptr) const {
    mmclaw::test::HttpTestClient client(port_);
    auto reply = body.is_null() ? client.request("GET", path)
                                : client.request("POST", path, {{"Content-Type", "application/json"}},
                                                 json::serialize(body));
    if (!reply) throw std::runtime_error("control call failed: " + reply.error().message);
    return json::parse(reply->body);
  }

 private:
  std::optional<mmclaw::util::ChildProcess> child_;
  std::uint16_t port_ = 0;
};

// The integration side of slash commands and buttons: records every request and answers with a
// fixed reply. Runs its own io_context thread.
class IntegrationEndpoint {
 public:
  explicit IntegrationEndpoint(std::string reply_body, std::string content_type = "application/json")
      : work_(io_.get_executor()) {
    server_ = std::make_unique<mmclaw::net::HttpServer>(
        io_, mmclaw::net::HttpServerOptions{},
        [this, reply_body, content_type](mmclaw::net::HttpRequest& req, const mmclaw::net::RequestContext&)
            -> boost::asio::awaitable<mmclaw::net::HttpResponse> {
          {
            std::lock_guard lock(mutex_);
            Received r;
            r.target = std::string(req.target());
            r.authorization = std::string(req[boost::beast::http::field::authorization]);
            r.content_type = std::string(req[boost::beast::http::field::content_type]);
            r.body = req.body();
            received_.push_back(std::move(r));
          }
          co_return mmclaw::net::make_response(200, reply_body, content_type);
        });
    if (auto ok = server_->listen(); !ok) throw std::runtime_error(ok.error().message);
    server_->start();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~IntegrationEndpoint() {
    io_.stop();
    thread_.join();
  }
  struct Received {
    std::string target, authorization, content_type, body;
  };
  [[nodiscard]] std::string url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + std::string(path);
  }
  std::vector<Received> received() {
    std::lock_guard lock(mutex_);
    return received_;
  }

 private:
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::unique_ptr<mmclaw::net::HttpServer> server_;
  std::thread thread_;
  std::mutex mutex_;
  std::vector<Received> received_;
};

}  // namespace mmsim_test

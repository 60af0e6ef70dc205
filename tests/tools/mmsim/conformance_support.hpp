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
#include "support/mmsim_process.hpp"

namespace mmsim_test {

using namespace std::chrono_literals;
namespace json = boost::json;

using namespace mmclaw::test::mmsim_demo;

// The real mmsim with the demo fixture (tests/support/mmsim_process.hpp).
using Mmsim = mmclaw::test::MmsimProcess;

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

#pragma once
// The gateway's HTTP server (issue 9): on `gateway.port` at the address `gateway.bind` names, it
// serves the operations endpoints: `GET /healthz` (the process answers), `GET /readyz` (every
// enabled account authenticated: 200, else 503, with a JSON report) and `GET /metrics`
// (Prometheus text). Mattermost's callbacks are handed to `Callbacks`: button clicks on
// `/mattermost/interactions/<accountId>` (channel-behaviour §8.3) and slash commands on every
// configured callback path (§9.3). Unknown paths get 404, other methods 405 with `Allow`; request
// bodies are limited (64 KiB; slash commands must arrive within 5 s, everything else within 10 s)
// and nothing a request carries is logged.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include "app/callback_http.hpp"
#include "app/gateway_report.hpp"
#include "config/snapshot.hpp"
#include "util/error.hpp"

namespace mmclaw::net {
class HttpServer;
}

namespace mmclaw::app {

// The address `gateway.bind` listens on: loopback (and auto, tailnet) 127.0.0.1, lan 0.0.0.0,
// custom `gateway.customBindHost`.
std::string gateway_bind_host(const config::GatewayConfig& gateway);
// The address a client on this machine reaches it at (127.0.0.1 for a wildcard bind).
std::string gateway_local_host(const config::GatewayConfig& gateway);

class GatewayHttp {
 public:
  using Report = std::function<GatewayReport()>;
  struct Callbacks {
    // Whether the path (no query) is a slash command callback path of the current config.
    std::function<bool(std::string_view path)> is_slash_path;
    std::function<boost::asio::awaitable<CallbackReply>(CallbackRequest)> slash;
    // The account id of the path, and the request.
    std::function<boost::asio::awaitable<CallbackReply>(std::string, CallbackRequest)> interaction;
  };
  GatewayHttp(boost::asio::io_context& io, const config::GatewayConfig& gateway, Report report,
              Callbacks callbacks = {});
  ~GatewayHttp();

  // Binds; the error names the address and says which key moves it.
  Result<void> listen();
  void start();
  boost::asio::awaitable<void> stop();
  std::uint16_t port() const;
  const std::string& host() const { return host_; }

 private:
  bool is_slash(std::string_view path) const;

  std::string host_;
  std::uint16_t wanted_port_;
  Report report_;
  Callbacks callbacks_;
  std::unique_ptr<net::HttpServer> server_;
};

}  // namespace mmclaw::app

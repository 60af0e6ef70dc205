#include "app/gateway_http.hpp"

#include <chrono>

#include <boost/beast/http/field.hpp>
#include <boost/json.hpp>
#include <fmt/format.h>

#include "net/http_server.hpp"
#include "util/log.hpp"

namespace mmclaw::app {

namespace asio = boost::asio;
namespace http = boost::beast::http;

namespace {

constexpr std::string_view kComponent = "http";
constexpr std::size_t kMaxBodyBytes = 64 * 1024;
constexpr std::string_view kJson = "application/json";
constexpr std::string_view kPrometheus = "text/plain; version=0.0.4; charset=utf-8";

net::HttpResponse json_response(unsigned status, const boost::json::object& body) {
  return net::make_response(status, boost::json::serialize(body), std::string(kJson));
}

net::HttpResponse error_response(unsigned status, std::string_view error) {
  return json_response(status, boost::json::object{{"error", error}});
}

}  // namespace

std::string gateway_bind_host(const config::GatewayConfig& gateway) {
  switch (gateway.bind) {
    case config::BindMode::lan: return "0.0.0.0";
    case config::BindMode::custom: return gateway.custom_bind_host.value_or("127.0.0.1");
    case config::BindMode::loopback:
    case config::BindMode::tailnet:
    case config::BindMode::auto_: return "127.0.0.1";
  }
  return "127.0.0.1";
}

std::string gateway_local_host(const config::GatewayConfig& gateway) {
  const std::string host = gateway_bind_host(gateway);
  if (host == "0.0.0.0" || host == "::" || host == "[::]") return "127.0.0.1";
  return host;
}

GatewayHttp::GatewayHttp(asio::io_context& io, const config::GatewayConfig& gateway, Report report)
    : host_(gateway_bind_host(gateway)), wanted_port_(static_cast<std::uint16_t>(gateway.port)), report_(std::move(report)) {
  if (gateway.bind == config::BindMode::tailnet)
    log::warn(kComponent, "gateway.bind \"tailnet\" is served on 127.0.0.1 (set gateway.bind to \"custom\" with "
                          "gateway.customBindHost to listen on the tailnet address)");
  net::HttpServerOptions options;
  options.host = host_;
  options.port = wanted_port_;
  options.default_body_limit = kMaxBodyBytes;
  options.header_timeout = std::chrono::seconds(10);
  options.body_timeout = std::chrono::seconds(10);
  options.max_connections = 256;
  auto handler = [this](net::HttpRequest& request, const net::RequestContext&) -> asio::awaitable<net::HttpResponse> {
    std::string_view target(request.target().data(), request.target().size());
    if (const auto query = target.find('?'); query != std::string_view::npos) target = target.substr(0, query);
    const bool get = request.method() == http::verb::get || request.method() == http::verb::head;
    if (target != "/healthz" && target != "/readyz" && target != "/metrics") co_return error_response(404, "Not Found");
    if (!get) {
      auto response = error_response(405, "Method Not Allowed");
      response.set(http::field::allow, "GET, HEAD");
      co_return response;
    }
    if (target == "/healthz") co_return json_response(200, boost::json::object{{"ok", true}});
    const GatewayReport now = report_();
    if (target == "/readyz") co_return json_response(gateway_ready(now) ? 200 : 503, readiness_json(now));
    co_return net::make_response(200, metrics_text(now), std::string(kPrometheus));
  };
  server_ = std::make_unique<net::HttpServer>(io, std::move(options), std::move(handler));
}

GatewayHttp::~GatewayHttp() = default;

Result<void> GatewayHttp::listen() {
  auto listening = server_->listen();
  if (!listening)
    return std::unexpected(Error::permanent(fmt::format(
        "the HTTP server cannot listen on {}:{}: {} (gateway.port and gateway.bind choose the address)", host_,
        wanted_port_, listening.error().message)));
  return {};
}

void GatewayHttp::start() {
  server_->start();
  log::info(kComponent, "listening on {}:{} (/healthz, /readyz, /metrics)", host_, server_->port());
}

asio::awaitable<void> GatewayHttp::stop() {
  co_await server_->stop(std::chrono::seconds(2));
}

std::uint16_t GatewayHttp::port() const {
  return server_->port();
}

}  // namespace mmclaw::app

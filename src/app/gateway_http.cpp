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

constexpr std::string_view kInteractionsPrefix = "/mattermost/interactions/";
constexpr std::chrono::milliseconds kSlashBodyTimeout{5000};

std::string_view path_of(boost::beast::string_view target) {
  std::string_view path(target.data(), target.size());
  if (const auto query = path.find('?'); query != std::string_view::npos) path = path.substr(0, query);
  return path;
}

template <class Key>
std::string header(const net::HttpRequest& request, Key key) {
  const auto it = request.find(key);
  return it == request.end() ? std::string() : std::string(it->value());
}

CallbackRequest callback_request(net::HttpRequest& request, const net::RequestContext& context) {
  CallbackRequest out;
  out.method = std::string(request.method_string());
  out.path = std::string(path_of(request.target()));
  out.content_type = header(request, http::field::content_type);
  out.authorization = header(request, http::field::authorization);
  out.forwarded_for = header(request, "X-Forwarded-For");
  out.real_ip = header(request, "X-Real-IP");
  out.peer_ip = context.remote_ip;
  out.body = std::move(request.body());
  return out;
}

net::HttpResponse to_response(CallbackReply reply) {
  auto response = net::make_response(reply.status, std::move(reply.body), std::move(reply.content_type));
  if (!reply.allow.empty()) response.set(http::field::allow, reply.allow);
  return response;
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

GatewayHttp::GatewayHttp(asio::io_context& io, const config::GatewayConfig& gateway, Report report,
                         Callbacks callbacks)
    : host_(gateway_bind_host(gateway)),
      wanted_port_(static_cast<std::uint16_t>(gateway.port)),
      report_(std::move(report)),
      callbacks_(std::move(callbacks)) {
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
  options.body_timeout_for = [this](const http::request_header<>& header) {
    return is_slash(path_of(header.target())) ? kSlashBodyTimeout : std::chrono::milliseconds(10000);
  };
  // §8.3 and §9.4 name the answers to a body too large or too slow.
  options.body_error_reply = [this](http::status status, const http::request_header<>& header) {
    const bool too_large = status == http::status::payload_too_large;
    const std::string_view path = path_of(header.target());
    CallbackReply reply;
    if (path.starts_with(kInteractionsPrefix))
      reply = error_reply(static_cast<unsigned>(status), too_large ? "Payload too large" : "Request body timeout");
    else if (is_slash(path))
      reply = text_reply(static_cast<unsigned>(status), too_large ? "Payload Too Large" : "Request body timeout");
    else
      reply = error_reply(static_cast<unsigned>(status), too_large ? "Payload Too Large" : "Request Timeout");
    return to_response(std::move(reply));
  };
  auto handler = [this](net::HttpRequest& request,
                        const net::RequestContext& context) -> asio::awaitable<net::HttpResponse> {
    const std::string_view target = path_of(request.target());
    if (callbacks_.interaction && target.starts_with(kInteractionsPrefix) &&
        target.size() > kInteractionsPrefix.size() &&
        target.find('/', kInteractionsPrefix.size()) == std::string_view::npos) {
      std::string account(target.substr(kInteractionsPrefix.size()));
      co_return to_response(co_await callbacks_.interaction(std::move(account), callback_request(request, context)));
    }
    if (is_slash(target)) co_return to_response(co_await callbacks_.slash(callback_request(request, context)));
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

bool GatewayHttp::is_slash(std::string_view path) const {
  return callbacks_.slash && callbacks_.is_slash_path && callbacks_.is_slash_path(path);
}

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
  log::info(kComponent, "listening on {}:{} (/healthz, /readyz, /metrics{})", host_, server_->port(),
            callbacks_.interaction ? ", /mattermost/interactions/<account>, slash command callbacks" : "");
}

asio::awaitable<void> GatewayHttp::stop() {
  co_await server_->stop(std::chrono::seconds(2));
}

std::uint16_t GatewayHttp::port() const {
  return server_->port();
}

}  // namespace mmclaw::app

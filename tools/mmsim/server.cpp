#include "mmsim/server.hpp"

#include <fmt/format.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/parse_query.hpp>

#include "mmsim/outgoing_call.hpp"
#include "mmsim/ws_socket.hpp"
#include "util/log.hpp"
#include "util/strings.hpp"

namespace mmsim {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using mmclaw::net::HttpResponse;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

namespace {

constexpr std::size_t kLoggedBodyBytes = 64 * 1024;

HttpResponse to_http(const RestResponse& rest, unsigned version, bool keep_alive) {
  HttpResponse res{static_cast<http::status>(rest.status), version};
  for (const auto& [name, value] : rest.headers) res.set(name, value);
  res.body() = rest.body;
  res.keep_alive(keep_alive);
  res.prepare_payload();
  return res;
}

RestRequest to_rest(const mmclaw::net::HttpRequest& req, const std::string& remote_ip) {
  RestRequest rest;
  rest.method = std::string(req.method_string());
  const std::string_view target = req.target();
  const auto q = target.find('?');
  rest.path = std::string(target.substr(0, q));
  if (q != std::string_view::npos) rest.query = std::string(target.substr(q + 1));
  for (const auto& field : req)
    rest.headers.emplace_back(mmclaw::util::to_lower(field.name_string()), std::string(field.value()));
  rest.body = req.body();
  rest.remote_ip = remote_ip;
  return rest;
}

// The AppError the real server sends for an injected status (429 is plain text, §5.3).
RestResponse injected_failure(int status, std::optional<int> retry_after, const std::string& request_id,
                              const std::string& version) {
  RestResponse res;
  res.status = status;
  res.headers.emplace_back("X-Request-Id", request_id);
  res.headers.emplace_back("X-Version-Id", version);
  if (retry_after) res.headers.emplace_back("Retry-After", std::to_string(*retry_after));
  if (status == 429) {
    res.headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
    res.body = "limit exceeded\n";
    return res;
  }
  res.headers.emplace_back("Content-Type", "application/json");
  res.body =
      json::serialize(json::object{{"id", "mmsim.fault_injected.app_error"},
                                   {"message", fmt::format("Injected failure with status {}.", status)},
                                   {"detailed_error", ""},
                                   {"request_id", request_id},
                                   {"status_code", status}});
  return res;
}

std::optional<std::string> query_param(std::string_view query, std::string_view name) {
  auto params = boost::urls::parse_query(query);
  if (!params) return std::nullopt;
  for (const auto& p : *params)
    if (p.key == name) return std::string(p.value);
  return std::nullopt;
}

// The token of a WebSocket upgrade, in the real server's order (§1.2).
std::optional<std::string> upgrade_token(const mmclaw::net::HttpRequest& req) {
  if (const auto cookie = req[http::field::cookie]; !cookie.empty()) {
    for (auto part : mmclaw::util::split(cookie, ';')) {
      part = mmclaw::util::trim(part);
      if (part.starts_with("MMAUTHTOKEN=")) return std::string(part.substr(12));
    }
  }
  const std::string_view auth = req[http::field::authorization];
  if (mmclaw::util::starts_with_icase(auth, "bearer "))
    return std::string(mmclaw::util::trim(auth.substr(7)));
  if (mmclaw::util::starts_with_icase(auth, "token ")) return std::string(mmclaw::util::trim(auth.substr(6)));
  return std::nullopt;
}

// hello's server_version and the X-Version-Id header are one string (§2.1).
HubOptions with_model_version(HubOptions options, const Model& model) {
  options.server_version = model.version_string();
  options.current_version = model.config().server_version;
  return options;
}

}  // namespace

Server::Server(asio::io_context& io, ServerOptions options)
    : io_(io),
      options_(std::move(options)),
      model_(std::make_unique<Model>(options_.model)),
      hub_(with_model_version(options_.hub, *model_),
           HubServices{
               .user_for_token = [this](std::string_view t) { return model_->user_for_token(t); },
               .is_channel_member = [this](std::string_view u,
                                           std::string_view c) { return model_->is_channel_member(u, c); },
               .is_team_member = [this](std::string_view u,
                                        std::string_view t) { return model_->is_team_member(u, t); },
               .is_system_admin = [this](std::string_view u) { return model_->is_system_admin(u); },
               // Typing needs membership; posting alone is allowed to non-members of public channels.
               .can_post =
                   [this](std::string_view u, std::string_view c) {
                     return model_->is_channel_member(u, c) || model_->is_system_admin(u);
                   },
               .all_statuses = {},
               .status_of = {},
               .set_active_status = {},
               .new_id = [this] { return model_->new_id(); },
           }),
      tick_timer_(io) {}

Server::~Server() = default;

mmclaw::Result<void> Server::load_fixture(const json::value& fixture) {
  auto fresh = std::make_unique<Model>(options_.model);
  if (auto loaded = fresh->load_fixture(fixture); !loaded) return loaded;
  model_ = std::move(fresh);
  execute(hub_.restart());  // sockets and resume buffers belong to the old world
  return {};
}

mmclaw::Result<void> Server::start() {
  mmclaw::net::HttpServerOptions http_options;
  http_options.host = options_.host;
  http_options.port = options_.port;
  http_options.default_body_limit = options_.max_request_body;
  http_ = std::make_unique<mmclaw::net::HttpServer>(
      io_, http_options,
      [this](HttpRequest& req, const mmclaw::net::RequestContext& ctx) { return handle(req, ctx); },
      [this](HttpRequest req, beast::tcp_stream stream, mmclaw::net::RequestContext ctx) {
        on_upgrade(std::move(req), std::move(stream), std::move(ctx));
      });
  if (auto listening = http_->listen(); !listening) return listening;
  http_->start();
  schedule_tick();
  return {};
}

std::uint16_t Server::port() const {
  return http_ ? http_->port() : 0;
}

asio::awaitable<void> Server::stop() {
  stopping_ = true;
  tick_timer_.cancel();
  execute(hub_.restart());
  if (http_) co_await http_->stop(std::chrono::seconds(2));
}

void Server::schedule_tick() {
  if (stopping_) return;
  tick_timer_.expires_after(options_.tick);
  tick_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopping_) return;
    execute(hub_.tick(now_ms()));
    schedule_tick();
  });
}

void Server::execute(const std::vector<HubAction>& actions) {
  for (const auto& action : actions)
    if (auto it = sockets_.find(action.conn); it != sockets_.end()) it->second->execute(action);
}

void Server::broadcast(const std::vector<Event>& events) {
  for (const auto& event : events) execute(hub_.broadcast(event, now_ms()));
}

asio::awaitable<HttpResponse> Server::handle(HttpRequest& request,
                                             const mmclaw::net::RequestContext& context) {
  const std::string_view target = request.target();
  const std::string path(target.substr(0, target.find('?')));
  if (path.starts_with("/_control/")) co_return co_await handle_control(request, path);
  if (path == "/api/v4/websocket" || path == "/api/v4/websocket/")
    co_return mmclaw::net::make_response(400, "Bad Request\n", "text/plain; charset=utf-8", request.version(),
                                         false);
  auto outcome = co_await call_api(to_rest(request, context.remote_ip), /*apply_faults=*/true);
  co_return to_http(outcome.response, request.version(), request.keep_alive());
}

asio::awaitable<Server::ApiOutcome> Server::call_api(RestRequest request, bool apply_faults) {
  const auto started = std::chrono::steady_clock::now();
  ApiOutcome outcome;
  std::optional<RestResponse> failure;
  if (apply_faults) {
    const auto decision = faults_.on_request(request.method, request.path);
    if (decision.delay.count() > 0) {
      asio::steady_timer timer(io_, decision.delay);
      co_await timer.async_wait(asio::use_awaitable);
    }
    if (decision.fail_status)
      failure = injected_failure(*decision.fail_status, decision.retry_after_seconds, model_->new_id(),
                                 model_->version_string());
  }
  if (failure) {
    outcome.response = std::move(*failure);
  } else {
    RestResult result = model_->handle(request, now_ms());
    broadcast(result.events);
    // Slash commands and button clicks call the integration, then finish with its answer.
    while (result.call) {
      const IntegrationCall call = *result.call;
      OutgoingRequest out;
      out.method = call.method;
      out.url = call.url;
      out.headers = call.headers;
      out.body = call.body;
      out.timeout = std::chrono::milliseconds(call.timeout_ms);
      const OutgoingReply reply = co_await send_outgoing(std::move(out));
      if (reply.status == 0)
        mmclaw::log::debug("mmsim", "integration call to {} failed: {}", call.url, reply.error);
      result = model_->complete_integration(
          call.id, IntegrationReply{reply.status, reply.content_type, reply.body}, now_ms());
      broadcast(result.events);
    }
    outcome.response = std::move(result.response);
  }
  if (const auto token = parse_auth_token(request); !token.token.empty())
    outcome.user_id = model_->user_for_token(token.token).value_or("");

  CallRecord record;
  record.index = next_call_index_++;
  record.time_ms = now_ms();
  record.method = request.method;
  record.path = request.path;
  record.query = request.query;
  record.status = outcome.response.status;
  record.user_id = outcome.user_id;
  record.duration_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started)
          .count();
  record.body = request.body.substr(0, kLoggedBodyBytes);
  calls_.push_back(std::move(record));
  while (calls_.size() > options_.call_log_limit) calls_.pop_front();
  mmclaw::log::debug("mmsim", "{} {} -> {}", request.method, request.path, outcome.response.status);
  co_return outcome;
}

void Server::on_upgrade(HttpRequest request, beast::tcp_stream stream, mmclaw::net::RequestContext context) {
  const std::string_view target = request.target();
  const std::string path(target.substr(0, target.find('?')));
  const std::string query(target.find('?') == std::string_view::npos ? ""
                                                                     : target.substr(target.find('?') + 1));
  const auto now = now_ms();

  // Upgrades mmsim refuses are answered on the raw stream, then closed.
  auto refuse = [this](beast::tcp_stream s, unsigned status, std::string body, unsigned version) {
    asio::co_spawn(
        io_,
        [](beast::tcp_stream st, HttpResponse res) -> asio::awaitable<void> {
          st.expires_after(std::chrono::seconds(5));
          co_await http::async_write(st, res, asio::use_awaitable);
          beast::error_code ignored;
          st.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
        }(std::move(s), mmclaw::net::make_response(status, std::move(body), "text/plain; charset=utf-8",
                                                   version, false)),
        asio::detached);
  };
  if (path != "/api/v4/websocket" && path != "/api/v4/websocket/") {
    refuse(std::move(stream), 404, "404 page not found\n", request.version());
    return;
  }
  if (!hub_.accepting_upgrades(now)) {
    refuse(std::move(stream), 503, "Service Unavailable\n", request.version());
    return;
  }
  if (query_param(query, "access_token")) {  // query tokens are refused for normal sessions (§1.2)
    refuse(std::move(stream), 401, "Invalid or expired session, please login again.\n", request.version());
    return;
  }

  const ConnectionKey key = next_key_++;
  UpgradeQuery upgrade_query{query_param(query, "connection_id"), query_param(query, "sequence_number")};
  const auto token = upgrade_token(request);
  auto socket = std::make_shared<WsSocket>(
      key, std::move(stream),
      WsSocket::Callbacks{
          .on_text =
              [this](ConnectionKey k, std::string text) {
                auto result = hub_.on_text(k, text, now_ms());
                execute(result.actions);
                broadcast(result.events);
              },
          .on_pong = [this](ConnectionKey k) { hub_.on_pong(k, now_ms()); },
          .on_queue_depth = [this](ConnectionKey k, std::size_t depth) { hub_.on_queue_depth(k, depth); },
          .on_closed =
              [this](ConnectionKey k) {
                hub_.on_closed(k, now_ms());
                sockets_.erase(k);
              },
      });
  sockets_.emplace(key, socket);
  mmclaw::log::debug("mmsim", "websocket upgrade from {} (connection {})", context.remote_ip, key);
  socket->accept(std::move(request), [this, key, token, upgrade_query] {
    execute(hub_.open(key, token, upgrade_query, now_ms()));
  });
}

}  // namespace mmsim

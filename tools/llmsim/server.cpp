#include "llmsim/server.hpp"

#include <fmt/format.h>

#include <charconv>
#include <optional>
#include <string_view>
#include <utility>

#include <boost/beast/core/string.hpp>

#include "llmsim/chat_request.hpp"
#include "llmsim/directive.hpp"
#include "llmsim/plan.hpp"
#include "llmsim/render.hpp"
#include "net/http_server.hpp"
#include "util/log.hpp"

namespace llmsim {

namespace asio = boost::asio;
namespace http = boost::beast::http;
namespace log = mmclaw::log;
using mmclaw::net::HttpRequest;
using mmclaw::net::HttpResponse;
using mmclaw::net::make_response;
using mmclaw::net::RequestContext;
using mmclaw::net::ResponseWriter;
using std::chrono::milliseconds;

namespace {

constexpr std::string_view kComponent = "llmsim";
constexpr std::string_view kJson = "application/json";

HttpResponse json_response(unsigned status, std::string body) {
  return make_response(status, std::move(body), std::string(kJson));
}

HttpResponse api_error(Api api, unsigned status, std::string_view message,
                       std::optional<std::string_view> param = {}) {
  return json_response(
      status, api == Api::openai ? openai_error(status, message, param) : anthropic_error(status, message));
}

HttpResponse method_not_allowed(Api api, std::string_view allowed) {
  auto res = api_error(api, 405, fmt::format("Method not allowed: use {}", allowed));
  res.set(http::field::allow, allowed);
  return res;
}

// Compares without an early exit, so the time taken says nothing about where a guess went wrong.
bool same_secret(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ (i < b.size() ? b[i] : 0));
  }
  return diff == 0;
}

std::optional<std::string_view> query_value(std::string_view target, std::string_view key) {
  const auto q = target.find('?');
  if (q == std::string_view::npos) return std::nullopt;
  auto query = target.substr(q + 1);
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto pair = query.substr(0, amp);
    const auto eq = pair.find('=');
    if (pair.substr(0, eq) == key)
      return eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

struct Server::Impl {
  Impl(asio::io_context& io, ServerOptions server_options)
      : options(std::move(server_options)),
        state(options.max_recorded_requests),
        http_server(io, http_options(options),
                    [this](HttpRequest& req, const RequestContext& ctx) { return handle(req, ctx); }) {}

  static mmclaw::net::HttpServerOptions http_options(const ServerOptions& o) {
    mmclaw::net::HttpServerOptions h;
    h.host = o.host;
    h.port = o.port;
    h.default_body_limit = o.max_body_bytes;
    h.header_timeout = std::chrono::seconds(10);
    h.body_timeout = std::chrono::seconds(30);
    h.idle_timeout = std::chrono::seconds(60);
    h.write_timeout = std::chrono::seconds(30);
    return h;
  }

  ServerOptions options;
  State state;
  mmclaw::net::HttpServer http_server;

  asio::awaitable<HttpResponse> handle(HttpRequest& req, const RequestContext& ctx);
  HttpResponse control(HttpRequest& req, std::string_view path);
  asio::awaitable<HttpResponse> chat(HttpRequest& req, const RequestContext& ctx, Api api);
  asio::awaitable<HttpResponse> answer_whole(const Plan& plan, Api api, ResponseWriter& writer);
  asio::awaitable<HttpResponse> answer_stream(const Plan& plan, Api api, bool include_usage,
                                              ResponseWriter& writer);
  void record(const HttpRequest& req);
};

void Server::Impl::record(const HttpRequest& req) {
  RecordedRequest r;
  r.time = std::chrono::system_clock::now();
  r.method = std::string(req.method_string());
  r.target = std::string(req.target());
  for (const auto& field : req)
    r.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  r.body = req.body();
  state.record(std::move(r));
}

asio::awaitable<HttpResponse> Server::Impl::handle(HttpRequest& req, const RequestContext& ctx) {
  const std::string_view target = req.target();
  const auto path = target.substr(0, target.find('?'));
  if (path == "/_control" || path.starts_with("/_control/")) co_return control(req, path);

  record(req);
  const auto method = req.method();
  if (path == "/v1/chat/completions") {
    if (method != http::verb::post) co_return method_not_allowed(Api::openai, "POST");
    co_return co_await chat(req, ctx, Api::openai);
  }
  if (path == "/v1/messages") {
    if (method != http::verb::post) co_return method_not_allowed(Api::anthropic, "POST");
    co_return co_await chat(req, ctx, Api::anthropic);
  }
  if (path == "/v1/models") {
    // Anthropic clients send anthropic-version; they get Anthropic's list format.
    const bool anthropic = req.find("anthropic-version") != req.end();
    const auto api = anthropic ? Api::anthropic : Api::openai;
    if (method != http::verb::get) co_return method_not_allowed(api, "GET");
    const auto& models = state.settings().models;
    co_return json_response(200, anthropic ? anthropic_models(models) : openai_models(models));
  }
  const auto api = path.starts_with("/v1/messages") ? Api::anthropic : Api::openai;
  co_return api_error(api, 404,
                      fmt::format("Unknown request URL: {} {}", std::string_view(req.method_string()), path));
}

HttpResponse Server::Impl::control(HttpRequest& req, std::string_view path) {
  if (!options.control_token.empty()) {
    const auto auth = req[http::field::authorization];
    const std::string expected = "Bearer " + options.control_token;
    if (!same_secret(std::string_view(auth), expected)) {
      auto res =
          api_error(Api::openai, 401, "the control endpoint needs Authorization: Bearer <control token>");
      res.set(http::field::www_authenticate, "Bearer");
      return res;
    }
  }
  const auto method = req.method();
  const auto only = [&](http::verb verb, std::string_view name) -> std::optional<HttpResponse> {
    if (method == verb) return std::nullopt;
    return method_not_allowed(Api::openai, name);
  };
  if (path == "/_control/health") {
    if (auto res = only(http::verb::get, "GET")) return *res;
    return json_response(200, fmt::format(R"({{"status":"ok","requests":{}}})", state.request_count()));
  }
  if (path == "/_control/requests") {
    if (auto res = only(http::verb::get, "GET")) return *res;
    std::uint64_t since = 0;
    if (const auto value = query_value(req.target(), "since")) {
      const auto [end, ec] = std::from_chars(value->data(), value->data() + value->size(), since);
      if (ec != std::errc{} || end != value->data() + value->size()) {
        return api_error(Api::openai, 400, "since: must be a request sequence number", "since");
      }
    }
    return json_response(200, state.requests_json(since));
  }
  if (path == "/_control/reset") {
    if (auto res = only(http::verb::post, "POST")) return *res;
    state.reset();
    log::debug(kComponent, "state reset");
    return json_response(200, R"({"ok":true})");
  }
  if (path == "/_control/settings") {
    if (method == http::verb::get) return json_response(200, state.settings_json());
    if (method != http::verb::post) return method_not_allowed(Api::openai, "GET, POST");
    if (auto applied = state.apply_settings(req.body()); !applied) {
      return api_error(Api::openai, 400, applied.error().message);
    }
    log::debug(kComponent, "settings changed: {}", state.settings_json());
    return json_response(200, state.settings_json());
  }
  return api_error(Api::openai, 404, fmt::format("Unknown control URL: {}", path));
}

asio::awaitable<HttpResponse> Server::Impl::chat(HttpRequest& req, const RequestContext& ctx, Api api) {
  if (api == Api::anthropic && req.find("anthropic-version") == req.end()) {
    co_return api_error(api, 400, "anthropic-version: header is required");
  }
  auto parsed = api == Api::openai ? parse_openai_request(req.body()) : parse_anthropic_request(req.body());
  if (!parsed) {
    const auto& error = parsed.error();
    co_return api_error(api, 400, error.message,
                        error.param.empty() ? std::nullopt : std::optional<std::string_view>(error.param));
  }
  auto user = split_directives(parsed->last_user_text);
  if (!user) co_return api_error(api, 400, user.error().message, "messages");

  Directive merged = state.settings().defaults;
  if (user->directive) merged.merge_from(*user->directive);
  if (auto failure = state.take_failure(merged, user->directive_source)) {
    const auto message = failure->message.empty() ? default_error_message(failure->status) : failure->message;
    log::debug(kComponent, "failing a request with {}", failure->status);
    auto res = api_error(api, failure->status, message);
    const auto retry_after = failure->retry_after_s
                                 ? failure->retry_after_s
                                 : (failure->status == 429 ? std::optional<unsigned>(1) : std::nullopt);
    if (retry_after) res.set(http::field::retry_after, std::to_string(*retry_after));
    co_return res;
  }
  const auto plan = make_plan(*parsed, merged, user->text, state.next_response_seq(), unix_now());
  log::debug(kComponent, "{} {}: {} chunks, stream={}", api == Api::openai ? "openai" : "anthropic", plan.id,
             plan.generated_chunks(), parsed->stream);
  if (!parsed->stream) co_return co_await answer_whole(plan, api, *ctx.writer);
  co_return co_await answer_stream(plan, api, parsed->include_usage, *ctx.writer);
}

// A whole response takes as long as its stream would: first-token delay, the delays between
// chunks, and a stall if the plan has one.
asio::awaitable<HttpResponse> Server::Impl::answer_whole(const Plan& plan, Api api, ResponseWriter& writer) {
  const auto chunks = plan.generated_chunks();
  if (plan.drop_after) {
    // Nothing is sent: the client sees the connection close before any response.
    (void)co_await writer.pause(plan.first_token_delay);
    writer.abort();
    co_return HttpResponse{};
  }
  auto wait =
      plan.first_token_delay + plan.delay * static_cast<milliseconds::rep>(chunks > 0 ? chunks - 1 : 0);
  if (plan.stall && plan.stall->after <= chunks) {
    if (!plan.stall->duration) {
      // Stalled for good: wait until the client gives up or the server stops, then send nothing.
      (void)co_await writer.pause(milliseconds::max());
      writer.abort();
      co_return HttpResponse{};
    }
    wait += *plan.stall->duration;
  }
  if (!co_await writer.pause(wait)) {
    writer.abort();
    co_return HttpResponse{};
  }
  co_return json_response(200, api == Api::openai ? openai_completion(plan) : anthropic_message(plan));
}

asio::awaitable<HttpResponse> Server::Impl::answer_stream(const Plan& plan, Api api, bool include_usage,
                                                          ResponseWriter& writer) {
  const auto frames = api == Api::openai ? openai_stream(plan, include_usage) : anthropic_stream(plan);
  auto head = make_response(200, "", "text/event-stream; charset=utf-8");
  head.set(http::field::cache_control, "no-cache");
  if (!co_await writer.begin(std::move(head))) co_return HttpResponse{};
  std::size_t generated = 0;
  bool started = false;
  bool stalled = false;
  for (const auto& frame : frames) {
    if (frame.kind != Frame::Kind::head) {
      if (plan.stall && !stalled && generated == plan.stall->after) {
        stalled = true;
        log::debug(kComponent, "{}: stalling after {} chunks", plan.id, generated);
        if (!co_await writer.pause(plan.stall->duration.value_or(milliseconds::max())))
          co_return HttpResponse{};
      }
      if (plan.drop_after && generated == *plan.drop_after) {
        log::debug(kComponent, "{}: dropping the connection after {} chunks", plan.id, generated);
        writer.abort();
        co_return HttpResponse{};
      }
      if (!started) {
        started = true;
        if (!co_await writer.pause(plan.first_token_delay)) co_return HttpResponse{};
      } else if (frame.kind == Frame::Kind::generated && generated > 0) {
        if (!co_await writer.pause(plan.delay)) co_return HttpResponse{};
      }
    }
    if (!co_await writer.write(frame.bytes)) co_return HttpResponse{};
    if (frame.kind == Frame::Kind::generated) ++generated;
  }
  co_return HttpResponse{};
}

Server::Server(asio::io_context& io, ServerOptions options)
    : impl_(std::make_unique<Impl>(io, std::move(options))) {}
Server::~Server() = default;

Result<void> Server::listen() {
  return impl_->http_server.listen();
}
std::uint16_t Server::port() const {
  return impl_->http_server.port();
}
void Server::start() {
  impl_->http_server.start();
}
asio::awaitable<void> Server::stop(milliseconds grace) {
  return impl_->http_server.stop(grace);
}
State& Server::state() {
  return impl_->state;
}

}  // namespace llmsim

// mmsim's control API (docs/simulators.md, "Control API"): load fixtures, act as a user through
// the same code path as REST, read back what happened, inject faults.

#include <fmt/format.h>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/parse_query.hpp>

#include "mmsim/model/json_shapes.hpp"
#include "mmsim/server.hpp"
#include "util/strings.hpp"

namespace mmsim {

namespace asio = boost::asio;
namespace http = boost::beast::http;
namespace json = boost::json;
using mmclaw::net::HttpResponse;

namespace {

HttpResponse json_response(unsigned status, const json::value& body) {
  return mmclaw::net::make_response(status, json::serialize(body) + "\n", "application/json");
}

HttpResponse error_response(unsigned status, std::string message) {
  return json_response(status, json::object{{"error", std::move(message)}});
}

std::optional<std::string> query_value(std::string_view query, std::string_view name) {
  auto params = boost::urls::parse_query(query);
  if (!params) return std::nullopt;
  for (const auto& p : *params)
    if (p.key == name) return std::string(p.value);
  return std::nullopt;
}

std::string string_field(const json::object& obj, std::string_view key) {
  const auto* v = obj.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

// A REST body given as JSON is sent as its serialisation; a string is sent as is.
std::string body_text(const json::object& obj) {
  const auto* v = obj.if_contains("body");
  if (v == nullptr || v->is_null()) return {};
  return v->is_string() ? std::string(v->get_string()) : json::serialize(*v);
}

json::value parsed_or_text(const std::string& body) {
  json::error_code ec;
  auto v = json::parse(body, ec);
  if (ec) return json::string(body);
  return v;
}

std::string base64_decode(std::string_view in, bool& ok) {
  static constexpr std::string_view alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  ok = true;
  for (char c : in) {
    if (c == '=' || c == '\n' || c == '\r') continue;
    const auto pos = alphabet.find(c);
    if (pos == std::string_view::npos) {
      ok = false;
      return {};
    }
    buffer = (buffer << 6) | static_cast<unsigned>(pos);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xff);
    }
  }
  return out;
}

}  // namespace

std::optional<std::string> Server::resolve_user(std::string_view name_or_id) const {
  std::string_view name = name_or_id;
  if (name.starts_with('@')) name.remove_prefix(1);
  if (const User* user = model_->find_user_by_username(name)) return user->id;
  if (model_->find_user(name_or_id) != nullptr) return std::string(name_or_id);
  return std::nullopt;
}

asio::awaitable<HttpResponse> Server::handle_control(HttpRequest& request, const std::string& path) {
  if (options_.control_token) {
    const std::string_view auth = request[http::field::authorization];
    if (auth != "Bearer " + *options_.control_token)
      co_return error_response(401, "the control API needs its bearer token");
  }
  const std::string_view target = request.target();
  const std::string query(target.find('?') == std::string_view::npos ? ""
                                                                     : target.substr(target.find('?') + 1));
  const auto method = request.method();

  json::object body;
  if (method == http::verb::post || method == http::verb::delete_ || method == http::verb::put) {
    if (!request.body().empty()) {
      json::error_code ec;
      auto parsed = json::parse(request.body(), ec);
      if (ec || !parsed.is_object()) co_return error_response(400, "the request body must be a JSON object");
      body = std::move(parsed.as_object());
    }
  }

  if (path == "/_control/health" && method == http::verb::get)
    co_return json_response(200, json::object{{"status", "OK"}});
  if (path == "/_control/fixture" && method == http::verb::post) {
    if (auto loaded = load_fixture(json::value(body)); !loaded)
      co_return error_response(400, loaded.error().message);
    co_return json_response(200, json::object{{"status", "OK"}});
  }
  if (path == "/_control/act" && method == http::verb::post) co_return co_await control_act(body);
  if (path == "/_control/post" && method == http::verb::post) co_return co_await control_post(body);
  if (path == "/_control/upload" && method == http::verb::post) co_return co_await control_upload(body);
  if (path == "/_control/faults" && method == http::verb::post) co_return control_faults(body);
  if (path == "/_control/frames" && method == http::verb::post) co_return control_frames(body);
  if (path == "/_control/posts" && method == http::verb::get) co_return control_posts(query);
  if (path == "/_control/calls" && method == http::verb::get) co_return control_calls(query);
  if (path == "/_control/reactions" && method == http::verb::get) co_return control_reactions(query);
  if (path == "/_control/files" && method == http::verb::get) co_return control_files();
  if (path == "/_control/connections" && method == http::verb::get) co_return control_connections();
  if (path == "/_control/restart" && method == http::verb::post) {
    execute(hub_.restart());
    co_return json_response(200, json::object{{"status", "OK"}});
  }
  if (path == "/_control/update_at" && method == http::verb::post) {
    const auto user = resolve_user(string_field(body, "user"));
    if (!user) co_return error_response(404, "unknown user");
    const auto* ms = body.if_contains("update_at");
    if (auto done = model_->set_user_update_at(*user, ms && ms->is_int64() ? ms->get_int64() : now_ms());
        !done)
      co_return error_response(400, done.error().message);
    co_return json_response(200, json::object{{"status", "OK"}});
  }
  if (path == "/_control/membership" && method == http::verb::post) {
    const auto user = resolve_user(string_field(body, "user"));
    const std::string channel = string_field(body, "channel_id");
    if (!user || model_->find_channel(channel) == nullptr)
      co_return error_response(404, "unknown user or channel");
    const bool add = string_field(body, "action") == "add";
    auto events = add ? model_->add_channel_member(*user, channel, now_ms())
                      : model_->remove_channel_member(*user, channel, now_ms());
    if (!events) co_return error_response(400, events.error().message);
    broadcast(*events);
    co_return json_response(200, json::object{{"status", "OK"}});
  }
  if (path == "/_control/tokens/revoke" && method == http::verb::post) {
    const std::string token = string_field(body, "token");
    const auto user = model_->user_for_token(token);
    if (!user || !model_->revoke_token(token)) co_return error_response(404, "unknown token");
    hub_.revalidate_sessions(*user);
    co_return json_response(200, json::object{{"status", "OK"}});
  }
  co_return error_response(404,
                           fmt::format("no control route {} {}", std::string(request.method_string()), path));
}

asio::awaitable<HttpResponse> Server::control_act(const json::object& body) {
  const auto user = resolve_user(string_field(body, "as"));
  if (!user) co_return error_response(404, fmt::format("unknown user \"{}\"", string_field(body, "as")));
  const auto tokens = model_->tokens_of(*user);
  if (tokens.empty()) co_return error_response(409, "that user has no token to act with");
  RestRequest request;
  request.method = string_field(body, "method");
  if (request.method.empty()) request.method = "GET";
  request.path = string_field(body, "path");
  request.query = string_field(body, "query");
  request.body = body_text(body);
  request.remote_ip = "127.0.0.1";
  request.headers.emplace_back("authorization", "Bearer " + tokens.front()->token);
  if (!request.body.empty())
    request.headers.emplace_back("content-type", string_field(body, "content_type").empty()
                                                     ? "application/json"
                                                     : string_field(body, "content_type"));
  if (!request.path.starts_with("/api/v4/")) co_return error_response(400, "path must start with /api/v4/");
  auto outcome = co_await call_api(std::move(request), /*apply_faults=*/false);
  json::object headers;
  for (const auto& [name, value] : outcome.response.headers) headers[name] = value;
  co_return json_response(200, json::object{{"status", outcome.response.status},
                                            {"headers", std::move(headers)},
                                            {"body", parsed_or_text(outcome.response.body)}});
}

asio::awaitable<HttpResponse> Server::control_post(const json::object& body) {
  // Convenience: {as, channel_id | to (username for a DM), message, root_id?, props?, file_ids?}
  const auto user = resolve_user(string_field(body, "as"));
  if (!user) co_return error_response(404, fmt::format("unknown user \"{}\"", string_field(body, "as")));
  std::string channel = string_field(body, "channel_id");
  if (const std::string to = string_field(body, "to"); !to.empty()) {
    const auto other = resolve_user(to);
    if (!other) co_return error_response(404, fmt::format("unknown user \"{}\"", to));
    json::object dm{{"as", string_field(body, "as")},
                    {"method", "POST"},
                    {"path", "/api/v4/channels/direct"},
                    {"body", json::array{json::string(*user), json::string(*other)}}};
    auto created = co_await control_act(dm);
    const auto reply = json::parse(created.body());
    if (reply.at("status").as_int64() != 201) co_return json_response(502, reply);
    channel = std::string(reply.at("body").at("id").as_string());
  }
  json::object post{{"channel_id", channel}, {"message", string_field(body, "message")}};
  if (const std::string root = string_field(body, "root_id"); !root.empty()) post["root_id"] = root;
  if (const auto* props = body.if_contains("props")) post["props"] = *props;
  if (const auto* files = body.if_contains("file_ids")) post["file_ids"] = *files;
  // Built before co_await: GCC 12 miscompiles string-literal initializer lists inside co_await.
  json::object act{
      {"as", string_field(body, "as")}, {"method", "POST"}, {"path", "/api/v4/posts"}, {"body", post}};
  co_return co_await control_act(act);
}

asio::awaitable<HttpResponse> Server::control_upload(const json::object& body) {
  // {as, channel_id, filename, content (text) | content_base64}: a multipart upload as a client sends it.
  std::string content = string_field(body, "content");
  if (body.contains("content_base64")) {
    bool ok = false;
    content = base64_decode(string_field(body, "content_base64"), ok);
    if (!ok) co_return error_response(400, "content_base64 is not valid base64");
  }
  const std::string boundary = "mmsimboundary" + model_->new_id();
  std::string multipart;
  multipart += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"channel_id\"\r\n\r\n" +
               string_field(body, "channel_id") + "\r\n";
  multipart += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"files\"; filename=\"" +
               string_field(body, "filename") + "\"\r\nContent-Type: application/octet-stream\r\n\r\n" +
               content + "\r\n";
  multipart += "--" + boundary + "--\r\n";
  json::object act{{"as", string_field(body, "as")},
                   {"method", "POST"},
                   {"path", "/api/v4/files"},
                   {"content_type", "multipart/form-data; boundary=" + boundary},
                   {"body", multipart}};
  co_return co_await control_act(act);
}

HttpResponse Server::control_faults(const json::object& body) {
  const std::string action = string_field(body, "action");
  const auto* on_value = body.if_contains("on");
  const bool on = on_value == nullptr || !on_value->is_bool() || on_value->get_bool();
  const auto now = now_ms();
  const auto int_field = [&](std::string_view key, std::int64_t fallback) {
    const auto* v = body.if_contains(key);
    return v != nullptr && v->is_int64() ? v->get_int64() : fallback;
  };
  if (action == "close_sockets")
    execute(hub_.close_all(now));
  else if (action == "blackhole")
    execute(hub_.blackhole_all(on, now));
  else if (action == "mute_events") {
    const auto user = resolve_user(string_field(body, "user"));
    if (!user) return error_response(404, "unknown user");
    hub_.set_events_muted(*user, on);
  } else if (action == "refuse_upgrades")
    hub_.refuse_upgrades_until(now + int_field("ms", 0));
  else if (action == "server_busy")
    hub_.set_server_busy(on);
  else if (action == "fail") {
    const auto* retry = body.if_contains("retry_after");
    if (!faults_.fail_next(
            string_field(body, "method"), string_field(body, "path"), static_cast<int>(int_field("count", 1)),
            static_cast<int>(int_field("status", 500)),
            retry && retry->is_int64() ? std::optional<int>(static_cast<int>(retry->get_int64()))
                                       : std::nullopt))
      return error_response(400, "fail needs method, an absolute path pattern, count >= 1 and a status");
  } else if (action == "delay") {
    if (!faults_.delay(string_field(body, "method"), string_field(body, "path"),
                       std::chrono::milliseconds(int_field("ms", 0)),
                       static_cast<int>(int_field("count", -1))))
      return error_response(400, "delay needs method, an absolute path pattern and ms >= 0");
  } else if (action == "clear") {
    faults_.clear();
    execute(hub_.blackhole_all(false, now));
    hub_.refuse_upgrades_until(0);
    hub_.set_server_busy(false);
  } else if (action == "rate_limit") {
    RateLimitConfig config;
    config.enabled = on;
    config.per_sec = static_cast<int>(int_field("per_sec", config.per_sec));
    config.max_burst = static_cast<int>(int_field("max_burst", config.max_burst));
    model_->rate_limiter() = RateLimiter(config);
  } else {
    return error_response(400, fmt::format("unknown fault action \"{}\"", action));
  }
  return json_response(200, json::object{{"status", "OK"}});
}

HttpResponse Server::control_frames(const json::object& body) {
  // {user, frames: [text, ...]}: raw frames for a client's decoder, malformed ones included.
  constexpr std::size_t kMaxFrames = 1000;
  const auto* frames = body.if_contains("frames");
  if (frames == nullptr || !frames->is_array())
    return error_response(400, "frames must be an array of strings (the text frames to send)");
  const auto& list = frames->get_array();
  if (list.size() > kMaxFrames)
    return error_response(400, fmt::format("at most {} frames per call (got {})", kMaxFrames, list.size()));
  std::vector<std::string> texts;
  texts.reserve(list.size());
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (!list[i].is_string())
      return error_response(400,
                            fmt::format("frames[{}] is not a string (got {})", i, json::serialize(list[i])));
    texts.emplace_back(list[i].get_string());
  }
  const auto* user_value = body.if_contains("user");
  if (user_value == nullptr || !user_value->is_string())
    return error_response(400, "user must be a username, @username or user id");
  const auto user = resolve_user(user_value->get_string());
  if (!user)
    return error_response(400, fmt::format("unknown user \"{}\"", std::string(user_value->get_string())));
  auto delivery = hub_.send_raw(*user, texts);
  execute(delivery.actions);
  return json_response(200, json::object{{"sent", delivery.sockets}});
}

HttpResponse Server::control_posts(std::string_view query) const {
  const auto channel = query_value(query, "channel_id");
  json::array out;
  const auto posts = channel ? model_->channel_posts(*channel) : model_->posts();
  for (const Post* post : posts) {
    json::object item = model_->post_json(*post);
    // Every state the post went through, so a test can see each edit a client made.
    json::array history;
    for (const auto& version : post->history)
      history.push_back(json::object{{"at", version.at},
                                     {"cause", version.cause},
                                     {"message", version.message},
                                     {"props", version.props}});
    item["history"] = std::move(history);
    out.push_back(std::move(item));
  }
  return json_response(200, out);
}

HttpResponse Server::control_reactions(std::string_view query) const {
  const auto post_id = query_value(query, "post_id");
  json::array out;
  for (const Post* post : model_->posts()) {
    if (post_id && post->id != *post_id) continue;
    for (const Reaction* reaction : model_->reactions(post->id)) out.push_back(reaction_json(*reaction));
  }
  return json_response(200, out);
}

HttpResponse Server::control_files() const {
  json::array out;
  for (const FileRecord* file : model_->files()) out.push_back(file_info_json(*file));
  return json_response(200, out);
}

HttpResponse Server::control_calls(std::string_view query) const {
  std::uint64_t since = 0;
  if (auto s = query_value(query, "since")) since = std::strtoull(s->c_str(), nullptr, 10);
  json::array out;
  for (const auto& c : calls_) {
    if (c.index < since) continue;
    out.push_back(json::object{{"index", c.index},
                               {"time_ms", c.time_ms},
                               {"method", c.method},
                               {"path", c.path},
                               {"query", c.query},
                               {"status", c.status},
                               {"user_id", c.user_id},
                               {"duration_ms", c.duration_ms},
                               {"body", c.body}});
  }
  return json_response(200, out);
}

HttpResponse Server::control_connections() const {
  json::array out;
  for (const auto& c : hub_.connections())
    out.push_back(json::object{{"connection_id", c.connection_id},
                               {"user_id", c.user_id},
                               {"authenticated", c.authenticated},
                               {"active", c.active},
                               {"blackholed", c.blackholed},
                               {"next_seq", c.next_seq},
                               {"queue_depth", c.queue_depth},
                               // Grows with every upgrade: a client's reconnect shows as a new number.
                               {"socket", c.key ? json::value(*c.key) : json::value(nullptr)}});
  return json_response(200, out);
}

}  // namespace mmsim

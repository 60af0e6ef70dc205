#include "mattermost/api.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <random>
#include <stdexcept>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <boost/url/parse.hpp>

#include "mattermost/api_url.hpp"
#include "net/http_client.hpp"
#include "util/log.hpp"
#include "util/strings.hpp"
#include "util/ttl_cache.hpp"

namespace mmclaw::mattermost {

namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using std::chrono::milliseconds;

constexpr std::string_view kComponent = "mattermost_api";
constexpr std::size_t kMaxJsonResponseBytes = 16 * 1024 * 1024;  // a 1000-post `since` list fits
constexpr std::size_t kUsersPerBatch = 200;
constexpr int kMaxPerPage = 200;
constexpr std::int64_t kChannelTtlMs = 5 * 60 * 1000;
constexpr std::int64_t kUserTtlMs = 10 * 60 * 1000;
constexpr std::size_t kCacheEntries = 1000;

// The rate-limit pause is kept on the wall clock (Retry-After may be an HTTP date); cache ages on
// the monotonic one, so a clock step neither empties nor freezes them.
TimeMs wall_ms() {
  return std::chrono::duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}
std::int64_t monotonic_ms() {
  return std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

ApiError api_error(Error error) {
  ApiError out;
  out.error = std::move(error);
  return out;
}

json::value parse_json(std::string_view text, boost::system::error_code& ec) {
  json::parse_options options;
  options.max_depth = 64;  // post props (attachments) nest a few levels; the default 32 is tight
  return json::parse(text, ec, json::storage_ptr(), options);
}

int clamp_per_page(int per_page) {
  if (per_page <= 0) return 60;  // the server's default
  return std::min(per_page, kMaxPerPage);
}

std::string random_boundary() {
  std::random_device device;
  std::uniform_int_distribution<int> hex(0, 15);
  std::string out = "mmclaw-boundary-";
  for (int i = 0; i < 32; ++i) out.push_back("0123456789abcdef"[hex(device)]);
  return out;
}

// A header value with its line breaks removed: it must not end the header early.
std::string header_safe(std::string_view text) {
  std::string out;
  for (const char c : text)
    if (c != '\r' && c != '\n' && c != '\0') out.push_back(c);
  return out;
}

// A quoted-string parameter value (RFC 7578 §4.2 with the quoted-pair escapes that Go's mime
// parser and mmsim's read).
std::string quoted(std::string_view text) {
  std::string out = "\"";
  for (const char c : header_safe(text)) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

// POST /files: `channel_id` before the file part, as the server's streaming parser needs.
std::string multipart_body(std::string_view boundary, std::string_view channel_id, std::string_view filename,
                           std::string_view content, std::string_view content_type) {
  std::string body;
  body.reserve(content.size() + 512);
  body += fmt::format("--{}\r\nContent-Disposition: form-data; name=\"channel_id\"\r\n\r\n{}\r\n", boundary,
                      header_safe(channel_id));
  body += fmt::format("--{}\r\nContent-Disposition: form-data; name=\"files\"; filename={}\r\n", boundary,
                      quoted(filename));
  body +=
      fmt::format("Content-Type: {}\r\n\r\n",
                  content_type.empty() ? std::string("application/octet-stream") : header_safe(content_type));
  body += content;
  body += fmt::format("\r\n--{}--\r\n", boundary);
  return body;
}

}  // namespace

net::HttpClientOptions http_options_with_ssrf_guard(net::HttpClientOptions options, net::SsrfPolicy policy) {
  auto guard = std::make_shared<const net::SsrfGuard>(std::move(policy));
  options.check_resolved_address = [guard](std::string_view host, const util::IpAddress& address) {
    return guard->check_resolved(host, address);
  };
  return options;
}

struct Api::Impl {
  // One REST call: path below /api/v4 (ids already encoded), body and its content type.
  struct Call {
    std::string method = "GET";
    std::string path;
    std::string body;
    std::string content_type;
    std::size_t max_response_bytes = kMaxJsonResponseBytes;
    net::HttpClientTimeoutOverrides timeouts;  // total unset: ApiOptions::request_timeout
    bool read_in_pieces = false;  // 2xx body read piece by piece, timeouts.response_body between pieces
  };

  using Response = net::HttpClientResponse;

  Impl(net::HttpClient& http, ApiOptions options)
      : http_(http),
        options_(std::move(options)),
        guard_(options_.ssrf),
        pause_(options_.rate_pause),
        channels_(kChannelTtlMs, kCacheEntries),
        users_(kUserTtlMs, kCacheEntries) {
    auto parsed = boost::urls::parse_uri(options_.base_url);
    if (!parsed) throw std::invalid_argument("the Mattermost base URL is not an absolute URL");
    const std::string scheme = util::to_lower(parsed->scheme());
    if (scheme != "http" && scheme != "https")
      throw std::invalid_argument("the Mattermost base URL must start with http:// or https://");
    host_ = util::to_lower(std::string_view(parsed->encoded_host_address()));
    if (host_.size() >= 2 && host_.front() == '[') host_ = host_.substr(1, host_.size() - 2);
    if (host_.empty()) throw std::invalid_argument("the Mattermost base URL has no host");
    if (!options_.token.empty()) secrets_.push_back(options_.token);
  }

  net::HttpClient& http_;
  ApiOptions options_;
  net::SsrfGuard guard_;
  std::string host_;
  RatePause pause_;
  ApiStats stats_;
  std::vector<std::string> secrets_;  // redacted from every error text
  util::TtlCache<std::string, Channel> channels_;
  util::TtlCache<std::string, User> users_;

  ApiError failed(ApiError error) {
    ++stats_.errors;
    return error;
  }

  // The HTTP exchange shared by every call: SSRF check, the shared 429 pause, auth, and the
  // mapping of failures to ApiError.
  asio::awaitable<ApiResult<Response>> send(Call call) {
    auto url = api_url(options_.base_url, call.path);
    if (!url) co_return std::unexpected(failed(api_error(std::move(url.error()))));
    if (auto allowed = guard_.check_host(host_); !allowed) {
      ++stats_.ssrf_refused;
      Error error = std::move(allowed.error());
      error.kind = ErrorKind::invalid_input;
      error.status = 0;
      error.message = "Mattermost API request refused: " + error.message;
      co_return std::unexpected(failed(api_error(std::move(error))));
    }

    net::HttpClientRequest request;
    request.method = call.method;
    request.url = std::move(*url);
    request.headers.emplace_back("Authorization", "Bearer " + options_.token);
    if (!call.content_type.empty()) request.headers.emplace_back("Content-Type", call.content_type);
    request.body = std::move(call.body);
    request.timeouts = call.timeouts;
    if (!request.timeouts.total) request.timeouts.total = options_.request_timeout;
    request.max_response_bytes = call.max_response_bytes;
    // Pieces of a 2xx body are collected here (a non-2xx body is collected by the client as usual).
    auto pieces = std::make_shared<std::string>();
    if (call.read_in_pieces) {
      request.on_body_chunk = [pieces](std::string_view piece) -> Result<void> {
        pieces->append(piece);
        return {};
      };
    }

    auto executor = co_await asio::this_coro::executor;
    for (int attempt = 0;; ++attempt) {
      // Every request of the account waits out the shared pause; re-read after each wait because
      // another request's 429 may have extended it meanwhile.
      for (;;) {
        const TimeMs now = wall_ms();
        const TimeMs wait = pause_.ready_at(now) - now;
        if (wait <= 0) break;
        asio::steady_timer timer(executor, milliseconds(wait));
        auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
        if (ec)
          co_return std::unexpected(failed(api_error(
              Error::transient("Mattermost API request cancelled while waiting for the rate-limit pause"))));
      }

      ++stats_.requests;
      auto sent = co_await http_.send(request);
      ++stats_.calls[RouteKey{call.method, route_template(call.path), sent ? static_cast<int>(sent->status) : 0}];
      if (!sent) {
        ApiError error = api_error_from_transport(sent.error(), secrets_);
        // The resolved-address check of http_options_with_ssrf_guard() refuses with the guard's
        // text, which always names the config key that lifts it.
        if (error.error.kind == ErrorKind::invalid_input &&
            error.error.message.find(net::kAllowPrivateNetworkKey) != std::string::npos)
          ++stats_.ssrf_refused;
        co_return std::unexpected(failed(std::move(error)));
      }
      Response& response = *sent;
      const int status = static_cast<int>(response.status);
      pause_.on_response(status, response.headers, wall_ms());
      if (status == 429) {
        ++stats_.rate_limited;
        if (attempt < options_.max_rate_limit_retries) {
          log::debug(kComponent, "{} {} was rate limited; sending it again after {} ms", call.method,
                     call.path, pause_.remaining_ms(wall_ms()));
          continue;
        }
      }
      if (status < 200 || status >= 300) {
        std::string_view body = response.body;
        if (body.size() > kMaxErrorBodyBytes) body = body.substr(0, kMaxErrorBodyBytes);
        co_return std::unexpected(
            failed(api_error_from_response(status, response.headers, body, secrets_, wall_ms())));
      }
      if (call.read_in_pieces) response.body = std::move(*pieces);
      co_return std::move(response);
    }
  }

  // A 2xx body read by `decode`; an unreadable body is a permanent error with the response's
  // status (the server answered, the client cannot use it).
  template <class T>
  ApiResult<T> decode(const Response& response, Result<T> (*decode_value)(const json::value&)) {
    boost::system::error_code ec;
    const json::value value = parse_json(response.body, ec);
    Error error;
    if (ec) {
      error = Error::permanent("Mattermost API returned an unreadable response: the body is not JSON");
    } else {
      auto decoded = decode_value(value);
      if (decoded) return std::move(*decoded);
      error = std::move(decoded.error());
    }
    error.status = static_cast<int>(response.status);
    return std::unexpected(failed(api_error(std::move(error))));
  }

  template <class T>
  asio::awaitable<ApiResult<T>> fetch(Call call, Result<T> (*decode_value)(const json::value&)) {
    auto response = co_await send(std::move(call));
    if (!response) co_return std::unexpected(std::move(response.error()));
    co_return decode<T>(*response, decode_value);
  }

  // A call whose answer is not needed (204, {"status":"OK"}, the reaction).
  asio::awaitable<ApiResult<void>> run(Call call) {
    auto response = co_await send(std::move(call));
    if (!response) co_return std::unexpected(std::move(response.error()));
    co_return ApiResult<void>{};
  }

  static Call json_call(std::string method, std::string path, const json::value& body) {
    Call call;
    call.method = std::move(method);
    call.path = std::move(path);
    call.body = json::serialize(body);
    call.content_type = "application/json";
    return call;
  }

  static Call get(std::string path) {
    Call call;
    call.path = std::move(path);
    return call;
  }

  // POST /posts answered 2xx but unusable: the post exists, so the caller must not send it again.
  ApiError receipt_lost(int status, std::string_view why) {
    Error error;
    error.kind = ErrorKind::permanent;
    error.status = status;
    error.message = fmt::format(
        "Mattermost API {} {}: the post was delivered but the receipt was lost ({}); do not send it again",
        status, status_text(status), why);
    ApiError out = api_error(std::move(error));
    out.receipt_lost = true;
    return failed(std::move(out));
  }
};

Api::Api(net::HttpClient& http, ApiOptions options)
    : impl_(std::make_unique<Impl>(http, std::move(options))) {}

Api::~Api() = default;

const std::string& Api::base_url() const noexcept {
  return impl_->options_.base_url;
}

const RatePause& Api::rate_pause() const noexcept {
  return impl_->pause_;
}

ApiStats Api::stats() const noexcept {
  return impl_->stats_;
}

// --- users ---

boost::asio::awaitable<ApiResult<User>> Api::get_me() {
  return impl_->fetch<User>(Impl::get("/users/me"), &user_from_json);
}

boost::asio::awaitable<ApiResult<User>> Api::get_user(std::string user_id) {
  return impl_->fetch<User>(Impl::get("/users/" + user_id), &user_from_json);
}

boost::asio::awaitable<ApiResult<User>> Api::get_user_by_username(std::string username) {
  // Usernames are stored lower-case (protocol reference §4.3).
  return impl_->fetch<User>(Impl::get("/users/username/" + encode_path_segment(util::to_lower(username))),
                            &user_from_json);
}

boost::asio::awaitable<ApiResult<std::vector<User>>> Api::get_users_by_ids(std::vector<std::string> ids) {
  std::vector<User> users;
  // The server answers 400 to an empty array; nothing asked, nothing to return.
  for (std::size_t start = 0; start < ids.size(); start += kUsersPerBatch) {
    json::array batch;
    const std::size_t end = std::min(ids.size(), start + kUsersPerBatch);
    for (std::size_t i = start; i < end; ++i) batch.emplace_back(ids[i]);
    auto call = Impl::json_call("POST", "/users/ids", batch);
    auto found = co_await impl_->fetch<std::vector<User>>(std::move(call), &users_from_json);
    if (!found) co_return std::unexpected(std::move(found.error()));
    for (auto& user : *found) users.push_back(std::move(user));
  }
  co_return users;
}

boost::asio::awaitable<ApiResult<std::vector<User>>> Api::search_users(std::string term,
                                                                       std::string team_id) {
  json::object body;
  body["term"] = term;
  if (!team_id.empty()) body["team_id"] = team_id;
  auto call = Impl::json_call("POST", "/users/search", body);
  co_return co_await impl_->fetch<std::vector<User>>(std::move(call), &users_from_json);
}

boost::asio::awaitable<ApiResult<std::vector<Team>>> Api::get_user_teams(std::string user_id) {
  return impl_->fetch<std::vector<Team>>(Impl::get("/users/" + user_id + "/teams"), &teams_from_json);
}

boost::asio::awaitable<ApiResult<std::vector<TeamMember>>> Api::get_team_members(std::string team_id,
                                                                                 int page, int per_page) {
  auto path = fmt::format("/teams/{}/members?page={}&per_page={}", encode_path_segment(team_id),
                          std::max(page, 0), clamp_per_page(per_page));
  return impl_->fetch<std::vector<TeamMember>>(Impl::get(std::move(path)), &team_members_from_json);
}

boost::asio::awaitable<ApiResult<void>> Api::send_typing(std::string channel_id, std::string parent_id) {
  json::object body;
  body["channel_id"] = channel_id;
  body["parent_id"] = parent_id;
  auto call = Impl::json_call("POST", "/users/me/typing", body);
  co_return co_await impl_->run(std::move(call));
}

// --- channels ---

boost::asio::awaitable<ApiResult<Channel>> Api::get_channel(std::string channel_id) {
  return impl_->fetch<Channel>(Impl::get("/channels/" + encode_path_segment(channel_id)), &channel_from_json);
}

boost::asio::awaitable<ApiResult<Channel>> Api::get_channel_by_name(std::string team_id, std::string name) {
  auto path = "/teams/" + encode_path_segment(team_id) + "/channels/name/" + encode_path_segment(name);
  return impl_->fetch<Channel>(Impl::get(std::move(path)), &channel_from_json);
}

boost::asio::awaitable<ApiResult<std::vector<Channel>>> Api::get_user_channels(std::string user_id) {
  return impl_->fetch<std::vector<Channel>>(Impl::get("/users/" + user_id + "/channels?per_page=200"),
                                            &channels_from_json);
}

boost::asio::awaitable<ApiResult<Channel>> Api::create_direct_channel(
    std::string user_a, std::string user_b, std::optional<std::chrono::milliseconds> timeout) {
  json::array body;
  body.emplace_back(user_a);
  body.emplace_back(user_b);
  auto call = Impl::json_call("POST", "/channels/direct", body);
  if (timeout) call.timeouts.total = *timeout;
  co_return co_await impl_->fetch<Channel>(std::move(call), &channel_from_json);
}

boost::asio::awaitable<ApiResult<PostList>> Api::get_channel_posts(std::string channel_id, PostsQuery query) {
  std::string path = "/channels/" + encode_path_segment(channel_id) + "/posts?";
  const int per_page = clamp_per_page(query.per_page);
  const int page = std::max(query.page, 0);
  // One mode only, in the server's precedence (protocol reference §4.6).
  if (query.since) {
    path += fmt::format("since={}", *query.since);
  } else if (!query.after.empty()) {
    path += fmt::format("after={}&page={}&per_page={}", encode_path_segment(query.after), page, per_page);
  } else if (!query.before.empty()) {
    path += fmt::format("before={}&page={}&per_page={}", encode_path_segment(query.before), page, per_page);
  } else {
    path += fmt::format("page={}&per_page={}", page, per_page);
  }
  return impl_->fetch<PostList>(Impl::get(std::move(path)), &post_list_from_json);
}

// --- posts ---

boost::asio::awaitable<ApiResult<Post>> Api::get_post(std::string post_id) {
  return impl_->fetch<Post>(Impl::get("/posts/" + post_id), &rest_post_from_json);
}

boost::asio::awaitable<ApiResult<PostList>> Api::get_post_thread(std::string root_id, ThreadQuery query) {
  std::string path = "/posts/" + root_id + "/thread";
  std::vector<std::string> params;
  if (query.per_page > 0) params.push_back(fmt::format("perPage={}", std::min(query.per_page, kMaxPerPage)));
  if (!query.direction.empty()) params.push_back("direction=" + encode_path_segment(query.direction));
  if (!query.from_post.empty()) params.push_back("fromPost=" + encode_path_segment(query.from_post));
  if (query.from_create_at > 0) params.push_back(fmt::format("fromCreateAt={}", query.from_create_at));
  if (!params.empty()) path += "?" + util::join(params, "&");
  return impl_->fetch<PostList>(Impl::get(std::move(path)), &post_list_from_json);
}

boost::asio::awaitable<ApiResult<Post>> Api::create_post(CreatePost post) {
  json::object body;
  body["channel_id"] = post.channel_id;
  body["message"] = post.message;
  if (!post.root_id.empty()) body["root_id"] = post.root_id;
  if (!post.file_ids.empty()) {
    json::array files;
    for (const auto& id : post.file_ids) files.emplace_back(id);
    body["file_ids"] = std::move(files);
  }
  if (!post.props.empty()) body["props"] = std::move(post.props);
  auto call = Impl::json_call("POST", "/posts", body);
  auto response = co_await impl_->send(std::move(call));
  if (!response) co_return std::unexpected(std::move(response.error()));

  // From here on the post exists: whatever is wrong with the answer, it must not be sent again.
  const int status = static_cast<int>(response->status);
  boost::system::error_code ec;
  const json::value value = parse_json(response->body, ec);
  if (ec) co_return std::unexpected(impl_->receipt_lost(status, "the response is not JSON"));
  auto created = rest_post_from_json(value);
  if (!created) co_return std::unexpected(impl_->receipt_lost(status, "the response is not a readable post"));
  if (util::trim(created->id).empty())
    co_return std::unexpected(impl_->receipt_lost(status, "the response has no post id"));
  co_return std::move(*created);
}

boost::asio::awaitable<ApiResult<Post>> Api::update_post(std::string post_id, std::string message,
                                                         std::optional<boost::json::object> props) {
  json::object body;
  body["id"] = post_id;
  body["message"] = message;
  if (props) body["props"] = std::move(*props);
  auto call = Impl::json_call("PUT", "/posts/" + post_id, body);
  co_return co_await impl_->fetch<Post>(std::move(call), &rest_post_from_json);
}

boost::asio::awaitable<ApiResult<Post>> Api::patch_post(std::string post_id, PostPatch patch) {
  json::object body;
  if (patch.message) body["message"] = *patch.message;
  if (patch.props) body["props"] = std::move(*patch.props);
  if (patch.file_ids) {
    json::array files;
    for (const auto& id : *patch.file_ids) files.emplace_back(id);
    body["file_ids"] = std::move(files);
  }
  auto call = Impl::json_call("PUT", "/posts/" + post_id + "/patch", body);
  co_return co_await impl_->fetch<Post>(std::move(call), &rest_post_from_json);
}

boost::asio::awaitable<ApiResult<void>> Api::delete_post(std::string post_id) {
  Impl::Call call;
  call.method = "DELETE";
  call.path = "/posts/" + post_id;
  return impl_->run(std::move(call));
}

// --- files ---

boost::asio::awaitable<ApiResult<FileInfo>> Api::upload_file(std::string channel_id, std::string filename,
                                                             std::string content, std::string content_type) {
  std::string boundary = random_boundary();
  while (content.find(boundary) != std::string::npos) boundary = random_boundary();
  Impl::Call call;
  call.method = "POST";
  call.path = "/files";
  call.body = multipart_body(boundary, channel_id, filename, content, content_type);
  call.content_type = "multipart/form-data; boundary=" + boundary;
  auto infos = co_await impl_->fetch<std::vector<FileInfo>>(std::move(call), &file_infos_from_upload_json);
  if (!infos) co_return std::unexpected(std::move(infos.error()));
  if (infos->empty()) {
    Error error =
        Error::permanent("Mattermost API returned an unreadable upload result: file_infos is empty");
    error.status = 201;
    co_return std::unexpected(impl_->failed(api_error(std::move(error))));
  }
  co_return std::move(infos->front());
}

boost::asio::awaitable<ApiResult<std::string>> Api::download_file(std::string file_id,
                                                                  DownloadOptions options) {
  Impl::Call call = Impl::get("/files/" + file_id);
  call.max_response_bytes = options.max_bytes.value_or(impl_->options_.max_download_bytes);
  call.timeouts.response_header = options.header_timeout;
  call.timeouts.total = options.total_timeout;
  if (options.idle_timeout) {
    call.timeouts.response_body = options.idle_timeout;
    call.read_in_pieces = true;
  }
  auto response = co_await impl_->send(std::move(call));
  if (!response) co_return std::unexpected(std::move(response.error()));
  co_return std::move(response->body);
}

boost::asio::awaitable<ApiResult<FileInfo>> Api::get_file_info(std::string file_id) {
  return impl_->fetch<FileInfo>(Impl::get("/files/" + file_id + "/info"), &file_info_from_json);
}

// --- reactions ---

boost::asio::awaitable<ApiResult<void>> Api::add_reaction(std::string user_id, std::string post_id,
                                                          std::string emoji_name) {
  json::object body;
  body["user_id"] = user_id;
  body["post_id"] = post_id;
  body["emoji_name"] = emoji_name;
  auto call = Impl::json_call("POST", "/reactions", body);
  co_return co_await impl_->run(std::move(call));
}

boost::asio::awaitable<ApiResult<void>> Api::remove_reaction(std::string user_id, std::string post_id,
                                                             std::string emoji_name) {
  Impl::Call call;
  call.method = "DELETE";
  call.path = "/users/" + user_id + "/posts/" + post_id + "/reactions/" + encode_path_segment(emoji_name);
  return impl_->run(std::move(call));
}

// --- slash commands ---

boost::asio::awaitable<ApiResult<std::vector<SlashCommand>>> Api::list_commands(
    std::string team_id, bool custom_only, std::optional<std::chrono::milliseconds> timeout) {
  auto path = fmt::format("/commands?team_id={}&custom_only={}", encode_path_segment(team_id),
                          custom_only ? "true" : "false");
  auto call = Impl::get(std::move(path));
  if (timeout) call.timeouts.total = *timeout;
  co_return co_await impl_->fetch<std::vector<SlashCommand>>(std::move(call), &slash_commands_from_json);
}

boost::asio::awaitable<ApiResult<SlashCommand>> Api::get_command(std::string command_id,
                                                                 std::optional<std::chrono::milliseconds> timeout) {
  auto call = Impl::get("/commands/" + encode_path_segment(command_id));
  if (timeout) call.timeouts.total = *timeout;
  co_return co_await impl_->fetch<SlashCommand>(std::move(call), &slash_command_from_json);
}

boost::asio::awaitable<ApiResult<SlashCommand>> Api::create_command(SlashCommand command) {
  command.id.clear();  // the server assigns id, token and creator
  command.token.clear();
  command.creator_id.clear();
  auto call = Impl::json_call("POST", "/commands", to_json(command));
  co_return co_await impl_->fetch<SlashCommand>(std::move(call), &slash_command_from_json);
}

boost::asio::awaitable<ApiResult<SlashCommand>> Api::update_command(SlashCommand command) {
  auto call = Impl::json_call("PUT", "/commands/" + encode_path_segment(command.id), to_json(command));
  co_return co_await impl_->fetch<SlashCommand>(std::move(call), &slash_command_from_json);
}

boost::asio::awaitable<ApiResult<void>> Api::delete_command(std::string command_id,
                                                            std::optional<std::chrono::milliseconds> timeout) {
  Impl::Call call;
  call.method = "DELETE";
  call.path = "/commands/" + encode_path_segment(command_id);
  if (timeout) call.timeouts.total = *timeout;
  co_return co_await impl_->run(std::move(call));
}

// --- caches ---

boost::asio::awaitable<ApiResult<Channel>> Api::cached_channel(std::string channel_id) {
  if (const Channel* hit = impl_->channels_.get(channel_id, monotonic_ms())) {
    ++impl_->stats_.cache_hits;
    co_return *hit;
  }
  ++impl_->stats_.cache_misses;
  auto channel = co_await get_channel(channel_id);
  if (channel) impl_->channels_.put(channel_id, *channel, monotonic_ms());  // failures are not cached
  co_return channel;
}

boost::asio::awaitable<ApiResult<User>> Api::cached_user(std::string user_id) {
  if (const User* hit = impl_->users_.get(user_id, monotonic_ms())) {
    ++impl_->stats_.cache_hits;
    co_return *hit;
  }
  ++impl_->stats_.cache_misses;
  auto user = co_await get_user(user_id);
  if (user) impl_->users_.put(user_id, *user, monotonic_ms());
  co_return user;
}

void Api::forget_channel(std::string_view channel_id) {
  impl_->channels_.erase(std::string(channel_id));
}

}  // namespace mmclaw::mattermost

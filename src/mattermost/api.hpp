#pragma once
// The typed Mattermost REST v4 client of one account (channel-behaviour §2; protocol reference
// §4, §5) over net::HttpClient: bearer auth, path safety (api_url.hpp), AppError decoding with the
// token redacted (api_error.hpp), a shared per-account pause after 429s (rate_pause.hpp) that
// every request waits for, and the SSRF guard of §2.3 on every request (host checked before
// resolving, each resolved address after).
//
// 429 handling: a request answered 429 waits for the pause and is sent again, up to
// ApiOptions::max_rate_limit_retries times (a 429 means the server did nothing, so this is safe
// for every method); then the 429 is returned as rate_limited. Other failures are returned as they
// are: retry policy belongs to the caller (DM creation retry, ingress).
//
// POST /posts: a 2xx without a usable `id` (or a body that cannot be read) is "delivered but
// receipt lost": ApiError::receipt_lost is set and the caller must not send the post again.
//
// Caches (§2.5): cached_channel (5 min, 1000 entries) and cached_user (10 min, 1000 entries);
// failures are never cached, insertion-order eviction, reads do not refresh.
//
// SSRF: the host of the base URL is checked by the Api before every request (a refusal is
// invalid_input, status 0, and nothing is sent). The check of the addresses the host resolves to
// belongs to the HttpClient: build its options with http_options_with_ssrf_guard() from the same
// policy.
//
// Not thread-safe: construct, call and destroy on the io_context's thread. The HttpClient must
// outlive the Api, and calls in flight must end before the Api is destroyed (its owner awaits
// them, ARCHITECTURE.md rule 3).

#include <chrono>
#include <cstdint>
#include <expected>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include "mattermost/api_error.hpp"
#include "mattermost/rate_pause.hpp"
#include "mattermost/rest_types.hpp"
#include "mattermost/types.hpp"
#include "net/ssrf_guard.hpp"

namespace mmclaw::net {
class HttpClient;
struct HttpClientOptions;
}  // namespace mmclaw::net

namespace mmclaw::mattermost {

template <class T>
using ApiResult = std::expected<T, ApiError>;

struct ApiOptions {
  std::string base_url;  // normalised (config::normalize_base_url)
  std::string token;     // the bot token; never logged
  net::SsrfPolicy ssrf;  // allow_private_network from network.dangerouslyAllowPrivateNetwork
  std::chrono::milliseconds request_timeout{30000};  // §2.2, per request unless overridden
  int max_rate_limit_retries = 3;
  RatePausePolicy rate_pause;
  std::size_t max_download_bytes = 64 * 1024 * 1024;
};

// GET /channels/{id}/posts: exactly one mode, in the server's precedence.
struct PostsQuery {
  std::optional<std::int64_t> since;  // update_at > since (≤ 1000 posts, no paging)
  std::string before;                 // post id
  std::string after;                  // post id
  int page = 0;
  int per_page = 60;  // max 200
};

// GET /posts/{root}/thread.
struct ThreadQuery {
  int per_page = 0;       // 0 = the whole thread
  std::string direction;  // "up" | "down" | ""
  std::string from_post;
  std::int64_t from_create_at = 0;
};

struct CreatePost {
  std::string channel_id;
  std::string message;
  std::string root_id;
  std::vector<std::string> file_ids;
  boost::json::object props;
};

// Limits of one download (GET /files/{id}); unset fields keep the Api's defaults
// (ApiOptions::max_download_bytes, the whole body within ApiOptions::request_timeout).
struct DownloadOptions {
  std::optional<std::size_t> max_bytes;  // a larger file fails (permanent) without reading the rest
  // Until the response header has arrived (from the end of the request).
  std::optional<std::chrono::milliseconds> header_timeout;
  // The longest silence between two pieces of the body; when set, the body is read piece by piece
  // and only stalls end it (a large file on a slow link is not cut by a whole-body deadline).
  std::optional<std::chrono::milliseconds> idle_timeout;
  // The whole download, retries after a 429 excepted (each attempt has its own).
  std::optional<std::chrono::milliseconds> total_timeout;
};

struct PostPatch {
  std::optional<std::string> message;
  std::optional<boost::json::object> props;
  std::optional<std::vector<std::string>> file_ids;
};

// Requests by method, route (route_template) and HTTP status (0: no response arrived).
struct RouteKey {
  std::string method;
  std::string route;
  int status = 0;
  auto operator<=>(const RouteKey&) const = default;
};

struct ApiStats {
  std::map<RouteKey, std::uint64_t> calls;
  std::uint64_t requests = 0;
  std::uint64_t errors = 0;
  std::uint64_t rate_limited = 0;  // 429 responses
  std::uint64_t ssrf_refused = 0;
  std::uint64_t cache_hits = 0;
  std::uint64_t cache_misses = 0;
};

// `options` with HttpClientOptions::check_resolved_address set to the SSRF guard of `policy`
// (every resolved address checked before connecting). Use a client built this way for Mattermost
// traffic only: the hook applies to every request of that client.
net::HttpClientOptions http_options_with_ssrf_guard(net::HttpClientOptions options, net::SsrfPolicy policy);

class Api {
 public:
  // Throws std::invalid_argument for an unusable base URL (a start-up error).
  Api(net::HttpClient& http, ApiOptions options);
  ~Api();
  Api(const Api&) = delete;
  Api& operator=(const Api&) = delete;

  const std::string& base_url() const noexcept;

  // --- users ---
  boost::asio::awaitable<ApiResult<User>> get_me();
  boost::asio::awaitable<ApiResult<User>> get_user(std::string user_id);
  boost::asio::awaitable<ApiResult<User>> get_user_by_username(std::string username);
  // Batches of at most 200 ids; unknown ids are omitted by the server.
  boost::asio::awaitable<ApiResult<std::vector<User>>> get_users_by_ids(std::vector<std::string> ids);
  boost::asio::awaitable<ApiResult<std::vector<User>>> search_users(std::string term, std::string team_id);
  boost::asio::awaitable<ApiResult<std::vector<Team>>> get_user_teams(std::string user_id);
  boost::asio::awaitable<ApiResult<std::vector<TeamMember>>> get_team_members(std::string team_id, int page,
                                                                              int per_page = 200);
  boost::asio::awaitable<ApiResult<void>> send_typing(std::string channel_id, std::string parent_id = {});

  // --- channels ---
  boost::asio::awaitable<ApiResult<Channel>> get_channel(std::string channel_id);
  boost::asio::awaitable<ApiResult<Channel>> get_channel_by_name(std::string team_id, std::string name);
  // Every channel of every team the user is in, DMs and GMs included.
  boost::asio::awaitable<ApiResult<std::vector<Channel>>> get_user_channels(std::string user_id);
  // `timeout` bounds this one request (the DM retry of §5.2 gives each attempt its own).
  boost::asio::awaitable<ApiResult<Channel>> create_direct_channel(
      std::string user_a, std::string user_b, std::optional<std::chrono::milliseconds> timeout = {});
  boost::asio::awaitable<ApiResult<PostList>> get_channel_posts(std::string channel_id, PostsQuery query);

  // --- posts ---
  boost::asio::awaitable<ApiResult<Post>> get_post(std::string post_id);
  boost::asio::awaitable<ApiResult<PostList>> get_post_thread(std::string root_id, ThreadQuery query = {});
  boost::asio::awaitable<ApiResult<Post>> create_post(CreatePost post);
  // PUT /posts/{id} with {id, message[, props]}: the server replaces props wholesale, so without
  // `props` the post loses its props (use patch_post to change only the message).
  boost::asio::awaitable<ApiResult<Post>> update_post(std::string post_id, std::string message,
                                                      std::optional<boost::json::object> props = {});
  boost::asio::awaitable<ApiResult<Post>> patch_post(std::string post_id, PostPatch patch);
  boost::asio::awaitable<ApiResult<void>> delete_post(std::string post_id);

  // --- files ---
  boost::asio::awaitable<ApiResult<FileInfo>> upload_file(std::string channel_id, std::string filename,
                                                          std::string content, std::string content_type);
  boost::asio::awaitable<ApiResult<std::string>> download_file(std::string file_id,
                                                               DownloadOptions options = {});
  boost::asio::awaitable<ApiResult<FileInfo>> get_file_info(std::string file_id);

  // --- reactions ---
  boost::asio::awaitable<ApiResult<void>> add_reaction(std::string user_id, std::string post_id,
                                                       std::string emoji_name);
  boost::asio::awaitable<ApiResult<void>> remove_reaction(std::string user_id, std::string post_id,
                                                          std::string emoji_name);

  // --- slash commands ---
  // `timeout` bounds this one request (the live validation of §9.4 allows 1 s).
  boost::asio::awaitable<ApiResult<std::vector<SlashCommand>>> list_commands(
      std::string team_id, bool custom_only = true, std::optional<std::chrono::milliseconds> timeout = {});
  boost::asio::awaitable<ApiResult<SlashCommand>> get_command(std::string command_id,
                                                              std::optional<std::chrono::milliseconds> timeout = {});
  boost::asio::awaitable<ApiResult<SlashCommand>> create_command(SlashCommand command);
  boost::asio::awaitable<ApiResult<SlashCommand>> update_command(SlashCommand command);
  boost::asio::awaitable<ApiResult<void>> delete_command(std::string command_id,
                                                         std::optional<std::chrono::milliseconds> timeout = {});

  // --- caches (§2.5) ---
  boost::asio::awaitable<ApiResult<Channel>> cached_channel(std::string channel_id);
  boost::asio::awaitable<ApiResult<User>> cached_user(std::string user_id);
  void forget_channel(std::string_view channel_id);

  // The shared 429 pause (ms since the Unix epoch), for status and tests.
  const RatePause& rate_pause() const noexcept;
  ApiStats stats() const noexcept;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace mmclaw::mattermost

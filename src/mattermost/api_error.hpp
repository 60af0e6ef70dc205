#pragma once
// Failed Mattermost REST calls as values (ARCHITECTURE.md rule 5; channel-behaviour §2.2, §5.2;
// mattermost-protocol §5). The one place that decides which statuses are worth retrying, what the
// error text says, and that no token ever reaches it (rule 10).

#include <chrono>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mattermost/rate_pause.hpp"
#include "util/error.hpp"

namespace mmclaw::mattermost {

// At most this much of an error body is read (§2.2); the rest is ignored.
inline constexpr std::size_t kMaxErrorBodyBytes = 8 * 1024;
// The detail in the message is cut to this many bytes (on a UTF-8 boundary) and ends with `…`.
inline constexpr std::size_t kMaxErrorDetailBytes = 512;

struct ApiError {
  Error error;               // kind, HTTP status (0 when no response arrived) and the message
  std::string app_error_id;  // AppError `id` (e.g. `app.post.get.app_error`); match on this
  std::string request_id;    // AppError `request_id`, else the `X-Request-Id` header
  std::optional<std::chrono::milliseconds> retry_after;  // 429: what the server asked to wait
  // POST /posts answered 2xx without a usable id: the post is visible, never send it again.
  bool receipt_lost = false;

  bool has_response() const noexcept { return error.status != 0; }
};

// 401 auth; 403 permanent; 404 not_found; 429 rate_limited; 408 and 5xx transient; anything else
// permanent.
ErrorKind error_kind_for_status(int status) noexcept;

// The standard reason phrase (`Not Found`), or "" for a status without one.
std::string_view status_text(int status) noexcept;

// A non-2xx response. Message: `Mattermost API <status> <statusText>: <detail>`, where the detail is
// the AppError `message` when the body is JSON with a non-empty one, the title of an HTML error
// page, else the body text, else `unknown error`; on one line, cut to kMaxErrorDetailBytes, with
// every value of `secrets` and every util::redact pattern replaced by `***`. `now_ms` is the
// caller's clock (ms since the Unix epoch) for a `Retry-After` HTTP date.
ApiError api_error_from_response(int status, HeaderList headers, std::string_view body,
                                 std::span<const std::string> secrets, TimeMs now_ms);

// No usable response (connect, TLS, timeout, reset): the transport's error with its kind kept,
// status 0, message `Mattermost API request failed: <message>`, redacted.
ApiError api_error_from_transport(const Error& error, std::span<const std::string> secrets);

// The status of the first `Mattermost API <3 digits>` (followed by a non-word character or the end)
// in `text`. Ports such as `:443` and other numbers are never read as statuses.
std::optional<int> status_from_error_text(std::string_view text);

// Every status an error text names as `Mattermost API <ddd>` (the digits not followed by a word
// character), in order: a port such as `:443` is never a status. The retry rule of §5.2 that reads
// them is mattermost/dm_retry.
std::vector<int> statuses_in_error_text(std::string_view text);

}  // namespace mmclaw::mattermost

#pragma once
// URLs of the Mattermost REST v4 API and WebSocket (channel-behaviour §2.1, §3.3). Pure: strings in,
// strings out. A path is checked before it is sent so that an id taken from a post or a tool call
// (`../users/me`, `%2e%2e/...`) can never walk out of the route it was meant for.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "util/error.hpp"

namespace mmclaw::mattermost {

inline constexpr std::string_view kUnsafeApiPathMessage =
    "Mattermost API path must not contain unsafe path segments";

// False when `path` (query and fragment ignored; tabs, CR and LF removed; `\` read as `/`) has a
// segment that does not percent-decode to valid UTF-8 or that decodes to `.` or `..` (a decoded
// segment is read the same way, so `..%2Fx` and `.%0A.` are refused too).
bool is_safe_api_path(std::string_view path);

// `<base>/api/v4<path>` with a leading `/` added to `path` when missing. `base_url` is the
// normalised base URL (config::normalize_base_url: no trailing `/`, no `/api/v4`). An unsafe path
// gives invalid_input with kUnsafeApiPathMessage.
Result<std::string> api_url(std::string_view base_url, std::string_view path);

// Percent-encodes one path segment the way encodeURIComponent does (keeps A-Z a-z 0-9 - _ . ! ~ * '
// ( ), uppercase hex for the rest). For channel ids, usernames, channel names, command ids and
// emoji names put into a path.
std::string encode_path_segment(std::string_view segment);

// A Mattermost id: exactly 26 characters of [a-z0-9].
bool is_mattermost_id(std::string_view s) noexcept;

// A REST path (below /api/v4, query allowed) as a route for metrics: the query dropped, every
// 26-character id written `{id}`, and the segment after `username`, `name` (channel and team
// names), `reactions` (an emoji) and `email` written `{username}`, `{name}`, `{emoji}`, `{email}`:
// `/users/username/alice` → `/users/username/{username}`. No value of a user's ends up in it.
std::string route_template(std::string_view path);

// Where to resume a WebSocket (mattermost-protocol §1.6): the previous connection id and the next
// sequence number expected.
struct WebSocketResume {
  std::string connection_id;
  std::int64_t sequence_number = 0;
};

// `ws://` or `wss://` (from `http://` / `https://`, any case) + host + `/api/v4/websocket`, with
// `?connection_id=<id>&sequence_number=<n>` when `resume` has a non-empty connection id. Any other
// scheme gives invalid_input.
Result<std::string> websocket_url(std::string_view base_url,
                                  const std::optional<WebSocketResume>& resume = {});

}  // namespace mmclaw::mattermost

#pragma once
// Catch-up after an outage (PRODUCT.md, "Nothing is missed"; protocol reference §4 `since`):
// which posts of a channel to fetch, and which of those fetched are new posts to screen, in order.
// Pure. The same sweep serves REST polling (`useWebSocket: false`).
//
// Cursors are in the server's `update_at` units. The first start of an account records a
// baseline (its start time): a channel without a cursor is swept from the baseline, so a new
// installation does not answer the history it finds, while a restart answers what it missed.

#include <cstdint>
#include <optional>
#include <vector>

#include "mattermost/types.hpp"

namespace mmclaw::gateway {

// `GET /channels/{id}/posts?since=` returns at most this many posts; a full page means more.
inline constexpr std::size_t kSincePageLimit = 1000;

struct SweepWindow {
  std::int64_t since = 0;      // the `since` query value: update_at > since
  std::int64_t new_after = 0;  // posts created at or before this are not new (edits, deletions)
};

// The window for one channel. `cursor`: the channel's stored cursor; `baseline_ms`: the account's
// first start; `max_age_minutes` 0 means no age bound (catch-up off is decided by the caller).
SweepWindow sweep_window(std::optional<std::int64_t> cursor, std::int64_t baseline_ms, std::int64_t now_ms,
                         int max_age_minutes);

struct SweepPage {
  std::vector<mattermost::Post> new_posts;  // created after window.new_after, not deleted, oldest first
  std::int64_t max_update_at = 0;           // of every post in the page (0 when empty)
  bool more = false;                        // a full page: fetch again from max_update_at
};

// Sorts and filters one `since` response, given in the server's order (newest first): new posts
// oldest first by create_at; posts of the same millisecond in the reverse of the server's order.
SweepPage sweep_page(std::vector<mattermost::Post> posts, const SweepWindow& window);

}  // namespace mmclaw::gateway

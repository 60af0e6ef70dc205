#include "gateway/catch_up.hpp"

#include <algorithm>

namespace mmclaw::gateway {

SweepWindow sweep_window(std::optional<std::int64_t> cursor, std::int64_t baseline_ms, std::int64_t now_ms,
                         int max_age_minutes) {
  std::int64_t since = cursor.value_or(baseline_ms);
  if (max_age_minutes > 0) since = std::max(since, now_ms - std::int64_t{max_age_minutes} * 60'000);
  since = std::max<std::int64_t>(since, 0);
  return {since, since};
}

SweepPage sweep_page(std::vector<mattermost::Post> posts, const SweepWindow& window) {
  SweepPage page;
  page.more = posts.size() >= kSincePageLimit;
  for (const auto& post : posts)
    page.max_update_at = std::max({page.max_update_at, post.update_at, post.create_at});
  std::erase_if(
      posts, [&](const mattermost::Post& p) { return p.delete_at != 0 || p.create_at <= window.new_after; });
  // The server lists newest first; posts created in the same millisecond keep its order.
  std::ranges::reverse(posts);
  std::ranges::stable_sort(posts, {}, &mattermost::Post::create_at);
  page.new_posts = std::move(posts);
  return page;
}

}  // namespace mmclaw::gateway

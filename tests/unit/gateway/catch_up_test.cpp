#include "gateway/catch_up.hpp"

#include <gtest/gtest.h>

namespace mmclaw::gateway {
namespace {

mattermost::Post post(std::string id, std::int64_t create_at, std::int64_t update_at,
                      std::int64_t delete_at = 0) {
  mattermost::Post p;
  p.id = std::move(id);
  p.create_at = create_at;
  p.update_at = update_at;
  p.delete_at = delete_at;
  return p;
}

constexpr std::int64_t kMinute = 60'000;

TEST(SweepWindow, StartsAtTheCursor) {
  const auto w = sweep_window(5'000'000, 1'000, 5'000'000 + 10 * kMinute, 60);
  EXPECT_EQ(w.since, 5'000'000);
  EXPECT_EQ(w.new_after, 5'000'000);
}

TEST(SweepWindow, AChannelWithoutCursorStartsAtTheBaseline) {
  // A new installation does not answer the history it finds.
  const auto w = sweep_window(std::nullopt, 9'000'000, 9'000'000 + kMinute, 60);
  EXPECT_EQ(w.since, 9'000'000);
}

TEST(SweepWindow, NeverReachesFurtherBackThanMaxAge) {
  const std::int64_t now = 100 * kMinute;
  EXPECT_EQ(sweep_window(1, 0, now, 60).since, now - 60 * kMinute);
  EXPECT_EQ(sweep_window(std::nullopt, 0, now, 30).since, now - 30 * kMinute);
}

TEST(SweepWindow, MaxAgeZeroMeansNoAgeBound) {
  EXPECT_EQ(sweep_window(1234, 0, 100 * kMinute, 0).since, 1234);
}

TEST(SweepWindow, NeverNegative) {
  EXPECT_EQ(sweep_window(std::nullopt, 0, 10, 60).since, 0);
}

TEST(SweepPage, NewPostsOldestFirstWithoutDeletionsAndEdits) {
  const SweepWindow w{1000, 1000};
  // As the server sends them: newest first; "y" was posted after "z" in the same millisecond.
  std::vector<mattermost::Post> posts{post("c", 1300, 1300), post("gone", 1200, 1600, 1600),
                                      post("y", 1100, 1100), post("z", 1100, 1100),
                                      post("old-edit", 900, 1500)};
  const auto page = sweep_page(posts, w);
  ASSERT_EQ(page.new_posts.size(), 3u);
  EXPECT_EQ(page.new_posts[0].id, "z");  // same create_at: the server's order, reversed
  EXPECT_EQ(page.new_posts[1].id, "y");
  EXPECT_EQ(page.new_posts[2].id, "c");
  EXPECT_EQ(page.max_update_at, 1600);  // every post moves the cursor, skipped ones too
  EXPECT_FALSE(page.more);
}

TEST(SweepPage, AFullPageAsksForMore) {
  std::vector<mattermost::Post> posts;
  for (std::size_t i = 0; i < kSincePageLimit; ++i)
    posts.push_back(post("p" + std::to_string(i), 2000 + static_cast<std::int64_t>(i),
                         2000 + static_cast<std::int64_t>(i)));
  const auto page = sweep_page(posts, SweepWindow{1000, 1000});
  EXPECT_TRUE(page.more);
  EXPECT_EQ(page.max_update_at, 2000 + static_cast<std::int64_t>(kSincePageLimit) - 1);
}

TEST(SweepPage, EmptyPage) {
  const auto page = sweep_page({}, SweepWindow{1, 1});
  EXPECT_TRUE(page.new_posts.empty());
  EXPECT_EQ(page.max_update_at, 0);
  EXPECT_FALSE(page.more);
}

}  // namespace
}  // namespace mmclaw::gateway

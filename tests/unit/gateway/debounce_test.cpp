#include "gateway/debounce.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace mmclaw::gateway {
namespace {

constexpr std::int64_t kT = 1'000'000;
constexpr int kInterval = 500;

DebounceItem item(std::string id, std::string message = "hi", bool immediate = false) {
  DebounceItem i;
  i.post_id = std::move(id);
  i.message = std::move(message);
  i.create_at = kT;
  i.immediate = immediate;
  return i;
}

std::vector<std::vector<std::string>> ids(const std::vector<DebounceBatch>& batches) {
  std::vector<std::vector<std::string>> out;
  for (const auto& b : batches) out.push_back(b.post_ids());
  return out;
}

using Ids = std::vector<std::vector<std::string>>;

TEST(DebounceKey, ChannelOrThread) {
  struct Case {
    std::string_view root;
    std::string_view want;
  };
  const std::vector<Case> cases{
      {"", "mattermost:default:c1:channel:u1"},
      {"r1", "mattermost:default:c1:thread:r1:u1"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.root);
    EXPECT_EQ(debounce_key("default", "c1", c.root, "u1"), c.want);
  }
}

TEST(DebounceBatch, MergedMessageSkipsBlankMessages) {
  DebounceBatch b{"k", {item("1", "first"), item("2", ""), item("3", "  \n"), item("4", "second\nline")}};
  EXPECT_EQ(b.merged_message(), "first\nsecond\nline");
  EXPECT_EQ(b.last().post_id, "4");
  EXPECT_EQ(b.post_ids(), (std::vector<std::string>{"1", "2", "3", "4"}));
  EXPECT_EQ((DebounceBatch{"k", {item("1", "")}}).merged_message(), "");
}

TEST(Debouncer, IntervalZeroDispatchesAtOnce) {
  for (int interval : {0, -1}) {
    SCOPED_TRACE(interval);
    Debouncer d;
    const auto out = d.offer("k", item("1"), kT, interval);
    ASSERT_EQ(out.size(), 1U);
    EXPECT_EQ(out[0].key, "k");
    EXPECT_EQ(out[0].items, std::vector<DebounceItem>{item("1")});
    EXPECT_EQ(d.next_deadline(), std::nullopt);
    EXPECT_EQ(d.pending_keys(), 0U);
  }
}

TEST(Debouncer, IntervalTurnedOffFlushesWhatWasHeldFirst) {
  Debouncer d;
  EXPECT_TRUE(d.offer("k", item("1"), kT, kInterval).empty());
  EXPECT_EQ(ids(d.offer("k", item("2"), kT + 1, 0)), (Ids{{"1"}, {"2"}}));
  EXPECT_EQ(d.pending_keys(), 0U);
}

TEST(Debouncer, HoldsUntilExactlyTheDeadline) {
  Debouncer d;
  EXPECT_TRUE(d.offer("k", item("1"), kT, kInterval).empty());
  EXPECT_EQ(d.next_deadline(), kT + kInterval);
  EXPECT_TRUE(d.due(kT + kInterval - 1).empty());
  const auto out = d.due(kT + kInterval);
  EXPECT_EQ(ids(out), (Ids{{"1"}}));
  EXPECT_EQ(out[0].key, "k");
  EXPECT_EQ(d.next_deadline(), std::nullopt);
  EXPECT_TRUE(d.due(kT + 10 * kInterval).empty());
}

TEST(Debouncer, EachPostRestartsTheTimer) {
  Debouncer d;
  EXPECT_TRUE(d.offer("k", item("1", "a"), kT, kInterval).empty());
  EXPECT_TRUE(d.offer("k", item("2", "b"), kT + 400, kInterval).empty());
  EXPECT_EQ(d.next_deadline(), kT + 900);
  EXPECT_TRUE(d.due(kT + kInterval).empty());  // the first post's deadline no longer counts
  EXPECT_TRUE(d.due(kT + 899).empty());
  const auto out = d.due(kT + 900);
  ASSERT_EQ(out.size(), 1U);
  EXPECT_EQ(out[0].post_ids(), (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(out[0].merged_message(), "a\nb");
  EXPECT_EQ(out[0].last().post_id, "2");
}

TEST(Debouncer, ImmediateFlushesThePendingBatchFirst) {
  Debouncer d;
  EXPECT_TRUE(d.offer("k", item("1"), kT, kInterval).empty());
  EXPECT_TRUE(d.offer("k", item("2"), kT + 1, kInterval).empty());
  EXPECT_TRUE(d.offer("other", item("x"), kT + 2, kInterval).empty());
  const auto out = d.offer("k", item("3", "/status", true), kT + 3, kInterval);
  EXPECT_EQ(ids(out), (Ids{{"1", "2"}, {"3"}}));
  EXPECT_EQ(out[0].key, "k");
  EXPECT_EQ(out[1].key, "k");
  // The other key is untouched.
  EXPECT_EQ(d.pending_keys(), 1U);
  EXPECT_EQ(d.next_deadline(), kT + 2 + kInterval);
}

TEST(Debouncer, ImmediateWithNothingPendingIsAlone) {
  Debouncer d;
  EXPECT_EQ(ids(d.offer("k", item("1", "", true), kT, kInterval)), (Ids{{"1"}}));
  EXPECT_EQ(d.pending_keys(), 0U);
}

TEST(Debouncer, BatchIsBoundedAt64Items) {
  Debouncer d;
  for (std::size_t i = 0; i < kMaxDebounceItems; ++i) {
    EXPECT_TRUE(d.offer("k", item(std::to_string(i)), kT + static_cast<std::int64_t>(i), kInterval).empty());
  }
  const auto out = d.offer("k", item("64"), kT + 64, kInterval);
  ASSERT_EQ(out.size(), 1U);
  EXPECT_EQ(out[0].items.size(), kMaxDebounceItems);
  EXPECT_EQ(out[0].items.front().post_id, "0");
  EXPECT_EQ(out[0].last().post_id, "63");
  // The 65th post starts a new batch with a fresh deadline.
  EXPECT_EQ(d.next_deadline(), kT + 64 + kInterval);
  EXPECT_EQ(ids(d.due(kT + 64 + kInterval)), (Ids{{"64"}}));
}

TEST(Debouncer, DueOrdersByDeadlineAcrossKeys) {
  Debouncer d;
  EXPECT_TRUE(d.offer("b", item("b1"), kT, kInterval).empty());
  EXPECT_TRUE(d.offer("a", item("a1"), kT + 10, kInterval).empty());
  EXPECT_TRUE(d.offer("c", item("c1"), kT + 10, kInterval).empty());  // tie with a: arrival order
  EXPECT_TRUE(d.offer("b", item("b2"), kT + 20, kInterval).empty());  // b now last
  EXPECT_TRUE(d.offer("d", item("d1"), kT + 1000, kInterval).empty());
  EXPECT_EQ(d.next_deadline(), kT + 10 + kInterval);
  const auto out = d.due(kT + 20 + kInterval);
  EXPECT_EQ(ids(out), (Ids{{"a1"}, {"c1"}, {"b1", "b2"}}));
  EXPECT_EQ(out[0].key, "a");
  EXPECT_EQ(out[1].key, "c");
  EXPECT_EQ(out[2].key, "b");
  EXPECT_EQ(d.next_deadline(), kT + 1000 + kInterval);
}

TEST(Debouncer, DrainReturnsEverythingPending) {
  Debouncer d;
  EXPECT_TRUE(d.drain().empty());
  EXPECT_TRUE(d.offer("x", item("x1"), kT + 5, kInterval).empty());
  EXPECT_TRUE(d.offer("y", item("y1"), kT, kInterval).empty());
  EXPECT_TRUE(d.offer("y", item("y2"), kT + 1, kInterval).empty());
  EXPECT_EQ(ids(d.drain()), (Ids{{"y1", "y2"}, {"x1"}}));
  EXPECT_EQ(d.pending_keys(), 0U);
  EXPECT_EQ(d.next_deadline(), std::nullopt);
  EXPECT_TRUE(d.due(kT + 100 * kInterval).empty());
}

}  // namespace
}  // namespace mmclaw::gateway

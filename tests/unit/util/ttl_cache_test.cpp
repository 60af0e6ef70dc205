#include "util/ttl_cache.hpp"

#include <gtest/gtest.h>

#include <string>

namespace mmclaw::util {
namespace {

using Cache = TtlCache<std::string, int>;

TEST(TtlCacheTest, MissingKeyIsNull) {
  Cache cache(1000, 10);
  EXPECT_EQ(cache.get("a", 0), nullptr);
  EXPECT_EQ(cache.size(), 0u);
}

TEST(TtlCacheTest, EntryLivesForItsTtl) {
  Cache cache(1000, 10);
  cache.put("a", 1, 5000);
  ASSERT_NE(cache.get("a", 5000), nullptr);
  EXPECT_EQ(*cache.get("a", 5999), 1);
  EXPECT_EQ(cache.get("a", 6000), nullptr);  // expires exactly ttl after it was stored
  EXPECT_EQ(cache.size(), 0u);               // and the expired entry is dropped
}

TEST(TtlCacheTest, ReadsDoNotRefreshTheTtl) {
  Cache cache(1000, 10);
  cache.put("a", 1, 0);
  for (std::int64_t t = 0; t < 1000; t += 100) ASSERT_NE(cache.get("a", t), nullptr) << t;
  EXPECT_EQ(cache.get("a", 1000), nullptr);
}

TEST(TtlCacheTest, PutAgainReplacesValueAndRestartsTtl) {
  Cache cache(1000, 10);
  cache.put("a", 1, 0);
  cache.put("a", 2, 800);
  EXPECT_EQ(cache.size(), 1u);
  ASSERT_NE(cache.get("a", 1500), nullptr);
  EXPECT_EQ(*cache.get("a", 1500), 2);
  EXPECT_EQ(cache.get("a", 1800), nullptr);
}

TEST(TtlCacheTest, PerEntryTtlOverride) {
  Cache cache(1000, 10);
  cache.put("short", 1, 0, 100);
  cache.put("long", 2, 0);
  EXPECT_EQ(cache.get("short", 100), nullptr);
  EXPECT_NE(cache.get("long", 100), nullptr);
}

TEST(TtlCacheTest, EvictsInInsertionOrder) {
  Cache cache(100000, 3);
  cache.put("a", 1, 0);
  cache.put("b", 2, 1);
  cache.put("c", 3, 2);
  cache.put("d", 4, 3);
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_EQ(cache.get("a", 4), nullptr);
  EXPECT_NE(cache.get("b", 4), nullptr);
  EXPECT_NE(cache.get("c", 4), nullptr);
  EXPECT_NE(cache.get("d", 4), nullptr);
}

TEST(TtlCacheTest, ReadsDoNotChangeTheEvictionOrder) {
  Cache cache(100000, 2);
  cache.put("a", 1, 0);
  cache.put("b", 2, 1);
  ASSERT_NE(cache.get("a", 2), nullptr);  // in an LRU this would save "a"
  cache.put("c", 3, 3);
  EXPECT_EQ(cache.get("a", 4), nullptr);
  EXPECT_NE(cache.get("b", 4), nullptr);
  EXPECT_NE(cache.get("c", 4), nullptr);
}

TEST(TtlCacheTest, PutAgainCountsAsNewInsertion) {
  Cache cache(100000, 2);
  cache.put("a", 1, 0);
  cache.put("b", 2, 1);
  cache.put("a", 3, 2);  // "a" is now the newest
  cache.put("c", 4, 3);
  EXPECT_EQ(cache.get("b", 4), nullptr);
  ASSERT_NE(cache.get("a", 4), nullptr);
  EXPECT_EQ(*cache.get("a", 4), 3);
}

TEST(TtlCacheTest, ExpiredEntriesAreDroppedBeforeEvictingLiveOnes) {
  Cache cache(100, 2);
  cache.put("a", 1, 0);
  cache.put("b", 2, 150);
  cache.put("c", 3, 160);  // "a" expired at 100: it goes, "b" stays
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_NE(cache.get("b", 160), nullptr);
  EXPECT_NE(cache.get("c", 160), nullptr);
}

TEST(TtlCacheTest, EraseAndClear) {
  Cache cache(1000, 10);
  cache.put("a", 1, 0);
  cache.put("b", 2, 0);
  EXPECT_TRUE(cache.erase("a"));
  EXPECT_FALSE(cache.erase("a"));
  EXPECT_EQ(cache.get("a", 1), nullptr);
  EXPECT_EQ(cache.size(), 1u);
  cache.clear();
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_EQ(cache.get("b", 1), nullptr);
}

TEST(TtlCacheTest, ZeroCapacityKeepsNothing) {
  Cache cache(1000, 0);
  cache.put("a", 1, 0);
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_EQ(cache.get("a", 0), nullptr);
}

TEST(TtlCacheTest, ManyEntriesStayBounded) {
  TtlCache<int, int> cache(1000000, 1000);
  for (int i = 0; i < 5000; ++i) cache.put(i, i, i);
  EXPECT_EQ(cache.size(), 1000u);
  EXPECT_EQ(cache.get(3999, 5000), nullptr);
  ASSERT_NE(cache.get(4000, 5000), nullptr);
  EXPECT_EQ(*cache.get(4999, 5000), 4999);
}

}  // namespace
}  // namespace mmclaw::util

// The slash-command callback's guards (channel-behaviour §9.3, §9.4 step 5).

#include "gateway/slash_guards.hpp"

#include <gtest/gtest.h>

namespace mmclaw::gateway {
namespace {

const auto kKnown = [](std::string_view token) { return token == "cmdtoken"; };

TEST(SlashInflight, KnownCommandTokensHaveBucketsOfTheirOwn) {
  EXPECT_EQ(inflight_bucket("Token cmdtoken", kKnown), "cmdtoken");
  EXPECT_EQ(inflight_bucket("  token   cmdtoken  ", kKnown), "cmdtoken");
  EXPECT_EQ(inflight_bucket("Token other", kKnown), "") << "an unknown token shares the common bucket";
  EXPECT_EQ(inflight_bucket("Bearer cmdtoken", kKnown), "");
  EXPECT_EQ(inflight_bucket("", kKnown), "");
  EXPECT_EQ(inflight_bucket("Token ", kKnown), "");
}

TEST(SlashInflight, EightAtOncePerBucketThenRefusedUntilOneEnds) {
  InflightLimiter limiter;
  for (int i = 0; i < 8; ++i) EXPECT_TRUE(limiter.try_acquire("a")) << i;
  EXPECT_FALSE(limiter.try_acquire("a"));
  EXPECT_TRUE(limiter.try_acquire("")) << "another bucket is not affected";
  EXPECT_EQ(limiter.in_flight("a"), 8u);
  limiter.release("a");
  EXPECT_TRUE(limiter.try_acquire("a"));
  for (int i = 0; i < 8; ++i) limiter.release("a");
  EXPECT_EQ(limiter.in_flight("a"), 0u);
  limiter.release("a");  // an extra release is harmless
  EXPECT_EQ(limiter.in_flight("a"), 0u);
}

TEST(SlashLookupBudget, TwentyLookupsThenOneEvery500Ms) {
  LookupBudget budget;
  for (int i = 0; i < 20; ++i) EXPECT_TRUE(budget.take("cmd", 1000)) << i;
  EXPECT_FALSE(budget.take("cmd", 1000));
  EXPECT_TRUE(budget.take("other", 1000)) << "per command";
  EXPECT_FALSE(budget.take("cmd", 1499));
  EXPECT_TRUE(budget.take("cmd", 1500));
  EXPECT_FALSE(budget.take("cmd", 1500));
  EXPECT_TRUE(budget.take("cmd", 1000 + 500 + 60'000)) << "refilled";
  for (int i = 0; i < 19; ++i) EXPECT_TRUE(budget.take("cmd", 61'500)) << "never more than 20: " << i;
  EXPECT_FALSE(budget.take("cmd", 61'500));
  EXPECT_FALSE(budget.take("cmd", 500)) << "a clock going back gives nothing";
}

}  // namespace
}  // namespace mmclaw::gateway

#include "mmsim/fault_plan.hpp"

#include <gtest/gtest.h>

using namespace mmsim;
using namespace std::chrono_literals;

TEST(FaultPlan, PatternsMatchSegmentBySegment) {
  EXPECT_TRUE(route_matches({"api", "v4", "posts", "*"}, "/api/v4/posts/abc"));
  EXPECT_FALSE(route_matches({"api", "v4", "posts", "*"}, "/api/v4/posts/abc/patch"));
  EXPECT_FALSE(route_matches({"api", "v4", "posts", "*"}, "/api/v4/posts"));
  EXPECT_TRUE(route_matches({"api", "v4", "**"}, "/api/v4/users/me"));
  EXPECT_TRUE(route_matches({"api", "v4", "posts", "*", "patch"}, "/api/v4/posts/x/patch"));
}

TEST(FaultPlan, FailsExactlyTheNextNMatchingCalls) {
  FaultPlan plan;
  ASSERT_TRUE(plan.fail_next("PUT", "/api/v4/posts/*/patch", 2, 429, 2));
  EXPECT_FALSE(plan.on_request("PUT", "/api/v4/posts/x").fail_status) << "other route";
  EXPECT_FALSE(plan.on_request("GET", "/api/v4/posts/x/patch").fail_status) << "other method";
  auto first = plan.on_request("PUT", "/api/v4/posts/x/patch");
  EXPECT_EQ(first.fail_status, 429);
  EXPECT_EQ(first.retry_after_seconds, 2);
  EXPECT_EQ(plan.on_request("PUT", "/api/v4/posts/y/patch").fail_status, 429);
  EXPECT_FALSE(plan.on_request("PUT", "/api/v4/posts/z/patch").fail_status);
  EXPECT_EQ(plan.active_rules(), 0u);
}

TEST(FaultPlan, DelaysAddUpAndUnlimitedDelaysStayUntilCleared) {
  FaultPlan plan;
  ASSERT_TRUE(plan.delay("*", "/api/v4/**", 100ms));
  ASSERT_TRUE(plan.delay("POST", "/api/v4/posts", 50ms, 1));
  EXPECT_EQ(plan.on_request("POST", "/api/v4/posts").delay, 150ms);
  EXPECT_EQ(plan.on_request("POST", "/api/v4/posts").delay, 100ms);
  EXPECT_EQ(plan.on_request("GET", "/api/v4/users/me").delay, 100ms);
  plan.clear();
  EXPECT_EQ(plan.on_request("GET", "/api/v4/users/me").delay, 0ms);
}

TEST(FaultPlan, OneFailurePerRequestAndLaterRulesKeepTheirCount) {
  FaultPlan plan;
  ASSERT_TRUE(plan.fail_next("*", "/api/v4/**", 1, 500));
  ASSERT_TRUE(plan.fail_next("*", "/api/v4/**", 1, 503));
  EXPECT_EQ(plan.on_request("GET", "/api/v4/a").fail_status, 500);
  EXPECT_EQ(plan.on_request("GET", "/api/v4/a").fail_status, 503);
  EXPECT_FALSE(plan.on_request("GET", "/api/v4/a").fail_status);
}

TEST(FaultPlan, MalformedRulesAreRefused) {
  FaultPlan plan;
  EXPECT_FALSE(plan.fail_next("GET", "api/v4", 1, 500)) << "patterns are absolute paths";
  EXPECT_FALSE(plan.fail_next("GET", "/api/**/x", 1, 500)) << "** only at the end";
  EXPECT_FALSE(plan.fail_next("GET", "/api", 0, 500));
  EXPECT_FALSE(plan.fail_next("GET", "/api", 1, 99));
  EXPECT_FALSE(plan.delay("GET", "/api", -1ms));
  EXPECT_EQ(plan.active_rules(), 0u);
}

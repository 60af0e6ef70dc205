// mattermost::TargetResolver against the real mmsim (channel-behaviour §5.1, §5.2): which lookups
// each target form makes, what is remembered and for how long, and the DM retry with its
// per-attempt timeout. Counted through mmsim's call log; the resolver's clock is the test's.

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include <fmt/format.h>

#include "mattermost/api_targets.hpp"
#include "unit/mattermost/api_client_fixture.hpp"

namespace mmclaw::mattermost {
namespace {

using namespace test_support;

class TargetResolverTest : public ApiClientTest {
 protected:
  void SetUp() override {
    ApiClientTest::SetUp();
    resolver_ = make_resolver({});
  }
  void TearDown() override {
    resolver_.reset();
    ApiClientTest::TearDown();
  }

  std::unique_ptr<TargetResolver> make_resolver(TargetResolverOptions options) {
    options.dm_retry.initial_delay_ms = 20;
    options.dm_retry.max_delay_ms = 40;
    auto resolver = std::make_unique<TargetResolver>(*api_, std::move(options));
    resolver->set_clock_for_tests([this] { return now_ms_; });
    return resolver;
  }

  std::expected<ResolvedTarget, ResolveError> resolve(std::string target, DmRetryOverrides overrides = {}) {
    return run(resolver_->resolve(std::move(target), overrides));
  }

  // Calls of `method` `path` since `since` (mmsim's call log index).
  std::size_t calls_since(std::int64_t since, std::string_view method, std::string_view path) {
    return count_calls(calls(since), method, path);
  }

  std::int64_t now_ms_ = 1'000'000;
  std::unique_ptr<TargetResolver> resolver_;
};

TEST_F(TargetResolverTest, ABareUserIdIsProbedOnceAndRememberedForFiveMinutes) {
  const auto start = next_call_index();
  auto first = resolve(std::string(kAliceId));
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(first->kind, ResolvedTarget::Kind::direct);
  EXPECT_EQ(first->channel_id, kAliceDm);
  EXPECT_EQ(first->to, fmt::format("user:{}", kAliceId));
  EXPECT_EQ(calls_since(start, "GET", fmt::format("/api/v4/users/{}", kAliceId)), 1u);
  EXPECT_EQ(calls_since(start, "GET", fmt::format("/api/v4/channels/{}", kAliceId)), 0u) << "users first";
  EXPECT_EQ(calls_since(start, "POST", "/api/v4/channels/direct"), 1u);

  now_ms_ += 4 * 60'000;
  const auto second = next_call_index();
  ASSERT_TRUE(resolve(std::string(kAliceId)));
  EXPECT_EQ(calls(second).size(), 0u) << "the probe and the DM channel are remembered";

  now_ms_ += 2 * 60'000;  // 6 minutes after the probe
  const auto third = next_call_index();
  ASSERT_TRUE(resolve(std::string(kAliceId)));
  EXPECT_EQ(calls_since(third, "GET", fmt::format("/api/v4/users/{}", kAliceId)), 1u) << "probed again";
}

TEST_F(TargetResolverTest, ABareChannelIdIsProbedAsAUserThenAsAChannel) {
  const auto start = next_call_index();
  auto town = resolve(std::string(kTownSquare));
  ASSERT_TRUE(town) << town.error().message;
  EXPECT_EQ(town->kind, ResolvedTarget::Kind::channel);
  EXPECT_EQ(town->channel_id, kTownSquare);
  EXPECT_EQ(town->to, fmt::format("channel:{}", kTownSquare));
  EXPECT_EQ(calls_since(start, "GET", fmt::format("/api/v4/users/{}", kTownSquare)), 1u);
  EXPECT_EQ(calls_since(start, "GET", fmt::format("/api/v4/channels/{}", kTownSquare)), 1u);

  auto ops = resolve(std::string(kOps));
  ASSERT_TRUE(ops);
  EXPECT_EQ(ops->kind, ResolvedTarget::Kind::group) << "a private channel routes as a group (§4.3)";

  const auto again = next_call_index();
  ASSERT_TRUE(resolve(std::string(kTownSquare)));
  EXPECT_EQ(calls(again).size(), 0u);
}

TEST_F(TargetResolverTest, AFailedUserProbeMeansAChannelThatIsNotRemembered) {
  fault(json::object{{"action", "fail"},
                     {"method", "GET"},
                     {"path", fmt::format("/api/v4/users/{}", kBobId)},
                     {"status", 500},
                     {"count", 1}});
  auto first = resolve(std::string(kBobId));
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(first->kind, ResolvedTarget::Kind::channel) << "a non-404 failure: treated as a channel";
  EXPECT_EQ(first->channel_id, kBobId);
  auto second = resolve(std::string(kBobId));
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(second->kind, ResolvedTarget::Kind::direct) << "the transient failure was not remembered";
}

TEST_F(TargetResolverTest, ChannelNamesAreLookedUpInTheBotsTeamsOrOnlyInTeamId) {
  auto found = resolve("#Town-Square");
  ASSERT_TRUE(found) << found.error().message;
  EXPECT_EQ(found->channel_id, kTownSquare);

  resolver_ = make_resolver(TargetResolverOptions{std::string(kMissingId), {}, ""});
  const auto start = next_call_index();
  auto limited = resolve("#town-square");
  ASSERT_FALSE(limited);
  EXPECT_EQ(limited.error().message, "Mattermost channel \"#town-square\" not found in any team the bot belongs to");
  EXPECT_FALSE(limited.error().invalid_target);
  EXPECT_EQ(calls_since(start, "GET", fmt::format("/api/v4/users/{}/teams", kBotId)), 0u) << "teamId only";
  EXPECT_EQ(calls_since(start, "GET", fmt::format("/api/v4/teams/{}/channels/name/town-square", kMissingId)), 1u);
}

TEST_F(TargetResolverTest, AMalformedTargetIsAnInvalidTargetError) {
  for (const auto* target : {"", "channel:", "user: ", "@", "#"}) {
    auto resolved = resolve(target);
    ASSERT_FALSE(resolved) << target;
    EXPECT_TRUE(resolved.error().invalid_target) << target;
  }
  EXPECT_EQ(resolve("").error().message, "Recipient is required for Mattermost sends");
}

TEST_F(TargetResolverTest, DmCreationRetriesServerErrorsAndTimeoutsButNotForbidden) {
  fault(json::object{
      {"action", "fail"}, {"method", "POST"}, {"path", "/api/v4/channels/direct"}, {"status", 502}, {"count", 2}});
  auto start = next_call_index();
  auto retried = resolve(fmt::format("user:{}", kBobId));
  ASSERT_TRUE(retried) << retried.error().message;
  EXPECT_EQ(calls_since(start, "POST", "/api/v4/channels/direct"), 3u);

  // A slow attempt ends at its own timeout and is tried again (a per-call override sets it).
  resolver_ = make_resolver({});
  fault(json::object{
      {"action", "delay"}, {"method", "POST"}, {"path", "/api/v4/channels/direct"}, {"ms", 1500}, {"count", 1}});
  DmRetryOverrides quick;
  quick.timeout_ms = 200;
  start = next_call_index();
  const auto began = Clock::now();
  auto after_timeout = resolve(fmt::format("user:{}", kBobId), quick);
  ASSERT_TRUE(after_timeout) << after_timeout.error().message;
  EXPECT_LT(Clock::now() - began, 1400ms) << "the first attempt was cut at its timeout";

  resolver_ = make_resolver({});
  fault(json::object{
      {"action", "fail"}, {"method", "POST"}, {"path", "/api/v4/channels/direct"}, {"status", 403}, {"count", 3}});
  start = next_call_index();
  auto refused = resolve(fmt::format("user:{}", kBobId));
  ASSERT_FALSE(refused);
  EXPECT_TRUE(refused.error().message.starts_with("Mattermost API 403 Forbidden")) << refused.error().message;
  EXPECT_EQ(calls_since(start, "POST", "/api/v4/channels/direct"), 1u) << "a 403 is never retried";

  DmRetryOverrides none;
  none.max_retries = 0;
  fault(json::object{{"action", "clear"}});
  fault(json::object{
      {"action", "fail"}, {"method", "POST"}, {"path", "/api/v4/channels/direct"}, {"status", 503}, {"count", 1}});
  start = next_call_index();
  auto once = resolve(fmt::format("user:{}", kBobId), none);
  ASSERT_FALSE(once);
  EXPECT_EQ(calls_since(start, "POST", "/api/v4/channels/direct"), 1u) << "maxRetries 0: one attempt";
}

}  // namespace
}  // namespace mmclaw::mattermost

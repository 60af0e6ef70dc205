// The request rate limiter (§5.3): GCRA semantics, headers, the plain-text 429.

#include "model_support.hpp"

namespace mmsim::test {
namespace {

HeaderList limit_headers(std::string limit, std::string remaining, std::string reset) {
  return {{"X-Ratelimit-Limit", std::move(limit)},
          {"X-Ratelimit-Remaining", std::move(remaining)},
          {"X-Ratelimit-Reset", std::move(reset)}};
}

TEST(ModelRateLimiter, BurstThenRefillAtTheRate) {
  RateLimiter limiter(RateLimitConfig{true, 10, 2, 100, true, true});
  const std::int64_t t = 1'000'000;
  EXPECT_EQ(limiter.take("k", t).headers, limit_headers("3", "2", "1"));
  EXPECT_EQ(limiter.take("k", t).headers, limit_headers("3", "1", "1"));
  RateLimitDecision third = limiter.take("k", t);
  EXPECT_FALSE(third.limited);
  EXPECT_EQ(third.headers, limit_headers("3", "0", "1"));
  RateLimitDecision fourth = limiter.take("k", t);
  EXPECT_TRUE(fourth.limited);
  HeaderList expected = limit_headers("3", "0", "1");
  expected.emplace_back("Retry-After", "1");
  EXPECT_EQ(fourth.headers, expected);
  EXPECT_FALSE(limiter.take("other", t).limited);
  EXPECT_FALSE(limiter.take("k", t + 100).limited);  // one emission interval later
  EXPECT_TRUE(limiter.take("k", t + 100).limited);
  RateLimitDecision rested = limiter.take("k", t + 10'000);
  EXPECT_FALSE(rested.limited);
  EXPECT_EQ(rested.headers, limit_headers("3", "2", "1"));
}

TEST(ModelRateLimiter, RetryAfterRoundsUpToSeconds) {
  RateLimiter limiter(RateLimitConfig{true, 1, 0, 100, true, true});
  EXPECT_FALSE(limiter.take("k", 0).limited);
  RateLimitDecision limited = limiter.take("k", 200);
  EXPECT_TRUE(limited.limited);
  EXPECT_EQ(find_header(limited.headers, "Retry-After"), "1");
  EXPECT_EQ(find_header(limited.headers, "X-Ratelimit-Limit"), "1");
  EXPECT_EQ(find_header(limited.headers, "X-Ratelimit-Reset"), "1");
}

TEST(ModelRateLimiter, KeysAreTokensThenAddresses) {
  RateLimiter limiter(RateLimitConfig{true, 10, 100, 10, true, true});
  RestRequest request;
  request.remote_ip = "10.0.0.7";
  EXPECT_EQ(limiter.key_for(request), "ip:10.0.0.7");
  request.headers.emplace_back("authorization", "Bearer tok1");
  EXPECT_EQ(limiter.key_for(request), "token:tok1");
  RateLimiter by_address(RateLimitConfig{true, 10, 100, 10, true, false});
  EXPECT_EQ(by_address.key_for(request), "ip:10.0.0.7");
}

TEST(ModelRateLimiter, TheStoreIsBounded) {
  RateLimiter limiter(RateLimitConfig{true, 1, 5, 3, true, true});
  for (int i = 0; i < 10; ++i) EXPECT_FALSE(limiter.take("k" + std::to_string(i), 0).limited);
}

class ModelRateLimited : public ModelTest {
 protected:
  static ModelConfig limited() {
    ModelConfig config = test_config();
    config.rate_limit = RateLimitConfig{true, 10, 1, 100, true, true};
    return config;
  }
  ModelRateLimited() : ModelTest(limited()) {}
};

TEST_F(ModelRateLimited, ResponsesCarryTheHeadersAnd429IsPlainText) {
  // The fixture clock advances 1 s per call, so pin it for a burst.
  RestRequest request;
  request.method = "GET";
  request.path = "/api/v4/users/me";
  request.headers.emplace_back("authorization", "Bearer " + std::string(kAliceToken));
  RestResult first = model_.handle(request, now());
  EXPECT_EQ(first.response.status, 200);
  EXPECT_EQ(first.response.header("X-Ratelimit-Limit"), "2");
  EXPECT_EQ(first.response.header("X-Ratelimit-Remaining"), "1");
  EXPECT_EQ(first.response.header("X-Ratelimit-Reset"), "1");
  EXPECT_EQ(model_.handle(request, now()).response.status, 200);
  RestResult limited = model_.handle(request, now());
  EXPECT_EQ(limited.response.status, 429);
  EXPECT_EQ(limited.response.body, "limit exceeded\n");
  EXPECT_EQ(limited.response.header("Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(limited.response.header("Retry-After"), "1");
  EXPECT_EQ(limited.response.header("X-Ratelimit-Remaining"), "0");
  EXPECT_TRUE(is_valid_id(limited.response.header("X-Request-Id")));
  EXPECT_TRUE(limited.events.empty());
  // Another token has its own bucket; a later request passes.
  RestRequest bob = request;
  bob.headers = {{"authorization", "Bearer " + std::string(kBobToken)}};
  EXPECT_EQ(model_.handle(bob, now()).response.status, 200);
  EXPECT_EQ(model_.handle(request, now() + 1000).response.status, 200);
  // Unauthenticated requests are keyed by address, even on unknown routes.
  RestRequest anonymous;
  anonymous.method = "GET";
  anonymous.path = "/api/v4/nothing";
  anonymous.remote_ip = "192.0.2.1";
  EXPECT_EQ(model_.handle(anonymous, now()).response.status, 404);
  EXPECT_EQ(model_.handle(anonymous, now()).response.status, 404);
  EXPECT_EQ(model_.handle(anonymous, now()).response.status, 429);
}

TEST_F(ModelRateLimited, DeferredAnswersKeepTheHeaders) {
  ASSERT_EQ(post("/api/v4/commands",
                 json::object{{"team_id", kEng}, {"trigger", "x"}, {"method", "P"}, {"url", "https://bot/x"}})
                .response.status,
            201);
  RestResult started =
      post("/api/v4/commands/execute", json::object{{"channel_id", kBuildAlerts}, {"command", "/x"}});
  ASSERT_TRUE(started.call);
  RestResult done =
      model_.complete_integration(started.call->id, IntegrationReply{200, "text/plain", "hi"}, now());
  EXPECT_EQ(done.response.header("X-Ratelimit-Limit"), "2");
}

TEST(ModelRateLimitDefaults, DisabledByDefault) {
  Model model(ModelConfig{}, sequential_id_generator(3));
  EXPECT_FALSE(model.rate_limiter().enabled());
  RestRequest request;
  request.method = "GET";
  request.path = "/api/v4/system/ping";
  for (int i = 0; i < 300; ++i) {
    RestResult result = model.handle(request, 0);
    ASSERT_EQ(result.response.status, 200);
    ASSERT_EQ(result.response.header("X-Ratelimit-Limit"), "");
  }
}

}  // namespace
}  // namespace mmsim::test

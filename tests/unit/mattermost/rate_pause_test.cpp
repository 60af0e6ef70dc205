#include "mattermost/rate_pause.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mmclaw::mattermost {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

constexpr TimeMs kNow = 1'700'000'000'000;       // 2023-11-14T22:13:20Z
constexpr TimeMs kSunday1994 = 784'111'777'000;  // Sun, 06 Nov 1994 08:49:37 GMT

TEST(RatePauseTest, FindsHeadersIgnoringCase) {
  const Headers headers = {{"X-RateLimit-Remaining", " 0 "}, {"retry-after", "5"}, {"Retry-After", "9"}};
  EXPECT_EQ(find_header(headers, "x-ratelimit-remaining"), "0");
  EXPECT_EQ(find_header(headers, "Retry-After"), "5");  // the first one
  EXPECT_EQ(find_header(headers, "X-Ratelimit-Reset"), std::nullopt);
}

TEST(RatePauseTest, ParsesTheThreeHttpDateForms) {
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), kSunday1994);
  EXPECT_EQ(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), kSunday1994);
  EXPECT_EQ(parse_http_date("Sun Nov  6 08:49:37 1994"), kSunday1994);
  EXPECT_EQ(parse_http_date("Tue, 14 Nov 2023 22:13:20 GMT"), kNow);
  EXPECT_EQ(parse_http_date("Thu, 29 Feb 2024 00:00:00 GMT"), 1'709'164'800'000);
  for (const std::string_view bad : {"", "soon", "06 Nov 1994 08:49:37 GMT", "Sun, 06 Foo 1994 08:49:37 GMT",
                                     "Sun, 31 Feb 2023 00:00:00 GMT", "Sun, 06 Nov 1994 25:00:00 GMT",
                                     "Sun, 06 Nov 1994 08:49:37 PST", "Sun, 06 Nov 1994 8:49:37 GMT",
                                     "Sun, 06 Nov 1994 08:49:37 GMT extra", "Sun, 06 Nov 1969 08:49:37 GMT"})
    EXPECT_EQ(parse_http_date(bad), std::nullopt) << bad;
}

TEST(RatePauseTest, ReadsRetryAfterAsSecondsOrDate) {
  struct Case {
    std::string_view value;
    std::optional<TimeMs> want;
  };
  const Case cases[] = {
      {"120", 120'000},
      {"0", 0},
      {" 3 ", 3000},
      {"Tue, 14 Nov 2023 22:13:25 GMT", 5000},
      {"Tue, 14 Nov 2023 22:13:00 GMT", 0},  // in the past
      {"-1", std::nullopt},
      {"1.5", std::nullopt},
      {"soon", std::nullopt},
      {"", std::nullopt},
  };
  for (const auto& c : cases) {
    const Headers headers = {{"Retry-After", std::string(c.value)}};
    EXPECT_EQ(retry_after_ms(headers, kNow), c.want) << c.value;
  }
  EXPECT_EQ(retry_after_ms(Headers{}, kNow), std::nullopt);
  // Absurd values are clamped rather than overflowing.
  EXPECT_GT(*retry_after_ms(Headers{{"Retry-After", "999999999999999999"}}, kNow), 0);
}

TEST(RatePauseTest, ReadsRatelimitResetAsDeltaOrEpochSeconds) {
  struct Case {
    std::string_view value;
    std::optional<TimeMs> want;
  };
  const Case cases[] = {
      {"2", 2000},  // Mattermost: seconds until the bucket is full
      {"0", 0},
      {"1700000007", 7000},  // Unix epoch seconds
      {"1699999990", 0},     // an epoch in the past
      {"x", std::nullopt},
      {"", std::nullopt},
  };
  for (const auto& c : cases) {
    const Headers headers = {{"X-RateLimit-Reset", std::string(c.value)}};
    EXPECT_EQ(ratelimit_reset_ms(headers, kNow), c.want) << c.value;
  }
}

TEST(RatePauseTest, NotPausedAtFirst) {
  RatePause pause;
  EXPECT_EQ(pause.ready_at(kNow), kNow);
  EXPECT_FALSE(pause.paused(kNow));
  EXPECT_EQ(pause.paused_until(), std::nullopt);
  pause.on_response(200, Headers{{"X-Ratelimit-Remaining", "100"}, {"X-Ratelimit-Reset", "1"}}, kNow);
  EXPECT_FALSE(pause.paused(kNow));
}

TEST(RatePauseTest, HonoursRetryAfterOn429) {
  RatePause pause;
  pause.on_response(429, Headers{{"Retry-After", "3"}}, kNow);
  EXPECT_EQ(pause.ready_at(kNow), kNow + 3000);
  EXPECT_EQ(pause.ready_at(kNow + 1000), kNow + 3000);
  EXPECT_EQ(pause.remaining_ms(kNow + 1000), 2000);
  EXPECT_TRUE(pause.paused(kNow + 2999));
  EXPECT_FALSE(pause.paused(kNow + 3000));
  EXPECT_EQ(pause.ready_at(kNow + 5000), kNow + 5000);
  EXPECT_EQ(pause.consecutive_429s(), 1);
}

TEST(RatePauseTest, FieldReport18RatelimitResetOn429WaitsAtLeastTwoSeconds) {
  RatePause pause;
  pause.on_response(429, Headers{{"X-RateLimit-Reset", "2"}, {"X-RateLimit-Remaining", "0"}}, kNow);
  EXPECT_GE(pause.ready_at(kNow), kNow + 2000);
  EXPECT_EQ(pause.ready_at(kNow), kNow + 2000);
}

TEST(RatePauseTest, RetryAfterHttpDate) {
  RatePause pause;
  pause.on_response(429, Headers{{"Retry-After", "Tue, 14 Nov 2023 22:13:27 GMT"}}, kNow);
  EXPECT_EQ(pause.ready_at(kNow), kNow + 7000);
}

TEST(RatePauseTest, PauseIsBounded) {
  RatePause pause;
  pause.on_response(429, Headers{{"Retry-After", "3600"}}, kNow);
  EXPECT_EQ(pause.ready_at(kNow), kNow + 60'000);
  RatePause custom(RatePausePolicy{5000, 100, 1000});
  custom.on_response(429, Headers{{"Retry-After", "10"}}, kNow);
  EXPECT_EQ(custom.ready_at(kNow), kNow + 5000);
}

TEST(RatePauseTest, HeaderlessRepeated429sDoubleUpTo30sAndSuccessResets) {
  RatePause pause;
  TimeMs now = kNow;
  std::vector<TimeMs> waits;
  for (int i = 0; i < 7; ++i) {
    pause.on_response(429, Headers{{"Content-Type", "text/plain"}}, now);
    const TimeMs ready = pause.ready_at(now);
    waits.push_back(ready - now);
    now = ready;
  }
  EXPECT_EQ(waits, (std::vector<TimeMs>{1000, 2000, 4000, 8000, 16000, 30000, 30000}));
  EXPECT_EQ(pause.consecutive_429s(), 7);

  pause.on_response(500, Headers{}, now);  // not a success: the backoff stays
  EXPECT_EQ(pause.next_backoff_ms(), 30000);
  pause.on_response(201, Headers{}, now);
  EXPECT_EQ(pause.next_backoff_ms(), 1000);
  EXPECT_EQ(pause.consecutive_429s(), 0);
  pause.on_response(429, Headers{}, now);
  EXPECT_EQ(pause.ready_at(now), now + 1000);
}

TEST(RatePauseTest, ZeroOrUnreadableHeaderFallsBackToBackoff) {
  RatePause pause;
  pause.on_response(429, Headers{{"Retry-After", "0"}}, kNow);
  EXPECT_EQ(pause.ready_at(kNow), kNow + 1000);
  pause.on_response(429, Headers{{"Retry-After", "later"}}, kNow + 1000);
  EXPECT_EQ(pause.ready_at(kNow + 1000), kNow + 3000);
}

TEST(RatePauseTest, HeaderedPausesDoNotGrowTheBackoff) {
  RatePause pause;
  pause.on_response(429, Headers{{"Retry-After", "2"}}, kNow);
  pause.on_response(429, Headers{{"Retry-After", "2"}}, kNow + 2000);
  EXPECT_EQ(pause.next_backoff_ms(), 1000);
  EXPECT_EQ(pause.ready_at(kNow + 2000), kNow + 4000);
}

TEST(RatePauseTest, APauseIsNeverShortened) {
  RatePause pause;
  pause.on_response(429, Headers{{"Retry-After", "10"}}, kNow);
  pause.on_response(429, Headers{{"Retry-After", "1"}}, kNow + 100);
  EXPECT_EQ(pause.ready_at(kNow + 100), kNow + 10'000);
  pause.on_response(200, Headers{}, kNow + 200);  // a response that was already in flight
  EXPECT_EQ(pause.ready_at(kNow + 200), kNow + 10'000);
}

TEST(RatePauseTest, ExhaustedBucketPausesBeforeA429) {
  RatePause pause;
  pause.on_response(200, Headers{{"X-Ratelimit-Remaining", "0"}, {"X-Ratelimit-Reset", "2"}}, kNow);
  EXPECT_EQ(pause.ready_at(kNow), kNow + 2000);
  EXPECT_EQ(pause.consecutive_429s(), 0);

  RatePause other;
  other.on_response(200, Headers{{"X-Ratelimit-Remaining", "1"}, {"X-Ratelimit-Reset", "2"}}, kNow);
  other.on_response(200, Headers{{"X-Ratelimit-Remaining", "0"}}, kNow);  // no reset: nothing to go by
  EXPECT_FALSE(other.paused(kNow));
}

TEST(RatePauseTest, PolicyIsNormalised) {
  RatePause pause(RatePausePolicy{10, 0, 0});
  EXPECT_EQ(pause.policy().initial_backoff_ms, 1);
  EXPECT_EQ(pause.policy().max_backoff_ms, 1);
  EXPECT_EQ(pause.policy().max_pause_ms, 10);
  RatePause odd(RatePausePolicy{100, 500, 200});
  EXPECT_EQ(odd.policy().max_backoff_ms, 500);
  EXPECT_EQ(odd.policy().max_pause_ms, 500);
}

}  // namespace
}  // namespace mmclaw::mattermost

#include "net/backoff.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <memory>
#include <optional>
#include <vector>

namespace mmclaw::net {
namespace {

RandomSource constant(double value) {
  return [value] { return value; };
}

// Cycles through `values`, so a test sees both ends of the jitter range.
RandomSource cycling(std::vector<double> values) {
  auto index = std::make_shared<std::size_t>(0);
  return [values, index] { return values[(*index)++ % values.size()]; };
}

TEST(BackoffTest, DoublesAfterEachFailureUpToTheCap) {
  Backoff backoff({}, constant(0.5));  // 0.5 is the un-jittered middle
  std::vector<TimeMs> delays;
  for (int i = 0; i < 8; ++i) delays.push_back(backoff.after_failure());
  EXPECT_EQ(delays, (std::vector<TimeMs>{2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000}));
  EXPECT_EQ(backoff.failures(), 8);
  EXPECT_EQ(backoff.base_ms(), 60000);
}

TEST(BackoffTest, NormalEndResetsToTheInitialDelay) {
  Backoff backoff({}, constant(0.5));
  backoff.after_failure();
  backoff.after_failure();
  backoff.after_failure();
  EXPECT_EQ(backoff.after_success(), 2000);
  EXPECT_EQ(backoff.failures(), 0);
  EXPECT_EQ(backoff.after_failure(), 2000);
  EXPECT_EQ(backoff.after_failure(), 4000);
  backoff.reset();
  EXPECT_EQ(backoff.base_ms(), 2000);
}

TEST(BackoffTest, JitterStaysWithinTwentyPercent) {
  Backoff backoff({}, cycling({0.0, 0.999999, 0.25, 0.75}));
  TimeMs base = 2000;
  for (int i = 0; i < 12; ++i) {
    const TimeMs delay = backoff.after_failure();
    EXPECT_GE(delay, base * 8 / 10) << "attempt " << i;
    EXPECT_LE(delay, base * 12 / 10) << "attempt " << i;
    base = std::min<TimeMs>(base * 2, 60000);
  }
}

TEST(BackoffTest, JitteredDelayTable) {
  struct Row {
    TimeMs base;
    double jitter;
    double unit;
    TimeMs expected;
  };
  const std::vector<Row> rows{
      {1000, 0.2, 0.0, 800},  {1000, 0.2, 0.5, 1000}, {1000, 0.2, 0.75, 1100}, {1000, 0.2, 0.999999, 1200},
      {1000, 0.0, 0.0, 1000}, {1, 0.2, 0.0, 1},       {0, 0.2, 0.5, 1},        {1000, 0.2, 7.0, 1200},
      {1000, 0.2, -3.0, 800},
  };
  for (const auto& row : rows) {
    EXPECT_EQ(jittered_delay(row.base, row.jitter, row.unit), row.expected)
        << row.base << " " << row.jitter << " " << row.unit;
  }
}

TEST(BackoffTest, SlowDelayIsTheJitteredCapAndKeepsTheBase) {
  Backoff low({}, constant(0.0));
  EXPECT_EQ(low.slow_delay(), 48000);
  EXPECT_EQ(low.base_ms(), 2000);
  Backoff high({}, constant(0.999999));
  EXPECT_EQ(high.slow_delay(), 72000);
}

TEST(BackoffTest, CustomPolicy) {
  BackoffPolicy policy;
  policy.initial_ms = 100;
  policy.max_ms = 350;
  policy.factor = 3.0;
  policy.jitter = 0.0;
  Backoff backoff(policy, constant(0.0));
  EXPECT_EQ(backoff.after_failure(), 100);
  EXPECT_EQ(backoff.after_failure(), 300);
  EXPECT_EQ(backoff.after_failure(), 350);
}

TEST(BackoffTest, PolicyIsNormalised) {
  BackoffPolicy policy;
  policy.initial_ms = 0;
  policy.max_ms = -5;
  policy.factor = 0.5;
  policy.jitter = -1.0;
  Backoff backoff(policy, constant(0.0));
  EXPECT_EQ(backoff.policy().initial_ms, 1);
  EXPECT_EQ(backoff.policy().max_ms, 1);
  EXPECT_EQ(backoff.policy().factor, 1.0);
  EXPECT_EQ(backoff.policy().jitter, 0.0);
  EXPECT_EQ(backoff.after_failure(), 1);
  EXPECT_EQ(backoff.after_failure(), 1);
}

TEST(BackoffTest, ReconnectIntervalSetsTheInitialDelay) {
  EXPECT_EQ(reconnect_policy(std::nullopt), BackoffPolicy{});
  EXPECT_EQ(reconnect_policy(0), BackoffPolicy{});
  EXPECT_EQ(reconnect_policy(-1), BackoffPolicy{});
  EXPECT_EQ(reconnect_policy(5000).initial_ms, 5000);
  EXPECT_EQ(reconnect_policy(5000).max_ms, 60000);
  EXPECT_EQ(reconnect_policy(120000).initial_ms, 120000);
  EXPECT_EQ(reconnect_policy(120000).max_ms, 120000);
}

TEST(BackoffTest, DefaultRandomSourceIsInRange) {
  auto random = default_random_source();
  for (int i = 0; i < 1000; ++i) {
    const double value = random();
    ASSERT_GE(value, 0.0);
    ASSERT_LT(value, 1.0);
  }
  Backoff backoff;  // no source given: still works
  const TimeMs delay = backoff.after_failure();
  EXPECT_GE(delay, 1600);
  EXPECT_LE(delay, 2400);
}

TEST(DeadlineTest, ExpiredAndRemaining) {
  Deadline none;
  EXPECT_FALSE(none.armed());
  EXPECT_FALSE(none.expired(1'000'000));
  EXPECT_EQ(none.remaining(0), std::nullopt);

  Deadline d = Deadline::after(100, 50);
  EXPECT_TRUE(d.armed());
  EXPECT_EQ(d.when(), 150);
  EXPECT_FALSE(d.expired(149));
  EXPECT_TRUE(d.expired(150));
  EXPECT_EQ(d.remaining(120), 30);
  EXPECT_EQ(d.remaining(200), 0);
  EXPECT_EQ(Deadline::at(150), d);
  d.clear();
  EXPECT_FALSE(d.expired(200));
}

TEST(DeadlineTest, Earliest) {
  EXPECT_EQ(earliest(std::nullopt, std::nullopt), std::nullopt);
  EXPECT_EQ(earliest(5, std::nullopt), 5);
  EXPECT_EQ(earliest(std::nullopt, 7), 7);
  EXPECT_EQ(earliest(9, 7), 7);
}

}  // namespace
}  // namespace mmclaw::net

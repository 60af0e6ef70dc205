#include "net/backoff.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <random>
#include <utility>

namespace mmclaw::net {

namespace {

BackoffPolicy normalised(BackoffPolicy p) {
  p.initial_ms = std::max<TimeMs>(p.initial_ms, 1);
  p.max_ms = std::max(p.max_ms, p.initial_ms);
  if (!(p.factor >= 1.0)) p.factor = 1.0;  // also catches NaN
  if (!(p.jitter >= 0.0)) p.jitter = 0.0;
  p.jitter = std::min(p.jitter, 0.99);  // a full ±100 % could ask for a zero delay
  return p;
}

}  // namespace

RandomSource default_random_source() {
  auto engine = std::make_shared<std::mt19937_64>(std::random_device{}());
  return [engine] { return std::uniform_real_distribution<double>(0.0, 1.0)(*engine); };
}

BackoffPolicy reconnect_policy(std::optional<int> initial_ms) {
  BackoffPolicy policy;
  if (initial_ms && *initial_ms > 0) {
    policy.initial_ms = *initial_ms;
    policy.max_ms = std::max(policy.max_ms, policy.initial_ms);
  }
  return policy;
}

TimeMs jittered_delay(TimeMs base_ms, double jitter, double unit) {
  if (!(unit >= 0.0)) unit = 0.0;
  unit = std::min(unit, std::nextafter(1.0, 0.0));
  const double spread = jitter * (2.0 * unit - 1.0);  // in [-jitter, +jitter)
  const auto delay = static_cast<TimeMs>(std::llround(static_cast<double>(base_ms) * (1.0 + spread)));
  return std::max<TimeMs>(delay, 1);
}

Backoff::Backoff(BackoffPolicy policy, RandomSource random)
    : policy_(normalised(policy)),
      random_(random ? std::move(random) : default_random_source()),
      base_ms_(policy_.initial_ms) {}

TimeMs Backoff::jitter(TimeMs base) {
  if (policy_.jitter == 0.0) return base;
  return jittered_delay(base, policy_.jitter, random_());
}

TimeMs Backoff::after_failure() {
  const TimeMs delay = jitter(base_ms_);
  ++failures_;
  // Doubles in floating point, so a large factor cannot overflow before the cap applies.
  const double next = static_cast<double>(base_ms_) * policy_.factor;
  base_ms_ = next >= static_cast<double>(policy_.max_ms) ? policy_.max_ms : static_cast<TimeMs>(next);
  return delay;
}

TimeMs Backoff::after_success() {
  reset();
  return jitter(base_ms_);
}

TimeMs Backoff::slow_delay() {
  return jitter(policy_.max_ms);
}

void Backoff::reset() {
  base_ms_ = policy_.initial_ms;
  failures_ = 0;
}

std::optional<TimeMs> Deadline::remaining(TimeMs now) const noexcept {
  if (!at_) return std::nullopt;
  return std::max<TimeMs>(*at_ - now, 0);
}

std::optional<TimeMs> earliest(std::optional<TimeMs> a, std::optional<TimeMs> b) noexcept {
  if (!a) return b;
  if (!b) return a;
  return std::min(*a, *b);
}

}  // namespace mmclaw::net

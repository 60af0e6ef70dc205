#pragma once
// Retry delays and deadlines as plain values (ARCHITECTURE.md, rule 1): no clock, no timers. The
// reconnect loop of channel-behaviour §3.5 and the identity loop of §3.1 both use Backoff: the
// delay grows after each failed attempt up to a cap, returns to the initial delay after a normal
// end, and is spread by uniform jitter so that many accounts do not retry in lockstep.
// Not thread-safe; one instance per loop.

#include <cstdint>
#include <functional>
#include <optional>

namespace mmclaw::net {

using TimeMs = std::int64_t;

// Uniform in [0, 1). Injected so tests are deterministic; values outside are clamped.
using RandomSource = std::function<double()>;

// A RandomSource over a PRNG seeded from std::random_device.
RandomSource default_random_source();

struct BackoffPolicy {
  TimeMs initial_ms = 2000;
  TimeMs max_ms = 60000;
  double factor = 2.0;
  double jitter = 0.2;  // delay = base × (1 ± jitter), uniform; 0 disables

  bool operator==(const BackoffPolicy&) const = default;
};

// The reconnect policy of §3.5 with the initial delay from `reconnectInterval` (ms) when it is set
// and positive; the cap is raised to the initial delay when that is larger.
BackoffPolicy reconnect_policy(std::optional<int> initial_ms);

// `base_ms` spread by ±`jitter` with `unit` in [0, 1): unit 0.5 gives the base, never below 1 ms.
TimeMs jittered_delay(TimeMs base_ms, double jitter, double unit);

class Backoff {
 public:
  // The policy is normalised: initial ≥ 1, max ≥ initial, factor ≥ 1, jitter in [0, 1).
  // A null `random` uses default_random_source().
  explicit Backoff(BackoffPolicy policy = {}, RandomSource random = {});

  // Delay to wait after a failed attempt: the current base, jittered; the next failure waits
  // `factor` times longer, up to the cap.
  TimeMs after_failure();
  // Delay to wait after a normal end: the initial delay, jittered; failures count from zero again.
  TimeMs after_success();
  // The cap, jittered: the slow retry rate for failures that retrying fast cannot fix (a rejected
  // token). Does not change the base.
  TimeMs slow_delay();
  // Failures count from zero again without producing a delay.
  void reset();

  TimeMs base_ms() const noexcept { return base_ms_; }  // the un-jittered next failure delay
  int failures() const noexcept { return failures_; }   // consecutive, since the last reset
  const BackoffPolicy& policy() const noexcept { return policy_; }

 private:
  TimeMs jitter(TimeMs base);

  BackoffPolicy policy_;
  RandomSource random_;
  TimeMs base_ms_;
  int failures_ = 0;
};

// An absolute point in time (ms on the caller's clock), or none.
class Deadline {
 public:
  Deadline() = default;
  static Deadline at(TimeMs at_ms) { return Deadline(at_ms); }
  static Deadline after(TimeMs now, TimeMs duration_ms) { return Deadline(now + duration_ms); }

  bool armed() const noexcept { return at_.has_value(); }
  std::optional<TimeMs> when() const noexcept { return at_; }
  // False when not armed.
  bool expired(TimeMs now) const noexcept { return at_ && now >= *at_; }
  // 0 once expired; nullopt when not armed.
  std::optional<TimeMs> remaining(TimeMs now) const noexcept;
  void clear() noexcept { at_.reset(); }

  bool operator==(const Deadline&) const = default;

 private:
  explicit Deadline(TimeMs at_ms) : at_(at_ms) {}
  std::optional<TimeMs> at_;
};

// The earlier of two optional times (nullopt means "never").
std::optional<TimeMs> earliest(std::optional<TimeMs> a, std::optional<TimeMs> b) noexcept;

}  // namespace mmclaw::net

#pragma once
// The guards around the slash-command callback (channel-behaviour §9.3, §9.4 step 5), pure: the
// in-flight limiter (at most 8 requests at once per command token, all others sharing one
// bucket) and the per-command budget of live validation lookups (20, one more every 500 ms).
// Time is passed in; nothing here blocks.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

namespace mmclaw::gateway {

inline constexpr std::size_t kSlashInflightPerBucket = 8;
inline constexpr double kLookupBudget = 20;
inline constexpr std::int64_t kLookupRefillMs = 500;

// The bucket of a request: the token of `Authorization: Token <t>` when `is_known_token(t)`, else
// "" (the shared bucket). The scheme is matched case-insensitively; blanks around the token are
// ignored.
std::string inflight_bucket(std::string_view authorization, const std::function<bool(std::string_view)>& is_known_token);

class InflightLimiter {
 public:
  explicit InflightLimiter(std::size_t per_bucket = kSlashInflightPerBucket) : per_bucket_(per_bucket) {}

  // True when the request may run now (then release() must follow); false: answer 429.
  bool try_acquire(const std::string& bucket);
  void release(const std::string& bucket);
  std::size_t in_flight(const std::string& bucket) const;

 private:
  std::size_t per_bucket_;
  std::map<std::string, std::size_t, std::less<>> counts_;  // only buckets with requests in flight
};

// A token bucket per command: `take` spends one lookup when there is one.
class LookupBudget {
 public:
  bool take(const std::string& command_id, std::int64_t now_ms);

 private:
  struct Bucket {
    double tokens = kLookupBudget;
    std::int64_t at_ms = 0;
  };
  std::map<std::string, Bucket, std::less<>> buckets_;
};

}  // namespace mmclaw::gateway

#pragma once
// The server's request rate limiter (protocol reference §5.3): GCRA as in the `throttled`
// library Mattermost uses, keyed per token (or per remote address without one). Pure: the
// caller passes the time. Disabled by default, like RateLimitSettings.Enable.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "mmsim/model/rest.hpp"

namespace mmsim {

struct RateLimitConfig {
  bool enabled = false;
  int per_sec = 10;     // PerSec
  int max_burst = 100;  // MaxBurst; X-Ratelimit-Limit is max_burst + 1
  std::size_t memory_store_size = 10000;
  bool vary_by_remote_addr = true;
  bool vary_by_user = true;  // Mattermost's default is false (address only); mmsim keys by token
};

struct RateLimitDecision {
  bool limited = false;
  HeaderList headers;  // X-Ratelimit-Limit/-Remaining/-Reset, and Retry-After when limited
};

class RateLimiter {
 public:
  explicit RateLimiter(RateLimitConfig config = {});

  const RateLimitConfig& config() const noexcept { return config_; }
  bool enabled() const noexcept { return config_.enabled; }

  // The bucket key of a request: its token when vary_by_user and a token is present, else its
  // remote address when vary_by_remote_addr.
  std::string key_for(const RestRequest& request) const;

  // Takes one request from the key's bucket at `now_ms`.
  RateLimitDecision take(std::string_view key, std::int64_t now_ms);

  // The 429 answer (plain text "limit exceeded", not an AppError) carrying `decision`'s headers.
  static RestResponse limited_response(const RateLimitDecision& decision);

 private:
  RateLimitConfig config_;
  std::int64_t emission_us_ = 0;                          // time between requests at the sustained rate
  std::int64_t tolerance_us_ = 0;                         // burst allowance
  std::unordered_map<std::string, std::int64_t> tat_us_;  // theoretical arrival time per key
};

// The token a request authenticates with (§1.2 order: Bearer/Token header, then access_token).
struct TokenLocation {
  std::string token;
  bool from_query = false;
};
TokenLocation parse_auth_token(const RestRequest& request);

}  // namespace mmsim

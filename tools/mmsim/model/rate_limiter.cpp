#include "mmsim/model/rate_limiter.hpp"

#include <algorithm>
#include <string>

#include "mmsim/model/text.hpp"

namespace mmsim {

RateLimiter::RateLimiter(RateLimitConfig config) : config_(config) {
  const int per_sec = std::max(1, config_.per_sec);
  emission_us_ = 1'000'000 / per_sec;
  tolerance_us_ = emission_us_ * (static_cast<std::int64_t>(std::max(0, config_.max_burst)) + 1);
}

std::string RateLimiter::key_for(const RestRequest& request) const {
  if (config_.vary_by_user) {
    TokenLocation location = parse_auth_token(request);
    if (!location.token.empty()) return "token:" + location.token;
  }
  if (config_.vary_by_remote_addr) return "ip:" + request.remote_ip;
  return "all";
}

namespace {

std::int64_t ceil_seconds(std::int64_t us) {
  return us <= 0 ? 0 : (us + 999'999) / 1'000'000;
}

}  // namespace

RateLimitDecision RateLimiter::take(std::string_view key, std::int64_t now_ms) {
  // GCRARateLimiter.RateLimit from github.com/throttled/throttled, quantity 1.
  const std::int64_t now = now_ms * 1000;
  RateLimitDecision decision;
  auto found = tat_us_.find(std::string(key));
  const std::int64_t tat = found == tat_us_.end() ? now : found->second;
  const std::int64_t new_tat = std::max(now, tat) + emission_us_;
  const std::int64_t allow_at = new_tat - tolerance_us_;
  std::int64_t ttl = 0;
  std::int64_t retry_after = -1;
  if (now < allow_at) {
    decision.limited = true;
    retry_after = allow_at - now;
    ttl = tat - now;
  } else {
    ttl = new_tat - now;
    if (found == tat_us_.end()) {
      if (tat_us_.size() >= std::max<std::size_t>(1, config_.memory_store_size)) {
        // Bounded store: forget buckets that are full again, then the oldest ones.
        std::erase_if(tat_us_, [now](const auto& entry) { return entry.second <= now; });
        while (tat_us_.size() >= std::max<std::size_t>(1, config_.memory_store_size)) {
          auto oldest = std::min_element(tat_us_.begin(), tat_us_.end(),
                                         [](const auto& a, const auto& b) { return a.second < b.second; });
          tat_us_.erase(oldest);
        }
      }
      tat_us_.emplace(std::string(key), new_tat);
    } else {
      found->second = new_tat;
    }
  }
  std::int64_t remaining = 0;
  const std::int64_t next = tolerance_us_ - ttl;
  if (next > -emission_us_) remaining = std::max<std::int64_t>(0, next / emission_us_);
  decision.headers.emplace_back("X-Ratelimit-Limit", std::to_string(config_.max_burst + 1));
  decision.headers.emplace_back("X-Ratelimit-Remaining", std::to_string(remaining));
  decision.headers.emplace_back("X-Ratelimit-Reset", std::to_string(ceil_seconds(ttl)));
  if (retry_after >= 0)
    decision.headers.emplace_back("Retry-After", std::to_string(ceil_seconds(retry_after)));
  return decision;
}

RestResponse RateLimiter::limited_response(const RateLimitDecision& decision) {
  // http.Error(w, "limit exceeded", 429): text/plain, nosniff, body with a trailing newline.
  RestResponse response;
  response.status = 429;
  response.headers = decision.headers;
  response.headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
  response.body = "limit exceeded\n";
  return response;
}

TokenLocation parse_auth_token(const RestRequest& request) {
  const std::string_view auth = request.header("authorization");
  if (starts_with_icase(auth, "bearer ")) return {std::string(trim_ascii(auth.substr(7))), false};
  if (starts_with_icase(auth, "token ")) return {std::string(trim_ascii(auth.substr(6))), false};
  const std::string from_query = query_param(request.query, "access_token");
  if (!from_query.empty()) return {from_query, true};
  return {};
}

}  // namespace mmsim

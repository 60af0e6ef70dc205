#include "gateway/slash_guards.hpp"

#include <algorithm>

#include "util/strings.hpp"

namespace mmclaw::gateway {

std::string inflight_bucket(std::string_view authorization,
                            const std::function<bool(std::string_view)>& is_known_token) {
  constexpr std::string_view kScheme = "token ";
  const std::string_view header = util::trim(authorization);
  if (!util::starts_with_icase(header, kScheme)) return {};
  const std::string_view token = util::trim(header.substr(kScheme.size()));
  if (token.empty() || !is_known_token(token)) return {};
  return std::string(token);
}

bool InflightLimiter::try_acquire(const std::string& bucket) {
  auto& count = counts_[bucket];
  if (count >= per_bucket_) return false;
  ++count;
  return true;
}

void InflightLimiter::release(const std::string& bucket) {
  const auto it = counts_.find(bucket);
  if (it == counts_.end()) return;
  if (--it->second == 0) counts_.erase(it);
}

std::size_t InflightLimiter::in_flight(const std::string& bucket) const {
  const auto it = counts_.find(bucket);
  return it == counts_.end() ? 0 : it->second;
}

bool LookupBudget::take(const std::string& command_id, std::int64_t now_ms) {
  auto [it, fresh] = buckets_.try_emplace(command_id);
  Bucket& bucket = it->second;
  if (fresh) bucket.at_ms = now_ms;
  if (now_ms > bucket.at_ms) {
    bucket.tokens = std::min(kLookupBudget, bucket.tokens + static_cast<double>(now_ms - bucket.at_ms) /
                                                                static_cast<double>(kLookupRefillMs));
    bucket.at_ms = now_ms;
  }
  if (bucket.tokens < 1) return false;
  bucket.tokens -= 1;
  return true;
}

}  // namespace mmclaw::gateway

#include "mattermost/dm_retry.hpp"

#include <algorithm>
#include <array>
#include <climits>
#include <cmath>
#include <cstdint>
#include <span>
#include <string_view>

#include "mattermost/api_error.hpp"
#include "util/strings.hpp"

namespace mmclaw::mattermost {
namespace {

// Network error codes (Node and undici spellings, as the reference names them).
constexpr std::array<std::string_view, 16> kNetworkCodes = {"econnreset",
                                                            "econnrefused",
                                                            "etimedout",
                                                            "esockettimedout",
                                                            "econnaborted",
                                                            "enotfound",
                                                            "eai_again",
                                                            "ehostunreach",
                                                            "enetunreach",
                                                            "epipe",
                                                            "und_err_connect_timeout",
                                                            "und_err_dns_resolve_failed",
                                                            "und_err_connect",
                                                            "und_err_socket",
                                                            "und_err_headers_timeout",
                                                            "und_err_body_timeout"};

constexpr std::array<std::string_view, 5> kTimeoutNames = {
    "aborterror", "timeouterror", "connecttimeouterror", "headerstimeouterror", "bodytimeouterror"};

constexpr std::array<std::string_view, 11> kNetworkSnippets = {
    "network error", "timeout",   "timed out", "abort",          "connection refused", "econnreset",
    "econnrefused",  "etimedout", "enotfound", "socket hang up", "getaddrinfo"};

bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

bool is_word_char(char c) noexcept {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

bool is_retry_status(int status) noexcept {
  return status == 429 || (status >= 500 && status <= 599);
}

bool contains_word(std::string_view lower, std::string_view word) {
  for (std::size_t at = lower.find(word); at != std::string_view::npos; at = lower.find(word, at + 1)) {
    const bool starts = at == 0 || !is_word_char(lower[at - 1]);
    const std::size_t end = at + word.size();
    const bool ends = end == lower.size() || !is_word_char(lower[end]);
    if (starts && ends) return true;
  }
  return false;
}

bool is_one_of(std::string_view lower, std::span<const std::string_view> list) {
  return std::find(list.begin(), list.end(), lower) != list.end();
}

bool says_network_failure(std::string_view lower) {
  const bool snippet = std::any_of(kNetworkSnippets.begin(), kNetworkSnippets.end(), [&](std::string_view s) {
    return lower.find(s) != std::string_view::npos;
  });
  return snippet || std::any_of(kNetworkCodes.begin(), kNetworkCodes.end(),
                                [&](std::string_view c) { return contains_word(lower, c); });
}

int non_negative(int v) noexcept {
  return v < 0 ? 0 : v;
}

}  // namespace

config::DmChannelRetry merge(const config::DmChannelRetry& base, const DmRetryOverrides& overrides) {
  config::DmChannelRetry out = base;
  if (overrides.max_retries) out.max_retries = *overrides.max_retries;
  if (overrides.initial_delay_ms) out.initial_delay_ms = *overrides.initial_delay_ms;
  if (overrides.max_delay_ms) out.max_delay_ms = *overrides.max_delay_ms;
  if (overrides.timeout_ms) out.timeout_ms = *overrides.timeout_ms;
  return out;
}

bool dm_retryable(const DmFailure& failure) {
  std::vector<std::string> lower;
  lower.reserve(failure.messages.size());
  for (const auto& m : failure.messages) lower.push_back(util::to_lower(m));

  bool retry_status = failure.status && is_retry_status(*failure.status);
  bool other_status = failure.status && !retry_status;
  for (const auto& text : lower) {
    for (const int status : statuses_in_error_text(text)) {
      if (status < 100 || status > 599) continue;  // not a real status
      if (is_retry_status(status))
        retry_status = true;
      else
        other_status = true;
    }
  }
  if (retry_status) return true;
  const auto says = [&](std::string_view needle) {
    return std::any_of(lower.begin(), lower.end(),
                       [&](const std::string& t) { return t.find(needle) != std::string::npos; });
  };
  if (says("too many requests")) return true;
  // A server that answered with a client error refused the request: a "timeout" or "429" in its
  // text is the body talking, not the transport.
  if (other_status) return false;

  if (failure.code && is_one_of(util::to_lower(*failure.code), kNetworkCodes)) return true;
  if (failure.name && is_one_of(util::to_lower(*failure.name), kTimeoutNames)) return true;
  if (std::any_of(lower.begin(), lower.end(), [](const std::string& t) { return says_network_failure(t); }))
    return true;
  return failure.transport_transient;
}

bool dm_retryable(const ApiError& error) {
  const Error& e = error.error;
  DmFailure failure;
  if (e.status != 0) failure.status = e.status;
  failure.messages.push_back(e.message);
  if (e.status == 0) {
    switch (e.kind) {
      case ErrorKind::transient:
      case ErrorKind::rate_limited: failure.transport_transient = true; break;
      case ErrorKind::invalid_input:
      case ErrorKind::auth:
      case ErrorKind::not_found: return false;
      case ErrorKind::permanent: break;
    }
  }
  return dm_retryable(failure);
}

int dm_attempts(const config::DmChannelRetry& retry) {
  const int retries = non_negative(retry.max_retries);
  return retries == INT_MAX ? INT_MAX : retries + 1;
}

std::chrono::milliseconds dm_retry_delay(int retry, const config::DmChannelRetry& settings,
                                         double unit_random) {
  const std::int64_t cap = non_negative(settings.max_delay_ms);
  std::int64_t base = std::min<std::int64_t>(non_negative(settings.initial_delay_ms), cap);
  // Doubling stops once the cap is reached, so a huge `retry` costs at most ~31 steps.
  for (int k = 1; k < retry && base > 0 && base < cap; ++k) base *= 2;

  double u = std::isnan(unit_random) ? 0.0 : std::clamp(unit_random, 0.0, 1.0);
  if (u >= 1.0) u = std::nextafter(1.0, 0.0);
  // Strictly below base, even where the product rounds up to it.
  const auto jitter = std::min(static_cast<std::int64_t>(std::floor(static_cast<double>(base) * u)),
                               std::max<std::int64_t>(base - 1, 0));
  return std::chrono::milliseconds(std::min(base + jitter, cap));
}

}  // namespace mmclaw::mattermost

#pragma once
// Which failures of DM channel creation (`POST /channels/direct`) are retried, and how long to wait
// before each retry (channel-behaviour §5.2). Pure: the shell runs the attempts with their
// per-attempt timeout and passes its random draw in. Only DM creation is retried; no other call is.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "config/snapshot.hpp"

namespace mmclaw::mattermost {

struct ApiError;

// Per-call options; a field that is set replaces the account's `dmChannelRetry` value.
struct DmRetryOverrides {
  std::optional<int> max_retries;
  std::optional<int> initial_delay_ms;
  std::optional<int> max_delay_ms;
  std::optional<int> timeout_ms;
};

// `base` with every set field of `overrides` taken instead, field by field.
config::DmChannelRetry merge(const config::DmChannelRetry& base, const DmRetryOverrides& overrides);

// What the shell knows about one failed attempt.
struct DmFailure {
  std::optional<int> status;          // HTTP status when the server answered
  std::vector<std::string> messages;  // the cause chain's texts, outermost first
  std::optional<std::string> code;    // network error code (`ECONNRESET`, `UND_ERR_SOCKET`, ...)
  std::optional<std::string> name;    // error name (`TimeoutError`, `AbortError`, ...)
  // No response arrived and the transport called the failure transient (connect, reset, deadline).
  bool transport_transient = false;
};

// §5.2, ASCII case-insensitive. A status is the `status` field or a real one (100-599) right after
// `Mattermost API ` in a text (followed by a non-word character or the end); ports such as `:443`
// are never statuses. In order: any 5xx or 429 status, or a text saying "too many requests" → retry;
// any other status (a 4xx above all, whatever the text also says) → never; then a network code
// (in `code`, or as a whole word in a text), an error name, a network snippet ("timeout", "socket
// hang up", "getaddrinfo"...) or `transport_transient` → retry; else never.
bool dm_retryable(const DmFailure& failure);

// The same rule for a REST client error: its status (none when 0) and message; without a status,
// a transient or rate_limited kind counts as a network failure, and invalid_input, auth and
// not_found are never retried.
bool dm_retryable(const ApiError& error);

// How many attempts in all: max_retries + 1 (at least 1).
int dm_attempts(const config::DmChannelRetry& retry);

// The wait before retry `retry` (1 = the first retry, after attempt 1 failed):
// base = min(initial_delay_ms, max_delay_ms) · 2^(retry−1), plus full jitter base · unit_random
// (unit_random uniform in [0, 1), clamped into it), the sum capped at max_delay_ms. Never overflows;
// negative settings count as 0, a retry below 1 as 1.
std::chrono::milliseconds dm_retry_delay(int retry, const config::DmChannelRetry& settings,
                                         double unit_random);

}  // namespace mmclaw::mattermost

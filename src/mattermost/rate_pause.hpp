#pragma once
// The per-account pause after Mattermost rate limiting (mattermost-protocol §5.3, field report 18).
// Every REST response of one account is fed to one RatePause; every request waits until
// ready_at(). A 429 pauses for what the server asked (`Retry-After`, else `X-Ratelimit-Reset`),
// bounded; 429s without either header pause for a delay that doubles and returns to its start on
// the next success, so a burst never becomes a hot loop. Pure: time is passed in (ms on the
// caller's clock). Not thread-safe; one instance per account, on the event loop.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace mmclaw::mattermost {

using TimeMs = std::int64_t;

// Response headers as received (names compared case-insensitively; net::HttpHeaders converts).
using HeaderList = std::span<const std::pair<std::string, std::string>>;

// The first value of header `name`, case-insensitive, surrounding blanks trimmed.
std::optional<std::string_view> find_header(HeaderList headers, std::string_view name) noexcept;

// An HTTP date (RFC 9110 §5.6.7: IMF-fixdate, plus the obsolete RFC 850 and asctime forms) as ms
// since the Unix epoch, or nullopt.
std::optional<TimeMs> parse_http_date(std::string_view text);

// How long `Retry-After` asks to wait, in ms from `now_ms`: delta seconds or an HTTP date (a date
// in the past gives 0). Nullopt when absent or unreadable.
std::optional<TimeMs> retry_after_ms(HeaderList headers, TimeMs now_ms);

// How long until `X-Ratelimit-Reset`, in ms from `now_ms`. Mattermost sends seconds until the
// bucket is full again; values of 1e9 and more are read as Unix epoch seconds (other servers and
// proxies), a reset in the past gives 0. Nullopt when absent or unreadable.
std::optional<TimeMs> ratelimit_reset_ms(HeaderList headers, TimeMs now_ms) noexcept;

struct RatePausePolicy {
  TimeMs max_pause_ms = 60000;       // no single pause is longer, whatever a header says
  TimeMs initial_backoff_ms = 1000;  // first pause for a 429 without a usable header
  TimeMs max_backoff_ms = 30000;     // the doubling stops here
};

class RatePause {
 public:
  // The policy is normalised: initial backoff ≥ 1, max backoff ≥ initial, max pause ≥ max backoff.
  explicit RatePause(RatePausePolicy policy = {});

  // Feeds one response. 429: pause for the header delay (Retry-After first, else
  // X-Ratelimit-Reset), or the next backoff step when neither gives a positive delay; never
  // longer than max_pause_ms. Any other status with `X-Ratelimit-Remaining: 0` and a reset:
  // pause until the reset (bounded), so the next request does not draw a 429. A status below 400
  // resets the backoff. A pause is only ever extended, never shortened.
  void on_response(int status, HeaderList headers, TimeMs now_ms);

  // When a request may be sent: `now_ms`, or the end of the pause if that is later.
  TimeMs ready_at(TimeMs now_ms) const noexcept;
  // ms still to wait (0 when not paused).
  TimeMs remaining_ms(TimeMs now_ms) const noexcept { return ready_at(now_ms) - now_ms; }
  bool paused(TimeMs now_ms) const noexcept { return remaining_ms(now_ms) > 0; }

  std::optional<TimeMs> paused_until() const noexcept { return paused_until_; }
  TimeMs next_backoff_ms() const noexcept { return backoff_ms_; }  // for a header-less 429
  int consecutive_429s() const noexcept { return consecutive_429s_; }
  const RatePausePolicy& policy() const noexcept { return policy_; }

 private:
  void pause_for(TimeMs delay_ms, TimeMs now_ms);

  RatePausePolicy policy_;
  std::optional<TimeMs> paused_until_;
  TimeMs backoff_ms_;
  int consecutive_429s_ = 0;
};

}  // namespace mmclaw::mattermost

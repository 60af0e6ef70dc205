#include "mattermost/rate_pause.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cstddef>
#include <vector>

#include "util/strings.hpp"

namespace mmclaw::mattermost {

namespace {

// Larger header values are clamped here before any multiplication, so nothing overflows.
constexpr std::int64_t kMaxHeaderSeconds = 10'000'000'000;
constexpr std::int64_t kEpochThresholdSeconds = 1'000'000'000;

std::optional<std::int64_t> parse_digits(std::string_view s) noexcept {
  if (s.empty() || s.size() > 18) return std::nullopt;
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc{} || end != s.data() + s.size() || value < 0) return std::nullopt;
  return value;
}

std::optional<unsigned> month_number(std::string_view name) noexcept {
  static constexpr std::array<std::string_view, 12> kMonths = {"jan", "feb", "mar", "apr", "may", "jun",
                                                               "jul", "aug", "sep", "oct", "nov", "dec"};
  for (std::size_t i = 0; i < kMonths.size(); ++i)
    if (util::iequals(name, kMonths[i])) return static_cast<unsigned>(i + 1);
  return std::nullopt;
}

bool is_alpha_word(std::string_view s) noexcept {
  return !s.empty() && std::all_of(s.begin(), s.end(),
                                   [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); });
}

// "08:49:37" as seconds since midnight.
std::optional<std::int64_t> parse_clock(std::string_view s) noexcept {
  if (s.size() != 8 || s[2] != ':' || s[5] != ':') return std::nullopt;
  const auto h = parse_digits(s.substr(0, 2));
  const auto m = parse_digits(s.substr(3, 2));
  const auto sec = parse_digits(s.substr(6, 2));
  if (!h || !m || !sec || *h > 23 || *m > 59 || *sec > 60) return std::nullopt;
  return *h * 3600 + *m * 60 + *sec;
}

}  // namespace

std::optional<std::string_view> find_header(HeaderList headers, std::string_view name) noexcept {
  for (const auto& [key, value] : headers)
    if (util::iequals(key, name)) return util::trim(value);
  return std::nullopt;
}

std::optional<TimeMs> parse_http_date(std::string_view text) {
  // Commas and the dashes of the RFC 850 date become separators: every form is then 5 or 6 words.
  std::string flat(util::trim(text));
  std::replace_if(
      flat.begin(), flat.end(), [](char c) { return c == ',' || c == '-'; }, ' ');
  std::vector<std::string_view> words;
  for (const auto word : util::split(flat, ' '))
    if (!word.empty()) words.push_back(word);
  if (words.size() < 5 || !is_alpha_word(words[0])) return std::nullopt;

  std::optional<std::int64_t> day;
  std::optional<unsigned> month;
  std::optional<std::int64_t> year;
  std::optional<std::int64_t> clock;
  if (month_number(words[1])) {  // asctime: Sun Nov  6 08:49:37 1994
    if (words.size() != 5) return std::nullopt;
    month = month_number(words[1]);
    day = parse_digits(words[2]);
    clock = parse_clock(words[3]);
    year = parse_digits(words[4]);
  } else {  // IMF-fixdate / RFC 850: Sun 06 Nov 1994 08:49:37 GMT
    if (words.size() != 6 || !(util::iequals(words[5], "GMT") || util::iequals(words[5], "UTC")))
      return std::nullopt;
    day = parse_digits(words[1]);
    month = month_number(words[2]);
    year = parse_digits(words[3]);
    clock = parse_clock(words[4]);
    if (year && words[3].size() == 2) *year += *year < 70 ? 2000 : 1900;
  }
  if (!day || !month || !year || !clock || *year < 1970 || *year > 9999 || *day > 31) return std::nullopt;
  const std::chrono::year_month_day date{std::chrono::year{static_cast<int>(*year)},
                                         std::chrono::month{*month},
                                         std::chrono::day{static_cast<unsigned>(*day)}};
  if (!date.ok()) return std::nullopt;
  const auto days = std::chrono::sys_days{date}.time_since_epoch().count();
  return (static_cast<std::int64_t>(days) * 86400 + *clock) * 1000;
}

std::optional<TimeMs> retry_after_ms(HeaderList headers, TimeMs now_ms) {
  const auto value = find_header(headers, "Retry-After");
  if (!value) return std::nullopt;
  if (const auto seconds = parse_digits(*value)) return std::min(*seconds, kMaxHeaderSeconds) * 1000;
  if (const auto date = parse_http_date(*value)) return std::max<TimeMs>(0, *date - now_ms);
  return std::nullopt;
}

std::optional<TimeMs> ratelimit_reset_ms(HeaderList headers, TimeMs now_ms) noexcept {
  const auto value = find_header(headers, "X-Ratelimit-Reset");
  if (!value) return std::nullopt;
  const auto seconds = parse_digits(*value);
  if (!seconds) return std::nullopt;
  const auto clamped = std::min(*seconds, kMaxHeaderSeconds);
  if (clamped >= kEpochThresholdSeconds) return std::max<TimeMs>(0, clamped * 1000 - now_ms);
  return clamped * 1000;
}

RatePause::RatePause(RatePausePolicy policy) : policy_(policy) {
  policy_.initial_backoff_ms = std::max<TimeMs>(1, policy_.initial_backoff_ms);
  policy_.max_backoff_ms = std::max(policy_.max_backoff_ms, policy_.initial_backoff_ms);
  policy_.max_pause_ms = std::max(policy_.max_pause_ms, policy_.max_backoff_ms);
  backoff_ms_ = policy_.initial_backoff_ms;
}

void RatePause::pause_for(TimeMs delay_ms, TimeMs now_ms) {
  const TimeMs until = now_ms + std::clamp<TimeMs>(delay_ms, 0, policy_.max_pause_ms);
  if (!paused_until_ || until > *paused_until_) paused_until_ = until;
}

void RatePause::on_response(int status, HeaderList headers, TimeMs now_ms) {
  const auto reset = ratelimit_reset_ms(headers, now_ms);
  if (status == 429) {
    ++consecutive_429s_;
    auto delay = retry_after_ms(headers, now_ms);
    if (!delay || *delay <= 0) delay = reset;
    if (delay && *delay > 0) {
      pause_for(*delay, now_ms);
      return;
    }
    pause_for(backoff_ms_, now_ms);
    backoff_ms_ = std::min(backoff_ms_ * 2, policy_.max_backoff_ms);
    return;
  }
  if (status > 0 && status < 400) {
    consecutive_429s_ = 0;
    backoff_ms_ = policy_.initial_backoff_ms;
  }
  const auto remaining = find_header(headers, "X-Ratelimit-Remaining");
  if (remaining && *remaining == "0" && reset && *reset > 0) pause_for(*reset, now_ms);
}

TimeMs RatePause::ready_at(TimeMs now_ms) const noexcept {
  return paused_until_ ? std::max(now_ms, *paused_until_) : now_ms;
}

}  // namespace mmclaw::mattermost

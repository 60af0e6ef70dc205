#pragma once
// Small string helpers shared across the core. ASCII-only case handling: Mattermost ids,
// usernames and config keys are ASCII.

#include <optional>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mmclaw::util {

std::string_view trim(std::string_view s) noexcept;
std::string to_lower(std::string_view s);
bool iequals(std::string_view a, std::string_view b) noexcept;
bool starts_with_icase(std::string_view s, std::string_view prefix) noexcept;
std::vector<std::string_view> split(std::string_view s, char sep);
std::string join(std::span<const std::string> parts, std::string_view sep);
// `2026-11-22T06:00:00Z`: Unix milliseconds as a UTC time, to the second.
std::string utc_time(std::int64_t unix_ms);

// Edit distance counting adjacent swaps as one edit; ASCII case-insensitive, so `DMPolicy` is
// 0 edits from `dmPolicy`.
// The value of one hexadecimal digit, or -1 (percent-decoding in URLs and forms).
int hex_digit_value(char c) noexcept;

std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word`, when it is close enough to be a likely typo.
std::optional<std::string> closest_match(std::string_view word, std::span<const std::string> candidates);

}  // namespace mmclaw::util

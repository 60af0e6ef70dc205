#pragma once
// UTF-8 decoding as Unicode (table 3-7) and the WHATWG decoder define it: no overlong forms, no
// surrogates, nothing above U+10FFFF; each maximal invalid subpart is what one U+FFFD replaces.
// One implementation for the config reader, the log, the SSE parser and the command backend.

#include <cstddef>
#include <string>
#include <string_view>

namespace mmclaw::util {

inline constexpr std::string_view kReplacementChar = "\xEF\xBF\xBD";  // U+FFFD

struct Utf8Step {
  std::size_t length = 0;   // the well-formed sequence at the position (1 for ASCII); 0 if none
  std::size_t invalid = 0;  // when length is 0: the bytes one U+FFFD replaces
  bool truncated = false;   // when length is 0: the text ends inside a sequence valid so far
};

// The sequence starting at s[i] (i < s.size()).
Utf8Step utf8_step(std::string_view s, std::size_t i) noexcept;

// Offset of the first byte that does not start a well-formed sequence, or npos.
std::size_t find_invalid_utf8(std::string_view s) noexcept;

// `s` with each maximal invalid subpart replaced by U+FFFD; valid text copied unchanged.
std::string to_valid_utf8(std::string_view s);

}  // namespace mmclaw::util

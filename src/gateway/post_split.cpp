#include "gateway/post_split.hpp"

#include <algorithm>

namespace mmclaw::gateway {

namespace {

bool continuation(unsigned char c) {
  return (c & 0xC0) == 0x80;
}

// The byte offset just after `chars` characters of `text` (or its end).
std::size_t offset_of_chars(std::string_view text, std::size_t chars) {
  std::size_t i = 0;
  std::size_t counted = 0;
  while (i < text.size() && counted < chars) {
    ++i;
    while (i < text.size() && continuation(static_cast<unsigned char>(text[i]))) ++i;
    ++counted;
  }
  return i;
}

}  // namespace

std::vector<std::string> split_for_posts(std::string_view text, std::size_t limit) {
  limit = std::clamp<std::size_t>(limit, 1, kMaxPostChars);
  std::vector<std::string> pieces;
  while (true) {
    const std::size_t fits = offset_of_chars(text, limit);
    if (fits >= text.size()) {
      pieces.emplace_back(text);
      break;
    }
    // Prefer the last paragraph break in the second half, then a line break, then a space.
    const std::string_view window = text.substr(0, fits + 1);
    std::size_t cut = std::string_view::npos;
    std::size_t skip = 0;
    for (const std::string_view separator : {std::string_view("\n\n"), std::string_view("\n"), std::string_view(" ")}) {
      const auto at = window.rfind(separator);
      if (at != std::string_view::npos && at >= fits / 2 && at > 0) {
        cut = at;
        skip = separator.size();
        break;
      }
    }
    if (cut == std::string_view::npos) {
      cut = fits;  // no separator: a hard cut at a character boundary
      skip = 0;
    }
    std::string piece(text.substr(0, cut));
    while (!piece.empty() && (piece.back() == ' ' || piece.back() == '\n' || piece.back() == '\t')) piece.pop_back();
    pieces.push_back(std::move(piece));
    text.remove_prefix(cut + skip);
  }
  return pieces;
}

}  // namespace mmclaw::gateway

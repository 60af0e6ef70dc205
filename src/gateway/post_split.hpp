#pragma once
// An answer cut into posts that Mattermost accepts (16,383 characters at most): at a paragraph
// break where one is close, else a line break, else a space, else anywhere (counting UTF-8
// characters, never cutting one). Nothing is lost: the pieces joined with the separators they were
// cut at give the text back. The reply stream (a later issue) chunks with the full rules of §5.3
// (code fences, the newline mode); until then answers are delivered with this. Pure.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace mmclaw::gateway {

// Mattermost's limit on a post's message, in characters.
inline constexpr std::size_t kMaxPostChars = 16383;

// Pieces of at most `limit` characters (clamped to 1..kMaxPostChars), trailing whitespace at each
// cut dropped; an empty or blank text gives one empty piece.
std::vector<std::string> split_for_posts(std::string_view text, std::size_t limit);

}  // namespace mmclaw::gateway

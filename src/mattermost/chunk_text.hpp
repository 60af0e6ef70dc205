#pragma once
// Reply text cut into posts (channel-behaviour §5.3), and Markdown tables rendered per
// `markdown.tables`. Pure. Lengths count characters (UTF-8 code points, as Mattermost's limit
// does); a cut never falls inside a UTF-8 sequence.
//
//   length   markdown-aware: prefer a paragraph break, then a line break, then whitespace; avoid
//            cutting inside parentheses when another cut is possible; never inside a word when
//            avoidable.
//   newline  one chunk per blank-line paragraph group (paragraphs packed while they fit),
//            falling back to length splitting for a paragraph longer than the limit.
// In both modes a code fence cut across chunks is closed at the end of one chunk (its own marker,
// e.g. "```" or "~~~~", on its own line) and re-opened with the same marker and info string at the
// start of the next, and every chunk, fence lines included, is at most min(limit, kMaxPostChars)
// characters. Fences are re-balanced only when the closing and re-opening lines take at most half
// of the limit (always from 64 on with a short info string); below that the text is cut as plain
// text. Trailing whitespace at a cut and leading blank lines of a chunk are dropped; the
// indentation of a chunk's first line is kept.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "config/snapshot.hpp"

namespace mmclaw::mattermost {

// Mattermost's limit on a post's message, in characters.
inline constexpr std::size_t kMaxPostChars = 16383;

struct ChunkOptions {
  std::size_t limit = 4000;  // textChunkLimit; clamped to 1..kMaxPostChars (fences re-balanced from ~64)
  config::ChunkMode mode = config::ChunkMode::length;
};

// The chunks of `text`, in order, none blank; a blank text gives no chunk. Outside re-opened
// fences, the chunks joined with the whitespace they were cut at give the text back.
std::vector<std::string> chunk_text(std::string_view text, const ChunkOptions& options);

// Markdown tables (a header row, a delimiter row, body rows) rewritten per `mode`:
//   off      untouched
//   bullets  each body row as a bullet list item "- **<header>**: <cell>; ..." (one line per row,
//            empty cells left out)
//   code     the table inside a ``` fence, pipes kept, columns aligned with spaces (per the
//            delimiter row's alignment; wide CJK characters count two columns)
//   block    the table inside a ``` fence, as written
// Tables inside code fences or block quotes are never touched. A table ends at the first line
// without a pipe.
std::string render_tables(std::string_view text, config::TablesMode mode);

}  // namespace mmclaw::mattermost

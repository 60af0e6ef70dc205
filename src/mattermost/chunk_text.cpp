#include "mattermost/chunk_text.hpp"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <utility>

#include "util/utf8.hpp"

namespace mmclaw::mattermost {

namespace {

// ---- Characters ---------------------------------------------------------------------------------

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// Bytes of the character at s[i]: a well-formed UTF-8 sequence, or a single byte of an ill-formed
// one. Mattermost (Go) counts each byte of an ill-formed sequence as one rune, so counting them one
// by one never undercounts.
std::size_t char_bytes(std::string_view s, std::size_t i) {
  const std::size_t n = util::utf8_step(s, i).length;
  return n > 0 ? n : 1;
}

std::size_t count_chars(std::string_view s) {
  std::size_t chars = 0;
  for (std::size_t i = 0; i < s.size(); i += char_bytes(s, i)) ++chars;
  return chars;
}

// The byte offset `chars` characters after `from` (or the end of the text).
std::size_t advance_chars(std::string_view s, std::size_t from, std::size_t chars) {
  std::size_t i = from;
  for (; i < s.size() && chars > 0; --chars) i += char_bytes(s, i);
  return i;
}

std::string_view rstrip(std::string_view s) {
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

std::string_view strip(std::string_view s) {
  s = rstrip(s);
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  return s;
}

// ---- Code fences --------------------------------------------------------------------------------
// CommonMark fences (``` or ~~~, three or more), except that any indentation is accepted: models
// indent fences inside list items by more than the three spaces CommonMark allows at top level, and
// a fence missed there would be cut without being re-balanced.

struct Fence {
  std::string marker;  // the fence characters as opened ("```", "~~~~"): what closes it
  std::string opener;  // the marker and the info string: the line that re-opens it
};

std::size_t run_length(std::string_view s, char c) {
  std::size_t n = 0;
  while (n < s.size() && s[n] == c) ++n;
  return n;
}

std::optional<Fence> parse_fence_open(std::string_view line) {
  line = strip(line);
  if (line.empty() || (line.front() != '`' && line.front() != '~')) return std::nullopt;
  const std::size_t n = run_length(line, line.front());
  if (n < 3) return std::nullopt;
  const std::string_view info = strip(line.substr(n));
  // A backtick fence's info string cannot contain a backtick (it would be inline code).
  if (line.front() == '`' && info.find('`') != std::string_view::npos) return std::nullopt;
  Fence fence;
  fence.marker = std::string(line.substr(0, n));
  fence.opener = fence.marker + std::string(info);
  return fence;
}

bool closes(std::string_view line, const Fence& fence) {
  line = strip(line);
  const std::size_t n = run_length(line, fence.marker.front());
  return n >= fence.marker.size() && n == line.size();
}

// The fence state of a post, line by line, as Mattermost's renderer sees it.
class FenceTracker {
 public:
  explicit FenceTracker(std::optional<Fence> open = std::nullopt) : open_(std::move(open)) {}

  void feed_line(std::string_view line) {
    if (open_) {
      if (closes(line, *open_)) open_.reset();
    } else {
      open_ = parse_fence_open(line);
    }
  }

  // Every line of `text`; a last line without a newline counts (it ends the post).
  void feed(std::string_view text) {
    for (std::size_t start = 0; start <= text.size();) {
      const std::size_t nl = std::min(text.find('\n', start), text.size());
      feed_line(text.substr(start, nl - start));
      start = nl + 1;
    }
  }

  const std::optional<Fence>& open() const { return open_; }

 private:
  std::optional<Fence> open_;
};

// ---- Chunking -----------------------------------------------------------------------------------

// Where a chunk may end: the separator at `pos` is dropped, the content is text[start, pos).
struct Candidate {
  enum class Tier { paragraph, line, space };
  std::size_t pos = 0;
  std::size_t chars_before = 0;  // characters of text[start, pos)
  Tier tier = Tier::space;
  bool discouraged = false;    // inside parentheses, or at the edge of a fence (an empty code block)
  bool outside_fence = false;  // no fence open in the post if it ended here
};

class Chunker {
 public:
  Chunker(std::string_view text, std::size_t limit, config::ChunkMode mode)
      : text_(text), text_end_(rstrip(text).size()), limit_(limit), mode_(mode) {}

  std::vector<std::string> run();

 private:
  // Fences are re-balanced only when the closing and re-opening lines take at most half of a post;
  // with an absurdly small limit (or a huge info string) the text is cut as plain text instead, so
  // that every chunk still fits and still makes progress.
  bool rebalances(const std::optional<Fence>& fence) const {
    return fence && count_chars(fence->opener) + fence->marker.size() + 2 <= limit_ / 2;
  }

  std::size_t skip_leading(std::size_t pos, bool after_cut) const;
  std::vector<Candidate> candidates(std::size_t start, std::size_t window_end,
                                    const std::optional<Fence>& fence) const;
  std::size_t pick_cut(std::size_t start, std::size_t window, const std::optional<Fence>& fence) const;

  std::string_view text_;
  std::size_t text_end_;  // the end of the text without its trailing whitespace
  std::size_t limit_;
  config::ChunkMode mode_;
};

// Leading blank lines of a chunk are dropped, and so is the whitespace at an in-line cut; the
// indentation of the first line is kept (it matters in code, and for indented code blocks).
std::size_t Chunker::skip_leading(std::size_t pos, bool after_cut) const {
  std::size_t j = pos;
  while (j < text_.size() && is_space(text_[j])) ++j;
  if (j == text_.size()) return j;
  const std::size_t nl = text_.substr(pos, j - pos).rfind('\n');
  if (nl != std::string_view::npos) return pos + nl + 1;
  return after_cut ? j : pos;
}

// The places where a chunk starting at `start` may end, up to and including `window_end` (the
// separator right after a full window still counts: the content before it fits).
std::vector<Candidate> Chunker::candidates(std::size_t start, std::size_t window_end,
                                           const std::optional<Fence>& fence) const {
  std::vector<Candidate> out;
  FenceTracker tracker(fence);
  std::size_t line_start = start;
  std::size_t chars = 0;
  std::size_t paren_depth = 0;
  bool seen_content = false;
  for (std::size_t i = start; i <= window_end && i < text_.size(); i += char_bytes(text_, i), ++chars) {
    const char c = text_[i];
    if (c == '\n') {
      const bool was_open = tracker.open().has_value();
      const std::string_view line = text_.substr(line_start, i - line_start);
      tracker.feed_line(line);
      line_start = i + 1;
      // Either side of a blank line is a paragraph break (the chunk is the same either way).
      std::size_t next = i + 1;
      while (next < text_.size() && text_[next] != '\n' && is_space(text_[next])) ++next;
      const bool paragraph = (next < text_.size() && text_[next] == '\n') || strip(line).empty();
      if (paragraph) paren_depth = 0;  // parentheses do not span paragraphs; an unclosed one ends here
      if (seen_content) {
        const std::size_t next_nl = std::min(text_.find('\n', i + 1), text_.size());
        // Cutting just after an opening fence line or just before a closing one posts an empty
        // code block; another cut is better.
        const bool fence_edge =
            (!was_open && tracker.open()) ||
            (tracker.open() && closes(text_.substr(i + 1, next_nl - i - 1), *tracker.open()));
        Candidate cand;
        cand.pos = i;
        cand.chars_before = chars;
        cand.tier = paragraph ? Candidate::Tier::paragraph : Candidate::Tier::line;
        cand.discouraged = fence_edge || paren_depth > 0;
        cand.outside_fence = !tracker.open().has_value();
        out.push_back(cand);
      }
    } else if (is_space(c)) {
      if (seen_content) {
        Candidate cand;
        cand.pos = i;
        cand.chars_before = chars;
        cand.tier = Candidate::Tier::space;
        cand.discouraged = paren_depth > 0;
        cand.outside_fence = !tracker.open().has_value();
        out.push_back(cand);
      }
    } else {
      seen_content = true;
      if (c == '(') ++paren_depth;
      if (c == ')' && paren_depth > 0) --paren_depth;
    }
  }
  return out;
}

// The end of the next chunk's content: at most `window` characters from `start`.
std::size_t Chunker::pick_cut(std::size_t start, std::size_t window,
                              const std::optional<Fence>& fence) const {
  const std::size_t window_end = advance_chars(text_, start, window);
  const std::vector<Candidate> cands = candidates(start, window_end, fence);
  const auto last = [&](auto&& accept) -> std::optional<std::size_t> {
    const auto it = std::find_if(cands.rbegin(), cands.rend(), accept);
    if (it == cands.rend()) return std::nullopt;
    return it->pos;
  };

  // newline: the last paragraph break outside a fence, wherever it is (paragraphs are packed
  // while they fit); a first paragraph longer than the window is cut like the length mode does.
  if (mode_ == config::ChunkMode::newline) {
    if (const auto pos = last(
            [](const Candidate& c) { return c.tier == Candidate::Tier::paragraph && c.outside_fence; })) {
      return *pos;
    }
  }

  // length: the best tier first, only in the second half of the window (a cut earlier would make
  // needlessly many posts), and a discouraged cut only when there is no other.
  using Tier = Candidate::Tier;
  for (const bool allow_discouraged : {false, true}) {
    for (const Tier tier : {Tier::paragraph, Tier::line, Tier::space}) {
      if (const auto pos = last([&](const Candidate& c) {
            return c.tier == tier && c.chars_before >= window / 2 && (allow_discouraged || !c.discouraged);
          })) {
        return *pos;
      }
    }
  }
  return window_end;  // no separator: a hard cut, at a character boundary
}

std::vector<std::string> Chunker::run() {
  std::vector<std::string> chunks;
  std::optional<Fence> open;  // the fence open where the previous chunk was cut
  std::size_t start = skip_leading(0, false);
  while (start < text_end_) {
    const std::optional<Fence> carried = rebalances(open) ? open : std::nullopt;
    const std::string prefix = carried ? carried->opener + "\n" : std::string();
    const std::size_t budget = limit_ - count_chars(prefix);

    // What is left fits: the last chunk (counted up to the budget only, so that a long text with
    // a small limit stays linear).
    if (advance_chars(text_, start, budget) >= text_end_) {
      chunks.push_back(prefix + std::string(text_.substr(start, text_end_ - start)));
      break;
    }

    // Find a cut whose content, and the closing line it may need, fit in the budget. A closing
    // line that does not fit shrinks the window, which strictly decreases, so this ends.
    std::size_t window = budget;
    std::size_t cut = start;
    std::string_view content;
    std::optional<Fence> ends_in;
    std::string suffix;
    while (true) {
      cut = pick_cut(start, window, carried);
      content = rstrip(text_.substr(start, cut - start));
      FenceTracker tracker(carried);
      tracker.feed(content);
      ends_in = tracker.open();
      suffix = rebalances(ends_in) ? "\n" + ends_in->marker : std::string();
      const std::size_t suffix_chars = count_chars(suffix);
      if (count_chars(content) + suffix_chars <= budget) break;
      if (suffix_chars >= budget) {  // cannot happen when rebalances() holds; never exceed the limit
        suffix.clear();
        break;
      }
      // content > budget - suffix_chars here, so the window shrinks and stays at least 1.
      window = std::min(window - 1, budget - suffix_chars);
    }

    if (!content.empty()) {
      chunks.push_back(prefix + std::string(content) + suffix);
      open = ends_in;
    }
    // A window of whitespace only (indentation inside a code block) is dropped as a cut's
    // whitespace; the fence state does not change.
    start = skip_leading(cut, true);
  }
  return chunks;
}

// ---- Tables -------------------------------------------------------------------------------------

struct Line {
  std::size_t begin = 0;
  std::size_t end = 0;  // excludes the newline
};

std::vector<Line> split_lines(std::string_view text) {
  std::vector<Line> lines;
  for (std::size_t start = 0; start <= text.size();) {
    const std::size_t nl = std::min(text.find('\n', start), text.size());
    lines.push_back(Line{start, nl});
    start = nl + 1;
  }
  return lines;
}

enum class Align { none, left, center, right };

struct Table {
  std::string indent;  // of the header row; every rendered line gets it (tables in list items)
  std::vector<std::string_view> raw_lines;
  std::vector<std::string> header;
  std::vector<Align> aligns;
  std::vector<std::vector<std::string>> rows;  // each exactly header.size() cells
};

bool has_unescaped_pipe(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\') {
      ++i;
    } else if (s[i] == '|') {
      return true;
    }
  }
  return false;
}

// GitHub's cell split: outer pipes optional, `\|` is a pipe inside a cell.
std::vector<std::string> split_cells(std::string_view row) {
  row = strip(row);
  if (row.starts_with('|')) row.remove_prefix(1);
  if (row.ends_with('|') && !row.ends_with("\\|")) row.remove_suffix(1);
  std::vector<std::string> cells;
  std::string cell;
  for (std::size_t i = 0; i < row.size(); ++i) {
    if (row[i] == '\\' && i + 1 < row.size()) {
      cell += row.substr(i, 2);
      ++i;
    } else if (row[i] == '|') {
      cells.emplace_back(strip(cell));
      cell.clear();
    } else {
      cell += row[i];
    }
  }
  cells.emplace_back(strip(cell));
  return cells;
}

// A delimiter row's alignments (`---`, `:--`, `--:`, `:-:` per cell), or nothing.
std::optional<std::vector<Align>> parse_delimiter_row(std::string_view line) {
  if (!has_unescaped_pipe(line)) return std::nullopt;  // a bare `---` is a rule or a heading
  std::vector<Align> aligns;
  for (const std::string& cell : split_cells(line)) {
    std::string_view c = cell;
    const bool left = c.starts_with(':');
    const bool right = c.ends_with(':');
    if (left) c.remove_prefix(1);
    if (right && !c.empty()) c.remove_suffix(1);
    if (c.empty() || run_length(c, '-') != c.size()) return std::nullopt;
    aligns.push_back(left && right ? Align::center : left ? Align::left : right ? Align::right : Align::none);
  }
  return aligns;
}

bool can_be_row(std::string_view line) {
  const std::string_view s = strip(line);
  return !s.empty() && s.front() != '>' && has_unescaped_pipe(s);
}

// The table whose header is lines[i], if there is one; `used` is the number of lines it spans.
std::optional<Table> parse_table(std::string_view text, const std::vector<Line>& lines, std::size_t i,
                                 std::size_t& used) {
  const auto line_at = [&](std::size_t k) {
    return text.substr(lines[k].begin, lines[k].end - lines[k].begin);
  };
  if (i + 1 >= lines.size() || !can_be_row(line_at(i))) return std::nullopt;
  auto aligns = parse_delimiter_row(line_at(i + 1));
  Table table;
  table.header = split_cells(line_at(i));
  if (!aligns || aligns->size() != table.header.size()) return std::nullopt;
  table.aligns = std::move(*aligns);
  const std::string_view header_line = line_at(i);
  table.indent = std::string(header_line.substr(0, header_line.find_first_not_of(" \t")));
  table.raw_lines = {line_at(i), line_at(i + 1)};
  std::size_t k = i + 2;
  for (; k < lines.size() && can_be_row(line_at(k)); ++k) {
    auto cells = split_cells(line_at(k));
    cells.resize(table.header.size());  // GitHub pads short rows and drops extra cells
    table.rows.push_back(std::move(cells));
    table.raw_lines.push_back(line_at(k));
  }
  used = k - i;
  return table;
}

// Columns in a monospace font: East Asian wide characters and most emoji take two, combining marks
// and joiners none. An approximation, good enough to line up a table in a code block.
std::size_t display_width(std::string_view s) {
  std::size_t width = 0;
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = char_bytes(s, i);
    std::uint32_t cp = static_cast<unsigned char>(s[i]);
    if (n > 1) {
      cp &= 0xFFu >> (n + 1);
      for (std::size_t k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3Fu);
    }
    i += n;
    const bool zero = (cp >= 0x300 && cp <= 0x36F) || (cp >= 0x200B && cp <= 0x200F) ||
                      (cp >= 0xFE00 && cp <= 0xFE0F) || (cp >= 0x1F3FB && cp <= 0x1F3FF);
    const bool wide = (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
                      (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
                      (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
                      (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1FAFF) ||
                      (cp >= 0x20000 && cp <= 0x3FFFD);
    width += zero ? 0 : wide ? 2 : 1;
  }
  return width;
}

// A backtick fence longer than any backtick run in the table, so that no cell can close it.
std::string code_fence_for(const Table& table) {
  std::size_t longest = 0;
  for (const std::string_view line : table.raw_lines) {
    for (std::size_t i = 0; i < line.size(); ++i) {
      const std::size_t n = run_length(line.substr(i), '`');
      longest = std::max(longest, n);
      i += n;
    }
  }
  return std::string(std::max<std::size_t>(3, longest + 1), '`');
}

std::string unescape_pipes(std::string_view cell) {
  std::string out;
  for (std::size_t i = 0; i < cell.size(); ++i) {
    if (cell[i] == '\\' && i + 1 < cell.size() && cell[i + 1] == '|') continue;
    out += cell[i];
  }
  return out;
}

std::string render_bullets(const Table& table) {
  const auto bullet = [&](const std::vector<std::string>& cells, bool header_only) {
    std::string item;
    for (std::size_t c = 0; c < cells.size(); ++c) {
      if (cells[c].empty()) continue;  // "**Age**: " says nothing
      if (!item.empty()) item += "; ";
      if (header_only) {
        item += "**" + cells[c] + "**";
      } else if (table.header[c].empty()) {
        item += cells[c];
      } else {
        item += "**" + table.header[c] + "**: " + cells[c];
      }
    }
    return item;
  };
  std::vector<std::string> items;
  for (const auto& row : table.rows) {
    std::string item = bullet(row, false);
    if (!item.empty()) items.push_back(std::move(item));
  }
  // A table without a (non-empty) body row still says what its columns are.
  if (items.empty()) items.push_back(bullet(table.header, true));
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out += '\n';
    out += table.indent + "- " + item;
  }
  return out;
}

std::string pad(std::string_view cell, std::size_t width, Align align) {
  const std::size_t gap = width - std::min(width, display_width(cell));
  const std::size_t left = align == Align::right ? gap : align == Align::center ? gap / 2 : 0;
  return std::string(left, ' ') + std::string(cell) + std::string(gap - left, ' ');
}

std::string render_code(const Table& table) {
  // grid[0] is the header. In a code block `\|` would show its backslash.
  std::vector<std::vector<std::string>> grid;
  grid.reserve(table.rows.size() + 1);
  const auto add_row = [&](const std::vector<std::string>& row) {
    auto& cells = grid.emplace_back();
    for (const auto& cell : row) cells.push_back(unescape_pipes(cell));
  };
  add_row(table.header);
  for (const auto& row : table.rows) add_row(row);
  std::vector<std::size_t> widths(table.header.size(), 3);
  for (const auto& cells : grid) {
    for (std::size_t c = 0; c < cells.size(); ++c) widths[c] = std::max(widths[c], display_width(cells[c]));
  }
  const auto render_row = [&](const std::vector<std::string>& cells) {
    std::string line = table.indent + "|";
    for (std::size_t c = 0; c < cells.size(); ++c)
      line += " " + pad(cells[c], widths[c], table.aligns[c]) + " |";
    return line;
  };
  std::string delimiter = table.indent + "|";
  for (std::size_t c = 0; c < widths.size(); ++c) {
    const Align a = table.aligns[c];
    const bool left = a == Align::left || a == Align::center;
    const bool right = a == Align::right || a == Align::center;
    delimiter += (left ? ":" : "-") + std::string(widths[c], '-') + (right ? ":" : "-") + "|";
  }
  const std::string fence = table.indent + code_fence_for(table);
  std::string out = fence + "\n" + render_row(grid.front()) + "\n" + delimiter;
  for (std::size_t r = 1; r < grid.size(); ++r) out += "\n" + render_row(grid[r]);
  return out + "\n" + fence;
}

std::string render_block(const Table& table) {
  const std::string fence = table.indent + code_fence_for(table);
  std::string out = fence;
  for (const std::string_view line : table.raw_lines) out += "\n" + std::string(line);
  return out + "\n" + fence;
}

std::string render_table(const Table& table, config::TablesMode mode) {
  switch (mode) {
    case config::TablesMode::bullets: return render_bullets(table);
    case config::TablesMode::code: return render_code(table);
    case config::TablesMode::block: return render_block(table);
    case config::TablesMode::off: break;
  }
  std::string out;
  for (const std::string_view line : table.raw_lines) out += std::string(line) + "\n";
  out.pop_back();
  return out;
}

}  // namespace

std::vector<std::string> chunk_text(std::string_view text, const ChunkOptions& options) {
  const std::size_t limit = std::clamp<std::size_t>(options.limit, 1, kMaxPostChars);
  return Chunker(text, limit, options.mode).run();
}

std::string render_tables(std::string_view text, config::TablesMode mode) {
  if (mode == config::TablesMode::off) return std::string(text);
  const std::vector<Line> lines = split_lines(text);
  std::string out;
  out.reserve(text.size());
  std::size_t copied = 0;  // text before this offset is in `out` already
  FenceTracker fences;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string_view line = text.substr(lines[i].begin, lines[i].end - lines[i].begin);
    std::size_t used = 0;
    if (!fences.open()) {
      if (auto table = parse_table(text, lines, i, used)) {
        out.append(text.substr(copied, lines[i].begin - copied));
        out += render_table(*table, mode);
        copied = lines[i + used - 1].end;  // the newline after the table is copied with what follows
        i += used - 1;
        continue;
      }
    }
    fences.feed_line(line);
  }
  out.append(text.substr(copied));
  return out;
}

}  // namespace mmclaw::mattermost

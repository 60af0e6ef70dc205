// Reply text cut into posts, and Markdown tables rendered (mattermost/chunk_text, §5.3).
#include "mattermost/chunk_text.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "util/utf8.hpp"

namespace mmclaw::mattermost {
namespace {

using Chunks = std::vector<std::string>;
using config::ChunkMode;
using config::TablesMode;

// ---- Helpers ------------------------------------------------------------------------------------

// Characters as Mattermost counts them (each byte of an ill-formed sequence counts as one).
std::size_t chars(std::string_view s) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size(); ++n) {
    const std::size_t step = util::utf8_step(s, i).length;
    i += step > 0 ? step : 1;
  }
  return n;
}

Chunks chunk(std::string_view text, std::size_t limit, ChunkMode mode = ChunkMode::length) {
  return chunk_text(text, ChunkOptions{.limit = limit, .mode = mode});
}

std::string without_whitespace(std::string_view s) {
  std::string out;
  for (const char c : s) {
    if (c != ' ' && c != '\n' && c != '\t' && c != '\r') out += c;
  }
  return out;
}

std::vector<std::string_view> lines_of(std::string_view s) {
  std::vector<std::string_view> lines;
  for (std::size_t start = 0; start <= s.size();) {
    const std::size_t nl = std::min(s.find('\n', start), s.size());
    lines.push_back(s.substr(start, nl - start));
    start = nl + 1;
  }
  return lines;
}

std::string_view strip(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::size_t fence_run(std::string_view line) {
  line = strip(line);
  if (line.empty() || (line.front() != '`' && line.front() != '~')) return 0;
  const std::size_t n = line.find_first_not_of(line.front());
  return std::min(n, line.size());
}

bool is_fence_line(std::string_view line) {
  return fence_run(line) >= 3;
}

bool is_bare_fence_line(std::string_view line) {
  return is_fence_line(line) && fence_run(line) == strip(line).size();
}

// An independent reading of a post's fences: for each line, whether it is code (inside a fence).
struct FenceReading {
  std::vector<bool> code;  // per line; fence lines themselves are not code
  bool open_at_end = false;
};

FenceReading read_fences(std::string_view post) {
  FenceReading reading;
  std::string marker;
  for (const std::string_view line : lines_of(post)) {
    const std::string_view s = strip(line);
    if (marker.empty()) {
      if (is_fence_line(line)) marker = std::string(s.substr(0, fence_run(line)));
      reading.code.push_back(false);
    } else if (is_bare_fence_line(line) && s.front() == marker.front() && s.size() >= marker.size()) {
      marker.clear();
      reading.code.push_back(false);
    } else {
      reading.code.push_back(true);
    }
  }
  reading.open_at_end = !marker.empty();
  return reading;
}

// The chunks with the fence lines that chunk_text added removed: a chunk that ends with a bare
// fence line followed by a chunk that starts with a fence line. (The generated texts never put two
// code blocks next to each other, so an original closing fence is always followed by prose.)
std::string rejoin(const Chunks& chunks) {
  Chunks pieces = chunks;
  for (std::size_t k = 1; k < chunks.size(); ++k) {
    const auto before = lines_of(chunks[k - 1]);
    const auto after = lines_of(chunks[k]);
    if (before.size() < 2 || after.size() < 2) continue;
    if (!is_bare_fence_line(before.back()) || !is_fence_line(after.front())) continue;
    pieces[k - 1].resize(pieces[k - 1].rfind('\n'));
    pieces[k].erase(0, pieces[k].find('\n') + 1);
  }
  std::string joined;
  for (const auto& piece : pieces) joined += piece + "\n";
  return joined;
}

bool is_subsequence(std::string_view needle, std::string_view hay) {
  std::size_t i = 0;
  for (const char c : hay) {
    if (i < needle.size() && needle[i] == c) ++i;
  }
  return i == needle.size();
}

// What holds for every text and limit: each chunk fits, is not blank, and is whole characters.
void expect_well_formed(const Chunks& chunks, std::size_t limit, bool valid_utf8_input = true) {
  const std::size_t effective = std::clamp<std::size_t>(limit, 1, kMaxPostChars);
  for (const auto& c : chunks) {
    ASSERT_LE(chars(c), effective) << c;
    ASSERT_FALSE(without_whitespace(c).empty());
    if (valid_utf8_input) {
      ASSERT_EQ(util::find_invalid_utf8(c), std::string_view::npos) << "a character was cut";
    }
  }
}

// A long Markdown answer: prose (with parentheses and line breaks), code blocks of every fence
// kind (some longer than a post), lists and tables. Code lines contain '=' and no 'w'; everything
// else contains no '='; two code blocks are always separated by prose.
std::string generate_answer(unsigned seed, std::size_t target_bytes) {
  std::mt19937 rng(seed);
  const auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  int counter = 0;
  const auto word = [&] { return "w" + std::to_string(counter++); };
  const std::vector<std::string> openers = {"```", "```cpp", "~~~", "~~~python", "````js title", "``` sh"};
  std::string out;
  bool last_was_code = true;  // so that the answer starts with prose
  while (out.size() < target_bytes) {
    if (!out.empty()) out += pick(0, 4) == 0 ? "\n\n\n" : "\n\n";
    const int kind = last_was_code ? 0 : pick(0, 5);
    last_was_code = kind == 3;
    if (kind <= 2) {
      const int sentences = pick(1, 14);
      for (int s = 0; s < sentences; ++s) {
        if (s > 0) out += pick(0, 5) == 0 ? "\n" : " ";
        const int words = pick(2, 16);
        for (int w = 0; w < words; ++w) {
          if (w > 0) out += ' ';
          if (pick(0, 12) == 0) {
            out += "(" + word() + " " + word() + " " + word() + ")";
          } else {
            out += word();
          }
        }
        out += '.';
      }
    } else if (kind == 3) {
      const std::string opener = openers[static_cast<std::size_t>(pick(0, 5))];
      const std::string marker = opener.substr(0, opener.find_first_not_of(opener.front()));
      out += opener + "\n";
      const int lines = pick(1, 140);
      for (int l = 0; l < lines; ++l) {
        if (l > 0 && pick(0, 9) == 0) out += "\n";  // a blank line inside the code
        const std::string v = "c" + std::to_string(counter++);
        out += std::string(static_cast<std::size_t>(pick(0, 3)) * 2, ' ') + v + " = f(" + v + ");\n";
      }
      out += marker;
    } else if (kind == 4) {
      const int items = pick(2, 9);
      for (int i = 0; i < items; ++i) out += (i > 0 ? "\n- " : "- ") + word() + " " + word();
    } else {
      out += "| " + word() + " | " + word() + " |\n|---|:--:|";
      const int rows = pick(1, 30);
      for (int r = 0; r < rows; ++r) out += "\n| " + word() + " | " + word() + " |";
    }
  }
  return out;
}

void expect_faithful(const std::string& text, const Chunks& chunks, std::size_t limit) {
  expect_well_formed(chunks, limit);
  // Every post renders its code as code and its prose as prose, and closes what it opens.
  for (const auto& c : chunks) {
    const auto lines = lines_of(c);
    const FenceReading reading = read_fences(c);
    EXPECT_FALSE(reading.open_at_end) << c;
    for (std::size_t l = 0; l < lines.size(); ++l) {
      if (reading.code[l]) {
        EXPECT_EQ(lines[l].find('w'), std::string_view::npos) << "prose inside a fence: " << lines[l];
      } else if (!is_fence_line(lines[l])) {
        EXPECT_EQ(lines[l].find('='), std::string_view::npos) << "code outside a fence: " << lines[l];
      }
    }
  }
  // Nothing lost, nothing reordered, nothing added but the fence lines.
  EXPECT_EQ(without_whitespace(rejoin(chunks)), without_whitespace(text));
}

// ---- chunk_text: basics -------------------------------------------------------------------------

TEST(ChunkText, ShortTextIsOneChunkAndBlankTextNone) {
  EXPECT_EQ(chunk("hello", 4000), Chunks{"hello"});
  EXPECT_EQ(chunk("\n\nhello world  \n", 4000), Chunks{"hello world"});
  EXPECT_EQ(chunk("", 4000), Chunks{});
  EXPECT_EQ(chunk(" \n\t\n ", 4000), Chunks{});
  EXPECT_EQ(chunk("", 4000, ChunkMode::newline), Chunks{});
  EXPECT_EQ(chunk("exactly10!", 10), Chunks{"exactly10!"});
}

TEST(ChunkText, PrefersParagraphsThenLinesThenSpaces) {
  EXPECT_EQ(chunk("aaaa bbbb\ncccc\n\ndddd eeee", 16), (Chunks{"aaaa bbbb\ncccc", "dddd eeee"}));
  EXPECT_EQ(chunk("aaaa bbbb\ncccc dddd eeee", 16), (Chunks{"aaaa bbbb", "cccc dddd eeee"}));
  EXPECT_EQ(chunk("aaaa bbbb cccc dddd", 12), (Chunks{"aaaa bbbb", "cccc dddd"}));
  // A separator right after a full window is a clean cut.
  EXPECT_EQ(chunk("aaaa bbbb cccc", 9), (Chunks{"aaaa bbbb", "cccc"}));
}

TEST(ChunkText, CutsOnlyInTheSecondHalfOfTheWindow) {
  // The paragraph break is too early to be worth a nearly empty post; the last space wins.
  EXPECT_EQ(chunk("aa\n\nbbbb cccc dddd eeee", 16), (Chunks{"aa\n\nbbbb cccc", "dddd eeee"}));
}

TEST(ChunkText, AvoidsCuttingInsideParentheses) {
  EXPECT_EQ(chunk("alpha beta (gamma delta) epsilon", 20),
            (Chunks{"alpha beta", "(gamma delta)", "epsilon"}));
  // When every cut is inside parentheses, one of them is taken.
  EXPECT_EQ(chunk("(aaaa bbbb cccc dddd)", 12), (Chunks{"(aaaa bbbb", "cccc dddd)"}));
  // A parenthesis left open in an earlier paragraph does not hold the next one hostage.
  EXPECT_EQ(chunk("a (b\n\ncccc dddd eeee ffff", 20), (Chunks{"a (b\n\ncccc dddd eeee", "ffff"}));
}

TEST(ChunkText, LongWordIsCutHard) {
  const std::string word(10000, 'x');
  EXPECT_EQ(chunk(word, 4000),
            (Chunks{std::string(4000, 'x'), std::string(4000, 'x'), std::string(2000, 'x')}));
  // A space only in the first half of the window is not worth a nearly empty post.
  const auto chunks = chunk("see " + std::string(250, 'y'), 100);
  ASSERT_EQ(chunks.size(), 3u);
  EXPECT_EQ(chunks[0], "see " + std::string(96, 'y'));
  expect_well_formed(chunks, 100);
}

TEST(ChunkText, DropsWhitespaceAtCutsAndKeepsIndentation) {
  EXPECT_EQ(chunk("aaaa   \n\n\n\n   bbbb", 8), (Chunks{"aaaa", "   bbbb"}));
  EXPECT_EQ(chunk("aaaa      bbbb", 6), (Chunks{"aaaa", "bbbb"}));
  EXPECT_EQ(chunk("aaaa\r\n\r\nbbbb", 6), (Chunks{"aaaa", "bbbb"}));
}

TEST(ChunkText, LimitIsClamped) {
  EXPECT_EQ(chunk("abc", 0), (Chunks{"a", "b", "c"}));
  std::string text;
  for (int i = 0; i < 8000; ++i) text += "word ";
  const auto chunks = chunk(text, 1'000'000);
  ASSERT_EQ(chunks.size(), 3u);
  expect_well_formed(chunks, kMaxPostChars);
  EXPECT_GT(chars(chunks[0]), kMaxPostChars - 10);
}

// ---- chunk_text: characters ---------------------------------------------------------------------

TEST(ChunkText, CountsCharactersNotBytes) {
  std::string emoji;
  for (int i = 0; i < 10; ++i) emoji += "😀";
  EXPECT_EQ(chunk(emoji, 4), (Chunks{"😀😀😀😀", "😀😀😀😀", "😀😀"}));
  EXPECT_EQ(chunk("日本語のテキスト", 8), Chunks{"日本語のテキスト"});
}

TEST(ChunkText, CjkAndEmojiTextsAreNeverCutInsideACharacter) {
  std::mt19937 rng(7);
  const std::vector<std::string> pieces = {"日本",     "語", "中文字", "한국어", "。", "😀",
                                           "👍🏽", "🚀",  "é",      "\n",     " ",  "\n\n"};
  std::string text;
  while (text.size() < 60000)
    text += pieces[std::uniform_int_distribution<std::size_t>(0, pieces.size() - 1)(rng)];
  for (const auto mode : {ChunkMode::length, ChunkMode::newline}) {
    for (const std::size_t limit : {1u, 2u, 3u, 7u, 100u, 4000u}) {
      const auto chunks = chunk(text, limit, mode);
      expect_well_formed(chunks, limit);
      std::string joined;
      for (const auto& c : chunks) joined += c;
      EXPECT_EQ(without_whitespace(joined), without_whitespace(text)) << "limit " << limit;
    }
  }
  // Text without any separator: hard cuts at character boundaries, each chunk full.
  std::string cjk;
  for (int i = 0; i < 1000; ++i) cjk += i % 3 == 0 ? "😀" : "漢";
  const auto chunks = chunk(cjk, 300);
  ASSERT_EQ(chunks.size(), 4u);
  for (std::size_t k = 0; k < 3; ++k) EXPECT_EQ(chars(chunks[k]), 300u);
  expect_well_formed(chunks, 300);
}

TEST(ChunkText, IllFormedBytesAreKeptAndCountedOneEach) {
  const std::string text =
      "ab\xff\xfe"
      "cd\xe6\x97 ef\x80gh";
  for (const std::size_t limit : {1u, 2u, 3u, 5u}) {
    const auto chunks = chunk(text, limit);
    expect_well_formed(chunks, limit, false);
    std::string joined;
    for (const auto& c : chunks) joined += c;
    EXPECT_EQ(without_whitespace(joined), without_whitespace(text));
  }
}

// ---- chunk_text: code fences --------------------------------------------------------------------

std::string numbered_lines(int from, int to) {
  std::string out;
  for (int i = from; i <= to; ++i) out += "line" + std::string(i < 10 ? "0" : "") + std::to_string(i) + "\n";
  return out;
}

TEST(ChunkText, FenceCutIsClosedAndReopenedWithItsInfoString) {
  const std::string text = "```py\n" + numbered_lines(1, 10) + "```";
  const Chunks expected = {
      "```py\nline01\nline02\nline03\n```",
      "```py\nline04\nline05\nline06\n```",
      "```py\nline07\nline08\nline09\n```",
      "```py\nline10\n```",
  };
  EXPECT_EQ(chunk(text, 30), expected);
  EXPECT_EQ(chunk(text, 30, ChunkMode::newline), expected);
}

TEST(ChunkText, FenceMarkerIsReusedAsOpened) {
  const std::string text = "~~~~ js\n" + numbered_lines(1, 6) + "~~~~\n\nafter";
  const auto chunks = chunk(text, 34);
  ASSERT_EQ(chunks.size(), 3u);
  EXPECT_EQ(chunks[0], "~~~~ js\nline01\nline02\nline03\n~~~~");
  EXPECT_EQ(chunks[1], "~~~~js\nline04\nline05\nline06\n~~~~");
  EXPECT_EQ(chunks[2], "after");
}

TEST(ChunkText, IndentationInsideCodeIsKeptAcrossACut) {
  const std::string text = "```\nif (x) {\n    call(1);\n    call(2);\n    call(3);\n}\n```";
  EXPECT_EQ(chunk(text, 34), (Chunks{"```\nif (x) {\n    call(1);\n```",
                                     "```\n    call(2);\n    call(3);\n```", "```\n}\n```"}));
}

TEST(ChunkText, DoesNotPostAnEmptyCodeBlock) {
  // Cutting just after the opening line would post "aaaa bbbb\n```\n```"; the line before it is
  // the better cut.
  EXPECT_EQ(chunk("aaaa bbbb\n```\ncccccccccccccccccccc\n```", 18),
            (Chunks{"aaaa bbbb", "```\ncccccccccc\n```", "```\ncccccccccc\n```"}));
  // Cutting just before the closing line would post "```\n`````" next.
  EXPECT_EQ(chunk("```\naaaa\nbbbb\ncc\n`````\n\nafter", 21),
            (Chunks{"```\naaaa\nbbbb\n```", "```\ncc\n`````\n\nafter"}));
}

TEST(ChunkText, UnclosedFenceIsLeftOpenAtTheEnd) {
  const std::string text = "```\n" + numbered_lines(1, 5);
  const auto chunks = chunk(text, 24);
  ASSERT_EQ(chunks.size(), 2u);
  EXPECT_EQ(chunks[0], "```\nline01\nline02\n```");
  EXPECT_EQ(chunks[1], "```\nline03\nline04\nline05");
}

TEST(ChunkText, AbsurdlySmallLimitsNeverExceedTheLimit) {
  const std::string text = generate_answer(3, 3000);
  for (std::size_t limit = 1; limit <= 40; ++limit) {
    for (const auto mode : {ChunkMode::length, ChunkMode::newline}) {
      const auto chunks = chunk(text, limit, mode);
      expect_well_formed(chunks, limit);
      std::string joined;
      for (const auto& c : chunks) joined += c + "\n";
      // Only fence lines may have been added.
      EXPECT_TRUE(is_subsequence(without_whitespace(text), without_whitespace(joined))) << limit;
    }
  }
}

// ---- chunk_text: newline mode -------------------------------------------------------------------

TEST(ChunkText, NewlineModePacksParagraphsWhileTheyFit) {
  const std::string text = "aaaa\n\ncccc dddd eeee ffff";
  EXPECT_EQ(chunk(text, 20, ChunkMode::newline), (Chunks{"aaaa", "cccc dddd eeee ffff"}));
  EXPECT_EQ(chunk(text, 20, ChunkMode::length), (Chunks{"aaaa\n\ncccc dddd eeee", "ffff"}));
  EXPECT_EQ(chunk("aaa\n\nbbb\n\nccc", 8, ChunkMode::newline), (Chunks{"aaa\n\nbbb", "ccc"}));
  EXPECT_EQ(chunk("aaa\n\nbbb\n\nccc", 7, ChunkMode::newline), (Chunks{"aaa", "bbb", "ccc"}));
  EXPECT_EQ(chunk("aaa\n\nbbb\n\nccc", 100, ChunkMode::newline), (Chunks{"aaa\n\nbbb\n\nccc"}));
}

TEST(ChunkText, NewlineModeSplitsAnOversizedParagraphByLength) {
  // The tail of the long paragraph is packed with the next one.
  EXPECT_EQ(chunk("aaaa bbbb cccc\n\ndd", 12, ChunkMode::newline), (Chunks{"aaaa bbbb", "cccc\n\ndd"}));
}

TEST(ChunkText, NewlineModeKeepsACodeBlockWithBlankLinesTogether) {
  const std::string text = "Intro\n\n```\na\n\nb\n```\n\nEnd";
  EXPECT_EQ(chunk(text, 16, ChunkMode::newline), (Chunks{"Intro", "```\na\n\nb\n```", "End"}));
  // The length mode cuts at the blank line inside the code instead, and re-balances the fence.
  EXPECT_EQ(chunk(text, 16, ChunkMode::length), (Chunks{"Intro\n\n```\na\n```", "```\nb\n```\n\nEnd"}));
}

// ---- chunk_text: long answers (field report 8) --------------------------------------------------

TEST(ChunkText, LongAnswersWithCodeBlocksSplitFaithfully) {
  for (unsigned seed = 1; seed <= 6; ++seed) {
    const std::string text = generate_answer(seed, 50000);
    for (const auto mode : {ChunkMode::length, ChunkMode::newline}) {
      for (const std::size_t limit : {64u, 150u, 1000u, 4000u, 16383u}) {
        SCOPED_TRACE("seed " + std::to_string(seed) + " limit " + std::to_string(limit) +
                     (mode == ChunkMode::length ? " length" : " newline"));
        const auto chunks = chunk(text, limit, mode);
        ASSERT_GE(chunks.size(), 50000 / limit);
        expect_faithful(text, chunks, limit);
        if (mode == ChunkMode::length && limit >= 150) {
          // Cuts fall in the second half of the window: no needlessly small posts.
          for (std::size_t k = 0; k + 1 < chunks.size(); ++k) EXPECT_GE(chars(chunks[k]), limit / 4);
        }
      }
    }
  }
}

TEST(ChunkText, ParagraphBreaksArePreferredInALongAnswer) {
  // Paragraphs of about 600 characters and a limit of 4000: every cut is at a paragraph break, so
  // every chunk is a run of whole paragraphs.
  std::string text;
  std::vector<std::string> paragraphs;
  for (int p = 0; p < 80; ++p) {
    std::string para;
    for (int w = 0; w < 100; ++w) para += (w > 0 ? " w" : "w") + std::to_string(p * 1000 + w);
    paragraphs.push_back(para);
    text += (p > 0 ? "\n\n" : "") + para;
  }
  const auto chunks = chunk(text, 4000);
  ASSERT_GT(chunks.size(), 10u);
  std::size_t next = 0;
  for (const auto& c : chunks) {
    for (std::size_t at = 0; at <= c.size();) {
      const std::size_t end = std::min(c.find("\n\n", at), c.size());
      ASSERT_LT(next, paragraphs.size());
      EXPECT_EQ(c.substr(at, end - at), paragraphs[next++]);
      at = end + 2;
    }
  }
  EXPECT_EQ(next, paragraphs.size());
}

TEST(ChunkText, TableRowsStayWhole) {
  std::string text = "| name | value |\n|---|---|";
  for (int r = 0; r < 200; ++r)
    text += "\n| row" + std::to_string(r) + " | some value " + std::to_string(r) + " |";
  for (const auto mode : {ChunkMode::length, ChunkMode::newline}) {
    const auto chunks = chunk(text, 500, mode);
    ASSERT_GT(chunks.size(), 1u);
    expect_well_formed(chunks, 500);
    for (const auto& c : chunks) {
      for (const auto line : lines_of(c)) {
        EXPECT_TRUE(line.starts_with("|") && line.ends_with("|")) << line;
      }
    }
  }
}

// ---- render_tables ------------------------------------------------------------------------------

constexpr std::string_view kTable =
    "Intro:\n"
    "| Name | Age |\n"
    "|---|--:|\n"
    "| Bob | 30 |\n"
    "| Ann |  |\n"
    "\n"
    "Outro.";

TEST(RenderTables, OffLeavesTheTextUntouched) {
  EXPECT_EQ(render_tables(kTable, TablesMode::off), kTable);
}

TEST(RenderTables, BulletsListEachRowWithItsHeaders) {
  EXPECT_EQ(render_tables(kTable, TablesMode::bullets),
            "Intro:\n"
            "- **Name**: Bob; **Age**: 30\n"
            "- **Name**: Ann\n"
            "\n"
            "Outro.");
  // A table without body rows still names its columns.
  EXPECT_EQ(render_tables("| a | b |\n| - | - |", TablesMode::bullets), "- **a**; **b**");
}

TEST(RenderTables, CodeAlignsTheColumnsInAFence) {
  EXPECT_EQ(render_tables(kTable, TablesMode::code),
            "Intro:\n"
            "```\n"
            "| Name | Age |\n"
            "|------|----:|\n"
            "| Bob  |  30 |\n"
            "| Ann  |     |\n"
            "```\n"
            "\n"
            "Outro.");
  EXPECT_EQ(render_tables("|名前|x|\n|:-:|:--|\n|a|bb|", TablesMode::code),
            "```\n"
            "| 名前 | x   |\n"
            "|:----:|:----|\n"
            "|  a   | bb  |\n"
            "```");
}

TEST(RenderTables, BlockFencesTheTableAsWritten) {
  EXPECT_EQ(render_tables(kTable, TablesMode::block),
            "Intro:\n"
            "```\n"
            "| Name | Age |\n"
            "|---|--:|\n"
            "| Bob | 30 |\n"
            "| Ann |  |\n"
            "```\n"
            "\n"
            "Outro.");
}

TEST(RenderTables, TablesInsideCodeFencesAreNeverTouched) {
  const std::string text = "```\n| a | b |\n|---|---|\n| 1 | 2 |\n```\n~~~\n| a | b |\n|---|---|\n~~~";
  for (const auto mode : {TablesMode::bullets, TablesMode::code, TablesMode::block}) {
    EXPECT_EQ(render_tables(text, mode), text);
  }
}

TEST(RenderTables, WhatIsNotATableIsUntouched) {
  for (const std::string_view text : {
           std::string_view("a | b\nnot a delimiter"),
           std::string_view("Title\n---"),
           std::string_view("| a | b |\n|---|---|---|\n| 1 | 2 | 3 |"),  // column counts differ
           std::string_view("> | a | b |\n> |---|---|"),                 // in a quote
           std::string_view("no tables here\n\njust text"),
           std::string_view(""),
       }) {
    for (const auto mode : {TablesMode::bullets, TablesMode::code, TablesMode::block}) {
      EXPECT_EQ(render_tables(text, mode), text);
    }
  }
}

TEST(RenderTables, RowsWithoutOuterPipesShortRowsAndEscapedPipes) {
  EXPECT_EQ(render_tables("a | b\n--- | ---\n1 | 2\n3", TablesMode::bullets),
            "- **a**: 1; **b**: 2\n3");  // a line without a pipe ends the table
  EXPECT_EQ(render_tables("| a | b |\n|---|---|\n| x \\| y |", TablesMode::bullets), "- **a**: x \\| y");
  EXPECT_EQ(render_tables("| a | b |\n|---|---|\n| x \\| y | z | extra |", TablesMode::code),
            "```\n| a     | b   |\n|-------|-----|\n| x | y | z   |\n```");
}

TEST(RenderTables, SeveralTablesAndIndentedOnes) {
  const std::string text = "- item\n  | k | v |\n  |---|---|\n  | 1 | 2 |\n\n| p |\n|---|\n| q |\n";
  EXPECT_EQ(render_tables(text, TablesMode::bullets), "- item\n  - **k**: 1; **v**: 2\n\n- **p**: q\n");
  EXPECT_EQ(render_tables(text, TablesMode::block),
            "- item\n  ```\n  | k | v |\n  |---|---|\n  | 1 | 2 |\n  ```\n\n```\n| p |\n|---|\n| q |\n```\n");
}

TEST(RenderTables, FenceIsLongerThanAnyBacktickRunInTheTable) {
  EXPECT_EQ(render_tables("| a |\n|---|\n| ```x``` |", TablesMode::block),
            "````\n| a |\n|---|\n| ```x``` |\n````");
}

TEST(RenderTables, RenderedTablesChunkCleanly) {
  std::string text = "Results:\n\n| id | name |\n|---|---|";
  for (int r = 0; r < 300; ++r) text += "\n| " + std::to_string(r) + " | item " + std::to_string(r) + " |";
  const auto chunks = chunk(render_tables(text, TablesMode::code), 1000);
  ASSERT_GT(chunks.size(), 3u);
  expect_well_formed(chunks, 1000);
  for (const auto& c : chunks) EXPECT_FALSE(read_fences(c).open_at_end) << c;
  EXPECT_TRUE(chunks[1].starts_with("```\n|"));
}

}  // namespace
}  // namespace mmclaw::mattermost

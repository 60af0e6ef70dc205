// Answers cut into posts (gateway/post_split).
#include "gateway/post_split.hpp"

#include <gtest/gtest.h>

#include <string>

namespace mmclaw::gateway {
namespace {

std::size_t chars(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

TEST(PostSplit, ShortTextIsOnePiece) {
  EXPECT_EQ(split_for_posts("hello", 4000), std::vector<std::string>{"hello"});
  EXPECT_EQ(split_for_posts("", 4000), std::vector<std::string>{""});
}

TEST(PostSplit, PrefersParagraphsThenLinesThenSpaces) {
  EXPECT_EQ(split_for_posts("aaaa bbbb\n\ncccc dddd", 12), (std::vector<std::string>{"aaaa bbbb", "cccc dddd"}));
  EXPECT_EQ(split_for_posts("aaaa bbbb\ncccc dddd", 12), (std::vector<std::string>{"aaaa bbbb", "cccc dddd"}));
  EXPECT_EQ(split_for_posts("aaaa bbbb cccc dddd", 12), (std::vector<std::string>{"aaaa bbbb", "cccc dddd"}));
  EXPECT_EQ(split_for_posts("abcdefghij", 4), (std::vector<std::string>{"abcd", "efgh", "ij"}));
}

TEST(PostSplit, NeverCutsACharacterAndNeverExceedsTheLimit) {
  std::string text;
  for (int i = 0; i < 3000; ++i) text += (i % 7 == 0) ? "é " : "日本";
  for (std::size_t limit : {1u, 5u, 100u, 4000u, 50000u}) {
    const auto pieces = split_for_posts(text, limit);
    std::string joined;
    for (const auto& piece : pieces) {
      EXPECT_LE(chars(piece), std::min<std::size_t>(limit, kMaxPostChars));
      EXPECT_FALSE(!piece.empty() && (static_cast<unsigned char>(piece.front()) & 0xC0) == 0x80) << "cut mid-character";
      joined += piece;
    }
    std::erase(joined, ' ');
    std::string expected = text;
    std::erase(expected, ' ');
    EXPECT_EQ(joined, expected) << "nothing but the blanks at the cuts is dropped (limit " << limit << ")";
  }
}

TEST(PostSplit, ALongAnswerArrivesCompleteInOrder) {
  std::string text;
  for (int i = 0; i < 5000; ++i) text += "word" + std::to_string(i) + (i % 50 == 49 ? "\n\n" : " ");
  const auto pieces = split_for_posts(text, 4000);
  EXPECT_GT(pieces.size(), 5u);
  std::string joined;
  for (const auto& piece : pieces) joined += piece + " ";
  for (int i = 0; i < 5000; i += 499)
    EXPECT_NE(joined.find("word" + std::to_string(i) + " "), std::string::npos) << i;
  EXPECT_LT(joined.find("word100 "), joined.find("word4000 "));
}

}  // namespace
}  // namespace mmclaw::gateway

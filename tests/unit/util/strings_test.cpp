#include "util/strings.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace mmclaw::util;

TEST(Strings, TrimRemovesAsciiWhitespaceAtBothEnds) {
  EXPECT_EQ(trim("  a b \t\r\n"), "a b");
  EXPECT_EQ(trim(""), "");
  EXPECT_EQ(trim(" \t "), "");
}

TEST(Strings, CaseHelpersAreAsciiOnly) {
  EXPECT_EQ(to_lower("DmPolicy-ÄB"), "dmpolicy-Äb");
  EXPECT_TRUE(iequals("ChatMode", "chatmode"));
  EXPECT_FALSE(iequals("chatmode", "chatmodes"));
  EXPECT_TRUE(starts_with_icase("Bearer abc", "bearer "));
  EXPECT_FALSE(starts_with_icase("Bea", "bearer"));
}

TEST(Strings, SplitKeepsEmptyParts) {
  EXPECT_EQ(split("a/b//c", '/'), (std::vector<std::string_view>{"a", "b", "", "c"}));
  EXPECT_EQ(split("", '/'), (std::vector<std::string_view>{""}));
  const std::vector<std::string> parts{"x", "y"};
  EXPECT_EQ(join(parts, ", "), "x, y");
}

TEST(Strings, EditDistanceCountsAdjacentSwapsAsOneEdit) {
  EXPECT_EQ(edit_distance("port", "port"), 0u);
  EXPECT_EQ(edit_distance("prot", "port"), 1u);
  EXPECT_EQ(edit_distance("opne", "open"), 1u);
  EXPECT_EQ(edit_distance("chatmod", "chatmode"), 1u);
  EXPECT_EQ(edit_distance("DMPOLICY", "dmPolicy"), 0u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
}

TEST(Strings, ClosestMatchOnlySuggestsLikelyTypos) {
  const std::vector<std::string> keys{"groupPolicy", "groupAllowFrom", "dmPolicy", "port"};
  EXPECT_EQ(closest_match("grouppolicy", keys), "groupPolicy");
  EXPECT_EQ(closest_match("groupPolcy", keys), "groupPolicy");
  EXPECT_EQ(closest_match("prot", keys), "port");
  EXPECT_EQ(closest_match("streaming", keys), std::nullopt);
  EXPECT_EQ(closest_match("x", keys), std::nullopt);
}

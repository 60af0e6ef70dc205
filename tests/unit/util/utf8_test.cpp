// util/utf8: well-formed sequences (Unicode table 3-7), maximal invalid subparts, truncation.
#include "util/utf8.hpp"

#include <gtest/gtest.h>

namespace mmclaw::util {
namespace {

TEST(Utf8, StepsOverWellFormedSequences) {
  EXPECT_EQ(utf8_step("a", 0).length, 1u);
  EXPECT_EQ(utf8_step("\xC3\xA9", 0).length, 2u);          // é
  EXPECT_EQ(utf8_step("\xE6\x97\xA5", 0).length, 3u);      // 日
  EXPECT_EQ(utf8_step("\xF0\x9F\x91\x8D", 0).length, 4u);  // 👍
}

TEST(Utf8, RefusesOverlongsSurrogatesAndTooLarge) {
  for (std::string_view bad : {"\xC0\x80", "\xE0\x80\x80", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xF5\x80", "\x80"}) {
    const auto step = utf8_step(bad, 0);
    EXPECT_EQ(step.length, 0u) << bad.size();
    EXPECT_EQ(step.invalid, 1u) << "the lead byte alone is the maximal subpart";
    EXPECT_FALSE(step.truncated);
  }
}

TEST(Utf8, ATextEndingInsideASequenceIsTruncated) {
  const auto step = utf8_step("\xE6\x97", 0);
  EXPECT_EQ(step.length, 0u);
  EXPECT_EQ(step.invalid, 2u);
  EXPECT_TRUE(step.truncated);
  EXPECT_FALSE(utf8_step("\xE6\x41", 0).truncated);
}

TEST(Utf8, ReplacesEachMaximalSubpartOnce) {
  EXPECT_EQ(to_valid_utf8("ok"), "ok");
  EXPECT_EQ(to_valid_utf8("a\xE6\x97" "b"), "a\xEF\xBF\xBD" "b");
  EXPECT_EQ(to_valid_utf8("\xF0\x9F\x91"), "\xEF\xBF\xBD");
  EXPECT_EQ(to_valid_utf8("\x80\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(find_invalid_utf8("ab\xC3\xA9\xFF"), 4u);
  EXPECT_EQ(find_invalid_utf8("ab\xC3\xA9"), std::string_view::npos);
}

}  // namespace
}  // namespace mmclaw::util

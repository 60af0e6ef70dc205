// Reasoning suppression (gateway/reply_rules, channel-behaviour §5.6).
#include "gateway/reply_rules.hpp"

#include <gtest/gtest.h>

#include <string>

namespace mmclaw::gateway {
namespace {

TEST(ReplyRules, ReasoningPrefixIsReasoning) {
  EXPECT_TRUE(is_reasoning_text("Reasoning: x"));
  EXPECT_TRUE(is_reasoning_text("reasoning:"));
  EXPECT_TRUE(is_reasoning_text("REASONING:\n_the user wants a list_"));
  EXPECT_TRUE(is_reasoning_text("  \n\tReasoning: padded"));
}

TEST(ReplyRules, QuoteMarkersAndTheirWhitespaceAreStripped) {
  EXPECT_TRUE(is_reasoning_text("  > > reasoning: x"));
  EXPECT_TRUE(is_reasoning_text(">reasoning: x"));
  EXPECT_TRUE(is_reasoning_text(">>> Reasoning: x"));
  EXPECT_TRUE(is_reasoning_text("> \n> Thinking... _x_"));
}

TEST(ReplyRules, ThinkingWithUpToThreeDotsThenItalicIsReasoning) {
  EXPECT_TRUE(is_reasoning_text("Thinking_..."));
  EXPECT_TRUE(is_reasoning_text("thinking... _x_"));
  EXPECT_TRUE(is_reasoning_text("Thinking. _x_"));
  EXPECT_TRUE(is_reasoning_text("Thinking.._x_"));
  EXPECT_TRUE(is_reasoning_text("THINKING\n\n_weighing the options_"));
  EXPECT_TRUE(is_reasoning_text("Thinking > _x_"));  // whitespace and `>` both allowed before `_`
  EXPECT_TRUE(is_reasoning_text("Thinking...\n> _x_"));
}

TEST(ReplyRules, ThinkingWithoutTheItalicBlockIsSent) {
  EXPECT_FALSE(is_reasoning_text("Thinking"));
  EXPECT_FALSE(is_reasoning_text("Thinking..."));
  // U+2026 is not one of the spec's dots, and there is no italic block either.
  EXPECT_FALSE(is_reasoning_text("Thinking…"));
  EXPECT_FALSE(is_reasoning_text("Thinking… _x_"));
  EXPECT_FALSE(is_reasoning_text("Thinking.... _x_"));  // four dots
  EXPECT_FALSE(is_reasoning_text("Thinking about it, yes"));
  EXPECT_FALSE(is_reasoning_text("Thinkingly _x_"));
  EXPECT_FALSE(is_reasoning_text("Thinking: _x_"));
}

TEST(ReplyRules, ReasoningLaterInTheTextIsSent) {
  EXPECT_FALSE(is_reasoning_text("Here is my reasoning: it follows."));
  EXPECT_FALSE(is_reasoning_text("Answer: 42\n\nReasoning: arithmetic"));
  EXPECT_FALSE(is_reasoning_text("Reasoning : with a space before the colon"));
  EXPECT_FALSE(is_reasoning_text("Reasoning"));
  EXPECT_FALSE(is_reasoning_text("- Reasoning: in a list item"));
  EXPECT_FALSE(is_reasoning_text("_Thinking... _x_"));
}

TEST(ReplyRules, BlankTextIsNotReasoning) {
  EXPECT_FALSE(is_reasoning_text(""));
  EXPECT_FALSE(is_reasoning_text("   \n"));
  EXPECT_FALSE(is_reasoning_text("> >"));
}

TEST(ReplyRules, LongWhitespaceBeforeTheItalicIsStillReasoning) {
  EXPECT_TRUE(is_reasoning_text("Thinking..." + std::string(200, ' ') + "_x_"));
}

}  // namespace
}  // namespace mmclaw::gateway

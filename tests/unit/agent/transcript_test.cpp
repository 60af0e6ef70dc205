// Token estimates, transcript conversions, trimming to the context budget (issue 6, agent/transcript).
#include "agent/transcript.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mmclaw::agent {
namespace {

ChatMessage user(std::string text) {
  ChatMessage message;
  message.role = Role::user;
  message.text = std::move(text);
  return message;
}

ChatMessage assistant(std::string text) {
  ChatMessage message;
  message.role = Role::assistant;
  message.text = std::move(text);
  return message;
}

ChatMessage assistant_calling(std::vector<std::string> ids) {
  ChatMessage message;
  message.role = Role::assistant;
  for (auto& id : ids) message.tool_calls.push_back(ToolCall{id, "message", R"({"action":"react"})"});
  return message;
}

ChatMessage tool_result(std::string id, std::string text) {
  ChatMessage message;
  message.role = Role::tool;
  message.tool_call_id = std::move(id);
  message.tool_name = "message";
  message.text = std::move(text);
  return message;
}

int sum_tokens(const std::vector<ChatMessage>& messages) {
  int total = 0;
  for (const ChatMessage& message : messages) total += approx_tokens(message);
  return total;
}

bool is_valid_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    std::size_t length = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC2 ? 2 : 0;
    if (length == 0 || i + length > text.size()) return false;
    for (std::size_t k = 1; k < length; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return false;
    }
    i += length;
  }
  return true;
}

// ---- The token heuristic ----

TEST(TranscriptTokens, AsciiIsAboutFourBytesPerTokenRoundedUp) {
  EXPECT_EQ(approx_tokens(std::string_view{}), 0);
  EXPECT_EQ(approx_tokens("a"), 1);
  EXPECT_EQ(approx_tokens("abcd"), 1);
  EXPECT_EQ(approx_tokens("abcde"), 2);
  EXPECT_EQ(approx_tokens("Hello, world!"), 4);  // 13 bytes
  EXPECT_EQ(approx_tokens(std::string(400, 'x')), 100);
  EXPECT_EQ(approx_tokens(R"({"action":"react","emoji":"thumbsup"})"), 10);  // 37 bytes
}

TEST(TranscriptTokens, OtherAlphabetsCountByTheirUtf8Bytes) {
  EXPECT_EQ(approx_tokens("h\u00e9llo"), 2);                            // 6 bytes
  EXPECT_EQ(approx_tokens("\u043f\u0440\u0438\u0432\u0435\u0442"), 3);  // "привет": 12 bytes
  EXPECT_EQ(approx_tokens("\U0001F600"), 1);                            // an emoji: 4 bytes
}

TEST(TranscriptTokens, CjkCountsAWholeTokenPerCharacter) {
  EXPECT_EQ(approx_tokens("\u4f60\u597d"), 2);  // 你好
  // 日本語のテキスト: ideographs, hiragana and katakana, 8 characters.
  EXPECT_EQ(approx_tokens("\u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8"), 8);
  EXPECT_EQ(approx_tokens("\ud55c\uad6d\uc5b4"), 3);  // 한국어
  // Mixed: "Hi 你好" = 3 ASCII bytes + 2 CJK characters = (3 + 8) / 4 rounded up.
  EXPECT_EQ(approx_tokens("Hi \u4f60\u597d"), 3);
  // Heavier than the same number of bytes of ASCII.
  std::string cjk;
  for (int i = 0; i < 100; ++i) cjk += "\u4f60";
  EXPECT_EQ(approx_tokens(cjk), 100);
  EXPECT_EQ(approx_tokens(std::string(cjk.size(), 'x')), 75);
}

TEST(TranscriptTokens, InvalidUtf8CountsByBytes) {
  EXPECT_EQ(approx_tokens("\xff\xfe"), 1);
  EXPECT_EQ(approx_tokens("\xe4\xbd"), 1);          // a CJK character cut short
  EXPECT_EQ(approx_tokens("\xe4\xbd\xa0\xe4"), 2);  // 你 + a stray lead byte: (3 + 1 + 1) / 4
}

TEST(TranscriptTokens, AMessageAddsItsOverheadToolCallsAndImages) {
  EXPECT_EQ(approx_tokens(user("abcd")), kMessageOverheadTokens + 1);
  EXPECT_EQ(approx_tokens(user("")), kMessageOverheadTokens);

  ChatMessage call;
  call.role = Role::assistant;
  call.tool_calls.push_back(ToolCall{"c1", "send", "{}"});
  EXPECT_EQ(approx_tokens(call), kMessageOverheadTokens + kToolCallOverheadTokens + 1 + 1 + 1);

  ChatMessage result = tool_result("c1", "ok");
  result.tool_name = "send";
  EXPECT_EQ(approx_tokens(result), kMessageOverheadTokens + 1 + 1 + 1);

  ChatMessage with_image = user("abcd");
  with_image.images.push_back(ImagePart{"image/png", std::string(100'000, 'x')});
  EXPECT_EQ(approx_tokens(with_image), kMessageOverheadTokens + 1 + kImageTokens);
}

// ---- Conversions ----

TEST(TranscriptConvert, RoundTripsEveryRoleAndField) {
  ChatMessage system;
  system.role = Role::system;
  system.text = "be brief";
  ChatMessage call = assistant_calling({"c1", "c2"});
  call.text = "let me look";
  const std::vector<ChatMessage> messages{system,
                                          user("hi"),
                                          call,
                                          tool_result("c1", "done"),
                                          tool_result("c2", "{\"ok\":true}"),
                                          assistant("there")};
  std::vector<store::TranscriptEntry> entries;
  for (const ChatMessage& message : messages) entries.push_back(to_transcript_entry(message, "post1"));

  EXPECT_EQ(entries[0].role, store::TranscriptRole::system);
  EXPECT_EQ(entries[1].role, store::TranscriptRole::user);
  EXPECT_EQ(entries[2].role, store::TranscriptRole::assistant);
  EXPECT_EQ(entries[3].role, store::TranscriptRole::tool);
  ASSERT_EQ(entries[2].tool_calls.size(), 2U);
  EXPECT_EQ(entries[2].tool_calls[1], (store::TranscriptToolCall{"c2", "message", R"({"action":"react"})"}));
  EXPECT_EQ(entries[3].tool_call_id, "c1");
  EXPECT_EQ(entries[3].tool_name, "message");
  for (std::size_t i = 0; i < messages.size(); ++i) {
    EXPECT_EQ(entries[i].post_id, "post1");
    EXPECT_EQ(entries[i].approx_tokens, approx_tokens(messages[i])) << i;
    EXPECT_EQ(entries[i].seq, 0);  // the store's to set
  }
  EXPECT_EQ(to_chat_messages(entries), messages);
  EXPECT_EQ(to_transcript_entry(user("x")).post_id, "");
}

TEST(TranscriptConvert, ImagesAreNotKeptNorCounted) {
  ChatMessage message = user("look at this");
  message.images.push_back(ImagePart{"image/png", "bytes"});
  const store::TranscriptEntry entry = to_transcript_entry(message, "p1");
  EXPECT_EQ(entry.approx_tokens, approx_tokens(user("look at this")));
  EXPECT_EQ(to_chat_message(entry), user("look at this"));
}

// ---- Trimming ----

TEST(TokenBudgetTrim, EverythingThatFitsIsKept) {
  const std::vector<ChatMessage> history{user("one"), assistant("two"), user("three")};
  const TrimResult trimmed = trim_to_budget(history, 1000);
  EXPECT_EQ(trimmed.messages, history);
  EXPECT_EQ(trimmed.dropped, 0U);
  EXPECT_EQ(trimmed.tokens, sum_tokens(history));
  EXPECT_FALSE(trimmed.truncated);
  EXPECT_FALSE(trimmed.over_budget);
  EXPECT_EQ(trim_to_budget({}, 1000), TrimResult{});
}

TEST(TokenBudgetTrim, KeepsTheNewestMessagesWithinTheBudget) {
  std::vector<ChatMessage> history;
  for (int i = 0; i < 20; ++i) {
    history.push_back(user("question " + std::to_string(i) + std::string(36, 'q')));  // 50 bytes -> 17
    history.push_back(assistant("answer " + std::to_string(i) + std::string(90, 'a')));
  }
  const int budget = 200;
  const TrimResult trimmed = trim_to_budget(history, budget);
  ASSERT_FALSE(trimmed.messages.empty());
  EXPECT_LE(trimmed.tokens, budget);
  EXPECT_EQ(trimmed.tokens, sum_tokens(trimmed.messages));
  EXPECT_FALSE(trimmed.over_budget);
  EXPECT_FALSE(trimmed.truncated);
  // A suffix of the history: the newest messages, in order.
  ASSERT_EQ(trimmed.dropped + trimmed.messages.size(), history.size());
  for (std::size_t i = 0; i < trimmed.messages.size(); ++i) {
    EXPECT_EQ(trimmed.messages[i], history[trimmed.dropped + i]);
  }
  // As many as fit: one more would not.
  EXPECT_GT(trimmed.tokens + approx_tokens(history[trimmed.dropped - 1]), budget);
  EXPECT_EQ(trimmed.messages.back().text, history.back().text);
}

TEST(TokenBudgetTrim, DropIsContiguousFromTheOldestEnd) {
  // The small old question would fit on its own, but the big answer after it does not.
  const std::vector<ChatMessage> history{user("old"), assistant(std::string(4000, 'a')), user("new")};
  const TrimResult trimmed = trim_to_budget(history, 100);
  EXPECT_EQ(trimmed.messages, (std::vector<ChatMessage>{user("new")}));
  EXPECT_EQ(trimmed.dropped, 2U);
}

TEST(TokenBudgetTrim, AToolCallAndItsResultsAreDroppedTogether) {
  const std::vector<ChatMessage> history{
      user("react to it"),       assistant_calling({"c1", "c2"}), tool_result("c1", std::string(400, 'r')),
      tool_result("c2", "done"), assistant("Reacted."),           user("thanks")};
  const int tail = approx_tokens(history[3]) + approx_tokens(history[4]) + approx_tokens(history[5]);
  // Room for the last result too, but not for its call and the first result: all three go.
  const TrimResult trimmed = trim_to_budget(history, tail + 5);
  EXPECT_EQ(trimmed.messages, (std::vector<ChatMessage>{assistant("Reacted."), user("thanks")}));
  EXPECT_EQ(trimmed.dropped, 4U);

  // Room for the group: it stays whole.
  const int group = approx_tokens(history[1]) + approx_tokens(history[2]) + approx_tokens(history[3]);
  const TrimResult whole =
      trim_to_budget(history, group + approx_tokens(history[4]) + approx_tokens(history[5]));
  ASSERT_EQ(whole.messages.size(), 5U);
  EXPECT_EQ(whole.messages.front().tool_calls.size(), 2U);
  EXPECT_EQ(whole.dropped, 1U);
}

TEST(TokenBudgetTrim, NeverStartsWithAToolMessage) {
  // An orphan result, as pruning or an older mmclaw may leave at the start of a transcript.
  const std::vector<ChatMessage> history{tool_result("c0", "stale"), user("hi"), assistant("hello"),
                                         user("again")};
  const TrimResult trimmed = trim_to_budget(history, 10'000);
  ASSERT_EQ(trimmed.messages.size(), 3U);
  EXPECT_EQ(trimmed.messages.front(), user("hi"));
  EXPECT_EQ(trimmed.dropped, 1U);
  EXPECT_EQ(trimmed.tokens, sum_tokens(trimmed.messages));
}

TEST(TokenBudgetTrim, ALoneHugeNewestMessageIsCutFromTheFront) {
  const std::string text = std::string(40'000, 'x') + " so what is the question?";
  const std::vector<ChatMessage> history{user("earlier"), assistant("reply"), user(text)};
  const int budget = 1000;
  const TrimResult trimmed = trim_to_budget(history, budget);
  ASSERT_EQ(trimmed.messages.size(), 1U);
  EXPECT_EQ(trimmed.dropped, 2U);
  EXPECT_TRUE(trimmed.truncated);
  EXPECT_FALSE(trimmed.over_budget);
  const std::string& kept = trimmed.messages[0].text;
  EXPECT_TRUE(kept.starts_with(kTruncationMarker));
  EXPECT_TRUE(kept.ends_with(" so what is the question?"));
  EXPECT_LT(kept.size(), text.size());
  EXPECT_LE(trimmed.tokens, budget);
  EXPECT_GT(trimmed.tokens, budget - 5);  // as much as fits
  EXPECT_EQ(trimmed.tokens, approx_tokens(trimmed.messages[0]));
}

TEST(TokenBudgetTrim, ACutNeverSplitsACharacter) {
  std::string text;
  for (int i = 0; i < 5000; ++i) text += "\u4f60";
  const TrimResult trimmed = trim_to_budget({user(text)}, 600);
  ASSERT_TRUE(trimmed.truncated);
  const std::string& kept = trimmed.messages.at(0).text;
  EXPECT_TRUE(is_valid_utf8(kept));
  EXPECT_EQ((kept.size() - kTruncationMarker.size()) % 3, 0U);
  EXPECT_LE(trimmed.tokens, 600);
}

TEST(TokenBudgetTrim, TheNewestUserMessageKeepsAMinimumAndReportsOverBudget) {
  const std::string text(8000, 'y');
  const TrimResult trimmed = trim_to_budget({user(text)}, 50);
  ASSERT_EQ(trimmed.messages.size(), 1U);
  EXPECT_TRUE(trimmed.truncated);
  EXPECT_TRUE(trimmed.over_budget);
  EXPECT_EQ(approx_tokens(std::string_view(trimmed.messages[0].text).substr(kTruncationMarker.size())),
            kMinKeptUserTextTokens);
  // A short newest message over a tiny budget stays whole.
  const TrimResult whole = trim_to_budget({user("short question")}, 0);
  EXPECT_EQ(whole.messages, (std::vector<ChatMessage>{user("short question")}));
  EXPECT_FALSE(whole.truncated);
  EXPECT_TRUE(whole.over_budget);
}

TEST(TokenBudgetTrim, TheCurrentTurnsToolRoundsAlwaysStay) {
  const std::vector<ChatMessage> history{user("old"), assistant("old answer"), user("read the channel"),
                                         assistant_calling({"c1"}),
                                         tool_result("c1", std::string(20'000, 'p'))};
  const TrimResult trimmed = trim_to_budget(history, 300);
  ASSERT_EQ(trimmed.messages.size(), 3U);
  EXPECT_EQ(trimmed.messages[0], user("read the channel"));  // short: not cut
  EXPECT_EQ(trimmed.messages[2].tool_call_id, "c1");
  EXPECT_TRUE(trimmed.over_budget);
  EXPECT_EQ(trimmed.tokens, sum_tokens(trimmed.messages));
}

TEST(TokenBudgetTrim, WithoutAUserMessageTheNewestNonToolMessageStays) {
  const TrimResult trimmed =
      trim_to_budget({assistant(std::string(400, 'a')), assistant(std::string(400, 'b'))}, 10);
  ASSERT_EQ(trimmed.messages.size(), 1U);
  EXPECT_EQ(trimmed.messages[0].text, std::string(400, 'b'));
  EXPECT_TRUE(trimmed.over_budget);
  EXPECT_FALSE(trimmed.truncated);  // only a user message is cut

  const TrimResult only_tools = trim_to_budget({tool_result("c1", "x")}, 100);
  EXPECT_TRUE(only_tools.messages.empty());
  EXPECT_EQ(only_tools.dropped, 1U);
}

// ---- The budget ----

TEST(TokenBudgetContext, WindowMinusReserveMinusSystemPrompt) {
  EXPECT_EQ(context_budget(128'000, 4096, 1000), 128'000 - 4096 - 1000);
  EXPECT_EQ(context_budget(32'768, 2048, 0), 30'720);
}

TEST(TokenBudgetContext, DefaultsWhenTheModelIsNotDescribed) {
  EXPECT_EQ(kDefaultContextWindow, 8192);
  // Unknown window and answer: 8192 minus a quarter of it.
  EXPECT_EQ(context_budget(std::nullopt, std::nullopt, 0), 8192 - 2048);
  EXPECT_EQ(context_budget(std::nullopt, std::nullopt, 500), 8192 - 2048 - 500);
  EXPECT_EQ(context_budget(0, -1, 0), 8192 - 2048);  // not positive counts as unknown
  // A big window reserves at most kMaxDefaultAnswerReserve for an answer of unknown length.
  EXPECT_EQ(context_budget(200'000, std::nullopt, 0), 200'000 - kMaxDefaultAnswerReserve);
}

TEST(TokenBudgetContext, AnAnswerReserveTakesAtMostHalfTheWindow) {
  EXPECT_EQ(context_budget(32'768, 32'768, 0), 16'384);
  EXPECT_EQ(context_budget(32'768, 32'768, 384), 16'000);
}

TEST(TokenBudgetContext, NeverBelowTheFloor) {
  EXPECT_EQ(context_budget(2048, 1024, 1500), kMinContextBudget);
  EXPECT_EQ(context_budget(std::nullopt, std::nullopt, 1'000'000), kMinContextBudget);
  EXPECT_EQ(context_budget(std::nullopt, std::nullopt, -50), 8192 - 2048);
}

}  // namespace
}  // namespace mmclaw::agent

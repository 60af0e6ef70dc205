#include "llmsim/plan.hpp"

#include <gtest/gtest.h>

namespace llmsim {
namespace {

ChatRequest request(Api api = Api::openai) {
  ChatRequest r;
  r.api = api;
  r.model = "sim-chat";
  r.prompt_tokens = 4;
  return r;
}

Directive directive(std::string_view message) {
  auto parsed = split_directives(message);
  EXPECT_TRUE(parsed && parsed->directive) << message;
  return parsed && parsed->directive ? *parsed->directive : Directive{};
}

std::string joined(const std::vector<std::string>& pieces) {
  std::string out;
  for (const auto& p : pieces) out += p;
  return out;
}

TEST(LlmsimPlan, TokensJoinBackToTheText) {
  for (const std::string_view text :
       {"", "one", "  lead and trail  ", "a\nb\n\n```cpp\nx\n```\n", "x  y\t\tz"}) {
    EXPECT_EQ(joined(split_tokens(text)), text);
  }
  EXPECT_EQ(split_tokens("hello big world"), (std::vector<std::string>{"hello ", "big ", "world"}));
  EXPECT_EQ(split_tokens(" x"), (std::vector<std::string>{" x"}));
  EXPECT_TRUE(split_tokens("").empty());
}

TEST(LlmsimPlan, PiecesNeverSplitAUtf8Character) {
  const std::string text =
      "ab\xC3\xA9\xC3\xA9\xE2\x82\xAC"
      "cd\xF0\x9F\x98\x80";
  const auto pieces = split_pieces(text, 3);
  EXPECT_EQ(joined(pieces), text);
  for (const auto& piece : pieces) {
    ASSERT_FALSE(piece.empty());
    EXPECT_NE(static_cast<unsigned char>(piece.front()) & 0xC0, 0x80) << "piece starts mid-character";
  }
  EXPECT_EQ(split_pieces("abcdefgh", 3), (std::vector<std::string>{"abc", "def", "gh"}));
}

TEST(LlmsimPlan, LoremIsExactAndDeterministic) {
  EXPECT_EQ(lorem_words(3), "lorem ipsum dolor");
  EXPECT_EQ(lorem_words(0), "");
  for (const std::size_t n : {0u, 1u, 17u, 1000u, 5000u}) {
    const auto text = lorem_text(n);
    EXPECT_EQ(text.size(), n);
    EXPECT_EQ(text, lorem_text(n));
  }
  const auto long_text = lorem_text(3000);
  EXPECT_NE(long_text.find("```cpp\n"), std::string::npos);
  EXPECT_NE(long_text.find("\n```\n"), std::string::npos);
}

TEST(LlmsimPlan, DefaultIsAnEcho) {
  const auto plan = make_plan(request(), Directive{}, "hello there", 7, 1700000000);
  EXPECT_EQ(plan.id, "chatcmpl-llmsim-7");
  EXPECT_EQ(plan.model, "sim-chat");
  EXPECT_EQ(plan.created, 1700000000);
  EXPECT_EQ(plan.content_text(), "echo: hello there");
  EXPECT_EQ(plan.content, (std::vector<std::string>{"echo: ", "hello ", "there"}));
  EXPECT_TRUE(plan.reasoning.empty());
  EXPECT_TRUE(plan.tool_calls.empty());
  EXPECT_EQ(plan.finish, Finish::stop);
  EXPECT_EQ(plan.prompt_tokens, 4u);
  EXPECT_EQ(plan.completion_tokens, 3u);
  EXPECT_EQ(make_plan(request(Api::anthropic), Directive{}, "x", 7, 0).id, "msg_llmsim_7");
}

TEST(LlmsimPlan, AnswersAsTheDirectiveSays) {
  EXPECT_EQ(make_plan(request(), directive(R"(@llmsim {"reply":"exact words"})"), "u", 1, 0).content_text(),
            "exact words");
  const auto tokens = make_plan(request(), directive(R"(@llmsim {"tokens":50})"), "u", 1, 0);
  EXPECT_EQ(tokens.content.size(), 50u);
  EXPECT_EQ(make_plan(request(), directive(R"(@llmsim {"lorem":1234})"), "u", 1, 0).content_text().size(),
            1234u);
  const auto thinking =
      make_plan(request(), directive(R"(@llmsim {"think":"step one, step two"})"), "u", 1, 0);
  EXPECT_EQ(thinking.reasoning_text(), "step one, step two");
  EXPECT_EQ(thinking.content_text(), "echo: u");
  EXPECT_EQ(make_plan(request(), directive(R"(@llmsim {"think":6})"), "u", 1, 0).reasoning.size(), 6u);
  const auto timed = make_plan(request(), directive(R"(@llmsim {"delay_ms":20,"first_token_delay_ms":300,
      "stall":{"after":2,"ms":50},"drop_after":4,"finish":"content_filter"})"),
                               "u", 1, 0);
  EXPECT_EQ(timed.delay.count(), 20);
  EXPECT_EQ(timed.first_token_delay.count(), 300);
  ASSERT_TRUE(timed.stall);
  EXPECT_EQ(timed.stall->after, 2u);
  EXPECT_EQ(timed.drop_after, std::optional<std::size_t>(4));
  EXPECT_EQ(timed.finish_override, std::optional<std::string>("content_filter"));
}

TEST(LlmsimPlan, ToolCallsGetIdsPiecesAndTheirFinish) {
  const auto plan = make_plan(
      request(),
      directive(R"(@llmsim {"tool":[{"name":"message","arguments":{"action":"send","text":"hi there"}},
                                           {"name":"react"}]})"),
      "u", 3, 0);
  EXPECT_TRUE(plan.content.empty());
  ASSERT_EQ(plan.tool_calls.size(), 2u);
  EXPECT_EQ(plan.tool_calls[0].id, "call_llmsim_3_0");
  EXPECT_EQ(plan.tool_calls[1].id, "call_llmsim_3_1");
  EXPECT_EQ(plan.tool_calls[0].name, "message");
  EXPECT_EQ(plan.tool_calls[0].arguments, R"({"action":"send","text":"hi there"})");
  EXPECT_EQ(joined(plan.tool_calls[0].argument_pieces), plan.tool_calls[0].arguments);
  EXPECT_GT(plan.tool_calls[0].argument_pieces.size(), 1u);
  EXPECT_EQ(plan.tool_calls[1].arguments, "{}");
  EXPECT_EQ(plan.finish, Finish::tool_calls);
  EXPECT_EQ(plan.completion_tokens, plan.generated_chunks());

  const auto with_text =
      make_plan(request(Api::anthropic),
                directive(R"(@llmsim {"reply":"sending","tool":{"name":"message"}})"), "u", 3, 0);
  EXPECT_EQ(with_text.content_text(), "sending");
  ASSERT_EQ(with_text.tool_calls.size(), 1u);
  EXPECT_EQ(with_text.tool_calls[0].id, "toolu_llmsim_3_0");
}

TEST(LlmsimPlan, AfterAToolResultItAnswersInsteadOfCallingAgain) {
  auto req = request();
  req.ends_with_tool_result = true;
  req.tool_result_text = "posted";
  const auto by_default = make_plan(req, directive(R"(@llmsim {"tool":{"name":"message"}})"), "u", 1, 0);
  EXPECT_TRUE(by_default.tool_calls.empty());
  EXPECT_EQ(by_default.content_text(), "tool result: posted");
  EXPECT_EQ(by_default.finish, Finish::stop);
  const auto told =
      make_plan(req, directive(R"(@llmsim {"tool":{"name":"message"},"after_tool":"all done"})"), "u", 1, 0);
  EXPECT_EQ(told.content_text(), "all done");
}

TEST(LlmsimPlan, MaxTokensCutsTheAnswer) {
  auto req = request();
  req.max_tokens = 5;
  const auto plan = make_plan(req, directive(R"(@llmsim {"tokens":20,"tool":{"name":"t"}})"), "u", 1, 0);
  EXPECT_EQ(plan.content.size(), 5u);
  EXPECT_EQ(plan.finish, Finish::length);
  EXPECT_TRUE(plan.tool_calls.empty());
  req.max_tokens = 100;
  EXPECT_EQ(make_plan(req, directive(R"(@llmsim {"tokens":20})"), "u", 1, 0).finish, Finish::stop);
}

}  // namespace
}  // namespace llmsim

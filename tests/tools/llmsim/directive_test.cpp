#include "llmsim/directive.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace llmsim {
namespace {

using std::chrono::milliseconds;

Directive parse_ok(std::string_view message) {
  auto parsed = split_directives(message);
  EXPECT_TRUE(parsed) << parsed.error().message;
  if (!parsed || !parsed->directive) {
    ADD_FAILURE() << "no directive in: " << message;
    return {};
  }
  return *parsed->directive;
}

std::string parse_error(std::string_view message) {
  auto parsed = split_directives(message);
  EXPECT_FALSE(parsed) << "accepted: " << message;
  return parsed ? std::string() : parsed.error().message;
}

TEST(LlmsimDirective, PlainTextHasNoDirective) {
  auto parsed = split_directives("  hello there\n");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->text, "hello there");
  EXPECT_FALSE(parsed->directive);
  EXPECT_EQ(parsed->directive_source, "");
}

TEST(LlmsimDirective, DirectiveIsSplitOffTheText) {
  auto parsed = split_directives("please answer\n@llmsim {\"tokens\": 5, \"delay_ms\": 20}\nthanks");
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->text, "please answer\nthanks");  // the directive line goes whole
  ASSERT_TRUE(parsed->directive);
  EXPECT_EQ(parsed->directive->tokens, std::optional<std::size_t>(5));
  EXPECT_EQ(parsed->directive->delay, std::optional<milliseconds>(milliseconds(20)));
  EXPECT_EQ(parsed->directive_source, "{\"tokens\": 5, \"delay_ms\": 20}");
}

TEST(LlmsimDirective, DirectiveMayFollowTextOnALineAndSpanLines) {
  auto d = parse_ok("alice: @llmsim {\n  \"reply\": \"multi\\nline\",\n  \"finish\": \"length\"\n} trailing");
  EXPECT_EQ(d.reply, std::optional<std::string>("multi\nline"));
  EXPECT_EQ(d.finish, std::optional<std::string>("length"));
  auto parsed = split_directives("alice: @llmsim {\"reply\":\"x\"} trailing");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->text, "alice: trailing");
}

TEST(LlmsimDirective, SeveralDirectivesMergeInOrder) {
  auto parsed = split_directives("@llmsim {\"tokens\": 3, \"delay_ms\": 5}\n@llmsim {\"reply\": \"r\"}");
  ASSERT_TRUE(parsed) << parsed.error().message;
  ASSERT_TRUE(parsed->directive);
  EXPECT_EQ(parsed->directive->reply, std::optional<std::string>("r"));
  EXPECT_FALSE(parsed->directive->tokens);  // the answer group was replaced as a whole
  EXPECT_EQ(parsed->directive->delay, std::optional<milliseconds>(milliseconds(5)));
  EXPECT_EQ(parsed->directive_source, "{\"tokens\": 3, \"delay_ms\": 5}\n{\"reply\": \"r\"}");
}

TEST(LlmsimDirective, MarkerInsideAWordIsText) {
  auto parsed = split_directives("mail me at x@llmsimple.org");
  ASSERT_TRUE(parsed);
  EXPECT_FALSE(parsed->directive);
  EXPECT_EQ(parsed->text, "mail me at x@llmsimple.org");
}

TEST(LlmsimDirective, BrokenDirectivesAreErrorsThatSayWhy) {
  EXPECT_NE(parse_error("@llmsim tokens=5").find("must be followed by a JSON object"), std::string::npos);
  EXPECT_NE(parse_error("@llmsim {\"tokens\": 5").find("not valid"), std::string::npos);
  EXPECT_NE(parse_error("@llmsim {\"tokenz\": 5}").find("unknown key \"tokenz\""), std::string::npos);
  EXPECT_NE(parse_error("@llmsim {\"tokens\": \"5\"}").find("\"tokens\" must be a whole number"),
            std::string::npos);
  EXPECT_NE(parse_error("@llmsim {\"tokens\": -1}").find("\"tokens\""), std::string::npos);
  EXPECT_NE(parse_error("@llmsim {\"tokens\": 1.5}").find("\"tokens\""), std::string::npos);
  EXPECT_NE(parse_error("@llmsim {\"tokens\": 999999999}").find("\"tokens\""), std::string::npos);
  EXPECT_NE(parse_error("@llmsim {\"reply\": \"a\", \"tokens\": 2}").find("only one of"), std::string::npos);
  EXPECT_NE(parse_error("@llmsim {\"fail\": 200}").find("400 to 599"), std::string::npos);
  EXPECT_NE(parse_error("@llmsim {\"fail\": {\"status\": 700}}").find("400 to 599"), std::string::npos);
  EXPECT_NE(parse_error("@llmsim {\"fail\": {\"code\": 500}}").find("fail.code"), std::string::npos);
  EXPECT_NE(parse_error("@llmsim {\"tool\": {\"arguments\": {}}}").find("tool.name"), std::string::npos);
  EXPECT_NE(parse_error("@llmsim {\"tool\": \"message\"}").find("\"tool\" must be an object"),
            std::string::npos);
  EXPECT_NE(parse_error("@llmsim {\"stall\": {\"for\": 1}}").find("stall.for"), std::string::npos);
  EXPECT_NE(parse_error("@llmsim {\"finish\": \"\"}").find("finish"), std::string::npos);
  EXPECT_NE(parse_error("@llmsim {\"think\": true}").find("think"), std::string::npos);
  EXPECT_NE(parse_error("@llmsim {}\n@llmsim [1]").find("must be followed by a JSON object"),
            std::string::npos);
  EXPECT_TRUE(parse_error("@llmsim").starts_with("llmsim directive: "));
}

TEST(LlmsimDirective, EveryKeyIsRead) {
  auto d = parse_ok(R"(@llmsim {"lorem": 300, "think": "first this", "after_tool": "done",
    "fail": {"status": 429, "retry_after": 3, "message": "slow down", "times": 2},
    "stall": {"after": 4, "ms": 250}, "drop_after": 7, "delay_ms": 10, "first_token_delay_ms": 99,
    "finish": "length", "tool": [{"name": "message", "arguments": {"action": "send"}}, {"name": "noop"}]})");
  EXPECT_EQ(d.lorem, std::optional<std::size_t>(300));
  EXPECT_EQ(d.think, std::optional<std::string>("first this"));
  EXPECT_EQ(d.after_tool, std::optional<std::string>("done"));
  ASSERT_TRUE(d.fail);
  EXPECT_EQ(d.fail->status, 429u);
  EXPECT_EQ(d.fail->retry_after_s, std::optional<unsigned>(3));
  EXPECT_EQ(d.fail->message, "slow down");
  EXPECT_EQ(d.fail->times, 2u);
  ASSERT_TRUE(d.stall);
  EXPECT_EQ(d.stall->after, 4u);
  EXPECT_EQ(d.stall->duration, std::optional<milliseconds>(milliseconds(250)));
  EXPECT_EQ(d.drop_after, std::optional<std::size_t>(7));
  EXPECT_EQ(d.delay, std::optional<milliseconds>(milliseconds(10)));
  EXPECT_EQ(d.first_token_delay, std::optional<milliseconds>(milliseconds(99)));
  ASSERT_EQ(d.tools.size(), 2u);
  EXPECT_EQ(d.tools[0].name, "message");
  EXPECT_EQ(d.tools[0].arguments, "{\"action\":\"send\"}");
  EXPECT_EQ(d.tools[1].arguments, "{}");
}

TEST(LlmsimDirective, ShorthandsAndVerbatimArguments) {
  auto d = parse_ok(
      R"(@llmsim {"fail": 503, "stall": 2, "think": 12, "tool": {"name": "t", "arguments": "{broken"}})");
  ASSERT_TRUE(d.fail);
  EXPECT_EQ(d.fail->status, 503u);
  EXPECT_FALSE(d.fail->retry_after_s);
  ASSERT_TRUE(d.stall);
  EXPECT_EQ(d.stall->after, 2u);
  EXPECT_FALSE(d.stall->duration);  // forever
  EXPECT_EQ(d.think_tokens, std::optional<std::size_t>(12));
  ASSERT_EQ(d.tools.size(), 1u);
  EXPECT_EQ(d.tools[0].arguments, "{broken");
  auto forever = parse_ok(R"(@llmsim {"stall": {"after": 1, "ms": 0}})");
  ASSERT_TRUE(forever.stall);
  EXPECT_FALSE(forever.stall->duration);
}

TEST(LlmsimDirective, MergeReplacesGroupsAndKeepsTheRest) {
  Directive base = parse_ok(R"(@llmsim {"reply": "base", "think": "t", "delay_ms": 5, "fail": 500})");
  Directive over = parse_ok(R"(@llmsim {"tokens": 3, "think": 2})");
  base.merge_from(over);
  EXPECT_FALSE(base.reply);
  EXPECT_EQ(base.tokens, std::optional<std::size_t>(3));
  EXPECT_FALSE(base.think);
  EXPECT_EQ(base.think_tokens, std::optional<std::size_t>(2));
  EXPECT_EQ(base.delay, std::optional<milliseconds>(milliseconds(5)));
  ASSERT_TRUE(base.fail);
  base.merge_from(Directive{});
  EXPECT_EQ(base.tokens, std::optional<std::size_t>(3));
}

TEST(LlmsimDirective, JsonRoundTrip) {
  auto d = parse_ok(R"(@llmsim {"reply": "x", "think": 3, "after_tool": "a",
    "fail": {"status": 429, "retry_after": 3, "message": "m", "times": 2}, "stall": {"after": 4, "ms": 250},
    "drop_after": 7, "delay_ms": 10, "first_token_delay_ms": 99, "finish": "length",
    "tool": [{"name": "message", "arguments": {"k": [1, 2]}}]})");
  auto back = directive_from_json(directive_to_json(d));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, d);
  EXPECT_FALSE(directive_from_json(boost::json::parse("[1]")));
}

}  // namespace
}  // namespace llmsim

#include "llmsim/chat_request.hpp"

#include <gtest/gtest.h>

namespace llmsim {
namespace {

std::string openai_rejects(std::string_view body, std::string_view param) {
  auto parsed = parse_openai_request(body);
  EXPECT_FALSE(parsed) << "accepted: " << body;
  if (parsed) return {};
  EXPECT_EQ(parsed.error().param, param) << body;
  return parsed.error().message;
}

std::string anthropic_rejects(std::string_view body, std::string_view param) {
  auto parsed = parse_anthropic_request(body);
  EXPECT_FALSE(parsed) << "accepted: " << body;
  if (parsed) return {};
  EXPECT_EQ(parsed.error().param, param) << body;
  return parsed.error().message;
}

TEST(LlmsimChatRequest, OpenAiMinimal) {
  auto req = parse_openai_request(R"({"model":"gpt-x","messages":[{"role":"user","content":"hi there"}]})");
  ASSERT_TRUE(req) << req.error().message;
  EXPECT_EQ(req->api, Api::openai);
  EXPECT_EQ(req->model, "gpt-x");
  EXPECT_FALSE(req->stream);
  EXPECT_FALSE(req->include_usage);
  EXPECT_FALSE(req->max_tokens);
  EXPECT_EQ(req->last_user_text, "hi there");
  EXPECT_FALSE(req->ends_with_tool_result);
  EXPECT_EQ(req->prompt_tokens, 2u);
}

TEST(LlmsimChatRequest, OpenAiFullConversation) {
  auto req = parse_openai_request(R"({"model":"m","stream":true,"stream_options":{"include_usage":true},
    "max_tokens":50,"max_completion_tokens":20,"tools":[],
    "messages":[{"role":"system","content":"be brief"},
                {"role":"user","content":[{"type":"text","text":"first"},{"type":"image_url","image_url":{}},
                                          {"type":"text","text":"second"}]},
                {"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function",
                  "function":{"name":"message","arguments":"{}"}}]},
                {"role":"tool","tool_call_id":"c1","content":"sent ok"}]})");
  ASSERT_TRUE(req) << req.error().message;
  EXPECT_TRUE(req->stream);
  EXPECT_TRUE(req->include_usage);
  EXPECT_EQ(req->max_tokens, std::optional<std::size_t>(20));  // max_completion_tokens wins
  EXPECT_EQ(req->last_user_text, "first\nsecond");
  EXPECT_TRUE(req->ends_with_tool_result);
  EXPECT_EQ(req->tool_result_text, "sent ok");
  EXPECT_EQ(req->prompt_tokens, 2u + 2u + 2u);
}

TEST(LlmsimChatRequest, OpenAiRejectsWhatTheApiRejects) {
  EXPECT_NE(openai_rejects("{nope", "").find("could not parse the JSON body"), std::string::npos);
  openai_rejects("[1,2]", "");
  openai_rejects("", "");
  openai_rejects(R"({"messages":[{"role":"user","content":"x"}]})", "model");
  openai_rejects(R"({"model":7,"messages":[{"role":"user","content":"x"}]})", "model");
  EXPECT_NE(openai_rejects(R"({"model":"m"})", "messages").find("'messages'"), std::string::npos);
  openai_rejects(R"({"model":"m","messages":{}})", "messages");
  openai_rejects(R"({"model":"m","messages":[]})", "messages");
  openai_rejects(R"({"model":"m","messages":["hi"]})", "messages[0]");
  openai_rejects(R"({"model":"m","messages":[{"content":"x"}]})", "messages[0].role");
  openai_rejects(R"({"model":"m","messages":[{"role":"wizard","content":"x"}]})", "messages[0].role");
  openai_rejects(R"({"model":"m","messages":[{"role":"user","content":5}]})", "messages[0].content");
  openai_rejects(R"({"model":"m","messages":[{"role":"user"}]})", "messages[0].content");
  openai_rejects(R"({"model":"m","messages":[{"role":"tool","content":"r"}]})", "messages[0].tool_call_id");
  openai_rejects(R"({"model":"m","stream":"yes","messages":[{"role":"user","content":"x"}]})", "stream");
  openai_rejects(R"({"model":"m","stream_options":[],"messages":[{"role":"user","content":"x"}]})",
                 "stream_options");
  openai_rejects(R"({"model":"m","max_tokens":0,"messages":[{"role":"user","content":"x"}]})", "max_tokens");
  openai_rejects(R"({"model":"m","max_tokens":"9","messages":[{"role":"user","content":"x"}]})",
                 "max_tokens");
  openai_rejects(R"({"model":"m","tools":{},"messages":[{"role":"user","content":"x"}]})", "tools");
}

TEST(LlmsimChatRequest, AnthropicMinimalAndToolResults) {
  auto req = parse_anthropic_request(R"({"model":"claude","max_tokens":1024,"system":"be kind",
    "messages":[{"role":"user","content":"do it"}]})");
  ASSERT_TRUE(req) << req.error().message;
  EXPECT_EQ(req->api, Api::anthropic);
  EXPECT_EQ(req->max_tokens, std::optional<std::size_t>(1024));
  EXPECT_EQ(req->last_user_text, "do it");
  EXPECT_EQ(req->prompt_tokens, 4u);

  auto tools = parse_anthropic_request(R"({"model":"claude","max_tokens":10,"stream":true,
    "messages":[{"role":"user","content":[{"type":"text","text":"go"}]},
                {"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"message","input":{}}]},
                {"role":"user","content":[{"type":"tool_result","tool_use_id":"t1",
                   "content":[{"type":"text","text":"posted"}]}]}]})");
  ASSERT_TRUE(tools) << tools.error().message;
  EXPECT_TRUE(tools->stream);
  EXPECT_TRUE(tools->ends_with_tool_result);
  EXPECT_EQ(tools->tool_result_text, "posted");
  EXPECT_EQ(tools->last_user_text, "go");
}

TEST(LlmsimChatRequest, AnthropicRejectsWhatTheApiRejects) {
  anthropic_rejects("not json", "");
  anthropic_rejects(R"({"max_tokens":5,"messages":[{"role":"user","content":"x"}]})", "model");
  anthropic_rejects(R"({"model":"m","messages":[{"role":"user","content":"x"}]})", "max_tokens");
  anthropic_rejects(R"({"model":"m","max_tokens":-3,"messages":[{"role":"user","content":"x"}]})",
                    "max_tokens");
  anthropic_rejects(R"({"model":"m","max_tokens":5})", "messages");
  anthropic_rejects(R"({"model":"m","max_tokens":5,"messages":[]})", "messages");
  anthropic_rejects(R"({"model":"m","max_tokens":5,"messages":[{"role":"system","content":"x"}]})",
                    "messages.0.role");
  anthropic_rejects(R"({"model":"m","max_tokens":5,"messages":[{"role":"user"}]})", "messages.0.content");
  anthropic_rejects(R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"text":"x"}]}]})",
                    "messages.0.content.0.type");
  anthropic_rejects(R"({"model":"m","max_tokens":5,"system":5,"messages":[{"role":"user","content":"x"}]})",
                    "system");
  anthropic_rejects(R"({"model":"m","max_tokens":5,"stream":1,"messages":[{"role":"user","content":"x"}]})",
                    "stream");
}

TEST(LlmsimChatRequest, CountWords) {
  EXPECT_EQ(count_words(""), 0u);
  EXPECT_EQ(count_words("  one\ttwo\n three  "), 3u);
}

}  // namespace
}  // namespace llmsim

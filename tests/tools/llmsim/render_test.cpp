#include "llmsim/render.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

namespace llmsim {
namespace {

namespace json = boost::json;

Plan plan_for(std::string_view message, Api api = Api::openai) {
  ChatRequest req;
  req.api = api;
  req.model = "sim-chat";
  req.prompt_tokens = 3;
  auto parsed = split_directives(message);
  EXPECT_TRUE(parsed) << message;
  return make_plan(req, parsed && parsed->directive ? *parsed->directive : Directive{},
                   parsed ? parsed->text : "", 1, 1700000000);
}

// The JSON of an OpenAI frame ("data: {...}\n\n").
json::object openai_json(const Frame& frame) {
  EXPECT_TRUE(frame.bytes.starts_with("data: ")) << frame.bytes;
  EXPECT_TRUE(frame.bytes.ends_with("\n\n")) << frame.bytes;
  const auto text = std::string_view(frame.bytes).substr(6, frame.bytes.size() - 8);
  EXPECT_EQ(text.find('\n'), std::string_view::npos);
  return json::parse(text).as_object();
}

// Name and JSON of an Anthropic frame ("event: x\ndata: {...}\n\n").
std::pair<std::string, json::object> anthropic_json(const Frame& frame) {
  const std::string_view bytes = frame.bytes;
  EXPECT_TRUE(bytes.starts_with("event: ")) << bytes;
  EXPECT_TRUE(bytes.ends_with("\n\n")) << bytes;
  const auto newline = bytes.find('\n');
  const auto name = std::string(bytes.substr(7, newline - 7));
  const auto data = bytes.substr(newline + 1);
  EXPECT_TRUE(data.starts_with("data: ")) << bytes;
  auto object = json::parse(data.substr(6, data.size() - 8)).as_object();
  EXPECT_EQ(object.at("type").as_string(), name);
  return {name, object};
}

TEST(LlmsimRender, OpenAiCompletion) {
  const auto body = json::parse(openai_completion(plan_for("hello"))).as_object();
  EXPECT_EQ(body.at("id").as_string(), "chatcmpl-llmsim-1");
  EXPECT_EQ(body.at("object").as_string(), "chat.completion");
  EXPECT_EQ(body.at("created").as_int64(), 1700000000);
  EXPECT_EQ(body.at("model").as_string(), "sim-chat");
  const auto& choice = body.at("choices").as_array().at(0).as_object();
  EXPECT_EQ(choice.at("index").as_int64(), 0);
  EXPECT_EQ(choice.at("finish_reason").as_string(), "stop");
  const auto& message = choice.at("message").as_object();
  EXPECT_EQ(message.at("role").as_string(), "assistant");
  EXPECT_EQ(message.at("content").as_string(), "echo: hello");
  EXPECT_FALSE(message.contains("tool_calls"));
  EXPECT_FALSE(message.contains("reasoning_content"));
  const auto& usage = body.at("usage").as_object();
  EXPECT_EQ(usage.at("prompt_tokens").to_number<std::uint64_t>(), 3u);
  EXPECT_EQ(usage.at("completion_tokens").to_number<std::uint64_t>(), 2u);
  EXPECT_EQ(usage.at("total_tokens").to_number<std::uint64_t>(), 5u);
}

TEST(LlmsimRender, OpenAiCompletionWithToolsAndReasoning) {
  const auto body =
      json::parse(openai_completion(
                      plan_for(R"(@llmsim {"think":"hmm","tool":{"name":"message","arguments":{"a":1}}})")))
          .as_object();
  const auto& choice = body.at("choices").as_array().at(0).as_object();
  EXPECT_EQ(choice.at("finish_reason").as_string(), "tool_calls");
  const auto& message = choice.at("message").as_object();
  EXPECT_TRUE(message.at("content").is_null());
  EXPECT_EQ(message.at("reasoning_content").as_string(), "hmm");
  const auto& call = message.at("tool_calls").as_array().at(0).as_object();
  EXPECT_EQ(call.at("id").as_string(), "call_llmsim_1_0");
  EXPECT_EQ(call.at("type").as_string(), "function");
  EXPECT_EQ(call.at("function").at("name").as_string(), "message");
  EXPECT_EQ(call.at("function").at("arguments").as_string(), R"({"a":1})");
}

TEST(LlmsimRender, OpenAiStreamFraming) {
  const auto plan = plan_for(
      R"(@llmsim {"think":"a b","reply":"one two three",
        "tool":[{"name":"message","arguments":{"text":"hello world, long enough"}},
                {"name":"second","arguments":{"x":true}}]})");
  const auto frames = openai_stream(plan, true);
  ASSERT_GE(frames.size(), 4u);
  EXPECT_EQ(frames.back().bytes, "data: [DONE]\n\n");
  EXPECT_EQ(frames.front().kind, Frame::Kind::head);

  const auto first = openai_json(frames.front());
  EXPECT_EQ(first.at("object").as_string(), "chat.completion.chunk");
  EXPECT_EQ(first.at("choices").at(0).at("delta").at("role").as_string(), "assistant");

  std::string reasoning;
  std::string content;
  std::vector<std::string> ids(2);
  std::vector<std::string> names(2);
  std::vector<std::string> arguments(2);
  bool content_started = false;
  bool reasoning_after_content = false;
  std::string finish;
  bool usage_seen = false;
  std::size_t generated = 0;
  for (std::size_t i = 0; i + 1 < frames.size(); ++i) {
    const auto chunk = openai_json(frames[i]);
    EXPECT_EQ(chunk.at("id").as_string(), "chatcmpl-llmsim-1");
    if (frames[i].kind == Frame::Kind::generated) ++generated;
    const auto& choices = chunk.at("choices").as_array();
    if (choices.empty()) {
      usage_seen = true;
      EXPECT_EQ(chunk.at("usage").at("total_tokens").to_number<std::uint64_t>(),
                plan.prompt_tokens + plan.completion_tokens);
      continue;
    }
    const auto& choice = choices.at(0).as_object();
    if (!choice.at("finish_reason").is_null()) finish = choice.at("finish_reason").as_string();
    const auto& delta = choice.at("delta").as_object();
    if (const auto* r = delta.if_contains("reasoning_content")) {
      reasoning += r->as_string();
      if (content_started) reasoning_after_content = true;
    }
    if (const auto* c = delta.if_contains("content"); c && i > 0) {
      content += c->as_string();
      content_started = true;
    }
    if (const auto* calls = delta.if_contains("tool_calls")) {
      for (const auto& call : calls->as_array()) {
        const auto index = call.at("index").to_number<std::uint64_t>();
        ASSERT_LT(index, 2u);
        if (const auto* id = call.as_object().if_contains("id")) {
          ids[index] = id->as_string();
          EXPECT_EQ(call.at("type").as_string(), "function");
          names[index] = call.at("function").at("name").as_string();
        }
        arguments[index] += call.at("function").at("arguments").as_string();
      }
    }
  }
  EXPECT_EQ(reasoning, "a b");
  EXPECT_FALSE(reasoning_after_content);
  EXPECT_EQ(content, "one two three");
  EXPECT_EQ(ids, (std::vector<std::string>{"call_llmsim_1_0", "call_llmsim_1_1"}));
  EXPECT_EQ(names, (std::vector<std::string>{"message", "second"}));
  EXPECT_EQ(json::parse(arguments[0]), json::parse(R"({"text":"hello world, long enough"})"));
  EXPECT_EQ(json::parse(arguments[1]), json::parse(R"({"x":true})"));
  EXPECT_EQ(finish, "tool_calls");
  EXPECT_TRUE(usage_seen);
  EXPECT_EQ(generated, plan.generated_chunks());

  const auto without_usage = openai_stream(plan, false);
  EXPECT_EQ(without_usage.size(), frames.size() - 1);
}

TEST(LlmsimRender, AnthropicStreamEventOrder) {
  const auto plan = plan_for(
      R"(@llmsim {"think":"let me see","reply":"the answer",
        "tool":{"name":"message","arguments":{"t":"a long enough argument text"}}})",
      Api::anthropic);
  const auto frames = anthropic_stream(plan);
  std::vector<std::string> names;
  std::string thinking;
  std::string text;
  std::string input;
  std::size_t generated = 0;
  for (const auto& frame : frames) {
    auto [name, data] = anthropic_json(frame);
    if (frame.kind == Frame::Kind::generated) ++generated;
    if (name == "content_block_delta") {
      const auto& delta = data.at("delta").as_object();
      const auto type = std::string(delta.at("type").as_string());
      if (type == "thinking_delta") thinking += delta.at("thinking").as_string();
      if (type == "text_delta") text += delta.at("text").as_string();
      if (type == "input_json_delta") input += delta.at("partial_json").as_string();
      // Collapse runs of deltas so the order below reads as blocks.
      if (!names.empty() && names.back() == "content_block_delta:" + type) continue;
      names.push_back("content_block_delta:" + type);
      continue;
    }
    if (name == "content_block_start") {
      names.push_back("content_block_start:" + std::string(data.at("content_block").at("type").as_string()));
      continue;
    }
    if (name == "message_delta") {
      EXPECT_EQ(data.at("delta").at("stop_reason").as_string(), "tool_use");
      EXPECT_EQ(data.at("usage").at("output_tokens").to_number<std::uint64_t>(), plan.completion_tokens);
    }
    if (name == "message_start") {
      EXPECT_EQ(data.at("message").at("id").as_string(), "msg_llmsim_1");
      EXPECT_EQ(data.at("message").at("usage").at("input_tokens").to_number<std::uint64_t>(), 3u);
    }
    names.push_back(name);
  }
  EXPECT_EQ(
      names,
      (std::vector<std::string>{
          "message_start", "ping", "content_block_start:thinking", "content_block_delta:thinking_delta",
          "content_block_delta:signature_delta", "content_block_stop", "content_block_start:text",
          "content_block_delta:text_delta", "content_block_stop", "content_block_start:tool_use",
          "content_block_delta:input_json_delta", "content_block_stop", "message_delta", "message_stop"}));
  EXPECT_EQ(thinking, "let me see");
  EXPECT_EQ(text, "the answer");
  EXPECT_EQ(json::parse(input), json::parse(R"({"t":"a long enough argument text"})"));
  EXPECT_EQ(generated, plan.generated_chunks());
}

TEST(LlmsimRender, AnthropicMessage) {
  const auto body = json::parse(anthropic_message(plan_for(
                                    R"(@llmsim {"think":"x","reply":"y",
        "tool":[{"name":"a","arguments":{"k":1}},{"name":"b","arguments":"{broken"}]})",
                                    Api::anthropic)))
                        .as_object();
  EXPECT_EQ(body.at("type").as_string(), "message");
  EXPECT_EQ(body.at("role").as_string(), "assistant");
  EXPECT_EQ(body.at("stop_reason").as_string(), "tool_use");
  const auto& content = body.at("content").as_array();
  ASSERT_EQ(content.size(), 4u);
  EXPECT_EQ(content[0].at("type").as_string(), "thinking");
  EXPECT_EQ(content[0].at("thinking").as_string(), "x");
  EXPECT_TRUE(content[0].as_object().contains("signature"));
  EXPECT_EQ(content[1].at("text").as_string(), "y");
  EXPECT_EQ(content[2].at("input"), json::parse(R"({"k":1})"));
  EXPECT_EQ(content[3].at("input").as_string(), "{broken");

  const auto plain = json::parse(anthropic_message(plan_for("hi", Api::anthropic))).as_object();
  EXPECT_EQ(plain.at("stop_reason").as_string(), "end_turn");
  EXPECT_EQ(plain.at("content").at(0).at("text").as_string(), "echo: hi");
}

TEST(LlmsimRender, FinishReasonsPerApi) {
  auto plan = plan_for("x");
  plan.finish = Finish::length;
  EXPECT_EQ(openai_finish_reason(plan), "length");
  EXPECT_EQ(anthropic_stop_reason(plan), "max_tokens");
  plan.finish_override = "pause_turn";
  EXPECT_EQ(openai_finish_reason(plan), "pause_turn");
  EXPECT_EQ(anthropic_stop_reason(plan), "pause_turn");
}

TEST(LlmsimRender, ErrorsAndModels) {
  const auto openai = json::parse(openai_error(400, "bad thing", "messages")).as_object();
  EXPECT_EQ(openai.at("error").at("message").as_string(), "bad thing");
  EXPECT_EQ(openai.at("error").at("type").as_string(), "invalid_request_error");
  EXPECT_EQ(openai.at("error").at("param").as_string(), "messages");
  EXPECT_TRUE(openai.at("error").at("code").is_null());
  const auto limited = json::parse(openai_error(429, "slow")).as_object();
  EXPECT_EQ(limited.at("error").at("code").as_string(), "rate_limit_exceeded");
  EXPECT_TRUE(limited.at("error").at("param").is_null());

  const auto anthropic = json::parse(anthropic_error(529, "busy")).as_object();
  EXPECT_EQ(anthropic.at("type").as_string(), "error");
  EXPECT_EQ(anthropic.at("error").at("type").as_string(), "overloaded_error");
  EXPECT_EQ(anthropic.at("error").at("message").as_string(), "busy");
  EXPECT_EQ(json::parse(anthropic_error(429, "x")).at("error").at("type").as_string(), "rate_limit_error");
  EXPECT_EQ(json::parse(anthropic_error(400, "x")).at("error").at("type").as_string(),
            "invalid_request_error");

  const auto models = json::parse(openai_models({"a", "b"})).as_object();
  EXPECT_EQ(models.at("object").as_string(), "list");
  EXPECT_EQ(models.at("data").at(1).at("id").as_string(), "b");
  const auto claude = json::parse(anthropic_models({"c"})).as_object();
  EXPECT_EQ(claude.at("data").at(0).at("type").as_string(), "model");
  EXPECT_EQ(claude.at("first_id").as_string(), "c");
  EXPECT_FALSE(claude.at("has_more").as_bool());
  EXPECT_NE(default_error_message(429).find("Rate limit"), std::string::npos);
}

}  // namespace
}  // namespace llmsim

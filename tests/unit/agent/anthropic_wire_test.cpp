#include "agent/anthropic_wire.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace mmclaw::agent {
namespace {

namespace json = boost::json;

using Events = std::vector<std::pair<std::string_view, std::string_view>>;

std::vector<Delta> decode(const Events& events, bool finish = true) {
  AnthropicStreamDecoder decoder;
  std::vector<Delta> out;
  for (const auto& [event, data] : events) {
    for (auto& d : decoder.on_event(event, data)) out.push_back(std::move(d));
  }
  if (finish) {
    for (auto& d : decoder.finish()) out.push_back(std::move(d));
  }
  return out;
}

ChatMessage system_msg(std::string text) {
  return ChatMessage{Role::system, std::move(text), {}, {}, {}, {}};
}
ChatMessage user_msg(std::string text, std::vector<ImagePart> images = {}) {
  return ChatMessage{Role::user, std::move(text), std::move(images), {}, {}, {}};
}
ChatMessage assistant_msg(std::string text, std::vector<ToolCall> calls = {}) {
  return ChatMessage{Role::assistant, std::move(text), {}, std::move(calls), {}, {}};
}
ChatMessage tool_msg(std::string id, std::string name, std::string text) {
  return ChatMessage{Role::tool, std::move(text), {}, {}, std::move(id), std::move(name)};
}

json::object message_tool_schema() {
  return json::parse(R"({"type":"object","properties":{"action":{"type":"string"}},"required":["action"]})")
      .as_object();
}

// --- build_messages_request ----------------------------------------------------------------------

TEST(AnthropicRequest, BuildsAWholeConversation) {
  ModelRequest req;
  req.model = "claude-sonnet-4-5";
  req.messages = {
      system_msg("You are a helpful bot."),
      user_msg("What is in this picture? React to it.", {ImagePart{"image/png", "foobar"}}),
      assistant_msg("Looking.", {ToolCall{"toolu_01", "message", R"({"action":"react","emoji":"cat"})"},
                                 ToolCall{"toolu_02", "message", R"({"action":"read"})"}}),
      tool_msg("toolu_01", "message", "ok"),
      tool_msg("toolu_02", "message", "[]"),
      assistant_msg("It is a cat."),
      user_msg("Think harder about it."),
  };
  req.tools = {ToolSpec{"message", "Send, react or read.", message_tool_schema()}};
  req.think = ThinkLevel::medium;

  const auto expected = json::parse(R"({
    "model": "claude-sonnet-4-5",
    "max_tokens": 12288,
    "system": "You are a helpful bot.",
    "messages": [
      {"role": "user", "content": [
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "Zm9vYmFy"}},
        {"type": "text", "text": "What is in this picture? React to it."}]},
      {"role": "assistant", "content": [
        {"type": "text", "text": "Looking."},
        {"type": "tool_use", "id": "toolu_01", "name": "message", "input": {"action": "react", "emoji": "cat"}},
        {"type": "tool_use", "id": "toolu_02", "name": "message", "input": {"action": "read"}}]},
      {"role": "user", "content": [
        {"type": "tool_result", "tool_use_id": "toolu_01", "content": "ok"},
        {"type": "tool_result", "tool_use_id": "toolu_02", "content": "[]"}]},
      {"role": "assistant", "content": [{"type": "text", "text": "It is a cat."}]},
      {"role": "user", "content": [{"type": "text", "text": "Think harder about it."}]}
    ],
    "tools": [{"name": "message", "description": "Send, react or read.",
               "input_schema": {"type": "object", "properties": {"action": {"type": "string"}},
                                "required": ["action"]}}],
    "thinking": {"type": "enabled", "budget_tokens": 8192},
    "stream": true
  })");
  const auto body = build_messages_request(req);
  EXPECT_EQ(json::value(body), expected) << json::serialize(body);
  // The key order is fixed too (readable in llmsim's request log).
  EXPECT_EQ(json::serialize(body), json::serialize(expected));
}

struct MessagesCase {
  std::string name;
  std::vector<ChatMessage> messages;
  std::string expected_messages;      // JSON
  std::optional<std::string> system;  // JSON of `system`, nullopt when absent
};

class AnthropicRequestMessages : public ::testing::TestWithParam<MessagesCase> {};

TEST_P(AnthropicRequestMessages, MapsTheTranscript) {
  const auto& c = GetParam();
  ModelRequest req;
  req.model = "m";
  req.messages = c.messages;
  const auto body = build_messages_request(req);
  EXPECT_EQ(body.at("messages"), json::parse(c.expected_messages)) << json::serialize(body.at("messages"));
  if (c.system) {
    ASSERT_TRUE(body.contains("system"));
    EXPECT_EQ(body.at("system"), json::parse(*c.system));
  } else {
    EXPECT_FALSE(body.contains("system"));
  }
  EXPECT_FALSE(body.contains("temperature"));
}

INSTANTIATE_TEST_SUITE_P(
    Anthropic, AnthropicRequestMessages,
    ::testing::Values(
        MessagesCase{
            "ConsecutiveUserMessagesAreMerged",
            {user_msg("one"), user_msg("two")},
            R"([{"role":"user","content":[{"type":"text","text":"one"},{"type":"text","text":"two"}]}])",
            std::nullopt},
        MessagesCase{"ConsecutiveAssistantMessagesAreMerged",
                     {user_msg("hi"), assistant_msg("a"), assistant_msg("b")},
                     R"([{"role":"user","content":[{"type":"text","text":"hi"}]},
                         {"role":"assistant","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}])",
                     std::nullopt},
        MessagesCase{"UserTextAfterToolResultsJoinsThemAfterTheResults",
                     {user_msg("go"), assistant_msg("", {ToolCall{"t1", "message", "{}"}}),
                      tool_msg("t1", "message", "done"), user_msg("and now?")},
                     R"([{"role":"user","content":[{"type":"text","text":"go"}]},
                         {"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"message","input":{}}]},
                         {"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"done"},
                                                   {"type":"text","text":"and now?"}]}])",
                     std::nullopt},
        MessagesCase{
            "ToolResultsGoFirstInAMergedUserMessage",
            {assistant_msg("", {ToolCall{"t1", "message", "{}"}}), user_msg("wait"),
             tool_msg("t1", "message", "done")},
            R"([{"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"message","input":{}}]},
                         {"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"done"},
                                                   {"type":"text","text":"wait"}]}])",
            std::nullopt},
        MessagesCase{"InvalidArgumentsBecomeAnEmptyInput",
                     {user_msg("x"),
                      assistant_msg("", {ToolCall{"t1", "message", R"({"action": "re)"},
                                         ToolCall{"t2", "message", "[1,2]"}, ToolCall{"t3", "message", ""}})},
                     R"([{"role":"user","content":[{"type":"text","text":"x"}]},
                         {"role":"assistant","content":[
                           {"type":"tool_use","id":"t1","name":"message","input":{}},
                           {"type":"tool_use","id":"t2","name":"message","input":{}},
                           {"type":"tool_use","id":"t3","name":"message","input":{}}]}])",
                     std::nullopt},
        MessagesCase{"EmptyMessagesAndEmptyTextAreLeftOut",
                     {user_msg("a"), assistant_msg(""), user_msg(""), user_msg("b")},
                     R"([{"role":"user","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}])",
                     std::nullopt},
        MessagesCase{
            "AnEmptyToolResultHasNoContent",
            {assistant_msg("", {ToolCall{"t1", "message", "{}"}}), tool_msg("t1", "message", "")},
            R"([{"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"message","input":{}}]},
                         {"role":"user","content":[{"type":"tool_result","tool_use_id":"t1"}]}])",
            std::nullopt},
        MessagesCase{"SeveralSystemMessagesBecomeTextBlocks",
                     {system_msg("rules"), user_msg("hi"), system_msg("context: DM")},
                     R"([{"role":"user","content":[{"type":"text","text":"hi"}]}])",
                     R"([{"type":"text","text":"rules"},{"type":"text","text":"context: DM"}])"},
        MessagesCase{"AnEmptySystemPromptIsLeftOut",
                     {system_msg(""), user_msg("hi")},
                     R"([{"role":"user","content":[{"type":"text","text":"hi"}]}])",
                     std::nullopt},
        MessagesCase{"ImageMediaTypesAreNormalised",
                     {user_msg("", {ImagePart{"image/JPG", "f"}, ImagePart{"image/webp; q=1", "fo"},
                                    ImagePart{"image/gif", std::string("\xff\x00\x10", 3)}})},
                     R"([{"role":"user","content":[
                           {"type":"image","source":{"type":"base64","media_type":"image/jpeg","data":"Zg=="}},
                           {"type":"image","source":{"type":"base64","media_type":"image/webp","data":"Zm8="}},
                           {"type":"image","source":{"type":"base64","media_type":"image/gif","data":"/wAQ"}}]}])",
                     std::nullopt},
        MessagesCase{"AnUnsupportedImageBecomesANote",
                     {user_msg("see", {ImagePart{"image/bmp", "BM"}})},
                     R"j([{"role":"user","content":[
                           {"type":"text","text":"(An attachment of type image/bmp was left out: only JPEG, PNG, GIF and WebP images can be shown.)"},
                           {"type":"text","text":"see"}]}])j",
                     std::nullopt}),
    [](const auto& p) { return p.param.name; });

struct ThinkingCase {
  std::string name;
  std::optional<ThinkLevel> think;
  std::optional<int> max_tokens;
  bool in_tool_round;
  int expected_max_tokens;
  std::optional<int> expected_budget;
};

class AnthropicRequestThinking : public ::testing::TestWithParam<ThinkingCase> {};

TEST_P(AnthropicRequestThinking, FitsTheBudgetUnderMaxTokens) {
  const auto& c = GetParam();
  ModelRequest req;
  req.model = "m";
  req.max_tokens = c.max_tokens;
  req.think = c.think;
  if (c.in_tool_round) {
    req.messages = {user_msg("go"), assistant_msg("", {ToolCall{"t1", "message", "{}"}}),
                    tool_msg("t1", "message", "done")};
  } else {
    req.messages = {user_msg("go")};
  }
  const auto body = build_messages_request(req);
  EXPECT_EQ(body.at("max_tokens"), json::value(c.expected_max_tokens));
  if (c.expected_budget) {
    ASSERT_TRUE(body.contains("thinking"));
    EXPECT_EQ(body.at("thinking"), json::parse(R"({"type":"enabled","budget_tokens":)" +
                                               std::to_string(*c.expected_budget) + "}"));
    EXPECT_LT(*c.expected_budget, c.expected_max_tokens);
  } else {
    EXPECT_FALSE(body.contains("thinking"));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Anthropic, AnthropicRequestThinking,
    ::testing::Values(
        ThinkingCase{"NotAsked", std::nullopt, std::nullopt, false, 4096, std::nullopt},
        ThinkingCase{"Off", ThinkLevel::off, std::nullopt, false, 4096, std::nullopt},
        ThinkingCase{"OffKnownMax", ThinkLevel::off, 32000, false, 32000, std::nullopt},
        ThinkingCase{"LowDefaultMax", ThinkLevel::low, std::nullopt, false, 6144, 2048},
        ThinkingCase{"MediumDefaultMax", ThinkLevel::medium, std::nullopt, false, 12288, 8192},
        ThinkingCase{"HighDefaultMax", ThinkLevel::high, std::nullopt, false, 20480, 16384},
        ThinkingCase{"HighLargeMax", ThinkLevel::high, 64000, false, 64000, 16384},
        ThinkingCase{"HighCappedByMax", ThinkLevel::high, 8192, false, 8192, 7168},
        ThinkingCase{"MediumCappedByMax", ThinkLevel::medium, 4096, false, 4096, 3072},
        ThinkingCase{"LowAtTheMinimum", ThinkLevel::low, 2048, false, 2048, 1024},
        ThinkingCase{"NoRoomForThinking", ThinkLevel::high, 2000, false, 2000, std::nullopt},
        ThinkingCase{"NonPositiveMaxIsUnknown", ThinkLevel::medium, 0, false, 12288, 8192},
        ThinkingCase{"LeftOutInAToolRound", ThinkLevel::high, std::nullopt, true, 4096, std::nullopt},
        ThinkingCase{"LeftOutInAToolRoundKnownMax", ThinkLevel::high, 16000, true, 16000, std::nullopt}),
    [](const auto& p) { return p.param.name; });

TEST(AnthropicRequest, ToolsWithoutSchemaOrDescriptionStayValid) {
  ModelRequest req;
  req.model = "m";
  req.messages = {user_msg("hi")};
  req.tools = {ToolSpec{"ping", "", {}}};
  const auto body = build_messages_request(req);
  EXPECT_EQ(body.at("tools"),
            json::parse(R"([{"name":"ping","input_schema":{"type":"object","properties":{}}}])"));
}

TEST(AnthropicRequest, NoToolsNoToolsKey) {
  ModelRequest req;
  req.model = "m";
  req.messages = {user_msg("hi")};
  const auto body = build_messages_request(req);
  EXPECT_FALSE(body.contains("tools"));
  EXPECT_EQ(body.at("stream"), json::value(true));
}

// --- anthropic_headers ---------------------------------------------------------------------------

TEST(AnthropicHeaders, CarryTheKeyAndTheVersion) {
  const std::vector<std::pair<std::string, std::string>> expected = {{"x-api-key", "sk-ant-test"},
                                                                     {"anthropic-version", "2023-06-01"},
                                                                     {"content-type", "application/json"}};
  EXPECT_EQ(anthropic_headers("sk-ant-test"), expected);
}

// --- AnthropicStreamDecoder ----------------------------------------------------------------------

// Shaped like a real claude-sonnet-4 stream with extended thinking.
const Events kThinkingStream = {
    {"message_start",
     R"({"type":"message_start","message":{"id":"msg_01ABC","type":"message","role":"assistant","content":[],"model":"claude-sonnet-4-20250514","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":472,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":3,"service_tier":"standard"}}})"},
    {"content_block_start",
     R"({"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":"","signature":""}})"},
    {"ping", R"({"type": "ping"})"},
    {"content_block_delta",
     R"({"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"The user wants 27 * 453."}})"},
    {"content_block_delta",
     R"({"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"\n27 * 453 = 12231."}})"},
    {"content_block_delta",
     R"({"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"EqQBCgIYAhIM1gbcDa9GJwZA2b3h"}})"},
    {"content_block_stop", R"({"type":"content_block_stop","index":0})"},
    {"content_block_start",
     R"({"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}})"},
    {"content_block_delta",
     R"({"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"27 * 453 = "}})"},
    {"content_block_delta",
     R"({"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"**12,231**"}})"},
    {"content_block_stop", R"({"type":"content_block_stop","index":1})"},
    {"message_delta",
     R"({"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":178}})"},
    {"message_stop", R"({"type":"message_stop"})"},
};

TEST(AnthropicStreamDecoder, ThinkingThenText) {
  const std::vector<Delta> expected = {
      ReasoningDelta{"The user wants 27 * 453."},
      ReasoningDelta{"\n27 * 453 = 12231."},
      TextDelta{"27 * 453 = "},
      TextDelta{"**12,231**"},
      FinalDelta{FinishReason::stop, {}, Usage{472, 178, std::nullopt}},
  };
  EXPECT_EQ(decode(kThinkingStream), expected);
}

// Two tool calls whose input arrives in fragments, after a short text block.
const Events kToolStream = {
    {"message_start",
     R"({"type":"message_start","message":{"id":"msg_01T","type":"message","role":"assistant","content":[],"model":"claude-sonnet-4-5","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":900,"cache_read_input_tokens":100,"output_tokens":1}}})"},
    {"ping", R"({"type":"ping"})"},
    {"content_block_start",
     R"({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}})"},
    {"content_block_delta",
     R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"On it."}})"},
    {"content_block_stop", R"({"type":"content_block_stop","index":0})"},
    {"content_block_start",
     R"({"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_01A","name":"message","input":{}}})"},
    {"content_block_delta",
     R"({"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":""}})"},
    {"content_block_delta",
     R"({"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"action\": \"rea"}})"},
    {"content_block_delta",
     R"({"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"ct\", \"emoji\":"}})"},
    {"content_block_delta",
     R"({"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":" \"thumbsup\"}"}})"},
    {"content_block_stop", R"({"type":"content_block_stop","index":1})"},
    {"content_block_start",
     R"({"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"toolu_01B","name":"message","input":{}}})"},
    {"content_block_delta",
     R"({"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{\"action\":"}})"},
    {"content_block_delta",
     R"({"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"\"send\",\"text\":\"h\u00e9\"}"}})"},
    {"content_block_stop", R"({"type":"content_block_stop","index":2})"},
    {"message_delta",
     R"({"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":89}})"},
    {"message_stop", R"({"type":"message_stop"})"},
};

TEST(AnthropicStreamDecoder, TwoToolCallsInFragments) {
  const std::vector<Delta> expected = {
      TextDelta{"On it."},
      ToolActivity{"toolu_01A", "message", false},
      ToolActivity{"toolu_01A", "message", true},
      ToolActivity{"toolu_01B", "message", false},
      ToolActivity{"toolu_01B", "message", true},
      FinalDelta{FinishReason::tool_calls,
                 {ToolCall{"toolu_01A", "message", R"({"action": "react", "emoji": "thumbsup"})"},
                  ToolCall{"toolu_01B", "message", "{\"action\":\"send\",\"text\":\"h\xc3\xa9\"}"}},
                 Usage{1000, 89, std::nullopt}},
  };
  EXPECT_EQ(decode(kToolStream), expected);
}

TEST(AnthropicStreamDecoder, ToolCallWithoutInputHasEmptyObjectArguments) {
  const Events events = {
      {"message_start",
       R"({"type":"message_start","message":{"usage":{"input_tokens":5,"output_tokens":1}}})"},
      {"content_block_start",
       R"({"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"t1","name":"status","input":{}}})"},
      {"content_block_stop", R"({"type":"content_block_stop","index":0})"},
      // A proxy that hands the whole input in the block start and sends no deltas.
      {"content_block_start",
       R"({"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"t2","name":"message","input":{"action":"read"}}})"},
      {"content_block_stop", R"({"type":"content_block_stop","index":1})"},
      {"message_delta",
       R"({"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":7}})"},
      {"message_stop", R"({"type":"message_stop"})"},
  };
  const auto out = decode(events);
  ASSERT_EQ(out.size(), 5u);
  const auto& final = std::get<FinalDelta>(out.back());
  ASSERT_EQ(final.tool_calls.size(), 2u);
  EXPECT_EQ(final.tool_calls[0], (ToolCall{"t1", "status", "{}"}));
  EXPECT_EQ(final.tool_calls[1], (ToolCall{"t2", "message", R"({"action":"read"})"}));
}

struct StopReasonCase {
  std::string stop_reason;
  FinishReason expected;
};

class AnthropicStreamDecoderStopReason : public ::testing::TestWithParam<StopReasonCase> {};

TEST_P(AnthropicStreamDecoderStopReason, MapsToTheFinishReason) {
  const auto& c = GetParam();
  const std::string delta = R"({"type":"message_delta","delta":{"stop_reason":")" + c.stop_reason +
                            R"("},"usage":{"output_tokens":2}})";
  const auto out = decode({{"message_delta", delta}, {"message_stop", R"({"type":"message_stop"})"}});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(std::get<FinalDelta>(out[0]).reason, c.expected);
  EXPECT_EQ(std::get<FinalDelta>(out[0]).usage, (Usage{std::nullopt, 2, std::nullopt}));
}

INSTANTIATE_TEST_SUITE_P(Anthropic, AnthropicStreamDecoderStopReason,
                         ::testing::Values(StopReasonCase{"end_turn", FinishReason::stop},
                                           StopReasonCase{"stop_sequence", FinishReason::stop},
                                           StopReasonCase{"max_tokens", FinishReason::length},
                                           StopReasonCase{"model_context_window_exceeded",
                                                          FinishReason::length},
                                           StopReasonCase{"tool_use", FinishReason::tool_calls},
                                           StopReasonCase{"refusal", FinishReason::content_filter},
                                           StopReasonCase{"pause_turn", FinishReason::unknown},
                                           StopReasonCase{"something_new", FinishReason::unknown}),
                         [](const auto& p) { return p.param.stop_reason; });

TEST(AnthropicStreamDecoder, NoMessageDeltaMeansUnknownReasonAndNoUsage) {
  const auto out = decode({{"message_stop", R"({"type":"message_stop"})"}});
  EXPECT_EQ(out, (std::vector<Delta>{FinalDelta{FinishReason::unknown, {}, std::nullopt}}));
}

struct StreamErrorCase {
  std::string name;
  std::string data;
  ErrorDelta expected;
};

class AnthropicStreamDecoderError : public ::testing::TestWithParam<StreamErrorCase> {};

TEST_P(AnthropicStreamDecoderError, EndsTheStreamMidWay) {
  const auto& c = GetParam();
  AnthropicStreamDecoder decoder;
  std::vector<Delta> out;
  for (const auto& [event, data] : Events(kThinkingStream.begin(), kThinkingStream.begin() + 4)) {
    for (auto& d : decoder.on_event(event, data)) out.push_back(std::move(d));
  }
  EXPECT_EQ(out.size(), 1u);
  EXPECT_EQ(decoder.on_event("error", c.data), (std::vector<Delta>{c.expected}));
  EXPECT_TRUE(decoder.done());
  // Whatever follows is ignored, and the end of the body adds nothing.
  for (const auto& [event, data] : Events(kThinkingStream.begin() + 4, kThinkingStream.end())) {
    EXPECT_TRUE(decoder.on_event(event, data).empty()) << event;
  }
  EXPECT_TRUE(decoder.finish().empty());
}

INSTANTIATE_TEST_SUITE_P(
    Anthropic, AnthropicStreamDecoderError,
    ::testing::Values(
        StreamErrorCase{"Overloaded",
                        R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})",
                        ErrorDelta{"overloaded_error: Overloaded", true, std::nullopt}},
        StreamErrorCase{
            "RateLimited",
            R"({"type":"error","error":{"type":"rate_limit_error","message":"Too many requests"}})",
            ErrorDelta{"rate_limit_error: Too many requests", true, std::nullopt}},
        StreamErrorCase{"ApiError",
                        R"({"type":"error","error":{"type":"api_error","message":"Internal error"}})",
                        ErrorDelta{"api_error: Internal error", true, std::nullopt}},
        StreamErrorCase{
            "InvalidRequest",
            R"({"type":"error","error":{"type":"invalid_request_error","message":"prompt is too long"}})",
            ErrorDelta{"invalid_request_error: prompt is too long", false, std::nullopt}},
        StreamErrorCase{
            "Authentication",
            R"({"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}})",
            ErrorDelta{"authentication_error: invalid x-api-key", false, std::nullopt}},
        StreamErrorCase{"Permission",
                        R"({"type":"error","error":{"type":"permission_error","message":"not allowed"}})",
                        ErrorDelta{"permission_error: not allowed", false, std::nullopt}},
        StreamErrorCase{
            "KeyInTheMessageIsRedacted",
            R"({"type":"error","error":{"type":"authentication_error","message":"bad key sk-ant-api03-AbC_dEf"}})",
            ErrorDelta{"authentication_error: bad key ***", false, std::nullopt}},
        StreamErrorCase{"NoDetails", R"({"type":"error"})",
                        ErrorDelta{"the model server reported an error mid-stream", false, std::nullopt}}),
    [](const auto& p) { return p.param.name; });

TEST(AnthropicStreamDecoder, EarlyEndIsARetryableError) {
  // The body ends after the first text delta (a dropped connection).
  const Events events(kThinkingStream.begin(), kThinkingStream.begin() + 9);
  const auto out = decode(events);
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out.back(), (Delta{ErrorDelta{"the model's stream ended early", true, std::nullopt}}));
  EXPECT_EQ(std::ranges::count_if(out, [](const Delta& d) { return std::holds_alternative<ErrorDelta>(d); }),
            1);
}

TEST(AnthropicStreamDecoder, EmptyBodyIsAnEarlyEnd) {
  AnthropicStreamDecoder decoder;
  EXPECT_EQ(decoder.finish(),
            (std::vector<Delta>{ErrorDelta{"the model's stream ended early", true, std::nullopt}}));
  EXPECT_TRUE(decoder.finish().empty());
}

TEST(AnthropicStreamDecoder, NothingAfterMessageStop) {
  AnthropicStreamDecoder decoder;
  for (const auto& [event, data] : kThinkingStream) decoder.on_event(event, data);
  EXPECT_TRUE(decoder.done());
  EXPECT_TRUE(decoder.on_event("content_block_delta", kThinkingStream[8].second).empty());
  EXPECT_TRUE(decoder.finish().empty());
}

TEST(AnthropicStreamDecoder, UnknownEventsAndKindsAreIgnored) {
  Events events = {
      {"message_start",
       R"({"type":"message_start","message":{"usage":{"input_tokens":3,"output_tokens":1}}})"},
      {"future_event", R"({"type":"future_event","anything":[1,2,3]})"},
      {"future_event", "not even json"},
      {"content_block_start",
       R"({"type":"content_block_start","index":0,"content_block":{"type":"redacted_thinking","data":"EmwKAhgB"}})"},
      {"content_block_stop", R"({"type":"content_block_stop","index":0})"},
      {"content_block_start",
       R"({"type":"content_block_start","index":1,"content_block":{"type":"server_tool_use","id":"srvtoolu_1","name":"web_search","input":{}}})"},
      {"content_block_delta",
       R"({"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"query\":\"x\"}"}})"},
      {"content_block_stop", R"({"type":"content_block_stop","index":1})"},
      {"content_block_start",
       R"({"type":"content_block_start","index":2,"content_block":{"type":"text","text":""}})"},
      {"content_block_delta",
       R"({"type":"content_block_delta","index":2,"delta":{"type":"citations_delta","citation":{"type":"char_location"}}})"},
      {"content_block_delta",
       R"({"type":"content_block_delta","index":2,"delta":{"type":"text_delta","text":"hi"}})"},
      {"content_block_stop", R"({"type":"content_block_stop","index":2})"},
      {"ping", ""},
      {"message_delta",
       R"({"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":4}})"},
      {"message_stop", R"({"type":"message_stop"})"},
  };
  const std::vector<Delta> expected = {TextDelta{"hi"},
                                       FinalDelta{FinishReason::stop, {}, Usage{3, 4, std::nullopt}}};
  EXPECT_EQ(decode(events), expected);
}

TEST(AnthropicStreamDecoder, EventsWithoutANameAreNamedByTheirType) {
  const Events events = {
      {"", R"({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}})"},
      {"message", R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"ok"}})"},
      {"", R"({"type":"ping"})"},
      {"", R"({"type":"unknown_kind"})"},
      {"", R"({"type":"message_stop"})"},
  };
  const std::vector<Delta> expected = {TextDelta{"ok"}, FinalDelta{FinishReason::unknown, {}, std::nullopt}};
  EXPECT_EQ(decode(events), expected);
}

struct MalformedCase {
  std::string name;
  std::string event;
  std::string data;
};

class AnthropicStreamDecoderMalformed : public ::testing::TestWithParam<MalformedCase> {};

TEST_P(AnthropicStreamDecoderMalformed, IsAnError) {
  const auto& c = GetParam();
  const Events events = {
      {"content_block_start",
       R"({"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"t","name":"n","input":{}}})"},
      {c.event, c.data},
      {"message_stop", R"({"type":"message_stop"})"},
  };
  const std::vector<Delta> expected = {ToolActivity{"t", "n", false},
                                       ErrorDelta{"the model's stream was malformed", true, std::nullopt}};
  EXPECT_EQ(decode(events), expected);
}

INSTANTIATE_TEST_SUITE_P(
    Anthropic, AnthropicStreamDecoderMalformed,
    ::testing::Values(
        MalformedCase{"NotJson", "content_block_delta",
                      R"({"type":"content_block_delta","index":0,"delta":)"},
        MalformedCase{"NotAnObject", "message_delta", "[1,2]"},
        MalformedCase{"UnnamedNotJson", "", "garbage"},
        MalformedCase{"DeltaWithoutIndex", "content_block_delta",
                      R"({"type":"content_block_delta","delta":{"type":"text_delta","text":"x"}})"},
        MalformedCase{"NegativeIndex", "content_block_stop", R"({"type":"content_block_stop","index":-1})"},
        MalformedCase{"TextDeltaWithoutText", "content_block_delta",
                      R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta"}})"},
        MalformedCase{
            "FragmentNotAString", "content_block_delta",
            R"({"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":5}})"},
        MalformedCase{
            "ToolUseWithoutName", "content_block_start",
            R"({"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"x"}})"},
        MalformedCase{
            "ToolUseIndexTwice", "content_block_start",
            R"({"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"u","name":"n"}})"}),
    [](const auto& p) { return p.param.name; });

TEST(AnthropicStreamDecoder, TooManyToolBlocksIsAnError) {
  AnthropicStreamDecoder decoder;
  for (std::size_t i = 0; i < kAnthropicMaxToolBlocks; ++i) {
    const auto data = R"({"type":"content_block_start","index":)" + std::to_string(i) +
                      R"(,"content_block":{"type":"tool_use","id":"t","name":"n","input":{}}})";
    ASSERT_EQ(decoder.on_event("content_block_start", data).size(), 1u);
  }
  const auto data = R"({"type":"content_block_start","index":)" + std::to_string(kAnthropicMaxToolBlocks) +
                    R"(,"content_block":{"type":"tool_use","id":"t","name":"n","input":{}}})";
  EXPECT_EQ(decoder.on_event("content_block_start", data),
            (std::vector<Delta>{
                ErrorDelta{"the model asked for too many tool calls at once", false, std::nullopt}}));
}

TEST(AnthropicStreamDecoder, TooLargeToolInputIsAnError) {
  AnthropicStreamDecoder decoder;
  decoder.on_event(
      "content_block_start",
      R"({"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"t","name":"n"}})");
  const std::string piece(kAnthropicMaxToolInputBytes / 2, 'a');
  const auto delta =
      R"({"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":")" +
      piece + R"("}})";
  EXPECT_TRUE(decoder.on_event("content_block_delta", delta).empty());
  EXPECT_TRUE(decoder.on_event("content_block_delta", delta).empty());  // exactly the limit
  EXPECT_EQ(
      decoder.on_event(
          "content_block_delta",
          R"({"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"b"}})"),
      (std::vector<Delta>{ErrorDelta{"a tool call's arguments were too large", false, std::nullopt}}));
}

// --- anthropic_error_from_http -------------------------------------------------------------------

struct HttpErrorCase {
  std::string name;
  int status;
  std::string body;
  std::string message;
  bool retryable;
};

class AnthropicHttpError : public ::testing::TestWithParam<HttpErrorCase> {};

TEST_P(AnthropicHttpError, IsShortSafeAndClassified) {
  const auto& c = GetParam();
  const auto error = anthropic_error_from_http(c.status, c.body);
  EXPECT_EQ(error, (ErrorDelta{c.message, c.retryable, c.status}));
  EXPECT_LE(error.message.size(), 200u);
  EXPECT_EQ(error.message.find("sk-ant"), std::string::npos);
}

const std::string kLongMessage = "prompt is too long: " + std::string(300, 'x');
const std::string kLongExpected =
    "invalid_request_error: prompt is too long: " + std::string(154, 'x') + "\xe2\x80\xa6";

INSTANTIATE_TEST_SUITE_P(
    Anthropic, AnthropicHttpError,
    ::testing::Values(
        HttpErrorCase{
            "RateLimited", 429,
            R"({"type":"error","error":{"type":"rate_limit_error","message":"Number of request tokens has exceeded your per-minute rate limit"}})",
            "rate_limit_error: Number of request tokens has exceeded your per-minute rate limit", true},
        HttpErrorCase{"Overloaded529", 529,
                      R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})",
                      "overloaded_error: Overloaded", true},
        HttpErrorCase{"ApiError500", 500,
                      R"({"type":"error","error":{"type":"api_error","message":"Internal server error"}})",
                      "api_error: Internal server error", true},
        HttpErrorCase{"Timeout504", 504,
                      R"({"type":"error","error":{"type":"timeout_error","message":"Request timed out"}})",
                      "timeout_error: Request timed out", true},
        HttpErrorCase{"BadGatewayHtml", 502,
                      "<html><body>Bad Gateway sk-ant-api03-secretsecretsecret</body></html>",
                      "HTTP 502 from the model server", true},
        HttpErrorCase{"Unavailable503EmptyBody", 503, "", "HTTP 503 from the model server", true},
        HttpErrorCase{
            "InvalidRequest", 400,
            R"({"type":"error","error":{"type":"invalid_request_error","message":"max_tokens: Field required"}})",
            "invalid_request_error: max_tokens: Field required", false},
        HttpErrorCase{"NotFound", 404,
                      R"({"type":"error","error":{"type":"not_found_error","message":"model: claude-nope"}})",
                      "not_found_error: model: claude-nope", false},
        HttpErrorCase{
            "AuthenticationRedactsLongKey", 401,
            R"({"type":"error","error":{"type":"authentication_error","message":"invalid key sk-ant-api03-Zr9x_Q-1234567890abcdefghijklmnop"}})",
            "authentication_error: invalid key ***", false},
        HttpErrorCase{
            "AuthenticationRedactsMaskedKey", 401,
            R"({"type":"error","error":{"type":"authentication_error","message":"Incorrect API key provided: sk-ant-ap*****xyz. Check it."}})",
            "authentication_error: Incorrect API key provided: *** Check it.", false},
        HttpErrorCase{"Permission", 403,
                      R"({"type":"error","error":{"type":"permission_error","message":"not allowed"}})",
                      "permission_error: not allowed", false},
        HttpErrorCase{"ProxyStringError", 500, R"({"error":"upstream\nfailed"})", "upstream failed", true},
        HttpErrorCase{"TopLevelMessage", 400, R"({"message":"bad model"})", "bad model", false},
        HttpErrorCase{"LongMessageIsShortened", 400,
                      R"({"type":"error","error":{"type":"invalid_request_error","message":")" +
                          kLongMessage + R"("}})",
                      kLongExpected, false}),
    [](const auto& p) { return p.param.name; });

TEST(AnthropicHttpError, ShorteningNeverSplitsACharacter) {
  // The cut falls inside the first é (bytes 196..197): it goes whole.
  std::string message = std::string(196, 'a');
  for (int i = 0; i < 20; ++i) message += "\xc3\xa9";  // é
  const auto error =
      anthropic_error_from_http(400, R"({"error":{"type":"","message":")" + message + R"("}})");
  EXPECT_LE(error.message.size(), 200u);
  EXPECT_EQ(error.message, std::string(196, 'a') + "\xe2\x80\xa6");
}

}  // namespace
}  // namespace mmclaw::agent

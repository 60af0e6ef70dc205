#include "agent/openai_wire.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "agent/sse.hpp"

namespace mmclaw::agent {

// Readable failure output for the deltas (internal linkage: other test files may print them too).
static void PrintTo(const TextDelta& d, std::ostream* os) {
  *os << "Text{" << d.text << "}";
}
static void PrintTo(const ReasoningDelta& d, std::ostream* os) {
  *os << "Reasoning{" << d.text << "}";
}
static void PrintTo(const ToolActivity& d, std::ostream* os) {
  *os << "ToolActivity{" << d.id << ", " << d.name << ", " << (d.complete ? "complete" : "started") << "}";
}
static void PrintTo(const FinalDelta& d, std::ostream* os) {
  *os << "Final{reason " << static_cast<int>(d.reason) << ", calls [";
  for (const auto& c : d.tool_calls) *os << c.id << " " << c.name << " " << c.arguments << "; ";
  *os << "]";
  if (d.usage) {
    *os << ", usage " << d.usage->input_tokens.value_or(-1) << "/" << d.usage->output_tokens.value_or(-1)
        << "/" << d.usage->reasoning_tokens.value_or(-1);
  }
  *os << "}";
}
static void PrintTo(const ErrorDelta& d, std::ostream* os) {
  *os << "Error{" << d.message << ", " << (d.retryable ? "retryable" : "final") << ", status "
      << d.status.value_or(0) << "}";
}

namespace {

namespace json = boost::json;
using testing::HasSubstr;
using testing::Not;

// --- Helpers -------------------------------------------------------------------------------------

// The body of an SSE stream with one `data:` event per entry.
std::string sse(const std::vector<std::string>& datas) {
  std::string out;
  for (const auto& d : datas) out += "data: " + d + "\n\n";
  return out;
}

// What the backend does: body bytes → SseParser → OpenAiStreamDecoder, in pieces of `piece` bytes
// (0: all at once), then the end of the body.
std::vector<Delta> run(std::string_view body, std::size_t piece = 0) {
  SseParser parser;
  OpenAiStreamDecoder decoder;
  std::vector<Delta> out;
  const auto take = [&](std::vector<Delta> deltas) {
    for (auto& d : deltas) out.push_back(std::move(d));
  };
  const std::size_t step = piece == 0 ? body.size() + 1 : piece;
  for (std::size_t pos = 0; pos < body.size(); pos += step) {
    for (const auto& event : parser.feed(body.substr(pos, step))) take(decoder.feed(event.data));
  }
  parser.finish();
  take(decoder.finish());
  return out;
}

std::vector<Delta> decode(const std::vector<std::string>& datas) {
  OpenAiStreamDecoder decoder;
  std::vector<Delta> out;
  for (const auto& d : datas) {
    for (auto& delta : decoder.feed(d)) out.push_back(std::move(delta));
  }
  for (auto& delta : decoder.finish()) out.push_back(std::move(delta));
  return out;
}

Delta text(std::string t) {
  return TextDelta{std::move(t)};
}
Delta reasoning(std::string t) {
  return ReasoningDelta{std::move(t)};
}
Delta started(std::string id, std::string name) {
  return ToolActivity{std::move(id), std::move(name), false};
}
Delta completed(std::string id, std::string name) {
  return ToolActivity{std::move(id), std::move(name), true};
}
Delta final_delta(FinishReason reason, std::vector<ToolCall> calls = {}, std::optional<Usage> usage = {}) {
  return FinalDelta{reason, std::move(calls), usage};
}
Usage usage(std::int64_t in, std::int64_t out, std::optional<std::int64_t> reasoning_tokens = {}) {
  return Usage{in, out, reasoning_tokens};
}
Delta error(std::string message, bool retryable) {
  return ErrorDelta{std::move(message), retryable, std::nullopt};
}

// --- Captured streams ----------------------------------------------------------------------------

// api.openai.com, gpt-4o-mini, stream_options.include_usage.
const std::vector<std::string> kOpenAiText = {
    R"({"id":"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT","object":"chat.completion.chunk","created":1741569952,"model":"gpt-4o-mini-2024-07-18","service_tier":"default","system_fingerprint":"fp_06737a9306","choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}],"usage":null})",
    R"({"id":"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT","object":"chat.completion.chunk","created":1741569952,"model":"gpt-4o-mini-2024-07-18","service_tier":"default","system_fingerprint":"fp_06737a9306","choices":[{"index":0,"delta":{"content":"Hello"},"logprobs":null,"finish_reason":null}],"usage":null})",
    R"({"id":"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT","object":"chat.completion.chunk","created":1741569952,"model":"gpt-4o-mini-2024-07-18","service_tier":"default","system_fingerprint":"fp_06737a9306","choices":[{"index":0,"delta":{"content":"! How can I help?"},"logprobs":null,"finish_reason":null}],"usage":null})",
    R"({"id":"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT","object":"chat.completion.chunk","created":1741569952,"model":"gpt-4o-mini-2024-07-18","service_tier":"default","system_fingerprint":"fp_06737a9306","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],"usage":null})",
    R"({"id":"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT","object":"chat.completion.chunk","created":1741569952,"model":"gpt-4o-mini-2024-07-18","service_tier":"default","system_fingerprint":"fp_06737a9306","choices":[],"usage":{"prompt_tokens":19,"completion_tokens":10,"total_tokens":29,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}})",
    "[DONE]"};

// api.openai.com, a reasoning model calling a tool.
const std::vector<std::string> kOpenAiToolCall = {
    R"({"id":"chatcmpl-1","object":"chat.completion.chunk","created":1741570000,"model":"o4-mini-2025-04-16","choices":[{"index":0,"delta":{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_DdmO9pD3xa9XTPNJ32zg2hcA","type":"function","function":{"name":"get_weather","arguments":""}}],"refusal":null},"logprobs":null,"finish_reason":null}],"usage":null})",
    R"({"id":"chatcmpl-1","object":"chat.completion.chunk","created":1741570000,"model":"o4-mini-2025-04-16","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\""}}]},"logprobs":null,"finish_reason":null}],"usage":null})",
    R"({"id":"chatcmpl-1","object":"chat.completion.chunk","created":1741570000,"model":"o4-mini-2025-04-16","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"location"}}]},"logprobs":null,"finish_reason":null}],"usage":null})",
    R"({"id":"chatcmpl-1","object":"chat.completion.chunk","created":1741570000,"model":"o4-mini-2025-04-16","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\":\"Paris, France\"}"}}]},"logprobs":null,"finish_reason":null}],"usage":null})",
    R"({"id":"chatcmpl-1","object":"chat.completion.chunk","created":1741570000,"model":"o4-mini-2025-04-16","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"tool_calls"}],"usage":null})",
    R"({"id":"chatcmpl-1","object":"chat.completion.chunk","created":1741570000,"model":"o4-mini-2025-04-16","choices":[],"usage":{"prompt_tokens":80,"completion_tokens":150,"total_tokens":230,"completion_tokens_details":{"reasoning_tokens":128}}})",
    "[DONE]"};

// vLLM with a reasoning parser (Qwen3): reasoning_content deltas, then content.
const std::vector<std::string> kVllmReasoning = {
    R"({"id":"chatcmpl-9f2e7c","object":"chat.completion.chunk","created":1745000000,"model":"Qwen/Qwen3-8B","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]})",
    R"({"id":"chatcmpl-9f2e7c","object":"chat.completion.chunk","created":1745000000,"model":"Qwen/Qwen3-8B","choices":[{"index":0,"delta":{"reasoning_content":"The user"},"logprobs":null,"finish_reason":null}]})",
    R"({"id":"chatcmpl-9f2e7c","object":"chat.completion.chunk","created":1745000000,"model":"Qwen/Qwen3-8B","choices":[{"index":0,"delta":{"reasoning_content":" greets me."},"logprobs":null,"finish_reason":null}]})",
    R"({"id":"chatcmpl-9f2e7c","object":"chat.completion.chunk","created":1745000000,"model":"Qwen/Qwen3-8B","choices":[{"index":0,"delta":{"content":"Hi"},"logprobs":null,"finish_reason":null}]})",
    R"({"id":"chatcmpl-9f2e7c","object":"chat.completion.chunk","created":1745000000,"model":"Qwen/Qwen3-8B","choices":[{"index":0,"delta":{"content":" there!"},"logprobs":null,"finish_reason":"stop","stop_reason":null}]})",
    "[DONE]"};

// vLLM with the hermes tool parser: the first piece has no arguments member.
const std::vector<std::string> kVllmToolCall = {
    R"({"id":"chatcmpl-77","object":"chat.completion.chunk","created":1745000001,"model":"Qwen/Qwen3-8B","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]})",
    R"({"id":"chatcmpl-77","object":"chat.completion.chunk","created":1745000001,"model":"Qwen/Qwen3-8B","choices":[{"index":0,"delta":{"tool_calls":[{"id":"chatcmpl-tool-3b6a0e8f","type":"function","index":0,"function":{"name":"get_weather"}}]},"logprobs":null,"finish_reason":null}]})",
    R"({"id":"chatcmpl-77","object":"chat.completion.chunk","created":1745000001,"model":"Qwen/Qwen3-8B","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"city\": \""}}]},"logprobs":null,"finish_reason":null}]})",
    R"({"id":"chatcmpl-77","object":"chat.completion.chunk","created":1745000001,"model":"Qwen/Qwen3-8B","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"Berlin\"}"}}]},"logprobs":null,"finish_reason":null}]})",
    R"({"id":"chatcmpl-77","object":"chat.completion.chunk","created":1745000001,"model":"Qwen/Qwen3-8B","choices":[{"index":0,"delta":{"content":""},"logprobs":null,"finish_reason":"tool_calls","stop_reason":null}]})",
    "[DONE]"};

// llama.cpp's server: content null in the first chunk, usage and timings in the finish chunk.
const std::vector<std::string> kLlamaCpp = {
    R"({"choices":[{"finish_reason":null,"index":0,"delta":{"role":"assistant","content":null}}],"created":1745000100,"id":"chatcmpl-Zs3bcK","model":"gpt-3.5-turbo","system_fingerprint":"b5460-2f0f8a1d","object":"chat.completion.chunk"})",
    R"({"choices":[{"finish_reason":null,"index":0,"delta":{"reasoning_content":"Short answer."}}],"created":1745000100,"id":"chatcmpl-Zs3bcK","model":"gpt-3.5-turbo","system_fingerprint":"b5460-2f0f8a1d","object":"chat.completion.chunk"})",
    R"({"choices":[{"finish_reason":null,"index":0,"delta":{"content":"Bonjour"}}],"created":1745000100,"id":"chatcmpl-Zs3bcK","model":"gpt-3.5-turbo","system_fingerprint":"b5460-2f0f8a1d","object":"chat.completion.chunk"})",
    R"({"choices":[{"finish_reason":"stop","index":0,"delta":{}}],"created":1745000100,"id":"chatcmpl-Zs3bcK","model":"gpt-3.5-turbo","system_fingerprint":"b5460-2f0f8a1d","object":"chat.completion.chunk","usage":{"completion_tokens":7,"prompt_tokens":21,"total_tokens":28},"timings":{"prompt_n":21,"prompt_ms":35.2,"prompt_per_token_ms":1.67,"predicted_n":7,"predicted_ms":92.4,"predicted_per_token_ms":13.2}})",
    "[DONE]"};

// Ollama's /v1: `reasoning` deltas, the whole tool call in one chunk, usage in a last chunk.
const std::vector<std::string> kOllama = {
    R"({"id":"chatcmpl-512","object":"chat.completion.chunk","created":1745000200,"model":"qwen3:8b","system_fingerprint":"fp_ollama","choices":[{"index":0,"delta":{"role":"assistant","content":"","reasoning":"Need the weather."},"finish_reason":null}]})",
    R"({"id":"chatcmpl-512","object":"chat.completion.chunk","created":1745000200,"model":"qwen3:8b","system_fingerprint":"fp_ollama","choices":[{"index":0,"delta":{"role":"assistant","content":"","tool_calls":[{"id":"call_b8xq2k1m","index":0,"type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Toronto\"}"}}]},"finish_reason":null}]})",
    R"({"id":"chatcmpl-512","object":"chat.completion.chunk","created":1745000200,"model":"qwen3:8b","system_fingerprint":"fp_ollama","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":"tool_calls"}]})",
    R"({"id":"chatcmpl-512","object":"chat.completion.chunk","created":1745000200,"model":"qwen3:8b","system_fingerprint":"fp_ollama","choices":[],"usage":{"prompt_tokens":151,"completion_tokens":24,"total_tokens":175}})",
    "[DONE]"};

// What llmsim sends (tools/llmsim/render.cpp, openai_stream with include_usage).
std::string llmsim_chunk(const std::string& delta, const std::string& finish = "null") {
  return R"({"id":"chatcmpl-llmsim-3","object":"chat.completion.chunk","created":1763000000,"model":"sim-chat","system_fingerprint":"llmsim","choices":[{"index":0,"delta":)" +
         delta + R"(,"logprobs":null,"finish_reason":)" + finish + "}]}";
}
const std::vector<std::string> kLlmsim = {
    llmsim_chunk(R"({"role":"assistant","content":""})"),
    llmsim_chunk(R"({"reasoning_content":"think "})"),
    llmsim_chunk(R"({"reasoning_content":"hard"})"),
    llmsim_chunk(R"({"content":"echo: "})"),
    llmsim_chunk(R"({"content":"hi"})"),
    llmsim_chunk(
        R"({"tool_calls":[{"index":0,"id":"call_llmsim_3_0","type":"function","function":{"name":"message","arguments":""}}]})"),
    llmsim_chunk(R"({"tool_calls":[{"index":0,"function":{"arguments":"{\"action"}}]})"),
    llmsim_chunk(R"({"tool_calls":[{"index":0,"function":{"arguments":"\":\"react\"}"}}]})"),
    llmsim_chunk("{}", "\"tool_calls\""),
    R"({"id":"chatcmpl-llmsim-3","object":"chat.completion.chunk","created":1763000000,"model":"sim-chat","system_fingerprint":"llmsim","choices":[],"usage":{"prompt_tokens":4,"completion_tokens":7,"total_tokens":11}})",
    "[DONE]"};

// --- The decoder on captured streams -------------------------------------------------------------

TEST(OpenAiStreamDecoder, OpenAiText) {
  EXPECT_EQ(decode(kOpenAiText), (std::vector<Delta>{text("Hello"), text("! How can I help?"),
                                                     final_delta(FinishReason::stop, {}, usage(19, 10, 0))}));
}

TEST(OpenAiStreamDecoder, OpenAiToolCall) {
  const ToolCall call{"call_DdmO9pD3xa9XTPNJ32zg2hcA", "get_weather", R"({"location":"Paris, France"})"};
  EXPECT_EQ(decode(kOpenAiToolCall),
            (std::vector<Delta>{started(call.id, call.name), completed(call.id, call.name),
                                final_delta(FinishReason::tool_calls, {call}, usage(80, 150, 128))}));
}

TEST(OpenAiStreamDecoder, VllmReasoningContent) {
  EXPECT_EQ(decode(kVllmReasoning),
            (std::vector<Delta>{reasoning("The user"), reasoning(" greets me."), text("Hi"), text(" there!"),
                                final_delta(FinishReason::stop)}));
}

TEST(OpenAiStreamDecoder, VllmToolCall) {
  const ToolCall call{"chatcmpl-tool-3b6a0e8f", "get_weather", R"({"city": "Berlin"})"};
  EXPECT_EQ(decode(kVllmToolCall),
            (std::vector<Delta>{started(call.id, call.name), completed(call.id, call.name),
                                final_delta(FinishReason::tool_calls, {call})}));
}

TEST(OpenAiStreamDecoder, LlamaCpp) {
  EXPECT_EQ(decode(kLlamaCpp), (std::vector<Delta>{reasoning("Short answer."), text("Bonjour"),
                                                   final_delta(FinishReason::stop, {}, usage(21, 7))}));
}

TEST(OpenAiStreamDecoder, Ollama) {
  const ToolCall call{"call_b8xq2k1m", "get_weather", R"({"city":"Toronto"})"};
  EXPECT_EQ(decode(kOllama),
            (std::vector<Delta>{reasoning("Need the weather."), started(call.id, call.name),
                                completed(call.id, call.name),
                                final_delta(FinishReason::tool_calls, {call}, usage(151, 24))}));
}

TEST(OpenAiStreamDecoder, LlmsimThroughTheSseParserInAnyPieces) {
  const ToolCall call{"call_llmsim_3_0", "message", R"({"action":"react"})"};
  const std::vector<Delta> expected{reasoning("think "),
                                    reasoning("hard"),
                                    text("echo: "),
                                    text("hi"),
                                    started(call.id, call.name),
                                    completed(call.id, call.name),
                                    final_delta(FinishReason::tool_calls, {call}, usage(4, 7))};
  const std::string body = sse(kLlmsim);
  for (const std::size_t piece : {0, 1, 2, 7, 64, 1000}) {
    EXPECT_EQ(run(body, piece), expected) << "pieces of " << piece;
  }
}

TEST(OpenAiStreamDecoder, OpenRouterCommentsAndReasoning) {
  const std::string body =
      ": OPENROUTER PROCESSING\n\n: OPENROUTER PROCESSING\n\n" +
      sse({R"({"id":"gen-1","provider":"DeepInfra","model":"deepseek/deepseek-r1","object":"chat.completion.chunk","created":1745000300,"choices":[{"index":0,"delta":{"role":"assistant","content":"","reasoning":"Hmm"},"finish_reason":null,"native_finish_reason":null,"logprobs":null}]})",
           R"({"id":"gen-1","provider":"DeepInfra","model":"deepseek/deepseek-r1","object":"chat.completion.chunk","created":1745000300,"choices":[{"index":0,"delta":{"role":"assistant","content":"Yes.","reasoning":null},"finish_reason":"stop","native_finish_reason":"stop","logprobs":null}]})",
           R"({"id":"gen-1","provider":"DeepInfra","model":"deepseek/deepseek-r1","object":"chat.completion.chunk","created":1745000300,"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null,"native_finish_reason":null,"logprobs":null}],"usage":{"prompt_tokens":10,"completion_tokens":5,"total_tokens":15,"completion_tokens_details":{"reasoning_tokens":3}}})",
           "[DONE]"});
  EXPECT_EQ(run(body), (std::vector<Delta>{reasoning("Hmm"), text("Yes."),
                                           final_delta(FinishReason::stop, {}, usage(10, 5, 3))}));
}

// --- Decoder details -----------------------------------------------------------------------------

TEST(OpenAiStreamDecoder, PrefersReasoningContentWhenBothAreSent) {
  EXPECT_EQ(decode({R"({"choices":[{"index":0,"delta":{"reasoning_content":"a","reasoning":"a"}}]})",
                    R"({"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]})", "[DONE]"}),
            (std::vector<Delta>{reasoning("a"), final_delta(FinishReason::stop)}));
}

TEST(OpenAiStreamDecoder, ReadsChoiceZeroOnly) {
  EXPECT_EQ(
      decode(
          {R"({"choices":[{"index":1,"delta":{"content":"other"}},{"index":0,"delta":{"content":"mine"}}]})",
           R"({"choices":[{"delta":{"content":"!"},"finish_reason":"stop"}]})", "[DONE]"}),
      (std::vector<Delta>{text("mine"), text("!"), final_delta(FinishReason::stop)}));
}

TEST(OpenAiStreamDecoder, ARefusalIsShownAsText) {
  EXPECT_EQ(
      decode({R"({"choices":[{"index":0,"delta":{"content":null,"refusal":"I can't help with that."}}]})",
              R"({"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]})", "[DONE]"}),
      (std::vector<Delta>{text("I can't help with that."), final_delta(FinishReason::stop)}));
}

TEST(OpenAiStreamDecoder, LegacyFunctionCall) {
  const auto deltas =
      decode({R"({"choices":[{"index":0,"delta":{"function_call":{"name":"f","arguments":""}}}]})",
              R"({"choices":[{"index":0,"delta":{"function_call":{"arguments":"{\"a\":1}"}}}]})",
              R"({"choices":[{"index":0,"delta":{},"finish_reason":"function_call"}]})", "[DONE]"});
  EXPECT_EQ(deltas,
            (std::vector<Delta>{started("call_0", "f"), completed("call_0", "f"),
                                final_delta(FinishReason::tool_calls, {{"call_0", "f", R"({"a":1})"}})}));
}

TEST(OpenAiStreamDecoder, StopAfterToolCallsMeansToolCalls) {
  // Older Ollama and some vLLM parsers say "stop" after calling tools.
  const auto deltas = decode(
      {R"({"choices":[{"index":0,"delta":{"tool_calls":[{"id":"c","function":{"name":"f","arguments":"{}"}}]}}]})",
       R"({"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]})", "[DONE]"});
  EXPECT_EQ(deltas, (std::vector<Delta>{started("c", "f"), completed("c", "f"),
                                        final_delta(FinishReason::tool_calls, {{"c", "f", "{}"}})}));
}

TEST(OpenAiStreamDecoder, ToolCallsCutByTheLengthLimitAreNotRun) {
  const auto deltas = decode(
      {R"({"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"c","function":{"name":"f","arguments":"{\"text\":\"lo"}}]}}]})",
       R"({"choices":[{"index":0,"delta":{},"finish_reason":"length"}]})", "[DONE]"});
  EXPECT_EQ(deltas, (std::vector<Delta>{started("c", "f"), final_delta(FinishReason::length)}));
}

TEST(OpenAiStreamDecoder, TheLastUsageWins) {
  // vLLM with continuous_usage_stats repeats cumulative usage on every chunk.
  EXPECT_EQ(
      decode(
          {R"({"choices":[{"index":0,"delta":{"content":"a"}}],"usage":{"prompt_tokens":5,"completion_tokens":1}})",
           R"({"choices":[{"index":0,"delta":{"content":"b"},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":2}})",
           "[DONE]"}),
      (std::vector<Delta>{text("a"), text("b"), final_delta(FinishReason::stop, {}, usage(5, 2))}));
}

TEST(OpenAiStreamDecoder, MapsFinishReasons) {
  const std::vector<std::pair<std::string, FinishReason>> cases = {
      {"stop", FinishReason::stop},
      {"length", FinishReason::length},
      {"tool_calls", FinishReason::tool_calls},
      {"function_call", FinishReason::tool_calls},
      {"content_filter", FinishReason::content_filter},
      {"eos", FinishReason::stop},
      {"end_turn", FinishReason::stop},
      {"max_tokens", FinishReason::length},
      {"tool_use", FinishReason::tool_calls},
      {"weird", FinishReason::unknown},
  };
  for (const auto& [name, reason] : cases) {
    EXPECT_EQ(finish_reason_from_string(name), reason) << name;
    EXPECT_EQ(decode({R"({"choices":[{"index":0,"delta":{},"finish_reason":")" + name + R"("}]})", "[DONE]"}),
              (std::vector<Delta>{final_delta(reason)}))
        << name;
  }
}

TEST(OpenAiStreamDecoder, DoneWithoutAFinishReasonIsAnUnknownEnd) {
  EXPECT_EQ(decode({R"({"choices":[{"index":0,"delta":{"content":"x"}}]})", "[DONE]"}),
            (std::vector<Delta>{text("x"), final_delta(FinishReason::unknown)}));
}

TEST(OpenAiStreamDecoder, AFinishReasonWithoutDoneStillEndsProperly) {
  EXPECT_EQ(decode({R"({"choices":[{"index":0,"delta":{"content":"x"},"finish_reason":"stop"}]})"}),
            (std::vector<Delta>{text("x"), final_delta(FinishReason::stop)}));
}

TEST(OpenAiStreamDecoder, AStreamThatEndsEarlyIsARetryableError) {
  EXPECT_EQ(decode({R"({"choices":[{"index":0,"delta":{"content":"Hel"}}]})"}),
            (std::vector<Delta>{text("Hel"), error("the model's stream ended early", true)}));
  EXPECT_EQ(decode({}), (std::vector<Delta>{error("the model's stream ended early", true)}));
  // Cut inside an event: the SSE parser drops the half event, the decoder sees no end.
  const std::string body = sse({kLlmsim[0], kLlmsim[3]}) + "data: " + kLlmsim[4].substr(0, 30);
  EXPECT_EQ(run(body), (std::vector<Delta>{text("echo: "), error("the model's stream ended early", true)}));
}

TEST(OpenAiStreamDecoder, EmptyAndPaddedDataAreAccepted) {
  EXPECT_EQ(
      decode({"", "  ", R"(  {"choices":[{"index":0,"delta":{"content":"x"},"finish_reason":"stop"}]}  )",
              " [DONE] "}),
      (std::vector<Delta>{text("x"), final_delta(FinishReason::stop)}));
}

TEST(OpenAiStreamDecoder, ChunksWithoutChoicesAreSkipped) {
  // Azure's prompt_filter_results chunk, and an empty choices array.
  EXPECT_EQ(
      decode({R"({"choices":[],"prompt_filter_results":[{"prompt_index":0}]})", R"({"id":"x"})",
              R"({"choices":[{"index":0,"delta":{"content":"ok"},"finish_reason":"stop"}]})", "[DONE]"}),
      (std::vector<Delta>{text("ok"), final_delta(FinishReason::stop)}));
}

TEST(OpenAiStreamDecoder, NothingAfterTheEnd) {
  OpenAiStreamDecoder decoder;
  decoder.feed(R"({"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]})");
  EXPECT_EQ(decoder.finish_reason(), FinishReason::stop);
  EXPECT_EQ(decoder.feed("[DONE]").size(), 1u);
  EXPECT_TRUE(decoder.done());
  EXPECT_TRUE(decoder.feed(R"({"choices":[{"index":0,"delta":{"content":"late"}}]})").empty());
  EXPECT_TRUE(decoder.feed("[DONE]").empty());
  EXPECT_TRUE(decoder.finish().empty());
}

TEST(OpenAiStreamDecoder, SurvivesMutatedChunks) {
  // Captured chunks with bytes flipped, dropped and duplicated (fixed seed): whatever happens, the
  // decoder ends with exactly one FinalDelta or ErrorDelta and nothing after it.
  std::uint64_t state = 7;
  const auto next = [&](std::size_t bound) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<std::size_t>((state >> 33) % bound);
  };
  std::vector<std::string> corpus;
  for (const auto* stream :
       {&kOpenAiText, &kOpenAiToolCall, &kVllmReasoning, &kVllmToolCall, &kLlamaCpp, &kOllama})
    corpus.insert(corpus.end(), stream->begin(), stream->end());
  const std::string specials = "{}[]\",:0123456789-.eE ntrufalsu\\";
  for (int round = 0; round < 2000; ++round) {
    std::vector<std::string> datas;
    const std::size_t count = 1 + next(6);
    for (std::size_t i = 0; i < count; ++i) {
      std::string chunk = corpus[next(corpus.size())];
      const std::size_t edits = next(4);
      for (std::size_t e = 0; e < edits && !chunk.empty(); ++e) {
        const std::size_t at = next(chunk.size());
        switch (next(3)) {
          case 0: chunk[at] = specials[next(specials.size())]; break;
          case 1: chunk.erase(at, 1); break;
          default: chunk.insert(at, 1, chunk[at]); break;
        }
      }
      datas.push_back(std::move(chunk));
    }
    const auto deltas = decode(datas);
    ASSERT_FALSE(deltas.empty()) << round;
    std::size_t terminal = 0;
    for (const auto& d : deltas)
      terminal += std::holds_alternative<FinalDelta>(d) || std::holds_alternative<ErrorDelta>(d) ? 1 : 0;
    EXPECT_EQ(terminal, 1u) << round;
    EXPECT_TRUE(std::holds_alternative<FinalDelta>(deltas.back()) ||
                std::holds_alternative<ErrorDelta>(deltas.back()))
        << round;
  }
}

// --- In-stream errors ----------------------------------------------------------------------------

struct StreamErrorCase {
  std::string server;
  std::string data;
  std::string message;
  bool retryable;
};

TEST(OpenAiStreamDecoder, InStreamErrorObjects) {
  const std::vector<StreamErrorCase> cases = {
      {"OpenAI server error",
       R"({"error":{"message":"The server had an error while processing your request. Sorry about that!","type":"server_error","param":null,"code":null}})",
       "the model server reported an error mid-stream: The server had an error while processing your "
       "request. "
       "Sorry about that!",
       true},
      {"OpenAI context length",
       R"({"error":{"message":"This model's maximum context length is 4096 tokens.","type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}})",
       "the model server reported an error mid-stream: This model's maximum context length is 4096 tokens.",
       false},
      {"vLLM, old shape",
       R"({"object":"error","message":"Sampled token IDs exceed the max model length.","type":"BadRequestError","param":null,"code":400})",
       "the model server reported an error mid-stream: Sampled token IDs exceed the max model length.",
       false},
      {"vLLM, wrapped",
       R"({"error":{"object":"error","message":"Engine loop is not running.","type":"InternalServerError","param":null,"code":500}})",
       "the model server reported an error mid-stream: Engine loop is not running.", true},
      {"llama.cpp",
       R"({"error":{"code":500,"message":"Failed to parse tool call arguments as JSON","type":"server_error"}})",
       "the model server reported an error mid-stream: Failed to parse tool call arguments as JSON", true},
      {"LiteLLM rate limit (code as a string)",
       R"({"error":{"message":"litellm.RateLimitError: rate limited","type":null,"param":null,"code":"429"}})",
       "the model server reported an error mid-stream: litellm.RateLimitError: rate limited", true},
      {"LiteLLM auth (code as a string)",
       R"({"error":{"message":"litellm.AuthenticationError: bad key","type":null,"param":null,"code":"401"}})",
       "the model server reported an error mid-stream: litellm.AuthenticationError: bad key", false},
      {"overloaded", R"({"error":{"type":"overloaded_error","message":"Overloaded"}})",
       "the model server reported an error mid-stream: Overloaded", true},
      {"Ollama, a string", R"({"error":"an error was encountered while running the model: unexpected EOF"})",
       "the model server reported an error mid-stream: an error was encountered while running the model: "
       "unexpected EOF",
       true},
      {"OpenRouter",
       R"({"id":"gen-9","object":"chat.completion.chunk","created":1745000400,"model":"x","provider":"y","error":{"code":"server_error","message":"Provider disconnected"},"choices":[{"index":0,"delta":{"content":""},"finish_reason":"error"}]})",
       "the model server reported an error mid-stream: Provider disconnected", true},
      {"no message", R"({"error":{}})", "the model server reported an error mid-stream", true},
      {"a key in the message",
       R"({"error":{"message":"upstream said: invalid key sk-or-v1-0123456789abcdef0123456789abcdef","type":"upstream_error"}})",
       "the model server reported an error mid-stream: upstream said: invalid key ***", true},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.server);
    const auto deltas = decode({R"({"choices":[{"index":0,"delta":{"content":"partial"}}]})", c.data,
                                R"({"choices":[{"index":0,"delta":{"content":"after"}}]})", "[DONE]"});
    EXPECT_EQ(deltas, (std::vector<Delta>{text("partial"), error(c.message, c.retryable)}));
  }
}

TEST(OpenAiStreamDecoder, FinishReasonErrorWithoutAnErrorObject) {
  EXPECT_EQ(decode({R"({"choices":[{"index":0,"delta":{},"finish_reason":"error"}]})"}),
            (std::vector<Delta>{error("the model server reported an error mid-stream", true)}));
}

TEST(OpenAiStreamDecoder, AChunkThatIsNotJsonEndsTheStream) {
  for (const std::string bad : {"{\"choices\":[", "data: {}", "<html>", "42", "[1,2]", "\"text\""}) {
    EXPECT_EQ(decode({R"({"choices":[{"index":0,"delta":{"content":"a"}}]})", bad, "[DONE]"}),
              (std::vector<Delta>{
                  text("a"), error("the model server sent a stream chunk that is not a JSON object", false)}))
        << bad;
  }
}

TEST(OpenAiStreamDecoder, ToolCallLimitsEndTheStream) {
  OpenAiStreamDecoder decoder(ToolCallLimits{1, 1024, 1024});
  auto deltas = decoder.feed(
      R"({"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"a","function":{"name":"f"}},{"index":1,"id":"b","function":{"name":"g"}}]}}]})");
  EXPECT_EQ(deltas, (std::vector<Delta>{started("a", "f"),
                                        error("the model asked for more than 1 tool calls", false)}));
  EXPECT_TRUE(decoder.done());
}

TEST(OpenAiStreamDecoder, ANamelessToolCallFailsAtTheEnd) {
  EXPECT_EQ(
      decode(
          {R"({"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{}"}}]}}]})",
           R"({"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]})", "[DONE]"}),
      (std::vector<Delta>{error("the model sent a tool call without a name", false)}));
}

// --- The request ---------------------------------------------------------------------------------

ModelRequest sample_request() {
  ModelRequest r;
  r.model = "llama3.3";
  r.messages.push_back(ChatMessage{Role::system, "You are mmclaw.", {}, {}, {}, {}});
  r.messages.push_back(ChatMessage{Role::user, "hi", {}, {}, {}, {}});
  r.messages.push_back(
      ChatMessage{Role::assistant, "", {}, {ToolCall{"call_1", "message", R"({"action":"react"})"}}, {}, {}});
  r.messages.push_back(ChatMessage{Role::tool, "ok", {}, {}, "call_1", "message"});
  r.messages.push_back(ChatMessage{Role::assistant, "Done.", {}, {}, {}, {}});
  r.tools.push_back(ToolSpec{
      "message", "Send, react or read.",
      json::parse(R"({"type":"object","properties":{"action":{"type":"string"}},"required":["action"]})")
          .as_object()});
  r.max_tokens = 1024;
  r.think = ThinkLevel::high;
  return r;
}

constexpr std::string_view kMessagesJson =
    R"("messages":[{"role":"system","content":"You are mmclaw."},{"role":"user","content":"hi"},)"
    R"({"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"message","arguments":"{\"action\":\"react\"}"}}]},)"
    R"({"role":"tool","tool_call_id":"call_1","content":"ok"},{"role":"assistant","content":"Done."}],)"
    R"("tools":[{"type":"function","function":{"name":"message","description":"Send, react or read.","parameters":{"type":"object","properties":{"action":{"type":"string"}},"required":["action"]}}}])";

TEST(OpenAiRequest, GenericHostsGetNoOpenAiOnlyFields) {
  const auto body = build_chat_request(sample_request(), dialect_for_base_url("http://127.0.0.1:11434/v1"));
  EXPECT_EQ(json::serialize(body), std::string(R"({"model":"llama3.3",)") + std::string(kMessagesJson) +
                                       R"(,"stream":true,"max_tokens":1024})");
}

TEST(OpenAiRequest, OpenAiGetsUsageEffortAndMaxCompletionTokens) {
  const auto body = build_chat_request(sample_request(), dialect_for_base_url("https://api.openai.com/v1"));
  EXPECT_EQ(
      json::serialize(body),
      std::string(R"({"model":"llama3.3",)") + std::string(kMessagesJson) +
          R"(,"stream":true,"stream_options":{"include_usage":true},"max_completion_tokens":1024,"reasoning_effort":"high"})");
}

TEST(OpenAiRequest, OpenRouterGetsUsageAndEffortWithMaxTokens) {
  const auto body =
      build_chat_request(sample_request(), dialect_for_base_url("https://openrouter.ai/api/v1"));
  EXPECT_EQ(
      json::serialize(body),
      std::string(R"({"model":"llama3.3",)") + std::string(kMessagesJson) +
          R"(,"stream":true,"stream_options":{"include_usage":true},"max_tokens":1024,"reasoning_effort":"high"})");
}

TEST(OpenAiRequest, TheSmallestRequest) {
  ModelRequest r;
  r.model = "m";
  r.messages.push_back(ChatMessage{Role::user, "hello", {}, {}, {}, {}});
  EXPECT_EQ(json::serialize(build_chat_request(r, OpenAiDialect{})),
            R"({"model":"m","messages":[{"role":"user","content":"hello"}],"stream":true})");
  EXPECT_EQ(
      json::serialize(build_chat_request(r, dialect_for_base_url("https://api.openai.com/v1"))),
      R"({"model":"m","messages":[{"role":"user","content":"hello"}],"stream":true,"stream_options":{"include_usage":true}})");
}

TEST(OpenAiRequest, ReasoningEffortOnlyForLowMediumHigh) {
  ModelRequest r;
  r.model = "o4-mini";
  r.messages.push_back(ChatMessage{Role::user, "x", {}, {}, {}, {}});
  const auto official = dialect_for_base_url("https://api.openai.com/v1");
  const std::vector<std::pair<std::optional<ThinkLevel>, std::optional<std::string>>> cases = {
      {std::nullopt, std::nullopt},
      {ThinkLevel::off, std::nullopt},
      {ThinkLevel::low, "low"},
      {ThinkLevel::medium, "medium"},
      {ThinkLevel::high, "high"}};
  for (const auto& [think, effort] : cases) {
    r.think = think;
    const auto body = build_chat_request(r, official);
    const auto* value = body.if_contains("reasoning_effort");
    if (effort) {
      ASSERT_NE(value, nullptr);
      EXPECT_EQ(value->as_string(), *effort);
    } else {
      EXPECT_EQ(value, nullptr);
    }
    EXPECT_EQ(build_chat_request(r, OpenAiDialect{}).if_contains("reasoning_effort"), nullptr);
  }
}

TEST(OpenAiRequest, MaxTokensOnlyWhenKnownAndPositive) {
  ModelRequest r;
  r.model = "m";
  r.messages.push_back(ChatMessage{Role::user, "x", {}, {}, {}, {}});
  for (const auto& limit : {std::optional<int>{}, std::optional<int>{0}, std::optional<int>{-5}}) {
    r.max_tokens = limit;
    const auto body = build_chat_request(r, OpenAiDialect{});
    EXPECT_EQ(body.if_contains("max_tokens"), nullptr);
    EXPECT_EQ(body.if_contains("max_completion_tokens"), nullptr);
  }
}

TEST(OpenAiRequest, ImagesAreBase64DataUrlParts) {
  const std::vector<std::pair<std::string, std::string>> vectors = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
      {std::string("\x00\xff\xfe", 3), "AP/+"},
  };
  for (const auto& [bytes, encoded] : vectors) {
    ModelRequest r;
    r.model = "llava";
    r.messages.push_back(
        ChatMessage{Role::user, "what is this?", {ImagePart{"image/png", bytes}}, {}, {}, {}});
    EXPECT_EQ(
        json::serialize(build_chat_request(r, OpenAiDialect{}).at("messages")),
        R"([{"role":"user","content":[{"type":"text","text":"what is this?"},{"type":"image_url","image_url":{"url":"data:image/png;base64,)" +
            encoded + R"("}}]}])");
  }
  ModelRequest only_images;
  only_images.model = "llava";
  only_images.messages.push_back(ChatMessage{
      Role::user, "", {ImagePart{"image/jpeg", "foo"}, ImagePart{"image/gif", "fo"}}, {}, {}, {}});
  EXPECT_EQ(
      json::serialize(build_chat_request(only_images, OpenAiDialect{}).at("messages")),
      R"([{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/jpeg;base64,Zm9v"}},{"type":"image_url","image_url":{"url":"data:image/gif;base64,Zm8="}}]}])");
}

TEST(OpenAiRequest, ToolArgumentsOfPastCallsPerDialect) {
  ModelRequest r;
  r.model = "m";
  r.messages.push_back(ChatMessage{Role::assistant,
                                   "Let me check.",
                                   {},
                                   {ToolCall{"a", "f", ""}, ToolCall{"b", "f", R"({"broken":)"},
                                    ToolCall{"c", "f", "[1]"}, ToolCall{"d", "f", R"({"ok":true})"}},
                                   {},
                                   {}});
  const auto arguments = [&](const OpenAiDialect& dialect) {
    std::vector<std::string> out;
    const auto body = build_chat_request(r, dialect);
    for (const auto& call : body.at("messages").at(0).at("tool_calls").as_array())
      out.emplace_back(call.at("function").at("arguments").as_string());
    return out;
  };
  EXPECT_EQ(arguments(OpenAiDialect{}), (std::vector<std::string>{"{}", "{}", "{}", R"({"ok":true})"}));
  EXPECT_EQ(arguments(dialect_for_base_url("https://api.openai.com/v1")),
            (std::vector<std::string>{"{}", R"({"broken":)", "[1]", R"({"ok":true})"}));
  EXPECT_EQ(build_chat_request(r, OpenAiDialect{}).at("messages").at(0).at("content").as_string(),
            "Let me check.");
}

TEST(OpenAiRequest, AToolWithoutParametersGetsAnEmptyObjectSchema) {
  ModelRequest r;
  r.model = "m";
  r.messages.push_back(ChatMessage{Role::user, "x", {}, {}, {}, {}});
  r.tools.push_back(ToolSpec{"now", "", {}});
  EXPECT_EQ(
      json::serialize(build_chat_request(r, OpenAiDialect{}).at("tools")),
      R"([{"type":"function","function":{"name":"now","parameters":{"type":"object","properties":{}}}}])");
}

TEST(OpenAiRequest, AnEmptyAssistantMessageKeepsAnEmptyContent) {
  ModelRequest r;
  r.model = "m";
  r.messages.push_back(ChatMessage{Role::assistant, "", {}, {}, {}, {}});
  EXPECT_EQ(json::serialize(build_chat_request(r, OpenAiDialect{}).at("messages")),
            R"([{"role":"assistant","content":""}])");
}

TEST(OpenAiDialect, ByHost) {
  const OpenAiDialect generic{};
  const OpenAiDialect openai{true, true, true, true};
  const OpenAiDialect openrouter{true, true, false, false};
  const std::vector<std::pair<std::string, OpenAiDialect>> cases = {
      {"https://api.openai.com/v1", openai},
      {"https://api.openai.com/v1/", openai},
      {"HTTPS://API.OpenAI.COM:443/v1", openai},
      {"https://api.openai.com./v1", openai},
      {"https://user:secret@api.openai.com/v1", openai},
      {"api.openai.com/v1", openai},
      {"https://api.openai.com?x=1", openai},
      {"https://openrouter.ai/api/v1", openrouter},
      {"https://api.openai.com.evil.example/v1", generic},
      {"https://evil.example/api.openai.com/v1", generic},
      {"https://api.openai.com@evil.example/v1", generic},
      {"https://my-proxy.example/openai/v1", generic},
      {"http://localhost:11434/v1", generic},
      {"http://127.0.0.1:8000/v1", generic},
      {"http://[::1]:8080/v1", generic},
      {"http://localhost:1234/v1", generic},
      {"http://litellm:4000", generic},
      {"", generic},
  };
  for (const auto& [url, dialect] : cases) EXPECT_EQ(dialect_for_base_url(url), dialect) << url;
}

// --- HTTP errors ---------------------------------------------------------------------------------

TEST(OpenAiHttpError, RetryableStatuses) {
  const std::vector<std::pair<int, bool>> cases = {
      {400, false}, {401, false}, {402, false}, {403, false}, {404, false}, {408, true}, {409, true},
      {413, false}, {422, false}, {425, true},  {429, true},  {500, true},  {502, true}, {503, true},
      {504, true},  {529, true},  {599, true},  {302, false}, {600, false},
  };
  for (const auto& [status, retryable] : cases) {
    const auto e = error_from_http(status, "", std::nullopt);
    EXPECT_EQ(e.retryable, retryable) << status;
    EXPECT_EQ(e.status, status);
  }
}

TEST(OpenAiHttpError, RateLimitSaysHowLongToWait) {
  const auto e = error_from_http(
      429,
      R"({"error":{"message":"Rate limit reached for gpt-4o in organization org-x on tokens per min (TPM): Limit 30000, Used 29000, Requested 2000. Please try again in 2s.","type":"tokens","param":null,"code":"rate_limit_exceeded"}})",
      "2");
  EXPECT_EQ(
      e.message,
      "the model server is rate limiting requests (HTTP 429, retry after 2 s): Rate limit reached for gpt-4o "
      "in "
      "organization org-x on tokens per min (TPM): Limit 30000, Used 29000, Requested 2000. Please try again "
      "in 2s.");
  EXPECT_TRUE(e.retryable);
  EXPECT_EQ(e.status, 429);
}

TEST(OpenAiHttpError, AnHttpDateRetryAfterIsNotInTheMessage) {
  const auto e = error_from_http(503, "", "Wed, 21 Oct 2015 07:28:00 GMT");
  EXPECT_EQ(e.message, "the model server is unavailable or overloaded (HTTP 503)");
}

TEST(OpenAiHttpError, QuotaExhaustedIsNotRetryable) {
  const auto e = error_from_http(
      429,
      R"({"error":{"message":"You exceeded your current quota, please check your plan and billing details.","type":"insufficient_quota","param":null,"code":"insufficient_quota"}})",
      "20");
  EXPECT_FALSE(e.retryable);
  EXPECT_EQ(
      e.message,
      "the model provider's quota is used up (HTTP 429): You exceeded your current quota, please check your "
      "plan and billing details.");
}

TEST(OpenAiHttpError, RedactsKeysInTheMessage) {
  const auto e = error_from_http(
      401,
      R"({"error":{"message":"Incorrect API key provided: sk-abc123def456ghi789jkl012mno345pqr. You can find your API key at https://platform.openai.com/account/api-keys.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}})",
      std::nullopt);
  EXPECT_EQ(e.message,
            "the model server refused the API key (HTTP 401): Incorrect API key provided: ***. You can find "
            "your API "
            "key at https://platform.openai.com/account/api-keys.");
  EXPECT_THAT(e.message, Not(HasSubstr("abc123")));
  EXPECT_FALSE(e.retryable);
}

TEST(OpenAiHttpError, RedactsMaskedAndOtherKeys) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"Incorrect API key provided: sk-proj-abc1***************************wxyz.",
       "Incorrect API key provided: ***."},
      {"key sk-ant-api03-AAAAAAAAAAAAAAAAAAAA-BBBB rejected", "key *** rejected"},
      {"Authorization: Bearer abcdef0123456789 was refused", "Authorization: Bearer *** was refused"},
      {"gsk_0123456789abcdefghij0123456789abcdefghij is invalid", "*** is invalid"},
      {"sk-learn is a library", "sk-learn is a library"},  // too short to be a key
      {"task-0123456789 failed", "task-0123456789 failed"},
  };
  for (const auto& [message, shown] : cases) {
    json::object body{{"error", json::object{{"message", message}}}};
    EXPECT_EQ(error_from_http(400, json::serialize(body), std::nullopt).message,
              "the model server refused the request (HTTP 400): " + shown)
        << message;
  }
}

TEST(OpenAiHttpError, NeverEchoesTheRawBody) {
  EXPECT_EQ(error_from_http(502,
                            "<html><head><title>502 Bad Gateway</title></head><body>token=sk-"
                            "abc123def456ghi789jkl012mno345</body></html>",
                            std::nullopt)
                .message,
            "the model server (or a proxy in front of it) failed (HTTP 502)");
  // Other members of a JSON body are not shown either.
  const auto e = error_from_http(
      400,
      R"({"error":{"message":"bad request"},"echo":{"authorization":"Bearer sk-abc123def456ghi789jkl012mno345"}})",
      std::nullopt);
  EXPECT_EQ(e.message, "the model server refused the request (HTTP 400): bad request");
}

TEST(OpenAiHttpError, ServerShapes) {
  struct Case {
    int status;
    std::string body;
    std::string message;
    bool retryable;
  };
  const std::vector<Case> cases = {
      {404, R"({"error":"model \"llama3.3\" not found, try pulling it first"})",
       R"(the model or its endpoint was not found (HTTP 404): model "llama3.3" not found, try pulling it first)",
       false},
      {400,
       R"({"object":"error","message":"This model's maximum context length is 8192 tokens. However, you requested 9000 tokens.","type":"BadRequestError","param":null,"code":400})",
       "the model server refused the request (HTTP 400): This model's maximum context length is 8192 tokens. "
       "However, you requested 9000 tokens.",
       false},
      {503, R"({"error":{"code":503,"message":"Loading model","type":"unavailable_error"}})",
       "the model server is unavailable or overloaded (HTTP 503): Loading model", true},
      {422, R"({"detail":"Input should be a valid dictionary"})",
       "the model server could not process the request (HTTP 422): Input should be a valid dictionary",
       false},
      {402, R"({"error":{"code":402,"message":"Insufficient credits"}})",
       "the model provider account is out of credits (HTTP 402): Insufficient credits", false},
      {529, R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})",
       "the model server is overloaded (HTTP 529): Overloaded", true},
      {500, "", "the model server failed (HTTP 500)", true},
      {418, "I'm a teapot", "the model server refused the request (HTTP 418)", false},
  };
  for (const auto& c : cases) {
    const auto e = error_from_http(c.status, c.body, std::nullopt);
    EXPECT_EQ(e.message, c.message) << c.body;
    EXPECT_EQ(e.retryable, c.retryable) << c.body;
  }
}

TEST(OpenAiHttpError, LongMessagesAreCutOnACharacterBoundary) {
  std::string long_message;
  for (int i = 0; i < 150; ++i) long_message += "\xC3\xA9";  // é, 300 bytes
  const auto detail = sanitize_server_message(long_message);
  EXPECT_LE(detail.size(), 200u);
  EXPECT_EQ(detail.substr(detail.size() - 3), "\xE2\x80\xA6");
  EXPECT_EQ(detail.substr(0, 196), long_message.substr(0, 196));  // 98 whole characters

  json::object body{{"error", json::object{{"message", std::string(1000, 'w')}}}};
  const auto e = error_from_http(400, json::serialize(body), std::nullopt);
  EXPECT_LE(e.message.size(), std::string("the model server refused the request (HTTP 400): ").size() + 200);
}

TEST(OpenAiHttpError, MessagesAreOneLine) {
  EXPECT_EQ(sanitize_server_message("  line one\nline two\r\n\tend  "), "line one line two end");
  EXPECT_EQ(sanitize_server_message(""), "");
}

TEST(OpenAiRetryAfter, SecondsAndDates) {
  constexpr std::int64_t kDate = 1445412480000;  // Wed, 21 Oct 2015 07:28:00 GMT
  const std::vector<std::pair<std::string, std::optional<int>>> cases = {
      {"120", 120000},
      {" 3 ", 3000},
      {"0", 0},
      {"1.5", 1500},
      {"0.25", 250},
      {"99999999999", 86400000},  // capped at a day
      {"", std::nullopt},
      {"abc", std::nullopt},
      {"-1", std::nullopt},
      {"1.", std::nullopt},
      {"12s", std::nullopt},
      {"Wed, 21 Oct 2015 07:28:00 GMT", 5000},
      {"Wednesday, 21-Oct-15 07:28:00 GMT", 5000},
      {"Wed Oct 21 07:28:00 2015", 5000},
      {"Wed, 21 Oct 2015 07:27:00 GMT", 0},  // in the past
  };
  for (const auto& [header, ms] : cases) EXPECT_EQ(retry_after_ms(header, kDate - 5000), ms) << header;
}

}  // namespace
}  // namespace mmclaw::agent

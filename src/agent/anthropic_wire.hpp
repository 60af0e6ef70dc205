#pragma once
// The Anthropic Messages wire format (POST {baseUrl}/v1/messages, `stream: true`): the request
// body and headers built from a ModelRequest, the streamed events decoded into Deltas, and an
// HTTP error answer turned into a short, safe ErrorDelta. Pure: no I/O, no clock; the backend in
// agent/backends/ does the HTTP and the SSE framing and hands each event here.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/object.hpp>

#include "agent/model_types.hpp"

namespace mmclaw::agent {

inline constexpr std::string_view kAnthropicVersion = "2023-06-01";

// `max_tokens` is required by the API: the request's value when known, else this (for the answer;
// a thinking budget is added on top when thinking is on).
inline constexpr int kAnthropicDefaultMaxTokens = 4096;

// The thinking budget asked for by `/think` (budget_tokens). The API wants 1024 <= budget <
// max_tokens; with a known max_tokens the budget is capped at max_tokens - 1024 (room for the
// answer) and thinking is left out when that is below 1024.
inline constexpr int kAnthropicThinkingLow = 2048;
inline constexpr int kAnthropicThinkingMedium = 8192;
inline constexpr int kAnthropicThinkingHigh = 16384;
inline constexpr int kAnthropicMinThinkingBudget = 1024;

// Bounds of the decoder: tool_use blocks per message, and bytes of one tool call's input JSON.
inline constexpr std::size_t kAnthropicMaxToolBlocks = 64;
inline constexpr std::size_t kAnthropicMaxToolInputBytes = 1024 * 1024;

// The body of one streaming Messages call. System messages go to the top-level `system`; tool
// results become user `tool_result` blocks; consecutive same-role messages are merged, because
// the API wants user and assistant to alternate. Thinking is left out when the conversation is in
// the middle of a tool round (ChatMessage cannot carry the signed thinking block the API would
// then require back).
boost::json::object build_messages_request(const ModelRequest& request);

// x-api-key, anthropic-version and content-type. The key is a secret: never log these.
std::vector<std::pair<std::string, std::string>> anthropic_headers(std::string_view api_key);

// Decodes one streamed response, event by event (the SSE event name and its data). Each call
// returns the deltas it produced; the stream ends with exactly one FinalDelta or ErrorDelta, after
// which further events are ignored. Not thread-safe; one instance per response.
class AnthropicStreamDecoder {
 public:
  std::vector<Delta> on_event(std::string_view event, std::string_view data);

  // The body ended: an ErrorDelta when the stream did not reach message_stop, else nothing.
  std::vector<Delta> finish();

  // A FinalDelta or an ErrorDelta has been produced.
  bool done() const noexcept { return done_; }

 private:
  struct ToolBlock {
    std::size_t index = 0;
    std::string id;
    std::string name;
    std::string input;        // the input_json_delta fragments, concatenated
    std::string start_input;  // a non-empty `input` already in content_block_start (proxies)
    bool stopped = false;
  };

  std::vector<Delta> fail(std::string message, bool retryable);
  ToolBlock* tool_block(std::size_t index);

  std::vector<ToolBlock> tools_;
  std::optional<std::int64_t> input_tokens_;
  std::optional<std::int64_t> output_tokens_;
  FinishReason reason_ = FinishReason::unknown;
  bool done_ = false;
};

// An HTTP error answer of /v1/messages: `error.type: error.message` from the body (at most 200
// bytes, API keys redacted, never the raw body), retryable for 429, 500, 502, 503, 504 and 529.
ErrorDelta anthropic_error_from_http(int status, std::string_view body);

}  // namespace mmclaw::agent

#pragma once
// The OpenAI Chat Completions wire format (`api: "openai-completions"`), as spoken by OpenAI,
// OpenRouter, LiteLLM, vLLM, llama.cpp's server, Ollama's /v1, LM Studio and llmsim. Pure: the
// request body to POST to {baseUrl}/chat/completions, a decoder from the data of the response's
// SSE events to agent::Delta values, and the mapping of a non-2xx answer to an ErrorDelta.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "agent/model_types.hpp"
#include "agent/tool_calls.hpp"

namespace mmclaw::agent {

// --- The request ---------------------------------------------------------------------------------

// What a host accepts beyond the fields every OpenAI-compatible server reads (model, messages,
// tools, stream, max_tokens). Strict servers answer 400 to fields they do not know, so anything
// else is sent only to hosts known to take it.
struct OpenAiDialect {
  // `stream_options: {"include_usage": true}` (the usage arrives in a last chunk with no choices).
  bool stream_usage = false;
  // `reasoning_effort: "low"|"medium"|"high"` for /think. Models that do not reason may reject it,
  // so the runtime sets ModelRequest::think only for models configured with `reasoning: true`.
  bool reasoning_effort = false;
  // The output limit as `max_completion_tokens` (OpenAI: `max_tokens` is deprecated and refused by
  // reasoning models) instead of `max_tokens`.
  bool max_completion_tokens = false;
  // Tool-call arguments of past assistant messages are sent exactly as the model wrote them. When
  // false, arguments that are not a JSON object are sent as "{}": vLLM and llama.cpp parse them to
  // render their chat templates and refuse the whole request otherwise.
  bool verbatim_tool_arguments = false;
  bool operator==(const OpenAiDialect&) const = default;
};

// The dialect for a provider's baseUrl, by host (case-insensitive, port ignored):
// - api.openai.com: everything above (OpenAI's current API reference);
// - openrouter.ai: stream_usage and reasoning_effort (both documented), `max_tokens`;
// - any other host (vLLM, llama.cpp, Ollama, LM Studio, LiteLLM, llmsim, ...): nothing extra.
OpenAiDialect dialect_for_base_url(std::string_view base_url);

// The JSON body of a streaming Chat Completions request: model, messages (system, user with image
// parts as base64 data: URLs, assistant with `tool_calls`, tool with `tool_call_id`), tools as
// {type:"function", function:{name, description, parameters}} (omitted when there are none),
// stream:true, then per dialect stream_options, max_tokens / max_completion_tokens (only when
// known) and reasoning_effort (only for low/medium/high: /think off sends nothing, as not every
// reasoning model accepts a way to turn reasoning off).
boost::json::object build_chat_request(const ModelRequest& request, const OpenAiDialect& dialect);

// --- The stream ----------------------------------------------------------------------------------

// Turns the `data` of each SSE event of a Chat Completions stream into deltas. Reads choice 0
// (the one with `index` 0, else the first): `delta.content` (and `delta.refusal`) as TextDelta,
// `delta.reasoning_content` or else `delta.reasoning` as ReasoningDelta, `delta.tool_calls` (and
// the legacy `delta.function_call`) through a ToolCallAssembler, `finish_reason`, and `usage` from
// any chunk (the last one wins: some servers repeat cumulative usage).
//
// The stream ends properly with `[DONE]`, or at the end of the body when a finish_reason was seen
// (servers that forget [DONE]): ToolActivity{complete=true} for each call, then one FinalDelta.
// Its reason is the finish_reason (unknown when [DONE] came without one); tool calls count as
// `tool_calls` even when the server said "stop" or nothing (older Ollama, some vLLM parsers), and
// calls cut off by `length` or `content_filter` are dropped (incomplete; never run).
// It fails, with exactly one ErrorDelta, on an in-stream error object (`{"error":{...}}`, vLLM's
// `{"object":"error",...}`, OpenRouter's finish_reason "error"; retryable unless it says the
// request itself is wrong), on a chunk that is not a JSON object (not retryable: the server is not
// speaking this protocol), on a tool-call error from the assembler (not retryable), and on a body
// that ends with neither [DONE] nor a finish_reason (retryable: "the model's stream ended early").
// After the FinalDelta or ErrorDelta, input is ignored. Not thread-safe; one per response.
class OpenAiStreamDecoder {
 public:
  explicit OpenAiStreamDecoder(ToolCallLimits limits = {});

  // One SSE event's data (whitespace around it is ignored; an empty one is skipped).
  std::vector<Delta> feed(std::string_view data);
  // The response body ended (cleanly or not). Idempotent.
  std::vector<Delta> finish();

  bool done() const noexcept { return done_; }
  // The finish_reason seen so far, if any.
  std::optional<FinishReason> finish_reason() const noexcept { return finish_; }

 private:
  std::vector<Delta> final_deltas();
  ErrorDelta end_with_error(ErrorDelta error);

  ToolCallAssembler tools_;
  std::optional<FinishReason> finish_;
  std::optional<Usage> usage_;
  bool done_ = false;
};

// The mapping of a `finish_reason` string: stop (also eos, end_turn, stop_sequence), length (also
// max_tokens), tool_calls (also function_call, tool_use), content_filter; anything else unknown.
FinishReason finish_reason_from_string(std::string_view reason) noexcept;

// --- Errors --------------------------------------------------------------------------------------

// A non-2xx answer as a short message that is safe to show: what happened and the status, plus
// the server's `error.message` (or `message`, or `error` / `detail` when a string) when the body
// is JSON, on one line, with anything that looks like a key (`sk-...`, bearer tokens, long
// random-looking tokens) replaced by `***`, cut to 200 bytes. Never the raw body.
// Retryable: 408, 409, 425, 429 (except OpenAI's `insufficient_quota`, which waiting does not
// fix) and 5xx. `retry_after` is the Retry-After header; when it gives seconds, the message says
// how long the server asked to wait.
ErrorDelta error_from_http(int status, std::string_view body, std::optional<std::string> retry_after);

// How long a Retry-After header value asks to wait, in ms from `now_ms` (ms since the Unix epoch
// on the caller's clock): delay-seconds (a decimal fraction is accepted) or an HTTP date (a date in
// the past gives 0). Capped at 24 hours. Nullopt when it is neither.
std::optional<int> retry_after_ms(std::string_view header, std::int64_t now_ms);

// The sanitising that error_from_http applies to a server's message, exposed for the other wires:
// control characters and runs of blanks become one space, keys are redacted, the result is cut
// to `max_bytes` on a UTF-8 boundary and ends with "…" when cut.
std::string sanitize_server_message(std::string_view message, std::size_t max_bytes = 200);

}  // namespace mmclaw::agent

#pragma once
// One agent turn against the configured model servers (issue 6): the primary model, retries of
// what a retry can fix (429 and 5xx, honouring Retry-After), then the fallback models in order.
// The answer text is collected from the text deltas only: reasoning is never part of the answer.
// A turn that cannot be answered ends with a short, visible error text naming the backend and the
// model, never with silence and never with the server's raw body.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include "agent/model_choice.hpp"
#include "agent/model_types.hpp"
#include "config/snapshot.hpp"

namespace mmclaw::net {
class HttpClient;
}

namespace mmclaw::app {

struct ModelTurnResult {
  bool ok = false;
  std::string text;        // the answer (ok; may be empty when a tool delivered it), or the error text
  std::string model_ref;   // the model that answered, or the last one tried
  std::optional<agent::Usage> usage;
  int calls = 0;           // model calls made (retries, tool rounds and fallbacks included)
  int tool_rounds = 0;
  bool delivered_early = false;  // on_message_end was given text
  std::string reasoning;   // what the model streamed as reasoning (shown only with /reasoning on)
  // The tool rounds of the turn, in order: each assistant message that called tools, then the
  // tool results. For the transcript.
  std::vector<agent::ChatMessage> tool_messages;
};

struct ModelTurnRequest {
  std::vector<agent::ModelChoice> candidates;
  // Builds the request for one candidate (the model id and context budget differ per model).
  std::function<agent::ModelRequest(const agent::ModelChoice&)> build;
  std::chrono::milliseconds first_token{120'000};
  std::chrono::milliseconds stall{60'000};
  std::chrono::milliseconds turn{600'000};
  std::shared_ptr<bool> cancelled;
  // Tools offered to the model, and how a call is run: its result text goes back to the model,
  // which goes on (at most `max_tool_rounds` rounds; then it must answer without tools).
  std::vector<agent::ToolSpec> tools;
  int max_tool_rounds = 8;
  std::function<boost::asio::awaitable<std::string>(const agent::ToolCall&)> run_tool;
  // Set by run_tool when a tool delivered the answer itself (a `send` to the conversation): an
  // empty final answer is then not an error.
  std::shared_ptr<bool> answered_by_tool;
  // The reply stream's feed (both optional). `on_delta` sees every delta of every call as it
  // arrives; `on_call_start` is told before each call, so text a failed call streamed can be
  // replaced by the next call's. `on_message_end` gets the text an assistant message wrote before
  // it called tools: that text is a final reply of its own, and the turn's result text is then only
  // what the last message wrote.
  std::function<void(const agent::Delta&)> on_delta;
  std::function<void()> on_call_start;
  std::function<void(std::string)> on_message_end;
};

boost::asio::awaitable<ModelTurnResult> run_model_turn(boost::asio::io_context& io, net::HttpClient& http,
                                                       ModelTurnRequest request);

}  // namespace mmclaw::app

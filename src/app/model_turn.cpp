#include "app/model_turn.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "agent/backends/command_backend.hpp"
#include "agent/backends/model_stream.hpp"
#include "util/log.hpp"

namespace mmclaw::app {

namespace asio = boost::asio;
using std::chrono::milliseconds;

namespace {

constexpr std::string_view kComponent = "agent";
// Calls per model for errors a retry can fix; the waits between them, unless the server says.
constexpr int kCallsPerModel = 3;
constexpr milliseconds kRetryDelays[] = {milliseconds(1000), milliseconds(2000)};
// A Retry-After longer than this is not waited for: the next model is tried instead.
constexpr milliseconds kMaxRetryAfter{30'000};

}  // namespace

asio::awaitable<ModelTurnResult> run_model_turn(asio::io_context& io, net::HttpClient& http, ModelTurnRequest request) {
  ModelTurnResult result;
  if (request.candidates.empty()) {
    result.text = "No model is configured for this turn (agents.defaults.model).";
    co_return result;
  }
  const auto deadline = std::chrono::steady_clock::now() + request.turn;
  asio::steady_timer timer(io);
  std::string last_reason;
  for (const auto& candidate : request.candidates) {
    result.model_ref = candidate.ref;
    // The request grows with the turn's tool rounds; a fallback model sees the rounds already
    // run (a tool is never run twice).
    agent::ModelRequest model_request = request.build(candidate);
    for (const auto& message : result.tool_messages) model_request.messages.push_back(message);
    if (request.run_tool && result.tool_rounds < request.max_tool_rounds) model_request.tools = request.tools;
    std::string earlier_text;  // text the model wrote before calling tools
    for (int call = 1; call <= kCallsPerModel;) {
      const auto left = std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left <= milliseconds(0)) {
        result.text = agent::visible_model_error("the turn took too long", candidate.provider->api, candidate.ref);
        co_return result;
      }
      agent::ModelCall model_call;
      model_call.provider = candidate.provider;
      model_call.request = model_request;
      model_call.deadlines.first_token = std::min(request.first_token, left);
      model_call.deadlines.stall = request.stall;
      model_call.deadlines.total = left;
      if (candidate.provider->timeout_seconds)
        model_call.deadlines.total = std::min(left, milliseconds(*candidate.provider->timeout_seconds * 1000LL));
      model_call.cancelled = request.cancelled;
      std::string text;
      ++result.calls;
      std::string reasoning;
      if (request.on_call_start) request.on_call_start();
      const auto on_delta = [&](const agent::Delta& delta) {
        if (request.on_delta) request.on_delta(delta);
        if (const auto* piece = std::get_if<agent::TextDelta>(&delta)) text += piece->text;
        if (const auto* thought = std::get_if<agent::ReasoningDelta>(&delta)) reasoning += thought->text;
      };
      agent::StreamEnd end{agent::ErrorDelta{}, std::nullopt};
      if (candidate.provider->api == config::ModelApi::command) {
        agent::CommandCall command;
        command.argv = candidate.provider->command;
        command.request = model_call.request;
        command.model_ref = candidate.ref;
        command.deadlines = model_call.deadlines;
        command.cancelled = request.cancelled;
        end = co_await agent::run_command(io, command, on_delta);
      } else {
        end = co_await agent::stream_model(http, model_call, on_delta);
      }
      if (!reasoning.empty() && std::holds_alternative<agent::FinalDelta>(end.delta))
        result.reasoning += (result.reasoning.empty() ? "" : "\n\n") + reasoning;
      if (const auto* final = std::get_if<agent::FinalDelta>(&end.delta)) {
        result.usage = final->usage;
        if (!final->tool_calls.empty() && request.run_tool && !model_request.tools.empty()) {
          // A tool round: run the calls, give the results back, ask again.
          ++result.tool_rounds;
          agent::ChatMessage asked;
          asked.role = agent::Role::assistant;
          asked.text = text;
          asked.tool_calls = final->tool_calls;
          model_request.messages.push_back(asked);
          result.tool_messages.push_back(std::move(asked));
          // The text before the tool round is an answer of its own: it is posted before the tools
          // run, so a slow tool does not hold it back.
          if (!text.empty()) {
            if (request.on_message_end) {
              request.on_message_end(text);
              result.delivered_early = true;
            } else {
              earlier_text += (earlier_text.empty() ? "" : "\n\n") + text;
            }
          }
          for (const auto& tool_call : final->tool_calls) {
            agent::ChatMessage answer;
            answer.role = agent::Role::tool;
            answer.tool_call_id = tool_call.id;
            answer.tool_name = tool_call.name;
            answer.text = co_await request.run_tool(tool_call);
            model_request.messages.push_back(answer);
            result.tool_messages.push_back(std::move(answer));
          }
          if (result.tool_rounds >= request.max_tool_rounds) model_request.tools.clear();
          call = 1;  // a new question, not a retry
          continue;
        }
        if (text.empty() && !earlier_text.empty()) text = earlier_text;
        // A `send` to the conversation, or text delivered before a tool round, answered already.
        const bool answered = (request.answered_by_tool && *request.answered_by_tool) || result.delivered_early;
        if (!text.empty() || answered || final->reason == agent::FinishReason::length) {
          result.ok = !text.empty() || answered;
          result.text = result.ok ? std::move(text)
                                  : agent::visible_model_error("the model's answer was cut off before any text",
                                                        candidate.provider->api, candidate.ref);
          co_return result;
        }
        last_reason = "the model gave an empty answer";
        break;  // an empty answer is not retried: the next model may do better
      }
      const auto& error = std::get<agent::ErrorDelta>(end.delta);
      last_reason = error.message;
      if (request.cancelled && *request.cancelled) {
        result.text = agent::visible_model_error("the turn was interrupted", candidate.provider->api, candidate.ref);
        co_return result;
      }
      log::warn(kComponent, "model {} failed (call {} of {}): {}", candidate.ref, call, kCallsPerModel,
                error.message);
      if (!error.retryable || call == kCallsPerModel) break;
      milliseconds wait = kRetryDelays[std::min<std::size_t>(static_cast<std::size_t>(call - 1), 1)];
      if (end.retry_after) {
        if (*end.retry_after > kMaxRetryAfter) break;
        wait = std::max(wait, *end.retry_after);
      }
      timer.expires_after(wait);
      boost::system::error_code ec;
      co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      ++call;
    }
    if (&candidate != &request.candidates.back())
      log::warn(kComponent, "model {} could not answer ({}); trying the next model", candidate.ref, last_reason);
  }
  const auto& last = request.candidates.back();
  result.text = agent::visible_model_error(last_reason.empty() ? "the model could not answer" : last_reason,
                                    last.provider->api, last.ref);
  co_return result;
}

}  // namespace mmclaw::app

#pragma once
// Outgoing integrations (§7): slash command calls and their responses (also via response_url),
// interactive button calls and their responses. Internal to the model library.

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "mmsim/model/app_error.hpp"
#include "mmsim/model/context.hpp"
#include "mmsim/model/state.hpp"

namespace mmsim {

// Registers a pending call for `ctx`'s request and puts the IntegrationCall into ctx.call.
PendingCall& start_call(Ctx& ctx, IntegrationCall call, PendingCall pending);

// The reply to the request that made `call_id`, after applying the integration's answer.
RestResult complete_call(State& state, std::uint64_t call_id, IntegrationReply reply, std::int64_t now);

// Who ran a slash command and where; the context of its responses.
struct CommandInvocation {
  std::string command_id;
  std::string trigger;
  std::string user_id;
  std::string channel_id;
  std::string team_id;
  std::string root_id;
};

// Parses an integration's answer body as a CommandResponse: JSON when the media type is
// application/json, else the body is the text of an ephemeral response.
std::expected<boost::json::object, AppError> parse_command_response(const CommandInvocation& invocation,
                                                                    std::string_view content_type,
                                                                    std::string_view body);

// Posts a CommandResponse (and its extra_responses): in_channel posts authored by the invoker
// with from_webhook, ephemeral ones to the invoker.
std::expected<void, AppError> apply_command_response(State& state, const CommandInvocation& invocation,
                                                     const boost::json::object& response, std::int64_t now,
                                                     std::vector<Event>& events);

// Slack markup to Markdown: <url|label>, <url>, <!channel>, <!here>, <!all>, <@user id>.
std::string slack_to_markdown(const State& state, std::string_view text);

}  // namespace mmsim

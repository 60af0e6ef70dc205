// The message tool's calls (issue 6, channel-behaviour §5.7): `react` on a post of the turn's
// conversation, `send` to the conversation or any §5.1 target with at most one file (§5.4;
// app/outbound_send does the delivery), `read` the conversation's recent posts when
// `actions.messages` allows it. Each call's result is a text that goes back to the model; a refused
// or failed call is an `Error: ...` text, never an exception.

#include <fmt/format.h>

#include "agent/message_tool.hpp"
#include "app/account_runtime_impl.hpp"
#include "app/outbound_send.hpp"

namespace mmclaw::app {

using namespace detail;

namespace {

constexpr std::string_view kChannelPrefix = "channel:";

std::string tool_error(std::string_view message) {
  return fmt::format("Error: {}", message);
}

}  // namespace

OutboundContext AccountRuntime::Impl::outbound_context() {
  return OutboundContext{api_, account_, *live_, [this]() -> net::HttpClient& {
                           if (!media_http_) media_http_ = std::make_unique<net::HttpClient>(io_, media_http_options());
                           return *media_http_;
                         }};
}

agent::MessageToolOptions AccountRuntime::Impl::message_tool_options() const {
  agent::MessageToolOptions options;
  options.reactions_enabled = account_.actions_reactions;
  options.read_enabled = account_.actions_messages;
  return options;
}

asio::awaitable<std::string> AccountRuntime::Impl::run_message_tool(const TurnJob& job,
                                                                    const agent::ToolCall& call,
                                                                    ToolTurnState& state) {
  if (call.name != agent::kMessageToolName)
    co_return tool_error(fmt::format("there is no tool named \"{}\"", call.name));
  auto parsed = agent::parse_message_tool_call(call.arguments, message_tool_options());
  if (!parsed) {
    log(log::Level::info, "message tool call refused: {}", parsed.error());
    co_return tool_error(parsed.error());
  }
  const gateway::Route& route = *job.route;

  if (const auto* react = std::get_if<agent::ReactCall>(&*parsed)) {
    // §5.7: a delegated reaction must stay in the conversation of the turn.
    if (react->to && *react->to != route.to &&
        *react->to != fmt::format("{}{}", kChannelPrefix, route.channel_id))
      co_return tool_error(
          "Mattermost delegated reactions require a canonical authorized conversation target.");
    auto post = co_await api_.get_post(react->post_id);
    if (!post)
      co_return tool_error(
          fmt::format("Mattermost post {} cannot be read: {}", react->post_id, post.error().error.message));
    if (post->channel_id != route.channel_id)
      co_return tool_error("Mattermost reaction post belongs to a different conversation.");
    // Not `c ? co_await a : co_await b`: GCC 12 destroys such a result twice on the error path.
    mattermost::ApiResult<void> done;
    if (react->remove)
      done = co_await api_.remove_reaction(bot_.id, react->post_id, react->emoji);
    else
      done = co_await api_.add_reaction(bot_.id, react->post_id, react->emoji);
    if (!done)
      co_return tool_error(fmt::format("Mattermost reaction failed: {}", done.error().error.message));
    co_return agent::reaction_result_text(react->emoji, react->post_id, react->remove);
  }

  if (const auto* send = std::get_if<agent::SendCall>(&*parsed)) {
    // Where: the conversation of the turn, or any §5.1 target (a DM is opened with the §5.2 retry).
    std::string channel = route.channel_id;
    bool same_conversation = true;
    if (send->to && *send->to != route.to &&
        *send->to != fmt::format("{}{}", kChannelPrefix, route.channel_id)) {
      auto target = co_await targets_.resolve(*send->to);
      if (!target) co_return tool_error(target.error().message);
      channel = target->channel_id;
      same_conversation = channel == route.channel_id;
    }
    // §5.5: the thread root: the one asked for (a reply resolves to its root), else the turn's
    // thread in its own conversation, unless a top-level post is asked for.
    OutboundMessage message;
    message.channel_id = channel;
    if (send->reply_to) {
      auto target = co_await api_.get_post(*send->reply_to);
      if (!target)
        co_return tool_error(fmt::format("Mattermost post {} cannot be read: {}", *send->reply_to,
                                         target.error().error.message));
      if (target->channel_id != channel)
        co_return tool_error("the post to reply to is in another conversation than the target");
      message.root_id = target->root_id.empty() ? target->id : target->root_id;
    } else if (same_conversation && !send->top_level) {
      message.root_id = route.root_id;
    }
    message.text = send->text;
    message.file = send->file;
    message.buttons = send->buttons;
    message.attachment_text = send->attachment_text;
    auto sent = co_await send_outbound(outbound_context(), std::move(message));
    if (same_conversation && !sent.post_ids.empty()) {
      *state.answered = true;
      if (state.first_post_id.empty()) state.first_post_id = sent.post_ids.front();
    }
    if (sent.error) {
      log(log::Level::warn, "message tool send for post {} failed: {}", job.post_id, *sent.error);
      co_return tool_error(*sent.error);
    }
    co_return fmt::format("Sent message {} to channel {}{}", sent.post_ids.front(), channel, sent.file_note);
  }

  const auto& read = std::get<agent::ReadCall>(*parsed);
  std::string channel = route.channel_id;
  if (read.channel && *read.channel != route.to &&
      *read.channel != fmt::format("{}{}", kChannelPrefix, route.channel_id)) {
    // §5.7: beyond the conversation, only a public or private channel the account answers in
    // freely (groupPolicy "open", or the channel or "*" under `groups`).
    if (!read.channel->starts_with(kChannelPrefix))
      co_return tool_error("Mattermost read target channel is not allowed.");
    channel = read.channel->substr(kChannelPrefix.size());
    auto info = co_await api_.cached_channel(channel);
    const bool team_channel = info && info->type &&
                              (*info->type == mattermost::ChannelType::open ||
                               *info->type == mattermost::ChannelType::private_team);
    const bool listed = account_.groups.contains(channel) || account_.groups.contains("*");
    if (!team_channel || (account_.group_policy != config::GroupPolicy::open && !listed))
      co_return tool_error("Mattermost read target channel is not allowed.");
  }
  mattermost::PostsQuery query;
  query.per_page = read.limit;
  if (read.before) query.before = *read.before;
  if (read.after) query.after = *read.after;
  auto list = co_await api_.get_channel_posts(channel, query);
  if (!list) co_return tool_error(fmt::format("Mattermost read failed: {}", list.error().error.message));
  boost::json::array messages;
  for (const auto& post : list->posts) {
    if (post.delete_at != 0) continue;
    messages.push_back(boost::json::object{{"id", post.id},
                                           {"userId", post.user_id},
                                           {"message", post.message},
                                           {"rootId", post.root_id},
                                           {"timestampMs", post.create_at}});
  }
  const bool has_more = read.after ? !list->next_post_id.empty() : !list->prev_post_id.empty();
  co_return boost::json::serialize(boost::json::object{
      {"ok", true}, {"channelId", channel}, {"messages", std::move(messages)}, {"hasMore", has_more}});
}

}  // namespace mmclaw::app

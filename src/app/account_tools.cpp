// The message tool's calls (issue 6, channel-behaviour §5.7): `react` on a post of the turn's
// conversation, `send` to the conversation (or another channel, or a user by DM), `read` the
// conversation's recent posts when `actions.messages` allows it. Each call's result is a text
// that goes back to the model; a refused or failed call is an `Error: ...` text, never an exception.

#include <fmt/format.h>

#include "agent/message_tool.hpp"
#include "app/account_runtime_impl.hpp"
#include "gateway/post_split.hpp"
#include "mattermost/buttons.hpp"

namespace mmclaw::app {

using namespace detail;

namespace {

constexpr std::string_view kChannelPrefix = "channel:";
constexpr std::string_view kUserPrefix = "user:";

std::string tool_error(std::string_view message) {
  return fmt::format("Error: {}", message);
}

}  // namespace

agent::MessageToolOptions AccountRuntime::Impl::message_tool_options() const {
  agent::MessageToolOptions options;
  options.reactions_enabled = account_.actions_reactions;
  options.read_enabled = account_.actions_messages;
  return options;
}

asio::awaitable<std::string> AccountRuntime::Impl::run_message_tool(const TurnJob& job, const agent::ToolCall& call,
                                                                    ToolTurnState& state) {
  if (call.name != agent::kMessageToolName) co_return tool_error(fmt::format("there is no tool named \"{}\"", call.name));
  auto parsed = agent::parse_message_tool_call(call.arguments, message_tool_options());
  if (!parsed) {
    log(log::Level::info, "message tool call refused: {}", parsed.error());
    co_return tool_error(parsed.error());
  }
  const gateway::Route& route = *job.route;

  if (const auto* react = std::get_if<agent::ReactCall>(&*parsed)) {
    // §5.7: a delegated reaction must stay in the conversation of the turn.
    if (react->to && *react->to != route.to && *react->to != fmt::format("{}{}", kChannelPrefix, route.channel_id))
      co_return tool_error("Mattermost delegated reactions require a canonical authorized conversation target.");
    auto post = co_await api_.get_post(react->post_id);
    if (!post) co_return tool_error(fmt::format("Mattermost post {} cannot be read: {}", react->post_id,
                                                post.error().error.message));
    if (post->channel_id != route.channel_id)
      co_return tool_error("Mattermost reaction post belongs to a different conversation.");
    auto done = react->remove ? co_await api_.remove_reaction(bot_.id, react->post_id, react->emoji)
                              : co_await api_.add_reaction(bot_.id, react->post_id, react->emoji);
    if (!done) co_return tool_error(fmt::format("Mattermost reaction failed: {}", done.error().error.message));
    co_return agent::reaction_result_text(react->emoji, react->post_id, react->remove);
  }

  if (const auto* send = std::get_if<agent::SendCall>(&*parsed)) {
    if (send->file) co_return tool_error("sending files is not available in this version of mmclaw");
    if (send->text.empty()) co_return tool_error("Mattermost send requires text");
    // Where: the conversation of the turn, a channel by id, or a user by DM.
    std::string channel = route.channel_id;
    bool same_conversation = true;
    if (send->to && *send->to != route.to && *send->to != fmt::format("{}{}", kChannelPrefix, route.channel_id)) {
      same_conversation = false;
      if (send->to->starts_with(kChannelPrefix)) {
        channel = send->to->substr(kChannelPrefix.size());
      } else if (send->to->starts_with(kUserPrefix)) {
        auto dm = co_await api_.create_direct_channel(bot_.id, send->to->substr(kUserPrefix.size()));
        if (!dm) co_return tool_error(fmt::format("Mattermost DM channel cannot be opened: {}", dm.error().error.message));
        channel = dm->id;
      } else {
        co_return tool_error("this version of mmclaw sends only to channel:<id> or user:<id> targets");
      }
    }
    // §5.5: the thread root: the one asked for (a reply resolves to its root), else the turn's
    // thread in its own conversation, unless a top-level post is asked for.
    std::string root;
    if (send->reply_to) {
      auto target = co_await api_.get_post(*send->reply_to);
      if (!target) co_return tool_error(fmt::format("Mattermost post {} cannot be read: {}", *send->reply_to,
                                                    target.error().error.message));
      if (target->channel_id != channel)
        co_return tool_error("the post to reply to is in another conversation than the target");
      root = target->root_id.empty() ? target->id : target->root_id;
    } else if (same_conversation && !send->top_level) {
      root = route.root_id;
    }
    // Buttons (§8.1) go on the last post, signed for this account; their clicks come back to the
    // gateway's callback URL (§8.4).
    boost::json::object button_props;
    if (!send->buttons.empty())
      button_props = mattermost::button_attachments_props(
          mattermost::buttons_from_rows(send->buttons), "", channel,
          mattermost::interaction_callback_url(account_.interactions.callback_base_url, account_.id,
                                               live_->gateway.custom_bind_host, live_->gateway.port),
          mattermost::interaction_secret(account_.bot_token.value));
    std::string first_id;
    const auto texts = gateway::split_for_posts(send->text, static_cast<std::size_t>(std::max(1, account_.text_chunk_limit)));
    for (std::size_t i = 0; i < texts.size(); ++i) {
      mattermost::CreatePost post;
      post.channel_id = channel;
      post.message = texts[i];
      post.root_id = root;
      if (i + 1 == texts.size())
        for (const auto& [key, value] : button_props) post.props[key] = value;
      auto created = co_await api_.create_post(std::move(post));
      if (!created && !created.error().receipt_lost)
        co_return tool_error(fmt::format("Mattermost send failed: {}", created.error().error.message));
      if (first_id.empty()) first_id = created ? created->id : "receipt-lost";
    }
    if (same_conversation) {
      *state.answered = true;
      if (state.first_post_id.empty()) state.first_post_id = first_id;
    }
    co_return fmt::format("Sent message {} to channel {}", first_id, channel);
  }

  const auto& read = std::get<agent::ReadCall>(*parsed);
  std::string channel = route.channel_id;
  if (read.channel && *read.channel != route.to && *read.channel != fmt::format("{}{}", kChannelPrefix, route.channel_id)) {
    // §5.7: beyond the conversation, only a public or private channel the account answers in
    // freely (groupPolicy "open", or the channel or "*" under `groups`).
    if (!read.channel->starts_with(kChannelPrefix))
      co_return tool_error("Mattermost read target channel is not allowed.");
    channel = read.channel->substr(kChannelPrefix.size());
    auto info = co_await api_.cached_channel(channel);
    const bool team_channel = info && info->type && (*info->type == mattermost::ChannelType::open ||
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

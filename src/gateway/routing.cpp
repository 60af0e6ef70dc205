#include "gateway/routing.hpp"

#include <fmt/format.h>

#include "util/strings.hpp"

namespace mmclaw::gateway {

config::ReplyToMode effective_reply_to_mode(const config::ReplyToModes& modes, ChatType type) noexcept {
  switch (type) {
    case ChatType::direct: return modes.direct.value_or(config::ReplyToMode::off);
    case ChatType::group: return modes.group.value_or(modes.base);
    case ChatType::channel: return modes.channel.value_or(modes.base);
  }
  return config::ReplyToMode::off;
}

std::string base_session_key(std::string_view agent_id, std::string_view account_id, config::DmScope dm_scope,
                             ChatType type, std::string_view peer_id) {
  const std::string agent = util::to_lower(agent_id);
  const std::string peer = util::to_lower(peer_id);
  switch (type) {
    case ChatType::channel: return fmt::format("agent:{}:mattermost:channel:{}", agent, peer);
    case ChatType::group: return fmt::format("agent:{}:mattermost:group:{}", agent, peer);
    case ChatType::direct: break;
  }
  switch (dm_scope) {
    case config::DmScope::main: break;
    case config::DmScope::per_peer: return fmt::format("agent:{}:direct:{}", agent, peer);
    case config::DmScope::per_channel_peer: return fmt::format("agent:{}:mattermost:direct:{}", agent, peer);
    case config::DmScope::per_account_channel_peer:
      return fmt::format("agent:{}:mattermost:{}:direct:{}", agent, util::to_lower(account_id), peer);
  }
  return fmt::format("agent:{}:main", agent);
}

std::optional<std::string> thread_id_for(config::ReplyToMode mode, ChatType type, std::string_view post_id,
                                         std::string_view root_id) {
  if (type == ChatType::direct && mode == config::ReplyToMode::off) return std::nullopt;
  if (!root_id.empty()) return std::string(root_id);
  if (mode != config::ReplyToMode::off && !post_id.empty()) return std::string(post_id);
  return std::nullopt;
}

std::string thread_session_key(std::string_view base_key, std::string_view thread_id) {
  return fmt::format("{}:thread:{}", base_key, thread_id);
}

RouteParams route_params(const config::AccountConfig& account, config::DmScope dm_scope,
                         std::string_view agent_id) {
  RouteParams params;
  params.account_id = account.id;
  params.reply_to = account.reply_to;
  params.dm_scope = dm_scope;
  params.agent_id = std::string(agent_id);
  return params;
}

Route route_post(const RouteParams& params, const mattermost::Post& post,
                 mattermost::ChannelType channel_type, std::string_view sender_id) {
  Route route;
  route.chat_type = chat_type_of(channel_type);
  const bool direct = route.chat_type == ChatType::direct;
  route.peer_id = std::string(direct ? sender_id : std::string_view(post.channel_id));
  const std::string_view agent_id = params.agent_id.empty() ? kDefaultAgentId : params.agent_id;
  route.base_session_key =
      base_session_key(agent_id, params.account_id, params.dm_scope, route.chat_type, route.peer_id);
  route.reply_to_mode = effective_reply_to_mode(params.reply_to, route.chat_type);
  route.thread_id = thread_id_for(route.reply_to_mode, route.chat_type, post.id, post.root_id);
  if (route.thread_id) {
    route.session_key = thread_session_key(route.base_session_key, *route.thread_id);
    // A DM thread is a fresh, independent session; channel and group threads inherit the base.
    if (!direct) route.parent_session_key = route.base_session_key;
    route.root_id = *route.thread_id;
  } else {
    route.session_key = route.base_session_key;
  }
  route.to = direct ? fmt::format("user:{}", sender_id) : fmt::format("channel:{}", post.channel_id);
  route.channel_id = post.channel_id;
  return route;
}

std::string reply_root_for_payload(const Route& route, std::string_view payload_reply_to_id) {
  if (route.thread_id) return *route.thread_id;
  if (route.chat_type == ChatType::direct) return {};
  return std::string(util::trim(payload_reply_to_id));
}

}  // namespace mmclaw::gateway

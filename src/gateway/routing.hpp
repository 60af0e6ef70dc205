#pragma once
// Routing of an inbound post (channel-behaviour §4.3, §4.4, §5.5): its chat type, session key,
// thread id, the parent session of a thread session, and where the reply goes (channel and
// thread root). Pure: plain values in, a Route out.

#include <optional>
#include <string>
#include <string_view>

#include "config/snapshot.hpp"
#include "gateway/chat_type.hpp"
#include "mattermost/types.hpp"

namespace mmclaw::gateway {

// §4.4: `replyToModeByChatType[kind]`, else `off` for DMs (replyToMode never threads a DM, §5.5),
// else `replyToMode`.
config::ReplyToMode effective_reply_to_mode(const config::ReplyToModes& modes, ChatType type) noexcept;

// §4.4 base session keys, ids lower-cased; `account_id` is used only by per-account-channel-peer.
// `peer_id` is the sender id for DMs and the channel id otherwise.
std::string base_session_key(std::string_view agent_id, std::string_view account_id, config::DmScope dm_scope,
                             ChatType type, std::string_view peer_id);

// §4.4 thread id: none for a DM whose mode is off (even inside a DM thread); else the post's
// root_id when it is a reply; else the post's own id when the mode threads (first/all/batched).
std::optional<std::string> thread_id_for(config::ReplyToMode mode, ChatType type, std::string_view post_id,
                                         std::string_view root_id);

// `<base>:thread:<threadId>`, the thread id verbatim.
std::string thread_session_key(std::string_view base_key, std::string_view thread_id);

inline constexpr std::string_view kDefaultAgentId = "main";

// What routing needs beyond the post: the account, its reply modes and `session.dmScope`.
struct RouteParams {
  std::string account_id;
  config::ReplyToModes reply_to;
  config::DmScope dm_scope = config::DmScope::main;
  std::string agent_id{kDefaultAgentId};
};

RouteParams route_params(const config::AccountConfig& account, config::DmScope dm_scope,
                         std::string_view agent_id = kDefaultAgentId);

struct Route {
  ChatType chat_type = ChatType::channel;
  std::string peer_id;                            // sender id for DMs, channel id otherwise
  std::string base_session_key;                   // reactions go here (§4.4)
  std::string session_key;                        // base, or base + ":thread:<threadId>"
  std::optional<std::string> parent_session_key;  // base for channel/group threads; none for DMs
  std::optional<std::string> thread_id;           // ReplyToId / MessageThreadId (§4.9)
  std::string to;                                 // `user:<senderId>` or `channel:<channelId>`
  std::string channel_id;                         // where the reply is posted
  std::string root_id;                            // the reply's root_id; "" = top level (§5.5)
  config::ReplyToMode reply_to_mode = config::ReplyToMode::off;  // the effective mode
};

// Routes an inbound post (or a button click, given the clicked post) from `sender_id` in a channel
// of `channel_type`. The reply's root is the thread root, never the id of a reply.
Route route_post(const RouteParams& params, const mattermost::Post& post,
                 mattermost::ChannelType channel_type, std::string_view sender_id);

// §5.5: the root of an agent reply payload. The route's thread root when it has one; else, outside
// DMs, the payload's own non-blank `replyToId` (the caller resolves it to its thread root if it
// names a reply); flat DMs never get a root. "" = top level.
std::string reply_root_for_payload(const Route& route, std::string_view payload_reply_to_id);

}  // namespace mmclaw::gateway

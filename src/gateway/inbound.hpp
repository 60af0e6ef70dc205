#pragma once
// The one set of decisions every inbound post goes through (channel-behaviour §4.2–4.7, §4.4):
// the filters, access control, mention gating and body normalisation, and routing. Pure: what the
// gateway looked up (the channel, the sender, the pairing approvals, the thread facts) comes in as
// data; a verdict with a stable reason code and, for a post to answer, its route and body come out.
//
// Order: screen (self, system, deleted, empty, unknown channel) -> access (other bots, DM and group
// policies, allowChannels, control commands) -> gating (mentions, chatmode, empty body) -> route.

#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "config/snapshot.hpp"
#include "gateway/chat_type.hpp"
#include "gateway/ingress.hpp"
#include "gateway/routing.hpp"
#include "mattermost/types.hpp"

namespace mmclaw::gateway {

// What the gateway knows about the channel of a post (§4.3); from the event or the channel cache.
struct ChannelFacts {
  std::string id;
  mattermost::ChannelType type = mattermost::ChannelType::open;
  std::string name;
  std::string display_name;
  std::string team_id;
};

struct SenderFacts {
  std::string id;
  std::string username;  // without '@'; "" when unknown
  bool is_bot = false;   // the user is a bot account (users.is_bot), when known
};

struct InboundFacts {
  const mattermost::Post* post = nullptr;
  std::optional<ChannelFacts> channel;  // nullopt: the channel type could not be resolved
  SenderFacts sender;
  bool has_files = false;
  // Thread facts, for replies in a channel or group thread (§4.6 implicit mentions).
  bool bot_replied_in_thread = false;  // a visible bot reply in this thread in the last 7 days
  bool thread_root_by_bot = false;     // the bot wrote the thread's root post
};

struct InboundContext {
  const config::AccountConfig* account = nullptr;
  BotIdentity bot;
  config::DmScope dm_scope = config::DmScope::main;
  const std::set<std::string>* approved_senders = nullptr;  // pairing approvals of the account
  bool use_access_groups = true;
};

enum class Verdict {
  answer,  // dispatch a turn: `route` and `body` are set
  pair,    // a DM from a sender not yet approved under dmPolicy "pairing": issue a challenge
  drop,    // `reason` says why
};
std::string_view to_string(Verdict verdict) noexcept;

struct InboundDecision {
  Verdict verdict = Verdict::drop;
  // Stable code for logs and metrics, "" unless dropped: self, system_post, deleted, empty_body,
  // unknown_channel, other_bot, dm_disabled, not_allowlisted, group_disabled,
  // group_allowlist_empty, channel_not_allowed, unauthorized_command, no_mention.
  std::string reason;
  std::optional<Route> route;  // set when answered, and for a drop that is kept as history context
  std::string body;            // the normalised body (§4.7), for the agent; set when answered
  bool was_mentioned = false;  // groups and channels only (§4.9)
  bool command_authorized = false;
  bool is_control_command = false;
  // The post is not answered but belongs in the history window of its session (§4.5 context
  // visibility, §4.6 "skipped posts are recorded as pending history").
  bool keep_as_history = false;
  // Dropped for lack of a mention in a channel or group: the caller logs mention_hint() once per
  // channel.
  bool mention_hint = false;
};

// The decision for one post. `context.account` must be set.
InboundDecision decide_inbound(const InboundFacts& facts, const InboundContext& context);

// A control command as the command layer reads it (§4.5, agent/control_commands): the whole text,
// trimmed, is `/<name>` or `/<name> <args>` with a name from PRODUCT.md's list (bad arguments
// included: they get a usage reply). Text that merely contains one (`hello /status`) is not a
// command.
bool is_control_command(std::string_view text);

}  // namespace mmclaw::gateway

#pragma once
// Access control for an inbound post (channel-behaviour §4.5, PRODUCT.md "Other bots are ignored
// by default"): who may talk to the bot, in DMs and in channels, and who may run control commands.
// Pure: plain structs in, a decision out; the pairing store's approvals are passed in as data.
//
// Runs after gateway/ingress (own posts, system posts, deleted and empty posts are already gone)
// and before mention gating. Order of the checks:
//   1. other bots (mmclaw; the reference only ignores itself)  -> drop other_bot
//   2. DMs: dmPolicy with allowFrom + pairing approvals         -> allow | pair | drop
//      groups/channels: groupPolicy, allowChannels, group list  -> allow | drop
//   3. groups/channels: an unauthorised control command         -> drop unauthorized_command

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "config/snapshot.hpp"
#include "gateway/chat_type.hpp"
#include "mattermost/types.hpp"

namespace mmclaw::gateway {

// --- Allowlist entries ---------------------------------------------------------------------------

// One normalised allowlist entry (§4.5): trimmed; `*` kept; `accessGroup:<name>` kept as an
// access-group reference; otherwise a leading `mattermost:` or `user:` (case-insensitive) and then
// a leading `@` are stripped and the rest lower-cased.
struct AllowEntry {
  enum class Kind {
    any,           // "*"
    access_group,  // accessGroup:<name>; `value` is the name as written
    id_or_name,    // compared with the sender id, and with the username under name matching
    name,          // written with '@': compared with the username only, never with an id
  };
  Kind kind = Kind::id_or_name;
  std::string value;
  bool operator==(const AllowEntry&) const = default;
};

// nullopt for an entry that is blank after normalisation (it matches nobody).
std::optional<AllowEntry> normalize_allow_entry(std::string_view raw);

// The same normalisation for a sender id or username: trim, strip `mattermost:`/`user:` and `@`,
// lower-case.
std::string normalize_sender(std::string_view raw);

// Every non-blank entry of `raw`, normalised, in order.
std::vector<AllowEntry> normalize_allow_list(const std::vector<std::string>& raw);

// Whether a sender is on a list: `*` matches everyone; an id entry matches the sender id; the
// username is compared (with id and `@name` entries) only when `allow_name_matching`
// (`dangerouslyAllowNameMatching`). Access-group references match nobody: mmclaw has no access
// groups to resolve them against.
bool sender_allowed(const std::vector<AllowEntry>& list, std::string_view sender_id,
                    std::string_view username, bool allow_name_matching);

// --- Bots ----------------------------------------------------------------------------------------

// PRODUCT.md: `props.from_bot` is "true" (the string the server writes, or a JSON true).
bool props_from_bot(const boost::json::object& props) noexcept;

// --- The decision --------------------------------------------------------------------------------

// Why a post is not answered; a stable code for logs and metrics.
enum class AccessReason {
  other_bot,              // from another bot (props.from_bot or a bot user) and allowBots is off
  dm_disabled,            // dmPolicy "disabled"
  not_allowlisted,        // the sender is not on the DM list (allowlist/open) or the group list
  pairing_pending,        // for the pairing stage: a repeat DM while a request is pending (no reply)
  group_disabled,         // groupPolicy "disabled"
  group_allowlist_empty,  // groupPolicy "allowlist" with neither groupAllowFrom nor allowFrom
  channel_not_allowed,    // allowChannels is set and does not name this channel
  unauthorized_command,   // a control command in a group/channel from a sender not authorised
};
std::string_view to_string(AccessReason reason) noexcept;

enum class AccessOutcome {
  allow,  // go on to mention gating
  pair,   // a DM under dmPolicy "pairing" from a sender not yet approved: issue a pairing challenge
  drop,   // `reason` says why
};
std::string_view to_string(AccessOutcome outcome) noexcept;

struct AccessDecision {
  AccessOutcome outcome = AccessOutcome::drop;
  std::optional<AccessReason> reason;  // set exactly when outcome is drop
  // The sender may run control commands (`/status`, `/new`, ...): the post carries
  // CommandSource "text", and in groups an authorised command bypasses mention gating.
  bool command_authorized = false;
  // A dropped group post that is still recorded as history context: the sender was rejected only
  // for not being on the group list and contextVisibility is "all". Never triggers a reply.
  bool record_as_context = false;
  bool operator==(const AccessDecision&) const = default;
};

struct AccessInput {
  std::string sender_id;
  std::string sender_username;  // may be empty when unknown
  bool sender_is_bot = false;   // the sender is known to be a bot user (users.is_bot)
  bool from_bot_prop = false;   // props.from_bot == "true" (see props_from_bot)
  mattermost::ChannelType channel_type = mattermost::ChannelType::direct;
  std::string channel_id;
  std::string channel_name;         // Channel.name, for allowChannels entries written as names
  bool is_control_command = false;  // the text is a control command as the command layer reads it
};

struct AccessContext {
  const config::AccountConfig* account = nullptr;
  // User ids approved through pairing (the store's allow list for this account); not consulted
  // under dmPolicy "allowlist" and never for groups.
  const std::set<std::string>* approved_senders = nullptr;
  // Core `commands.useAccessGroups` (default true). When false every sender may run control
  // commands (the core's default mode when access groups are off).
  bool use_access_groups = true;
};

AccessDecision decide_access(const AccessInput& input, const AccessContext& context);

// The parts, for callers and tests that need one step.

// DM list = allowFrom ∪ pairing approvals (approvals ignored under dmPolicy "allowlist").
std::vector<AllowEntry> effective_dm_list(const config::AccountConfig& account,
                                          const std::set<std::string>* approved_senders);
// Group list = groupAllowFrom when non-empty, else allowFrom; never the pairing store.
std::vector<AllowEntry> effective_group_list(const config::AccountConfig& account);

// allowChannels (PRODUCT.md: a channel allowlist): unset allows every channel; otherwise the
// channel id (exact, trimmed) or channel name (case-insensitive, a leading `#` or `~` ignored), or
// `*`, must be listed. An empty list allows none. Applies to groups and channels, never to DMs.
bool channel_allowed(const config::AccountConfig& account, std::string_view channel_id,
                     std::string_view channel_name);

}  // namespace mmclaw::gateway

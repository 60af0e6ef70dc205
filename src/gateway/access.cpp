#include "gateway/access.hpp"

#include <algorithm>

#include "util/strings.hpp"

namespace mmclaw::gateway {

namespace {

constexpr std::string_view kAccessGroupPrefix = "accessGroup:";

// Strips a leading `mattermost:` or `user:` (case-insensitive) and then a leading `@`; reports
// whether the `@` was there.
std::string_view strip_prefixes(std::string_view s, bool& had_at) {
  for (const std::string_view prefix : {std::string_view("mattermost:"), std::string_view("user:")}) {
    if (util::starts_with_icase(s, prefix)) {
      s.remove_prefix(prefix.size());
      break;
    }
  }
  had_at = !s.empty() && s.front() == '@';
  if (had_at) s.remove_prefix(1);
  return s;
}

AccessDecision drop(AccessReason reason, bool record_as_context = false) {
  AccessDecision d;
  d.outcome = AccessOutcome::drop;
  d.reason = reason;
  d.record_as_context = record_as_context;
  return d;
}

AccessDecision outcome(AccessOutcome o, bool command_authorized) {
  AccessDecision d;
  d.outcome = o;
  d.command_authorized = command_authorized;
  return d;
}

// The core's control-command gate with access groups on: authorised when some configured (non-empty)
// list holds the sender.
bool authorised_by(const std::vector<AllowEntry>& list, const AccessInput& in, bool name_matching) {
  return !list.empty() && sender_allowed(list, in.sender_id, in.sender_username, name_matching);
}

}  // namespace

std::optional<AllowEntry> normalize_allow_entry(std::string_view raw) {
  const std::string_view s = util::trim(raw);
  if (s.empty()) return std::nullopt;
  if (s == "*") return AllowEntry{AllowEntry::Kind::any, "*"};
  if (util::starts_with_icase(s, kAccessGroupPrefix)) {
    const std::string_view name = util::trim(s.substr(kAccessGroupPrefix.size()));
    if (name.empty()) return std::nullopt;
    return AllowEntry{AllowEntry::Kind::access_group, std::string(name)};
  }
  bool had_at = false;
  const std::string_view rest = util::trim(strip_prefixes(s, had_at));
  if (rest.empty()) return std::nullopt;
  return AllowEntry{had_at ? AllowEntry::Kind::name : AllowEntry::Kind::id_or_name, util::to_lower(rest)};
}

std::string normalize_sender(std::string_view raw) {
  bool had_at = false;
  return util::to_lower(util::trim(strip_prefixes(util::trim(raw), had_at)));
}

std::vector<AllowEntry> normalize_allow_list(const std::vector<std::string>& raw) {
  std::vector<AllowEntry> out;
  out.reserve(raw.size());
  for (const auto& entry : raw)
    if (auto e = normalize_allow_entry(entry)) out.push_back(std::move(*e));
  return out;
}

bool sender_allowed(const std::vector<AllowEntry>& list, std::string_view sender_id,
                    std::string_view username, bool allow_name_matching) {
  const std::string id = normalize_sender(sender_id);
  const std::string name = allow_name_matching ? normalize_sender(username) : std::string();
  for (const auto& e : list) {
    switch (e.kind) {
      case AllowEntry::Kind::any: return true;
      case AllowEntry::Kind::access_group: break;
      case AllowEntry::Kind::id_or_name:
        if (!id.empty() && e.value == id) return true;
        if (!name.empty() && e.value == name) return true;
        break;
      case AllowEntry::Kind::name:
        if (!name.empty() && e.value == name) return true;
        break;
    }
  }
  return false;
}

bool props_from_bot(const boost::json::object& props) noexcept {
  const auto* v = props.if_contains("from_bot");
  if (v == nullptr) return false;
  if (v->is_bool()) return v->get_bool();
  if (v->is_string()) return util::iequals(util::trim(v->get_string()), "true");
  return false;
}

std::string_view to_string(AccessReason reason) noexcept {
  switch (reason) {
    case AccessReason::other_bot: return "other_bot";
    case AccessReason::dm_disabled: return "dm_disabled";
    case AccessReason::not_allowlisted: return "not_allowlisted";
    case AccessReason::pairing_pending: return "pairing_pending";
    case AccessReason::group_disabled: return "group_disabled";
    case AccessReason::group_allowlist_empty: return "group_allowlist_empty";
    case AccessReason::channel_not_allowed: return "channel_not_allowed";
    case AccessReason::unauthorized_command: return "unauthorized_command";
  }
  return "unknown";
}

std::string_view to_string(AccessOutcome outcome) noexcept {
  switch (outcome) {
    case AccessOutcome::allow: return "allow";
    case AccessOutcome::pair: return "pair";
    case AccessOutcome::drop: return "drop";
  }
  return "unknown";
}

std::vector<AllowEntry> effective_dm_list(const config::AccountConfig& account,
                                          const std::set<std::string>* approved_senders) {
  std::vector<AllowEntry> list = normalize_allow_list(account.allow_from);
  if (account.dm_policy != config::DmPolicy::allowlist && approved_senders != nullptr)
    for (const auto& id : *approved_senders)
      if (auto e = normalize_allow_entry(id)) list.push_back(std::move(*e));
  return list;
}

std::vector<AllowEntry> effective_group_list(const config::AccountConfig& account) {
  std::vector<AllowEntry> list = normalize_allow_list(account.group_allow_from);
  if (list.empty()) list = normalize_allow_list(account.allow_from);
  return list;
}

bool channel_allowed(const config::AccountConfig& account, std::string_view channel_id,
                     std::string_view channel_name) {
  if (!account.allowed_channels) return true;
  const std::string_view id = util::trim(channel_id);
  const std::string_view name = util::trim(channel_name);
  for (const auto& raw : *account.allowed_channels) {
    std::string_view entry = util::trim(raw);
    if (entry == "*") return true;
    if (!id.empty() && entry == id) return true;
    if (!entry.empty() && (entry.front() == '#' || entry.front() == '~')) entry.remove_prefix(1);
    if (!entry.empty() && !name.empty() && util::iequals(entry, name)) return true;
  }
  return false;
}

AccessDecision decide_access(const AccessInput& in, const AccessContext& ctx) {
  static const config::AccountConfig kDefaults{};
  const config::AccountConfig& account = ctx.account != nullptr ? *ctx.account : kDefaults;
  const bool names = account.dangerously_allow_name_matching;

  // 1. Other bots (PRODUCT.md): ignored unless allowBots, in DMs and channels alike.
  if ((in.sender_is_bot || in.from_bot_prop) && !account.allow_bots) return drop(AccessReason::other_bot);

  const ChatType kind = chat_type_of(in.channel_type);
  if (kind == ChatType::direct) {
    // 2a. DMs (§4.5 "DMs").
    if (account.dm_policy == config::DmPolicy::disabled) return drop(AccessReason::dm_disabled);
    const std::vector<AllowEntry> dm_list = effective_dm_list(account, ctx.approved_senders);
    const bool command_authorized = !ctx.use_access_groups || authorised_by(dm_list, in, names);
    if (sender_allowed(dm_list, in.sender_id, in.sender_username, names))
      return outcome(AccessOutcome::allow, command_authorized);
    if (account.dm_policy == config::DmPolicy::pairing) return outcome(AccessOutcome::pair, false);
    return drop(AccessReason::not_allowlisted);  // allowlist, or open without `*`
  }

  // 2b. Groups and channels (§4.5 "Groups/channels"); the policy is resolved in the snapshot.
  if (account.group_policy == config::GroupPolicy::disabled) return drop(AccessReason::group_disabled);
  if (!channel_allowed(account, in.channel_id, in.channel_name))
    return drop(AccessReason::channel_not_allowed);
  const std::vector<AllowEntry> group_list = effective_group_list(account);
  if (account.group_policy == config::GroupPolicy::allowlist) {
    if (group_list.empty()) return drop(AccessReason::group_allowlist_empty);
    if (!sender_allowed(group_list, in.sender_id, in.sender_username, names))
      return drop(AccessReason::not_allowlisted,
                  account.context_visibility == config::ContextVisibility::all);
  }

  // 3. Control commands in groups: configured allowFrom or the group list must hold the sender.
  const bool command_authorized = !ctx.use_access_groups ||
                                  authorised_by(normalize_allow_list(account.allow_from), in, names) ||
                                  authorised_by(group_list, in, names);
  if (in.is_control_command && !command_authorized) return drop(AccessReason::unauthorized_command);
  return outcome(AccessOutcome::allow, command_authorized);
}

}  // namespace mmclaw::gateway

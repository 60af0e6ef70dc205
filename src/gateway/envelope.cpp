#include "gateway/envelope.hpp"

#include <algorithm>
#include <chrono>
#include <utility>

#include <fmt/format.h>
#include <boost/json/array.hpp>

namespace mmclaw::gateway {
namespace {

constexpr std::string_view kHistoryMarker = "[Chat messages since your last reply - for context]";
constexpr std::string_view kCurrentMarker = "[Current message - respond to this]";

// The sender as shown: the name, else the id (§4.9: name → username → id).
std::string_view sender_label(const EnvelopeInput& input) {
  return input.sender_name.empty() ? std::string_view(input.sender_id) : std::string_view(input.sender_name);
}

// §4.3 display, else room label: `#<name>`, else `#<channelId>`.
std::string room_subject(const EnvelopeInput& input) {
  if (!input.channel_display.empty()) return input.channel_display;
  if (!input.channel_name.empty()) return fmt::format("#{}", input.channel_name);
  return fmt::format("#{}", input.channel_id);
}

// One envelope from its parts; shared by the current message and the history entries, which show
// the current message's label.
std::string render_envelope(std::string_view label, ChatType chat_type, std::string_view sender,
                            std::string_view body, std::int64_t timestamp_ms,
                            std::optional<std::int64_t> previous_ms) {
  std::string out = fmt::format("[Mattermost {}", label);
  if (timestamp_ms > 0 && previous_ms && *previous_ms > 0) {
    if (auto elapsed = format_elapsed(timestamp_ms - *previous_ms)) out += fmt::format(" +{}", *elapsed);
  }
  if (timestamp_ms > 0) out += fmt::format(" {}", format_utc_timestamp(timestamp_ms));
  out += "]\n";
  if (chat_type != ChatType::direct) out += fmt::format("{}: ", sender);
  out += body;
  return out;
}

std::string history_suffix(std::string_view post_id, std::string_view channel_id) {
  if (post_id.empty()) return {};
  return fmt::format(" [id:{} channel:{}]", post_id, channel_id);
}

std::string current_body(const EnvelopeInput& input) {
  return fmt::format("{}\n[mattermost message id: {} channel: {}]", input.body, input.post_id,
                     input.channel_id);
}

std::string_view dm_scope_name(config::DmScope scope) {
  switch (scope) {
    case config::DmScope::main: return "main";
    case config::DmScope::per_peer: return "per-peer";
    case config::DmScope::per_channel_peer: return "per-channel-peer";
    case config::DmScope::per_account_channel_peer: return "per-account-channel-peer";
  }
  return "main";
}

std::string from_address(const EnvelopeInput& input) {
  switch (input.chat_type) {
    case ChatType::direct: return fmt::format("mattermost:{}", input.sender_id);
    case ChatType::group: return fmt::format("mattermost:group:{}", input.channel_id);
    case ChatType::channel: break;
  }
  return fmt::format("mattermost:channel:{}", input.channel_id);
}

boost::json::array string_array(std::span<const std::string> values) {
  boost::json::array out;
  out.reserve(values.size());
  for (const auto& v : values) out.emplace_back(v);
  return out;
}

void put_optional(boost::json::object& out, std::string_view key, const std::optional<std::string>& value) {
  if (value) out[key] = *value;
}

}  // namespace

// --- history window ----------------------------------------------------------------------------

HistoryWindow::HistoryWindow(std::size_t max_keys) : max_keys_(max_keys) {}

void HistoryWindow::record(std::string_view key, HistoryEntry entry, int limit) {
  limit = std::clamp(limit, 0, kMaxHistoryLimit);
  if (limit == 0) {
    clear(key);
    return;
  }
  auto it = keys_.find(key);
  if (it == keys_.end()) {
    recency_.emplace_back(key);
    it = keys_.emplace(std::string(key), Slot{{}, std::prev(recency_.end())}).first;
  } else {
    touch(it->second);
  }
  auto& entries = it->second.entries;
  entries.push_back(std::move(entry));
  const auto keep = static_cast<std::size_t>(limit);
  if (entries.size() > keep)
    entries.erase(entries.begin(), entries.end() - static_cast<std::ptrdiff_t>(keep));
  evict_excess();
}

std::vector<HistoryEntry> HistoryWindow::window(std::string_view key, std::string_view current_post_id,
                                                std::int64_t current_create_at,
                                                std::span<const std::string> exclude_ids) const {
  std::vector<HistoryEntry> out;
  const auto it = keys_.find(key);
  if (it == keys_.end()) return out;
  for (const auto& entry : it->second.entries) {
    if (entry.timestamp > current_create_at) continue;  // arrived later than the post it would explain
    if (!entry.message_id.empty()) {
      if (entry.message_id == current_post_id) continue;
      if (std::find(exclude_ids.begin(), exclude_ids.end(), entry.message_id) != exclude_ids.end()) continue;
    }
    out.push_back(entry);
  }
  // Arrival order can differ from creation order (catch-up after a reconnect); stable keeps equal
  // timestamps in arrival order.
  std::stable_sort(out.begin(), out.end(),
                   [](const HistoryEntry& a, const HistoryEntry& b) { return a.timestamp < b.timestamp; });
  return out;
}

void HistoryWindow::clear(std::string_view key) {
  const auto it = keys_.find(key);
  if (it == keys_.end()) return;
  recency_.erase(it->second.recency);
  keys_.erase(it);
}

void HistoryWindow::touch(Slot& slot) {
  recency_.splice(recency_.end(), recency_, slot.recency);
}

void HistoryWindow::evict_excess() {
  while (keys_.size() > max_keys_ && !recency_.empty()) {
    const auto it = keys_.find(recency_.front());
    recency_.pop_front();
    if (it != keys_.end()) keys_.erase(it);
  }
}

std::optional<std::string> history_key(const Route& route) {
  if (route.chat_type == ChatType::direct && !route.thread_id) return std::nullopt;
  return route.session_key;
}

// --- envelope ----------------------------------------------------------------------------------

std::string format_utc_timestamp(std::int64_t unix_ms) {
  using namespace std::chrono;
  const sys_time<milliseconds> time{milliseconds{unix_ms}};
  const auto day = floor<days>(time);
  const year_month_day date{day};
  const auto minute_of_day = floor<minutes>(time - day).count();
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02} UTC", static_cast<int>(date.year()),
                     static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                     minute_of_day / 60, minute_of_day % 60);
}

std::optional<std::string> format_elapsed(std::int64_t elapsed_ms) {
  if (elapsed_ms < 0) return std::nullopt;
  const std::int64_t seconds = elapsed_ms / 1000;
  if (seconds < 60) return fmt::format("{}s", seconds);
  if (seconds < 3600) return fmt::format("{}m", seconds / 60);
  if (seconds < 86400) return fmt::format("{}h", seconds / 3600);
  return fmt::format("{}d", seconds / 86400);
}

std::string from_label(const EnvelopeInput& input) {
  if (input.chat_type != ChatType::direct)
    return fmt::format("{} id:{}", room_subject(input), input.channel_id);
  const std::string_view name = sender_label(input);
  if (name == input.sender_id) return std::string(name);
  return fmt::format("{} id:{}", name, input.sender_id);
}

std::string format_envelope(const EnvelopeInput& input, bool current) {
  const std::string body =
      current ? current_body(input) : input.body + history_suffix(input.post_id, input.channel_id);
  return render_envelope(from_label(input), input.chat_type, sender_label(input), body, input.timestamp_ms,
                         input.previous_timestamp_ms);
}

std::string agent_body(std::span<const HistoryEntry> history, const EnvelopeInput& current) {
  if (history.empty()) return format_envelope(current, true);
  const std::string label = from_label(current);
  std::string out(kHistoryMarker);
  std::optional<std::int64_t> previous;
  for (const auto& entry : history) {
    const std::string_view channel = entry.channel_id.empty() ? current.channel_id : entry.channel_id;
    const std::string body = entry.body + history_suffix(entry.message_id, channel);
    out += '\n';
    out += render_envelope(label, current.chat_type, entry.sender, body, entry.timestamp, previous);
    if (entry.timestamp > 0) previous = entry.timestamp;
  }
  EnvelopeInput last = current;
  if (!last.previous_timestamp_ms) last.previous_timestamp_ms = previous;
  return fmt::format("{}\n\n{}\n{}", out, kCurrentMarker, format_envelope(last, true));
}

// --- turn context ------------------------------------------------------------------------------

TurnContext make_turn_context(const TurnInput& input) {
  const EnvelopeInput& env = input.envelope;
  const bool direct = env.chat_type == ChatType::direct;
  TurnContext ctx;
  ctx.from = from_address(env);
  ctx.to = input.route.to;
  ctx.session_key = input.route.session_key;
  ctx.parent_session_key = input.route.parent_session_key;
  ctx.dm_scope = std::string(dm_scope_name(input.dm_scope));
  ctx.account_id = input.account_id;
  ctx.chat_type = env.chat_type;
  ctx.conversation_label = from_label(env);
  if (!direct) {
    ctx.group_subject = room_subject(env);
    if (!env.channel_name.empty()) ctx.group_channel = fmt::format("#{}", env.channel_name);
    if (!input.team_id.empty()) ctx.group_space = input.team_id;
    ctx.was_mentioned = input.was_mentioned;
  }
  ctx.sender_id = env.sender_id;
  ctx.sender_name = std::string(sender_label(env));
  ctx.originating_to = ctx.to;
  ctx.native_channel_id = env.channel_id;
  ctx.reply_to_id = input.route.thread_id;
  ctx.message_thread_id = input.route.thread_id;
  ctx.message_sid = env.post_id;
  ctx.timestamp = env.timestamp_ms;
  ctx.command_authorized = input.command_authorized;
  if (input.command_authorized && input.control_command) ctx.command_source = "text";
  ctx.raw_body = input.command_body;
  ctx.body_for_agent = env.body;
  ctx.body = agent_body(input.history, env);
  ctx.inbound_history = input.history;
  // Only a real merge gets the Sids: one post is already MessageSid.
  if (input.merged_post_ids.size() > 1) {
    ctx.message_sids = input.merged_post_ids;
    ctx.message_sid_first = input.merged_post_ids.front();
    ctx.message_sid_last = input.merged_post_ids.back();
  }
  return ctx;
}

boost::json::object to_json(const TurnContext& c) {
  boost::json::object out;
  out["From"] = c.from;
  out["To"] = c.to;
  out["SessionKey"] = c.session_key;
  put_optional(out, "ParentSessionKey", c.parent_session_key);
  out["DmScope"] = c.dm_scope;
  out["AccountId"] = c.account_id;
  out["ChatType"] = to_string(c.chat_type);
  out["ConversationLabel"] = c.conversation_label;
  put_optional(out, "GroupSubject", c.group_subject);
  put_optional(out, "GroupChannel", c.group_channel);
  put_optional(out, "GroupSpace", c.group_space);
  out["SenderId"] = c.sender_id;
  out["SenderName"] = c.sender_name;
  out["Provider"] = c.provider;
  out["Surface"] = c.provider;
  out["OriginatingChannel"] = c.provider;
  out["OriginatingTo"] = c.originating_to;
  out["NativeChannelId"] = c.native_channel_id;
  put_optional(out, "ReplyToId", c.reply_to_id);
  put_optional(out, "MessageThreadId", c.message_thread_id);
  out["MessageSid"] = c.message_sid;
  out["Timestamp"] = c.timestamp;
  if (c.was_mentioned) out["WasMentioned"] = *c.was_mentioned;
  out["CommandAuthorized"] = c.command_authorized;
  put_optional(out, "CommandSource", c.command_source);
  out["RawBody"] = c.raw_body;
  out["CommandBody"] = c.raw_body;
  out["BodyForCommands"] = c.raw_body;
  out["BodyForAgent"] = c.body_for_agent;
  out["Body"] = c.body;
  if (!c.inbound_history.empty()) {
    boost::json::array history;
    history.reserve(c.inbound_history.size());
    for (const auto& e : c.inbound_history) {
      history.emplace_back(
          boost::json::object{{"sender", e.sender}, {"body", e.body}, {"timestamp", e.timestamp}});
    }
    out["InboundHistory"] = std::move(history);
  }
  if (!c.message_sids.empty()) out["MessageSids"] = string_array(c.message_sids);
  put_optional(out, "MessageSidFirst", c.message_sid_first);
  put_optional(out, "MessageSidLast", c.message_sid_last);
  return out;
}

}  // namespace mmclaw::gateway

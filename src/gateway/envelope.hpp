#pragma once
// What the agent receives for one inbound post (channel-behaviour §4.8, §4.9): the history window of
// posts it did not answer, the envelope text around each message, the agent `Body`, and the turn's
// context fields. Pure: plain values in, text and structs out; time is passed in as unix ms.

#include <cstddef>
#include <cstdint>
#include <list>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "config/snapshot.hpp"
#include "gateway/chat_type.hpp"
#include "gateway/routing.hpp"

namespace mmclaw::gateway {

// --- §4.8 history window ------------------------------------------------------------------------

// A post the bot saw but did not answer, kept as context for the next turn of its session.
struct HistoryEntry {
  std::string sender;  // username, or the user id when the name is unknown
  std::string body;
  std::int64_t timestamp = 0;  // create_at, unix ms; 0 = unknown
  std::string message_id;
  std::string channel_id;

  bool operator==(const HistoryEntry&) const = default;
};

// The core's hard cap on `historyLimit` (§4.8).
inline constexpr int kMaxHistoryLimit = 200;
inline constexpr std::size_t kDefaultMaxHistoryKeys = 1000;

// Per history key, the newest entries up to the limit. In memory only (§4.8: a restart forgets it).
// Memory is bounded twice: by the limit per key and by `max_keys`, beyond which the key recorded
// least recently is dropped. Not thread-safe (the event loop owns it).
class HistoryWindow {
 public:
  explicit HistoryWindow(std::size_t max_keys = kDefaultMaxHistoryKeys);

  // Appends `entry` and keeps the newest `limit` entries of the key; `limit` is clamped to
  // 0..kMaxHistoryLimit, and 0 (history off) keeps nothing and forgets what the key held.
  void record(std::string_view key, HistoryEntry entry, int limit);

  // The context for the post `current_post_id` created at `current_create_at`: the key's entries
  // not newer than it, without the post itself and without `exclude_ids` (posts merged into it by
  // the debouncer), oldest first.
  [[nodiscard]] std::vector<HistoryEntry> window(std::string_view key, std::string_view current_post_id,
                                                 std::int64_t current_create_at,
                                                 std::span<const std::string> exclude_ids) const;

  // After a reply turn the context has been consumed (§4.8).
  void clear(std::string_view key);

  [[nodiscard]] std::size_t key_count() const noexcept { return keys_.size(); }

 private:
  struct Slot {
    std::vector<HistoryEntry> entries;         // arrival order, at most the limit
    std::list<std::string>::iterator recency;  // position in recency_
  };

  void touch(Slot& slot);
  void evict_excess();

  std::size_t max_keys_;
  std::map<std::string, Slot, std::less<>> keys_;
  std::list<std::string> recency_;  // least recently recorded first
};

// The history key of a route (§4.8): its session key, except a DM outside a thread (none: a flat
// DM has no pending posts, every DM post is answered).
std::optional<std::string> history_key(const Route& route);

// --- §4.9 envelope ---------------------------------------------------------------------------------

// One message as the envelope shows it.
struct EnvelopeInput {
  ChatType chat_type = ChatType::channel;
  std::string channel_id;
  std::string channel_name;     // Channel.name; "" when unknown
  std::string channel_display;  // display name (§4.3 fallbacks applied by the caller); "" when unknown
  std::string sender_id;
  std::string sender_name;  // username, else the id (§4.9); "" is treated as the id
  std::string post_id;
  std::int64_t timestamp_ms = 0;                      // create_at; 0 = unknown (no timestamp shown)
  std::optional<std::int64_t> previous_timestamp_ms;  // the previous message the agent saw, if known
  std::string body;                                   // the agent body (§4.7)
};

// `YYYY-MM-DD HH:MM UTC`. Always UTC, never the host's zone or locale: the gateway's output must not
// depend on where it runs, and the agent can convert if it needs local time. Computed with the
// proleptic Gregorian calendar arithmetic of <chrono> (no tz database, no locale).
std::string format_utc_timestamp(std::int64_t unix_ms);

// The elapsed time in its largest whole unit, floored: `45s`, `12m`, `3h`, `2d` (no `+`).
// Negative → nullopt (clock skew or an out-of-order post: better nothing than a wrong hint).
std::optional<std::string> format_elapsed(std::int64_t elapsed_ms);

// §4.9 fromLabel. Groups and channels: `<display or room label> id:<channelId>`, the room label being
// `#<name>`, else `#<channelId>`. DMs: `<senderName> id:<senderId>`, or just the name when equal.
std::string from_label(const EnvelopeInput& input);

// §4.9 envelope: `[Mattermost <fromLabel>[ +<elapsed>] <timestamp>]`, a newline, then the body, which
// in groups and channels is prefixed `<senderName>: `. The current message's body ends with a line
// `[mattermost message id: <postId> channel: <channelId>]`; a history message's body instead gets
// the suffix ` [id:<postId> channel:<channelId>]` (omitted without a post id). The elapsed time is
// measured from `previous_timestamp_ms` and omitted when unknown or negative.
std::string format_envelope(const EnvelopeInput& input, bool current);

// §4.8 the agent `Body`. Without history, the current envelope. With history:
// `[Chat messages since your last reply - for context]`, each history envelope (shown with the
// current message's fromLabel and chat type, the entry's sender as the name), a blank line,
// `[Current message - respond to this]`, then the current envelope. Lines are joined with `\n`.
// Elapsed times run from one message of the window to the next; the current message uses its own
// `previous_timestamp_ms`, else the newest history entry.
std::string agent_body(std::span<const HistoryEntry> history, const EnvelopeInput& current);

// --- §4.9 turn context -------------------------------------------------------------------------

inline constexpr std::string_view kProvider = "mattermost";

// The context fields an agent turn receives, as plain data. Optional fields are absent from the
// JSON when unset. Media fields are added by the agent runtime with the downloaded files.
struct TurnContext {
  std::string from;  // mattermost:<senderId> | mattermost:group:<channelId> | mattermost:channel:<id>
  std::string to;    // user:<senderId> | channel:<channelId>
  std::string session_key;
  std::optional<std::string> parent_session_key;
  std::string dm_scope;  // main | per-peer | per-channel-peer | per-account-channel-peer
  std::string account_id;
  ChatType chat_type = ChatType::channel;
  std::string conversation_label;            // = fromLabel
  std::optional<std::string> group_subject;  // groups and channels: display or room label
  std::optional<std::string> group_channel;  // groups and channels with a known name: `#<name>`
  std::optional<std::string> group_space;    // the team id, when known
  std::string sender_id;
  std::string sender_name;
  std::string provider{kProvider};  // also Surface and OriginatingChannel
  std::string originating_to;       // = to
  std::string native_channel_id;
  std::optional<std::string> reply_to_id;        // = the route's thread id
  std::optional<std::string> message_thread_id;  // = the route's thread id
  std::string message_sid;                       // the post answered (the last one when merged)
  std::int64_t timestamp = 0;                    // its create_at
  std::optional<bool> was_mentioned;             // groups and channels only
  bool command_authorized = false;
  std::optional<std::string> command_source;  // "text" for an authorised control command
  std::string raw_body;                       // also CommandBody and BodyForCommands: mention-stripped
  std::string body_for_agent;                 // the agent body without envelope (§4.7)
  std::string body;                           // agent_body(): envelopes and history
  std::vector<HistoryEntry> inbound_history;  // the history window, oldest first
  std::vector<std::string> message_sids;      // debounced posts merged into this turn, oldest first
  std::optional<std::string> message_sid_first;
  std::optional<std::string> message_sid_last;

  bool operator==(const TurnContext&) const = default;
};

// What a dispatched post brings to make_turn_context().
struct TurnInput {
  Route route;
  std::string account_id;
  config::DmScope dm_scope = config::DmScope::main;
  EnvelopeInput envelope;  // envelope.body is the agent body (§4.7)
  std::string team_id;     // "" when unknown
  bool was_mentioned = false;
  bool command_authorized = false;
  bool control_command = false;              // the text is a control command (§4.5)
  std::string command_body;                  // the mention-stripped text (§4.7)
  std::vector<HistoryEntry> history;         // HistoryWindow::window() for this post
  std::vector<std::string> merged_post_ids;  // DebounceBatch::post_ids(); fewer than two = not merged
};

TurnContext make_turn_context(const TurnInput& input);

// The OpenClaw field names (`From`, `SessionKey`, `MessageSids`, ...), for trace logs and the agent
// runtime.
boost::json::object to_json(const TurnContext& context);

}  // namespace mmclaw::gateway

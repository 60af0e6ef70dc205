#pragma once
// Decoding of the text frames Mattermost sends on its WebSocket (protocol reference §1.5, §2)
// into typed events. Pure: no I/O, no clock, no logging. This is an edge of the core
// (ARCHITECTURE.md rule 6): every input yields a value, bad input a Malformed with a stable
// reason code, and nothing here throws.

#include <cstddef>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "mattermost/json_fields.hpp"
#include "mattermost/types.hpp"

namespace mmclaw::mattermost {

// Largest frame accepted by default (channel-behaviour §3.3: max inbound frame 16 MiB).
inline constexpr std::size_t kMaxFrameBytes = 16 * 1024 * 1024;

// The routing part of an event envelope (§1.9). Empty strings when absent.
struct Broadcast {
  std::vector<std::string> omit_users;  // keys of the omit_users map, in frame order
  std::string user_id;
  std::string channel_id;
  std::string team_id;
  std::string connection_id;
  std::string omit_connection_id;
  bool contains_sanitized_data = false;
  bool contains_sensitive_data = false;

  bool operator==(const Broadcast&) const = default;
};

// Every event struct below carries the envelope's `seq` (nullopt when the frame had none) and
// its broadcast, so the monitor can check sequence continuity on any of them.

struct Hello {
  std::string connection_id;   // for resume; may be empty on old servers
  std::string server_version;  // "<version>.<build>.<config hash>.<licensed>", see §2.1
  std::string server_hostname;
  std::optional<std::int64_t> seq;
  Broadcast broadcast;
};

// The answer to a client request (§1.4): has `status`, no `event`, no `seq`.
struct Reply {
  bool ok = false;  // status "OK" (true) or "FAIL" (false)
  std::optional<std::int64_t> seq_reply;
  boost::json::object data;  // e.g. the ping action's {"text":"pong","version":...}
  std::string error_id;      // AppError id when FAIL (match on this, never on the message)
  std::string error_message;
  std::int64_t error_status_code = 0;
};

// Where PostedEvent/PostEdited/PostDeleted found the channel id (channel-behaviour §3.6).
enum class ChannelIdSource { post, data, broadcast };

// `posted` (§2.2). post.channel_id holds the resolved channel id; post.id and post.user_id are
// non-blank. The author is post.user_id, never broadcast.user_id.
struct PostedEvent {
  Post post;
  ChannelIdSource channel_id_source = ChannelIdSource::post;
  std::optional<ChannelType> channel_type;  // nullopt when absent or not one of D/G/P/O
  std::string channel_type_code;            // data.channel_type as sent ("" when absent)
  std::string channel_name;
  std::string channel_display_name;
  std::string sender_name;             // "@alice", an override_username, or "System"
  std::string team_id;                 // "" for DMs and GMs
  std::vector<std::string> mentions;   // decoded from the JSON string; usually only the receiver
  std::vector<std::string> followers;  // same encoding, collapsed reply threads
  bool has_files = false;  // data.image / data.otherFile say "true", or post.file_ids is non-empty
  bool set_online = true;
  std::optional<std::int64_t> seq;
  Broadcast broadcast;
};

// `post_edited` (§2.3): the full updated post, same validation and channel fallback as posted.
struct PostEdited {
  Post post;
  ChannelIdSource channel_id_source = ChannelIdSource::post;
  std::optional<std::int64_t> seq;
  Broadcast broadcast;
};

// `post_deleted` (§2.4): the post as it was before deletion (delete_at usually 0).
struct PostDeleted {
  Post post;
  ChannelIdSource channel_id_source = ChannelIdSource::post;
  std::string delete_by;  // only in the admin (contains_sensitive_data) copy
  std::optional<std::int64_t> seq;
  Broadcast broadcast;
};

// `reaction_added` / `reaction_removed` (§2.5, channel-behaviour §4.10).
struct ReactionEvent {
  bool added = false;
  std::string user_id;
  std::string post_id;
  std::string emoji_name;
  std::string channel_id;  // broadcast.channel_id, else data.channel_id, else reaction.channel_id
  std::int64_t create_at = 0;
  std::optional<std::int64_t> seq;
  Broadcast broadcast;
};

// `typing` (§2.6).
struct Typing {
  std::string user_id;
  std::string parent_id;   // thread root or ""
  std::string channel_id;  // broadcast.channel_id
  std::optional<std::int64_t> seq;
  Broadcast broadcast;
};

// `user_added` (§2.8).
struct UserAdded {
  std::string user_id;
  std::string team_id;
  std::string channel_id;  // broadcast.channel_id
  std::optional<std::int64_t> seq;
  Broadcast broadcast;
};

// `user_removed` (§2.9), both shapes normalised: the copy for remaining members names the removed
// user in data.user_id (channel in broadcast.channel_id); the copy for the removed user names the
// channel in data.channel_id (user in broadcast.user_id).
struct UserRemoved {
  std::string user_id;     // the removed user
  std::string channel_id;  // the channel left
  std::string remover_id;
  bool to_removed_user = false;  // this is the removed user's own copy
  std::optional<std::int64_t> seq;
  Broadcast broadcast;
};

// `direct_added` (§2.10): a DM channel was created.
struct DirectAdded {
  std::string creator_id;
  std::string teammate_id;
  std::string channel_id;  // broadcast.channel_id
  std::optional<std::int64_t> seq;
  Broadcast broadcast;
};

// `group_added` (§2.11): a GM channel was created.
struct GroupAdded {
  std::vector<std::string> teammate_ids;  // decoded from the JSON string
  std::string channel_id;                 // broadcast.channel_id
  std::optional<std::int64_t> seq;
  Broadcast broadcast;
};

// `channel_viewed` (§2.7, older servers).
struct ChannelViewed {
  std::string channel_id;
  std::optional<std::int64_t> seq;
  Broadcast broadcast;
};

// `status_change` (§2.12).
struct StatusChange {
  std::string user_id;
  std::string status;  // online | away | dnd | offline
  std::optional<std::int64_t> seq;
  Broadcast broadcast;
};

// A well-formed event the gateway does not use; only the envelope is decoded.
struct OtherEvent {
  std::string name;
  std::optional<std::int64_t> seq;
  Broadcast broadcast;
};

enum class MalformedReason {
  too_large,
  not_json,
  not_object,
  no_event,  // neither `event` nor `status`
  bad_event_name,
  bad_status,  // `status` other than OK/FAIL
  bad_field_type,
  bad_post_json,
  bad_reaction_json,
  bad_mentions_json,
  bad_followers_json,
  bad_teammate_ids_json,
  missing_post,
  missing_post_id,
  missing_user_id,
  missing_channel_id,
  missing_reaction,
  missing_emoji_name,
  internal_error,  // the decoder itself failed (e.g. out of memory)
};

// Stable short code for logs and metric labels ("not_json", "missing_post_id", ...).
std::string_view to_string(MalformedReason reason) noexcept;

// A frame that cannot be used. `detail` is at most kMaxDetailChars, printable ASCII, and never
// contains frame content beyond field names, JSON types and the event name.
struct Malformed {
  static constexpr std::size_t kMaxDetailChars = 200;

  MalformedReason reason = MalformedReason::not_json;
  std::string detail;
  std::string event;                // the envelope's event name when it was readable
  std::optional<std::int64_t> seq;  // when readable: the frame still counts for continuity
  // For bad_field_type found while reading the fields of an object (detail
  // "<object>.<key>: expected <type>, got <kind>"): the same facts as data.
  std::optional<FieldTypeError> field;

  [[nodiscard]] std::string_view reason_code() const noexcept { return to_string(reason); }
};

using Event =
    std::variant<Hello, Reply, PostedEvent, PostEdited, PostDeleted, ReactionEvent, Typing, UserAdded,
                 UserRemoved, DirectAdded, GroupAdded, ChannelViewed, StatusChange, OtherEvent, Malformed>;
using DecodeResult = Event;

// Decodes one text frame (a trailing newline is fine). Frames longer than max_frame_bytes are
// Malformed(too_large) without being parsed. Never throws.
DecodeResult decode_frame(std::string_view text, std::size_t max_frame_bytes = kMaxFrameBytes) noexcept;

// The event name for logs: the wire name ("posted", "reaction_removed", an OtherEvent's own name,
// which the returned view points into), "reply" for replies and "malformed" for Malformed.
std::string_view event_name(const Event& event) noexcept;

// The envelope seq of any event (nullopt for replies and unreadable frames).
std::optional<std::int64_t> event_seq(const Event& event) noexcept;

// Reads a Post or a Reaction object (also useful for REST bodies). Unknown fields are ignored,
// absent or null fields keep their defaults, a present field of the wrong JSON type is
// Malformed(bad_field_type). Ids are not checked here.
std::expected<Post, Malformed> post_from_json(const boost::json::object& object);
std::expected<Reaction, Malformed> reaction_from_json(const boost::json::object& object);

}  // namespace mmclaw::mattermost

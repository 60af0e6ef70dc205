#include "mattermost/events.hpp"

#include <algorithm>
#include <exception>
#include <limits>
#include <type_traits>
#include <utility>

#include <fmt/format.h>
#include <boost/json/parse.hpp>
#include <boost/json/parse_options.hpp>
#include <boost/json/value.hpp>

namespace mmclaw::mattermost {

namespace json = boost::json;

namespace {

constexpr std::size_t kMaxEventNameChars = 64;

// Keeps details log-safe: printable ASCII only, bounded length.
std::string bounded_text(std::string_view text, std::size_t limit) {
  std::string out;
  out.reserve(std::min(text.size(), limit));
  for (const char c : text) {
    if (out.size() == limit) {
      out.replace(out.size() - 3, 3, "...");
      break;
    }
    const auto byte = static_cast<unsigned char>(c);
    out.push_back(byte >= 0x20 && byte < 0x7f ? c : '?');
  }
  return out;
}

Malformed malformed(MalformedReason reason, std::string_view detail) {
  Malformed m;
  m.reason = reason;
  m.detail = bounded_text(detail, Malformed::kMaxDetailChars);
  return m;
}

bool is_blank(std::string_view text) {
  return text.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

json::value parse_json(std::string_view text, boost::system::error_code& ec) {
  json::parse_options options;
  options.max_depth = 64;  // post props (attachments) nest a few levels; the default 32 is tight
  return json::parse(text, ec, json::storage_ptr(), options);
}

// A wrong field type found by JsonFields, as "<object>.<key>: expected <type>, got <kind>".
Malformed field_malformed(FieldTypeError error) {
  Malformed m = malformed(MalformedReason::bad_field_type,
                          fmt::format("{}.{}: expected {}, got {}", error.object, error.key,
                                      to_string(error.expected), json_kind_name(error.actual)));
  m.field = std::move(error);
  return m;
}

// Mattermost double-encodes some fields (§1.5): `data.post` is a string holding JSON. The decoded
// form is accepted as well. `field` names the field in details ("data.post").
std::expected<json::value, Malformed> embedded_json(const json::value& value, std::string_view field,
                                                    json::kind want, MalformedReason bad) {
  if (value.kind() == want) return value;
  if (!value.is_string()) {
    return std::unexpected(malformed(MalformedReason::bad_field_type,
                                     fmt::format("{}: expected string or {}, got {}", field,
                                                 json_kind_name(want), json_kind_name(value.kind()))));
  }
  boost::system::error_code ec;
  json::value decoded = parse_json(value.get_string(), ec);
  if (ec) {
    return std::unexpected(
        malformed(bad, fmt::format("{}: invalid JSON inside the string ({})", field, ec.message())));
  }
  if (decoded.kind() != want) {
    return std::unexpected(malformed(bad, fmt::format("{}: expected JSON {}, got {}", field,
                                                      json_kind_name(want), json_kind_name(decoded.kind()))));
  }
  return decoded;
}

// An embedded JSON array of ids (mentions, followers, teammate_ids); absent or null is empty.
std::expected<std::vector<std::string>, Malformed> embedded_ids(const json::object& data,
                                                                std::string_view key, MalformedReason bad) {
  const json::value* value = data.if_contains(key);
  if (value == nullptr || value->is_null()) return std::vector<std::string>{};
  const std::string field = fmt::format("data.{}", key);
  auto decoded = embedded_json(*value, field, json::kind::array, bad);
  if (!decoded) return std::unexpected(std::move(decoded.error()));
  std::vector<std::string> ids;
  ids.reserve(decoded->get_array().size());
  for (const json::value& item : decoded->get_array()) {
    if (!item.is_string()) {
      return std::unexpected(malformed(bad, fmt::format("{}: expected an array of strings, found {}", field,
                                                        json_kind_name(item.kind()))));
    }
    ids.emplace_back(item.get_string());
  }
  return ids;
}

std::expected<Broadcast, Malformed> read_broadcast(const json::object& envelope) {
  const json::value* value = envelope.if_contains("broadcast");
  if (value == nullptr || value->is_null()) return Broadcast{};
  if (!value->is_object()) {
    return std::unexpected(
        malformed(MalformedReason::bad_field_type,
                  fmt::format("broadcast: expected object, got {}", json_kind_name(value->kind()))));
  }
  JsonFields fields(value->get_object(), "broadcast");
  Broadcast b;
  const json::object omit = fields.object("omit_users");
  for (const auto& entry : omit) b.omit_users.emplace_back(entry.key());
  b.user_id = fields.text("user_id");
  b.channel_id = fields.text("channel_id");
  b.team_id = fields.text("team_id");
  b.connection_id = fields.text("connection_id");
  b.omit_connection_id = fields.text("omit_connection_id");
  b.contains_sanitized_data = fields.boolean("contains_sanitized_data", false);
  b.contains_sensitive_data = fields.boolean("contains_sensitive_data", false);
  if (fields.failed()) return std::unexpected(field_malformed(fields.take_error()));
  return b;
}

// The common part of posted / post_edited / post_deleted: decode data.post, check its ids and
// resolve the channel id (post, then data, then broadcast; channel-behaviour §3.6).
struct PostPart {
  Post post;
  ChannelIdSource source = ChannelIdSource::post;
};

std::expected<PostPart, Malformed> read_post_part(const json::object& data, const Broadcast& broadcast) {
  const json::value* value = data.if_contains("post");
  if (value == nullptr || value->is_null())
    return std::unexpected(malformed(MalformedReason::missing_post, "no data.post"));
  auto decoded = embedded_json(*value, "data.post", json::kind::object, MalformedReason::bad_post_json);
  if (!decoded) return std::unexpected(std::move(decoded.error()));
  auto post = post_from_json(decoded->get_object());
  if (!post) return std::unexpected(std::move(post.error()));
  if (is_blank(post->id))
    return std::unexpected(malformed(MalformedReason::missing_post_id, "post.id is blank"));
  if (is_blank(post->user_id)) {
    return std::unexpected(malformed(MalformedReason::missing_user_id, "post.user_id is blank"));
  }
  JsonFields fields(data, "data");
  std::string data_channel = fields.text("channel_id");
  if (fields.failed()) return std::unexpected(field_malformed(fields.take_error()));

  PostPart part{std::move(*post), ChannelIdSource::post};
  if (is_blank(part.post.channel_id)) {
    if (!is_blank(data_channel)) {
      part.post.channel_id = std::move(data_channel);
      part.source = ChannelIdSource::data;
    } else if (!is_blank(broadcast.channel_id)) {
      part.post.channel_id = broadcast.channel_id;
      part.source = ChannelIdSource::broadcast;
    } else {
      return std::unexpected(
          malformed(MalformedReason::missing_channel_id,
                    "no channel id in post.channel_id, data.channel_id or broadcast.channel_id"));
    }
  }
  return part;
}

struct Envelope {
  std::optional<std::int64_t> seq;
  Broadcast broadcast;
};

DecodeResult decode_posted(const json::object& data, Envelope envelope) {
  auto part = read_post_part(data, envelope.broadcast);
  if (!part) return std::move(part.error());
  PostedEvent e;
  e.post = std::move(part->post);
  e.channel_id_source = part->source;
  JsonFields fields(data, "data");
  e.channel_type_code = fields.text("channel_type");
  e.channel_type = channel_type_from_code(e.channel_type_code);
  e.channel_name = fields.text("channel_name");
  e.channel_display_name = fields.text("channel_display_name");
  e.sender_name = fields.text("sender_name");
  e.team_id = fields.text("team_id");
  e.set_online = fields.boolean("set_online", true);
  const bool image = fields.string_flag("image");
  const bool other_file = fields.string_flag("otherFile");
  if (fields.failed()) return field_malformed(fields.take_error());
  e.has_files = image || other_file || !e.post.file_ids.empty();
  auto mentions = embedded_ids(data, "mentions", MalformedReason::bad_mentions_json);
  if (!mentions) return std::move(mentions.error());
  e.mentions = std::move(*mentions);
  auto followers = embedded_ids(data, "followers", MalformedReason::bad_followers_json);
  if (!followers) return std::move(followers.error());
  e.followers = std::move(*followers);
  e.seq = envelope.seq;
  e.broadcast = std::move(envelope.broadcast);
  return e;
}

template <class T>
DecodeResult decode_post_change(const json::object& data, Envelope envelope) {
  auto part = read_post_part(data, envelope.broadcast);
  if (!part) return std::move(part.error());
  T e;
  e.post = std::move(part->post);
  e.channel_id_source = part->source;
  if constexpr (std::is_same_v<T, PostDeleted>) {
    JsonFields fields(data, "data");
    e.delete_by = fields.text("delete_by");
    if (fields.failed()) return field_malformed(fields.take_error());
  }
  e.seq = envelope.seq;
  e.broadcast = std::move(envelope.broadcast);
  return e;
}

DecodeResult decode_reaction(const json::object& data, Envelope envelope, bool added) {
  const json::value* value = data.if_contains("reaction");
  if (value == nullptr || value->is_null())
    return malformed(MalformedReason::missing_reaction, "no data.reaction");
  auto decoded =
      embedded_json(*value, "data.reaction", json::kind::object, MalformedReason::bad_reaction_json);
  if (!decoded) return std::move(decoded.error());
  auto reaction = reaction_from_json(decoded->get_object());
  if (!reaction) return std::move(reaction.error());
  if (is_blank(reaction->user_id))
    return malformed(MalformedReason::missing_user_id, "reaction.user_id is blank");
  if (is_blank(reaction->post_id))
    return malformed(MalformedReason::missing_post_id, "reaction.post_id is blank");
  if (is_blank(reaction->emoji_name)) {
    return malformed(MalformedReason::missing_emoji_name, "reaction.emoji_name is blank");
  }
  JsonFields fields(data, "data");
  std::string data_channel = fields.text("channel_id");
  if (fields.failed()) return field_malformed(fields.take_error());

  ReactionEvent e;
  e.added = added;
  if (!is_blank(envelope.broadcast.channel_id)) {
    e.channel_id = envelope.broadcast.channel_id;
  } else if (!is_blank(data_channel)) {
    e.channel_id = std::move(data_channel);
  } else if (!is_blank(reaction->channel_id)) {
    e.channel_id = reaction->channel_id;
  } else {
    return malformed(MalformedReason::missing_channel_id,
                     "no channel id in broadcast.channel_id, data.channel_id or reaction.channel_id");
  }
  e.user_id = std::move(reaction->user_id);
  e.post_id = std::move(reaction->post_id);
  e.emoji_name = std::move(reaction->emoji_name);
  e.create_at = reaction->create_at;
  e.seq = envelope.seq;
  e.broadcast = std::move(envelope.broadcast);
  return e;
}

DecodeResult decode_hello(const json::object& data, Envelope envelope) {
  JsonFields fields(data, "data");
  Hello e;
  e.connection_id = fields.text("connection_id");
  e.server_version = fields.text("server_version");
  e.server_hostname = fields.text("server_hostname");
  if (fields.failed()) return field_malformed(fields.take_error());
  e.seq = envelope.seq;
  e.broadcast = std::move(envelope.broadcast);
  return e;
}

DecodeResult decode_typing(const json::object& data, Envelope envelope) {
  JsonFields fields(data, "data");
  Typing e;
  e.user_id = fields.text("user_id");
  e.parent_id = fields.text("parent_id");
  if (fields.failed()) return field_malformed(fields.take_error());
  e.channel_id = envelope.broadcast.channel_id;
  e.seq = envelope.seq;
  e.broadcast = std::move(envelope.broadcast);
  return e;
}

DecodeResult decode_user_added(const json::object& data, Envelope envelope) {
  JsonFields fields(data, "data");
  UserAdded e;
  e.user_id = fields.text("user_id");
  e.team_id = fields.text("team_id");
  if (fields.failed()) return field_malformed(fields.take_error());
  e.channel_id = envelope.broadcast.channel_id;
  e.seq = envelope.seq;
  e.broadcast = std::move(envelope.broadcast);
  return e;
}

DecodeResult decode_user_removed(const json::object& data, Envelope envelope) {
  JsonFields fields(data, "data");
  std::string user_id = fields.text("user_id");
  std::string channel_id = fields.text("channel_id");
  UserRemoved e;
  e.remover_id = fields.text("remover_id");
  if (fields.failed()) return field_malformed(fields.take_error());
  e.to_removed_user = user_id.empty();
  e.user_id = e.to_removed_user ? envelope.broadcast.user_id : std::move(user_id);
  e.channel_id = channel_id.empty() ? envelope.broadcast.channel_id : std::move(channel_id);
  e.seq = envelope.seq;
  e.broadcast = std::move(envelope.broadcast);
  return e;
}

DecodeResult decode_direct_added(const json::object& data, Envelope envelope) {
  JsonFields fields(data, "data");
  DirectAdded e;
  e.creator_id = fields.text("creator_id");
  e.teammate_id = fields.text("teammate_id");
  if (fields.failed()) return field_malformed(fields.take_error());
  e.channel_id = envelope.broadcast.channel_id;
  e.seq = envelope.seq;
  e.broadcast = std::move(envelope.broadcast);
  return e;
}

DecodeResult decode_group_added(const json::object& data, Envelope envelope) {
  auto ids = embedded_ids(data, "teammate_ids", MalformedReason::bad_teammate_ids_json);
  if (!ids) return std::move(ids.error());
  GroupAdded e;
  e.teammate_ids = std::move(*ids);
  e.channel_id = envelope.broadcast.channel_id;
  e.seq = envelope.seq;
  e.broadcast = std::move(envelope.broadcast);
  return e;
}

DecodeResult decode_channel_viewed(const json::object& data, Envelope envelope) {
  JsonFields fields(data, "data");
  ChannelViewed e;
  e.channel_id = fields.text("channel_id");
  if (fields.failed()) return field_malformed(fields.take_error());
  e.seq = envelope.seq;
  e.broadcast = std::move(envelope.broadcast);
  return e;
}

DecodeResult decode_status_change(const json::object& data, Envelope envelope) {
  JsonFields fields(data, "data");
  StatusChange e;
  e.user_id = fields.text("user_id");
  e.status = fields.text("status");
  if (fields.failed()) return field_malformed(fields.take_error());
  e.seq = envelope.seq;
  e.broadcast = std::move(envelope.broadcast);
  return e;
}

DecodeResult decode_reply(const json::object& frame) {
  const json::value& status = frame.at("status");
  if (!status.is_string()) {
    return malformed(MalformedReason::bad_field_type,
                     fmt::format("status: expected string, got {}", json_kind_name(status.kind())));
  }
  Reply r;
  if (status.get_string() == "OK") {
    r.ok = true;
  } else if (status.get_string() != "FAIL") {
    return malformed(MalformedReason::bad_status, "status is neither OK nor FAIL");
  }
  JsonFields fields(frame, "reply");
  r.seq_reply = fields.optional_integer("seq_reply");
  r.data = fields.object("data");
  const json::object error = fields.object("error");
  if (fields.failed()) return field_malformed(fields.take_error());
  JsonFields error_fields(error, "error");
  r.error_id = error_fields.text("id");
  r.error_message = error_fields.text("message");
  r.error_status_code = error_fields.integer("status_code");
  if (error_fields.failed()) return field_malformed(error_fields.take_error());
  return r;
}

DecodeResult decode_event(const json::object& frame, std::string_view name) {
  JsonFields fields(frame, "envelope");
  Envelope envelope;
  envelope.seq = fields.optional_integer("seq");
  if (fields.failed()) return field_malformed(fields.take_error());
  auto broadcast = read_broadcast(frame);
  if (!broadcast) return std::move(broadcast.error());
  envelope.broadcast = std::move(*broadcast);
  const json::object data = fields.object("data");
  if (fields.failed()) return field_malformed(fields.take_error());

  if (name == "posted") return decode_posted(data, std::move(envelope));
  if (name == "post_edited") return decode_post_change<PostEdited>(data, std::move(envelope));
  if (name == "post_deleted") return decode_post_change<PostDeleted>(data, std::move(envelope));
  if (name == "reaction_added") return decode_reaction(data, std::move(envelope), true);
  if (name == "reaction_removed") return decode_reaction(data, std::move(envelope), false);
  if (name == "hello") return decode_hello(data, std::move(envelope));
  if (name == "typing") return decode_typing(data, std::move(envelope));
  if (name == "user_added") return decode_user_added(data, std::move(envelope));
  if (name == "user_removed") return decode_user_removed(data, std::move(envelope));
  if (name == "direct_added") return decode_direct_added(data, std::move(envelope));
  if (name == "group_added") return decode_group_added(data, std::move(envelope));
  if (name == "channel_viewed") return decode_channel_viewed(data, std::move(envelope));
  if (name == "status_change") return decode_status_change(data, std::move(envelope));
  OtherEvent e;
  e.name = std::string(name);
  e.seq = envelope.seq;
  e.broadcast = std::move(envelope.broadcast);
  return e;
}

DecodeResult decode(std::string_view text, std::size_t max_frame_bytes) {
  if (text.size() > max_frame_bytes) {
    return malformed(MalformedReason::too_large,
                     fmt::format("frame of {} bytes exceeds the limit of {}", text.size(), max_frame_bytes));
  }
  boost::system::error_code ec;
  const json::value root = parse_json(text, ec);
  if (ec) return malformed(MalformedReason::not_json, fmt::format("invalid JSON ({})", ec.message()));
  if (!root.is_object()) {
    return malformed(MalformedReason::not_object,
                     fmt::format("top level is {}, not an object", json_kind_name(root.kind())));
  }
  const json::object& frame = root.get_object();
  const json::value* event = frame.if_contains("event");
  if (event == nullptr) {
    if (frame.contains("status")) return decode_reply(frame);
    return malformed(MalformedReason::no_event, "neither event nor status");
  }
  if (!event->is_string()) {
    return malformed(MalformedReason::bad_field_type,
                     fmt::format("event: expected string, got {}", json_kind_name(event->kind())));
  }
  const std::string_view name = event->get_string();
  if (is_blank(name)) return malformed(MalformedReason::bad_event_name, "event name is blank");

  DecodeResult result = decode_event(frame, name);
  if (auto* bad = std::get_if<Malformed>(&result)) {
    // Keep what the envelope told us so a dropped frame still counts for seq continuity.
    bad->event = bounded_text(name, kMaxEventNameChars);
    const json::value* seq = frame.if_contains("seq");
    if (seq != nullptr && seq->is_int64()) bad->seq = seq->get_int64();
    if (seq != nullptr && seq->is_uint64() && seq->get_uint64() <= std::numeric_limits<std::int64_t>::max()) {
      bad->seq = static_cast<std::int64_t>(seq->get_uint64());
    }
  }
  return result;
}

}  // namespace

std::string_view to_string(MalformedReason reason) noexcept {
  switch (reason) {
    case MalformedReason::too_large: return "too_large";
    case MalformedReason::not_json: return "not_json";
    case MalformedReason::not_object: return "not_object";
    case MalformedReason::no_event: return "no_event";
    case MalformedReason::bad_event_name: return "bad_event_name";
    case MalformedReason::bad_status: return "bad_status";
    case MalformedReason::bad_field_type: return "bad_field_type";
    case MalformedReason::bad_post_json: return "bad_post_json";
    case MalformedReason::bad_reaction_json: return "bad_reaction_json";
    case MalformedReason::bad_mentions_json: return "bad_mentions_json";
    case MalformedReason::bad_followers_json: return "bad_followers_json";
    case MalformedReason::bad_teammate_ids_json: return "bad_teammate_ids_json";
    case MalformedReason::missing_post: return "missing_post";
    case MalformedReason::missing_post_id: return "missing_post_id";
    case MalformedReason::missing_user_id: return "missing_user_id";
    case MalformedReason::missing_channel_id: return "missing_channel_id";
    case MalformedReason::missing_reaction: return "missing_reaction";
    case MalformedReason::missing_emoji_name: return "missing_emoji_name";
    case MalformedReason::internal_error: return "internal_error";
  }
  return "unknown";
}

std::expected<Post, Malformed> post_from_json(const json::object& object) {
  JsonFields fields(object, "post");
  Post p;
  p.id = fields.text("id");
  p.create_at = fields.integer("create_at");
  p.update_at = fields.integer("update_at");
  p.edit_at = fields.integer("edit_at");
  p.delete_at = fields.integer("delete_at");
  p.user_id = fields.text("user_id");
  p.channel_id = fields.text("channel_id");
  p.root_id = fields.text("root_id");
  p.message = fields.text("message");
  p.type = fields.text("type");
  p.props = fields.object("props");
  p.file_ids = fields.strings("file_ids");
  p.is_pinned = fields.boolean("is_pinned", false);
  p.pending_post_id = fields.text("pending_post_id");
  p.reply_count = fields.integer("reply_count");
  if (fields.failed()) return std::unexpected(field_malformed(fields.take_error()));
  return p;
}

std::expected<Reaction, Malformed> reaction_from_json(const json::object& object) {
  JsonFields fields(object, "reaction");
  Reaction r;
  r.user_id = fields.text("user_id");
  r.post_id = fields.text("post_id");
  r.emoji_name = fields.text("emoji_name");
  r.channel_id = fields.text("channel_id");
  r.create_at = fields.integer("create_at");
  r.update_at = fields.integer("update_at");
  r.delete_at = fields.integer("delete_at");
  if (fields.failed()) return std::unexpected(field_malformed(fields.take_error()));
  return r;
}

DecodeResult decode_frame(std::string_view text, std::size_t max_frame_bytes) noexcept {
  try {
    return decode(text, max_frame_bytes);
  } catch (const std::exception&) {
    // Only allocation failures can get here; the detail fits the small-string buffer.
    Malformed m;
    m.reason = MalformedReason::internal_error;
    m.detail = "decode failed";
    return m;
  }
}

std::string_view event_name(const Event& event) noexcept {
  struct Visitor {
    std::string_view operator()(const Hello&) const { return "hello"; }
    std::string_view operator()(const Reply&) const { return "reply"; }
    std::string_view operator()(const PostedEvent&) const { return "posted"; }
    std::string_view operator()(const PostEdited&) const { return "post_edited"; }
    std::string_view operator()(const PostDeleted&) const { return "post_deleted"; }
    std::string_view operator()(const ReactionEvent& e) const {
      return e.added ? "reaction_added" : "reaction_removed";
    }
    std::string_view operator()(const Typing&) const { return "typing"; }
    std::string_view operator()(const UserAdded&) const { return "user_added"; }
    std::string_view operator()(const UserRemoved&) const { return "user_removed"; }
    std::string_view operator()(const DirectAdded&) const { return "direct_added"; }
    std::string_view operator()(const GroupAdded&) const { return "group_added"; }
    std::string_view operator()(const ChannelViewed&) const { return "channel_viewed"; }
    std::string_view operator()(const StatusChange&) const { return "status_change"; }
    std::string_view operator()(const OtherEvent& e) const { return e.name; }
    std::string_view operator()(const Malformed&) const { return "malformed"; }
  };
  return std::visit(Visitor{}, event);
}

std::optional<std::int64_t> event_seq(const Event& event) noexcept {
  return std::visit(
      [](const auto& e) -> std::optional<std::int64_t> {
        if constexpr (std::is_same_v<std::decay_t<decltype(e)>, Reply>) {
          return std::nullopt;
        } else {
          return e.seq;
        }
      },
      event);
}

}  // namespace mmclaw::mattermost

#pragma once
// A WebSocket event as mmsim's model produces it and its hub delivers it (protocol reference
// §1.5, §1.9, §2). `data` holds the event's fields as they go on the wire, with the
// double-encoded ones (post, reaction, mentions, teammate_ids, ...) already JSON strings,
// except `mentions`, which the hub adds per receiving connection (§2.2).

#include <optional>
#include <set>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

namespace mmsim {

struct Broadcast {
  std::set<std::string> omit_users;
  std::string user_id;     // only this user's connections
  std::string channel_id;  // only members of this channel
  std::string team_id;     // only members of this team
  std::string connection_id;
  std::string omit_connection_id;
  bool contains_sanitized_data = false;  // only non-admins
  bool contains_sensitive_data = false;  // only admins
};

struct Event {
  std::string event;          // "posted", "post_edited", ...
  boost::json::object data;   // wire fields of `data`
  Broadcast broadcast;
  // For `posted`: users mentioned by the post (DM receivers included). The hub puts
  // `mentions: "[\"<receiver>\"]"` into a receiving connection's copy only when that
  // connection's user is in this list.
  std::vector<std::string> mentioned_user_ids;
};

}  // namespace mmsim

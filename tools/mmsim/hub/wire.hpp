#pragma once
// Server -> client frames, byte for byte as the Go server writes them (protocol reference §1.4,
// §1.5): events the hub serialises once ("precomputed": spaces after the top-level colons and
// commas, no newline), events written through json.Encoder (hello, per-connection copies such
// as the one carrying `mentions`: compact, newline), and replies (compact, newline). Strings are
// escaped like Go's encoding/json (`<`, `>`, `&`, U+2028, U+2029 as \u escapes); map keys are
// in byte order.

#include <cstdint>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "mmsim/event.hpp"

namespace mmsim::wire {

// Compact JSON with Go's string escaping; object keys in the order given.
std::string go_json(const boost::json::value& value);
// A Go map[string]any: top-level keys sorted (nested objects as given).
std::string go_map_json(const boost::json::object& object);
// The routing part of an event: omit_users (null when empty), user_id, channel_id, team_id,
// connection_id, omit_connection_id, then the two data flags only when true.
std::string broadcast_json(const Broadcast& broadcast);

// An event's JSON without its seq, which each connection adds.
struct EventParts {
  std::string event;
  std::string data;
  std::string broadcast;
};
EventParts event_parts(std::string_view event, const boost::json::object& data, const Broadcast& broadcast);
// `{"event": E, "data": D, "broadcast": B, "seq": N}`
std::string precomputed_text(const EventParts& parts, std::int64_t seq);
// `{"event":E,"data":D,"broadcast":B,"seq":N}` + '\n'
std::string encoded_text(const EventParts& parts, std::int64_t seq);

// The body of every error reply (§5.1): request_id is empty here and omitted.
struct AppError {
  std::string id;
  std::string message;
  int status_code = 0;
};
// `{"status":"OK","seq_reply":N,"data":{...}}` + '\n'; seq_reply and data omitted when empty.
std::string ok_reply(std::int64_t seq_reply, const boost::json::object& data);
// `{"status":"FAIL","seq_reply":N,"error":{...}}` + '\n'
std::string fail_reply(std::int64_t seq_reply, const AppError& error);

}  // namespace mmsim::wire

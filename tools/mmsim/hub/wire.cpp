#include "mmsim/hub/wire.hpp"

#include <algorithm>
#include <vector>

#include <fmt/format.h>
#include <boost/json/serialize.hpp>

namespace mmsim::wire {

namespace json = boost::json;

namespace {

// Boost.JSON escapes what JSON requires; Go additionally escapes HTML characters and the two
// JavaScript line terminators. Outside strings these bytes cannot occur in JSON text, so a
// plain pass over the serialised text is exact.
std::string go_escape(std::string text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '<') {
      out += "\\u003c";
    } else if (c == '>') {
      out += "\\u003e";
    } else if (c == '&') {
      out += "\\u0026";
    } else if (c == '\xe2' && i + 2 < text.size() && text[i + 1] == '\x80' &&
               (text[i + 2] == '\xa8' || text[i + 2] == '\xa9')) {
      out += text[i + 2] == '\xa8' ? "\\u2028" : "\\u2029";
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string quoted(std::string_view s) {
  return go_json(json::value(json::string(s)));
}

}  // namespace

std::string go_json(const json::value& value) {
  return go_escape(json::serialize(value));
}

std::string go_map_json(const json::object& object) {
  std::vector<const json::key_value_pair*> entries;
  entries.reserve(object.size());
  for (const auto& kv : object) entries.push_back(&kv);
  std::sort(entries.begin(), entries.end(),
            [](const json::key_value_pair* a, const json::key_value_pair* b) { return a->key() < b->key(); });
  std::string out = "{";
  for (const auto* kv : entries) {
    if (out.size() > 1) out.push_back(',');
    out += quoted(kv->key());
    out.push_back(':');
    out += go_json(kv->value());
  }
  out.push_back('}');
  return out;
}

std::string broadcast_json(const Broadcast& broadcast) {
  std::string omit_users = "null";
  if (!broadcast.omit_users.empty()) {
    omit_users = "{";
    for (const auto& user : broadcast.omit_users) {  // std::set: already in byte order
      if (omit_users.size() > 1) omit_users.push_back(',');
      omit_users += quoted(user) + ":true";
    }
    omit_users.push_back('}');
  }
  std::string out = fmt::format(R"({{"omit_users":{},"user_id":{},"channel_id":{},"team_id":{},)"
                                R"("connection_id":{},"omit_connection_id":{})",
                                omit_users, quoted(broadcast.user_id), quoted(broadcast.channel_id),
                                quoted(broadcast.team_id), quoted(broadcast.connection_id),
                                quoted(broadcast.omit_connection_id));
  if (broadcast.contains_sanitized_data) out += R"(,"contains_sanitized_data":true)";
  if (broadcast.contains_sensitive_data) out += R"(,"contains_sensitive_data":true)";
  out.push_back('}');
  return out;
}

EventParts event_parts(std::string_view event, const json::object& data, const Broadcast& broadcast) {
  return EventParts{quoted(event), go_map_json(data), broadcast_json(broadcast)};
}

std::string precomputed_text(const EventParts& parts, std::int64_t seq) {
  return fmt::format(R"({{"event": {}, "data": {}, "broadcast": {}, "seq": {}}})", parts.event, parts.data,
                     parts.broadcast, seq);
}

std::string encoded_text(const EventParts& parts, std::int64_t seq) {
  return fmt::format(R"({{"event":{},"data":{},"broadcast":{},"seq":{}}})", parts.event, parts.data,
                     parts.broadcast, seq) +
         "\n";
}

std::string ok_reply(std::int64_t seq_reply, const json::object& data) {
  std::string out = R"({"status":"OK")";
  if (seq_reply != 0) out += fmt::format(R"(,"seq_reply":{})", seq_reply);
  if (!data.empty()) out += R"(,"data":)" + go_map_json(data);
  return out + "}\n";
}

std::string fail_reply(std::int64_t seq_reply, const AppError& error) {
  std::string out = R"({"status":"FAIL")";
  if (seq_reply != 0) out += fmt::format(R"(,"seq_reply":{})", seq_reply);
  out += fmt::format(R"(,"error":{{"id":{},"message":{},"detailed_error":""{}}})", quoted(error.id),
                     quoted(error.message),
                     error.status_code != 0 ? fmt::format(R"(,"status_code":{})", error.status_code) : "");
  return out + "}\n";
}

}  // namespace mmsim::wire

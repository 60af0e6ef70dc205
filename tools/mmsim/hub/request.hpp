#pragma once
// Client -> server text frames decoded the way the Go server's json.Decoder fills
// model.WebSocketRequest{seq int64, action string, data map[string]any} (protocol reference §1.4).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

namespace mmsim {

struct ClientRequest {
  std::int64_t seq = 0;
  std::string action;
  std::optional<boost::json::object> data;  // nullopt: absent or null
};

// nullopt when the server would fail to decode the frame (and close the socket): not JSON, a top
// level other than an object or null, `seq` not an int64 literal, `action` not a string, `data`
// not an object. Like Go: keys match case-insensitively, the last duplicate wins, null leaves a
// field unchanged, text after the first JSON value is ignored, invalid UTF-8 is accepted.
std::optional<ClientRequest> decode_request(std::string_view frame);

}  // namespace mmsim

#pragma once
// A request to one of the gateway's callback routes (slash commands, button clicks) as the
// handlers see it, and their answer: plain data, so the account runtime that decides needs no
// HTTP library. app/gateway_http reads the request within its limits and writes the reply.

#include <string>
#include <string_view>

#include <boost/json/object.hpp>

namespace mmclaw::app {

struct CallbackRequest {
  std::string method;         // "POST", "GET", ...
  std::string path;           // the target without its query
  std::string content_type;
  std::string authorization;  // secret: never logged
  std::string forwarded_for;  // X-Forwarded-For
  std::string real_ip;        // X-Real-IP
  std::string peer_ip;        // the socket's peer
  std::string body;           // secret (tokens): never logged whole
};

struct CallbackReply {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::string allow;  // the Allow header, for a 405
};

CallbackReply json_reply(unsigned status, const boost::json::object& body);
// `{"error":"<error>"}`.
CallbackReply error_reply(unsigned status, std::string_view error);
// A slash command's answer: `{"response_type":"ephemeral","text":"<text>"}`.
CallbackReply ephemeral_reply(unsigned status, std::string_view text);
// Plain text.
CallbackReply text_reply(unsigned status, std::string_view text);
// 405 with `Allow: POST` and the given body.
CallbackReply method_not_allowed(CallbackReply body);

}  // namespace mmclaw::app

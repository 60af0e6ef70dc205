#include "app/callback_http.hpp"

#include <boost/json/serialize.hpp>

namespace mmclaw::app {

CallbackReply json_reply(unsigned status, const boost::json::object& body) {
  CallbackReply reply;
  reply.status = status;
  reply.body = boost::json::serialize(body);
  return reply;
}

CallbackReply error_reply(unsigned status, std::string_view error) {
  return json_reply(status, boost::json::object{{"error", error}});
}

CallbackReply ephemeral_reply(unsigned status, std::string_view text) {
  return json_reply(status, boost::json::object{{"response_type", "ephemeral"}, {"text", text}});
}

CallbackReply text_reply(unsigned status, std::string_view text) {
  CallbackReply reply;
  reply.status = status;
  reply.content_type = "text/plain; charset=utf-8";
  reply.body = std::string(text);
  return reply;
}

CallbackReply method_not_allowed(CallbackReply body) {
  body.status = 405;
  body.allow = "POST";
  return body;
}

}  // namespace mmclaw::app

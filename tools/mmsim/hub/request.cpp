#include "mmsim/hub/request.hpp"

#include "util/strings.hpp"

#include <boost/json/parser.hpp>

namespace mmsim {

namespace json = boost::json;

namespace {


// Applies one member to the request; false when Go's Unmarshal would report a type error.
bool apply_member(ClientRequest& request, std::string_view key, const json::value& value) {
  if (value.is_null()) return true;  // Go leaves the field as it was
  if (mmclaw::util::iequals(key, "seq")) {
    if (!value.is_int64()) return false;  // floats, exponents and uint64 overflow fail ParseInt
    request.seq = value.get_int64();
  } else if (mmclaw::util::iequals(key, "action")) {
    if (!value.is_string()) return false;
    request.action = std::string(value.get_string());
  } else if (mmclaw::util::iequals(key, "data")) {
    if (!value.is_object()) return false;
    request.data = value.get_object();
  }
  return true;
}

}  // namespace

std::optional<ClientRequest> decode_request(std::string_view frame) {
  json::parse_options options;
  options.allow_invalid_utf8 = true;
  json::parser parser({}, options);
  boost::system::error_code ec;
  parser.write_some(frame.data(), frame.size(), ec);
  if (ec) return std::nullopt;
  json::value root = parser.release();

  ClientRequest request;
  if (root.is_null()) return request;
  if (!root.is_object()) return std::nullopt;
  bool ok = true;
  for (const auto& member : root.get_object()) {
    // Go goes on decoding after a type error and reports it at the end: same outcome.
    ok = apply_member(request, member.key(), member.value()) && ok;
  }
  if (!ok) return std::nullopt;
  return request;
}

}  // namespace mmsim

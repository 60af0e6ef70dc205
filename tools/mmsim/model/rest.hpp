#pragma once
// The model's HTTP surface as plain values: a request in, a response plus WebSocket events (and
// possibly an outgoing integration call) out. No sockets here.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mmsim/event.hpp"

namespace mmsim {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// First value of a header, compared case-insensitively; "" when absent.
std::string_view find_header(const HeaderList& headers, std::string_view name) noexcept;

struct RestRequest {
  std::string method;  // "GET", "POST", ...
  std::string path;    // "/api/v4/posts", without the query string
  std::string query;   // raw query string without '?', e.g. "page=0&per_page=60"
  HeaderList headers;  // names lower-cased
  std::string body;
  std::string remote_ip;

  std::string_view header(std::string_view name) const noexcept { return find_header(headers, name); }
};

struct RestResponse {
  int status = 200;
  HeaderList headers;  // Go-canonical names: "X-Request-Id", "X-Version-Id", "Content-Type", ...
  std::string body;

  std::string_view header(std::string_view name) const noexcept { return find_header(headers, name); }
};

// An HTTP request mmsim must send to an integration (slash command URL or button URL). The
// socket layer sends it, then reports the outcome with Model::complete_integration(id, ...).
struct IntegrationCall {
  enum class Kind { slash_command, post_action };
  std::uint64_t id = 0;
  Kind kind = Kind::slash_command;
  std::string method;  // "POST" or "GET"
  std::string url;     // full URL; for GET the form fields are appended to its query
  HeaderList headers;
  std::string body;
  std::int64_t timeout_ms = 30000;  // OutgoingIntegrationRequestsTimeout
};

struct IntegrationReply {
  int status = 0;  // 0 = network failure or timeout
  std::string content_type;
  std::string body;
};

struct RestResult {
  // When `call` is set the client's answer is deferred: `response` is empty (status 0) and the
  // response comes from complete_integration() for that call id.
  RestResponse response;
  std::vector<Event> events;  // to broadcast, in order
  std::optional<IntegrationCall> call;
};

}  // namespace mmsim

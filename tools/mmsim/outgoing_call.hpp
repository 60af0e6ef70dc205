#pragma once
// mmsim's side of the integrations: the HTTP request Mattermost sends to a slash command's URL or
// to a button's `integration.url` (protocol reference §7). One request per call, a deadline on
// the whole exchange (the real server's 30 s by default), a cap on the response size.
// Plain http only: the simulator calls the gateway on loopback.

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/awaitable.hpp>

namespace mmsim {

struct OutgoingRequest {
  std::string method = "POST";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::milliseconds timeout{30000};
  std::size_t max_response_bytes = 1024 * 1024;
};

struct OutgoingReply {
  int status = 0;  // 0: no HTTP response (connection refused, timeout, bad URL, oversized reply)
  std::string content_type;
  std::string body;
  std::string error;  // why status is 0
};

boost::asio::awaitable<OutgoingReply> send_outgoing(OutgoingRequest request);

}  // namespace mmsim

#pragma once
// A small synchronous HTTP/1.1 client for `mmclaw demo`, which talks to the simulators' control
// APIs on 127.0.0.1: one keep-alive connection, a deadline on every call (connect, send and read
// together). Private to app/: the gateway's own HTTP client belongs in net/. Not thread-safe; it
// runs a private io_context on the calling thread, which it blocks.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "util/error.hpp"

namespace mmclaw::app::demo {

struct HttpReply {
  unsigned status = 0;
  std::string body;
};

class DemoHttpClient {
 public:
  DemoHttpClient(std::string host, std::uint16_t port, std::chrono::milliseconds timeout);
  ~DemoHttpClient();
  DemoHttpClient(const DemoHttpClient&) = delete;
  DemoHttpClient& operator=(const DemoHttpClient&) = delete;

  // Sends one request (a body is sent as application/json) and reads the whole reply. A request on
  // a kept-alive connection that the server had closed meanwhile is sent once more on a new one.
  // Errors (transient: timeout, refused, reset; permanent: an unreadable reply) name the URL.
  Result<HttpReply> request(std::string_view method, std::string_view target, std::string_view body = {});

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mmclaw::app::demo

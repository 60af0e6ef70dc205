#pragma once
// Synchronous HTTP/1.1 and WebSocket clients for socket-level tests (the HTTP server, the
// simulators, the gateway's HTTP surface). Every call is bounded by a timeout, so a test that
// goes wrong fails instead of hanging. Each client runs its own private io_context on the calling
// thread; a client is not thread-safe, but any number of clients may be used at once.
//
// Errors: a timeout is ErrorKind::transient with a message starting "timed out"; anything else
// (refused, reset, closed, unparsable reply) is ErrorKind::permanent.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/error.hpp"

namespace mmclaw::test {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpReply {
  unsigned status = 0;
  unsigned version = 11;
  Headers headers;  // as received, in order
  std::string body;

  // The first value of header `name` (case-insensitive), or "" when absent.
  [[nodiscard]] std::string header(std::string_view name) const;
  [[nodiscard]] bool has_header(std::string_view name) const;
};

// One server-sent event: `data` joins the event's data lines with "\n"; `raw` is the event's lines
// exactly as received (without the blank line that ends it).
struct SseEvent {
  std::string event;
  std::string data;
  std::vector<std::string> raw;
};

// True for the errors that mean "nothing (more) arrived in time".
bool is_timeout(const Error& error);

class HttpTestClient {
 public:
  explicit HttpTestClient(std::uint16_t port, std::string host = "127.0.0.1",
                          std::chrono::milliseconds timeout = std::chrono::seconds(5));
  ~HttpTestClient();
  HttpTestClient(const HttpTestClient&) = delete;
  HttpTestClient& operator=(const HttpTestClient&) = delete;

  // Opens a new connection (closing the current one). Requests connect on demand.
  Result<void> connect();
  void close();
  [[nodiscard]] bool connected() const;
  // TCP connections this client has opened: keep-alive tests compare it before and after.
  [[nodiscard]] int connections_opened() const;
  void set_timeout(std::chrono::milliseconds timeout);

  // Sends a request and reads the whole reply on the current connection (a new one when there is
  // none). Adds Host and, for a body, Content-Length unless `headers` has Content-Length or
  // Transfer-Encoding (with `Transfer-Encoding: chunked` the body is sent as one chunk). The
  // connection is kept when the reply allows keep-alive.
  Result<HttpReply> request(std::string_view method, std::string_view target, const Headers& headers = {},
                            std::string_view body = {});

  // Streamed replies (server-sent events, slow bodies): sends the request and reads only the
  // status line and headers; then read_line(), read_event() or read_rest() take the body.
  Result<HttpReply> start(std::string_view method, std::string_view target, const Headers& headers = {},
                          std::string_view body = {});
  // The next line of the streamed body without its "\n" (or "\r\n"); nullopt after the body's end.
  // A timeout leaves the stream usable: the next call continues where this one stopped.
  Result<std::optional<std::string>> read_line(std::optional<std::chrono::milliseconds> timeout = {});
  // The next server-sent event (lines up to a blank line; comment lines starting with ':' are
  // skipped); nullopt after the body's end.
  Result<std::optional<SseEvent>> read_event(std::optional<std::chrono::milliseconds> timeout = {});
  // The rest of the streamed body, until its end.
  Result<std::string> read_rest(std::optional<std::chrono::milliseconds> timeout = {});

  // Raw mode, for garbage and slow-client tests: bytes exactly as given, no framing.
  Result<void> send_raw(std::string_view bytes);
  // Parses one HTTP reply from the connection (after send_raw).
  Result<HttpReply> read_reply(std::optional<std::chrono::milliseconds> timeout = {});
  // Whatever arrives until the server closes the connection; an error (with the bytes so far
  // lost) if it is still open after `timeout`.
  Result<std::string> read_until_closed(std::optional<std::chrono::milliseconds> timeout = {});
  // Whether the server closed the connection (end of file or reset) within `timeout`; bytes that
  // arrive meanwhile are dropped.
  bool wait_closed(std::optional<std::chrono::milliseconds> timeout = {});

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

class WebSocketTestClient {
 public:
  explicit WebSocketTestClient(std::uint16_t port, std::string host = "127.0.0.1",
                               std::chrono::milliseconds timeout = std::chrono::seconds(5));
  ~WebSocketTestClient();
  WebSocketTestClient(const WebSocketTestClient&) = delete;
  WebSocketTestClient& operator=(const WebSocketTestClient&) = delete;

  // Connects and performs the handshake; the reply is the server's 101. When the server declines
  // the upgrade, the error's status is the HTTP status it answered with.
  Result<HttpReply> connect(std::string_view target, const Headers& headers = {});
  Result<void> write_text(std::string_view text);
  Result<void> write_binary(std::string_view bytes);
  // The next message. Pings from the server are answered automatically (and counted); pongs are
  // counted. A timeout here ends the connection (Beast cannot resume a cancelled read).
  Result<std::string> read(std::optional<std::chrono::milliseconds> timeout = {});
  // Sends a ping and reads until its pong arrives; messages read meanwhile are kept for read().
  Result<void> ping(std::string_view payload = {});
  // Sends a close frame and waits for the server's.
  Result<void> close(std::uint16_t code = 1000);
  // Whether the server closed the connection within `timeout` (messages meanwhile are dropped).
  bool wait_closed(std::optional<std::chrono::milliseconds> timeout = {});
  [[nodiscard]] int pings_received() const;
  [[nodiscard]] int pongs_received() const;
  // The close code the server sent, once read() has seen its close frame.
  [[nodiscard]] std::optional<std::uint16_t> close_code() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mmclaw::test

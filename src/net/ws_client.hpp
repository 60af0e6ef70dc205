#pragma once
// A WebSocket client for one connection (ws:// or wss://) on Asio + Beast with C++20 coroutines,
// made for the Mattermost monitor (protocol reference §1.1–1.3, §1.7–1.8; channel-behaviour
// §3.3–3.5): deadlines on resolve, TCP connect, TLS and the upgrade; SNI and hostname
// verification for wss; extra upgrade headers (Authorization: Bearer) and no Origin; the upgrade
// response status on a refused handshake; a bounded write queue with one write in flight; a
// read-idle deadline; a cap on inbound message size; an immediate terminate() and a polite
// close() with a bounded wait.
//
// Callbacks are given to the constructor, so they are in place before any frame can arrive
// (channel-behaviour §3.3). They run on the io_context thread, never inside connect(), send_*(),
// terminate() or close(), and never after the client is destroyed. A callback may call any member,
// including destroying the client (the monitor replacing it from on_close).
//
// on_close is called exactly once per connection that connect() opened, for whatever ended it:
// the server's close frame (its code and reason, clean = true; an empty close frame is 1005), a
// dropped TCP connection (1006), a read or write error (1006), an oversized message (1009), the
// idle deadline, a full write queue or terminate() (1006, with the local reason text), or the end
// of close() (clean = true when the server answered the close frame). A failed connect() reports
// its Result only.
//
// Ownership (ARCHITECTURE.md, rule 3): the reader and writer tasks belong to the client.
// Destroying the client closes the socket at once and cancels everything; the tasks then end on
// their own without touching callbacks. Not thread-safe: call every member on the io_context's
// thread.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "util/error.hpp"

namespace boost::asio::ssl {
class context;
}  // namespace boost::asio::ssl

namespace mmclaw::net {

struct WsClientOptions {
  std::chrono::milliseconds resolve_timeout{10000};
  std::chrono::milliseconds connect_timeout{10000};    // TCP
  std::chrono::milliseconds tls_timeout{10000};        // TLS handshake (wss)
  std::chrono::milliseconds handshake_timeout{30000};  // HTTP upgrade (channel-behaviour §3.3)
  // No frame of any kind (text, ping, pong, close) from the server for this long -> terminate.
  // Zero turns it off. The server pings every 60 s (protocol §1.7). A data message counts when it
  // is complete, so a message that trickles in for longer than this ends the connection.
  std::chrono::milliseconds idle_timeout{90000};
  std::chrono::milliseconds close_timeout{5000};     // close(): wait for the server's close frame
  std::size_t max_message_bytes = 16 * 1024 * 1024;  // larger inbound message -> 1009, closed
  std::size_t max_queued_frames = 1024;              // full -> send fails and the socket is terminated
};

struct WsCallbacks {
  std::function<void(std::string text)> on_text;
  // Server pings (Beast answers them with a pong by itself): activity for the monitor.
  std::function<void(std::string payload)> on_ping;
  std::function<void(std::string payload)> on_pong;
  std::function<void(int code, std::string reason, bool clean)> on_close;
};

using WsHeaders = std::vector<std::pair<std::string, std::string>>;

class WsClient {
 public:
  enum class State { idle, connecting, open, closing, closed };

  WsClient(boost::asio::any_io_executor executor, WsCallbacks callbacks, WsClientOptions options = {});
  // Closes the socket at once; no callback runs afterwards.
  ~WsClient();
  WsClient(const WsClient&) = delete;
  WsClient& operator=(const WsClient&) = delete;

  // Opens the connection: ws://host[:port]/path?query or wss://... (`tls` required for wss; the
  // client adds SNI and verifies the peer and its host name, whatever the context's verify mode).
  // Errors: invalid_input for a bad URL or a second call; transient for resolve/connect/TLS
  // failures and timeouts (the message names the step) and for 5xx/other refusals; auth for an
  // upgrade refused with 401/403; rate_limited for 429. A refused upgrade carries its HTTP status
  // in Error::status. Reading starts when this succeeds.
  boost::asio::awaitable<Result<void>> connect(std::string url, WsHeaders headers = {},
                                               boost::asio::ssl::context* tls = nullptr);

  // Queue a text frame / a ping control frame (frames leave in the order queued). An error when
  // the connection is not open (or closing); a full queue also terminates the connection.
  Result<void> send_text(std::string text);
  Result<void> send_ping(std::string payload = {});

  // Closes the TCP connection now, without a close handshake (the monitor's CloseSocket). Queued
  // frames are dropped. on_close(1006, reason, false) follows. No effect unless connecting/open/closing;
  // while connecting, connect() fails instead.
  void terminate(std::string reason);
  // Sends a close frame after the frames already queued and waits up to close_timeout for the
  // server's; then (or on timeout) the connection ends and on_close follows. Later sends fail.
  void close(int code = 1000, std::string reason = {});

  [[nodiscard]] State state() const noexcept;
  [[nodiscard]] bool is_open() const noexcept { return state() == State::open; }
  [[nodiscard]] std::size_t queued_frames() const noexcept;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

std::string_view to_string(WsClient::State state) noexcept;

}  // namespace mmclaw::net

#pragma once
// A small HTTP/1.1 server on Asio + Beast with C++20 coroutines: keep-alive, limits on header
// size, body size (per request, decided from the headers) and read/write time, a cap on
// connections, graceful stop, streamed responses (server-sent events) and WebSocket upgrade
// hand-off. Used by the simulators (mmsim, llmsim) and by the gateway's HTTP surface. One
// io_context thread; not thread-safe: every member is called on the io_context's thread (listen()
// and start() may also be called before the io_context runs).
//
// Per connection: wait for the first byte of a request (header_timeout on a new connection,
// idle_timeout between keep-alive requests; silence just closes), read the header within
// header_timeout (431 when it exceeds max_header_bytes), decide the body limit from the header
// (413 when Content-Length or a chunked body exceeds it, before the body is read), read the body
// within body_timeout (408), call the handler (an exception -> 500, logged), write the response
// within write_timeout. Malformed requests get 400. Every error reply closes the connection.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "util/error.hpp"

namespace mmclaw::net {

namespace http = boost::beast::http;
using HttpRequest = http::request<http::string_body>;
using HttpResponse = http::response<http::string_body>;

using HttpRequest = http::request<http::string_body>;
using HttpResponse = http::response<http::string_body>;

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;                           // 0 = an ephemeral port; read it back with port()
  std::size_t max_header_bytes = 16 * 1024;         // larger -> 431
  std::size_t default_body_limit = 1024 * 1024;     // larger -> 413 (see BodyLimit)
  std::chrono::milliseconds header_timeout{10000};  // request line + headers -> 408
  std::chrono::milliseconds body_timeout{10000};    // body -> 408
  std::chrono::milliseconds idle_timeout{60000};    // keep-alive wait for the next request
  std::chrono::milliseconds write_timeout{30000};
  std::size_t max_connections = 1024;  // further connections are closed at accept
  // The body's read time for a request, decided from its header (a route with its own limit);
  // body_timeout when unset.
  std::function<std::chrono::milliseconds(const http::request_header<>&)> body_timeout_for;
  // The reply to a request whose body is too large (413) or too slow (408), decided from its
  // header (a route that answers in its own format); the plain reason phrase when unset. The
  // connection closes after it either way.
  std::function<HttpResponse(http::status, const http::request_header<>&)> body_error_reply;
};

// Lets a handler send its response in pieces (server-sent events, slow or endless bodies) instead
// of returning it whole. Valid only during the handler call it was given to. Once begin() has
// succeeded, the response the handler returns is ignored: the server ends the body when the
// handler returns (last chunk for HTTP/1.1, connection close for HTTP/1.0) and keeps the
// connection for the next request if the request allowed it. If the handler throws after begin(),
// or called abort(), the connection is closed without ending the body, as a dropped connection
// looks to the client.
class ResponseWriter {
 public:
  virtual ~ResponseWriter() = default;

  // Sends status and headers now (body of `head` ignored; Content-Length removed). HTTP/1.1
  // responses use chunked transfer encoding; HTTP/1.0 ones end when the connection closes.
  // An error when the client is gone or write_timeout passed; call it once.
  virtual boost::asio::awaitable<Result<void>> begin(HttpResponse head) = 0;
  // Sends `data` (one chunk; empty data sends nothing) within write_timeout. An error when the
  // client is gone or begin() was not called.
  virtual boost::asio::awaitable<Result<void>> write(std::string data) = 0;
  // Waits `duration` (milliseconds::max() = until the connection ends) while watching the
  // connection: returns early with an error when the client closes it or the server is stopping
  // and forces connections closed. For delays inside a response, so that a client that went away
  // does not keep a handler waiting. Usable with or without begin().
  virtual boost::asio::awaitable<Result<void>> pause(std::chrono::milliseconds duration) = 0;
  // Closes the connection after the handler returns, without ending the body (or, before begin(),
  // without any response): simulates a dropped connection.
  virtual void abort() noexcept = 0;
  [[nodiscard]] virtual bool begun() const noexcept = 0;
};

struct RequestContext {
  std::string remote_ip;  // from the socket
  std::uint16_t remote_port = 0;
  std::uint64_t connection_id = 0;  // unique per TCP connection for the server's lifetime
  // For streamed responses; set for Handler calls, null for the UpgradeHandler.
  ResponseWriter* writer = nullptr;
};

class HttpServer {
 public:
  // The handler owns the response: status, headers, body. The server sets the version, adds
  // Content-Length and the keep-alive headers, and closes the connection when the request or the
  // response asked for it (or the server is stopping). Responses to HEAD go without their body.
  // For a response sent in pieces, see ResponseWriter. A handler that throws gets a 500 (a
  // cancellation during a forced stop only closes the connection).
  using Handler = std::function<boost::asio::awaitable<HttpResponse>(HttpRequest&, const RequestContext&)>;
  // For `Upgrade: websocket` requests: takes the stream; the server forgets the connection (stop()
  // does not close it: the upgrade handler owns it and its task from then on). No bytes can be
  // lost in the hand-off: a WebSocket client must wait for the 101 before sending frames, so an
  // upgrade request followed by more bytes before the 101 is answered 400 and closed. The request
  // body, if any, is read (within its limit) before the hand-off. Called on the io_context thread;
  // the stream has no expiry set.
  // When unset, upgrade requests go to Handler like any other request.
  using UpgradeHandler = std::function<void(HttpRequest, boost::beast::tcp_stream, RequestContext)>;
  // The body limit for a request, decided from its method/target/headers; default_body_limit when unset.
  using BodyLimit = std::function<std::size_t(const http::request_header<>&)>;

  HttpServer(boost::asio::io_context& io, HttpServerOptions options, Handler handler,
             UpgradeHandler upgrade = {}, BodyLimit body_limit = {});
  // Closes the listener and every connection at once (no grace). Prefer co_await stop() first:
  // connection tasks still running when the server is destroyed are cancelled, and a handler must
  // then not touch state that died with its owner.
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and listens (SO_REUSEADDR); errors name the address. port() is valid afterwards.
  Result<void> listen();
  [[nodiscard]] std::uint16_t port() const;
  // Starts accepting on the io_context.
  void start();
  // Stops accepting, closes idle keep-alive connections, lets requests in flight finish for up to
  // `grace` (their connections close after the response), then closes every connection and
  // cancels the handlers still running. Completes when all connection tasks have ended.
  boost::asio::awaitable<void> stop(std::chrono::milliseconds grace);
  // Connections accepted and not yet closed or handed to the UpgradeHandler.
  [[nodiscard]] std::size_t open_connections() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

// Plain responses used by handlers and by the server's own error replies.
HttpResponse make_response(unsigned status, std::string body, std::string content_type, unsigned version = 11,
                           bool keep_alive = true);

}  // namespace mmclaw::net

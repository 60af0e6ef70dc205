#pragma once
// A small HTTP/1.1 server on Asio + Beast with C++20 coroutines: keep-alive, limits on header
// size, body size (per request, decided from the headers) and read/write time, a cap on
// connections, graceful stop, and WebSocket upgrade hand-off. Used by the simulators (mmsim,
// llmsim) and by the gateway's HTTP surface. One io_context thread; not thread-safe.

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

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;  // 0 = an ephemeral port; read it back with port()
  std::size_t max_header_bytes = 16 * 1024;        // larger -> 431
  std::size_t default_body_limit = 1024 * 1024;    // larger -> 413 (see BodyLimit)
  std::chrono::milliseconds header_timeout{10000};  // request line + headers -> 408
  std::chrono::milliseconds body_timeout{10000};    // body -> 408
  std::chrono::milliseconds idle_timeout{60000};    // keep-alive wait for the next request
  std::chrono::milliseconds write_timeout{30000};
  std::size_t max_connections = 1024;               // further connections are closed at accept
};

struct RequestContext {
  std::string remote_ip;  // from the socket
  std::uint16_t remote_port = 0;
  std::uint64_t connection_id = 0;  // unique per TCP connection for the server's lifetime
};

class HttpServer {
 public:
  // The handler owns the response: status, headers, body. The server adds Content-Length,
  // Date-free keep-alive handling and closes the connection when the request asked for it.
  using Handler = std::function<boost::asio::awaitable<HttpResponse>(HttpRequest&, const RequestContext&)>;
  // For `Upgrade: websocket` requests: takes the stream; the server forgets the connection.
  // When unset, upgrade requests go to Handler like any other request.
  using UpgradeHandler = std::function<void(HttpRequest, boost::beast::tcp_stream, RequestContext)>;
  // The body limit for a request, decided from its method/target/headers; default_body_limit when unset.
  using BodyLimit = std::function<std::size_t(const http::request_header<>&)>;

  HttpServer(boost::asio::io_context& io, HttpServerOptions options, Handler handler, UpgradeHandler upgrade = {},
             BodyLimit body_limit = {});
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and listens (SO_REUSEADDR); errors name the address. port() is valid afterwards.
  Result<void> listen();
  [[nodiscard]] std::uint16_t port() const;
  // Starts accepting on the io_context.
  void start();
  // Stops accepting, lets requests in flight finish for up to `grace`, then closes every
  // connection. Completes when all connection tasks have ended.
  boost::asio::awaitable<void> stop(std::chrono::milliseconds grace);
  [[nodiscard]] std::size_t open_connections() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

// Plain responses used by handlers and by the server's own error replies.
HttpResponse make_response(unsigned status, std::string body, std::string content_type, unsigned version = 11,
                           bool keep_alive = true);

}  // namespace mmclaw::net

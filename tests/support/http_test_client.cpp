#include "support/http_test_client.hpp"

#include <fmt/format.h>

#include <array>
#include <deque>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/stream.hpp>

namespace mmclaw::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using std::chrono::milliseconds;

namespace {

constexpr std::string_view kTimeoutPrefix = "timed out";

Error timeout_error(std::string_view what, milliseconds timeout) {
  return Error::transient(fmt::format("{} {} after {} ms", kTimeoutPrefix, what, timeout.count()));
}

Error io_error(std::string_view what, const error_code& ec) {
  return Error::permanent(fmt::format("{}: {}", what, ec.message()));
}

// Runs one asynchronous operation on the client's own io_context for at most `timeout`. On a
// timeout the socket's operations are cancelled and drained, so the io_context is idle again and
// the socket still open.
template <class Initiate>
std::optional<error_code> run_for(asio::io_context& io, tcp::socket& socket, milliseconds timeout,
                                  Initiate&& initiate) {
  std::optional<error_code> result;
  std::forward<Initiate>(initiate)([&result](error_code ec, auto&&...) { result = ec; });
  io.restart();
  io.run_for(timeout);
  if (result) return result;
  error_code ignored;
  socket.cancel(ignored);
  io.restart();
  io.run();
  return std::nullopt;
}

template <class Fields>
Headers headers_of(const Fields& fields) {
  Headers out;
  for (const auto& field : fields)
    out.emplace_back(std::string(field.name_string()), std::string(field.value()));
  return out;
}

bool has_header_in(const Headers& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (beast::iequals(key, name)) return true;
  }
  return false;
}

Result<tcp::endpoint> endpoint_of(const std::string& host, std::uint16_t port) {
  error_code ec;
  const auto address = asio::ip::make_address(host == "localhost" ? "127.0.0.1" : host, ec);
  if (ec) return fail(Error::invalid_input(fmt::format("not an IP address: {}", host)));
  return tcp::endpoint(address, port);
}

}  // namespace

bool is_timeout(const Error& error) {
  return error.kind == ErrorKind::transient && error.message.starts_with(kTimeoutPrefix);
}

std::string HttpReply::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (beast::iequals(key, name)) return value;
  }
  return {};
}

bool HttpReply::has_header(std::string_view name) const {
  return has_header_in(headers, name);
}

// ---------------------------------------------------------------------------------------------
// HttpTestClient

struct HttpTestClient::Impl {
  Impl(std::uint16_t server_port, std::string server_host, milliseconds default_timeout)
      : port(server_port), host(std::move(server_host)), timeout(default_timeout) {}

  asio::io_context io;
  std::uint16_t port;
  std::string host;
  milliseconds timeout;
  std::optional<tcp::socket> socket;
  beast::flat_buffer buffer;
  int opened = 0;
  // The streamed reply in progress (start()): its parser and the body bytes not yet returned.
  std::optional<http::response_parser<http::buffer_body>> stream_parser;
  std::string pending;
  bool stream_done = false;

  milliseconds pick(std::optional<milliseconds> t) const { return t.value_or(timeout); }

  Result<void> connect() {
    close();
    auto endpoint = endpoint_of(host, port);
    if (!endpoint) return fail(endpoint.error());
    socket.emplace(io);
    const auto ec =
        run_for(io, *socket, timeout, [&](auto handler) { socket->async_connect(*endpoint, handler); });
    if (!ec) {
      close();
      return fail(timeout_error("connecting", timeout));
    }
    if (*ec) {
      close();
      return fail(io_error(fmt::format("connect to {}:{}", host, port), *ec));
    }
    ++opened;
    return {};
  }

  void close() {
    if (socket) {
      error_code ignored;
      socket->shutdown(tcp::socket::shutdown_both, ignored);
      socket->close(ignored);
      socket.reset();
    }
    buffer.clear();
    stream_parser.reset();
    pending.clear();
    stream_done = false;
  }

  Result<void> ensure_connected() {
    if (socket) return {};
    return connect();
  }

  Result<void> send(std::string_view method, std::string_view target, const Headers& headers,
                    std::string_view body) {
    if (auto r = ensure_connected(); !r) return r;
    http::request<http::string_body> req;
    req.method_string(method);
    req.target(target);
    req.version(11);
    for (const auto& [name, value] : headers) req.insert(name, value);
    if (!has_header_in(headers, "Host")) req.set(http::field::host, fmt::format("{}:{}", host, port));
    req.body() = std::string(body);
    if (!has_header_in(headers, "Content-Length") && !has_header_in(headers, "Transfer-Encoding") &&
        (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH")) {
      req.content_length(body.size());
    }
    const auto ec = run_for(io, *socket, timeout,
                            [&](auto handler) { http::async_write(*socket, req, std::move(handler)); });
    if (!ec) {
      close();
      return fail(timeout_error("sending the request", timeout));
    }
    if (*ec) {
      close();
      return fail(io_error("sending the request", *ec));
    }
    return {};
  }

  Result<HttpReply> read_reply(milliseconds t, bool head) {
    if (!socket) return fail(Error::permanent("not connected"));
    http::response_parser<http::string_body> parser;
    parser.body_limit(boost::none);
    parser.header_limit(1 << 20);
    if (head) parser.skip(true);
    const auto ec = run_for(
        io, *socket, t, [&](auto handler) { http::async_read(*socket, buffer, parser, std::move(handler)); });
    if (!ec) {
      close();
      return fail(timeout_error("reading the reply", t));
    }
    if (*ec) {
      close();
      return fail(io_error("reading the reply", *ec));
    }
    auto res = parser.release();
    HttpReply reply;
    reply.status = res.result_int();
    reply.version = res.version();
    reply.headers = headers_of(res);
    reply.body = std::move(res.body());
    if (!res.keep_alive()) close();
    return reply;
  }

  Result<HttpReply> start(std::string_view method, std::string_view target, const Headers& headers,
                          std::string_view body) {
    if (auto r = send(method, target, headers, body); !r) return fail(r.error());
    stream_parser.emplace();
    stream_parser->body_limit(boost::none);
    stream_parser->header_limit(1 << 20);
    if (method == "HEAD") stream_parser->skip(true);
    pending.clear();
    stream_done = false;
    const auto ec = run_for(io, *socket, timeout, [&](auto handler) {
      http::async_read_header(*socket, buffer, *stream_parser, std::move(handler));
    });
    if (!ec) {
      close();
      return fail(timeout_error("reading the reply header", timeout));
    }
    if (*ec) {
      close();
      return fail(io_error("reading the reply header", *ec));
    }
    const auto& res = stream_parser->get();
    HttpReply reply;
    reply.status = res.result_int();
    reply.version = res.version();
    reply.headers = headers_of(res);
    stream_done = stream_parser->is_done();
    return reply;
  }

  // Reads more of the streamed body into `pending`; false at its end.
  Result<bool> read_more(milliseconds t) {
    if (!stream_parser) return fail(Error::permanent("no streamed reply in progress (call start())"));
    if (stream_done) return false;
    std::array<char, 8192> chunk;
    auto& body = stream_parser->get().body();
    body.data = chunk.data();
    body.size = chunk.size();
    const auto ec = run_for(io, *socket, t, [&](auto handler) {
      http::async_read_some(*socket, buffer, *stream_parser, std::move(handler));
    });
    if (!ec) return fail(timeout_error("reading the streamed body", t));
    const auto got = chunk.size() - body.size;
    pending.append(chunk.data(), got);
    if (*ec && *ec != http::error::need_buffer) {
      const auto failed = io_error("reading the streamed body", *ec);
      close();
      return fail(failed);
    }
    if (stream_parser->is_done()) {
      stream_done = true;
      if (!stream_parser->get().keep_alive()) {
        // Keep what is pending: close() would drop it.
        auto rest = std::move(pending);
        close();
        pending = std::move(rest);
        stream_done = true;
        closed_after_stream = true;
      }
    }
    return true;
  }
  bool closed_after_stream = false;

  Result<std::optional<std::string>> read_line(milliseconds t) {
    const auto deadline = std::chrono::steady_clock::now() + t;
    while (true) {
      if (const auto eol = pending.find('\n'); eol != std::string::npos) {
        std::string line = pending.substr(0, eol);
        pending.erase(0, eol + 1);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        return line;
      }
      if (stream_done || closed_after_stream) {
        if (pending.empty()) return std::optional<std::string>{};
        std::string line = std::move(pending);
        pending.clear();
        return line;
      }
      const auto left = std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left <= milliseconds::zero()) return fail(timeout_error("waiting for a line", t));
      auto more = read_more(left);
      if (!more) {
        if (is_timeout(more.error())) return fail(timeout_error("waiting for a line", t));
        return fail(more.error());
      }
    }
  }
};

HttpTestClient::HttpTestClient(std::uint16_t port, std::string host, milliseconds timeout)
    : impl_(std::make_unique<Impl>(port, std::move(host), timeout)) {}
HttpTestClient::~HttpTestClient() {
  impl_->close();
}

Result<void> HttpTestClient::connect() {
  impl_->closed_after_stream = false;
  return impl_->connect();
}
void HttpTestClient::close() {
  impl_->close();
}
bool HttpTestClient::connected() const {
  return impl_->socket.has_value();
}
int HttpTestClient::connections_opened() const {
  return impl_->opened;
}
void HttpTestClient::set_timeout(milliseconds timeout) {
  impl_->timeout = timeout;
}

Result<HttpReply> HttpTestClient::request(std::string_view method, std::string_view target,
                                          const Headers& headers, std::string_view body) {
  impl_->stream_parser.reset();
  impl_->closed_after_stream = false;
  if (auto r = impl_->send(method, target, headers, body); !r) return fail(r.error());
  return impl_->read_reply(impl_->timeout, method == "HEAD");
}

Result<HttpReply> HttpTestClient::start(std::string_view method, std::string_view target,
                                        const Headers& headers, std::string_view body) {
  impl_->closed_after_stream = false;
  return impl_->start(method, target, headers, body);
}

Result<std::optional<std::string>> HttpTestClient::read_line(std::optional<milliseconds> timeout) {
  return impl_->read_line(impl_->pick(timeout));
}

Result<std::optional<SseEvent>> HttpTestClient::read_event(std::optional<milliseconds> timeout) {
  const auto t = impl_->pick(timeout);
  const auto deadline = std::chrono::steady_clock::now() + t;
  SseEvent event;
  bool any = false;
  bool has_data = false;
  while (true) {
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left <= milliseconds::zero()) return fail(timeout_error("waiting for an event", t));
    auto line = impl_->read_line(left);
    if (!line) return fail(line.error());
    if (!*line) {
      if (!any) return std::optional<SseEvent>{};
      return std::optional<SseEvent>{std::move(event)};
    }
    const std::string& text = **line;
    if (text.empty()) {
      if (any) return std::optional<SseEvent>{std::move(event)};
      continue;
    }
    if (text.front() == ':') continue;
    any = true;
    event.raw.push_back(text);
    const auto colon = text.find(':');
    const std::string field = text.substr(0, colon);
    std::string value = colon == std::string::npos ? std::string() : text.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.erase(0, 1);
    if (field == "event") {
      event.event = value;
    } else if (field == "data") {
      // Several data lines join with newlines, as EventSource does.
      if (has_data) event.data += '\n';
      has_data = true;
      event.data += value;
    }
  }
}

Result<std::string> HttpTestClient::read_rest(std::optional<milliseconds> timeout) {
  const auto t = impl_->pick(timeout);
  const auto deadline = std::chrono::steady_clock::now() + t;
  while (!impl_->stream_done && !impl_->closed_after_stream) {
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left <= milliseconds::zero()) return fail(timeout_error("reading the rest of the body", t));
    auto more = impl_->read_more(left);
    if (!more) return fail(more.error());
    if (!*more) break;
  }
  return std::exchange(impl_->pending, std::string());
}

Result<void> HttpTestClient::send_raw(std::string_view bytes) {
  if (auto r = impl_->ensure_connected(); !r) return r;
  auto& socket = *impl_->socket;
  const auto ec = run_for(impl_->io, socket, impl_->timeout, [&](auto handler) {
    asio::async_write(socket, asio::buffer(bytes.data(), bytes.size()), std::move(handler));
  });
  if (!ec) return fail(timeout_error("sending raw bytes", impl_->timeout));
  if (*ec) return fail(io_error("sending raw bytes", *ec));
  return {};
}

Result<HttpReply> HttpTestClient::read_reply(std::optional<milliseconds> timeout) {
  return impl_->read_reply(impl_->pick(timeout), false);
}

Result<std::string> HttpTestClient::read_until_closed(std::optional<milliseconds> timeout) {
  if (!impl_->socket) return fail(Error::permanent("not connected"));
  const auto t = impl_->pick(timeout);
  const auto deadline = std::chrono::steady_clock::now() + t;
  std::string out = beast::buffers_to_string(impl_->buffer.data());
  impl_->buffer.clear();
  std::array<char, 8192> chunk;
  while (true) {
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left <= milliseconds::zero()) return fail(timeout_error("waiting for the server to close", t));
    std::size_t got = 0;
    const auto ec = run_for(impl_->io, *impl_->socket, left, [&](auto handler) {
      impl_->socket->async_read_some(asio::buffer(chunk),
                                     [&got, handler](error_code e, std::size_t n) mutable {
                                       got = n;
                                       handler(e, n);
                                     });
    });
    if (!ec) return fail(timeout_error("waiting for the server to close", t));
    out.append(chunk.data(), got);
    if (*ec) {
      impl_->close();
      return out;
    }
  }
}

bool HttpTestClient::wait_closed(std::optional<milliseconds> timeout) {
  return read_until_closed(timeout).has_value();
}

// ---------------------------------------------------------------------------------------------
// WebSocketTestClient
//
// A read, once started, stays pending until it completes: Beast cannot resume a cancelled
// WebSocket read, so a read() that times out leaves it running and the next call picks it up.

struct WebSocketTestClient::Impl {
  Impl(std::uint16_t server_port, std::string server_host, milliseconds default_timeout)
      : port(server_port), host(std::move(server_host)), timeout(default_timeout) {}

  asio::io_context io;
  std::uint16_t port;
  std::string host;
  milliseconds timeout;
  std::optional<websocket::stream<beast::tcp_stream>> ws;
  beast::flat_buffer buffer;
  bool reading = false;
  std::optional<error_code> read_result;
  std::deque<std::string> queued;
  int pings = 0;
  int pongs = 0;
  std::optional<std::uint16_t> close_code;

  milliseconds pick(std::optional<milliseconds> t) const { return t.value_or(timeout); }
  tcp::socket& socket() { return ws->next_layer().socket(); }

  void drop() {
    if (ws) {
      error_code ignored;
      socket().shutdown(tcp::socket::shutdown_both, ignored);
      socket().close(ignored);
      // Completes what is pending (with errors) before the stream goes away.
      io.restart();
      io.run_for(milliseconds(100));
      ws.reset();
    }
    buffer.clear();
    reading = false;
    read_result.reset();
  }

  // Runs the io_context until `done()` or `t` passed; whether done() holds.
  template <class Done>
  bool run_until(Done done, milliseconds t) {
    const auto deadline = std::chrono::steady_clock::now() + t;
    io.restart();
    while (!done()) {
      const auto left = std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left <= milliseconds::zero()) break;
      if (io.run_one_for(left) == 0 && io.stopped()) break;
    }
    return done();
  }

  void start_read() {
    if (reading || read_result) return;
    reading = true;
    buffer.clear();
    ws->async_read(buffer, [this](error_code ec, std::size_t) {
      reading = false;
      read_result = ec;
    });
  }

  // Takes a completed read: the message, or the error that ended the connection.
  Result<std::string> take_read(std::string_view what) {
    const auto ec = *read_result;
    read_result.reset();
    if (ec) {
      if (ec == websocket::error::closed) close_code = ws->reason().code;
      drop();
      return fail(io_error(what, ec));
    }
    auto message = beast::buffers_to_string(buffer.data());
    buffer.clear();
    return message;
  }

  Result<std::string> read_one(milliseconds t) {
    if (!queued.empty()) {
      auto message = std::move(queued.front());
      queued.pop_front();
      return message;
    }
    if (!ws) return fail(Error::permanent("not connected"));
    start_read();
    if (!run_until([this] { return read_result.has_value(); }, t)) {
      return fail(timeout_error("waiting for a WebSocket message", t));
    }
    return take_read("reading a WebSocket message");
  }

  // Runs an operation that cannot be resumed after a timeout: on one, the connection is dropped.
  template <class Initiate>
  Result<void> run_op(std::string_view what, Initiate&& initiate) {
    if (!ws) return fail(Error::permanent("not connected"));
    std::optional<error_code> result;
    std::forward<Initiate>(initiate)([&result](error_code ec, auto&&...) { result = ec; });
    if (!run_until([&result] { return result.has_value(); }, timeout)) {
      drop();
      return fail(timeout_error(what, timeout));
    }
    if (*result) {
      drop();
      return fail(io_error(what, *result));
    }
    return {};
  }

  Result<void> write(std::string_view data, bool text) {
    if (!ws) return fail(Error::permanent("not connected"));
    ws->text(text);
    return run_op("writing a WebSocket message", [&](auto handler) {
      ws->async_write(asio::buffer(data.data(), data.size()), std::move(handler));
    });
  }
};

WebSocketTestClient::WebSocketTestClient(std::uint16_t port, std::string host, milliseconds timeout)
    : impl_(std::make_unique<Impl>(port, std::move(host), timeout)) {}
WebSocketTestClient::~WebSocketTestClient() {
  impl_->drop();
}

Result<HttpReply> WebSocketTestClient::connect(std::string_view target, const Headers& headers) {
  auto& d = *impl_;
  d.drop();
  d.queued.clear();
  d.close_code.reset();
  auto endpoint = endpoint_of(d.host, d.port);
  if (!endpoint) return fail(endpoint.error());
  d.ws.emplace(d.io);
  if (auto r = d.run_op(fmt::format("connect to {}:{}", d.host, d.port),
                        [&](auto handler) { d.socket().async_connect(*endpoint, std::move(handler)); });
      !r) {
    return fail(r.error());
  }
  d.ws->set_option(websocket::stream_base::decorator([headers](websocket::request_type& req) {
    for (const auto& [name, value] : headers) req.set(name, value);
  }));
  d.ws->control_callback([&d](websocket::frame_type kind, beast::string_view) {
    if (kind == websocket::frame_type::ping) ++d.pings;
    if (kind == websocket::frame_type::pong) ++d.pongs;
  });
  websocket::response_type res;
  const auto host_header = fmt::format("{}:{}", d.host, d.port);
  std::optional<error_code> result;
  d.ws->async_handshake(res, host_header, target, [&result](error_code ec) { result = ec; });
  if (!d.run_until([&result] { return result.has_value(); }, d.timeout)) {
    d.drop();
    return fail(timeout_error("waiting for the WebSocket handshake", d.timeout));
  }
  if (*result) {
    d.drop();
    auto error = io_error(fmt::format("WebSocket handshake (HTTP {})", res.result_int()), *result);
    error.status = static_cast<int>(res.result_int());
    return fail(std::move(error));
  }
  HttpReply reply;
  reply.status = res.result_int();
  reply.version = res.version();
  reply.headers = headers_of(res);
  reply.body = res.body();
  return reply;
}

Result<void> WebSocketTestClient::write_text(std::string_view text) {
  return impl_->write(text, true);
}
Result<void> WebSocketTestClient::write_binary(std::string_view bytes) {
  return impl_->write(bytes, false);
}

Result<std::string> WebSocketTestClient::read(std::optional<milliseconds> timeout) {
  return impl_->read_one(impl_->pick(timeout));
}

Result<void> WebSocketTestClient::ping(std::string_view payload) {
  auto& d = *impl_;
  const int before = d.pongs;
  const auto clipped = payload.substr(0, 125);
  const websocket::ping_data data(clipped.data(), clipped.size());
  if (auto r = d.run_op("sending a ping", [&](auto handler) { d.ws->async_ping(data, std::move(handler)); });
      !r) {
    return r;
  }
  // The pong is seen inside a read; messages that come first are kept for read().
  const auto deadline = std::chrono::steady_clock::now() + d.timeout;
  while (d.pongs == before) {
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left <= milliseconds::zero() || !d.ws) break;
    d.start_read();
    d.run_until([&d, before] { return d.pongs != before || d.read_result.has_value(); }, left);
    if (d.read_result) {
      auto message = d.take_read("waiting for a pong");
      if (!message) return fail(message.error());
      d.queued.push_back(std::move(*message));
    }
  }
  if (d.pongs == before) return fail(timeout_error("waiting for a pong", d.timeout));
  return {};
}

Result<void> WebSocketTestClient::close(std::uint16_t code) {
  auto& d = *impl_;
  if (!d.ws) return {};
  auto r = d.run_op("closing the WebSocket", [&](auto handler) {
    d.ws->async_close(websocket::close_reason(code), std::move(handler));
  });
  d.drop();
  return r;
}

bool WebSocketTestClient::wait_closed(std::optional<milliseconds> timeout) {
  const auto t = impl_->pick(timeout);
  const auto deadline = std::chrono::steady_clock::now() + t;
  impl_->queued.clear();
  while (impl_->ws) {
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left <= milliseconds::zero()) return false;
    auto message = impl_->read_one(left);
    if (!message) return !is_timeout(message.error());
  }
  return true;
}

int WebSocketTestClient::pings_received() const {
  return impl_->pings;
}
int WebSocketTestClient::pongs_received() const {
  return impl_->pongs;
}
std::optional<std::uint16_t> WebSocketTestClient::close_code() const {
  return impl_->close_code;
}

}  // namespace mmclaw::test

#include "net/http_server.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <exception>
#include <list>
#include <map>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "util/log.hpp"

namespace mmclaw::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

constexpr std::string_view kComponent = "http";
// After an error reply the server stops sending and reads (and drops) what the client is still
// sending for a short while before closing: closing a socket with unread input sends a reset,
// which can destroy the reply before the client has read it.
constexpr milliseconds kLingerTime{500};
constexpr std::size_t kLingerBytes = 1 << 20;
constexpr std::size_t kReadChunk = 4096;
// Bytes a paused response reads ahead (a pipelined next request) before it only waits.
constexpr std::size_t kPauseReadAhead = 64 * 1024;
constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);

Clock::time_point deadline_after(milliseconds duration) {
  // milliseconds::max() would overflow the clock's nanoseconds.
  constexpr auto kForever = std::chrono::hours(24 * 365);
  if (duration >= kForever) return Clock::time_point::max();
  return Clock::now() + duration;
}

bool is_http_parse_error(const error_code& ec) {
  return ec.category() == beast::http::make_error_code(http::error::bad_target).category();
}

// One TCP connection, shared by its task, its deadline's timer handler and the server's registry
// (which closes idle connections on stop).
struct Connection : std::enable_shared_from_this<Connection> {
  Connection(tcp::socket socket, std::uint64_t connection_id)
      : stream(std::move(socket)), deadline(stream.get_executor()), id(connection_id) {}

  beast::tcp_stream stream;
  beast::flat_buffer buffer;
  asio::steady_timer deadline;
  asio::cancellation_signal cancel;  // bound to the connection task: stops a handler mid-await
  std::uint64_t id;
  std::uint64_t deadline_generation = 0;
  bool timed_out = false;   // the last armed deadline passed
  bool busy = false;        // a request is being read, handled or answered
  bool closing = false;     // closed by force (stop after grace, or the server's destructor)
  bool handed_off = false;  // given to the upgrade handler

  // Cancels the socket's pending operations at `when`; they then complete with operation_aborted
  // and timed_out says why. Unlike tcp_stream's own expiry, this leaves the socket open, so a 408
  // can still be written.
  void arm_until(Clock::time_point when) {
    const auto generation = ++deadline_generation;
    timed_out = false;
    deadline.expires_at(when);
    deadline.async_wait([weak = weak_from_this(), generation](error_code ec) {
      if (ec) return;
      const auto self = weak.lock();
      if (!self || self->deadline_generation != generation || self->handed_off) return;
      self->timed_out = true;
      error_code ignored;
      self->stream.socket().cancel(ignored);
    });
  }
  void arm(milliseconds duration) { arm_until(deadline_after(duration)); }
  void disarm() {
    ++deadline_generation;
    deadline.cancel();
  }

  void force_close() {
    if (closing || handed_off) return;
    closing = true;
    disarm();
    // Cancels whatever the task awaits, a handler's own timers included, then the socket.
    cancel.emit(asio::cancellation_type::terminal);
    error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream.socket().close(ignored);
  }
};

HttpResponse error_reply(http::status status) {
  auto reason = std::string(http::obsolete_reason(status));
  return make_response(static_cast<unsigned>(status), reason + "\n", "text/plain; charset=utf-8", 11, false);
}

// Stops sending, then drains the client's input for a bounded time so that the last reply is not
// destroyed by a reset; then closes.
asio::awaitable<void> linger_close(Connection& c) {
  c.busy = false;
  error_code ec;
  c.stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  if (!ec && !c.closing) {
    c.arm(kLingerTime);
    std::size_t drained = 0;
    std::vector<char> scratch(kReadChunk);
    while (drained < kLingerBytes) {
      auto [read_ec, n] = co_await c.stream.async_read_some(asio::buffer(scratch), kUseTuple);
      if (read_ec) break;
      drained += n;
    }
    c.disarm();
  }
  c.stream.socket().close(ec);
}

asio::awaitable<bool> write_response(Connection& c, HttpResponse& res, milliseconds timeout, bool head) {
  c.arm(timeout);
  error_code ec;
  if (head) {
    http::response_serializer<http::string_body> serializer(res);
    auto [write_ec, n] = co_await http::async_write_header(c.stream, serializer, kUseTuple);
    ec = write_ec;
  } else {
    auto [write_ec, n] = co_await http::async_write(c.stream, res, kUseTuple);
    ec = write_ec;
  }
  c.disarm();
  if (ec) log::debug(kComponent, "connection {}: write failed: {}", c.id, ec.message());
  co_return !ec;
}

asio::awaitable<void> reply_and_close(Connection& c, http::status status, milliseconds timeout,
                                      std::optional<HttpResponse> reply = std::nullopt) {
  log::debug(kComponent, "connection {}: {} {}", c.id, static_cast<unsigned>(status),
             http::obsolete_reason(status));
  auto res = reply ? std::move(*reply) : error_reply(status);
  res.keep_alive(false);
  if (co_await write_response(c, res, timeout, false)) co_await linger_close(c);
}

class ConnectionWriter final : public ResponseWriter {
 public:
  ConnectionWriter(Connection& c, milliseconds write_timeout, std::size_t max_read_ahead, unsigned version,
                   bool keep_alive_requested, bool head)
      : c_(c),
        write_timeout_(write_timeout),
        max_read_ahead_(max_read_ahead),
        version_(version),
        keep_alive_requested_(keep_alive_requested),
        head_(head) {}

  asio::awaitable<Result<void>> begin(HttpResponse head) override {
    if (begun_) co_return fail(Error::invalid_input("the response has already begun"));
    if (broken_ || c_.closing) co_return fail(Error::transient("the connection is closed"));
    begun_ = true;
    chunked_ = version_ >= 11;
    keep_alive_ = keep_alive_requested_ && head.keep_alive() && chunked_;
    head.version(version_);
    head.body().clear();
    head.erase(http::field::content_length);
    head.chunked(chunked_);
    head.keep_alive(keep_alive_);
    c_.arm(write_timeout_);
    http::response_serializer<http::string_body> serializer(head);
    auto [ec, n] = co_await http::async_write_header(c_.stream, serializer, kUseTuple);
    c_.disarm();
    if (ec) co_return broke(ec);
    co_return Result<void>{};
  }

  asio::awaitable<Result<void>> write(std::string data) override {
    if (!begun_) co_return fail(Error::invalid_input("write() before begin()"));
    if (broken_ || c_.closing) co_return fail(Error::transient("the connection is closed"));
    if (data.empty() || head_) co_return Result<void>{};
    c_.arm(write_timeout_);
    error_code ec;
    if (chunked_) {
      auto [write_ec, n] =
          co_await asio::async_write(c_.stream, http::make_chunk(asio::buffer(data)), kUseTuple);
      ec = write_ec;
    } else {
      auto [write_ec, n] = co_await asio::async_write(c_.stream, asio::buffer(data), kUseTuple);
      ec = write_ec;
    }
    c_.disarm();
    if (ec) co_return broke(ec);
    co_return Result<void>{};
  }

  asio::awaitable<Result<void>> pause(milliseconds duration) override {
    if (broken_ || c_.closing) co_return fail(Error::transient("the connection is closed"));
    if (duration <= milliseconds::zero()) co_return Result<void>{};
    const auto until = deadline_after(duration);
    // Reading is how a closed connection shows; what arrives (a pipelined request) is kept for
    // the next round of the connection loop.
    while (c_.buffer.size() < max_read_ahead_) {
      c_.arm_until(until);
      auto [ec, n] = co_await c_.stream.async_read_some(c_.buffer.prepare(kReadChunk), kUseTuple);
      const bool timed_out = c_.timed_out;
      c_.disarm();
      if (c_.closing) co_return fail(Error::transient("the server is stopping"));
      if (ec) {
        if (timed_out) co_return Result<void>{};
        co_return broke(ec);
      }
      c_.buffer.commit(n);
    }
    asio::steady_timer timer(c_.stream.get_executor());
    timer.expires_at(until);
    co_await timer.async_wait(kUseTuple);
    if (c_.closing) co_return fail(Error::transient("the server is stopping"));
    co_return Result<void>{};
  }

  void abort() noexcept override { aborted_ = true; }
  [[nodiscard]] bool begun() const noexcept override { return begun_; }
  [[nodiscard]] bool aborted() const noexcept { return aborted_; }
  [[nodiscard]] bool broken() const noexcept { return broken_; }

  // Ends a begun body; whether the connection can serve another request.
  asio::awaitable<bool> finish(bool stopping) {
    if (broken_ || aborted_ || c_.closing) co_return false;
    if (chunked_ && !head_) {
      c_.arm(write_timeout_);
      auto [ec, n] = co_await asio::async_write(c_.stream, http::make_chunk_last(), kUseTuple);
      c_.disarm();
      if (ec) co_return false;
    }
    co_return keep_alive_ && !stopping;
  }

 private:
  Result<void> broke(const error_code& ec) {
    broken_ = true;
    log::debug(kComponent, "connection {}: streamed write failed: {}", c_.id, ec.message());
    return fail(Error::transient(fmt::format("the client connection failed: {}", ec.message())));
  }

  Connection& c_;
  milliseconds write_timeout_;
  std::size_t max_read_ahead_;
  unsigned version_;
  bool keep_alive_requested_;
  bool head_;
  bool begun_ = false;
  bool chunked_ = false;
  bool keep_alive_ = false;
  bool broken_ = false;
  bool aborted_ = false;
};

}  // namespace

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
  Impl(asio::io_context& io_context, HttpServerOptions server_options, Handler request_handler,
       UpgradeHandler upgrade_handler, BodyLimit limit)
      : io(io_context),
        options(std::move(server_options)),
        handler(std::move(request_handler)),
        upgrade(std::move(upgrade_handler)),
        body_limit(std::move(limit)),
        acceptor(io_context) {}

  asio::io_context& io;
  HttpServerOptions options;
  Handler handler;
  UpgradeHandler upgrade;
  BodyLimit body_limit;
  tcp::acceptor acceptor;
  std::uint16_t bound_port = 0;
  bool started = false;
  bool stopping = false;
  std::uint64_t next_connection_id = 1;
  std::map<std::uint64_t, std::shared_ptr<Connection>> connections;
  std::size_t tasks = 0;  // the accept loop and every connection task still running
  std::list<asio::steady_timer*> stop_waiters;

  Result<void> listen();
  void start();
  asio::awaitable<void> stop(milliseconds grace);
  void abort_all();

  asio::awaitable<void> accept_loop();
  void spawn_connection(tcp::socket socket);
  void task_ended();
  asio::awaitable<void> wait_for_tasks(Clock::time_point until);
  asio::awaitable<void> serve(std::shared_ptr<Connection> c);
  // One request on `c`; whether the connection stays open for another.
  asio::awaitable<bool> serve_one(Connection& c, RequestContext& ctx);
  void close_connections(bool idle_only);
};

Result<void> HttpServer::Impl::listen() {
  const auto name = fmt::format("{}:{}", options.host, options.port);
  error_code ec;
  auto address = asio::ip::make_address(options.host == "localhost" ? "127.0.0.1" : options.host, ec);
  if (ec) return fail(Error::invalid_input(fmt::format("cannot listen on {}: not an IP address", name)));
  const tcp::endpoint endpoint(address, options.port);
  const auto failed = [&](std::string_view step) {
    error_code ignored;
    acceptor.close(ignored);
    return fail(Error::permanent(fmt::format("cannot listen on {}: {}: {}", name, step, ec.message())));
  };
  acceptor.open(endpoint.protocol(), ec);
  if (ec) return failed("open");
  acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (ec) return failed("setsockopt");
  acceptor.bind(endpoint, ec);
  if (ec) return failed("bind");
  acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return failed("listen");
  const auto local = acceptor.local_endpoint(ec);
  if (ec) return failed("getsockname");
  bound_port = local.port();
  log::debug(kComponent, "listening on {}:{}", options.host, bound_port);
  return {};
}

void HttpServer::Impl::start() {
  if (started || stopping || !acceptor.is_open()) return;
  started = true;
  ++tasks;
  asio::co_spawn(io, accept_loop(), [self = shared_from_this()](std::exception_ptr failure) {
    if (failure) {
      try {
        std::rethrow_exception(failure);
      } catch (const std::exception& e) {
        log::error(kComponent, "the accept loop failed: {}", e.what());
      } catch (...) {
        log::error(kComponent, "the accept loop failed");
      }
    }
    self->task_ended();
  });
}

asio::awaitable<void> HttpServer::Impl::accept_loop() {
  while (!stopping) {
    auto [ec, socket] = co_await acceptor.async_accept(kUseTuple);
    if (stopping) break;
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) break;
      // Out of descriptors and the like: wait a little instead of spinning on the error.
      log::debug(kComponent, "accept failed: {}", ec.message());
      asio::steady_timer pause(io);
      pause.expires_after(milliseconds(50));
      co_await pause.async_wait(kUseTuple);
      continue;
    }
    if (connections.size() >= options.max_connections) {
      log::debug(kComponent, "refused a connection: {} open, the limit", connections.size());
      error_code ignored;
      socket.close(ignored);
      continue;
    }
    // Small writes (a streamed answer, an event) go out at once instead of waiting for the peer's
    // delayed ACK (Nagle's algorithm costs up to 40 ms per exchange on loopback).
    {
      error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
    }
    spawn_connection(std::move(socket));
  }
}

void HttpServer::Impl::spawn_connection(tcp::socket socket) {
  auto c = std::make_shared<Connection>(std::move(socket), next_connection_id++);
  connections.emplace(c->id, c);
  ++tasks;
  asio::co_spawn(io, serve(c),
                 asio::bind_cancellation_slot(
                     c->cancel.slot(), [self = shared_from_this(), c](std::exception_ptr failure) {
                       if (failure && !c->closing) {
                         try {
                           std::rethrow_exception(failure);
                         } catch (const std::exception& e) {
                           log::warn(kComponent, "connection {} failed: {}", c->id, e.what());
                         } catch (...) {
                           log::warn(kComponent, "connection {} failed", c->id);
                         }
                       }
                       if (auto it = self->connections.find(c->id);
                           it != self->connections.end() && it->second == c) {
                         self->connections.erase(it);
                       }
                       self->task_ended();
                     }));
}

void HttpServer::Impl::task_ended() {
  --tasks;
  if (tasks == 0) {
    for (auto* waiter : stop_waiters) waiter->cancel();
  }
}

asio::awaitable<void> HttpServer::Impl::wait_for_tasks(Clock::time_point until) {
  asio::steady_timer timer(io);
  const auto entry = stop_waiters.insert(stop_waiters.end(), &timer);
  while (tasks > 0 && Clock::now() < until) {
    timer.expires_at(until);
    co_await timer.async_wait(kUseTuple);
  }
  stop_waiters.erase(entry);
}

void HttpServer::Impl::close_connections(bool idle_only) {
  std::vector<std::shared_ptr<Connection>> targets;
  for (const auto& [id, c] : connections) {
    if (!idle_only || !c->busy) targets.push_back(c);
  }
  for (const auto& c : targets) c->force_close();
}

asio::awaitable<void> HttpServer::Impl::stop(milliseconds grace) {
  const auto self = shared_from_this();  // the server may be destroyed while this waits
  if (!stopping) log::debug(kComponent, "stopping: {} connections open", connections.size());
  stopping = true;
  error_code ignored;
  acceptor.close(ignored);
  close_connections(true);
  co_await wait_for_tasks(deadline_after(grace));
  if (tasks > 0) {
    log::debug(kComponent, "grace over: closing {} connections", connections.size());
    close_connections(false);
    co_await wait_for_tasks(Clock::time_point::max());
  }
}

void HttpServer::Impl::abort_all() {
  stopping = true;
  error_code ignored;
  acceptor.close(ignored);
  close_connections(false);
}

asio::awaitable<void> HttpServer::Impl::serve(std::shared_ptr<Connection> c) {
  RequestContext ctx;
  ctx.connection_id = c->id;
  error_code ec;
  const auto remote = c->stream.socket().remote_endpoint(ec);
  if (!ec) {
    ctx.remote_ip = remote.address().to_string();
    ctx.remote_port = remote.port();
  }
  log::debug(kComponent, "connection {} from {}:{}", c->id, ctx.remote_ip, ctx.remote_port);
  bool first = true;
  while (true) {
    c->busy = false;
    if (stopping || c->closing) break;
    if (c->buffer.size() == 0) {
      // Waiting for the first byte of a request: the connection counts as idle until it comes.
      c->arm(first ? options.header_timeout : options.idle_timeout);
      auto [read_ec, n] = co_await c->stream.async_read_some(c->buffer.prepare(kReadChunk), kUseTuple);
      c->disarm();
      if (read_ec) {
        log::debug(kComponent, "connection {}: {}", c->id, c->timed_out ? "idle timeout" : read_ec.message());
        break;
      }
      c->buffer.commit(n);
    }
    first = false;
    c->busy = true;
    if (!co_await serve_one(*c, ctx)) break;
  }
  if (!c->handed_off && !c->closing) {
    error_code ignored;
    c->stream.socket().close(ignored);
  }
  log::debug(kComponent, "connection {} closed", c->id);
}

asio::awaitable<bool> HttpServer::Impl::serve_one(Connection& c, RequestContext& ctx) {
  http::request_parser<http::string_body> parser;
  parser.header_limit(
      static_cast<std::uint32_t>(std::min<std::size_t>(options.max_header_bytes, UINT32_MAX)));
  parser.body_limit(boost::none);  // decided once the header is known

  c.arm(options.header_timeout);
  auto [header_ec, header_n] = co_await http::async_read_header(c.stream, c.buffer, parser, kUseTuple);
  c.disarm();
  if (header_ec) {
    if (c.closing) co_return false;
    if (c.timed_out) {
      co_await reply_and_close(c, http::status::request_timeout, options.write_timeout);
    } else if (header_ec == http::error::header_limit) {
      co_await reply_and_close(c, http::status::request_header_fields_too_large, options.write_timeout);
    } else if (header_ec != http::error::end_of_stream && header_ec != http::error::partial_message &&
               is_http_parse_error(header_ec)) {
      log::debug(kComponent, "connection {}: bad request: {}", c.id, header_ec.message());
      co_await reply_and_close(c, http::status::bad_request, options.write_timeout);
    } else {
      log::debug(kComponent, "connection {}: {}", c.id, header_ec.message());
    }
    co_return false;
  }

  const auto& header = parser.get().base();
  const std::size_t limit = body_limit ? body_limit(header) : options.default_body_limit;
  const auto body_error = [&](http::status status) -> std::optional<HttpResponse> {
    if (!options.body_error_reply) return std::nullopt;
    auto reply = options.body_error_reply(status, header);
    reply.prepare_payload();
    return reply;
  };
  if (const auto length = parser.content_length(); length && *length > limit) {
    co_await reply_and_close(c, http::status::payload_too_large, options.write_timeout,
                             body_error(http::status::payload_too_large));
    co_return false;
  }
  const bool is_upgrade = upgrade && beast::websocket::is_upgrade(parser.get());

  if (!parser.is_done()) {
    if (beast::iequals(header[http::field::expect], "100-continue")) {
      http::response<http::empty_body> go_on{http::status::continue_, parser.get().version()};
      c.arm(options.write_timeout);
      auto [ec, n] = co_await http::async_write(c.stream, go_on, kUseTuple);
      c.disarm();
      if (ec) co_return false;
    }
    parser.body_limit(limit);
    c.arm(options.body_timeout_for ? options.body_timeout_for(header) : options.body_timeout);
    auto [body_ec, body_n] = co_await http::async_read(c.stream, c.buffer, parser, kUseTuple);
    c.disarm();
    if (body_ec) {
      if (c.closing) co_return false;
      if (c.timed_out) {
        co_await reply_and_close(c, http::status::request_timeout, options.write_timeout,
                                 body_error(http::status::request_timeout));
      } else if (body_ec == http::error::body_limit) {
        co_await reply_and_close(c, http::status::payload_too_large, options.write_timeout,
                                 body_error(http::status::payload_too_large));
      } else if (body_ec != http::error::partial_message && is_http_parse_error(body_ec)) {
        log::debug(kComponent, "connection {}: bad request body: {}", c.id, body_ec.message());
        co_await reply_and_close(c, http::status::bad_request, options.write_timeout);
      } else {
        log::debug(kComponent, "connection {}: {}", c.id, body_ec.message());
      }
      co_return false;
    }
  }

  HttpRequest req = parser.release();
  log::debug(kComponent, "connection {}: {} {}", c.id, std::string_view(req.method_string()),
             std::string_view(req.target()));

  if (is_upgrade) {
    if (c.buffer.size() != 0) {
      // A WebSocket client waits for the 101 before it sends frames; bytes here mean it did not.
      co_await reply_and_close(c, http::status::bad_request, options.write_timeout);
      co_return false;
    }
    c.handed_off = true;
    c.busy = false;
    c.disarm();
    connections.erase(c.id);
    ctx.writer = nullptr;
    try {
      upgrade(std::move(req), std::move(c.stream), ctx);
    } catch (const std::exception& e) {
      log::warn(kComponent, "connection {}: the upgrade handler failed: {}", c.id, e.what());
    }
    co_return false;
  }

  const bool head = req.method() == http::verb::head;
  const unsigned version = req.version();
  const bool keep_alive_requested = req.keep_alive();
  ConnectionWriter writer(c, options.write_timeout, kPauseReadAhead, version, keep_alive_requested, head);
  ctx.writer = &writer;
  HttpResponse res;
  std::optional<std::string> failure;
  try {
    res = co_await handler(req, ctx);
  } catch (const std::exception& e) {
    failure = e.what();
  } catch (...) {
    failure = "an exception that is not a std::exception";
  }
  ctx.writer = nullptr;
  if (c.closing) co_return false;
  if (failure) {
    log::warn(kComponent, "connection {}: the handler for {} {} failed: {}", c.id,
              std::string_view(req.method_string()), std::string_view(req.target()), *failure);
  }

  if (writer.begun()) {
    if (failure) co_return false;  // the client sees a body cut short
    co_return co_await writer.finish(stopping);
  }
  if (writer.aborted()) co_return false;
  if (failure)
    res = make_response(500, "Internal Server Error\n", "text/plain; charset=utf-8", version, false);

  const bool keep_alive = keep_alive_requested && res.keep_alive() && !stopping && !writer.broken();
  res.version(version);
  res.keep_alive(keep_alive);
  const auto status = res.result();
  if (http::to_status_class(status) == http::status_class::informational ||
      status == http::status::no_content || status == http::status::not_modified) {
    res.body().clear();
  }
  res.prepare_payload();
  if (!co_await write_response(c, res, options.write_timeout, head)) co_return false;
  if (!keep_alive) {
    co_await linger_close(c);
    co_return false;
  }
  co_return true;
}

HttpServer::HttpServer(asio::io_context& io, HttpServerOptions options, Handler handler,
                       UpgradeHandler upgrade, BodyLimit body_limit)
    : impl_(std::make_shared<Impl>(io, std::move(options), std::move(handler), std::move(upgrade),
                                   std::move(body_limit))) {}

HttpServer::~HttpServer() {
  impl_->abort_all();
}

Result<void> HttpServer::listen() {
  return impl_->listen();
}

std::uint16_t HttpServer::port() const {
  return impl_->bound_port;
}

void HttpServer::start() {
  impl_->start();
}

asio::awaitable<void> HttpServer::stop(milliseconds grace) {
  const auto impl = impl_;
  co_await impl->stop(grace);
}

std::size_t HttpServer::open_connections() const {
  return impl_->connections.size();
}

HttpResponse make_response(unsigned status, std::string body, std::string content_type, unsigned version,
                           bool keep_alive) {
  HttpResponse res;
  res.result(status);
  res.version(version);
  if (!content_type.empty()) res.set(http::field::content_type, content_type);
  res.keep_alive(keep_alive);
  const auto status_class = http::to_status_class(status);
  if (status_class != http::status_class::informational && status != 204 && status != 304) {
    res.body() = std::move(body);
  }
  res.prepare_payload();
  return res;
}

}  // namespace mmclaw::net

// HttpServer over real sockets on 127.0.0.1: the server runs its io_context on a thread of its
// own, the test drives it with the synchronous test client. Every wait is bounded.

#include "net/http_server.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <optional>
#include <string>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "support/http_test_client.hpp"

namespace mmclaw::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using namespace std::chrono_literals;
using test::Headers;
using test::HttpTestClient;
using test::WebSocketTestClient;

asio::awaitable<void> sleep_for(std::chrono::milliseconds duration) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  timer.expires_after(duration);
  co_await timer.async_wait(asio::use_awaitable);
}

// A server on its own io_context thread. Server calls go through on_io(); the destructor stops
// the server (bounded) before the thread ends.
class Running {
 public:
  Running(HttpServerOptions options, HttpServer::Handler handler, HttpServer::UpgradeHandler upgrade = {},
          HttpServer::BodyLimit limit = {})
      : guard_(asio::make_work_guard(io_)) {
    server_ = std::make_unique<HttpServer>(io_, std::move(options), std::move(handler), std::move(upgrade),
                                           std::move(limit));
    auto listening = server_->listen();
    if (!listening) throw std::runtime_error(listening.error().message);
    server_->start();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~Running() {
    if (!stopped_) (void)stop(0ms).wait_for(5s);
    guard_.reset();
    io_.stop();
    thread_.join();
    server_.reset();
  }
  Running(const Running&) = delete;
  Running& operator=(const Running&) = delete;

  [[nodiscard]] std::uint16_t port() const { return server_->port(); }
  asio::io_context& io() { return io_; }

  std::future<void> stop(std::chrono::milliseconds grace) {
    stopped_ = true;
    return asio::co_spawn(io_, server_->stop(grace), asio::use_future);
  }

  template <class F>
  auto on_io(F f) {
    std::packaged_task<decltype(f())()> task(std::move(f));
    auto result = task.get_future();
    asio::post(io_, [&task] { task(); });
    if (result.wait_for(5s) != std::future_status::ready) throw std::runtime_error("the io thread is stuck");
    return result.get();
  }

  std::size_t open_connections() {
    return on_io([this] { return server_->open_connections(); });
  }

  // Polls until `n` connections are open (the server sees a close a moment after the client).
  bool wait_open_connections(std::size_t n) {
    for (int i = 0; i < 200; ++i) {
      if (open_connections() == n) return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }

 private:
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> guard_;
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
  bool stopped_ = false;
};

HttpServerOptions fast_options() {
  HttpServerOptions options;
  options.header_timeout = 2s;
  options.body_timeout = 2s;
  options.idle_timeout = 5s;
  options.write_timeout = 2s;
  return options;
}

// Answers with the method, target and body; `/conn` with the connection id; `/throw` throws.
asio::awaitable<HttpResponse> echo_handler(HttpRequest& req, const RequestContext& ctx) {
  if (req.target() == "/conn") co_return make_response(200, std::to_string(ctx.connection_id), "text/plain");
  if (req.target() == "/peer") co_return make_response(200, ctx.remote_ip, "text/plain");
  if (req.target() == "/throw") throw std::runtime_error("handler bug");
  if (req.target() == "/missing") co_return make_response(404, "no such thing", "text/plain");
  if (req.target() == "/close") co_return make_response(200, "bye", "text/plain", 11, false);
  co_return make_response(
      200, std::string(req.method_string()) + " " + std::string(req.target()) + " " + req.body(),
      "text/plain");
}

TEST(HttpServer, RoutesRequestsToTheHandler) {
  Running server(fast_options(), echo_handler);
  HttpTestClient client(server.port());
  auto get = client.request("GET", "/a");
  ASSERT_TRUE(get) << get.error().message;
  EXPECT_EQ(get->status, 200u);
  EXPECT_EQ(get->body, "GET /a ");
  EXPECT_EQ(get->header("Content-Type"), "text/plain");
  EXPECT_EQ(get->header("Content-Length"), "7");

  auto post = client.request("POST", "/b?x=1", {{"Content-Type", "application/json"}}, "{\"k\":1}");
  ASSERT_TRUE(post) << post.error().message;
  EXPECT_EQ(post->body, "POST /b?x=1 {\"k\":1}");

  auto missing = client.request("GET", "/missing");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404u);

  auto peer = client.request("GET", "/peer");
  ASSERT_TRUE(peer);
  EXPECT_EQ(peer->body, "127.0.0.1");
}

TEST(HttpServer, HeadGetsHeadersWithoutBody) {
  Running server(fast_options(), echo_handler);
  HttpTestClient client(server.port());
  auto head = client.request("HEAD", "/thing");
  ASSERT_TRUE(head) << head.error().message;
  EXPECT_EQ(head->status, 200u);
  EXPECT_EQ(head->header("Content-Length"), "12");
  EXPECT_EQ(head->body, "");
  // The connection is still in step: the next reply is read correctly.
  auto next = client.request("GET", "/x");
  ASSERT_TRUE(next) << next.error().message;
  EXPECT_EQ(next->body, "GET /x ");
  EXPECT_EQ(client.connections_opened(), 1);
}

TEST(HttpServer, KeepAliveReusesTheConnection) {
  Running server(fast_options(), echo_handler);
  HttpTestClient client(server.port());
  auto first = client.request("GET", "/conn");
  auto second = client.request("GET", "/conn");
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->body, second->body);
  EXPECT_EQ(client.connections_opened(), 1);
  EXPECT_NE(first->header("Connection"), "close");
  EXPECT_EQ(server.open_connections(), 1u);

  HttpTestClient other(server.port());
  auto third = other.request("GET", "/conn");
  ASSERT_TRUE(third);
  EXPECT_NE(third->body, first->body);
}

TEST(HttpServer, PipelinedRequestsAreAnsweredInOrder) {
  Running server(fast_options(), echo_handler);
  HttpTestClient client(server.port());
  ASSERT_TRUE(client.send_raw("GET /one HTTP/1.1\r\nHost: x\r\n\r\nGET /two HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto one = client.read_reply();
  auto two = client.read_reply();
  ASSERT_TRUE(one && two);
  EXPECT_EQ(one->body, "GET /one ");
  EXPECT_EQ(two->body, "GET /two ");
}

TEST(HttpServer, ConnectionCloseFromTheClientClosesAfterTheReply) {
  Running server(fast_options(), echo_handler);
  HttpTestClient client(server.port());
  ASSERT_TRUE(client.send_raw("GET /a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  auto reply = client.read_reply();
  ASSERT_TRUE(reply) << reply.error().message;
  EXPECT_EQ(reply->status, 200u);
  EXPECT_EQ(reply->header("Connection"), "close");
  EXPECT_FALSE(client.connected());  // the reply said close; the client dropped its side

  HttpTestClient raw(server.port());
  ASSERT_TRUE(raw.send_raw("GET /a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  auto bytes = raw.read_until_closed(2s);
  ASSERT_TRUE(bytes) << bytes.error().message;
  EXPECT_TRUE(bytes->starts_with("HTTP/1.1 200 OK\r\n"));
}

TEST(HttpServer, ConnectionCloseFromTheHandlerClosesAfterTheReply) {
  Running server(fast_options(), echo_handler);
  HttpTestClient client(server.port());
  ASSERT_TRUE(client.send_raw("GET /close HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto bytes = client.read_until_closed(2s);
  ASSERT_TRUE(bytes) << bytes.error().message;
  EXPECT_NE(bytes->find("Connection: close"), std::string::npos);
  EXPECT_TRUE(bytes->ends_with("bye"));
}

TEST(HttpServer, Http10ClosesUnlessKeepAliveIsAsked) {
  Running server(fast_options(), echo_handler);
  HttpTestClient client(server.port());
  ASSERT_TRUE(client.send_raw("GET /old HTTP/1.0\r\n\r\n"));
  auto bytes = client.read_until_closed(2s);
  ASSERT_TRUE(bytes) << bytes.error().message;
  EXPECT_TRUE(bytes->starts_with("HTTP/1.0 200 OK\r\n")) << *bytes;

  HttpTestClient keep(server.port());
  ASSERT_TRUE(keep.send_raw("GET /old HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  auto first = keep.read_reply();
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(first->version, 10u);
  ASSERT_TRUE(keep.send_raw("GET /again HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  auto second = keep.read_reply();
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(second->body, "GET /again ");
  EXPECT_EQ(keep.connections_opened(), 1);
}

TEST(HttpServer, BodyOverTheLimitByContentLengthIs413BeforeTheBodyIsRead) {
  std::atomic<int> calls{0};
  auto limit = [](const http::request_header<>& header) -> std::size_t {
    return header.target() == "/small" ? 16 : 1024;
  };
  Running server(
      fast_options(),
      [&calls](HttpRequest& req, const RequestContext& ctx) {
        ++calls;
        return echo_handler(req, ctx);
      },
      {}, limit);
  HttpTestClient client(server.port());
  // Only the header is sent: the 413 must come without waiting for the body.
  ASSERT_TRUE(client.send_raw("POST /small HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n"));
  auto reply = client.read_reply(2s);
  ASSERT_TRUE(reply) << reply.error().message;
  EXPECT_EQ(reply->status, 413u);
  EXPECT_EQ(reply->header("Connection"), "close");

  HttpTestClient ok(server.port());
  auto fits = ok.request("POST", "/small", {}, "0123456789abcdef");
  ASSERT_TRUE(fits) << fits.error().message;
  EXPECT_EQ(fits->status, 200u);
  auto larger_route = ok.request("POST", "/big", {}, std::string(500, 'x'));
  ASSERT_TRUE(larger_route);
  EXPECT_EQ(larger_route->status, 200u);
  EXPECT_EQ(calls.load(), 2);

  // With the body sent too: the reply still arrives (the server drains before closing).
  HttpTestClient eager(server.port());
  auto too_big = eager.request("POST", "/small", {}, std::string(2000, 'y'));
  ASSERT_TRUE(too_big) << too_big.error().message;
  EXPECT_EQ(too_big->status, 413u);
}

TEST(HttpServer, ChunkedBodyOverTheLimitIs413) {
  auto options = fast_options();
  options.default_body_limit = 32;
  Running server(options, echo_handler);
  HttpTestClient client(server.port());
  ASSERT_TRUE(
      client.send_raw("POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "10\r\n0123456789abcdef\r\n10\r\n0123456789abcdef\r\n10\r\n0123456789abcdef\r\n"
                      "0\r\n\r\n"));
  auto reply = client.read_reply(2s);
  ASSERT_TRUE(reply) << reply.error().message;
  EXPECT_EQ(reply->status, 413u);

  HttpTestClient fits(server.port());
  auto small = fits.request("POST", "/c", {{"Transfer-Encoding", "chunked"}}, "tiny");
  ASSERT_TRUE(small) << small.error().message;
  EXPECT_EQ(small->status, 200u);
  EXPECT_EQ(small->body, "POST /c tiny");
}

TEST(HttpServer, HeaderOverTheLimitIs431) {
  auto options = fast_options();
  options.max_header_bytes = 1024;
  Running server(options, echo_handler);
  HttpTestClient client(server.port());
  auto reply = client.request("GET", "/", {{"X-Big", std::string(4000, 'h')}});
  ASSERT_TRUE(reply) << reply.error().message;
  EXPECT_EQ(reply->status, 431u);
  EXPECT_FALSE(client.connected());
}

TEST(HttpServer, SlowBodyIs408) {
  auto options = fast_options();
  options.body_timeout = 200ms;
  Running server(options, echo_handler);
  HttpTestClient client(server.port());
  ASSERT_TRUE(client.send_raw("POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc"));
  const auto start = std::chrono::steady_clock::now();
  auto reply = client.read_reply(3s);
  ASSERT_TRUE(reply) << reply.error().message;
  EXPECT_EQ(reply->status, 408u);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 150ms);
}

TEST(HttpServer, SlowHeaderIs408AndSilenceJustCloses) {
  auto options = fast_options();
  options.header_timeout = 200ms;
  Running server(options, echo_handler);
  HttpTestClient partial(server.port());
  ASSERT_TRUE(partial.send_raw("GET /slow HTTP/1.1\r\nHost: x\r\n"));
  auto reply = partial.read_reply(3s);
  ASSERT_TRUE(reply) << reply.error().message;
  EXPECT_EQ(reply->status, 408u);

  HttpTestClient silent(server.port());
  ASSERT_TRUE(silent.connect());
  auto bytes = silent.read_until_closed(3s);
  ASSERT_TRUE(bytes) << bytes.error().message;
  EXPECT_EQ(*bytes, "");
}

TEST(HttpServer, IdleKeepAliveConnectionsCloseAfterIdleTimeout) {
  auto options = fast_options();
  options.idle_timeout = 200ms;
  Running server(options, echo_handler);
  HttpTestClient client(server.port());
  ASSERT_TRUE(client.request("GET", "/a"));
  EXPECT_TRUE(client.wait_closed(3s));
  EXPECT_TRUE(server.wait_open_connections(0));
}

TEST(HttpServer, GarbageIs400AndClosed) {
  Running server(fast_options(), echo_handler);
  for (const std::string& garbage :
       {std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", 15), std::string("HELLO\r\n\r\n"),
        std::string("GET / HTTP/9.9\r\n\r\n"), std::string("GET / HTTP/1.1\r\nBad Header\r\n\r\n"),
        std::string("POST / HTTP/1.1\r\nContent-Length: zz\r\n\r\n"),
        std::string("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\n")}) {
    HttpTestClient client(server.port());
    ASSERT_TRUE(client.send_raw(garbage));
    auto bytes = client.read_until_closed(2s);
    ASSERT_TRUE(bytes) << bytes.error().message;
    EXPECT_TRUE(bytes->starts_with("HTTP/1.1 400 Bad Request\r\n")) << *bytes;
  }
  // A request cut short just ends the connection.
  HttpTestClient truncated(server.port());
  ASSERT_TRUE(truncated.send_raw("GET /a HT"));
  truncated.close();
  HttpTestClient still_fine(server.port());
  auto ok = still_fine.request("GET", "/a");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200u);
}

TEST(HttpServer, ConnectionsBeyondTheLimitAreClosed) {
  auto options = fast_options();
  options.max_connections = 2;
  Running server(options, echo_handler);
  HttpTestClient a(server.port());
  HttpTestClient b(server.port());
  ASSERT_TRUE(a.request("GET", "/a"));
  ASSERT_TRUE(b.request("GET", "/b"));
  ASSERT_EQ(server.open_connections(), 2u);

  HttpTestClient c(server.port());
  ASSERT_TRUE(c.connect());
  auto bytes = c.read_until_closed(2s);
  ASSERT_TRUE(bytes) << "the third connection stayed open";
  EXPECT_EQ(*bytes, "");

  a.close();
  ASSERT_TRUE(server.wait_open_connections(1));
  HttpTestClient d(server.port());
  auto reply = d.request("GET", "/d");
  ASSERT_TRUE(reply) << reply.error().message;
  EXPECT_EQ(reply->status, 200u);
}

TEST(HttpServer, HandlerExceptionIs500AndTheServerGoesOn) {
  Running server(fast_options(), echo_handler);
  HttpTestClient client(server.port());
  auto failed = client.request("GET", "/throw");
  ASSERT_TRUE(failed) << failed.error().message;
  EXPECT_EQ(failed->status, 500u);
  EXPECT_EQ(failed->header("Connection"), "close");
  auto next = client.request("GET", "/after");
  ASSERT_TRUE(next) << next.error().message;
  EXPECT_EQ(next->status, 200u);
}

TEST(HttpServer, ExpectContinueGets100First) {
  Running server(fast_options(), echo_handler);
  HttpTestClient client(server.port());
  ASSERT_TRUE(
      client.send_raw("POST /e HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n"));
  auto go_on = client.read_reply(2s);
  ASSERT_TRUE(go_on) << go_on.error().message;
  EXPECT_EQ(go_on->status, 100u);
  ASSERT_TRUE(client.send_raw("body"));
  auto reply = client.read_reply(2s);
  ASSERT_TRUE(reply) << reply.error().message;
  EXPECT_EQ(reply->body, "POST /e body");
}

// Streams "line 1".."line n" with a pause between; `/stream-throw` fails after the first line,
// `/stream-abort` drops the connection after it.
asio::awaitable<HttpResponse> streaming_handler(HttpRequest& req, const RequestContext& ctx) {
  auto& writer = *ctx.writer;
  auto head = make_response(200, "", "text/event-stream");
  if (!co_await writer.begin(std::move(head))) co_return HttpResponse{};
  for (int i = 1; i <= 3; ++i) {
    if (!co_await writer.write("line " + std::to_string(i) + "\n")) co_return HttpResponse{};
    if (req.target() == "/stream-throw") throw std::runtime_error("mid-stream bug");
    if (req.target() == "/stream-abort") {
      writer.abort();
      co_return HttpResponse{};
    }
    (void)co_await writer.pause(20ms);
  }
  co_return HttpResponse{};
}

TEST(HttpServer, StreamedResponsesUseChunksAndKeepTheConnection) {
  Running server(fast_options(), streaming_handler);
  HttpTestClient client(server.port());
  auto head = client.start("GET", "/stream");
  ASSERT_TRUE(head) << head.error().message;
  EXPECT_EQ(head->status, 200u);
  EXPECT_EQ(head->header("Transfer-Encoding"), "chunked");
  EXPECT_FALSE(head->has_header("Content-Length"));
  for (int i = 1; i <= 3; ++i) {
    auto line = client.read_line(2s);
    ASSERT_TRUE(line) << line.error().message;
    ASSERT_TRUE(line->has_value());
    EXPECT_EQ(**line, "line " + std::to_string(i));
  }
  auto end = client.read_line(2s);
  ASSERT_TRUE(end) << end.error().message;
  EXPECT_FALSE(end->has_value());
  // Same connection, second stream.
  auto again = client.start("GET", "/stream");
  ASSERT_TRUE(again);
  auto rest = client.read_rest(2s);
  ASSERT_TRUE(rest);
  EXPECT_EQ(*rest, "line 1\nline 2\nline 3\n");
  EXPECT_EQ(client.connections_opened(), 1);
}

TEST(HttpServer, StreamedResponseToHttp10EndsWithTheConnection) {
  Running server(fast_options(), streaming_handler);
  HttpTestClient client(server.port());
  ASSERT_TRUE(client.send_raw("GET /stream HTTP/1.0\r\n\r\n"));
  auto bytes = client.read_until_closed(2s);
  ASSERT_TRUE(bytes) << bytes.error().message;
  EXPECT_TRUE(bytes->starts_with("HTTP/1.0 200 OK\r\n"));
  EXPECT_TRUE(bytes->ends_with("\r\n\r\nline 1\nline 2\nline 3\n")) << *bytes;
}

TEST(HttpServer, StreamCutShortByAThrowOrAbortClosesWithoutTheLastChunk) {
  Running server(fast_options(), streaming_handler);
  for (const char* target : {"/stream-throw", "/stream-abort"}) {
    HttpTestClient client(server.port());
    ASSERT_TRUE(client.send_raw(std::string("GET ") + target + " HTTP/1.1\r\nHost: x\r\n\r\n"));
    auto bytes = client.read_until_closed(2s);
    ASSERT_TRUE(bytes) << bytes.error().message;
    EXPECT_NE(bytes->find("line 1\n"), std::string::npos);
    EXPECT_EQ(bytes->find("\r\n0\r\n\r\n"), std::string::npos) << target;
  }
}

TEST(HttpServer, PauseEndsWhenTheClientGoesAway) {
  std::atomic<int> pause_result{0};  // 0 = still waiting, 1 = ok, 2 = error
  Running server(fast_options(),
                 [&pause_result](HttpRequest&, const RequestContext& ctx) -> asio::awaitable<HttpResponse> {
                   auto& writer = *ctx.writer;
                   (void)co_await writer.begin(make_response(200, "", "text/event-stream"));
                   (void)co_await writer.write("hello\n");
                   auto paused = co_await writer.pause(std::chrono::milliseconds::max());
                   pause_result = paused ? 1 : 2;
                   co_return HttpResponse{};
                 });
  HttpTestClient client(server.port());
  ASSERT_TRUE(client.start("GET", "/stall"));
  auto line = client.read_line(2s);
  ASSERT_TRUE(line && line->has_value());
  auto nothing = client.read_line(200ms);
  ASSERT_FALSE(nothing);
  EXPECT_TRUE(test::is_timeout(nothing.error()));
  EXPECT_EQ(pause_result.load(), 0);
  client.close();
  for (int i = 0; i < 200 && pause_result.load() == 0; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(pause_result.load(), 2);
  EXPECT_TRUE(server.wait_open_connections(0));
}

// A WebSocket echo session owned by the test: it records that it ran to its end.
struct Sessions {
  std::atomic<int> ended{0};
};

void accept_websocket(Sessions& sessions, HttpRequest req, beast::tcp_stream stream) {
  auto session = [](HttpRequest request, beast::tcp_stream s) -> asio::awaitable<void> {
    beast::websocket::stream<beast::tcp_stream> ws(std::move(s));
    co_await ws.async_accept(request, asio::use_awaitable);
    beast::flat_buffer buffer;
    co_await ws.async_read(buffer, asio::use_awaitable);
    ws.text(true);
    co_await ws.async_write(buffer.data(), asio::use_awaitable);
    co_await ws.async_close(beast::websocket::close_code::normal, asio::use_awaitable);
  };
  auto executor = stream.get_executor();
  asio::co_spawn(executor, session(std::move(req), std::move(stream)),
                 [&sessions](std::exception_ptr) { ++sessions.ended; });
}

TEST(HttpServer, UpgradeRequestsAreHandedOver) {
  Sessions sessions;
  Running server(fast_options(), echo_handler,
                 [&sessions](HttpRequest req, beast::tcp_stream stream, RequestContext ctx) {
                   EXPECT_EQ(ctx.remote_ip, "127.0.0.1");
                   EXPECT_EQ(ctx.writer, nullptr);
                   accept_websocket(sessions, std::move(req), std::move(stream));
                 });
  WebSocketTestClient ws(server.port());
  auto handshake = ws.connect("/ws", {{"X-Test", "1"}});
  ASSERT_TRUE(handshake) << handshake.error().message;
  EXPECT_EQ(handshake->status, 101u);
  EXPECT_TRUE(server.wait_open_connections(0));  // the server forgot it
  ASSERT_TRUE(ws.write_text("hello"));
  auto echoed = ws.read(2s);
  ASSERT_TRUE(echoed) << echoed.error().message;
  EXPECT_EQ(*echoed, "hello");
  EXPECT_TRUE(ws.wait_closed(2s));
  EXPECT_EQ(ws.close_code(), std::optional<std::uint16_t>(1000));
  for (int i = 0; i < 200 && sessions.ended.load() == 0; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(sessions.ended.load(), 1);

  // Plain requests still go to the handler.
  HttpTestClient client(server.port());
  auto plain = client.request("GET", "/plain");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->body, "GET /plain ");
}

TEST(HttpServer, BytesAfterAnUpgradeRequestBeforeThe101Are400) {
  Sessions sessions;
  Running server(fast_options(), echo_handler,
                 [&sessions](HttpRequest req, beast::tcp_stream stream, RequestContext) {
                   accept_websocket(sessions, std::move(req), std::move(stream));
                 });
  HttpTestClient client(server.port());
  ASSERT_TRUE(
      client.send_raw("GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
                      "\x81\x85too-early"));
  auto bytes = client.read_until_closed(2s);
  ASSERT_TRUE(bytes) << bytes.error().message;
  EXPECT_TRUE(bytes->starts_with("HTTP/1.1 400 Bad Request\r\n")) << *bytes;
  EXPECT_EQ(sessions.ended.load(), 0);
}

// Polls `flag` for up to 5 s: for a handler to be inside its body before the test goes on.
bool wait_for_flag(const std::atomic<bool>& flag) {
  for (int i = 0; i < 500 && !flag.load(); ++i) std::this_thread::sleep_for(10ms);
  return flag.load();
}

TEST(HttpServer, GracefulStopFinishesRequestsInFlightAndClosesIdleOnes) {
  std::atomic<bool> entered{false};
  std::atomic<bool> release{false};
  Running server(fast_options(),
                 [&](HttpRequest& req, const RequestContext& ctx) -> asio::awaitable<HttpResponse> {
                   if (req.target() == "/slow") {
                     entered = true;
                     // Held until the test lets go, so no timing decides the outcome.
                     while (!release.load()) co_await sleep_for(5ms);
                   }
                   co_return co_await echo_handler(req, ctx);
                 });
  HttpTestClient idle(server.port());
  ASSERT_TRUE(idle.request("GET", "/warm"));
  HttpTestClient busy(server.port());
  ASSERT_TRUE(busy.send_raw("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(wait_for_flag(entered));

  auto stopped = server.stop(10s);
  EXPECT_TRUE(idle.wait_closed(5s));  // idle keep-alive connections close at once
  EXPECT_EQ(stopped.wait_for(50ms), std::future_status::timeout);  // the slow one is still running
  HttpTestClient late(server.port());
  EXPECT_FALSE(late.request("GET", "/late"));  // no longer accepting

  release = true;
  auto reply = busy.read_reply(5s);
  ASSERT_TRUE(reply) << reply.error().message;
  EXPECT_EQ(reply->status, 200u);
  EXPECT_EQ(reply->body, "GET /slow ");
  EXPECT_EQ(reply->header("Connection"), "close");
  ASSERT_EQ(stopped.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(server.open_connections(), 0u);
}

TEST(HttpServer, StopAfterGraceCancelsHandlersThatDoNotFinish) {
  std::atomic<bool> entered{false};
  std::atomic<bool> cancelled{false};
  Running server(fast_options(), [&](HttpRequest&, const RequestContext&) -> asio::awaitable<HttpResponse> {
    entered = true;
    try {
      co_await sleep_for(1h);
    } catch (const boost::system::system_error&) {
      cancelled = true;
      throw;
    }
    co_return make_response(200, "never", "text/plain");
  });
  HttpTestClient client(server.port());
  ASSERT_TRUE(client.send_raw("GET /forever HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(wait_for_flag(entered));
  const auto start = std::chrono::steady_clock::now();
  auto stopped = server.stop(200ms);
  ASSERT_EQ(stopped.wait_for(5s), std::future_status::ready);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 150ms);
  EXPECT_TRUE(cancelled.load());
  auto bytes = client.read_until_closed(5s);
  ASSERT_TRUE(bytes);
  EXPECT_EQ(*bytes, "");
}

TEST(HttpServer, ListenReportsTheAddress) {
  asio::io_context io;
  HttpServerOptions options;
  options.host = "not-an-address";
  HttpServer server(io, options, echo_handler);
  auto result = server.listen();
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message.find("not-an-address"), std::string::npos);

  HttpServer first(io, HttpServerOptions{}, echo_handler);
  ASSERT_TRUE(first.listen());
  HttpServerOptions same;
  same.port = first.port();
  HttpServer second(io, same, echo_handler);
  auto taken = second.listen();
  ASSERT_FALSE(taken);
  EXPECT_NE(taken.error().message.find(std::to_string(first.port())), std::string::npos);
}

}  // namespace
}  // namespace mmclaw::net

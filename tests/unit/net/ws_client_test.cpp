// WsClient over real sockets on 127.0.0.1. Client and in-test servers share one io_context that the
// test thread runs in bounded steps (run_until), so no test waits forever and nothing needs locks.
// Plain servers are net::HttpServer with an upgrade handler running a scripted Beast websocket;
// TLS servers are a bare acceptor with a self-signed certificate made with the OpenSSL API.

#include "net/ws_client.hpp"

#include <gtest/gtest.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "net/http_server.hpp"
#ifdef MMSIM_BINARY
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "support/mmsim_process.hpp"
#endif

namespace mmclaw::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using ServerWs = websocket::stream<beast::tcp_stream>;

// --- the client's side ---------------------------------------------------------------------------
struct ClientEvents {
  std::vector<std::string> texts;
  std::vector<std::string> pings;
  std::vector<std::string> pongs;
  int close_calls = 0;
  int close_code = 0;
  std::string close_reason;
  bool close_clean = false;
};

WsCallbacks record_into(ClientEvents& events) {
  WsCallbacks callbacks;
  callbacks.on_text = [&events](std::string text) { events.texts.push_back(std::move(text)); };
  callbacks.on_ping = [&events](std::string payload) { events.pings.push_back(std::move(payload)); };
  callbacks.on_pong = [&events](std::string payload) { events.pongs.push_back(std::move(payload)); };
  callbacks.on_close = [&events](int code, std::string reason, bool clean) {
    ++events.close_calls;
    events.close_code = code;
    events.close_reason = std::move(reason);
    events.close_clean = clean;
  };
  return callbacks;
}

// --- the server's side ---------------------------------------------------------------------------
struct ServerSide;
using Script = std::function<asio::awaitable<void>(ServerWs&, ServerSide&)>;

struct ServerSide {
  Script script;
  std::optional<HttpRequest> request;
  bool accepted = false;
  bool ended = false;
  std::vector<std::string> received;
  int pings_seen = 0;
  int pongs_seen = 0;
  std::optional<int> close_code_seen;  // the client's close frame
  std::string read_error;              // why the server's last read ended
};

// Reads until the connection ends, recording texts and the client's close frame.
asio::awaitable<void> read_all(ServerWs& ws, ServerSide& side) {
  beast::flat_buffer buffer;
  for (;;) {
    beast::error_code ec;
    co_await ws.async_read(buffer, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      side.read_error = ec.message();
      if (ec == websocket::error::closed) side.close_code_seen = ws.reason().code;
      co_return;
    }
    side.received.push_back(beast::buffers_to_string(buffer.data()));
    buffer.consume(buffer.size());
  }
}

asio::awaitable<void> echo(ServerWs& ws, ServerSide& side) {
  beast::flat_buffer buffer;
  for (;;) {
    beast::error_code ec;
    co_await ws.async_read(buffer, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    std::string text = beast::buffers_to_string(buffer.data());
    buffer.consume(buffer.size());
    side.received.push_back(text);
    std::string reply = "echo:" + text;
    ws.text(true);
    co_await ws.async_write(asio::buffer(reply), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
  }
}

asio::awaitable<void> sleep_for(std::chrono::milliseconds duration) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  timer.expires_after(duration);
  beast::error_code ec;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

// Keeps the connection open without reading or writing anything.
asio::awaitable<void> silent(ServerWs&, ServerSide&) {
  co_await sleep_for(60s);
}

asio::awaitable<void> session(ServerSide& side, HttpRequest request, beast::tcp_stream stream) {
  ServerWs ws(std::move(stream));
  ws.control_callback([&side](websocket::frame_type kind, beast::string_view) {
    if (kind == websocket::frame_type::ping) ++side.pings_seen;
    if (kind == websocket::frame_type::pong) ++side.pongs_seen;
  });
  co_await ws.async_accept(request, asio::use_awaitable);
  side.accepted = true;
  co_await side.script(ws, side);
}

HttpServerOptions server_options() {
  HttpServerOptions options;
  options.header_timeout = 2s;
  options.body_timeout = 2s;
  options.idle_timeout = 5s;
  options.write_timeout = 2s;
  return options;
}

asio::awaitable<HttpResponse> refusing_handler(HttpRequest& request, const RequestContext&) {
  if (request.target() == "/unauthorized")
    co_return make_response(401, "{\"id\":\"no\"}", "application/json");
  co_return make_response(503, "maintenance", "text/plain");
}

// --- TLS -----------------------------------------------------------------------------------------
struct TestCert {
  std::string cert_pem;
  std::string key_pem;
};

std::string bio_string(BIO* bio) {
  std::string out(BIO_ctrl_pending(bio), '\0');
  if (!out.empty())
    out.resize(static_cast<std::size_t>(BIO_read(bio, out.data(), static_cast<int>(out.size()))));
  return out;
}

// A self-signed certificate (EC P-256) for `san`, e.g. "DNS:localhost,IP:127.0.0.1".
TestCert make_self_signed(const std::string& san) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"),
                                                          &EVP_PKEY_free);
  std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), &X509_free);
  if (!key || !cert) throw std::runtime_error("openssl: key or certificate allocation failed");
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  const std::string cn = "mmclaw test";
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn.c_str()), -1,
                             -1, 0);
  X509_set_issuer_name(cert.get(), name);
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, san.c_str());
  if (ext == nullptr) throw std::runtime_error("openssl: bad subjectAltName");
  X509_add_ext(cert.get(), ext, -1);
  X509_EXTENSION_free(ext);
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) throw std::runtime_error("openssl: sign failed");

  std::unique_ptr<BIO, decltype(&BIO_free)> cert_bio(BIO_new(BIO_s_mem()), &BIO_free);
  std::unique_ptr<BIO, decltype(&BIO_free)> key_bio(BIO_new(BIO_s_mem()), &BIO_free);
  PEM_write_bio_X509(cert_bio.get(), cert.get());
  PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  return {bio_string(cert_bio.get()), bio_string(key_bio.get())};
}

struct TlsServerSide {
  bool accepted = false;
  std::string sni;
  std::string handshake_error;
  std::vector<std::string> received;
};

// One TLS websocket connection: handshake, then echo.
asio::awaitable<void> tls_echo_server(tcp::acceptor& acceptor, ssl::context& tls, TlsServerSide& side) {
  auto socket = co_await acceptor.async_accept(asio::use_awaitable);
  websocket::stream<beast::ssl_stream<beast::tcp_stream>> ws(beast::tcp_stream(std::move(socket)), tls);
  beast::error_code ec;
  co_await ws.next_layer().async_handshake(ssl::stream_base::server,
                                           asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    side.handshake_error = ec.message();
    co_return;
  }
  if (const char* sni = SSL_get_servername(ws.next_layer().native_handle(), TLSEXT_NAMETYPE_host_name))
    side.sni = sni;
  co_await ws.async_accept(asio::use_awaitable);
  side.accepted = true;
  beast::flat_buffer buffer;
  for (;;) {
    co_await ws.async_read(buffer, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    std::string text = beast::buffers_to_string(buffer.data());
    buffer.consume(buffer.size());
    side.received.push_back(text);
    std::string reply = "tls:" + text;
    co_await ws.async_write(asio::buffer(reply), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
  }
}

// --- fixture -------------------------------------------------------------------------------------
class WsClientTest : public ::testing::Test {
 protected:
  WsClientTest() : guard_(asio::make_work_guard(io_)) {}

  // Runs the io_context until `done` holds or `limit` passes; true when `done` holds.
  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds limit = 5s) {
    const auto deadline = Clock::now() + limit;
    while (!done()) {
      if (Clock::now() >= deadline) return false;
      io_.run_one_for(5ms);
    }
    return true;
  }
  void run_for(std::chrono::milliseconds duration) {
    const auto deadline = Clock::now() + duration;
    while (Clock::now() < deadline) io_.run_one_for(5ms);
  }

  Result<void> connect(WsClient& client, const std::string& url, WsHeaders headers = {},
                       ssl::context* tls = nullptr) {
    std::optional<Result<void>> result;
    asio::co_spawn(io_, client.connect(url, std::move(headers), tls),
                   [&result](std::exception_ptr error, Result<void> value) {
                     if (error) std::rethrow_exception(error);
                     result = std::move(value);
                   });
    if (!run_until([&] { return result.has_value(); }, 10s))
      return fail(Error::transient("test: connect hung"));
    return *result;
  }

  // Starts an HttpServer whose upgrades run `script` with `side`.
  void serve(ServerSide& side, Script script) {
    side.script = std::move(script);
    server_ = std::make_unique<HttpServer>(
        io_, server_options(), refusing_handler,
        [&side](HttpRequest request, beast::tcp_stream stream, RequestContext) {
          side.request = request;
          auto executor = stream.get_executor();
          asio::co_spawn(executor, session(side, std::move(request), std::move(stream)),
                         [&side](std::exception_ptr) { side.ended = true; });
        });
    auto listening = server_->listen();
    if (!listening) throw std::runtime_error(listening.error().message);
    server_->start();
  }
  void serve_refusing() {
    server_ = std::make_unique<HttpServer>(io_, server_options(), refusing_handler);
    auto listening = server_->listen();
    if (!listening) throw std::runtime_error(listening.error().message);
    server_->start();
  }
  std::string url(const std::string& path = "/api/v4/websocket") const {
    return "ws://127.0.0.1:" + std::to_string(server_->port()) + path;
  }

  // Connects a client to a server running `script`; asserts on failure.
  void open(WsClient& client, ServerSide& side, Script script) {
    serve(side, std::move(script));
    auto connected = connect(client, url());
    ASSERT_TRUE(connected) << connected.error().message;
    ASSERT_TRUE(run_until([&] { return side.accepted; }));
  }

  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> guard_;
  std::unique_ptr<HttpServer> server_;
};

// --- tests ---------------------------------------------------------------------------------------

TEST_F(WsClientTest, TextBothWaysWithTheHeadersGivenAndNoOrigin) {
  ServerSide side;
  serve(side, echo);
  ClientEvents events;
  WsClient client(io_.get_executor(), record_into(events));
  EXPECT_EQ(client.state(), WsClient::State::idle);
  WsHeaders headers{{"Authorization", "Bearer sekrit-token"}};
  auto connected = connect(client, url("/api/v4/websocket?connection_id=c1&sequence_number=5"), headers);
  ASSERT_TRUE(connected) << connected.error().message;
  EXPECT_TRUE(client.is_open());
  ASSERT_TRUE(client.send_text("hello"));
  ASSERT_TRUE(client.send_text("world"));
  ASSERT_TRUE(run_until([&] { return events.texts.size() == 2; }));
  EXPECT_EQ(events.texts, (std::vector<std::string>{"echo:hello", "echo:world"}));
  EXPECT_EQ(side.received, (std::vector<std::string>{"hello", "world"}));
  ASSERT_TRUE(side.request);
  EXPECT_EQ((*side.request)[http::field::authorization], "Bearer sekrit-token");
  EXPECT_EQ(side.request->target(), "/api/v4/websocket?connection_id=c1&sequence_number=5");
  EXPECT_EQ(side.request->count(http::field::origin), 0u);
  EXPECT_EQ((*side.request)[http::field::host], "127.0.0.1:" + std::to_string(server_->port()));
  EXPECT_EQ(events.close_calls, 0);
}

asio::awaitable<void> ping_then_read(ServerWs& ws, ServerSide& side) {
  co_await ws.async_ping(websocket::ping_data("srv-1"), asio::use_awaitable);
  co_await read_all(ws, side);
}

TEST_F(WsClientTest, ServerPingsAreAnsweredWithPongsAndReported) {
  ServerSide side;
  ClientEvents events;
  WsClient client(io_.get_executor(), record_into(events));
  open(client, side, ping_then_read);
  ASSERT_TRUE(run_until([&] { return side.pongs_seen == 1 && events.pings.size() == 1; }));
  EXPECT_EQ(events.pings, std::vector<std::string>{"srv-1"});
  EXPECT_TRUE(events.pongs.empty());
}

TEST_F(WsClientTest, ClientPingGetsAPongReported) {
  ServerSide side;
  ClientEvents events;
  WsClient client(io_.get_executor(), record_into(events));
  open(client, side, read_all);
  ASSERT_TRUE(client.send_ping("cli-1"));
  ASSERT_TRUE(run_until([&] { return events.pongs.size() == 1; }));
  EXPECT_EQ(events.pongs, std::vector<std::string>{"cli-1"});
  EXPECT_EQ(side.pings_seen, 1);
  EXPECT_FALSE(client.send_ping(std::string(126, 'x')));  // longer than a control frame allows
}

asio::awaitable<void> close_4003(ServerWs& ws, ServerSide&) {
  websocket::close_reason reason(static_cast<websocket::close_code>(4003), "go away");
  co_await ws.async_close(reason, asio::use_awaitable);
}

TEST_F(WsClientTest, ServerCloseFrameCodeAndReasonAreDeliveredOnce) {
  ServerSide side;
  ClientEvents events;
  WsClient client(io_.get_executor(), record_into(events));
  open(client, side, close_4003);
  ASSERT_TRUE(run_until([&] { return events.close_calls > 0; }));
  EXPECT_EQ(events.close_code, 4003);
  EXPECT_EQ(events.close_reason, "go away");
  EXPECT_TRUE(events.close_clean);
  EXPECT_EQ(client.state(), WsClient::State::closed);
  EXPECT_FALSE(client.send_text("late"));
  client.terminate("after the end");  // no second report
  run_for(100ms);
  EXPECT_EQ(events.close_calls, 1);
}

asio::awaitable<void> empty_close(ServerWs& ws, ServerSide&) {
  co_await ws.async_close(websocket::close_reason{}, asio::use_awaitable);
}

TEST_F(WsClientTest, EmptyCloseFrameIs1005) {
  ServerSide side;
  ClientEvents events;
  WsClient client(io_.get_executor(), record_into(events));
  open(client, side, empty_close);
  ASSERT_TRUE(run_until([&] { return events.close_calls > 0; }));
  EXPECT_EQ(events.close_code, 1005);
  EXPECT_TRUE(events.close_clean);
}

asio::awaitable<void> drop(ServerWs& ws, ServerSide&) {
  beast::get_lowest_layer(ws).socket().close();
  co_return;
}

TEST_F(WsClientTest, TcpDropIs1006) {
  ServerSide side;
  ClientEvents events;
  WsClient client(io_.get_executor(), record_into(events));
  open(client, side, drop);
  ASSERT_TRUE(run_until([&] { return events.close_calls > 0; }));
  EXPECT_EQ(events.close_code, 1006);
  EXPECT_FALSE(events.close_clean);
  EXPECT_FALSE(events.close_reason.empty());
}

TEST_F(WsClientTest, IdleDeadlineFiresWhenTheServerGoesSilent) {
  ServerSide side;
  ClientEvents events;
  WsClientOptions options;
  options.idle_timeout = 300ms;
  WsClient client(io_.get_executor(), record_into(events), options);
  open(client, side, silent);
  const auto start = Clock::now();
  ASSERT_TRUE(run_until([&] { return events.close_calls > 0; }));
  const auto elapsed = Clock::now() - start;
  EXPECT_GE(elapsed, 250ms);
  EXPECT_LT(elapsed, 3s);
  EXPECT_EQ(events.close_code, 1006);
  EXPECT_FALSE(events.close_clean);
  EXPECT_NE(events.close_reason.find("no frame from the server for 300 ms"), std::string::npos)
      << events.close_reason;
}

asio::awaitable<void> ping_every_100ms(ServerWs& ws, ServerSide&) {
  for (int i = 0; i < 20; ++i) {
    co_await ws.async_ping(websocket::ping_data{}, asio::use_awaitable);
    co_await sleep_for(100ms);
  }
  co_await sleep_for(60s);  // then silence, with the connection open
}

TEST_F(WsClientTest, ServerPingsKeepTheIdleDeadlineAway) {
  ServerSide side;
  ClientEvents events;
  WsClientOptions options;
  options.idle_timeout = 400ms;
  WsClient client(io_.get_executor(), record_into(events), options);
  open(client, side, ping_every_100ms);
  run_for(1200ms);  // three idle periods, pinged all along
  EXPECT_EQ(events.close_calls, 0);
  EXPECT_GE(events.pings.size(), 5u);
  // Pings stop after 2 s; the deadline then fires.
  ASSERT_TRUE(run_until([&] { return events.close_calls > 0; }));
  EXPECT_NE(events.close_reason.find("no frame"), std::string::npos);
}

TEST_F(WsClientTest, TerminateIsImmediate) {
  ServerSide side;
  ClientEvents events;
  WsClient client(io_.get_executor(), record_into(events));
  open(client, side, read_all);
  ASSERT_TRUE(client.send_text("queued, never sent"));
  client.terminate("pong timeout");
  EXPECT_EQ(client.state(), WsClient::State::closed);
  EXPECT_EQ(client.queued_frames(), 0u);
  EXPECT_FALSE(client.send_text("after"));
  EXPECT_EQ(events.close_calls, 0);  // never from inside terminate()
  ASSERT_TRUE(run_until([&] { return events.close_calls > 0 && side.ended; }, 2s));
  EXPECT_EQ(events.close_code, 1006);
  EXPECT_EQ(events.close_reason, "pong timeout");
  EXPECT_FALSE(events.close_clean);
  EXPECT_FALSE(side.close_code_seen);  // no close handshake
  EXPECT_TRUE(side.received.empty());
}

TEST_F(WsClientTest, PoliteCloseSendsTheCodeAndWaitsForTheAnswer) {
  ServerSide side;
  ClientEvents events;
  WsClient client(io_.get_executor(), record_into(events));
  open(client, side, read_all);
  ASSERT_TRUE(client.send_text("last words"));
  client.close(1000, "bye");
  EXPECT_EQ(client.state(), WsClient::State::closing);
  EXPECT_FALSE(client.send_text("too late"));
  ASSERT_TRUE(run_until([&] { return events.close_calls > 0; }));
  EXPECT_EQ(side.received, std::vector<std::string>{"last words"});
  EXPECT_EQ(side.close_code_seen, std::optional<int>(1000));
  EXPECT_EQ(events.close_code, 1000);
  EXPECT_TRUE(events.close_clean);
  run_for(50ms);
  EXPECT_EQ(events.close_calls, 1);
}

TEST_F(WsClientTest, PoliteCloseIsBoundedWhenTheServerNeverAnswers) {
  ServerSide side;
  ClientEvents events;
  WsClientOptions options;
  options.close_timeout = 300ms;
  WsClient client(io_.get_executor(), record_into(events), options);
  open(client, side, silent);
  client.close(4000, "ping timeout");
  ASSERT_TRUE(run_until([&] { return events.close_calls > 0; }, 3s));
  EXPECT_EQ(events.close_code, 1006);
  EXPECT_FALSE(events.close_clean);
  EXPECT_NE(events.close_reason.find("close handshake timed out"), std::string::npos) << events.close_reason;
}

TEST_F(WsClientTest, WriteQueueKeepsOrderUnderManySends) {
  ServerSide side;
  ClientEvents events;
  WsClient client(io_.get_executor(), record_into(events));
  open(client, side, read_all);
  constexpr int kFrames = 500;
  for (int i = 0; i < kFrames; ++i) {
    ASSERT_TRUE(client.send_text("m" + std::to_string(i)));
    if (i % 50 == 0) {
      ASSERT_TRUE(client.send_ping());  // pings share the queue
    }
    if (i % 100 == 0) io_.poll();  // let some writes start mid-way
  }
  ASSERT_TRUE(run_until([&] { return side.received.size() == kFrames; }));
  for (int i = 0; i < kFrames; ++i)
    ASSERT_EQ(side.received[static_cast<std::size_t>(i)], "m" + std::to_string(i));
  ASSERT_TRUE(run_until([&] { return events.pongs.size() == 10; }));
  EXPECT_EQ(events.close_calls, 0);
}

TEST_F(WsClientTest, FullQueueFailsTheSendAndTerminates) {
  ServerSide side;
  ClientEvents events;
  WsClientOptions options;
  options.max_queued_frames = 4;
  WsClient client(io_.get_executor(), record_into(events), options);
  open(client, side, read_all);
  // Nothing runs between these calls, so nothing leaves the queue.
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(client.send_text("f" + std::to_string(i)));
  auto full = client.send_text("one too many");
  ASSERT_FALSE(full);
  EXPECT_NE(full.error().message.find("write queue full (4 frames)"), std::string::npos);
  EXPECT_EQ(client.state(), WsClient::State::closed);
  ASSERT_TRUE(run_until([&] { return events.close_calls > 0; }));
  EXPECT_EQ(events.close_code, 1006);
  EXPECT_NE(events.close_reason.find("write queue full"), std::string::npos);
}

asio::awaitable<void> oversized(ServerWs& ws, ServerSide& side) {
  std::string big(2048, 'x');
  ws.text(true);
  co_await ws.async_write(asio::buffer(big), asio::use_awaitable);
  co_await read_all(ws, side);
}

TEST_F(WsClientTest, OversizedMessageFromTheServerIs1009) {
  ServerSide side;
  ClientEvents events;
  WsClientOptions options;
  options.max_message_bytes = 1024;
  WsClient client(io_.get_executor(), record_into(events), options);
  open(client, side, oversized);
  ASSERT_TRUE(run_until([&] { return events.close_calls > 0; }));
  EXPECT_EQ(events.close_code, 1009);
  EXPECT_FALSE(events.close_clean);
  EXPECT_TRUE(events.texts.empty());
}

TEST_F(WsClientTest, RefusedHandshakeReportsTheStatus) {
  serve_refusing();
  ClientEvents events;
  {
    WsClient client(io_.get_executor(), record_into(events));
    auto result = connect(client, url("/maintenance"));
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().status, 503);
    EXPECT_EQ(result.error().kind, ErrorKind::transient);
    EXPECT_EQ(client.state(), WsClient::State::closed);
    EXPECT_FALSE(client.send_text("x"));
  }
  {
    WsClient client(io_.get_executor(), record_into(events));
    auto result = connect(client, url("/unauthorized"));
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().status, 401);
    EXPECT_EQ(result.error().kind, ErrorKind::auth);
  }
  run_for(50ms);
  EXPECT_EQ(events.close_calls, 0);  // a connection that never opened has no on_close
}

TEST_F(WsClientTest, BadUrlsAndReuseAreInvalidInput) {
  ClientEvents events;
  WsClient client(io_.get_executor(), record_into(events));
  auto http = connect(client, "http://127.0.0.1:1/");
  ASSERT_FALSE(http);
  EXPECT_EQ(http.error().kind, ErrorKind::invalid_input);
  WsClient tls_less(io_.get_executor(), record_into(events));
  auto wss = connect(tls_less, "wss://127.0.0.1:1/");
  ASSERT_FALSE(wss);
  EXPECT_EQ(wss.error().kind, ErrorKind::invalid_input);

  ServerSide side;
  WsClient used(io_.get_executor(), record_into(events));
  open(used, side, read_all);
  auto again = connect(used, url());
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().kind, ErrorKind::invalid_input);
  EXPECT_TRUE(used.is_open());
}

TEST_F(WsClientTest, ConnectionRefusedIsTransient) {
  // A port that was just free: bind, read it, close.
  tcp::acceptor probe(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const auto port = probe.local_endpoint().port();
  probe.close();
  ClientEvents events;
  WsClient client(io_.get_executor(), record_into(events));
  auto result = connect(client, "ws://127.0.0.1:" + std::to_string(port) + "/");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, ErrorKind::transient);
  EXPECT_NE(result.error().message.find("connect"), std::string::npos) << result.error().message;
}

TEST_F(WsClientTest, UpgradeThatNeverAnswersTimesOut) {
  // Accepts TCP, never answers the upgrade request.
  tcp::acceptor acceptor(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  tcp::socket peer(io_);
  acceptor.async_accept(peer, [](beast::error_code) {});
  ClientEvents events;
  WsClientOptions options;
  options.handshake_timeout = 300ms;
  WsClient client(io_.get_executor(), record_into(events), options);
  const auto start = Clock::now();
  auto result = connect(client, "ws://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port()) + "/");
  ASSERT_FALSE(result);
  EXPECT_LT(Clock::now() - start, 3s);
  EXPECT_EQ(result.error().kind, ErrorKind::transient);
  EXPECT_NE(result.error().message.find("upgrade timed out after 300 ms"), std::string::npos)
      << result.error().message;
}

TEST_F(WsClientTest, TerminateWhileConnectingFailsTheConnect) {
  tcp::acceptor acceptor(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  tcp::socket peer(io_);
  acceptor.async_accept(peer, [](beast::error_code) {});
  ClientEvents events;
  WsClient client(io_.get_executor(), record_into(events));
  std::optional<Result<void>> result;
  asio::co_spawn(io_,
                 client.connect("ws://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port()) + "/"),
                 [&result](std::exception_ptr, Result<void> value) { result = std::move(value); });
  ASSERT_TRUE(run_until([&] { return peer.is_open(); }));
  EXPECT_EQ(client.state(), WsClient::State::connecting);
  client.terminate("account stopped");
  ASSERT_TRUE(run_until([&] { return result.has_value(); }, 2s));
  ASSERT_FALSE(*result);
  EXPECT_NE(result->error().message.find("account stopped"), std::string::npos) << result->error().message;
  EXPECT_EQ(events.close_calls, 0);
}

TEST_F(WsClientTest, DestroyingTheClientClosesTheSocketWithoutCallbacks) {
  ServerSide side;
  ClientEvents events;
  auto client = std::make_unique<WsClient>(io_.get_executor(), record_into(events));
  open(*client, side, read_all);
  ASSERT_TRUE(client->send_text("x"));
  client.reset();
  ASSERT_TRUE(run_until([&] { return side.ended; }, 2s));
  run_for(50ms);
  EXPECT_EQ(events.close_calls, 0);
}

TEST_F(WsClientTest, ACallbackMayDestroyTheClient) {
  ServerSide side;
  ClientEvents events;
  std::unique_ptr<WsClient> client;
  WsCallbacks callbacks = record_into(events);
  callbacks.on_text = [&](std::string text) {
    events.texts.push_back(std::move(text));
    client.reset();  // the monitor replacing its socket from a callback
  };
  client = std::make_unique<WsClient>(io_.get_executor(), std::move(callbacks));
  open(*client, side, echo);
  ASSERT_TRUE(client->send_text("a"));
  ASSERT_TRUE(run_until([&] { return !client; }));
  ASSERT_TRUE(run_until([&] { return side.ended; }, 2s));
  EXPECT_EQ(events.texts, std::vector<std::string>{"echo:a"});
  EXPECT_EQ(events.close_calls, 0);
}

// --- TLS -----------------------------------------------------------------------------------------
class WsClientTlsTest : public WsClientTest {
 protected:
  // Starts a TLS echo server with a certificate for `san`; the client trusts that certificate.
  void serve_tls(const std::string& san) {
    const TestCert cert = make_self_signed(san);
    server_tls_.use_certificate_chain(asio::buffer(cert.cert_pem));
    server_tls_.use_private_key(asio::buffer(cert.key_pem), ssl::context::pem);
    client_tls_.add_certificate_authority(asio::buffer(cert.cert_pem));
    acceptor_.emplace(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    asio::co_spawn(io_, tls_echo_server(*acceptor_, server_tls_, tls_side_), [](std::exception_ptr) {});
  }
  std::string wss_url(const std::string& host) const {
    return "wss://" + host + ":" + std::to_string(acceptor_->local_endpoint().port()) + "/api/v4/websocket";
  }

  ssl::context server_tls_{ssl::context::tls_server};
  ssl::context client_tls_{ssl::context::tls_client};
  std::optional<tcp::acceptor> acceptor_;
  TlsServerSide tls_side_;
};

TEST_F(WsClientTlsTest, WssWithATrustedCertificateAndSni) {
  serve_tls("DNS:localhost,IP:127.0.0.1");
  ClientEvents events;
  WsClient client(io_.get_executor(), record_into(events));
  auto connected = connect(client, wss_url("localhost"), {}, &client_tls_);
  ASSERT_TRUE(connected) << connected.error().message;
  EXPECT_EQ(tls_side_.sni, "localhost");
  ASSERT_TRUE(client.send_text("secret"));
  ASSERT_TRUE(run_until([&] { return events.texts.size() == 1; }));
  EXPECT_EQ(events.texts, std::vector<std::string>{"tls:secret"});
  client.close();
  ASSERT_TRUE(run_until([&] { return events.close_calls > 0; }));
  EXPECT_EQ(events.close_code, 1000);
  EXPECT_TRUE(events.close_clean);
}

TEST_F(WsClientTlsTest, WssByIpAddressVerifiesTheIpSan) {
  serve_tls("IP:127.0.0.1");
  ClientEvents events;
  WsClient client(io_.get_executor(), record_into(events));
  auto connected = connect(client, wss_url("127.0.0.1"), {}, &client_tls_);
  ASSERT_TRUE(connected) << connected.error().message;
  EXPECT_EQ(tls_side_.sni, "");  // no SNI for an address
}

TEST_F(WsClientTlsTest, HostNameMismatchFails) {
  serve_tls("DNS:other.example");
  ClientEvents events;
  WsClient client(io_.get_executor(), record_into(events));
  auto connected = connect(client, wss_url("127.0.0.1"), {}, &client_tls_);
  ASSERT_FALSE(connected);
  EXPECT_NE(connected.error().message.find("TLS handshake failed"), std::string::npos)
      << connected.error().message;
  EXPECT_FALSE(tls_side_.accepted);
}

TEST_F(WsClientTlsTest, UntrustedCertificateFailsEvenWithAPermissiveContext) {
  serve_tls("DNS:localhost,IP:127.0.0.1");
  ssl::context permissive(ssl::context::tls_client);  // trusts nothing, verify_none by default
  ClientEvents events;
  WsClient client(io_.get_executor(), record_into(events));
  auto connected = connect(client, wss_url("localhost"), {}, &permissive);
  ASSERT_FALSE(connected);
  EXPECT_NE(connected.error().message.find("TLS handshake failed"), std::string::npos)
      << connected.error().message;
  EXPECT_FALSE(tls_side_.accepted);
}

// --- end to end against the real mmsim (protocol reference §1.2, §1.3) ---------------------------
#ifdef MMSIM_BINARY
using test::mmsim_demo::kBotToken;

// A frame's top-level field as JSON text ("" when absent or not JSON).
std::string field(const std::string& frame, std::string_view key) {
  boost::system::error_code ec;
  auto value = boost::json::parse(frame, ec);
  if (ec || !value.is_object() || !value.as_object().contains(key)) return {};
  return boost::json::serialize(value.as_object().at(key));
}

// The real mmsim with the demo fixture (tests/support/mmsim_process.hpp), and its WebSocket URL.
class Mmsim : public test::MmsimProcess {
 public:
  [[nodiscard]] std::string url(const std::string& query = {}) const {
    return "ws://127.0.0.1:" + std::to_string(port()) + "/api/v4/websocket" + query;
  }
};

TEST_F(WsClientTest, MmsimSendsHelloForATokenAtUpgrade) {
  Mmsim mmsim;
  ClientEvents events;
  WsClient client(io_.get_executor(), record_into(events));
  WsHeaders headers{{"Authorization", "Bearer " + std::string(kBotToken)}};
  auto connected = connect(client, mmsim.url(), headers);
  ASSERT_TRUE(connected) << connected.error().message;
  ASSERT_TRUE(run_until([&] { return !events.texts.empty(); }));
  EXPECT_EQ(field(events.texts[0], "event"), "\"hello\"") << events.texts[0];
  EXPECT_EQ(field(events.texts[0], "seq"), "0") << events.texts[0];
  // The action round trip (§1.4) answers with a reply frame.
  ASSERT_TRUE(client.send_text(R"({"seq":1,"action":"ping"})"));
  ASSERT_TRUE(run_until([&] { return events.texts.size() >= 2; }));
  EXPECT_EQ(field(events.texts.back(), "seq_reply"), "1") << events.texts.back();
  client.close();
  ASSERT_TRUE(run_until([&] { return events.close_calls > 0; }));
  EXPECT_EQ(events.close_code, 1000);
}

TEST_F(WsClientTest, MmsimChallengeAuthAndQueryTokenRefusal) {
  Mmsim mmsim;
  ClientEvents events;
  WsClient client(io_.get_executor(), record_into(events));
  auto connected = connect(client, mmsim.url());
  ASSERT_TRUE(connected) << connected.error().message;
  const std::string challenge =
      R"({"seq":1,"action":"authentication_challenge","data":{"token":")" + std::string(kBotToken) + R"("}})";
  ASSERT_TRUE(client.send_text(challenge));
  ASSERT_TRUE(run_until([&] { return events.texts.size() >= 2; }));
  EXPECT_EQ(field(events.texts[0], "event"), "\"hello\"") << events.texts[0];
  EXPECT_EQ(field(events.texts[1], "status"), "\"OK\"") << events.texts[1];
  EXPECT_EQ(field(events.texts[1], "seq_reply"), "1") << events.texts[1];

  WsClient refused(io_.get_executor(), record_into(events));
  auto result = connect(refused, mmsim.url("?access_token=" + std::string(kBotToken)));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().status, 401);
  EXPECT_EQ(result.error().kind, ErrorKind::auth);
  EXPECT_EQ(result.error().message.find(kBotToken), std::string::npos);  // no secret in errors
}
#endif

}  // namespace
}  // namespace mmclaw::net

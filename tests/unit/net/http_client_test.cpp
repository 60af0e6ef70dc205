// HttpClient over real sockets on 127.0.0.1 (HttpServer, a Beast TLS server, a CONNECT proxy), and
// the pure proxy-settings functions. Client and servers share one io_context thread; every wait
// is bounded.

#include "net/http_client.hpp"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <stdexcept>

#include "http_client_test_support.hpp"
#include "net/proxy.hpp"

namespace mmclaw::net {
namespace {

using namespace std::chrono_literals;
using test::Rig;
namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

std::string url(std::uint16_t port, std::string_view path, std::string_view host = "127.0.0.1",
                std::string_view scheme = "http") {
  return std::string(scheme) + "://" + std::string(host) + ":" + std::to_string(port) + std::string(path);
}

// Echoes method, target and body; `/conn` answers with the connection id.
asio::awaitable<HttpResponse> echo_handler(HttpRequest& req, const RequestContext& ctx) {
  if (req.target() == "/conn") co_return make_response(200, std::to_string(ctx.connection_id), "text/plain");
  if (req.target() == "/close") co_return make_response(200, "bye", "text/plain", 11, false);
  if (req.target() == "/redirect") {
    auto res = make_response(302, "", "text/plain");
    res.set(http::field::location, "/elsewhere");
    co_return res;
  }
  if (req.target() == "/big") co_return make_response(200, std::string(2000, 'x'), "text/plain");
  if (req.target() == "/auth") {
    co_return make_response(200, std::string(req[http::field::authorization]), "text/plain");
  }
  co_return make_response(
      200, std::string(req.method_string()) + " " + std::string(req.target()) + " " + req.body(),
      "text/plain");
}

std::int64_t elapsed_ms(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

// ---------------------------------------------------------------------------------------------
// Plain HTTP

TEST(HttpClient, GetAndPostRoundTrip) {
  Rig rig;
  const auto port = rig.serve(echo_handler);
  rig.make_client();
  auto get = rig.get(url(port, "/a?x=1"));
  ASSERT_TRUE(get) << get.error().message;
  EXPECT_EQ(get->status, 200u);
  EXPECT_EQ(get->body, "GET /a?x=1 ");
  ASSERT_TRUE(get->header("content-type"));
  EXPECT_EQ(*get->header("CONTENT-TYPE"), "text/plain");
  EXPECT_FALSE(get->header("X-Missing"));

  HttpClientRequest post;
  post.method = "POST";
  post.url = url(port, "/b");
  post.headers.emplace_back("Content-Type", "application/json");
  post.body = "{\"k\":1}";
  auto posted = rig.send(post);
  ASSERT_TRUE(posted) << posted.error().message;
  EXPECT_EQ(posted->body, "POST /b {\"k\":1}");

  HttpClientRequest with_auth;
  with_auth.url = url(port, "/auth");
  with_auth.headers.emplace_back("Authorization", "Bearer abc123456789");
  auto auth = rig.send(with_auth);
  ASSERT_TRUE(auth);
  EXPECT_EQ(auth->body, "Bearer abc123456789");
  EXPECT_EQ(rig.stats().requests, 3u);
}

TEST(HttpClient, KeepAliveReusesTheConnection) {
  Rig rig;
  const auto port = rig.serve(echo_handler);
  rig.make_client();
  auto first = rig.get(url(port, "/conn"));
  auto second = rig.get(url(port, "/conn"));
  auto third = rig.get(url(port, "/conn"));
  ASSERT_TRUE(first && second && third);
  EXPECT_EQ(first->body, second->body);
  EXPECT_EQ(first->body, third->body);
  const auto stats = rig.stats();
  EXPECT_EQ(stats.connections_opened, 1u);
  EXPECT_EQ(stats.connections_reused, 2u);
}

TEST(HttpClient, HeadKeepsTheConnectionInStep) {
  Rig rig;
  const auto port = rig.serve(echo_handler);
  rig.make_client();
  HttpClientRequest head;
  head.method = "HEAD";
  head.url = url(port, "/thing");
  auto headed = rig.send(head);
  ASSERT_TRUE(headed) << headed.error().message;
  EXPECT_EQ(headed->body, "");
  auto next = rig.get(url(port, "/x"));
  ASSERT_TRUE(next) << next.error().message;
  EXPECT_EQ(next->body, "GET /x ");
  EXPECT_EQ(rig.stats().connections_opened, 1u);
}

TEST(HttpClient, ConnectionCloseResponseIsNotPooled) {
  Rig rig;
  const auto port = rig.serve(echo_handler);
  auto& client = rig.make_client();
  ASSERT_TRUE(rig.get(url(port, "/close")));
  EXPECT_EQ(rig.on_io([&] { return client.idle_connections(); }), 0u);
  ASSERT_TRUE(rig.get(url(port, "/conn")));
  EXPECT_EQ(rig.on_io([&] { return client.idle_connections(); }), 1u);
  EXPECT_EQ(rig.stats().connections_opened, 2u);
}

TEST(HttpClient, AConnectionTheServerClosedIsNotReused) {
  Rig rig;
  auto options = Rig::fast_server_options();
  options.idle_timeout = 150ms;  // the server drops idle keep-alive connections quickly
  const auto port = rig.serve(echo_handler, options);
  rig.make_client();
  auto first = rig.get(url(port, "/conn"));
  ASSERT_TRUE(first);
  std::this_thread::sleep_for(600ms);
  auto second = rig.get(url(port, "/conn"));
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_NE(first->body, second->body);
  const auto stats = rig.stats();
  EXPECT_EQ(stats.stale_discarded, 1u);
  EXPECT_EQ(stats.retries, 0u);
  EXPECT_EQ(stats.connections_opened, 2u);
}

TEST(HttpClient, IdleConnectionsExpire) {
  Rig rig;
  const auto port = rig.serve(echo_handler);
  HttpClientOptions options;
  options.idle_expiry = 100ms;
  rig.make_client(options);
  auto first = rig.get(url(port, "/conn"));
  std::this_thread::sleep_for(300ms);
  auto second = rig.get(url(port, "/conn"));
  ASSERT_TRUE(first && second);
  EXPECT_NE(first->body, second->body);
  EXPECT_EQ(rig.stats().stale_discarded, 1u);
}

TEST(HttpClient, IdleConnectionsPerOriginAreCapped) {
  Rig rig;
  const auto port = rig.serve([](HttpRequest&, const RequestContext& ctx) -> asio::awaitable<HttpResponse> {
    co_await ctx.writer->pause(100ms);  // keeps the requests overlapping
    co_return make_response(200, "ok", "text/plain");
  });
  HttpClientOptions options;
  options.max_idle_per_origin = 2;
  auto& client = rig.make_client(options);
  std::vector<std::future<Result<HttpClientResponse>>> futures;
  for (int i = 0; i < 4; ++i) {
    HttpClientRequest request;
    request.url = url(port, "/x");
    futures.push_back(asio::co_spawn(rig.io(), client.send(request), asio::use_future));
  }
  for (auto& future : futures) {
    ASSERT_EQ(future.wait_for(10s), std::future_status::ready);
    EXPECT_TRUE(future.get());
  }
  EXPECT_EQ(rig.stats().connections_opened, 4u);
  EXPECT_EQ(rig.on_io([&] { return client.idle_connections(); }), 2u);
}

// Answers the first request on each connection with the connection id; drops any later request on
// the same connection after reading it (a server that closed a keep-alive connection just as the
// client reused it).
struct DropSecondRequest {
  std::shared_ptr<std::map<std::uint64_t, int>> seen = std::make_shared<std::map<std::uint64_t, int>>();
  std::shared_ptr<std::atomic<int>> requests = std::make_shared<std::atomic<int>>(0);

  HttpServer::Handler handler() const {
    return [seen = seen, requests = requests](HttpRequest&,
                                              const RequestContext& ctx) -> asio::awaitable<HttpResponse> {
      ++*requests;
      if ((*seen)[ctx.connection_id]++ > 0) ctx.writer->abort();
      co_return make_response(200, std::to_string(ctx.connection_id), "text/plain");
    };
  }
};

TEST(HttpClient, AGetOnADeadPooledConnectionIsRetriedOnce) {
  Rig rig;
  DropSecondRequest server;
  const auto port = rig.serve(server.handler());
  rig.make_client();
  auto first = rig.get(url(port, "/x"));
  ASSERT_TRUE(first);
  auto second = rig.get(url(port, "/x"));
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_NE(first->body, second->body);  // answered on a fresh connection
  EXPECT_EQ(server.requests->load(), 3);
  const auto stats = rig.stats();
  EXPECT_EQ(stats.retries, 1u);
  EXPECT_EQ(stats.connections_opened, 2u);
}

TEST(HttpClient, APostThatMayHaveReachedTheServerIsNotRetried) {
  Rig rig;
  DropSecondRequest server;
  const auto port = rig.serve(server.handler());
  rig.make_client();
  HttpClientRequest post;
  post.method = "POST";
  post.url = url(port, "/x");
  post.body = "once";
  ASSERT_TRUE(rig.send(post));
  auto second = rig.send(post);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().kind, ErrorKind::transient);
  EXPECT_NE(second.error().message.find("connection closed"), std::string::npos) << second.error().message;
  EXPECT_EQ(server.requests->load(), 2);  // the POST reached the server once, and only once
  EXPECT_EQ(rig.stats().retries, 0u);
  EXPECT_EQ(rig.stats().errors_transient, 1u);
}

TEST(HttpClient, ChunkedResponsesAreReadWhole) {
  Rig rig;
  const auto port = rig.serve([](HttpRequest&, const RequestContext& ctx) -> asio::awaitable<HttpResponse> {
    auto head = make_response(200, "", "text/plain");  // outside the co_await (GCC 12)
    if (!co_await ctx.writer->begin(std::move(head))) co_return HttpResponse{};
    for (std::string part : {"one ", "two ", "three"}) (void)co_await ctx.writer->write(part);
    co_return HttpResponse{};
  });
  rig.make_client();
  auto first = rig.get(url(port, "/chunks"));
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(first->body, "one two three");
  ASSERT_TRUE(first->header("Transfer-Encoding"));
  EXPECT_EQ(*first->header("transfer-encoding"), "chunked");
  ASSERT_TRUE(rig.get(url(port, "/chunks")));
  EXPECT_EQ(rig.stats().connections_reused, 1u);  // the chunked body ended cleanly
}

TEST(HttpClient, RedirectsAreReturnedAsIs) {
  Rig rig;
  const auto port = rig.serve(echo_handler);
  rig.make_client();
  auto response = rig.get(url(port, "/redirect"));
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->status, 302u);
  ASSERT_TRUE(response->header("Location"));
  EXPECT_EQ(*response->header("location"), "/elsewhere");
  EXPECT_EQ(rig.stats().requests, 1u);
}

TEST(HttpClient, ResponsesOverTheLimitAreRefused) {
  Rig rig;
  const auto port = rig.serve(echo_handler);
  rig.make_client();
  HttpClientRequest request;
  request.url = url(port, "/big");
  request.max_response_bytes = 1000;
  auto refused = rig.send(request);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, ErrorKind::permanent);
  EXPECT_NE(refused.error().message.find("response larger than 1000 bytes"), std::string::npos)
      << refused.error().message;
  request.max_response_bytes = 2000;
  auto accepted = rig.send(request);
  ASSERT_TRUE(accepted) << accepted.error().message;
  EXPECT_EQ(accepted->body.size(), 2000u);
}

TEST(HttpClient, ChunkedResponsesOverTheLimitAreRefused) {
  Rig rig;
  const auto port = rig.serve([](HttpRequest&, const RequestContext& ctx) -> asio::awaitable<HttpResponse> {
    auto head = make_response(200, "", "text/plain");  // outside the co_await (GCC 12)
    if (!co_await ctx.writer->begin(std::move(head))) co_return HttpResponse{};
    for (int i = 0; i < 10; ++i) {
      std::string part(300, 'y');
      (void)co_await ctx.writer->write(std::move(part));
    }
    co_return HttpResponse{};
  });
  rig.make_client();
  HttpClientRequest request;
  request.url = url(port, "/");
  request.max_response_bytes = 1000;
  auto refused = rig.send(request);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("response larger than 1000 bytes"), std::string::npos);
}

TEST(HttpClient, UnusableUrlsAreInvalidInput) {
  Rig rig;
  rig.make_client();
  for (std::string bad : {"ftp://example.com/", "not a url", "/relative", "http://:80/"}) {
    auto result = rig.get(bad);
    ASSERT_FALSE(result) << bad;
    EXPECT_EQ(result.error().kind, ErrorKind::invalid_input) << bad;
  }
  HttpClientRequest injected;
  injected.url = "http://127.0.0.1:1/";
  injected.headers.emplace_back("X-Evil", "a\r\nInjected: yes");
  auto result = rig.send(injected);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, ErrorKind::invalid_input);
}

// A port nothing listens on (bound, then closed).
std::uint16_t closed_port() {
  asio::io_context io;
  test::tcp::acceptor acceptor(io, test::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  return acceptor.local_endpoint().port();
}

TEST(HttpClient, ErrorsNameTheHostButNeverTheCredentials) {
  Rig rig;
  rig.make_client();
  const auto port = closed_port();
  HttpClientRequest request;
  request.url = url(port, "/path?access_token=qwertyuiop123");
  request.headers.emplace_back("Authorization", "Bearer s3cr3t-t0ken-value");
  auto result = rig.send(request);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, ErrorKind::transient);
  const auto& message = result.error().message;
  EXPECT_NE(message.find("127.0.0.1:" + std::to_string(port)), std::string::npos) << message;
  EXPECT_EQ(message.find("s3cr3t"), std::string::npos) << message;
  EXPECT_EQ(message.find("qwertyuiop"), std::string::npos) << message;
  EXPECT_EQ(rig.stats().errors_transient, 1u);
}

TEST(HttpClient, ARequestOutlivesTheClient) {
  Rig rig;
  const auto port = rig.serve([](HttpRequest&, const RequestContext& ctx) -> asio::awaitable<HttpResponse> {
    co_await ctx.writer->pause(200ms);
    co_return make_response(200, "still here", "text/plain");
  });
  auto client = std::make_unique<HttpClient>(rig.io(), HttpClientOptions{});
  HttpClientRequest request;
  request.url = url(port, "/");
  auto future = asio::co_spawn(rig.io(), client->send(request), asio::use_future);
  rig.on_io([&] {
    client.reset();  // the request in flight keeps what it needs
    return 0;
  });
  ASSERT_EQ(future.wait_for(10s), std::future_status::ready);
  auto result = future.get();
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->body, "still here");
}

// ---------------------------------------------------------------------------------------------
// Deadlines

asio::awaitable<HttpResponse> slow_handler(HttpRequest& req, const RequestContext& ctx) {
  if (req.target() == "/slow-body") {
    auto head = make_response(200, "", "text/plain");  // outside the co_await (GCC 12)
    if (!co_await ctx.writer->begin(std::move(head))) co_return HttpResponse{};
    std::string start = "start";  // built outside the co_await: GCC 12 miscompiles the temporary
    (void)co_await ctx.writer->write(std::move(start));
  }
  (void)co_await ctx.writer->pause(5s);
  co_return make_response(200, "late", "text/plain");
}

void expect_timeout(const Result<HttpClientResponse>& result, Clock::time_point start,
                    std::string_view phase) {
  ASSERT_FALSE(result) << "expected a timeout " << phase;
  EXPECT_EQ(result.error().kind, ErrorKind::transient);
  EXPECT_NE(result.error().message.find("timed out"), std::string::npos) << result.error().message;
  EXPECT_NE(result.error().message.find(phase), std::string::npos) << result.error().message;
  EXPECT_LT(elapsed_ms(start), 3000);
}

TEST(HttpClient, ResponseHeaderDeadline) {
  Rig rig;
  const auto port = rig.serve(slow_handler);
  rig.make_client();
  HttpClientRequest request;
  request.url = url(port, "/slow-header");
  request.timeouts.response_header = 200ms;
  const auto start = Clock::now();
  expect_timeout(rig.send(request), start, "response header");
}

TEST(HttpClient, ResponseBodyDeadline) {
  Rig rig;
  const auto port = rig.serve(slow_handler);
  HttpClientOptions options;
  options.timeouts.response_body = 200ms;
  rig.make_client(options);
  const auto start = Clock::now();
  expect_timeout(rig.get(url(port, "/slow-body")), start, "response body");
}

TEST(HttpClient, TotalDeadlineCutsEveryPhaseShort) {
  Rig rig;
  const auto port = rig.serve(slow_handler);
  HttpClientOptions options;
  options.timeouts.total = 250ms;
  rig.make_client(options);
  const auto start = Clock::now();
  expect_timeout(rig.get(url(port, "/slow-header")), start, "response header");
}

TEST(HttpClient, WriteDeadline) {
  Rig rig;
  const auto port = rig.serve_raw(test::silent_session);  // never reads
  rig.make_client();
  HttpClientRequest request;
  request.method = "POST";
  request.url = url(port, "/");
  request.body.assign(64 * 1024 * 1024, 'z');  // more than the socket buffers hold
  request.timeouts.write = 300ms;
  const auto start = Clock::now();
  expect_timeout(rig.send(std::move(request)), start, "writing the request");
}

TEST(HttpClient, TlsHandshakeDeadline) {
  Rig rig;
  const auto port = rig.serve_raw(test::silent_session);  // never answers the ClientHello
  HttpClientOptions options;
  options.timeouts.tls_handshake = 200ms;
  rig.make_client(options);
  const auto start = Clock::now();
  expect_timeout(rig.get(url(port, "/", "127.0.0.1", "https")), start, "TLS handshake");
}

TEST(HttpClient, ConnectDeadline) {
  // A listener with a full accept queue that never accepts: the kernel drops further SYNs, so a
  // connect hangs until its deadline.
  asio::io_context io;
  test::tcp::acceptor acceptor(io);
  const test::tcp::endpoint any(asio::ip::make_address("127.0.0.1"), 0);
  acceptor.open(any.protocol());
  acceptor.bind(any);
  acceptor.listen(0);
  const auto port = acceptor.local_endpoint().port();
  std::vector<int> fillers;
  for (int i = 0; i < 4; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    (void)::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address));
    fillers.push_back(fd);
  }
  std::this_thread::sleep_for(100ms);

  Rig rig;
  HttpClientOptions options;
  options.timeouts.connect = 200ms;
  rig.make_client(options);
  const auto start = Clock::now();
  expect_timeout(rig.get(url(port, "/")), start, "connecting");
  for (int fd : fillers) ::close(fd);
}

// ---------------------------------------------------------------------------------------------
// TLS

class HttpClientTls : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    good_ = new test::TestPki(test::make_test_pki("DNS:localhost,IP:127.0.0.1"));
    wrong_name_ = new test::TestPki(test::make_test_pki("DNS:wrong.example"));
  }
  static void TearDownTestSuite() {
    delete good_;
    delete wrong_name_;
  }
  static test::TestPki* good_;
  static test::TestPki* wrong_name_;
};
test::TestPki* HttpClientTls::good_ = nullptr;
test::TestPki* HttpClientTls::wrong_name_ = nullptr;

TEST_F(HttpClientTls, SucceedsWithTheExtraCaAndReusesTheConnection) {
  Rig rig;
  const auto port = rig.serve_raw(test::tls_session(test::server_tls_context(*good_)));
  HttpClientOptions options;
  options.tls.extra_ca_pem = good_->ca_pem;
  rig.make_client(options);
  auto first = rig.get(url(port, "/secure", "127.0.0.1", "https"));
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(first->body, "tls /secure");
  auto by_name = rig.get(url(port, "/named", "localhost", "https"));
  ASSERT_TRUE(by_name) << by_name.error().message;
  EXPECT_EQ(by_name->body, "tls /named");
  ASSERT_TRUE(rig.get(url(port, "/again", "127.0.0.1", "https")));
  EXPECT_EQ(rig.stats().connections_reused, 1u);
}

TEST_F(HttpClientTls, ExtraCaFileWorksAndABadOneRefusesToStart) {
  const std::string path = ::testing::TempDir() + "mmclaw_http_client_ca.pem";
  std::ofstream(path) << good_->ca_pem;
  Rig rig;
  const auto port = rig.serve_raw(test::tls_session(test::server_tls_context(*good_)));
  HttpClientOptions options;
  options.tls.extra_ca_file = path;
  rig.make_client(options);
  auto result = rig.get(url(port, "/f", "127.0.0.1", "https"));
  EXPECT_TRUE(result) << result.error().message;

  HttpClientOptions bad;
  bad.tls.extra_ca_file = ::testing::TempDir() + "does-not-exist.pem";
  asio::io_context io;
  EXPECT_THROW(HttpClient(io, bad), std::invalid_argument);
}

TEST_F(HttpClientTls, FailsWithoutTheCa) {
  Rig rig;
  const auto port = rig.serve_raw(test::tls_session(test::server_tls_context(*good_)));
  rig.make_client();
  auto result = rig.get(url(port, "/", "127.0.0.1", "https"));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, ErrorKind::transient);
  EXPECT_NE(result.error().message.find("TLS handshake failed"), std::string::npos) << result.error().message;
}

TEST_F(HttpClientTls, FailsOnAHostnameMismatch) {
  Rig rig;
  const auto port = rig.serve_raw(test::tls_session(test::server_tls_context(*wrong_name_)));
  HttpClientOptions options;
  options.tls.extra_ca_pem = wrong_name_->ca_pem;
  rig.make_client(options);
  auto result = rig.get(url(port, "/", "127.0.0.1", "https"));
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message.find("TLS handshake failed"), std::string::npos) << result.error().message;
  auto by_name = rig.get(url(port, "/", "localhost", "https"));
  ASSERT_FALSE(by_name);
}

TEST_F(HttpClientTls, InsecureSkipVerifyAcceptsAnything) {
  Rig rig;
  const auto port = rig.serve_raw(test::tls_session(test::server_tls_context(*wrong_name_)));
  HttpClientOptions options;
  options.tls.insecure_skip_verify = true;
  rig.make_client(options);
  auto result = rig.get(url(port, "/insecure", "127.0.0.1", "https"));
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->body, "tls /insecure");
}

// ---------------------------------------------------------------------------------------------
// Proxy

TEST_F(HttpClientTls, HttpsGoesThroughAConnectTunnel) {
  Rig rig;
  const auto origin_port = rig.serve_raw(test::tls_session(test::server_tls_context(*good_)));
  auto log = std::make_shared<test::ProxyLog>();
  const auto proxy_port = rig.serve_raw(test::connect_proxy_session(log));
  HttpClientOptions options;
  options.tls.extra_ca_pem = good_->ca_pem;
  auto proxy = parse_proxy_url("http://user:p%40ss@127.0.0.1:" + std::to_string(proxy_port));
  ASSERT_TRUE(proxy);
  options.proxy.https = *proxy;
  rig.make_client(options);
  auto result = rig.get(url(origin_port, "/tunnel", "localhost", "https"));
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->body, "tls /tunnel");
  ASSERT_TRUE(rig.get(url(origin_port, "/again", "localhost", "https")));
  const auto heads = rig.on_io([&] { return log->heads; });
  ASSERT_EQ(heads.size(), 1u);  // the tunnel was kept alive and reused
  EXPECT_TRUE(heads[0].starts_with("CONNECT localhost:" + std::to_string(origin_port) + " HTTP/1.1\r\n"))
      << heads[0];
  EXPECT_NE(heads[0].find("Proxy-Authorization: Basic dXNlcjpwQHNz\r\n"), std::string::npos) << heads[0];
}

// --- Streamed bodies (server-sent events from a model server) ------------------------------------

// Answers one request with a chunked 200 (or `status`) whose pieces come after the given pauses;
// `finish` ends the body properly, else the socket just stays open.
std::function<asio::awaitable<void>(test::tcp::socket)> chunked_session(
    std::vector<std::pair<std::chrono::milliseconds, std::string>> pieces, bool finish, int status = 200) {
  return [pieces = std::move(pieces), finish, status](test::tcp::socket socket) -> asio::awaitable<void> {
    std::string request;
    auto [rec, rn] = co_await asio::async_read_until(socket, asio::dynamic_buffer(request), "\r\n\r\n",
                                                      test::kUseTuple);
    if (rec) co_return;
    (void)rn;
    std::string head = fmt::format("HTTP/1.1 {} X\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n",
                                   status);
    auto [hec, hn] = co_await asio::async_write(socket, asio::buffer(head), test::kUseTuple);
    (void)hn;
    if (hec) co_return;
    for (const auto& [pause, text] : pieces) {
      co_await test::sleep_for(pause);
      const std::string chunk = fmt::format("{:x}\r\n{}\r\n", text.size(), text);
      auto [cec, cn] = co_await asio::async_write(socket, asio::buffer(chunk), test::kUseTuple);
      (void)cn;
      if (cec) co_return;
    }
    if (finish) {
      auto [fec, fn] = co_await asio::async_write(socket, asio::buffer(std::string_view("0\r\n\r\n")), test::kUseTuple);
      (void)fec;
      (void)fn;
      co_await test::sleep_for(500ms);
    } else {
      co_await test::sleep_for(5s);
    }
  };
}

TEST(HttpClientStream, PiecesArriveAsTheyComeAndTheSilenceBetweenThemIsBounded) {
  Rig rig;
  const auto port = rig.serve_raw(chunked_session(
      {{0ms, "data: one\n\n"}, {150ms, "data: two\n\n"}, {150ms, "data: [DONE]\n\n"}}, true));
  rig.make_client();
  std::string streamed;
  int pieces = 0;
  HttpClientRequest request;
  request.method = "POST";
  request.url = url(port, "/v1/chat/completions");
  request.body = "{}";
  request.timeouts.response_body = 1000ms;  // between pieces: each pause is shorter
  request.on_body_chunk = [&](std::string_view chunk) -> Result<void> {
    streamed += chunk;
    ++pieces;
    return {};
  };
  auto response = rig.send(std::move(request));
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->status, 200u);
  EXPECT_TRUE(response->body.empty());
  EXPECT_EQ(streamed, "data: one\n\ndata: two\n\ndata: [DONE]\n\n");
  EXPECT_GE(pieces, 2) << "delivered piece by piece, not at the end";
}

TEST(HttpClientStream, AStallBetweenPiecesIsATimeout) {
  Rig rig;
  const auto port = rig.serve_raw(chunked_session({{0ms, "data: one\n\n"}}, false));
  rig.make_client();
  std::string streamed;
  HttpClientRequest request;
  request.url = url(port, "/stream");
  request.timeouts.response_body = 200ms;
  request.on_body_chunk = [&](std::string_view chunk) -> Result<void> {
    streamed += chunk;
    return {};
  };
  const auto start = Clock::now();
  const auto response = rig.send(std::move(request));
  expect_timeout(response, start, "response body");
  EXPECT_EQ(streamed, "data: one\n\n") << "what came before the stall was delivered";
}

TEST(HttpClientStream, TheConsumerCanEndTheStream) {
  Rig rig;
  const auto port = rig.serve_raw(chunked_session({{0ms, "data: one\n\n"}, {100ms, "data: two\n\n"}}, false));
  rig.make_client();
  HttpClientRequest request;
  request.url = url(port, "/stream");
  request.on_body_chunk = [](std::string_view) -> Result<void> {
    return fail(Error::permanent("the turn was cancelled"));
  };
  const auto start = Clock::now();
  const auto response = rig.send(std::move(request));
  ASSERT_FALSE(response);
  EXPECT_NE(response.error().message.find("the turn was cancelled"), std::string::npos) << response.error().message;
  EXPECT_LT(elapsed_ms(start), 3000);
  EXPECT_EQ(rig.stats().connections_reused, 0u);
}

TEST(HttpClientStream, AnErrorStatusBodyIsCollectedNotStreamed) {
  Rig rig;
  const auto port = rig.serve_raw(chunked_session({{0ms, R"({"error":{"message":"slow down"}})"}}, true, 429));
  rig.make_client();
  bool called = false;
  HttpClientRequest request;
  request.url = url(port, "/stream");
  request.on_body_chunk = [&](std::string_view) -> Result<void> {
    called = true;
    return {};
  };
  const auto response = rig.send(std::move(request));
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->status, 429u);
  EXPECT_EQ(response->body, R"({"error":{"message":"slow down"}})");
  EXPECT_FALSE(called);
}

TEST(HttpClientProxy, HttpUsesTheAbsoluteFormThroughTheProxy) {
  Rig rig;
  auto seen = std::make_shared<std::vector<std::string>>();
  const auto proxy_port =
      rig.serve([seen](HttpRequest& req, const RequestContext&) -> asio::awaitable<HttpResponse> {
        seen->push_back(std::string(req.target()));
        seen->push_back(std::string(req[http::field::proxy_authorization]));
        seen->push_back(std::string(req[http::field::host]));
        co_return make_response(200, "proxied", "text/plain");
      });
  HttpClientOptions options;
  auto proxy = parse_proxy_url("127.0.0.1:" + std::to_string(proxy_port));
  ASSERT_TRUE(proxy);
  proxy->username = "alice";
  proxy->password = "pw";
  options.proxy.http = *proxy;
  options.proxy.no_proxy = "localhost";
  rig.make_client(options);
  auto result = rig.get("http://origin.invalid:8080/path?q=1");
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->body, "proxied");
  const auto values = rig.on_io([&] { return *seen; });
  ASSERT_EQ(values.size(), 3u);
  EXPECT_EQ(values[0], "http://origin.invalid:8080/path?q=1");
  EXPECT_EQ(values[1], "Basic YWxpY2U6cHc=");
  EXPECT_EQ(values[2], "origin.invalid:8080");
}

TEST(HttpClientProxy, NoProxyHostsAreReachedDirectly) {
  Rig rig;
  const auto port = rig.serve(echo_handler);
  HttpClientOptions options;
  options.proxy.http = ProxyEndpoint{"127.0.0.1", closed_port(), "", ""};
  options.proxy.no_proxy = "example.com, 127.0.0.0/8";
  rig.make_client(options);
  auto direct = rig.get(url(port, "/direct"));
  ASSERT_TRUE(direct) << direct.error().message;
  EXPECT_EQ(direct->body, "GET /direct ");
}

TEST(HttpClientProxy, ProxyErrorsNeverShowTheCredentials) {
  Rig rig;
  HttpClientOptions options;
  options.proxy.http = ProxyEndpoint{"127.0.0.1", closed_port(), "user", "hunter2-secret"};
  rig.make_client(options);
  auto result = rig.get("http://origin.invalid/");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, ErrorKind::transient);
  EXPECT_NE(result.error().message.find("proxy"), std::string::npos) << result.error().message;
  EXPECT_EQ(result.error().message.find("hunter2"), std::string::npos) << result.error().message;
}

TEST(ProxySettings, NoProxyMatchingTable) {
  struct Case {
    std::string no_proxy;
    std::string host;
    std::uint16_t port;
    bool direct;
  };
  const std::vector<Case> cases = {
      {"", "example.com", 443, false},
      {"*", "anything.org", 80, true},
      {"example.com", "example.com", 443, true},
      {"example.com", "api.example.com", 443, true},
      {"example.com", "notexample.com", 443, false},
      {".example.com", "example.com", 443, true},
      {".example.com", "a.b.example.com", 443, true},
      {"*.example.com", "a.example.com", 443, true},
      {"EXAMPLE.com", "Api.Example.COM", 443, true},
      {"other.org, example.com", "x.example.com", 80, true},
      {"other.org example.com", "x.example.com", 80, true},
      {"other.org", "example.com", 80, false},
      {"example.com:8443", "example.com", 8443, true},
      {"example.com:8443", "example.com", 443, false},
      {"10.1.2.3", "10.1.2.3", 80, true},
      {"10.1.2.3", "10.1.2.4", 80, false},
      {"10.0.0.0/8", "10.200.1.1", 80, true},
      {"10.0.0.0/8", "11.0.0.1", 80, false},
      {"::1", "::1", 80, true},
      {"[::1]:8080", "[::1]", 8080, true},
      {"[::1]:8080", "::1", 80, false},
      {"localhost", "localhost", 3000, true},
      {"1.2.3.4", "example.com", 80, false},
      {" , ,", "example.com", 80, false},
  };
  for (const auto& c : cases)
    EXPECT_EQ(no_proxy_matches(c.no_proxy, c.host, c.port), c.direct)
        << "NO_PROXY=\"" << c.no_proxy << "\" host=" << c.host << " port=" << c.port;
}

TEST(ProxySettings, ReadsTheEnvironmentThroughTheLookup) {
  std::map<std::string, std::string> env = {
      {"HTTPS_PROXY", "http://u:p@secure-proxy:8443"},
      {"https_proxy", "http://ignored:1"},
      {"http_proxy", "plain-proxy"},
      {"no_proxy", "localhost,.internal"},
  };
  EnvLookup lookup = [&env](std::string_view name) -> std::optional<std::string> {
    auto it = env.find(std::string(name));
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
  auto settings = proxy_settings_from_env(lookup);
  ASSERT_TRUE(settings) << settings.error().message;
  ASSERT_TRUE(settings->https);
  EXPECT_EQ(settings->https->host, "secure-proxy");
  EXPECT_EQ(settings->https->port, 8443);
  EXPECT_EQ(settings->https->username, "u");
  EXPECT_EQ(settings->https->password, "p");
  ASSERT_TRUE(settings->http);
  EXPECT_EQ(settings->http->host, "plain-proxy");
  EXPECT_EQ(settings->http->port, 3128);
  EXPECT_EQ(settings->http->authorization(), "");
  EXPECT_EQ(settings->no_proxy, "localhost,.internal");

  EXPECT_TRUE(proxy_for(*settings, "https", "api.example.com", 443));
  EXPECT_FALSE(proxy_for(*settings, "https", "db.internal", 443));
  EXPECT_EQ(proxy_for(*settings, "http", "example.com", 80)->host, "plain-proxy");

  env.clear();
  auto empty = proxy_settings_from_env(lookup);
  ASSERT_TRUE(empty);
  EXPECT_EQ(*empty, ProxySettings{});
  EXPECT_FALSE(proxy_for(*empty, "https", "example.com", 443));

  env["HTTP_PROXY"] = "socks5://user:topsecret@proxy:1080";
  auto invalid = proxy_settings_from_env(lookup);
  ASSERT_FALSE(invalid);
  EXPECT_EQ(invalid.error().kind, ErrorKind::invalid_input);
  EXPECT_NE(invalid.error().message.find("HTTP_PROXY"), std::string::npos);
  EXPECT_EQ(invalid.error().message.find("topsecret"), std::string::npos);
}

TEST(ProxySettings, ParsesProxyUrls) {
  auto full = parse_proxy_url("http://us%3Aer:pa%40ss@Proxy.Example:3129/");
  ASSERT_TRUE(full) << full.error().message;
  EXPECT_EQ(full->host, "proxy.example");
  EXPECT_EQ(full->port, 3129);
  EXPECT_EQ(full->username, "us:er");
  EXPECT_EQ(full->password, "pa@ss");
  auto defaulted = parse_proxy_url("http://proxy");
  ASSERT_TRUE(defaulted);
  EXPECT_EQ(defaulted->port, 80);
  auto v6 = parse_proxy_url("http://[::1]:3128");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_FALSE(parse_proxy_url("https://proxy:443"));
  EXPECT_FALSE(parse_proxy_url("http://proxy:99999"));
  EXPECT_FALSE(parse_proxy_url(""));
}

}  // namespace
}  // namespace mmclaw::net

#pragma once
// Helpers for the HttpClient tests: an io_context thread that runs the client and the test
// servers, raw TCP servers (a silent one, a Beast TLS server, a CONNECT proxy) and a throwaway CA
// made with the OpenSSL API. Every wait is bounded.

#include <array>
#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include "net/http_client.hpp"
#include "net/http_server.hpp"

namespace mmclaw::net::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

inline constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);

// One io_context thread for the client and every server of a test. The destructor stops the
// servers (bounded), destroys the client on the io thread, then ends the thread.
class Rig {
 public:
  Rig() : guard_(asio::make_work_guard(io_)) {
    thread_ = std::thread([this] { io_.run(); });
  }
  ~Rig() {
    for (auto& server : servers_) (void)asio::co_spawn(io_, server->stop(0ms), asio::use_future).wait_for(5s);
    try {
      on_io([this] {
        client_.reset();
        servers_.clear();
        for (auto& acceptor : acceptors_) acceptor->close();
        return 0;
      });
    } catch (const std::exception&) {
    }
    guard_.reset();
    io_.stop();
    thread_.join();
  }
  Rig(const Rig&) = delete;
  Rig& operator=(const Rig&) = delete;

  asio::io_context& io() { return io_; }

  template <class F>
  std::invoke_result_t<F&> on_io(F f) {
    std::packaged_task<decltype(f())()> task(std::move(f));
    auto result = task.get_future();
    asio::post(io_, [&task] { task(); });
    if (result.wait_for(5s) != std::future_status::ready) throw std::runtime_error("the io thread is stuck");
    return result.get();
  }

  // An HttpServer on 127.0.0.1; returns its port.
  std::uint16_t serve(HttpServer::Handler handler, HttpServerOptions options = fast_server_options()) {
    return on_io([&] {
      auto server = std::make_unique<HttpServer>(io_, options, std::move(handler));
      auto listening = server->listen();
      if (!listening) throw std::runtime_error(listening.error().message);
      server->start();
      const auto port = server->port();
      servers_.push_back(std::move(server));
      return port;
    });
  }

  // A raw listener on 127.0.0.1 that runs `session` for every accepted socket; returns its port.
  std::uint16_t serve_raw(std::function<asio::awaitable<void>(tcp::socket)> session) {
    return on_io([&] {
      auto acceptor =
          std::make_shared<tcp::acceptor>(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
      const auto port = acceptor->local_endpoint().port();
      acceptors_.push_back(acceptor);
      asio::co_spawn(io_, accept_loop(acceptor, std::move(session)), asio::detached);
      return port;
    });
  }

  HttpClient& make_client(HttpClientOptions options = {}) {
    return on_io([&]() -> HttpClient& {
      client_ = std::make_unique<HttpClient>(io_, std::move(options));
      return *client_;
    });
  }

  // Runs one request on the io thread; fails the test (by throwing) when it takes over `bound`.
  Result<HttpClientResponse> send(HttpClientRequest request, std::chrono::milliseconds bound = 10s) {
    auto future = asio::co_spawn(io_, client_->send(std::move(request)), asio::use_future);
    if (future.wait_for(bound) != std::future_status::ready) throw std::runtime_error("request not bounded");
    return future.get();
  }

  Result<HttpClientResponse> get(std::string url) {
    HttpClientRequest request;
    request.url = std::move(url);
    return send(std::move(request));
  }

  HttpClientStats stats() {
    return on_io([this] { return client_->stats(); });
  }

  static HttpServerOptions fast_server_options() {
    HttpServerOptions options;
    options.header_timeout = 2s;
    options.body_timeout = 2s;
    options.idle_timeout = 5s;
    options.write_timeout = 2s;
    return options;
  }

 private:
  static asio::awaitable<void> accept_loop(std::shared_ptr<tcp::acceptor> acceptor,
                                           std::function<asio::awaitable<void>(tcp::socket)> session) {
    for (;;) {
      auto [ec, socket] = co_await acceptor->async_accept(kUseTuple);
      if (ec) co_return;
      asio::co_spawn(acceptor->get_executor(), session(std::move(socket)), asio::detached);
    }
  }

  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> guard_;
  std::vector<std::unique_ptr<HttpServer>> servers_;
  std::vector<std::shared_ptr<tcp::acceptor>> acceptors_;
  std::unique_ptr<HttpClient> client_;
  std::thread thread_;
};

inline asio::awaitable<void> sleep_for(std::chrono::milliseconds duration) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  timer.expires_after(duration);
  co_await timer.async_wait(kUseTuple);
}

// Accepts and keeps the socket for 5 s without reading or writing.
inline asio::awaitable<void> silent_session(tcp::socket socket) {
  co_await sleep_for(5s);
  socket.close();
}

// A PEM key and certificate chain for a test TLS server, and the CA that signed it.
struct TestPki {
  std::string ca_pem;
  std::string server_cert_pem;
  std::string server_key_pem;
};

// A fresh CA, and a server certificate signed by it for `san` ("DNS:localhost,IP:127.0.0.1").
TestPki make_test_pki(const std::string& san);

// Answers every request with 200 "tls <target>" over TLS, keep-alive.
std::function<asio::awaitable<void>(tcp::socket)> tls_session(std::shared_ptr<ssl::context> context);
std::shared_ptr<ssl::context> server_tls_context(const TestPki& pki);

// What the CONNECT proxy saw: the request heads, in order. Read on the io thread.
struct ProxyLog {
  std::vector<std::string> heads;
};
std::function<asio::awaitable<void>(tcp::socket)> connect_proxy_session(std::shared_ptr<ProxyLog> log);

}  // namespace mmclaw::net::test

#include "app/demo_http.hpp"

#include <optional>
#include <utility>

#include <fmt/format.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

namespace mmclaw::app::demo {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

// The control APIs answer with every post there is; a long demo stays far below this.
constexpr std::uint64_t kMaxReplyBytes = 64 * 1024 * 1024;

// What a kept-alive connection that the server closed while it sat idle looks like.
bool closed_while_idle(const error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe;
}

}  // namespace

struct DemoHttpClient::Impl {
  asio::io_context io;
  std::optional<beast::tcp_stream> stream;
  beast::flat_buffer buffer;
  std::string host;
  std::uint16_t port = 0;
  std::chrono::milliseconds timeout{};

  // Runs one asynchronous operation to completion; the stream's expiry bounds it (on expiry Beast
  // closes the socket and the operation ends with beast::error::timeout).
  template <class Initiate>
  error_code run(Initiate&& initiate) {
    error_code result = asio::error::would_block;
    std::forward<Initiate>(initiate)([&result](error_code ec, auto&&...) { result = ec; });
    io.restart();
    io.run();
    return result;
  }

  void close() {
    if (stream) {
      error_code ignored;
      stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
      stream->close();
      stream.reset();
    }
    buffer.clear();
  }

  Error error(std::string_view method, std::string_view target, const error_code& ec) const {
    const std::string what =
        ec == beast::error::timeout ? fmt::format("timed out after {} ms", timeout.count()) : ec.message();
    return Error::transient(fmt::format("{} http://{}:{}{}: {}", method, host, port, target, what));
  }

  // One attempt; on failure the error code says whether a retry on a new connection makes sense.
  Result<HttpReply> exchange(std::string_view method, std::string_view target, std::string_view body,
                             error_code& failure) {
    if (!stream) {
      error_code ec;
      const auto address = asio::ip::make_address(host, ec);
      if (ec) return fail(Error::invalid_input(fmt::format("not an IP address: {}", host)));
      stream.emplace(io);
      stream->expires_after(timeout);
      failure =
          run([&](auto handler) { stream->async_connect(tcp::endpoint(address, port), std::move(handler)); });
      if (failure) return fail(error(method, target, failure));
    }
    http::request<http::string_body> request;
    request.method_string(method);
    request.target(target);
    request.version(11);
    request.set(http::field::host, fmt::format("{}:{}", host, port));
    if (!body.empty()) request.set(http::field::content_type, "application/json");
    request.body() = std::string(body);
    request.prepare_payload();
    stream->expires_after(timeout);
    failure = run([&](auto handler) { http::async_write(*stream, request, std::move(handler)); });
    if (failure) return fail(error(method, target, failure));

    http::response_parser<http::string_body> parser;
    parser.body_limit(kMaxReplyBytes);
    failure = run([&](auto handler) { http::async_read(*stream, buffer, parser, std::move(handler)); });
    if (failure) return fail(error(method, target, failure));
    stream->expires_never();
    auto response = parser.release();
    if (!response.keep_alive()) close();
    return HttpReply{response.result_int(), std::move(response.body())};
  }
};

DemoHttpClient::DemoHttpClient(std::string host, std::uint16_t port, std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>()) {
  impl_->host = std::move(host);
  impl_->port = port;
  impl_->timeout = timeout;
}

DemoHttpClient::~DemoHttpClient() {
  impl_->close();
}

Result<HttpReply> DemoHttpClient::request(std::string_view method, std::string_view target,
                                          std::string_view body) {
  const bool reused = impl_->stream.has_value();
  error_code failure;
  auto reply = impl_->exchange(method, target, body, failure);
  if (reply) return reply;
  impl_->close();
  if (!reused || !closed_while_idle(failure)) return reply;
  reply = impl_->exchange(method, target, body, failure);
  if (!reply) impl_->close();
  return reply;
}

}  // namespace mmclaw::app::demo

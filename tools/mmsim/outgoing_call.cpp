#include "mmsim/outgoing_call.hpp"

#include <fmt/format.h>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>

namespace mmsim {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

asio::awaitable<OutgoingReply> send_outgoing(OutgoingRequest request) {
  OutgoingReply reply;
  auto url = boost::urls::parse_uri(request.url);
  if (!url || url->scheme() != "http" || url->host().empty()) {
    reply.error = fmt::format("not an http:// URL: {}", request.url);
    co_return reply;
  }
  const std::string host(url->encoded_host());
  const std::string port = url->has_port() ? std::string(url->port()) : "80";
  std::string target(url->encoded_resource());
  if (target.empty()) target = "/";

  try {
    auto executor = co_await asio::this_coro::executor;
    asio::ip::tcp::resolver resolver(executor);
    beast::tcp_stream stream(executor);
    stream.expires_after(request.timeout);  // one deadline for the whole exchange
    const auto endpoints = co_await resolver.async_resolve(host, port, asio::use_awaitable);
    co_await stream.async_connect(endpoints, asio::use_awaitable);

    http::request<http::string_body> req{request.method == "GET" ? http::verb::get : http::verb::post, target,
                                         11};
    req.set(http::field::host, url->has_port() ? host + ":" + port : host);
    for (const auto& [name, value] : request.headers) req.set(name, value);
    req.body() = std::move(request.body);
    req.prepare_payload();
    req.keep_alive(false);
    co_await http::async_write(stream, req, asio::use_awaitable);

    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(request.max_response_bytes);
    co_await http::async_read(stream, buffer, parser, asio::use_awaitable);
    auto& res = parser.get();
    reply.status = static_cast<int>(res.result_int());
    reply.content_type = std::string(res[http::field::content_type]);
    reply.body = std::move(res.body());
    beast::error_code ignored;
    stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  } catch (const boost::system::system_error& e) {
    reply.status = 0;
    reply.error = e.code() == beast::error::timeout ? "timed out" : e.code().message();
  }
  co_return reply;
}

}  // namespace mmsim

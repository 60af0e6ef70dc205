#include "net/http_client.hpp"

#include <sys/socket.h>

#include <openssl/ssl.h>

#include <algorithm>
#include <cerrno>
#include <deque>
#include <map>
#include <stdexcept>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/url/parse.hpp>

#include "util/cidr.hpp"
#include "util/log.hpp"
#include "util/redact.hpp"
#include "util/strings.hpp"

namespace mmclaw::net {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using boost::system::error_code;
using std::chrono::milliseconds;

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::string_view kComponent = "http_client";

// The parts of a request URL the client needs. `target` is origin-form (path and query).
struct Target {
  std::string scheme;
  std::string host;  // without brackets
  std::uint16_t port = 0;
  bool tls = false;
  std::string target;
  std::string host_header;  // host[:port], brackets for IPv6

  [[nodiscard]] std::string origin() const { return scheme + "://" + host_header_with_port(); }
  [[nodiscard]] std::string host_header_with_port() const {
    const bool v6 = host.find(':') != std::string::npos;
    return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
  }
};

Result<Target> parse_target(std::string_view url) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) return fail(Error::invalid_input("request URL is not an absolute URL"));
  Target t;
  t.scheme = util::to_lower(parsed->scheme());
  if (t.scheme != "http" && t.scheme != "https")
    return fail(Error::invalid_input("request URL scheme must be http or https (got " + t.scheme + ")"));
  t.tls = t.scheme == "https";
  t.host = util::to_lower(std::string_view(parsed->encoded_host_address()));
  if (t.host.size() >= 2 && t.host.front() == '[') t.host = t.host.substr(1, t.host.size() - 2);
  if (t.host.empty()) return fail(Error::invalid_input("request URL has no host"));
  t.port = t.tls ? 443 : 80;
  if (parsed->has_port()) {
    const auto number = parsed->port_number();
    if (number == 0) return fail(Error::invalid_input("request URL has an invalid port"));
    t.port = number;
  }
  t.target = std::string(parsed->encoded_path());
  if (t.target.empty()) t.target = "/";
  if (parsed->has_query()) t.target += "?" + std::string(parsed->encoded_query());
  const bool v6 = t.host.find(':') != std::string::npos;
  t.host_header = v6 ? "[" + t.host + "]" : t.host;
  if (parsed->has_port() && t.port != (t.tls ? 443 : 80)) t.host_header += ":" + std::to_string(t.port);
  return t;
}

bool has_line_break(std::string_view s) {
  return s.find_first_of("\r\n") != std::string_view::npos;
}

bool valid_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 32 || u >= 127 || std::string_view("()<>@,;:\\\"/[]?={}").find(c) != std::string_view::npos)
      return false;
  }
  return true;
}

bool is_idempotent(std::string_view method) {
  for (std::string_view m : {"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"})
    if (method == m) return true;
  return false;
}

HttpClientTimeouts effective(const HttpClientTimeouts& base, const HttpClientTimeoutOverrides& o) {
  HttpClientTimeouts t = base;
  if (o.resolve) t.resolve = *o.resolve;
  if (o.connect) t.connect = *o.connect;
  if (o.tls_handshake) t.tls_handshake = *o.tls_handshake;
  if (o.write) t.write = *o.write;
  if (o.response_header) t.response_header = *o.response_header;
  if (o.response_body) t.response_body = *o.response_body;
  if (o.total) t.total = *o.total;
  return t;
}

// The time a phase may take: its own deadline, cut short by what is left of the total.
class Budget {
 public:
  explicit Budget(milliseconds total) : end_(Clock::now() + total) {}
  [[nodiscard]] milliseconds limit(milliseconds phase) const {
    const auto left = std::chrono::duration_cast<milliseconds>(end_ - Clock::now());
    return std::max(milliseconds(0), std::min(phase, left));
  }

 private:
  Clock::time_point end_;
};

// A failure while talking to a server: the error, and whether it looks like a connection the
// server had already closed (which makes a retry on a fresh connection worth it).
struct Failure {
  Error error;
  bool dead_connection = false;
  bool request_bytes_written = false;
};

bool is_closed_error(const error_code& ec) {
  return ec == asio::error::eof || ec == http::error::end_of_stream || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe || ec == asio::error::connection_aborted ||
         ec == ssl::error::stream_truncated || ec == http::error::partial_message;
}

struct Connection {
  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<ssl::stream<beast::tcp_stream>> secure;
  beast::flat_buffer buffer;
  Clock::time_point idle_since;

  beast::tcp_stream& lowest() { return secure ? secure->next_layer() : *plain; }
};

// A pooled connection is usable when nothing is waiting to be read on it: a server that closed it
// left an EOF (or a TLS close_notify), and stray bytes would desynchronise the next response.
bool looks_alive(Connection& conn) {
  if (conn.buffer.size() != 0) return false;
  auto& socket = conn.lowest().socket();
  if (!socket.is_open()) return false;
  char byte = 0;
  const auto n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

struct Response {
  HttpClientResponse response;
  bool keep_alive = false;
};

util::IpAddress ip_address_of(const asio::ip::address& address) {
  util::IpAddress ip;
  if (address.is_v4()) {
    const auto bytes = address.to_v4().to_bytes();
    std::copy(bytes.begin(), bytes.end(), ip.bytes.begin());
  } else {
    ip.v6 = true;
    ip.bytes = address.to_v6().to_bytes();
  }
  return ip;
}

}  // namespace

std::optional<std::string_view> HttpClientResponse::header(std::string_view name) const {
  for (const auto& [key, value] : headers)
    if (util::iequals(key, name)) return std::string_view(value);
  return std::nullopt;
}

struct HttpClient::Impl {
  Impl(asio::io_context& io, HttpClientOptions opts) : io_(io), options_(std::move(opts)) {
    // Loading the system CA store costs tens of milliseconds, so a client that only speaks plain
    // http never pays it; extra CAs are loaded at once, so that a bad one refuses the start.
    if (!options_.tls.extra_ca_file.empty() || !options_.tls.extra_ca_pem.empty()) tls_.emplace(make_tls());
  }

  asio::io_context& io_;
  HttpClientOptions options_;
  std::optional<ssl::context> tls_;  // built on the first https request
  ssl::context& tls() {
    if (!tls_) tls_.emplace(make_tls());
    return *tls_;
  }
  std::map<std::string, std::deque<std::unique_ptr<Connection>>> idle_;
  HttpClientStats stats_;

  ssl::context make_tls() {
    ssl::context ctx(ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
    ctx.set_options(ssl::context::default_workarounds | ssl::context::no_compression);
    error_code ec;
    ctx.set_default_verify_paths(ec);
    if (ec) log::warn(kComponent, "cannot load the system CA store: {}", ec.message());
    const auto& tls = options_.tls;
    if (!tls.extra_ca_file.empty()) {
      ctx.load_verify_file(tls.extra_ca_file, ec);
      if (ec) throw std::invalid_argument("cannot load CA file " + tls.extra_ca_file + ": " + ec.message());
    }
    if (!tls.extra_ca_pem.empty()) {
      ctx.add_certificate_authority(asio::buffer(tls.extra_ca_pem), ec);
      if (ec) throw std::invalid_argument("cannot load the extra CA certificate: " + ec.message());
    }
    ctx.set_verify_mode(tls.insecure_skip_verify ? ssl::verify_none : ssl::verify_peer);
    return ctx;
  }

  void count(const Error& error) {
    switch (error.kind) {
      case ErrorKind::transient: ++stats_.errors_transient; break;
      case ErrorKind::invalid_input: ++stats_.errors_invalid_input; break;
      default: ++stats_.errors_permanent; break;
    }
  }

  // Drops idle connections past their expiry, in every origin.
  void sweep() {
    const auto now = Clock::now();
    for (auto it = idle_.begin(); it != idle_.end();) {
      auto& list = it->second;
      while (!list.empty() && now - list.front()->idle_since >= options_.idle_expiry) {
        list.pop_front();
        ++stats_.stale_discarded;
      }
      it = list.empty() ? idle_.erase(it) : std::next(it);
    }
  }

  std::unique_ptr<Connection> take_idle(const std::string& origin) {
    sweep();
    auto it = idle_.find(origin);
    if (it == idle_.end()) return nullptr;
    std::unique_ptr<Connection> found;
    while (!it->second.empty() && !found) {
      auto conn = std::move(it->second.back());
      it->second.pop_back();
      if (looks_alive(*conn)) {
        found = std::move(conn);
      } else {
        ++stats_.stale_discarded;
      }
    }
    if (it->second.empty()) idle_.erase(it);
    return found;
  }

  void put_idle(const std::string& origin, std::unique_ptr<Connection> conn) {
    if (options_.max_idle_per_origin == 0) return;
    conn->idle_since = Clock::now();
    conn->lowest().expires_never();
    auto& list = idle_[origin];
    list.push_back(std::move(conn));
    while (list.size() > options_.max_idle_per_origin) list.pop_front();
  }

  static std::string where(const HttpClientRequest& request, const Target& target) {
    return request.method + " " + target.scheme + "://" + target.host_header_with_port();
  }

  static Error timeout_error(std::string_view phase, milliseconds limit) {
    return Error::transient("timed out after " + std::to_string(limit.count()) + " ms " + std::string(phase));
  }

  // Maps a socket/parser error of one phase to an Error (the caller prefixes the host).
  static Error io_error(const error_code& ec, std::string_view phase, milliseconds limit) {
    if (ec == beast::error::timeout) return timeout_error(phase, limit);
    if (is_closed_error(ec)) return Error::transient("connection closed by the server " + std::string(phase));
    if (ec.category() == http::make_error_code(http::error::end_of_stream).category() ||
        ec == http::error::header_limit)
      return Error::permanent("invalid HTTP response (" + ec.message() + ")");
    return Error::transient(std::string(phase) + ": " + ec.message());
  }

  asio::awaitable<Result<tcp::resolver::results_type>> resolve(const std::string& host, std::uint16_t port,
                                                               milliseconds limit) {
    auto executor = co_await asio::this_coro::executor;
    auto resolver = std::make_shared<tcp::resolver>(executor);
    asio::steady_timer timer(executor);
    auto fired = std::make_shared<bool>(false);
    timer.expires_after(limit);
    timer.async_wait([resolver, fired](const error_code& ec) {
      if (ec) return;
      *fired = true;
      resolver->cancel();
    });
    auto [ec, results] = co_await resolver->async_resolve(host, std::to_string(port), kUseTuple);
    timer.cancel();
    if (*fired) co_return fail(timeout_error("resolving the host", limit));
    if (ec) co_return fail(Error::transient("cannot resolve the host: " + ec.message()));
    co_return results;
  }

  // A connected (and, for https, TLS-established) connection to the origin, through the proxy
  // when one applies.
  asio::awaitable<Result<std::unique_ptr<Connection>>> open(const Target& target,
                                                            const std::optional<ProxyEndpoint>& proxy,
                                                            const HttpClientTimeouts& timeouts,
                                                            const Budget& budget) {
    auto conn = std::make_unique<Connection>();
    conn->plain = std::make_unique<beast::tcp_stream>(io_);
    const std::string& connect_host = proxy ? proxy->host : target.host;
    const std::uint16_t connect_port = proxy ? proxy->port : target.port;
    const std::string via = proxy ? " (proxy)" : "";

    auto limit = budget.limit(timeouts.resolve);
    auto endpoints = co_await resolve(connect_host, connect_port, limit);
    if (!endpoints) {
      endpoints.error().message += via;
      co_return fail(std::move(endpoints.error()));
    }
    if (!proxy && options_.check_resolved_address) {
      for (const auto& entry : *endpoints) {
        auto checked =
            options_.check_resolved_address(target.host, ip_address_of(entry.endpoint().address()));
        if (!checked) co_return fail(std::move(checked.error()));
      }
    }
    limit = budget.limit(timeouts.connect);
    conn->plain->expires_after(limit);
    auto [ec, endpoint] = co_await conn->plain->async_connect(*endpoints, kUseTuple);
    if (ec) {
      if (ec == beast::error::timeout) co_return fail(timeout_error("connecting" + via, limit));
      co_return fail(Error::transient("cannot connect" + via + ": " + ec.message()));
    }
    ++stats_.connections_opened;
    (void)endpoint;
    {
      // Requests go out whole at once rather than waiting for the server's delayed ACK.
      error_code ignored;
      conn->plain->socket().set_option(tcp::no_delay(true), ignored);
    }

    if (proxy && target.tls) {
      auto tunnel = co_await connect_tunnel(*conn, target, *proxy, budget.limit(timeouts.connect));
      if (!tunnel) co_return fail(std::move(tunnel.error()));
    }

    if (target.tls) {
      conn->secure = std::make_unique<ssl::stream<beast::tcp_stream>>(std::move(*conn->plain), tls());
      conn->plain.reset();
      if (!util::IpAddress::parse(target.host))
        SSL_ctrl(conn->secure->native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                 const_cast<char*>(target.host.c_str()));  // SSL_set_tlsext_host_name without its C cast
      if (!options_.tls.insecure_skip_verify)
        conn->secure->set_verify_callback(ssl::host_name_verification(target.host));
      limit = budget.limit(timeouts.tls_handshake);
      conn->lowest().expires_after(limit);
      auto [hs] = co_await conn->secure->async_handshake(ssl::stream_base::client, kUseTuple);
      if (hs) {
        if (hs == beast::error::timeout) co_return fail(timeout_error("in the TLS handshake", limit));
        co_return fail(Error::transient("TLS handshake failed: " + hs.message()));
      }
    }
    co_return conn;
  }

  // CONNECT host:port through the proxy; the stream then carries bytes to the origin.
  asio::awaitable<Result<void>> connect_tunnel(Connection& conn, const Target& target,
                                               const ProxyEndpoint& proxy, milliseconds limit) {
    http::request<http::empty_body> req;
    req.method(http::verb::connect);
    req.target(target.host_header_with_port());
    req.version(11);
    req.set(http::field::host, target.host_header_with_port());
    if (auto auth = proxy.authorization(); !auth.empty()) req.set(http::field::proxy_authorization, auth);
    conn.plain->expires_after(limit);
    auto [wec, written] = co_await http::async_write(*conn.plain, req, kUseTuple);
    (void)written;
    if (wec) co_return fail(io_error(wec, "sending CONNECT to the proxy", limit));
    http::response_parser<http::empty_body> parser;
    parser.skip(true);  // a 2xx to CONNECT has no body; the tunnel starts right after the header
    auto [rec, read] = co_await http::async_read(*conn.plain, conn.buffer, parser, kUseTuple);
    (void)read;
    if (rec) co_return fail(io_error(rec, "waiting for the proxy's CONNECT reply", limit));
    const unsigned status = parser.get().result_int();
    if (status / 100 != 2) {
      Error error = Error::transient("proxy refused CONNECT with status " + std::to_string(status));
      if (status == 407) error.kind = ErrorKind::auth;
      error.status = static_cast<int>(status);
      co_return fail(std::move(error));
    }
    if (conn.buffer.size() != 0) co_return fail(Error::permanent("proxy sent data before the TLS handshake"));
    co_return Result<void>{};
  }

  // Reads the body piece by piece, handing each to `on_chunk`; the deadline of each read is the
  // silence allowed between pieces (timeouts.response_body), within the total budget.
  template <class Stream>
  asio::awaitable<std::expected<void, Failure>> stream_body(Stream& stream, Connection& conn,
                                                            http::response_parser<http::string_body>& parser,
                                                            const HttpClientTimeouts& timeouts,
                                                            const Budget& budget, std::size_t max_bytes,
                                                            const HttpBodyChunkHandler& on_chunk,
                                                            const std::function<std::chrono::milliseconds()>& next_timeout) {
    auto& body = parser.get().body();
    auto hand_over = [&]() -> Result<void> {
      if (body.empty()) return {};
      auto handled = on_chunk(body);
      body.clear();
      return handled;
    };
    // What arrived with the header.
    if (auto handled = hand_over(); !handled) co_return std::unexpected(Failure{std::move(handled.error()), false, true});
    while (!parser.is_done()) {
      const auto limit = budget.limit(next_timeout ? next_timeout() : timeouts.response_body);
      conn.lowest().expires_after(limit);
      auto [ec, n] = co_await http::async_read_some(stream, conn.buffer, parser, kUseTuple);
      (void)n;
      if (ec == http::error::body_limit)
        co_return std::unexpected(
            Failure{Error::permanent("streamed response larger than " + std::to_string(max_bytes) + " bytes"),
                    false, true});
      if (ec) co_return std::unexpected(Failure{io_error(ec, "while reading the response body", limit), false, true});
      if (auto handled = hand_over(); !handled)
        co_return std::unexpected(Failure{std::move(handled.error()), false, true});
    }
    co_return std::expected<void, Failure>{};
  }

  template <class Stream>
  asio::awaitable<std::expected<Response, Failure>> exchange(Stream& stream, Connection& conn,
                                                             http::request<http::string_body>& req,
                                                             const HttpClientTimeouts& timeouts,
                                                             const Budget& budget,
                                                             std::size_t max_response_bytes, bool head,
                                                             const HttpBodyChunkHandler& on_body_chunk,
                                                             const std::function<std::chrono::milliseconds()>& next_piece_timeout) {
    auto limit = budget.limit(timeouts.write);
    conn.lowest().expires_after(limit);
    auto [wec, written] = co_await http::async_write(stream, req, kUseTuple);
    if (wec)
      co_return std::unexpected(
          Failure{io_error(wec, "while writing the request", limit), is_closed_error(wec), written > 0});

    std::optional<http::response_parser<http::string_body>> parser;
    for (;;) {  // skips interim 1xx responses (100 Continue, 103 Early Hints)
      parser.emplace();
      parser->header_limit(static_cast<std::uint32_t>(options_.max_header_bytes));
      parser->body_limit(max_response_bytes);
      if (head) parser->skip(true);
      limit = budget.limit(timeouts.response_header);
      conn.lowest().expires_after(limit);
      auto [hec, hread] = co_await http::async_read_header(stream, conn.buffer, *parser, kUseTuple);
      (void)hread;
      if (hec == http::error::body_limit)  // a Content-Length over the limit is refused with the header
        co_return std::unexpected(
            Failure{Error::permanent("response larger than " + std::to_string(max_response_bytes) + " bytes"),
                    false, true});
      if (hec) {
        const bool dead = is_closed_error(hec) && !parser->got_some();
        co_return std::unexpected(
            Failure{io_error(hec, "waiting for the response header", limit), dead, true});
      }
      const unsigned status = parser->get().result_int();
      if (status < 100 || status >= 200 || status == 101) break;
    }

    if (on_body_chunk && parser->get().result_int() / 100 == 2 && !head) {
      auto streamed = co_await stream_body(stream, conn, *parser, timeouts, budget, max_response_bytes,
                                           on_body_chunk, next_piece_timeout);
      if (!streamed) co_return std::unexpected(std::move(streamed.error()));
      Response out;
      out.keep_alive = parser->keep_alive() && parser->is_done();
      out.response.status = parser->get().result_int();
      for (const auto& field : parser->get())
        out.response.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
      co_return out;
    }

    limit = budget.limit(timeouts.response_body);
    conn.lowest().expires_after(limit);
    auto [bec, bread] = co_await http::async_read(stream, conn.buffer, *parser, kUseTuple);
    (void)bread;
    if (bec == http::error::body_limit)
      co_return std::unexpected(
          Failure{Error::permanent("response larger than " + std::to_string(max_response_bytes) + " bytes"),
                  false, true});
    if (bec)
      co_return std::unexpected(
          Failure{io_error(bec, "while reading the response body", limit), false, true});

    Response out;
    out.keep_alive = parser->keep_alive() && parser->is_done();
    auto message = parser->release();
    out.response.status = message.result_int();
    for (const auto& field : message)
      out.response.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    out.response.body = std::move(message.body());
    co_return out;
  }

  Result<http::request<http::string_body>> build_request(const HttpClientRequest& request,
                                                         const Target& target,
                                                         const std::optional<ProxyEndpoint>& proxy) const {
    if (!valid_token(request.method)) return fail(Error::invalid_input("invalid HTTP method"));
    http::request<http::string_body> req;
    req.method_string(request.method);
    const bool absolute_form = proxy && !target.tls;
    req.target(absolute_form ? target.scheme + "://" + target.host_header + target.target : target.target);
    req.version(11);
    req.set(http::field::host, target.host_header);
    if (!options_.user_agent.empty()) req.set(http::field::user_agent, options_.user_agent);
    for (const auto& [name, value] : request.headers) {
      // Header names are not secrets, so they may be named; values never are.
      if (!valid_token(name)) return fail(Error::invalid_input("invalid header name"));
      if (has_line_break(value)) return fail(Error::invalid_input("header " + name + " has a line break"));
      if (util::iequals(name, "Host") || util::iequals(name, "User-Agent")) {
        req.set(name, value);
      } else {
        req.insert(name, value);
      }
    }
    if (absolute_form) {
      if (auto auth = proxy->authorization(); !auth.empty()) req.set(http::field::proxy_authorization, auth);
    }
    req.body() = request.body;
    const bool has_length = req.find(http::field::content_length) != req.end() ||
                            req.find(http::field::transfer_encoding) != req.end();
    if (!has_length) req.prepare_payload();
    return req;
  }

  // Static with `self` as a parameter: the frame owns the state from the moment it is created, so
  // a client destroyed before the request starts or while it runs leaves nothing dangling.
  static asio::awaitable<Result<HttpClientResponse>> send(std::shared_ptr<Impl> self,
                                                          HttpClientRequest request) {
    ++self->stats_.requests;
    auto result = co_await self->send_once(request);
    if (!result) self->count(result.error());
    co_return result;
  }

  asio::awaitable<Result<HttpClientResponse>> send_once(const HttpClientRequest& request) {
    auto target = parse_target(request.url);
    if (!target) co_return fail(std::move(target.error()));
    const auto prefix = where(request, *target) + ": ";
    auto with_prefix = [&prefix](Error error) {
      error.message = util::redact_patterns(prefix + error.message);
      return error;
    };
    const auto timeouts = effective(options_.timeouts, request.timeouts);
    const Budget budget(timeouts.total);
    const auto proxy = proxy_for(options_.proxy, target->scheme, target->host, target->port);
    auto req = build_request(request, *target, proxy);
    if (!req) co_return fail(with_prefix(std::move(req.error())));
    const std::string origin = target->origin();
    const bool head = request.method == "HEAD";

    for (int attempt = 0;; ++attempt) {
      std::unique_ptr<Connection> conn = attempt == 0 ? take_idle(origin) : nullptr;
      const bool reused = conn != nullptr;
      if (reused) {
        ++stats_.connections_reused;
      } else {
        auto opened = co_await open(*target, proxy, timeouts, budget);
        if (!opened) co_return fail(with_prefix(std::move(opened.error())));
        conn = std::move(*opened);
      }
      // Not a conditional expression with co_await in both branches: GCC 12 mishandles the temporary.
      std::expected<Response, Failure> exchanged = std::unexpected(Failure{});
      if (conn->secure) {
        exchanged = co_await exchange(*conn->secure, *conn, *req, timeouts, budget, request.max_response_bytes,
                                      head, request.on_body_chunk, request.next_piece_timeout);
      } else {
        exchanged = co_await exchange(*conn->plain, *conn, *req, timeouts, budget, request.max_response_bytes,
                                      head, request.on_body_chunk, request.next_piece_timeout);
      }
      if (exchanged) {
        if (exchanged->keep_alive) put_idle(origin, std::move(conn));
        HttpClientResponse response = std::move(exchanged->response);
        co_return response;
      }
      auto& failure = exchanged.error();
      const bool safe = is_idempotent(request.method) || !failure.request_bytes_written;
      if (reused && attempt == 0 && failure.dead_connection && safe) {
        ++stats_.retries;
        log::debug(kComponent, "{}pooled connection was closed by the server; retrying on a new one", prefix);
        continue;
      }
      co_return fail(with_prefix(std::move(failure.error)));
    }
  }
};

HttpClient::HttpClient(asio::io_context& io, HttpClientOptions options)
    : impl_(std::make_shared<Impl>(io, std::move(options))) {}

HttpClient::~HttpClient() = default;

asio::awaitable<Result<HttpClientResponse>> HttpClient::send(HttpClientRequest request) {
  return Impl::send(impl_, std::move(request));
}

HttpClientStats HttpClient::stats() const {
  return impl_->stats_;
}

std::size_t HttpClient::idle_connections() const {
  std::size_t n = 0;
  for (const auto& [origin, list] : impl_->idle_) n += list.size();
  return n;
}

void HttpClient::close_idle() {
  impl_->idle_.clear();
}

}  // namespace mmclaw::net

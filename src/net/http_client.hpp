#pragma once
// The gateway's HTTP/1.1 client on Asio + Beast with C++20 coroutines: a keep-alive pool per origin,
// a deadline for every phase (ARCHITECTURE.md, rule 4), a response size limit, TLS with hostname
// verification, and HTTP(S)_PROXY / NO_PROXY support (see net/proxy.hpp). Redirects are not
// followed: a 3xx is returned as it is.
//
// Errors (rule 5): transient for resolve, connect, TLS, timeouts and dropped connections;
// permanent for protocol violations and a response over its size limit; invalid_input for a URL
// that cannot be used. Messages name the method and the host:port, never a header value or the
// URL's path or query.
//
// Retries: a request that fails on a reused keep-alive connection because the server had closed it
// is sent once more on a fresh connection, but only when that is safe: an idempotent method, or
// no byte of the request had been written. A POST that may have reached the server is never
// sent twice.
//
// Not thread-safe: construct, call and destroy on the io_context's thread (construction may happen
// before the io_context runs). Requests may run concurrently on that thread; a request in flight
// keeps the client's state alive after the client is destroyed.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include "net/proxy.hpp"
#include "util/cidr.hpp"
#include "util/error.hpp"

namespace mmclaw::net {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

inline constexpr std::size_t kDefaultMaxResponseBytes = 8 * 1024 * 1024;

// One deadline per phase; the whole request is also bounded by `total`.
struct HttpClientTimeouts {
  std::chrono::milliseconds resolve{10000};
  std::chrono::milliseconds connect{10000};  // TCP, and the CONNECT exchange with a proxy
  std::chrono::milliseconds tls_handshake{10000};
  std::chrono::milliseconds write{30000};            // the whole request
  std::chrono::milliseconds response_header{30000};  // from the end of the write
  std::chrono::milliseconds response_body{30000};    // from the end of the header
  std::chrono::milliseconds total{120000};
};

// Per-request overrides of HttpClientTimeouts; unset fields use the client's values.
struct HttpClientTimeoutOverrides {
  std::optional<std::chrono::milliseconds> resolve;
  std::optional<std::chrono::milliseconds> connect;
  std::optional<std::chrono::milliseconds> tls_handshake;
  std::optional<std::chrono::milliseconds> write;
  std::optional<std::chrono::milliseconds> response_header;
  std::optional<std::chrono::milliseconds> response_body;
  std::optional<std::chrono::milliseconds> total;
};

struct HttpClientTlsOptions {
  // Trusted in addition to the system CA store (set_default_verify_paths).
  std::string extra_ca_file;  // path to a PEM file; empty = none
  std::string extra_ca_pem;   // PEM text; empty = none
  // Turns off certificate and hostname verification. Only for tests and explicit operator choice.
  bool insecure_skip_verify = false;
};

struct HttpClientOptions {
  HttpClientTimeouts timeouts;
  std::size_t max_idle_per_origin = 4;
  std::chrono::milliseconds idle_expiry{30000};  // idle pooled connections older than this are closed
  std::size_t max_header_bytes = 64 * 1024;      // larger response header -> permanent error
  HttpClientTlsOptions tls;
  ProxySettings proxy;  // empty = direct; build it with proxy_settings_from_env()
  std::string user_agent = "mmclaw";
  // When set, called for every address the origin's host resolved to, before connecting; an error
  // refuses the request with that error (no connection is attempted). The SSRF guard's second
  // check (net/ssrf_guard.hpp: a public name that resolves to a private address). Not called when
  // the request goes through a proxy: the proxy resolves the name, not this client.
  std::function<Result<void>(std::string_view host, const util::IpAddress& address)> check_resolved_address;
};

// A streamed response body (server-sent events from a model server): each piece is handed to the
// callback as it arrives, instead of being collected. An error from the callback ends the request
// with that error (the consumer cancelled, or the stream went wrong) and the connection is closed.
using HttpBodyChunkHandler = std::function<Result<void>(std::string_view chunk)>;

struct HttpClientRequest {
  std::string method = "GET";
  std::string url;  // absolute, http:// or https://
  HttpHeaders headers;
  std::string body;  // sent with Content-Length when non-empty or when the method carries a body
  HttpClientTimeoutOverrides timeouts;
  std::size_t max_response_bytes = kDefaultMaxResponseBytes;  // body; larger -> permanent error
  // When set and the status is 2xx, the body is streamed to it (the response's `body` stays empty)
  // and `timeouts.response_body` bounds the silence between two pieces, not the whole body; the
  // whole stream is bounded by `max_response_bytes` and the total deadline. A non-2xx body is
  // collected as usual, so the caller can read the error.
  HttpBodyChunkHandler on_body_chunk;
  // With on_body_chunk: when set, asked before each read for the silence allowed until the next
  // piece (a model stream allows a long wait for its first token and a shorter one between tokens);
  // else `timeouts.response_body`.
  std::function<std::chrono::milliseconds()> next_piece_timeout;
};

struct HttpClientResponse {
  unsigned status = 0;
  HttpHeaders headers;  // as received, in order
  std::string body;

  // The first value of header `name` (case-insensitive), or nullopt.
  [[nodiscard]] std::optional<std::string_view> header(std::string_view name) const;
};

// Counters for metrics; they only grow.
struct HttpClientStats {
  std::uint64_t requests = 0;            // send() calls
  std::uint64_t connections_opened = 0;  // new TCP connections (after a successful connect)
  std::uint64_t connections_reused = 0;  // requests sent on a pooled connection
  std::uint64_t stale_discarded = 0;     // pooled connections found closed or expired
  std::uint64_t retries = 0;             // requests sent again after a dead pooled connection
  std::uint64_t errors_transient = 0;
  std::uint64_t errors_permanent = 0;  // includes protocol violations and size limits
  std::uint64_t errors_invalid_input = 0;
};

class HttpClient {
 public:
  // Throws std::invalid_argument when the TLS options cannot be used (an unreadable CA file, bad
  // PEM): a configuration the process should refuse to start with.
  HttpClient(boost::asio::io_context& io, HttpClientOptions options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  boost::asio::awaitable<Result<HttpClientResponse>> send(HttpClientRequest request);

  [[nodiscard]] HttpClientStats stats() const;
  // Idle pooled connections across all origins.
  [[nodiscard]] std::size_t idle_connections() const;
  // Closes every idle pooled connection.
  void close_idle();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace mmclaw::net

#include "net/ws_client.hpp"

#include <openssl/ssl.h>

#include <deque>
#include <exception>
#include <optional>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <boost/url/parse.hpp>

namespace mmclaw::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

using PlainWs = websocket::stream<beast::tcp_stream>;
using TlsWs = websocket::stream<beast::ssl_stream<beast::tcp_stream>>;

struct Frame {
  enum class Kind { text, ping, close };
  Kind kind = Kind::text;
  std::string data;  // text, ping payload or close reason
  int code = 0;      // close
};

struct End {
  int code = 1006;
  std::string reason;
  bool clean = false;
};

struct Target {
  bool tls = false;
  std::string host;         // for resolve, SNI and verification (no brackets)
  std::string port;         // for resolve
  std::string host_header;  // Host: value
  std::string path;         // request target
};

Result<Target> parse_ws_url(std::string_view text) {
  auto parsed = boost::urls::parse_uri(text);
  if (!parsed) return fail(Error::invalid_input("websocket url is not a valid URI"));
  const auto& url = *parsed;
  Target target;
  if (url.scheme_id() == boost::urls::scheme::ws) {
    target.tls = false;
  } else if (url.scheme_id() == boost::urls::scheme::wss) {
    target.tls = true;
  } else {
    return fail(Error::invalid_input("websocket url must start with ws:// or wss://"));
  }
  if (!url.has_authority() || url.host_address().empty())
    return fail(Error::invalid_input("websocket url has no host"));
  target.host = std::string(url.host_address());
  target.port = url.has_port() ? std::string(url.port()) : (target.tls ? "443" : "80");
  const bool ipv6 = url.host_type() == boost::urls::host_type::ipv6;
  target.host_header = ipv6 ? "[" + target.host + "]" : target.host;
  if (url.has_port()) target.host_header += ":" + target.port;
  target.path = url.encoded_path().empty() ? "/" : std::string(url.encoded_path());
  if (url.has_query()) target.path += "?" + std::string(url.encoded_query());
  return target;
}

bool is_ip_address(const std::string& host) {
  boost::system::error_code ec;
  (void)asio::ip::make_address(host, ec);
  return !ec;
}

Error refused(unsigned status) {
  Error error = Error::transient("websocket upgrade refused with HTTP " + std::to_string(status));
  error.status = static_cast<int>(status);
  if (status == 401 || status == 403) {
    error.kind = ErrorKind::auth;
  } else if (status == 429) {
    error.kind = ErrorKind::rate_limited;
  } else if (status < 500) {
    error.kind = ErrorKind::permanent;
  }
  return error;
}

}  // namespace

struct WsClient::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::any_io_executor executor, WsCallbacks callbacks, WsClientOptions options)
      : executor_(std::move(executor)),
        callbacks_(std::move(callbacks)),
        options_(options),
        resolver_(executor_),
        step_timer_(executor_),
        idle_timer_(executor_),
        close_timer_(executor_) {}

  asio::any_io_executor executor_;
  WsCallbacks callbacks_;  // never cleared: a callback may be running when the client is destroyed
  WsClientOptions options_;
  State state_ = State::idle;
  bool destroyed_ = false;
  bool finished_ = false;  // on_close decided (called or suppressed)
  bool writing_ = false;
  tcp::resolver resolver_;
  asio::steady_timer step_timer_;  // the deadline of the current connect step
  std::uint64_t step_generation_ = 0;
  bool step_expired_ = false;
  std::optional<std::string> connect_abort_;  // terminate() or destruction during connect
  asio::steady_timer idle_timer_;
  std::chrono::steady_clock::time_point last_activity_{};
  asio::steady_timer close_timer_;
  int close_code_ = 1000;
  std::unique_ptr<PlainWs> plain_;
  std::unique_ptr<TlsWs> tls_;
  std::deque<Frame> queue_;
  std::optional<End> end_;  // why the connection ended: the first to know wins

  beast::tcp_stream* lowest() {
    if (plain_) return &beast::get_lowest_layer(*plain_);
    if (tls_) return &beast::get_lowest_layer(*tls_);
    return nullptr;
  }

  void shut_socket() {
    resolver_.cancel();
    if (auto* stream = lowest()) {
      beast::error_code ignored;
      stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
      stream->socket().close(ignored);
    }
  }

  // --- connect ---------------------------------------------------------------------------------
  void arm_step(std::chrono::milliseconds duration) {
    step_expired_ = false;
    const auto generation = ++step_generation_;
    step_timer_.expires_after(duration);
    step_timer_.async_wait([weak = weak_from_this(), generation](beast::error_code ec) {
      auto self = weak.lock();
      if (!self || ec || generation != self->step_generation_) return;
      self->step_expired_ = true;
      self->shut_socket();
    });
  }
  void disarm_step() {
    ++step_generation_;
    step_timer_.cancel();
  }

  // The error for a failed step: a timeout, an abort, or the operation's own error.
  Error step_error(std::string_view step, const beast::error_code& ec, std::chrono::milliseconds limit) {
    if (connect_abort_)
      return Error::transient("websocket " + std::string(step) + " aborted: " + *connect_abort_);
    if (step_expired_)
      return Error::transient("websocket " + std::string(step) + " timed out after " +
                              std::to_string(limit.count()) + " ms");
    return Error::transient("websocket " + std::string(step) + " failed: " + ec.message());
  }

  template <class Ws>
  void prepare(Ws& ws, const WsHeaders& headers) {
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = websocket::stream_base::none();  // our own step deadline
    timeouts.idle_timeout = websocket::stream_base::none();       // our own idle deadline
    timeouts.keep_alive_pings = false;
    ws.set_option(timeouts);
    ws.set_option(websocket::stream_base::decorator([headers](websocket::request_type& request) {
      request.set(beast::http::field::user_agent, "mmclaw");
      for (const auto& [name, value] : headers) request.set(name, value);
    }));
    ws.read_message_max(options_.max_message_bytes);
    ws.control_callback([weak = weak_from_this()](websocket::frame_type kind, beast::string_view payload) {
      auto self = weak.lock();
      if (!self || self->destroyed_) return;
      self->touch();
      if (self->state_ != State::open && self->state_ != State::closing) return;
      if (kind == websocket::frame_type::ping && self->callbacks_.on_ping) {
        self->callbacks_.on_ping(std::string(payload));
      } else if (kind == websocket::frame_type::pong && self->callbacks_.on_pong) {
        self->callbacks_.on_pong(std::string(payload));
      }
    });
  }

  template <class Ws>
  asio::awaitable<Result<void>> handshake(Ws& ws, const Target& target) {
    beast::error_code ec;
    beast::get_lowest_layer(ws).expires_never();
    websocket::response_type response;
    arm_step(options_.handshake_timeout);
    co_await ws.async_handshake(response, target.host_header, target.path,
                                asio::redirect_error(asio::use_awaitable, ec));
    disarm_step();
    if (ec) {
      const unsigned status = response.result_int();
      if (!connect_abort_ && !step_expired_ && status != 0 && status != 101) co_return fail(refused(status));
      co_return fail(step_error("upgrade", ec, options_.handshake_timeout));
    }
    co_return Result<void>{};
  }

  static asio::awaitable<Result<void>> connect(std::shared_ptr<Impl> self, std::string url, WsHeaders headers,
                                               ssl::context* tls) {
    if (self->state_ != State::idle)
      co_return fail(Error::invalid_input("websocket client already used; create one per connection"));
    auto target = parse_ws_url(url);
    if (!target) co_return fail(target.error());
    if (target->tls && tls == nullptr) co_return fail(Error::invalid_input("wss:// needs a TLS context"));
    self->state_ = State::connecting;
    auto result = co_await self->connect_steps(*target, headers, tls);
    if (self->destroyed_ && result)
      result = fail(Error::transient("websocket client destroyed while connecting"));
    if (!result) {
      self->state_ = State::closed;
      self->finished_ = true;  // no on_close for a connection that never opened
      self->shut_socket();
      co_return result;
    }
    self->state_ = State::open;
    self->touch();
    self->arm_idle();
    if (self->plain_) {
      self->spawn_reader(*self->plain_);
    } else {
      self->spawn_reader(*self->tls_);
    }
    co_return result;
  }

  asio::awaitable<Result<void>> connect_steps(const Target& target, const WsHeaders& headers,
                                              ssl::context* tls) {
    beast::error_code ec;
    arm_step(options_.resolve_timeout);
    auto endpoints = co_await resolver_.async_resolve(target.host, target.port,
                                                      asio::redirect_error(asio::use_awaitable, ec));
    disarm_step();
    if (ec || connect_abort_)
      co_return fail(step_error("resolve of " + target.host, ec, options_.resolve_timeout));

    if (target.tls) {
      tls_ = std::make_unique<TlsWs>(executor_, *tls);
    } else {
      plain_ = std::make_unique<PlainWs>(executor_);
    }
    arm_step(options_.connect_timeout);
    co_await lowest()->async_connect(endpoints, asio::redirect_error(asio::use_awaitable, ec));
    disarm_step();
    if (!ec) {
      // Pings and small frames go out at once (no Nagle delay).
      boost::system::error_code ignored;
      lowest()->socket().set_option(asio::ip::tcp::no_delay(true), ignored);
    }
    if (ec || connect_abort_)
      co_return fail(step_error("connect to " + target.host_header, ec, options_.connect_timeout));

    if (target.tls) {
      auto& stream = tls_->next_layer();
      // SNI (SSL_set_tlsext_host_name is a macro with an old-style cast).
      if (!is_ip_address(target.host) &&
          SSL_ctrl(stream.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                   const_cast<char*>(target.host.c_str())) != 1)
        co_return fail(Error::permanent("websocket TLS: cannot set the server name"));
      stream.set_verify_mode(ssl::verify_peer);
      stream.set_verify_callback(ssl::host_name_verification(target.host));
      arm_step(options_.tls_timeout);
      co_await stream.async_handshake(ssl::stream_base::client,
                                      asio::redirect_error(asio::use_awaitable, ec));
      disarm_step();
      if (ec || connect_abort_) co_return fail(step_error("TLS handshake", ec, options_.tls_timeout));
      prepare(*tls_, headers);
      co_return co_await handshake(*tls_, target);
    }
    prepare(*plain_, headers);
    co_return co_await handshake(*plain_, target);
  }

  // --- liveness --------------------------------------------------------------------------------
  void touch() { last_activity_ = std::chrono::steady_clock::now(); }

  void arm_idle() {
    if (options_.idle_timeout.count() <= 0) return;
    idle_timer_.expires_at(last_activity_ + options_.idle_timeout);
    idle_timer_.async_wait([weak = weak_from_this()](beast::error_code ec) {
      auto self = weak.lock();
      if (!self || ec || self->destroyed_) return;
      if (self->state_ != State::open && self->state_ != State::closing) return;
      if (std::chrono::steady_clock::now() < self->last_activity_ + self->options_.idle_timeout) {
        self->arm_idle();
        return;
      }
      self->end_now(
          {1006,
           "no frame from the server for " + std::to_string(self->options_.idle_timeout.count()) + " ms",
           false});
    });
  }

  // --- ending ----------------------------------------------------------------------------------
  // Ends the connection at once; the reader then reports `end` (unless something was first).
  void end_now(End end) {
    if (!end_) end_ = std::move(end);
    state_ = State::closed;
    queue_.clear();
    idle_timer_.cancel();
    close_timer_.cancel();
    shut_socket();
  }

  // Called once, by the reader when it stops.
  void finish() {
    if (!end_) end_ = End{1006, "connection ended", false};
    end_now(*end_);
    if (finished_) return;
    finished_ = true;
    if (!destroyed_ && callbacks_.on_close) callbacks_.on_close(end_->code, end_->reason, end_->clean);
  }

  // --- reading ---------------------------------------------------------------------------------
  template <class Ws>
  void spawn_reader(Ws& ws) {
    asio::co_spawn(executor_, read_loop(shared_from_this(), ws),
                   [self = shared_from_this()](std::exception_ptr error) {
                     if (!error) return;
                     // A callback threw: a bug. End the connection visibly, then let the io_context's run()
                     // see it.
                     self->end_now({1006, "internal error in a websocket callback", false});
                     self->finish();
                     std::rethrow_exception(error);
                   });
  }

  template <class Ws>
  static asio::awaitable<void> read_loop(std::shared_ptr<Impl> self, Ws& ws) {
    beast::flat_buffer buffer;
    for (;;) {
      beast::error_code ec;
      co_await ws.async_read(buffer, asio::redirect_error(asio::use_awaitable, ec));
      if (self->destroyed_) co_return;
      if (ec) {
        self->read_ended(ws, ec);
        break;
      }
      self->touch();
      if (self->state_ != State::open && self->state_ != State::closing) break;
      if (ws.got_text() && self->callbacks_.on_text) {
        std::string text = beast::buffers_to_string(buffer.data());
        buffer.consume(buffer.size());
        self->callbacks_.on_text(std::move(text));
        if (self->destroyed_) co_return;
      } else {
        buffer.consume(buffer.size());  // binary frames: activity only (Mattermost sends none)
      }
    }
    self->finish();
  }

  template <class Ws>
  void read_ended(Ws& ws, const beast::error_code& ec) {
    if (ec == websocket::error::closed) {
      const auto& reason = ws.reason();
      int code = reason.code == websocket::close_code::none ? 1005 : static_cast<int>(reason.code);
      if (state_ == State::closing && reason.code == websocket::close_code::none) code = close_code_;
      end_now({code, std::string(reason.reason.data(), reason.reason.size()), true});
    } else if (ec == websocket::error::message_too_big) {
      end_now({1009, "message larger than " + std::to_string(options_.max_message_bytes) + " bytes", false});
    } else if (ec == beast::http::error::end_of_stream || ec == asio::error::eof ||
               ec == asio::error::connection_reset || ec == asio::ssl::error::stream_truncated) {
      end_now({1006, "connection closed without a close frame (" + ec.message() + ")", false});
    } else {
      end_now({1006, "websocket read failed: " + ec.message(), false});
    }
  }

  // --- writing ---------------------------------------------------------------------------------
  Result<void> enqueue(Frame frame) {
    if (state_ != State::open)
      return fail(
          Error::transient(std::string("websocket is not open (") + std::string(to_string(state_)) + ")"));
    if (queue_.size() >= options_.max_queued_frames) {
      std::string reason = "write queue full (" + std::to_string(options_.max_queued_frames) + " frames)";
      end_now({1006, reason, false});
      return fail(Error::transient("websocket " + reason));
    }
    queue_.push_back(std::move(frame));
    kick_writer();
    return {};
  }

  void kick_writer() {
    if (writing_) return;
    writing_ = true;
    if (plain_) {
      spawn_writer(*plain_);
    } else {
      spawn_writer(*tls_);
    }
  }

  template <class Ws>
  void spawn_writer(Ws& ws) {
    asio::co_spawn(executor_, write_loop(shared_from_this(), ws),
                   [self = shared_from_this()](std::exception_ptr error) {
                     self->writing_ = false;
                     if (error) {
                       self->end_now({1006, "internal error in the websocket writer", false});
                       std::rethrow_exception(error);
                     }
                   });
  }

  template <class Ws>
  static asio::awaitable<void> write_loop(std::shared_ptr<Impl> self, Ws& ws) {
    while (!self->queue_.empty() && (self->state_ == State::open || self->state_ == State::closing)) {
      Frame frame = std::move(self->queue_.front());
      self->queue_.pop_front();
      beast::error_code ec;
      switch (frame.kind) {
        case Frame::Kind::text:
          ws.text(true);
          co_await ws.async_write(asio::buffer(frame.data), asio::redirect_error(asio::use_awaitable, ec));
          break;
        case Frame::Kind::ping: {
          const websocket::ping_data payload(frame.data.data(), frame.data.size());
          co_await ws.async_ping(payload, asio::redirect_error(asio::use_awaitable, ec));
          break;
        }
        case Frame::Kind::close: {
          websocket::close_reason reason(static_cast<std::uint16_t>(frame.code));
          reason.reason.assign(frame.data.data(), std::min<std::size_t>(frame.data.size(), 123));
          co_await ws.async_close(reason, asio::redirect_error(asio::use_awaitable, ec));
          if (!ec && !self->end_) {
            // The server answered: report its code (or ours when its frame was empty).
            const auto& peer = ws.reason();
            const int code =
                peer.code == websocket::close_code::none ? frame.code : static_cast<int>(peer.code);
            self->end_now({code, std::string(peer.reason.data(), peer.reason.size()), true});
          }
          break;
        }
      }
      if (self->destroyed_) co_return;
      if (ec && (self->state_ == State::open || self->state_ == State::closing)) {
        self->end_now({1006, "websocket write failed: " + ec.message(), false});
      }
    }
  }
};

WsClient::WsClient(asio::any_io_executor executor, WsCallbacks callbacks, WsClientOptions options)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(callbacks), options)) {}

WsClient::~WsClient() {
  impl_->destroyed_ = true;
  if (impl_->state_ == State::connecting) impl_->connect_abort_ = "client destroyed";
  impl_->disarm_step();
  impl_->end_now({1006, "client destroyed", false});
}

asio::awaitable<Result<void>> WsClient::connect(std::string url, WsHeaders headers, ssl::context* tls) {
  return Impl::connect(impl_, std::move(url), std::move(headers), tls);
}

Result<void> WsClient::send_text(std::string text) {
  Frame frame;
  frame.kind = Frame::Kind::text;
  frame.data = std::move(text);
  return impl_->enqueue(std::move(frame));
}

Result<void> WsClient::send_ping(std::string payload) {
  if (payload.size() > 125) return fail(Error::invalid_input("websocket ping payload longer than 125 bytes"));
  Frame frame;
  frame.kind = Frame::Kind::ping;
  frame.data = std::move(payload);
  return impl_->enqueue(std::move(frame));
}

void WsClient::terminate(std::string reason) {
  auto& impl = *impl_;
  if (impl.state_ == State::connecting) {
    impl.connect_abort_ = std::move(reason);
    impl.disarm_step();
    impl.shut_socket();
    return;
  }
  if (impl.state_ != State::open && impl.state_ != State::closing) return;
  impl.end_now({1006, std::move(reason), false});
}

void WsClient::close(int code, std::string reason) {
  auto& impl = *impl_;
  if (impl.state_ != State::open) return;
  impl.state_ = State::closing;
  impl.close_code_ = code;
  Frame frame;
  frame.kind = Frame::Kind::close;
  frame.data = std::move(reason);
  frame.code = code;
  impl.queue_.push_back(std::move(frame));  // past the bound: a close always fits
  impl.kick_writer();
  impl.close_timer_.expires_after(impl.options_.close_timeout);
  impl.close_timer_.async_wait([weak = impl.weak_from_this()](beast::error_code ec) {
    auto self = weak.lock();
    if (!self || ec || self->destroyed_ || self->state_ != State::closing) return;
    self->end_now(
        {1006,
         "close handshake timed out after " + std::to_string(self->options_.close_timeout.count()) + " ms",
         false});
  });
}

WsClient::State WsClient::state() const noexcept {
  return impl_->state_;
}

std::size_t WsClient::queued_frames() const noexcept {
  return impl_->queue_.size();
}

std::string_view to_string(WsClient::State state) noexcept {
  switch (state) {
    case WsClient::State::idle: return "idle";
    case WsClient::State::connecting: return "connecting";
    case WsClient::State::open: return "open";
    case WsClient::State::closing: return "closing";
    case WsClient::State::closed: return "closed";
  }
  return "unknown";
}

}  // namespace mmclaw::net

#include "mmsim/ws_socket.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/websocket.hpp>

namespace mmsim {

namespace beast = boost::beast;
namespace websocket = beast::websocket;

WsSocket::WsSocket(ConnectionKey key, beast::tcp_stream stream, Callbacks callbacks)
    : key_(key), ws_(std::move(stream)), callbacks_(std::move(callbacks)) {}

void WsSocket::accept(beast::http::request<beast::http::string_body> request, std::function<void()> on_open) {
  // Liveness is the hub's business (pings, pong deadline); Beast only bounds the handshake.
  websocket::stream_base::timeout timeouts{};
  timeouts.handshake_timeout = std::chrono::seconds(30);
  timeouts.idle_timeout = websocket::stream_base::none();
  timeouts.keep_alive_pings = false;
  beast::get_lowest_layer(ws_).expires_never();
  ws_.set_option(timeouts);
  // The hub enforces the real 8 KiB limit (close code 1009); Beast's own limit stays above it.
  ws_.read_message_max(1024 * 1024);
  ws_.auto_fragment(false);
  ws_.control_callback([weak = weak_from_this()](websocket::frame_type kind, beast::string_view) {
    if (auto self = weak.lock();
        self && kind == websocket::frame_type::pong && !self->silenced_ && self->callbacks_.on_pong)
      self->callbacks_.on_pong(self->key_);
  });
  ws_.async_accept(request, [self = shared_from_this(), on_open = std::move(on_open)](beast::error_code ec) {
    if (ec) {
      self->finish();
      return;
    }
    on_open();
    self->read_next();
  });
}

void WsSocket::read_next() {
  if (silenced_ || finished_) return;
  ws_.async_read(read_buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
    if (self->silenced_) return;  // blackholed: the socket stays open and unread
    if (ec) {
      self->finish();
      return;
    }
    if (!self->ws_.got_text()) {  // binary frames: the real server closes the socket
      self->drop();
      return;
    }
    std::string text = beast::buffers_to_string(self->read_buffer_.data());
    self->read_buffer_.consume(self->read_buffer_.size());
    if (self->callbacks_.on_text) self->callbacks_.on_text(self->key_, std::move(text));
    self->read_next();
  });
}

void WsSocket::execute(const HubAction& action) {
  if (finished_ || silenced_) return;
  switch (action.kind) {
    case HubAction::Kind::send_text: enqueue({Outgoing::Kind::text, action.text, 0}); break;
    case HubAction::Kind::send_ping: enqueue({Outgoing::Kind::ping, {}, 0}); break;
    case HubAction::Kind::close_with_empty_frame: enqueue({Outgoing::Kind::close, {}, 0}); break;
    case HubAction::Kind::close_with_code:
      enqueue({Outgoing::Kind::close, {}, static_cast<std::uint16_t>(action.code)});
      break;
    case HubAction::Kind::close_without_frame: drop(); break;
    case HubAction::Kind::stop_io:
      // A half-open socket as the client sees it: nothing read, nothing written, no FIN.
      silenced_ = true;
      queue_.clear();
      {
        // Cancel the pending read so Beast cannot answer one last ping on our behalf.
        beast::error_code ignored;
        beast::get_lowest_layer(ws_).socket().cancel(ignored);
      }
      break;
  }
}

void WsSocket::enqueue(Outgoing out) {
  queue_.push_back(std::move(out));
  if (!writing_) write_next();
}

void WsSocket::write_next() {
  if (queue_.empty() || finished_ || silenced_) {
    writing_ = false;
    return;
  }
  writing_ = true;
  Outgoing& next = queue_.front();
  auto done = [self = shared_from_this()](beast::error_code ec, std::size_t = 0) {
    if (self->silenced_) return;
    if (ec) {
      self->finish();
      return;
    }
    const bool was_close = !self->queue_.empty() && self->queue_.front().kind == Outgoing::Kind::close;
    if (!self->queue_.empty()) self->queue_.pop_front();
    if (was_close) {
      self->drop();
      return;
    }
    if (self->callbacks_.on_queue_depth) self->callbacks_.on_queue_depth(self->key_, self->queue_.size());
    self->write_next();
  };
  switch (next.kind) {
    case Outgoing::Kind::text:
      ws_.text(true);
      ws_.async_write(boost::asio::buffer(next.text), done);
      break;
    case Outgoing::Kind::ping: ws_.async_ping({}, [done](beast::error_code ec) mutable { done(ec); }); break;
    case Outgoing::Kind::close: {
      websocket::close_reason reason;
      if (next.code != 0) reason.code = next.code;
      ws_.async_close(reason, [done](beast::error_code ec) mutable { done(ec); });
      break;
    }
  }
}

void WsSocket::drop() {
  if (finished_) return;
  beast::error_code ignored;
  beast::get_lowest_layer(ws_).socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
  beast::get_lowest_layer(ws_).socket().close(ignored);
  finish();
}

void WsSocket::finish() {
  if (finished_) return;
  finished_ = true;
  queue_.clear();
  if (callbacks_.on_closed) callbacks_.on_closed(key_);
}

}  // namespace mmsim

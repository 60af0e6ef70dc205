#pragma once
// One WebSocket connection of mmsim: the socket side of the hub. It reads frames and reports them
// (text, pong, close) to its owner, and executes the hub's actions in order through a single
// write queue (text frames, pings and close frames never overlap on the wire).

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>

#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "mmsim/hub/hub_types.hpp"

namespace mmsim {

class WsSocket : public std::enable_shared_from_this<WsSocket> {
 public:
  struct Callbacks {
    std::function<void(ConnectionKey, std::string)> on_text;
    std::function<void(ConnectionKey)> on_pong;
    std::function<void(ConnectionKey, std::size_t)> on_queue_depth;
    std::function<void(ConnectionKey)> on_closed;  // once, when the socket is gone for any reason
  };

  WsSocket(ConnectionKey key, boost::beast::tcp_stream stream, Callbacks callbacks);

  // Completes the upgrade (101) for `request`; `on_open` runs when the handshake succeeded.
  void accept(boost::beast::http::request<boost::beast::http::string_body> request,
              std::function<void()> on_open);
  // Executes one hub action addressed to this socket.
  void execute(const HubAction& action);
  [[nodiscard]] ConnectionKey key() const { return key_; }

 private:
  struct Outgoing {
    enum class Kind { text, ping, close } kind = Kind::text;
    std::string text;
    std::uint16_t code = 0;  // close: 0 = a close frame without a payload
  };

  void read_next();
  void enqueue(Outgoing out);
  void write_next();
  void drop();  // closes TCP at once, no close frame
  void finish();

  ConnectionKey key_;
  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
  Callbacks callbacks_;
  boost::beast::flat_buffer read_buffer_;
  std::deque<Outgoing> queue_;
  bool writing_ = false;
  bool silenced_ = false;  // blackholed: never read or write again, keep TCP open
  bool finished_ = false;
};

}  // namespace mmsim

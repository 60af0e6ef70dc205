#pragma once
// Internal to the hub: its state and the helpers its source files share. A `Connection` is what
// the Go server keeps per WebConn and hands over on resume; a `Socket` is one upgraded WebSocket.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "mmsim/hub/dead_queue.hpp"
#include "mmsim/hub/hub.hpp"
#include "mmsim/hub/wire.hpp"

namespace mmsim {

// An event on its way to one connection: the shared serialisation, or a per-connection copy
// (which the Go server writes through json.Encoder instead of the precomputed form).
struct QueuedEvent {
  std::string type;
  std::shared_ptr<const wire::EventParts> parts;
  bool precomputed = true;
};

struct Connection {
  explicit Connection(std::size_t dead_queue_size) : dead(dead_queue_size) {}

  std::string id;
  std::string user_id;
  std::string token;  // empty once the session was found revoked: "not authenticated"
  std::int64_t next_seq = 0;
  int reuse_count = 0;  // resumes so far; hello on (re-)registration only while 0
  DeadQueue dead;
  std::deque<QueuedEvent> pending;  // delivered while inactive, written after a resume
  std::optional<ConnectionKey> socket;
  TimeMs inactive_since = 0;
};

struct Socket {
  TimeMs opened_at = 0;
  TimeMs last_pong_at = 0;  // the read deadline is last_pong_at + pong_timeout_ms
  TimeMs next_ping_at = 0;
  bool auth_checked = false;
  std::size_t depth = 0;       // text frames handed out and not yet written
  std::string connection_id;   // the registered connection; empty while unauthenticated
  std::string provisional_id;  // connection id given at upgrade, used by a later challenge
  bool blackholed = false;
  bool abandoned = false;  // blackholed, and the server side has given up on it
};

struct Hub::State {
  State(HubOptions opts, HubServices svc);

  HubOptions options;
  HubServices services;
  std::map<ConnectionKey, Socket> sockets;
  std::map<std::string, Connection, std::less<>> connections;
  std::set<std::string, std::less<>> muted;
  bool busy = false;
  TimeMs refuse_until = std::numeric_limits<TimeMs>::min();

  Connection* connection_of(const Socket& socket);
  const Connection* connection_of(const Socket& socket) const;
  bool authenticated(const Socket& socket) const;
  // Go's sendSlowWarn: from here on droppable events are skipped.
  std::size_t slow_threshold() const { return options.send_queue_limit * 50 / 100; }

  // A text frame for the socket (nothing while blackholed); `counted` frames pass through the
  // send queue and raise its depth.
  void emit_text(ConnectionKey key, Socket& socket, std::string text, bool counted,
                 std::vector<HubAction>& actions);
  // Assigns the next seq, records the text in the dead queue and writes it.
  void write_event(Connection& connection, ConnectionKey key, Socket& socket, const QueuedEvent& event,
                   bool counted, std::vector<HubAction>& actions);
  // A reply through the send queue; dropped for sockets the hub never registered (as the Go hub
  // drops direct messages to connections outside its index); a full queue closes the socket.
  void send_reply(ConnectionKey key, std::string text, std::vector<HubAction>& actions);
  QueuedEvent hello(const Connection& connection) const;

  // Registers a new connection for the socket and writes its hello.
  void register_fresh(ConnectionKey key, Socket& socket, const std::string& user_id, const std::string& token,
                      const std::string& connection_id, std::vector<HubAction>& actions);
  void rename(Connection& connection, const std::string& new_id);

  // The socket is gone; its connection becomes inactive (resumable).
  void detach(ConnectionKey key, TimeMs now);
  // The socket is gone and its connection forgotten (Go's closeAndRemoveConn).
  void drop(ConnectionKey key);
  // The server side gives up on a blackholed socket, which stays open and silent.
  void abandon(ConnectionKey key, TimeMs now);
  // Forgets inactive connections whose resume window has passed.
  void expire(TimeMs now);
};

HubAction make_action(ConnectionKey key, HubAction::Kind kind);

}  // namespace mmsim

#pragma once
// The connection state machine of one account's Mattermost monitor (channel-behaviour §3.1 steps 2
// and 7, §3.4, §3.5; protocol reference §1.3, §1.6, §1.7), plus what mmclaw adds: a read-idle
// deadline, client pings with a pong deadline, resume with connection_id/sequence_number, a REST
// catch-up whenever the server could not replay, and a visible, slowly retried `auth_failed`.
//
// Pure (ARCHITECTURE.md, rule 1): the I/O monitor reports what happened with the time in ms, and
// carries out the returned actions in order. It never includes Asio or Beast. Not thread-safe:
// drive it from the account's event-loop strand.
//
// Contract with the driver:
//  * Report socket events only for the socket of the latest `open_socket`, and none for a socket
//    once `close_socket` was carried out (the machine has already moved on; a late close of an
//    old socket would otherwise end the new one).
//  * After `close_socket` (terminate: no close handshake wait), do not report its `socket_closed`.
//  * Keep one timer: each `schedule` replaces the previous one; call tick() when it fires. An
//    early or late tick is harmless.
//  * Bound `call_identity` and `call_health_check` with an HTTP deadline (rule 4) and always
//    report their result (ok or failed); a call that never answers stops the health check.
//  * Deliver every event frame to ingress after event_received(), whatever the actions: a
//    duplicate or a frame past a gap is still a real event, and ingress deduplicates by post id.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "net/backoff.hpp"
#include "util/error.hpp"
#include "util/log.hpp"

namespace mmclaw::mattermost {

using TimeMs = std::int64_t;

enum class MonitorState {
  starting,        // constructed, start() not called yet
  identifying,     // GET /users/me in flight or waiting for its retry (§3.1 step 2)
  connecting,      // WebSocket handshake in progress
  authenticating,  // socket open, waiting for the challenge's OK (or, with header auth, any proof)
  ready,           // authenticated session
  backing_off,     // waiting to reconnect
  auth_failed,     // the server rejected the token; identity retried at the slow rate
  stopped,         // stop() called; final
};
std::string_view to_string(MonitorState state) noexcept;

// How the token reaches the server. `challenge` is the reference's way (§3.4). `header` sends it
// at upgrade (Authorization: Bearer), which resume needs (protocol §1.3): the server ignores a
// challenge on such a socket, so the session is proven by hello, by a replayed event, or by the
// OK reply to a `ping` action (send_session_probe).
enum class AuthMode { challenge, header };

struct MonitorTimings {
  TimeMs connect_timeout_ms = 30000;    // TCP + TLS + upgrade (§3.3)
  TimeMs auth_timeout_ms = 30000;       // after the challenge (§3.4)
  TimeMs ping_interval_ms = 30000;      // after open and after each pong (§3.5)
  TimeMs pong_timeout_ms = 10000;       // after a ping
  TimeMs read_idle_timeout_ms = 90000;  // no frame at all; the server pings every 60 s (§1.7)
  TimeMs health_interval_ms = 30000;    // GET /users/me; the first right after open
  net::BackoffPolicy reconnect;         // §3.5; net::reconnect_policy(reconnectInterval)
  net::BackoffPolicy identity;          // §3.1 step 2
  // Consecutive closes before authentication after which the next attempt checks the token with
  // GET /users/me first, so a revoked token ends in auth_failed instead of endless reconnects.
  int preauth_failures_before_identity = 3;
};

struct MonitorOptions {
  MonitorTimings timings;
  AuthMode auth_mode = AuthMode::challenge;
};

enum class CatchUpReason {
  startup,              // first session since start: fetch what was posted while mmclaw was down
  resume_failed,        // a new hello on a reconnect: the server could not replay
  session_invalidated,  // bot account updated or token rejected: events may have been withheld
};
std::string_view to_string(CatchUpReason reason) noexcept;

// --- actions -------------------------------------------------------------------------------------
struct CallIdentity {
  bool operator==(const CallIdentity&) const = default;
};
// ws(s)://<base>/api/v4/websocket, plus ?connection_id=&sequence_number= when resuming.
struct OpenSocket {
  std::optional<std::string> connection_id;
  std::optional<std::int64_t> sequence_number;  // last seq received + 1
  bool token_in_header = false;                 // AuthMode::header
  bool operator==(const OpenSocket&) const = default;
};
// {"seq":<seq>,"action":"authentication_challenge","data":{"token":"..."}}
struct SendAuthChallenge {
  std::int64_t seq = 0;
  bool operator==(const SendAuthChallenge&) const = default;
};
// {"seq":<seq>,"action":"ping"}: with header auth, the OK reply proves the session.
struct SendSessionProbe {
  std::int64_t seq = 0;
  bool operator==(const SendSessionProbe&) const = default;
};
// A WebSocket ping control frame.
struct SendPing {
  bool operator==(const SendPing&) const = default;
};
// GET /users/me; report health_ok or health_failed.
struct CallHealthCheck {
  bool operator==(const CallHealthCheck&) const = default;
};
// Terminate the socket now; `code` is for a close frame if one is sent (4000 ping timeout, 4001
// sequence gap, as the official clients do).
struct CloseSocket {
  int code = 1000;
  std::string reason;
  bool operator==(const CloseSocket&) const = default;
};
// Call tick() at `at_ms` (replaces any earlier schedule).
struct Schedule {
  TimeMs at_ms = 0;
  bool operator==(const Schedule&) const = default;
};
// Fetch missed posts by REST (GET /channels/{id}/posts?since=<cursor>).
struct CatchUp {
  CatchUpReason reason = CatchUpReason::startup;
  bool operator==(const CatchUp&) const = default;
};
struct Log {
  log::Level level = log::Level::info;
  std::string text;
  bool operator==(const Log&) const = default;
};
// status() changed in a way worth publishing; `state` is the new state.
struct StatusChanged {
  MonitorState state = MonitorState::starting;
  bool operator==(const StatusChanged&) const = default;
};

using MonitorAction = std::variant<CallIdentity, OpenSocket, SendAuthChallenge, SendSessionProbe, SendPing,
                                   CallHealthCheck, CloseSocket, Schedule, CatchUp, Log, StatusChanged>;
using MonitorActions = std::vector<MonitorAction>;

// One line per action, for tests and debug logs: "open_socket(connection_id=c1, sequence_number=5)".
std::string to_string(const MonitorAction& action);

// --- status --------------------------------------------------------------------------------------
struct DisconnectInfo {
  TimeMs at = 0;
  int code = 0;
  std::string reason;
  bool operator==(const DisconnectInfo&) const = default;
};

struct MonitorStatus {
  MonitorState state = MonitorState::starting;
  bool connected = false;                 // socket open (authenticating or ready), as §3.2
  std::optional<TimeMs> connected_since;  // when the current socket opened
  std::optional<std::string> last_error;
  std::optional<DisconnectInfo> last_disconnect;
  std::int64_t reconnect_count = 0;  // sockets opened after the first attempt
  std::int64_t events_received = 0;  // event frames, hello included
  std::string connection_id;         // the server's id for resume; empty before the first hello
  std::optional<TimeMs> next_attempt_at;
  std::string bot_id;
  std::string bot_username;
};

// --- the machine ---------------------------------------------------------------------------------
class MonitorFsm {
 public:
  // A null `random` uses net::default_random_source().
  explicit MonitorFsm(MonitorOptions options = {}, net::RandomSource random = {});

  // Begin (§3.1 step 2). Ignored unless the state is `starting`: an account stopped before it
  // started never connects.
  MonitorActions start(TimeMs now);
  MonitorActions identity_ok(std::string_view bot_id, std::string_view username, std::int64_t update_at,
                             TimeMs now);
  MonitorActions identity_failed(ErrorKind kind, std::string_view message, TimeMs now);

  MonitorActions socket_opened(TimeMs now);
  // The `hello` event (seq 0 on a new server-side connection).
  MonitorActions frame_hello(std::string_view connection_id, std::int64_t seq, TimeMs now);
  // A reply frame {"status":"OK","seq_reply":n}.
  MonitorActions auth_reply_ok(std::int64_t seq_reply, TimeMs now);
  // Any event frame other than hello; `seq` is its sequence number.
  MonitorActions event_received(std::int64_t seq, TimeMs now);
  MonitorActions pong_received(TimeMs now);
  // Any other inbound frame: server ping control frames, other replies, frames that are not JSON.
  // They only prove the socket is alive (read-idle deadline).
  MonitorActions frame_activity(TimeMs now);
  // The socket closed by itself (the peer, the network). Whether it had authenticated is known
  // here, and decides between a normal end and a failure (§3.5).
  MonitorActions socket_closed(int code, std::string_view reason, TimeMs now);
  // Connect failure, or an error on an open socket (§3.5 "Error event").
  MonitorActions socket_error(std::string_view message, TimeMs now);

  MonitorActions health_ok(std::int64_t update_at, TimeMs now);
  MonitorActions health_failed(ErrorKind kind, std::string_view message, TimeMs now);

  MonitorActions tick(TimeMs now);
  // Final: terminates the socket if there is one; every later event is ignored.
  MonitorActions stop(TimeMs now);

  MonitorState state() const noexcept { return status_.state; }
  const MonitorStatus& status() const noexcept { return status_; }
  // When tick() should next run; nullopt when nothing is pending.
  std::optional<TimeMs> next_wakeup() const noexcept;

 private:
  bool socket_live() const noexcept;
  void set_state(MonitorState state, MonitorActions& out);
  void log_line(log::Level level, std::string text, MonitorActions& out);
  void call_identity(MonitorActions& out);
  void open_socket(TimeMs now, MonitorActions& out);
  void become_ready(MonitorActions& out);
  void end_attempt(TimeMs now, bool normal_end, MonitorActions& out);
  void terminate(TimeMs now, int code, std::string reason, MonitorActions& out);
  void touch(TimeMs now);
  void liveness(TimeMs now, MonitorActions& out);
  void request_health_check(TimeMs now, MonitorActions& out);
  MonitorActions finish(MonitorActions out, bool force_schedule = false);

  MonitorOptions options_;
  net::Backoff reconnect_backoff_;
  net::Backoff identity_backoff_;
  MonitorStatus status_;

  bool identity_in_flight_ = false;
  bool need_identity_ = true;  // the next attempt starts with GET /users/me
  net::Deadline retry_at_;     // identity retry or reconnect

  std::int64_t next_request_seq_ = 1;  // per monitor, +1 per challenge/probe (§3.4)
  std::int64_t auth_seq_ = 0;          // the challenge/probe of the current socket
  bool authenticated_ = false;         // current socket
  bool ever_ready_ = false;
  bool had_session_before_socket_ = false;  // a hello then means "resume failed", not "startup"
  int preauth_failures_ = 0;
  std::int64_t attempts_ = 0;

  net::Deadline connect_deadline_;
  net::Deadline auth_deadline_;
  net::Deadline ping_due_;
  net::Deadline pong_deadline_;
  net::Deadline idle_deadline_;
  net::Deadline health_due_;
  bool health_in_flight_ = false;
  std::optional<std::int64_t> health_update_at_;  // baseline of the current socket

  // Resume position (protocol §1.6): the server's connection id and the next seq expected.
  std::int64_t expected_seq_ = 0;
  bool resuming_ = false;  // this socket was opened with resume parameters
  std::optional<CatchUpReason> catch_up_pending_;

  std::optional<TimeMs> last_schedule_;
};

}  // namespace mmclaw::mattermost

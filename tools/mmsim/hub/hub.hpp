#pragma once
// mmsim's WebSocket hub as a pure state machine: the socket layer reports what happened on its
// sockets (with the time), the hub answers with actions for those sockets. It owns everything the
// Mattermost server decides about WebSocket connections (protocol reference §1): authentication,
// hello, sequence numbers, broadcast filtering, the dead queue and resume, ping/pong deadlines,
// send-queue limits, the action router, and the fault switches of the control API.
//
// Not thread-safe: drive it from one thread (the event loop). No I/O, no clock, no randomness
// except the default connection-id generator (inject HubServices::new_id for determinism).

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "mmsim/event.hpp"
#include "mmsim/hub/hub_types.hpp"

namespace mmsim {

class Hub {
 public:
  explicit Hub(HubOptions options = {}, HubServices services = {});
  ~Hub();
  Hub(Hub&&) noexcept;
  Hub& operator=(Hub&&) noexcept;
  Hub(const Hub&) = delete;
  Hub& operator=(const Hub&) = delete;

  // --- socket events ---------------------------------------------------------------------------
  // A WebSocket was upgraded. `token` is the one found at upgrade (§1.2), if any. A valid token
  // authenticates at once (hello, seq 0); with `connection_id` it may resume instead (§1.6).
  std::vector<HubAction> open(ConnectionKey key, const std::optional<std::string>& token,
                              const UpgradeQuery& query, TimeMs now);
  // A complete text frame from the client.
  HubResult on_text(ConnectionKey key, std::string_view frame, TimeMs now);
  // A pong frame: the only thing that extends the read deadline.
  void on_pong(ConnectionKey key, TimeMs now);
  // Text frames the socket layer holds but has not finished writing (replaces the hub's count,
  // which grows by one per send_text it emits). Report after every completed write.
  void on_queue_depth(ConnectionKey key, std::size_t depth);
  // The socket is gone (either side closed it). Its connection stays resumable for a while.
  void on_closed(ConnectionKey key, TimeMs now);
  // Timers: ping frames, pong and auth deadlines, expiry of resumable connections.
  std::vector<HubAction> tick(TimeMs now);

  // --- events from the model ---------------------------------------------------------------------
  // Delivers one event to every connection it is for (§1.9), each with its own seq.
  std::vector<HubAction> broadcast(const Event& event, TimeMs now);
  // The sessions of `user_id` may have been revoked: tokens are checked again, and connections
  // whose token no longer resolves to that user stop receiving events and get
  // `not_authenticated` replies, as on the real server.
  void revalidate_sessions(std::string_view user_id);

  // --- fault switches for the control API ----------------------------------------------------------
  // No events reach the user's connections; hello, replies and pings go on.
  void set_events_muted(std::string_view user_id, bool muted);
  // on: every socket open now turns half-open (stop_io per socket): nothing is written or read,
  // events still consume seqs and enter the dead queue, the pong deadline still runs and
  // retires the connection server-side (resumable) without telling the client. Sockets opened
  // later are normal. off: the half-open sockets are reset (close_without_frame).
  std::vector<HubAction> blackhole_all(bool on, TimeMs now);
  // Drops every socket (no close frame); connections stay resumable.
  std::vector<HubAction> close_all(TimeMs now);
  // A server restart: every socket is dropped and all connection state is lost. Half-open
  // sockets stay silent (the client cannot see the restart) until the blackhole ends.
  std::vector<HubAction> restart();
  // Upgrades should be refused (the socket layer answers with an HTTP error) before `until`.
  void refuse_upgrades_until(TimeMs until);
  bool accepting_upgrades(TimeMs now) const;
  // `user_typing` answers 503 server_busy while set (the server's "busy" load shedding).
  void set_server_busy(bool busy);
  // Test input for clients (`/_control/frames`): each text, verbatim, as one text frame to every
  // authenticated socket of `user_id` that is not blackholed, after what is already queued. They
  // are not events: no seq is consumed, the dead queue never replays them, muting does not stop
  // them, and the send-queue limit does not apply (they still count in the queue's depth).
  RawDelivery send_raw(std::string_view user_id, const std::vector<std::string>& frames);

  // --- introspection -------------------------------------------------------------------------------
  // Open sockets first (by key), then resumable connections (by connection id).
  std::vector<ConnectionInfo> connections() const;
  std::size_t socket_count() const;
  std::size_t resumable_count() const;
  const HubOptions& options() const;

  struct State;  // internal (hub_state.hpp); named here so the hub's source files can share it

 private:
  std::unique_ptr<State> state_;
};

}  // namespace mmsim

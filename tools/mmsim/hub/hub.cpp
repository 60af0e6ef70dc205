// The hub's lifecycle: sockets closing, timers, fault switches and introspection. Opening and
// resuming live in hub_open.cpp, client frames in hub_router.cpp, events in hub_broadcast.cpp.

#include "mmsim/hub/hub.hpp"

#include <limits>
#include <utility>

#include "mmsim/hub/hub_state.hpp"

namespace mmsim {

namespace {

using Kind = HubAction::Kind;

// Go's time.Ticker: one tick however late the receiver is, the schedule stays on its grid.
bool ping_due(Socket& socket, TimeMs interval, TimeMs now) {
  if (interval <= 0 || now < socket.next_ping_at) return false;
  while (socket.next_ping_at <= now) socket.next_ping_at += interval;
  return true;
}

std::vector<ConnectionKey> keys_of(const std::map<ConnectionKey, Socket>& sockets) {
  std::vector<ConnectionKey> keys;
  keys.reserve(sockets.size());
  for (const auto& [key, socket] : sockets) keys.push_back(key);
  return keys;
}

}  // namespace

Hub::Hub(HubOptions options, HubServices services)
    : state_(std::make_unique<State>(std::move(options), std::move(services))) {}

Hub::~Hub() = default;
Hub::Hub(Hub&&) noexcept = default;
Hub& Hub::operator=(Hub&&) noexcept = default;

void Hub::on_pong(ConnectionKey key, TimeMs now) {
  auto it = state_->sockets.find(key);
  if (it == state_->sockets.end() || it->second.blackholed) return;
  it->second.last_pong_at = now;
}

void Hub::on_queue_depth(ConnectionKey key, std::size_t depth) {
  auto it = state_->sockets.find(key);
  if (it == state_->sockets.end() || it->second.blackholed) return;
  it->second.depth = depth;
}

void Hub::on_closed(ConnectionKey key, TimeMs now) {
  state_->detach(key, now);
}

std::vector<HubAction> Hub::tick(TimeMs now) {
  State& st = *state_;
  std::vector<HubAction> actions;
  for (ConnectionKey key : keys_of(st.sockets)) {
    Socket& socket = st.sockets.at(key);
    if (socket.abandoned) continue;
    const bool auth_due = !socket.auth_checked && now >= socket.opened_at + st.options.auth_timeout_ms;
    if (auth_due) socket.auth_checked = true;
    const bool auth_failed = auth_due && !st.authenticated(socket);
    const bool read_expired = now >= socket.last_pong_at + st.options.pong_timeout_ms;
    if (socket.blackholed) {
      // The server closes its end as usual, but the client cannot see it: the socket stays silent.
      if (auth_failed || read_expired) {
        st.abandon(key, now);
      } else {
        ping_due(socket, st.options.ping_interval_ms, now);  // written into the void
      }
      continue;
    }
    if (auth_failed || read_expired) {
      actions.push_back(make_action(key, Kind::close_without_frame));
      st.detach(key, now);
      continue;
    }
    if (ping_due(socket, st.options.ping_interval_ms, now)) {
      actions.push_back(make_action(key, Kind::send_ping));
    }
  }
  st.expire(now);
  return actions;
}

void Hub::set_events_muted(std::string_view user_id, bool muted) {
  if (muted) {
    state_->muted.emplace(user_id);
  } else if (auto it = state_->muted.find(user_id); it != state_->muted.end()) {
    state_->muted.erase(it);
  }
}

std::vector<HubAction> Hub::blackhole_all(bool on, TimeMs now) {
  State& st = *state_;
  std::vector<HubAction> actions;
  for (ConnectionKey key : keys_of(st.sockets)) {
    Socket& socket = st.sockets.at(key);
    if (on && !socket.blackholed) {
      socket.blackholed = true;
      actions.push_back(make_action(key, Kind::stop_io));
    } else if (!on && socket.blackholed) {
      // A half-open connection does not come back: the client's next packet meets a reset.
      actions.push_back(make_action(key, Kind::close_without_frame));
      st.detach(key, now);
    }
  }
  return actions;
}

std::vector<HubAction> Hub::close_all(TimeMs now) {
  State& st = *state_;
  std::vector<HubAction> actions;
  for (ConnectionKey key : keys_of(st.sockets)) {
    actions.push_back(make_action(key, Kind::close_without_frame));
    st.detach(key, now);
  }
  return actions;
}

std::vector<HubAction> Hub::restart() {
  State& st = *state_;
  std::vector<HubAction> actions;
  for (ConnectionKey key : keys_of(st.sockets)) {
    Socket& socket = st.sockets.at(key);
    if (socket.blackholed) {
      socket.connection_id.clear();
      socket.abandoned = true;
    } else {
      actions.push_back(make_action(key, Kind::close_without_frame));
      st.sockets.erase(key);
    }
  }
  st.connections.clear();
  return actions;
}

void Hub::refuse_upgrades_until(TimeMs until) {
  state_->refuse_until = until;
}

bool Hub::accepting_upgrades(TimeMs now) const {
  return now >= state_->refuse_until;
}

void Hub::set_server_busy(bool busy) {
  state_->busy = busy;
}

RawDelivery Hub::send_raw(std::string_view user_id, const std::vector<std::string>& frames) {
  State& st = *state_;
  RawDelivery delivery;
  for (auto& [key, socket] : st.sockets) {
    if (socket.blackholed || !st.authenticated(socket)) continue;
    if (st.connection_of(socket)->user_id != user_id) continue;
    ++delivery.sockets;
    // Counted: the socket layer's depth reports include them anyway, and an honest depth keeps
    // the slow-client rules of later broadcasts right.
    for (const std::string& frame : frames) st.emit_text(key, socket, frame, true, delivery.actions);
  }
  return delivery;
}

std::vector<ConnectionInfo> Hub::connections() const {
  const State& st = *state_;
  std::vector<ConnectionInfo> out;
  for (const auto& [key, socket] : st.sockets) {
    ConnectionInfo info;
    info.key = key;
    info.active = !socket.abandoned;
    info.blackholed = socket.blackholed;
    info.queue_depth = socket.depth;
    if (const Connection* c = st.connection_of(socket)) {
      info.connection_id = c->id;
      info.user_id = c->user_id;
      info.authenticated = !c->token.empty();
      info.next_seq = c->next_seq;
      info.dead_queue_size = c->dead.size();
      info.pending_events = c->pending.size();
    }
    out.push_back(std::move(info));
  }
  for (const auto& [id, c] : st.connections) {
    if (c.socket) continue;
    ConnectionInfo info;
    info.connection_id = id;
    info.user_id = c.user_id;
    info.authenticated = !c.token.empty();
    info.next_seq = c.next_seq;
    info.dead_queue_size = c.dead.size();
    info.pending_events = c.pending.size();
    out.push_back(std::move(info));
  }
  return out;
}

std::size_t Hub::socket_count() const {
  return state_->sockets.size();
}

std::size_t Hub::resumable_count() const {
  std::size_t n = 0;
  for (const auto& [id, c] : state_->connections) n += c.socket ? 0 : 1;
  return n;
}

const HubOptions& Hub::options() const {
  return state_->options;
}

}  // namespace mmsim

// Opening a socket: authentication at upgrade and reconnect-with-resume (protocol reference §1.2,
// §1.6; api4/websocket.go, PopulateWebConnConfig, WebConn.writePump).

#include <charconv>

#include "mmsim/hub/hub.hpp"
#include "mmsim/hub/hub_state.hpp"
#include "mmsim/hub/ids.hpp"

namespace mmsim {

namespace {

// strconv.ParseInt(s, 10, 64): an optional sign, decimal digits, nothing else.
std::optional<std::int64_t> parse_go_int(std::string_view s) {
  const bool plus = !s.empty() && s.front() == '+';
  if (plus) s.remove_prefix(1);
  if (s.empty() || s.front() == '+' || (plus && s.front() == '-')) return std::nullopt;
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value, 10);
  if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return value;
}

// The old connection continues on the new socket: replay what the client missed from the dead
// queue (original seqs, no hello), or start over with a new id and hello when the gap cannot be
// filled, then write what was delivered while it was inactive.
void resume(Hub::State& st, Connection& c, ConnectionKey key, Socket& socket, const std::string& token,
            std::int64_t sequence, std::vector<HubAction>& actions) {
  c.socket = key;
  c.token = token;
  ++c.reuse_count;
  socket.connection_id = c.id;
  c.next_seq = sequence;  // the server trusts the client's sequence_number
  if (sequence != 0) {
    if (auto index = c.dead.find(sequence)) {
      for (std::size_t i = *index; i < c.dead.size(); ++i) {
        st.emit_text(key, socket, c.dead.at(i).text, false, actions);
        ++c.next_seq;
      }
    } else if (c.dead.has_loss(sequence)) {
      c.dead.clear();
      st.rename(c, st.services.new_id());
      c.next_seq = 0;
      st.write_event(c, key, socket, st.hello(c), false, actions);
    }
  }
  while (!c.pending.empty()) {
    st.write_event(c, key, socket, c.pending.front(), true, actions);
    c.pending.pop_front();
  }
}

}  // namespace

std::vector<HubAction> Hub::open(ConnectionKey key, const std::optional<std::string>& token,
                                 const UpgradeQuery& query, TimeMs now) {
  State& st = *state_;
  std::vector<HubAction> actions;
  if (st.sockets.contains(key)) st.detach(key, now);
  st.expire(now);

  Socket socket;
  socket.opened_at = now;
  socket.last_pong_at = now;
  socket.next_ping_at = now + st.options.ping_interval_ms;

  std::optional<std::string> user;
  if (token && !token->empty()) user = st.services.user_for_token(*token);
  if (!user) {
    // Still upgraded, unauthenticated; a connection_id in the query is ignored.
    socket.provisional_id = st.services.new_id();
    st.sockets.emplace(key, std::move(socket));
    return actions;
  }

  Connection* old = nullptr;
  std::int64_t sequence = 0;
  if (query.connection_id && !query.connection_id->empty()) {
    const std::string& id = *query.connection_id;
    auto parsed = parse_go_int(query.sequence_number.value_or(""));
    if (!is_valid_id(id) || !parsed) {
      actions.push_back(make_action(key, HubAction::Kind::close_without_frame));
      return actions;
    }
    sequence = *parsed;
    // Only an inactive connection of the same user: one the server still thinks alive is not
    // found, and the client gets a new connection.
    if (auto it = st.connections.find(id); it != st.connections.end()) {
      if (it->second.user_id == *user && !it->second.socket) old = &it->second;
    }
  }

  Socket& placed = st.sockets.insert_or_assign(key, std::move(socket)).first->second;
  if (old != nullptr) {
    resume(st, *old, key, placed, *token, sequence, actions);
  } else {
    st.register_fresh(key, placed, *user, *token, st.services.new_id(), actions);
  }
  return actions;
}

}  // namespace mmsim

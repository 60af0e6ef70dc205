// Delivering events (protocol reference §1.9, web_conn.go ShouldSendEvent, web_hub.go broadcast,
// web_broadcast_hooks.go add_mentions) and re-checking sessions.

#include <algorithm>

#include "mmsim/hub/hub.hpp"
#include "mmsim/hub/hub_state.hpp"

namespace mmsim {

namespace {

bool droppable_when_slow(std::string_view type) {
  return type == "typing" || type == "status_change" || type == "multiple_channels_viewed";
}

bool should_send(Hub::State& st, const Connection& c, const Event& event) {
  if (c.token.empty()) return false;
  if (st.muted.contains(c.user_id)) return false;
  const std::size_t depth = c.socket ? st.sockets.at(*c.socket).depth : c.pending.size();
  if (depth >= st.slow_threshold() && droppable_when_slow(event.event)) return false;

  const Broadcast& b = event.broadcast;
  if (b.contains_sanitized_data || b.contains_sensitive_data) {
    const bool admin = st.services.is_system_admin(c.user_id);
    if (b.contains_sanitized_data && admin) return false;
    if (b.contains_sensitive_data && !admin) return false;
  }
  if (!b.connection_id.empty()) return c.id == b.connection_id;
  if (c.id == b.omit_connection_id) return false;
  if (!b.user_id.empty()) return c.user_id == b.user_id;
  if (b.omit_users.contains(c.user_id)) return false;
  if (!b.channel_id.empty()) return st.services.is_channel_member(c.user_id, b.channel_id);
  if (!b.team_id.empty()) return st.services.is_team_member(c.user_id, b.team_id);
  return true;
}

// The add_mentions broadcast hook: a mentioned receiver's copy carries `mentions` with only its
// own id, as a JSON string; the Go server writes such a copy through json.Encoder.
QueuedEvent for_connection(const Connection& c, const Event& event,
                           const std::shared_ptr<const wire::EventParts>& shared) {
  QueuedEvent queued;
  queued.type = event.event;
  const auto& mentioned = event.mentioned_user_ids;
  if (std::find(mentioned.begin(), mentioned.end(), c.user_id) == mentioned.end()) {
    queued.parts = shared;
    return queued;
  }
  boost::json::object data = event.data;
  data["mentions"] = wire::go_json(boost::json::array{boost::json::string(c.user_id)});
  queued.parts =
      std::make_shared<const wire::EventParts>(wire::event_parts(event.event, data, event.broadcast));
  queued.precomputed = false;
  return queued;
}

}  // namespace

std::vector<HubAction> Hub::broadcast(const Event& event, TimeMs now) {
  State& st = *state_;
  std::vector<HubAction> actions;
  st.expire(now);
  const auto shared =
      std::make_shared<const wire::EventParts>(wire::event_parts(event.event, event.data, event.broadcast));

  std::vector<std::string> ids;
  ids.reserve(st.connections.size());
  for (const auto& [id, c] : st.connections) ids.push_back(id);

  for (const std::string& id : ids) {
    auto it = st.connections.find(id);
    if (it == st.connections.end()) continue;
    Connection& c = it->second;
    if (!c.socket && !st.options.queue_events_while_inactive) continue;
    if (!should_send(st, c, event)) continue;
    QueuedEvent queued = for_connection(c, event, shared);
    if (c.socket) {
      const ConnectionKey key = *c.socket;
      Socket& socket = st.sockets.at(key);
      if (!socket.blackholed && socket.depth >= st.options.send_queue_limit) {
        actions.push_back(make_action(key, HubAction::Kind::close_with_empty_frame));
        st.drop(key);
        continue;
      }
      st.write_event(c, key, socket, queued, true, actions);
    } else if (c.pending.size() >= st.options.send_queue_limit) {
      st.connections.erase(it);  // the Go hub closes and removes it: no resume any more
    } else {
      c.pending.push_back(std::move(queued));
    }
  }
  return actions;
}

void Hub::revalidate_sessions(std::string_view user_id) {
  State& st = *state_;
  for (auto& [id, c] : st.connections) {
    if (c.user_id != user_id || c.token.empty()) continue;
    auto user = st.services.user_for_token(c.token);
    if (!user || *user != user_id) c.token.clear();
  }
}

}  // namespace mmsim

#include "mmsim/hub/hub_state.hpp"

#include <utility>

#include <boost/json/object.hpp>

#include "mmsim/hub/ids.hpp"

namespace mmsim {

namespace json = boost::json;

namespace {

void fill_defaults(HubServices& s) {
  if (!s.user_for_token) s.user_for_token = [](std::string_view) { return std::optional<std::string>{}; };
  if (!s.is_channel_member) s.is_channel_member = [](std::string_view, std::string_view) { return false; };
  if (!s.is_team_member) s.is_team_member = [](std::string_view, std::string_view) { return false; };
  if (!s.is_system_admin) s.is_system_admin = [](std::string_view) { return false; };
  if (!s.can_post) s.can_post = [](std::string_view, std::string_view) { return false; };
  if (!s.all_statuses) s.all_statuses = [] { return std::map<std::string, std::string>{}; };
  if (!s.status_of) s.status_of = [](std::string_view) { return std::string("offline"); };
  if (!s.set_active_status) {
    s.set_active_status = [](std::string_view, bool, bool, TimeMs) { return std::vector<Event>{}; };
  }
  if (!s.new_id) s.new_id = random_id_generator();
}

}  // namespace

HubAction make_action(ConnectionKey key, HubAction::Kind kind) {
  HubAction action;
  action.conn = key;
  action.kind = kind;
  return action;
}

Hub::State::State(HubOptions opts, HubServices svc) : options(std::move(opts)), services(std::move(svc)) {
  fill_defaults(services);
}

Connection* Hub::State::connection_of(const Socket& socket) {
  if (socket.connection_id.empty()) return nullptr;
  auto it = connections.find(socket.connection_id);
  return it == connections.end() ? nullptr : &it->second;
}

const Connection* Hub::State::connection_of(const Socket& socket) const {
  if (socket.connection_id.empty()) return nullptr;
  auto it = connections.find(socket.connection_id);
  return it == connections.end() ? nullptr : &it->second;
}

bool Hub::State::authenticated(const Socket& socket) const {
  const Connection* connection = connection_of(socket);
  return connection != nullptr && !connection->token.empty();
}

void Hub::State::emit_text(ConnectionKey key, Socket& socket, std::string text, bool counted,
                           std::vector<HubAction>& actions) {
  if (socket.blackholed) return;
  HubAction action = make_action(key, HubAction::Kind::send_text);
  action.text = std::move(text);
  actions.push_back(std::move(action));
  if (counted) ++socket.depth;
}

void Hub::State::write_event(Connection& connection, ConnectionKey key, Socket& socket,
                             const QueuedEvent& event, bool counted, std::vector<HubAction>& actions) {
  const std::int64_t seq = connection.next_seq++;
  std::string text =
      event.precomputed ? wire::precomputed_text(*event.parts, seq) : wire::encoded_text(*event.parts, seq);
  connection.dead.push(seq, text);
  emit_text(key, socket, std::move(text), counted, actions);
}

void Hub::State::send_reply(ConnectionKey key, std::string text, std::vector<HubAction>& actions) {
  auto it = sockets.find(key);
  if (it == sockets.end() || it->second.connection_id.empty()) return;
  if (!it->second.blackholed && it->second.depth >= options.send_queue_limit) {
    actions.push_back(make_action(key, HubAction::Kind::close_with_empty_frame));
    drop(key);
    return;
  }
  emit_text(key, it->second, std::move(text), true, actions);
}

QueuedEvent Hub::State::hello(const Connection& connection) const {
  json::object data;
  data["connection_id"] = connection.id;
  if (!options.server_hostname.empty()) data["server_hostname"] = options.server_hostname;
  data["server_version"] = options.server_version;
  Broadcast broadcast;
  broadcast.user_id = connection.user_id;
  QueuedEvent event;
  event.type = "hello";
  event.parts = std::make_shared<const wire::EventParts>(wire::event_parts("hello", data, broadcast));
  event.precomputed = false;  // written directly, through json.Encoder
  return event;
}

void Hub::State::register_fresh(ConnectionKey key, Socket& socket, const std::string& user_id,
                                const std::string& token, const std::string& connection_id,
                                std::vector<HubAction>& actions) {
  Connection fresh(options.dead_queue_size);
  fresh.id = connection_id;
  fresh.user_id = user_id;
  fresh.token = token;
  fresh.socket = key;
  auto [it, inserted] = connections.insert_or_assign(connection_id, std::move(fresh));
  socket.connection_id = connection_id;
  write_event(it->second, key, socket, hello(it->second), true, actions);
}

void Hub::State::rename(Connection& connection, const std::string& new_id) {
  auto node = connections.extract(connection.id);
  node.key() = new_id;
  node.mapped().id = new_id;
  if (node.mapped().socket) sockets.at(*node.mapped().socket).connection_id = new_id;
  connections.insert(std::move(node));
}

void Hub::State::detach(ConnectionKey key, TimeMs now) {
  auto it = sockets.find(key);
  if (it == sockets.end()) return;
  if (Connection* connection = connection_of(it->second); connection && connection->socket == key) {
    connection->socket.reset();
    connection->inactive_since = now;
  }
  sockets.erase(it);
}

void Hub::State::drop(ConnectionKey key) {
  auto it = sockets.find(key);
  if (it == sockets.end()) return;
  if (!it->second.connection_id.empty()) connections.erase(it->second.connection_id);
  sockets.erase(it);
}

void Hub::State::abandon(ConnectionKey key, TimeMs now) {
  Socket& socket = sockets.at(key);
  if (Connection* connection = connection_of(socket); connection && connection->socket == key) {
    connection->socket.reset();
    connection->inactive_since = now;
  }
  socket.connection_id.clear();
  socket.abandoned = true;
}

void Hub::State::expire(TimeMs now) {
  for (auto it = connections.begin(); it != connections.end();) {
    const Connection& c = it->second;
    if (!c.socket && now >= c.inactive_since + options.resume_window_ms) {
      it = connections.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace mmsim

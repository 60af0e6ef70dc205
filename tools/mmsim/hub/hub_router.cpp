// Client frames: decoding, the router and the action handlers (protocol reference §1.3, §1.4;
// web_conn.go readPump, websocket_router.go, wsapi/*.go).

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "mmsim/hub/app_errors.hpp"
#include "mmsim/hub/hub.hpp"
#include "mmsim/hub/hub_state.hpp"
#include "mmsim/hub/ids.hpp"
#include "mmsim/hub/request.hpp"

namespace mmsim {

namespace json = boost::json;

namespace {

constexpr int kCloseMessageTooBig = 1009;

// `req.Data[name].(T)` in Go: the value when present and of that type.
const json::value* member(const ClientRequest& request, std::string_view name) {
  return request.data ? request.data->if_contains(name) : nullptr;
}

std::optional<std::string> string_member(const ClientRequest& request, std::string_view name) {
  const json::value* v = member(request, name);
  if (v == nullptr || !v->is_string()) return std::nullopt;
  return std::string(v->get_string());
}

std::optional<bool> bool_member(const ClientRequest& request, std::string_view name) {
  const json::value* v = member(request, name);
  if (v == nullptr || !v->is_bool()) return std::nullopt;
  return v->get_bool();
}

class Router {
 public:
  Router(Hub::State& st, ConnectionKey key, const ClientRequest& request, TimeMs now, HubResult& result)
      : st_(st), key_(key), request_(request), now_(now), result_(result) {}

  void route() {
    if (request_.action.empty()) return fail(app_errors::no_action());
    if (request_.seq <= 0) return fail(app_errors::bad_seq());
    if (request_.action == "authentication_challenge") return challenge();
    if (request_.action == "presence") return ok({});
    Connection* c = st_.connection_of(st_.sockets.at(key_));
    if (c == nullptr || c->token.empty()) return fail(app_errors::not_authenticated());
    const std::string user = c->user_id;
    const std::string& action = request_.action;
    if (action == "ping") return ping();
    if (action == "user_typing") return user_typing(user);
    if (action == "get_statuses") return get_statuses();
    if (action == "get_statuses_by_ids") return get_statuses_by_ids();
    if (action == "user_update_active_status") return user_update_active_status(user);
    if (action == "posted_notify_ack") return ok({});
    fail(app_errors::bad_action());
  }

 private:
  void ok(const json::object& data) {
    st_.send_reply(key_, wire::ok_reply(request_.seq, data), result_.actions);
  }
  void fail(const wire::AppError& error) {
    st_.send_reply(key_, wire::fail_reply(request_.seq, error), result_.actions);
  }
  void close() {
    result_.actions.push_back(make_action(key_, HubAction::Kind::close_without_frame));
    st_.detach(key_, now_);
  }

  // A valid token registers the connection: hello first, then OK. A bad token closes the
  // socket without a reply; a connection that has a session ignores the challenge.
  void challenge() {
    Socket& socket = st_.sockets.at(key_);
    Connection* c = st_.connection_of(socket);
    if (c != nullptr && !c->token.empty()) return;
    auto token = string_member(request_, "token");
    if (!token) return close();
    auto user = st_.services.user_for_token(*token);
    if (!user) return close();
    if (c == nullptr) {
      st_.register_fresh(key_, socket, *user, *token, socket.provisional_id, result_.actions);
    } else {  // a connection whose session was revoked signs in again
      c->token = *token;
      c->user_id = *user;
      if (c->reuse_count == 0) st_.write_event(*c, key_, socket, st_.hello(*c), true, result_.actions);
    }
    ok({});
  }

  void ping() {
    json::object data;
    data["text"] = "pong";
    data["version"] = st_.options.current_version;
    data["server_time"] = now_;
    data["node_id"] = st_.options.node_id;
    ok(data);
  }

  void user_typing(const std::string& user) {
    if (st_.busy) return fail(app_errors::server_busy());
    auto channel = string_member(request_, "channel_id");
    if (!channel || !is_valid_id(*channel)) return fail(app_errors::invalid_param("channel_id"));
    if (!st_.services.can_post(user, *channel)) return fail(app_errors::invalid_param("channel_id"));
    Event typing;
    typing.event = "typing";
    typing.data["parent_id"] = string_member(request_, "parent_id").value_or("");
    typing.data["user_id"] = user;
    typing.broadcast.channel_id = *channel;
    typing.broadcast.omit_users.insert(user);
    result_.events.push_back(std::move(typing));
    ok({});
  }

  void get_statuses() {
    json::object data;
    for (const auto& [user, status] : st_.services.all_statuses()) data[user] = status;
    ok(data);
  }

  // model.ArrayFromInterface: the string elements of an array; anything else gives none.
  void get_statuses_by_ids() {
    std::vector<std::string> ids;
    if (const json::value* v = member(request_, "user_ids"); v != nullptr && v->is_array()) {
      for (const auto& element : v->get_array()) {
        if (element.is_string()) ids.emplace_back(element.get_string());
      }
    }
    if (ids.empty()) return fail(app_errors::invalid_param("user_ids"));
    json::object data;
    for (const auto& id : ids) data[id] = st_.services.status_of(id);
    ok(data);
  }

  void user_update_active_status(const std::string& user) {
    auto active = bool_member(request_, "user_is_active");
    if (!active) return fail(app_errors::invalid_param("user_is_active"));
    const bool manual = bool_member(request_, "manual").value_or(false);
    for (auto& event : st_.services.set_active_status(user, *active, manual, now_)) {
      result_.events.push_back(std::move(event));
    }
    ok({});
  }

  Hub::State& st_;
  ConnectionKey key_;
  const ClientRequest& request_;
  TimeMs now_;
  HubResult& result_;
};

}  // namespace

HubResult Hub::on_text(ConnectionKey key, std::string_view frame, TimeMs now) {
  State& st = *state_;
  HubResult result;
  auto it = st.sockets.find(key);
  if (it == st.sockets.end() || it->second.blackholed) return result;
  if (frame.size() > st.options.max_frame_bytes) {
    HubAction close = make_action(key, HubAction::Kind::close_with_code);
    close.code = kCloseMessageTooBig;
    result.actions.push_back(std::move(close));
    st.detach(key, now);
    return result;
  }
  auto request = decode_request(frame);
  if (!request) {
    result.actions.push_back(make_action(key, HubAction::Kind::close_without_frame));
    st.detach(key, now);
    return result;
  }
  // Plugin actions never reach the router: no reply, whatever else is wrong with the frame.
  if (request->action.starts_with("custom_")) return result;
  Router(st, key, *request, now, result).route();
  return result;
}

}  // namespace mmsim

#pragma once
// The vocabulary of mmsim's WebSocket hub: what goes in (options, services, upgrade query), what
// comes out (actions for the socket layer), and what tests and the control API can inspect.
// Times are milliseconds on whatever clock the caller uses; the hub never reads a clock.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mmsim/event.hpp"

namespace mmsim {

using TimeMs = std::int64_t;
// The socket layer's handle for one accepted WebSocket; the hub never invents one.
using ConnectionKey = std::uint64_t;

// Defaults are the Mattermost server's (protocol reference §1.7); tests shrink the timers.
struct HubOptions {
  TimeMs ping_interval_ms = 60000;     // server ping frames (pingInterval)
  TimeMs pong_timeout_ms = 100000;     // read deadline, extended only by pongs (pongWait)
  TimeMs auth_timeout_ms = 5000;       // one-shot check after open (authCheckInterval)
  TimeMs resume_window_ms = 300000;    // an inactive connection stays resumable this long
  std::size_t dead_queue_size = 128;   // last events written, replayed on resume
  std::size_t send_queue_limit = 256;  // full: close with an empty close frame
  std::size_t max_frame_bytes = 8192;  // larger client frames: close code 1009
  // The Go hub keeps delivering into the send queue of an inactive (resumable) connection and
  // writes that backlog after a resume. false drops events for inactive connections instead.
  bool queue_events_while_inactive = true;
  // hello `server_version`: CurrentVersion.BuildNumber.ClientConfigHash.IsLicensed (§2.1).
  std::string server_version = "10.5.0.10.5.0.4b0e1b2c8d5f6a7e9c3d2f1a0b9c8d7e.false";
  std::string current_version = "10.5.0";  // `version` in the `ping` action reply
  std::string server_hostname = "mmsim";   // hello `server_hostname`; empty omits the field
  std::string node_id;                     // `node_id` in the `ping` action reply
};

// What the hub needs to know from the rest of mmsim (the model). Every callback may be left
// empty: tokens then never resolve, membership and permissions are denied, statuses are
// unknown ("offline"), and connection ids come from a random generator.
struct HubServices {
  std::function<std::optional<std::string>(std::string_view token)> user_for_token;
  std::function<bool(std::string_view user_id, std::string_view channel_id)> is_channel_member;
  std::function<bool(std::string_view user_id, std::string_view team_id)> is_team_member;
  std::function<bool(std::string_view user_id)> is_system_admin;
  // `create_post` on the channel; gates the `user_typing` action.
  std::function<bool(std::string_view user_id, std::string_view channel_id)> can_post;
  // `get_statuses`: the statuses the server has cached, user id -> status.
  std::function<std::map<std::string, std::string>()> all_statuses;
  // `get_statuses_by_ids`: one user's status ("offline" for users without one).
  std::function<std::string(std::string_view user_id)> status_of;
  // `user_update_active_status`: the model updates the status; returns the events it publishes
  // (e.g. `status_change`), which the hub hands back for broadcasting.
  std::function<std::vector<Event>(std::string_view user_id, bool active, bool manual, TimeMs now)>
      set_active_status;
  // New connection ids: 26 chars from the Mattermost id alphabet. Inject for deterministic tests.
  std::function<std::string()> new_id;
};

// Query parameters of the upgrade request, URL-decoded; nullopt when absent.
struct UpgradeQuery {
  std::optional<std::string> connection_id;
  std::optional<std::string> sequence_number;
};

// One thing for the socket layer to do, in order. After any close kind the hub has forgotten the
// socket; the layer closes it and later reports on_closed (which is then a no-op).
struct HubAction {
  enum class Kind {
    send_text,               // write `text` as one text frame, after the frames already queued
    send_ping,               // write a ping frame with an empty payload
    close_without_frame,     // drop the TCP connection at once, no close frame (client sees 1006)
    close_with_empty_frame,  // after the queued frames, a close frame with no payload (1005), then drop
    close_with_code,         // close frame carrying `code` (1009 for oversized frames), then drop
    stop_io,                 // blackhole: keep the TCP connection open, never read or write it again
  };
  ConnectionKey conn = 0;
  Kind kind = Kind::send_text;
  std::string text;
  int code = 0;

  friend bool operator==(const HubAction&, const HubAction&) = default;
};

// What a client frame produced: actions for the socket layer and events for broadcast().
struct HubResult {
  std::vector<HubAction> actions;
  std::vector<Event> events;
};

// Raw frames for one user's sockets (Hub::send_raw): the actions, and how many sockets they reach.
struct RawDelivery {
  std::vector<HubAction> actions;
  std::size_t sockets = 0;
};

// One socket or resumable connection, for tests and the control API.
struct ConnectionInfo {
  std::optional<ConnectionKey> key;  // the socket, while there is one
  std::string connection_id;         // empty for a socket that never authenticated
  std::string user_id;
  bool authenticated = false;  // registered and its session still valid
  bool active = false;         // bound to an open socket
  bool blackholed = false;     // its socket is silent (blackhole_all)
  std::int64_t next_seq = 0;   // seq the next event written gets
  std::size_t dead_queue_size = 0;
  std::size_t pending_events = 0;  // queued while inactive
  std::size_t queue_depth = 0;     // text frames the socket layer has not written yet
};

}  // namespace mmsim

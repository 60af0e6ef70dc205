#include "mattermost/monitor_fsm.hpp"

#include <fmt/format.h>

#include <utility>

namespace mmclaw::mattermost {

namespace {

template <class... Fs>
struct Overloaded : Fs... {
  using Fs::operator()...;
};

std::string seconds_text(TimeMs ms) {
  return fmt::format("{:.1f}", static_cast<double>(ms) / 1000.0);
}

std::string_view level_name(log::Level level) {
  switch (level) {
    case log::Level::trace: return "trace";
    case log::Level::debug: return "debug";
    case log::Level::info: return "info";
    case log::Level::warn: return "warn";
    case log::Level::error: return "error";
    case log::Level::off: return "off";
  }
  return "?";
}

}  // namespace

std::string_view to_string(MonitorState state) noexcept {
  switch (state) {
    case MonitorState::starting: return "starting";
    case MonitorState::identifying: return "identifying";
    case MonitorState::connecting: return "connecting";
    case MonitorState::authenticating: return "authenticating";
    case MonitorState::ready: return "ready";
    case MonitorState::backing_off: return "backing_off";
    case MonitorState::auth_failed: return "auth_failed";
    case MonitorState::stopped: return "stopped";
  }
  return "?";
}

std::string_view to_string(CatchUpReason reason) noexcept {
  switch (reason) {
    case CatchUpReason::startup: return "startup";
    case CatchUpReason::resume_failed: return "resume_failed";
    case CatchUpReason::session_invalidated: return "session_invalidated";
  }
  return "?";
}

std::string to_string(const MonitorAction& action) {
  return std::visit(
      Overloaded{
          [](const CallIdentity&) -> std::string { return "call_identity"; },
          [](const OpenSocket& a) -> std::string {
            std::string text = "open_socket(";
            if (a.connection_id) text += fmt::format("connection_id={}", *a.connection_id);
            if (a.sequence_number) text += fmt::format(", sequence_number={}", *a.sequence_number);
            if (a.token_in_header) text += a.connection_id ? ", header" : "header";
            return text + ")";
          },
          [](const SendAuthChallenge& a) { return fmt::format("send_auth_challenge({})", a.seq); },
          [](const SendSessionProbe& a) { return fmt::format("send_session_probe({})", a.seq); },
          [](const SendPing&) -> std::string { return "send_ping"; },
          [](const CallHealthCheck&) -> std::string { return "call_health_check"; },
          [](const CloseSocket& a) { return fmt::format("close_socket({}, {})", a.code, a.reason); },
          [](const Schedule& a) { return fmt::format("schedule({})", a.at_ms); },
          [](const CatchUp& a) { return fmt::format("catch_up({})", to_string(a.reason)); },
          [](const Log& a) { return fmt::format("log({}: {})", level_name(a.level), a.text); },
          [](const StatusChanged& a) { return fmt::format("status({})", to_string(a.state)); },
      },
      action);
}

MonitorFsm::MonitorFsm(MonitorOptions options, net::RandomSource random)
    : options_(std::move(options)),
      reconnect_backoff_(options_.timings.reconnect, random),
      identity_backoff_(options_.timings.identity, random) {}

// --- helpers -------------------------------------------------------------------------------------

bool MonitorFsm::socket_live() const noexcept {
  const auto s = status_.state;
  return s == MonitorState::connecting || s == MonitorState::authenticating || s == MonitorState::ready;
}

void MonitorFsm::set_state(MonitorState state, MonitorActions& out) {
  status_.state = state;
  status_.connected = state == MonitorState::authenticating || state == MonitorState::ready;
  out.emplace_back(StatusChanged{state});
}

void MonitorFsm::log_line(log::Level level, std::string text, MonitorActions& out) {
  out.emplace_back(Log{level, std::move(text)});
}

void MonitorFsm::call_identity(MonitorActions& out) {
  identity_in_flight_ = true;
  retry_at_.clear();
  status_.next_attempt_at.reset();
  out.emplace_back(CallIdentity{});
}

void MonitorFsm::open_socket(TimeMs now, MonitorActions& out) {
  if (attempts_++ > 0) ++status_.reconnect_count;
  retry_at_.clear();
  status_.next_attempt_at.reset();
  connect_deadline_ = net::Deadline::after(now, options_.timings.connect_timeout_ms);
  authenticated_ = false;
  had_session_before_socket_ = ever_ready_;
  // Resume whenever the server gave us a connection id: the answer (replay or a new hello) tells
  // whether anything was lost. Without one the socket starts fresh and expects hello (seq 0).
  resuming_ = !status_.connection_id.empty();
  OpenSocket open;
  open.token_in_header = options_.auth_mode == AuthMode::header;
  if (resuming_) {
    open.connection_id = status_.connection_id;
    open.sequence_number = expected_seq_;
  } else {
    expected_seq_ = 0;
  }
  set_state(MonitorState::connecting, out);
  out.emplace_back(std::move(open));
}

void MonitorFsm::become_ready(MonitorActions& out) {
  authenticated_ = true;
  ever_ready_ = true;
  preauth_failures_ = 0;
  auth_deadline_.clear();
  set_state(MonitorState::ready, out);
  log_line(log::Level::info,
           fmt::format("mattermost websocket authenticated (connection {})",
                       status_.connection_id.empty() ? "?" : status_.connection_id),
           out);
  if (catch_up_pending_) {
    out.emplace_back(CatchUp{*catch_up_pending_});
    catch_up_pending_.reset();
  }
}

// The attempt is over (the socket is gone or abandoned): clear its timers and wait to reconnect.
void MonitorFsm::end_attempt(TimeMs now, bool normal_end, MonitorActions& out) {
  connect_deadline_.clear();
  auth_deadline_.clear();
  ping_due_.clear();
  pong_deadline_.clear();
  idle_deadline_.clear();
  health_due_.clear();
  health_update_at_.reset();
  status_.connected_since.reset();
  if (!normal_end && !authenticated_ &&
      ++preauth_failures_ >= options_.timings.preauth_failures_before_identity) {
    need_identity_ = true;
  }
  authenticated_ = false;
  const TimeMs delay = normal_end ? reconnect_backoff_.after_success() : reconnect_backoff_.after_failure();
  retry_at_ = net::Deadline::after(now, delay);
  status_.next_attempt_at = now + delay;
  set_state(MonitorState::backing_off, out);
  log_line(log::Level::info, fmt::format("mattermost reconnecting in {}s", seconds_text(delay)), out);
}

// The machine gives up on a live socket (timeouts, gaps, account updates, errors).
void MonitorFsm::terminate(TimeMs now, int code, std::string reason, MonitorActions& out) {
  const bool normal_end = authenticated_;
  status_.last_error = reason;
  out.emplace_back(CloseSocket{code, std::move(reason)});
  end_attempt(now, normal_end, out);
}

void MonitorFsm::touch(TimeMs now) {
  if (status_.state == MonitorState::authenticating || status_.state == MonitorState::ready) {
    idle_deadline_ = net::Deadline::after(now, options_.timings.read_idle_timeout_ms);
  }
}

void MonitorFsm::request_health_check(TimeMs now, MonitorActions& out) {
  health_due_ = net::Deadline::after(now, options_.timings.health_interval_ms);
  if (health_in_flight_) return;  // never two in flight (§3.5); try again next interval
  health_in_flight_ = true;
  out.emplace_back(CallHealthCheck{});
}

std::optional<TimeMs> MonitorFsm::next_wakeup() const noexcept {
  using net::earliest;
  switch (status_.state) {
    case MonitorState::identifying:
    case MonitorState::auth_failed:
    case MonitorState::backing_off: return retry_at_.when();
    case MonitorState::connecting: return connect_deadline_.when();
    case MonitorState::authenticating:
    case MonitorState::ready:
      return earliest(earliest(earliest(auth_deadline_.when(), ping_due_.when()),
                               earliest(pong_deadline_.when(), idle_deadline_.when())),
                      health_due_.when());
    case MonitorState::starting:
    case MonitorState::stopped: return std::nullopt;
  }
  return std::nullopt;
}

// Appends a schedule when the wake-up time moved, so the driver keeps exactly one timer.
MonitorActions MonitorFsm::finish(MonitorActions out, bool force_schedule) {
  const auto wake = next_wakeup();
  if (wake && (force_schedule || wake != last_schedule_)) out.emplace_back(Schedule{*wake});
  last_schedule_ = wake;
  return out;
}

// --- events --------------------------------------------------------------------------------------

MonitorActions MonitorFsm::start(TimeMs now) {
  (void)now;
  MonitorActions out;
  if (status_.state != MonitorState::starting) return out;
  set_state(MonitorState::identifying, out);
  call_identity(out);
  return finish(std::move(out));
}

MonitorActions MonitorFsm::identity_ok(std::string_view bot_id, std::string_view username,
                                       std::int64_t update_at, TimeMs now) {
  (void)update_at;  // the health check keeps its own baseline per socket (§3.5)
  MonitorActions out;
  if (!identity_in_flight_ || status_.state == MonitorState::stopped) return out;
  identity_in_flight_ = false;
  need_identity_ = false;
  preauth_failures_ = 0;
  identity_backoff_.reset();
  status_.bot_id = bot_id;
  status_.bot_username = username;
  log_line(log::Level::info,
           fmt::format("mattermost connected as {}{}", username.empty() ? "" : "@",
                       username.empty() ? bot_id : username),
           out);
  open_socket(now, out);
  return finish(std::move(out));
}

MonitorActions MonitorFsm::identity_failed(ErrorKind kind, std::string_view message, TimeMs now) {
  MonitorActions out;
  if (!identity_in_flight_ || status_.state == MonitorState::stopped) return out;
  identity_in_flight_ = false;
  status_.last_error = std::string(message);
  const bool rejected = kind == ErrorKind::auth;
  log_line(rejected ? log::Level::error : log::Level::warn,
           fmt::format("mattermost: API auth failed: {}", message), out);
  // A rejected token does not get better by retrying fast: retry at the slow rate, visibly.
  const TimeMs delay = rejected ? identity_backoff_.slow_delay() : identity_backoff_.after_failure();
  retry_at_ = net::Deadline::after(now, delay);
  status_.next_attempt_at = now + delay;
  const auto next_state = rejected ? MonitorState::auth_failed : MonitorState::identifying;
  if (next_state != status_.state) set_state(next_state, out);
  log_line(log::Level::info,
           fmt::format("mattermost: API not accessible, retrying in {}s", seconds_text(delay)), out);
  return finish(std::move(out));
}

MonitorActions MonitorFsm::socket_opened(TimeMs now) {
  MonitorActions out;
  if (status_.state != MonitorState::connecting) return out;
  connect_deadline_.clear();
  status_.connected_since = now;
  set_state(MonitorState::authenticating, out);
  auth_seq_ = next_request_seq_++;
  auth_deadline_ = net::Deadline::after(now, options_.timings.auth_timeout_ms);
  if (options_.auth_mode == AuthMode::challenge) {
    out.emplace_back(SendAuthChallenge{auth_seq_});
  } else {
    out.emplace_back(SendSessionProbe{auth_seq_});
  }
  idle_deadline_ = net::Deadline::after(now, options_.timings.read_idle_timeout_ms);
  ping_due_ = net::Deadline::after(now, options_.timings.ping_interval_ms);
  pong_deadline_.clear();
  health_update_at_.reset();
  request_health_check(now, out);
  return finish(std::move(out));
}

MonitorActions MonitorFsm::frame_hello(std::string_view connection_id, std::int64_t seq, TimeMs now) {
  MonitorActions out;
  if (status_.state != MonitorState::authenticating && status_.state != MonitorState::ready) return out;
  touch(now);
  ++status_.events_received;
  // A hello means a new server-side connection: whatever was sent to the old one since our last
  // seq is gone (protocol §1.6 outcomes 3 and 4), so the gap is filled by REST.
  const auto reason =
      had_session_before_socket_ || resuming_ ? CatchUpReason::resume_failed : CatchUpReason::startup;
  if (!catch_up_pending_) catch_up_pending_ = reason;
  status_.connection_id = connection_id;
  expected_seq_ = seq + 1;
  resuming_ = false;
  if (status_.state == MonitorState::ready) {
    out.emplace_back(CatchUp{*catch_up_pending_});
    catch_up_pending_.reset();
  } else if (options_.auth_mode == AuthMode::header) {
    become_ready(out);  // the server only says hello to an authenticated connection
  }
  return finish(std::move(out));
}

MonitorActions MonitorFsm::auth_reply_ok(std::int64_t seq_reply, TimeMs now) {
  MonitorActions out;
  if (status_.state != MonitorState::authenticating && status_.state != MonitorState::ready) return out;
  touch(now);
  if (status_.state == MonitorState::authenticating && seq_reply == auth_seq_) become_ready(out);
  return finish(std::move(out));
}

MonitorActions MonitorFsm::event_received(std::int64_t seq, TimeMs now) {
  MonitorActions out;
  if (status_.state != MonitorState::authenticating && status_.state != MonitorState::ready) return out;
  touch(now);
  ++status_.events_received;
  if (seq < expected_seq_) {
    // Already seen (a replay overlapping what we had); ingress deduplicates.
    log_line(log::Level::debug,
             fmt::format("mattermost websocket duplicate seq {} (expected {})", seq, expected_seq_), out);
    return finish(std::move(out));
  }
  if (seq > expected_seq_) {
    // Like the official clients (4001): reconnect and let the server replay from the hole.
    log_line(log::Level::warn,
             fmt::format("mattermost websocket sequence gap (expected {}, got {}) — reconnecting",
                         expected_seq_, seq),
             out);
    terminate(now, 4001, "sequence gap", out);
    return finish(std::move(out));
  }
  ++expected_seq_;
  if (status_.state == MonitorState::authenticating && options_.auth_mode == AuthMode::header) {
    become_ready(out);  // a replayed event proves the resumed session
  }
  return finish(std::move(out));
}

MonitorActions MonitorFsm::pong_received(TimeMs now) {
  MonitorActions out;
  if (status_.state != MonitorState::authenticating && status_.state != MonitorState::ready) return out;
  touch(now);
  if (pong_deadline_.armed()) {
    pong_deadline_.clear();
    ping_due_ = net::Deadline::after(now, options_.timings.ping_interval_ms);
  }
  return finish(std::move(out));
}

MonitorActions MonitorFsm::frame_activity(TimeMs now) {
  touch(now);
  return finish({});
}

MonitorActions MonitorFsm::socket_closed(int code, std::string_view reason, TimeMs now) {
  MonitorActions out;
  if (!socket_live()) return out;
  status_.last_disconnect = DisconnectInfo{now, code, std::string(reason)};
  const bool normal_end = authenticated_;
  if (status_.state == MonitorState::connecting) {
    status_.last_error = fmt::format("websocket closed before open (code {})", code);
    log_line(log::Level::warn, fmt::format("mattermost connection failed: {}", *status_.last_error), out);
  } else if (status_.state == MonitorState::authenticating) {
    status_.last_error = fmt::format(
        "websocket closed before authentication completed (code {}) — either the bot token was rejected or "
        "the connection dropped (server restart, proxy reset); check the Mattermost bot token if this "
        "repeats",
        code);
    log_line(log::Level::warn, fmt::format("mattermost connection failed: {}", *status_.last_error), out);
  } else {
    log_line(
        log::Level::warn,
        fmt::format("mattermost websocket closed (code {}{}{})", code, reason.empty() ? "" : ": ", reason),
        out);
  }
  end_attempt(now, normal_end, out);
  return finish(std::move(out));
}

MonitorActions MonitorFsm::socket_error(std::string_view message, TimeMs now) {
  MonitorActions out;
  if (!socket_live()) return out;
  if (status_.state == MonitorState::connecting) {
    log_line(log::Level::warn, fmt::format("mattermost connection failed: {}", message), out);
  } else {
    log_line(log::Level::warn, fmt::format("mattermost websocket error: {}", message), out);
  }
  terminate(now, 1006, std::string(message), out);
  return finish(std::move(out));
}

MonitorActions MonitorFsm::health_ok(std::int64_t update_at, TimeMs now) {
  MonitorActions out;
  if (!health_in_flight_) return out;
  health_in_flight_ = false;
  if (status_.state != MonitorState::authenticating && status_.state != MonitorState::ready) return out;
  if (!health_update_at_) {
    health_update_at_ = update_at;  // the first check of a socket records the baseline (§3.5)
    return finish(std::move(out));
  }
  if (*health_update_at_ != update_at) {
    // The server may have invalidated the session without closing the socket (field report 2):
    // events could have been withheld, which a resume cannot tell, so catch up after reconnecting.
    log_line(log::Level::warn,
             fmt::format("mattermost: bot account updated (update_at changed: {} → {}) — reconnecting",
                         *health_update_at_, update_at),
             out);
    catch_up_pending_ = CatchUpReason::session_invalidated;
    terminate(now, 1000, "bot account updated", out);
  }
  return finish(std::move(out));
}

MonitorActions MonitorFsm::health_failed(ErrorKind kind, std::string_view message, TimeMs now) {
  MonitorActions out;
  if (!health_in_flight_) return out;
  health_in_flight_ = false;
  if (status_.state == MonitorState::stopped) return out;
  log_line(log::Level::warn, fmt::format("mattermost health check failed: {}", message), out);
  if (kind != ErrorKind::auth) return finish(std::move(out));  // only logged (§3.5)
  // A rejected token mid-run (field report 17): check it with GET /users/me before the next socket,
  // so a revoked token becomes a visible auth_failed instead of a reconnect loop.
  need_identity_ = true;
  catch_up_pending_ = CatchUpReason::session_invalidated;
  if (status_.state == MonitorState::authenticating || status_.state == MonitorState::ready) {
    log_line(log::Level::warn, "mattermost: bot token rejected by the health check — reconnecting", out);
    terminate(now, 1000, "bot token rejected", out);
  }
  return finish(std::move(out));
}

void MonitorFsm::liveness(TimeMs now, MonitorActions& out) {
  if (auth_deadline_.expired(now)) {
    log_line(log::Level::warn, "mattermost websocket authentication timed out — reconnecting", out);
    terminate(now, 1000, "authentication timed out", out);
    return;
  }
  if (pong_deadline_.expired(now)) {
    log_line(log::Level::warn, "mattermost websocket pong timeout — reconnecting", out);
    terminate(now, 4000, "pong timeout", out);
    return;
  }
  if (idle_deadline_.expired(now)) {
    log_line(log::Level::warn,
             fmt::format("mattermost websocket received nothing for {}s — reconnecting",
                         seconds_text(options_.timings.read_idle_timeout_ms)),
             out);
    terminate(now, 4000, "read idle timeout", out);
    return;
  }
  if (ping_due_.expired(now)) {
    ping_due_.clear();
    pong_deadline_ = net::Deadline::after(now, options_.timings.pong_timeout_ms);
    out.emplace_back(SendPing{});
  }
  if (health_due_.expired(now)) request_health_check(now, out);
}

MonitorActions MonitorFsm::tick(TimeMs now) {
  MonitorActions out;
  switch (status_.state) {
    case MonitorState::identifying:
    case MonitorState::auth_failed:
      // auth_failed stays visible while its slow retry runs; identity_ok ends it.
      if (!identity_in_flight_ && retry_at_.expired(now)) call_identity(out);
      break;
    case MonitorState::backing_off:
      if (!retry_at_.expired(now)) break;
      if (need_identity_) {
        set_state(MonitorState::identifying, out);
        call_identity(out);
      } else {
        open_socket(now, out);
      }
      break;
    case MonitorState::connecting:
      if (connect_deadline_.expired(now)) {
        log_line(log::Level::warn, "mattermost connection failed: websocket connect timed out", out);
        terminate(now, 1000, "connect timed out", out);
      }
      break;
    case MonitorState::authenticating:
    case MonitorState::ready: liveness(now, out); break;
    case MonitorState::starting:
    case MonitorState::stopped: break;
  }
  // The driver's timer has fired, so it has none armed: always re-arm.
  return finish(std::move(out), true);
}

MonitorActions MonitorFsm::stop(TimeMs now) {
  (void)now;
  MonitorActions out;
  if (status_.state == MonitorState::stopped) return out;
  if (socket_live()) out.emplace_back(CloseSocket{1000, "stopped"});
  identity_in_flight_ = false;
  health_in_flight_ = false;
  retry_at_.clear();
  connect_deadline_.clear();
  auth_deadline_.clear();
  ping_due_.clear();
  pong_deadline_.clear();
  idle_deadline_.clear();
  health_due_.clear();
  status_.connected_since.reset();
  status_.next_attempt_at.reset();
  set_state(MonitorState::stopped, out);
  log_line(log::Level::info, "mattermost monitor stopped", out);
  return finish(std::move(out));
}

}  // namespace mmclaw::mattermost

#include "mattermost/monitor.hpp"

#include <algorithm>
#include <chrono>
#include <deque>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <fmt/format.h>

#include "mattermost/api.hpp"
#include "mattermost/api_url.hpp"
#include "net/ws_client.hpp"
#include "util/log.hpp"

namespace mmclaw::mattermost {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

constexpr std::string_view kComponent = "monitor";

template <class... Fs>
struct Overloaded : Fs... {
  using Fs::operator()...;
};

// The fsm's clock: ms since the Unix epoch, so the times in MonitorStatus (connected_since,
// last_disconnect, next_attempt_at) can be shown to users as they are.
TimeMs now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string exception_text(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "unknown exception";
  }
}

}  // namespace

struct Monitor::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::io_context& io, Api& api, MonitorConfig config, MonitorCallbacks callbacks)
      : io_(io),
        api_(api),
        config_(std::move(config)),
        callbacks_(std::move(callbacks)),
        fsm_(config_.fsm),
        timer_(io),
        idle_(io) {}

  asio::io_context& io_;
  Api& api_;
  MonitorConfig config_;
  MonitorCallbacks callbacks_;
  MonitorFsm fsm_;
  MonitorCounters counters_;

  asio::steady_timer timer_;            // the fsm's one schedule
  std::uint64_t timer_generation_ = 0;  // a handler already queued when re-armed is stale
  asio::steady_timer idle_;             // run() sleeps here until stopped and drained

  // The socket the fsm knows about. Its callbacks carry the id they were made for, so a late
  // frame or close of a replaced socket is never reported (fsm contract).
  std::shared_ptr<net::WsClient> ws_;
  std::uint64_t socket_id_ = 0;  // 0: none
  std::uint64_t last_socket_id_ = 0;

  // Actions run in the order the fsm produced them, even when carrying one out feeds the fsm again
  // (a failed URL, a callback calling stop()): a nested batch waits for the current one, so the
  // last Schedule carried out is always the newest one.
  std::deque<MonitorAction> pending_;
  bool draining_ = false;

  int tasks_ = 0;  // identity, health and connect coroutines in flight
  bool started_ = false;
  bool stopping_ = false;
  bool detached_ = false;  // the Monitor is gone: no more callbacks

  // --- helpers -----------------------------------------------------------------------------------

  void log_line(log::Level level, std::string_view text) const {
    log::log(level, kComponent, "[{}] {}", config_.account_id, text);
  }

  void wake_run() { idle_.cancel(); }

  // Carries out actions; see pending_.
  void feed(MonitorActions actions) {
    for (auto& action : actions) pending_.push_back(std::move(action));
    if (draining_) return;
    draining_ = true;
    struct Reset {
      bool& flag;
      ~Reset() { flag = false; }
    } reset{draining_};
    while (!pending_.empty()) {
      MonitorAction action = std::move(pending_.front());
      pending_.pop_front();
      execute(action);
    }
  }

  void execute(const MonitorAction& action) {
    std::visit(Overloaded{
                   [&](const CallIdentity&) {
                     if (!stopping_) start_identity();
                   },
                   [&](const OpenSocket& a) {
                     if (!stopping_) open_socket(a);
                   },
                   [&](const SendAuthChallenge& a) {
                     if (stopping_) return;
                     json::object data;
                     data["token"] = config_.token;
                     json::object frame;
                     frame["seq"] = a.seq;
                     frame["action"] = "authentication_challenge";
                     frame["data"] = std::move(data);
                     send_text(json::serialize(frame), "authentication challenge");
                   },
                   [&](const SendSessionProbe& a) {
                     if (stopping_) return;
                     json::object frame;
                     frame["seq"] = a.seq;
                     frame["action"] = "ping";
                     send_text(json::serialize(frame), "session probe");
                   },
                   [&](const SendPing&) {
                     if (stopping_ || !ws_) return;
                     if (auto sent = ws_->send_ping(); !sent)
                       log_line(log::Level::debug,
                                "mattermost websocket ping not sent: " + sent.error().message);
                   },
                   [&](const CallHealthCheck&) {
                     if (!stopping_) start_health_check();
                   },
                   [&](const CloseSocket& a) { close_socket(a.reason); },
                   [&](const Schedule& a) {
                     if (!stopping_) schedule(a.at_ms);
                   },
                   [&](const CatchUp& a) {
                     if (stopping_) return;
                     ++counters_.catch_ups_requested;
                     if (!detached_ && callbacks_.on_catch_up) callbacks_.on_catch_up(a.reason);
                   },
                   [&](const Log& a) { log_line(a.level, a.text); },
                   [&](const StatusChanged&) {
                     if (!detached_ && callbacks_.on_status) callbacks_.on_status(fsm_.status());
                   },
               },
               action);
  }

  // Runs `task` under this monitor: run() waits for it, and a failure (a bug: the calls report
  // their errors as values) is logged and handed to `on_failure` so the fsm is never left waiting.
  template <class OnFailure>
  void spawn(asio::awaitable<void> task, std::string what, OnFailure on_failure) {
    ++tasks_;
    asio::co_spawn(io_, std::move(task),
                   [self = shared_from_this(), what = std::move(what),
                    on_failure = std::move(on_failure)](std::exception_ptr error) mutable {
                     --self->tasks_;
                     if (error) {
                       const std::string text = exception_text(error);
                       self->log_line(log::Level::error,
                                      fmt::format("mattermost monitor: {} failed: {}", what, text));
                       if (!self->stopping_) on_failure(text);
                     }
                     self->wake_run();
                   });
  }

  // --- identity and health (GET /users/me) -------------------------------------------------------

  void start_identity() {
    spawn(identity_call(shared_from_this()), "identity check", [this](const std::string& text) {
      feed(fsm_.identity_failed(ErrorKind::transient, "internal error: " + text, now_ms()));
    });
  }

  static asio::awaitable<void> identity_call(std::shared_ptr<Impl> self) {
    auto me = co_await self->api_.get_me();
    if (self->stopping_) co_return;
    if (me) {
      self->feed(self->fsm_.identity_ok(me->id, me->username, me->update_at, now_ms()));
    } else {
      self->feed(self->fsm_.identity_failed(me.error().error.kind, me.error().error.message, now_ms()));
    }
  }

  void start_health_check() {
    spawn(health_call(shared_from_this()), "health check", [this](const std::string& text) {
      feed(fsm_.health_failed(ErrorKind::transient, "internal error: " + text, now_ms()));
    });
  }

  static asio::awaitable<void> health_call(std::shared_ptr<Impl> self) {
    auto me = co_await self->api_.get_me();
    if (self->stopping_) co_return;
    if (me) {
      self->feed(self->fsm_.health_ok(me->update_at, now_ms()));
    } else {
      self->feed(self->fsm_.health_failed(me.error().error.kind, me.error().error.message, now_ms()));
    }
  }

  // --- the socket --------------------------------------------------------------------------------

  net::WsClientOptions ws_options() const {
    const auto connect =
        std::chrono::milliseconds(std::max<TimeMs>(1, config_.fsm.timings.connect_timeout_ms));
    net::WsClientOptions options;
    // The fsm's connect deadline bounds the whole attempt; these only bound each step inside it.
    options.resolve_timeout = connect;
    options.connect_timeout = connect;
    options.tls_timeout = connect;
    options.handshake_timeout = connect;
    // Liveness (read idle, pings, pongs) is the fsm's, so the client has no idle policy of its own.
    options.idle_timeout = std::chrono::milliseconds(0);
    options.max_message_bytes = kMaxFrameBytes;
    return options;
  }

  net::WsCallbacks ws_callbacks(std::uint64_t id) {
    std::weak_ptr<Impl> weak = weak_from_this();
    net::WsCallbacks callbacks;
    callbacks.on_text = [weak, id](std::string text) {
      if (auto self = weak.lock(); self && self->current(id)) self->on_text(text);
    };
    callbacks.on_ping = [weak, id](std::string) {
      if (auto self = weak.lock(); self && self->current(id)) self->feed(self->fsm_.frame_activity(now_ms()));
    };
    callbacks.on_pong = [weak, id](std::string) {
      if (auto self = weak.lock(); self && self->current(id)) self->feed(self->fsm_.pong_received(now_ms()));
    };
    callbacks.on_close = [weak, id](int code, std::string reason, bool) {
      auto self = weak.lock();
      if (!self || !self->current(id)) return;
      self->socket_id_ = 0;
      self->ws_.reset();  // allowed from its own callback (ws_client.hpp)
      self->feed(self->fsm_.socket_closed(code, reason, now_ms()));
    };
    return callbacks;
  }

  bool current(std::uint64_t id) const { return !stopping_ && id != 0 && id == socket_id_; }

  void open_socket(const OpenSocket& open) {
    close_socket("replaced");  // the fsm closes first; this only guards against a leak
    std::optional<WebSocketResume> resume;
    if (open.connection_id && !open.connection_id->empty()) {
      resume = WebSocketResume{*open.connection_id, open.sequence_number.value_or(0)};
    }
    auto url = websocket_url(config_.base_url, resume);
    if (!url) {
      // No socket was made: this is a connect failure of the attempt the fsm just started.
      feed(fsm_.socket_error(url.error().message, now_ms()));
      return;
    }
    const std::uint64_t id = ++last_socket_id_;
    socket_id_ = id;
    ws_ = std::make_shared<net::WsClient>(io_.get_executor(), ws_callbacks(id), ws_options());
    net::WsHeaders headers;
    headers.emplace_back("Authorization", "Bearer " + config_.token);
    spawn(connect_call(shared_from_this(), ws_, id, std::move(*url), std::move(headers)), "websocket connect",
          [this, id](const std::string& text) {
            if (current(id)) feed(fsm_.socket_error("internal error: " + text, now_ms()));
          });
  }

  static asio::awaitable<void> connect_call(std::shared_ptr<Impl> self, std::shared_ptr<net::WsClient> ws,
                                            std::uint64_t id, std::string url, net::WsHeaders headers) {
    auto opened = co_await ws->connect(std::move(url), std::move(headers), self->config_.tls);
    if (!self->current(id)) {
      // Closed by the fsm (connect timeout) or by stop() meanwhile: nothing to report.
      if (opened) ws->terminate("superseded");
      co_return;
    }
    // No await between connect() and this report: the reader cannot deliver a frame before the fsm
    // knows the socket is open.
    if (opened) {
      self->feed(self->fsm_.socket_opened(now_ms()));
    } else {
      self->socket_id_ = 0;
      self->ws_.reset();
      self->feed(self->fsm_.socket_error(opened.error().message, now_ms()));
    }
  }

  // Terminates the current socket at once; its close is never reported (fsm contract).
  void close_socket(const std::string& reason) {
    socket_id_ = 0;
    if (!ws_) return;
    auto ws = std::move(ws_);
    ws->terminate(reason);
    // Destroying our reference silences its callbacks; a connect in flight keeps the client alive
    // until it returns (failed, since terminate() aborts it).
  }

  void send_text(std::string text, std::string_view what) {
    if (!ws_) return;
    if (auto sent = ws_->send_text(std::move(text)); !sent)
      log_line(log::Level::debug,
               fmt::format("mattermost websocket {} not sent: {}", what, sent.error().message));
  }

  void on_text(const std::string& text) {
    ++counters_.frames;
    Event event = decode_frame(text);
    const TimeMs now = now_ms();
    if (auto* hello = std::get_if<Hello>(&event)) {
      feed(fsm_.frame_hello(hello->connection_id, hello->seq.value_or(0), now));
    } else if (auto* reply = std::get_if<Reply>(&event)) {
      // Replies answer our own requests and go no further.
      if (reply->ok && reply->seq_reply) {
        feed(fsm_.auth_reply_ok(*reply->seq_reply, now));
      } else {
        feed(fsm_.frame_activity(now));
      }
      return;
    } else if (auto* bad = std::get_if<Malformed>(&event)) {
      ++counters_.malformed_frames;
      log_line(log::Level::warn, fmt::format("mattermost websocket frame dropped ({}); {} dropped so far",
                                             bad->reason_code(), counters_.malformed_frames));
      // A readable seq still counts for continuity, else the next good frame would look like a gap.
      if (bad->seq) {
        feed(fsm_.event_received(*bad->seq, now));
      } else {
        feed(fsm_.frame_activity(now));
      }
    } else {
      if (std::holds_alternative<PostedEvent>(event)) ++counters_.posted_events;
      if (auto seq = event_seq(event)) {
        feed(fsm_.event_received(*seq, now));
      } else {
        feed(fsm_.frame_activity(now));
      }
    }
    // Every event goes on, whatever the fsm decided (a duplicate, a frame past a gap): ingress
    // deduplicates, and the post is real either way.
    if (!detached_ && callbacks_.on_event) callbacks_.on_event(event);
  }

  // --- the timer ---------------------------------------------------------------------------------

  void schedule(TimeMs at_ms) {
    const TimeMs delay = std::max<TimeMs>(0, at_ms - now_ms());
    const std::uint64_t generation = ++timer_generation_;
    timer_.expires_after(std::chrono::milliseconds(delay));
    timer_.async_wait([weak = weak_from_this(), generation](const boost::system::error_code& ec) {
      auto self = weak.lock();
      if (!self || ec || self->stopping_ || generation != self->timer_generation_) return;
      self->feed(self->fsm_.tick(now_ms()));
    });
  }

  // --- run and stop ------------------------------------------------------------------------------

  static asio::awaitable<void> run(std::shared_ptr<Impl> self) {
    if (self->started_) {
      self->log_line(log::Level::error, "mattermost monitor: run() called twice; ignored");
      co_return;
    }
    self->started_ = true;
    // Cancelling run() (a supervisor's cancellation signal) means stop(): the waits below must not
    // throw, so the monitor can still wait for what it started.
    co_await asio::this_coro::throw_if_cancelled(false);
    if (!self->stopping_) self->feed(self->fsm_.start(now_ms()));
    while (!(self->stopping_ && self->tasks_ == 0)) {
      self->idle_.expires_at(asio::steady_timer::time_point::max());
      co_await self->idle_.async_wait(asio::as_tuple(asio::use_awaitable));
      auto state = co_await asio::this_coro::cancellation_state;
      if (state.cancelled() != asio::cancellation_type::none) self->stop();
    }
  }

  void stop() {
    if (stopping_) return;
    stopping_ = true;
    // Directly, not through the queue: a stop() from a callback must not let queued actions (an
    // OpenSocket, a Schedule) run first.
    close_socket("stopped");
    ++timer_generation_;
    timer_.cancel();
    pending_.clear();
    const bool was_draining = draining_;
    draining_ = false;
    feed(fsm_.stop(now_ms()));
    draining_ = was_draining;
    wake_run();
  }
};

Monitor::Monitor(asio::io_context& io, Api& api, MonitorConfig config, MonitorCallbacks callbacks) {
  // Resume needs the token at upgrade (protocol §1.3), so the header is the only mode used here.
  config.fsm.auth_mode = AuthMode::header;
  impl_ = std::make_shared<Impl>(io, api, std::move(config), std::move(callbacks));
}

Monitor::~Monitor() {
  impl_->detached_ = true;
  impl_->stop();
}

asio::awaitable<void> Monitor::run() {
  // Only the local copy is used after the first suspension: the Monitor may be gone by then.
  auto impl = impl_;
  co_await Impl::run(std::move(impl));
}

void Monitor::stop() {
  impl_->stop();
}

const MonitorStatus& Monitor::status() const noexcept {
  return impl_->fsm_.status();
}

MonitorCounters Monitor::counters() const noexcept {
  return impl_->counters_;
}

}  // namespace mmclaw::mattermost

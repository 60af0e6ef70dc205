#pragma once
// The WebSocket monitor of one account (channel-behaviour §3.1 step 2 and 7, §3.3–3.5; protocol
// reference §1): carries out what MonitorFsm decides. It owns one net::WsClient at a time (token
// sent at upgrade, AuthMode::header, so resume works), one timer for the machine's schedule, and
// the GET /users/me calls for identity and health (through Api, bounded by the Api's request
// deadline).
//
// Every decoded event frame is handed to on_event in arrival order, duplicates and frames past a
// gap included (ingress deduplicates); malformed frames are counted, logged with their reason code
// and handed over too (as mattermost::Malformed), never closing the socket. CatchUp actions become
// on_catch_up calls. Log actions go to the log with the account id.
//
// Ownership (ARCHITECTURE.md rule 3): run() is the account's connection task; it returns after
// stop() (or when the io_context stops), with the socket closed and nothing left running.
// Callbacks run on the io_context thread, never after run() returned. Not thread-safe.
// Cancelling run() (a cancellation slot bound to its co_spawn) acts as stop(). After stop(), run()
// still waits for a GET /users/me in flight (bounded by the Api's request deadline), whose answer
// is then ignored: the Api must outlive run().

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include "mattermost/events.hpp"
#include "mattermost/monitor_fsm.hpp"

namespace boost::asio::ssl {
class context;
}

namespace mmclaw::mattermost {

class Api;

struct MonitorCounters {
  std::int64_t frames = 0;            // text frames received
  std::int64_t malformed_frames = 0;  // dropped with a reason code
  std::int64_t posted_events = 0;
  std::int64_t catch_ups_requested = 0;
};

struct MonitorCallbacks {
  // One decoded frame (events and Malformed; replies are consumed by the monitor).
  std::function<void(const Event& event)> on_event;
  // The server could not replay (or this is the first session): fetch missed posts by REST.
  std::function<void(CatchUpReason reason)> on_catch_up;
  // The monitor's status changed (state, connection, errors).
  std::function<void(const MonitorStatus& status)> on_status;
};

struct MonitorConfig {
  std::string account_id;                    // for log lines
  std::string base_url;                      // normalised
  std::string token;                         // never logged
  MonitorOptions fsm;                        // auth_mode is forced to header
  boost::asio::ssl::context* tls = nullptr;  // for wss://; may be null for ws://
};

class Monitor {
 public:
  Monitor(boost::asio::io_context& io, Api& api, MonitorConfig config, MonitorCallbacks callbacks);
  ~Monitor();
  Monitor(const Monitor&) = delete;
  Monitor& operator=(const Monitor&) = delete;

  // Runs until stop(). Call once.
  boost::asio::awaitable<void> run();
  // Ends run(): the socket is terminated and the timer cancelled. Safe to call more than once and
  // before run().
  void stop();

  const MonitorStatus& status() const noexcept;
  MonitorCounters counters() const noexcept;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace mmclaw::mattermost

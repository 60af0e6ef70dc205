#pragma once
// One enabled account at run time: its REST client, its WebSocket monitor (or the REST poller
// when `useWebSocket: false`), durable ingress, catch-up sweeps, and the answers. The composition
// of the pure decisions (gateway/ingress, gateway/catch_up, agent/backends/echo) with the I/O
// (mattermost/api, mattermost/monitor, the store).
//
// Exactly one answer per post (ARCHITECTURE.md rule 9): a post is recorded in the store before it
// is answered; live events, WebSocket replay, catch-up and restarts all meet in the store's
// admission, and a post handed back after a restart that may have been answered already is
// answered only when no reply tagged with its id (props.mmclaw_reply_to) exists. Posts of one
// channel are answered one at a time, in the order they were recorded.
//
// Not thread-safe: everything runs on the io_context's thread.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include "config/snapshot.hpp"
#include "mattermost/monitor_fsm.hpp"

namespace boost::asio::ssl {
class context;
}
namespace mmclaw::net {
class HttpClient;
}
namespace mmclaw::store {
class Store;
}

namespace mmclaw::app {

// The key every answer carries in its props: the id of the post it answers.
inline constexpr std::string_view kReplyToProp = "mmclaw_reply_to";

struct AccountCounters {
  std::int64_t posts_seen = 0;       // posted events and swept posts screened
  std::int64_t posts_dropped = 0;    // screened out (own, system, not mentioned, ...)
  std::int64_t posts_recorded = 0;   // new in the store
  std::int64_t posts_duplicate = 0;  // already recorded (replay, catch-up, restart)
  std::int64_t posts_caught_up = 0;  // recorded by a catch-up sweep or a poll
  std::int64_t posts_answered = 0;
  std::int64_t posts_failed = 0;  // dead after an error
  std::int64_t sweeps = 0;
  std::int64_t malformed_frames = 0;
};

struct AccountStatus {
  std::string account_id;
  config::Transport transport = config::Transport::websocket;
  mattermost::MonitorStatus monitor;  // for polling: state ready/identifying/auth_failed only
  AccountCounters counters;
};

class AccountRuntime {
 public:
  AccountRuntime(boost::asio::io_context& io, store::Store& store, net::HttpClient& http,
                 boost::asio::ssl::context* tls, std::shared_ptr<const config::Snapshot> snapshot,
                 const config::AccountConfig& account);
  ~AccountRuntime();
  AccountRuntime(const AccountRuntime&) = delete;
  AccountRuntime& operator=(const AccountRuntime&) = delete;

  // Runs the account until stop(); returns when its connection and its answers in flight ended
  // (answers are given up to `grace` to finish; one cut short stays recorded and is answered
  // after the next start).
  boost::asio::awaitable<void> run();
  void stop();

  AccountStatus status() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace mmclaw::app

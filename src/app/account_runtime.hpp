#pragma once
// One enabled account at run time: its REST client, its WebSocket monitor (or the REST poller
// when `useWebSocket: false`), durable ingress, catch-up sweeps, the inbound decisions, pairing,
// debounce, and the turns that answer. The composition of the pure decisions (gateway/*) with the
// I/O (mattermost/api, mattermost/monitor, the store); turns are scheduled by the shared TurnLanes.
//
// Exactly one answer per post (ARCHITECTURE.md rule 9): a post is recorded in the store before it
// is answered; live events, WebSocket replay, catch-up and restarts all meet in the store's
// admission, and a post handed back after a restart that may have been answered already is
// answered only when no reply tagged with its id (props.mmclaw_reply_to) exists. Posts of one
// session run one turn at a time, in the order they were recorded (app/turn_lanes).
//
// Every post not answered is dropped with a stable reason code, logged at debug and counted
// (AccountCounters::drops).
//
// Not thread-safe: everything runs on the io_context's thread.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include "app/callback_http.hpp"
#include "config/snapshot.hpp"
#include "mattermost/api.hpp"
#include "mattermost/monitor_fsm.hpp"
#include "util/prometheus.hpp"

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

class TurnLanes;

// The key every answer carries in its props: the id of the post it answers.
inline constexpr std::string_view kReplyToProp = "mmclaw_reply_to";
// The other posts an answer answers, when a debounce or collect mode merged several into one turn.
inline constexpr std::string_view kMergedProp = "mmclaw_merged";
// The index of an answer's post among the answer's posts (0, 1, ...): a retry of a post whose
// receipt was lost looks for its own index before it sends again.
inline constexpr std::string_view kReplyPartProp = "mmclaw_reply_part";
// A preview (draft) post being streamed for a post: never an answer. A preview a crash left
// behind is deleted when the post is answered after the restart.
inline constexpr std::string_view kPreviewForProp = "mmclaw_preview_for";

struct AccountCounters {
  std::int64_t posts_seen = 0;       // posted events and swept posts screened
  std::int64_t posts_dropped = 0;    // not answered, for any reason in `drops`
  std::int64_t posts_recorded = 0;   // new in the store
  std::int64_t posts_duplicate = 0;  // already recorded (replay, catch-up, restart)
  std::int64_t posts_caught_up = 0;  // recorded by a catch-up sweep or a poll
  std::int64_t posts_answered = 0;
  std::int64_t posts_failed = 0;  // dead after an error
  std::int64_t sweeps = 0;
  std::int64_t malformed_frames = 0;
  std::int64_t pairing_requests = 0;  // pairing codes issued
  std::int64_t reactions = 0;         // reactions queued as system events
  std::int64_t turns_started = 0;     // answers begun (a retry of a post's answer counts again)
  std::int64_t turns_finished = 0;    // answers that ran to their end (delivered or not)
  std::int64_t preview_edits = 0;     // edits of posts while answers streamed (PUT /posts/{id}/patch)
  std::int64_t slash_commands = 0;     // slash commands accepted (answered Processing...)
  std::int64_t button_clicks = 0;      // button clicks accepted (picker clicks included)
  std::int64_t callbacks_refused = 0;  // slash and button callbacks refused by a check
  std::map<std::string, std::int64_t, std::less<>> drops;  // by reason code (self, no_mention, ...)
  // Model call latency by model (`provider/model`): to the first token, and the whole turn.
  std::map<std::string, util::Histogram, std::less<>> model_first_token_seconds;
  std::map<std::string, util::Histogram, std::less<>> model_turn_seconds;
};

// The buckets of the model latency histograms, in seconds.
inline const std::vector<double>& model_latency_buckets() {
  static const std::vector<double> buckets{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120};
  return buckets;
}

struct AccountStatus {
  std::string account_id;
  config::Transport transport = config::Transport::websocket;
  mattermost::MonitorStatus monitor;  // for polling: state ready/identifying/auth_failed only
  AccountCounters counters;
  mattermost::ApiStats api;  // the REST client's requests (by route and status) and 429s
};

class AccountRuntime {
 public:
  // `account` lives in `snapshot`. `recover` hands back the posts a previous process left
  // unfinished (once per account per process: not again when a reload restarts the account).
  // `http` talks to Mattermost (with the SSRF guard), `model_http` to the model servers.
  AccountRuntime(boost::asio::io_context& io, store::Store& store, net::HttpClient& http,
                 net::HttpClient& model_http, boost::asio::ssl::context* tls, TurnLanes& lanes,
                 std::shared_ptr<const config::Snapshot> snapshot, const config::AccountConfig& account,
                 bool recover = true);
  ~AccountRuntime();
  AccountRuntime(const AccountRuntime&) = delete;
  AccountRuntime& operator=(const AccountRuntime&) = delete;

  // Runs the account until stop(); returns when its connection and its answers in flight ended
  // (answers are given up to `grace` to finish; one cut short stays recorded and is answered
  // after the next start).
  boost::asio::awaitable<void> run();
  void stop();
  // Stops for a reload that restarts the account: the connection closes at once, answers in flight
  // finish (however long their retries take), and queued posts wait in the lanes for the
  // account's next runtime.
  void stop_for_reload();

  // Called once when the account's connection is closed for good (after stop()), before its turns
  // in flight have finished: a reload may open the account's new connection from then on.
  void on_disconnected(std::function<void()> callback);

  // A reload that does not restart the account: settings read per post (session.dmScope,
  // messages.*, agents.*) come from `snapshot` from now on; the account's own config is unchanged.
  void update_snapshot(std::shared_ptr<const config::Snapshot> snapshot);

  AccountStatus status() const;

  // Button clicks for this account (channel-behaviour §8.3): every check in order; an accepted
  // click is recorded before the 200 and answered once.
  boost::asio::awaitable<CallbackReply> handle_interaction(CallbackRequest request);
  // Native slash commands (§9.4). Active once at least one command was registered, until stop.
  bool slash_active() const;
  // The registered commands (tokens included: never log them), for routing between accounts.
  const std::vector<mattermost::SlashCommand>& slash_commands() const;
  boost::asio::awaitable<CallbackReply> handle_slash(CallbackRequest request);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace mmclaw::app

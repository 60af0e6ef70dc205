#pragma once
// Lanes: which agent turn runs when. A pure scheduler (no I/O, no clock, no Asio): the caller
// submits posts by session key and starts, cancels and finishes the turns it is told to.
//
// Rules:
//  1. A session never has two turns running. A post for a session with no running turn starts
//     a turn at once when a global slot is free (running_turns() < max_running).
//  2. With no free slot the post is queued and the session waits for a slot. Waiting sessions
//     start in the order they began to wait (first come, first served across sessions) as turns
//     finish or the global limit is raised.
//  3. A post for a session whose turn is running is handled by the queue mode given with it:
//     - followup:  queued; the queued posts run one per turn, in arrival order.
//     - collect:   queued; when the running turn ends every queued post runs as ONE turn
//                  (items in arrival order).
//     - interrupt: the post replaces the session's backlog (the older queued posts come back as
//                  `superseded`), `cancel_running` asks the caller to cancel the running turn,
//                  and the post runs when that turn calls finish(). With no running turn it
//                  replaces the backlog of a waiting session, or starts at once (rule 1).
//     - steer:     when `steerable` (the running turn can take input now) the post is handed to
//                  it (`steered`, nothing queued); otherwise, or with no running turn, followup.
//     The mode of a session's most recent submit decides how its backlog is taken (one post, or
//     all of it for collect), so a `/queue` change applies to posts already waiting.
//  4. The queue cap counts queued posts per session (the running turn's posts do not count). A
//     post that would exceed it is dropped: the NEW post, never one already queued (the caller
//     logs and counts reason queue_full). interrupt never exceeds it (it leaves one post queued).
//  5. When a session's turn ends and it still has posts queued, it joins the back of the waiting
//     line like any other session, so a session with a steady backlog cannot starve the others;
//     with a free slot and nobody waiting it simply starts again at once.
//  6. set_limits() applies new limits without dropping anything: a lower global limit lets the
//     running turns finish and starts nothing until the count is below it; a lower cap keeps the
//     posts already queued and refuses new ones until the queue is shorter. Limits below 1 are
//     treated as 1.
//  7. Memory: a session with nothing running and nothing queued is erased. Posts held are at most
//     cap x sessions; the number of sessions is bounded by the caller's inputs (the session keys
//     routing derives from accounts, channels, threads and senders), and a session exists only
//     while it has a running turn or queued posts.
//
// Not thread-safe: one instance belongs to the event loop that owns the turns.

#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/snapshot.hpp"

namespace mmclaw::gateway {

// One post waiting for or taking part in a turn; the caller keeps everything else about it.
struct LaneItem {
  std::string id;  // the post id
  bool operator==(const LaneItem&) const = default;
};

// A turn the caller must start now.
struct LaneTurn {
  std::string session_key;
  std::vector<LaneItem> items;  // more than one only in collect mode
  bool operator==(const LaneTurn&) const = default;
};

enum class SubmitOutcome {
  started,             // `start` holds the turn to run now
  queued,              // waits for the session's running turn or for a global slot
  dropped_queue_full,  // the session's queue is at the cap; the new post is dropped
  steered,             // hand the post to the running turn; nothing was queued
};

struct SubmitResult {
  SubmitOutcome outcome = SubmitOutcome::queued;
  std::optional<LaneTurn> start;     // set exactly when outcome == started
  bool cancel_running = false;       // interrupt: cancel the session's running turn
  std::vector<LaneItem> superseded;  // interrupt: queued posts dropped for the new one (reason superseded)
};

class LaneScheduler {
 public:
  LaneScheduler(int max_running, int queue_cap);

  // Hot reload (rule 6). Returns the turns of waiting sessions that a higher limit lets start now.
  [[nodiscard]] std::vector<LaneTurn> set_limits(int max_running, int queue_cap);

  // `mode` is the session's effective queue mode; `steerable` says the session's running turn can
  // take new input now (the agent runtime decides; false makes steer behave as followup).
  [[nodiscard]] SubmitResult submit(std::string_view session_key, LaneItem item, config::QueueMode mode,
                                    bool steerable = false);

  // The running turn of `session_key` ended (finished, failed or cancelled). Returns the turns to
  // start now, in order: the first waiting sessions (rule 2, 5), the finished session included when
  // it has a backlog and its turn has come. Harmless (returns nothing) for a session that is unknown
  // or has no running turn.
  [[nodiscard]] std::vector<LaneTurn> finish(std::string_view session_key);

  // Stop: removes and returns every queued post, session by session (in key order, posts in arrival
  // order); the caller leaves them recorded for the next start. Running turns are not touched; their
  // finish() then starts nothing.
  [[nodiscard]] std::vector<LaneItem> drain_queued();

  [[nodiscard]] bool running(std::string_view session_key) const;
  [[nodiscard]] std::size_t queued(std::string_view session_key) const;
  [[nodiscard]] int running_turns() const { return running_; }
  [[nodiscard]] std::size_t total_queued() const { return total_queued_; }
  [[nodiscard]] std::size_t sessions() const { return lanes_.size(); }
  [[nodiscard]] std::size_t waiting_sessions() const { return waiting_.size(); }
  [[nodiscard]] int max_running() const { return max_running_; }
  [[nodiscard]] int queue_cap() const { return queue_cap_; }

 private:
  struct Lane {
    bool running = false;
    bool collect = false;  // the most recent submit's mode was collect
    std::deque<LaneItem> queue;
  };
  using Lanes = std::map<std::string, Lane, std::less<>>;

  LaneTurn start_turn(Lanes::iterator lane);
  void start_waiting(std::vector<LaneTurn>& out);

  int max_running_;
  int queue_cap_;
  int running_ = 0;
  std::size_t total_queued_ = 0;
  Lanes lanes_;
  // Sessions with queued posts and no running turn, in the order they began to wait. Invariant:
  // a lane is listed here exactly when it is not running and its queue is not empty.
  std::deque<std::string> waiting_;
};

}  // namespace mmclaw::gateway

#include "gateway/lanes.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <optional>
#include <ostream>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace mmclaw::gateway {

// Readable failure output.
inline void PrintTo(const LaneItem& item, std::ostream* os) {
  *os << item.id;
}
inline void PrintTo(const LaneTurn& turn, std::ostream* os) {
  *os << turn.session_key << "[";
  for (std::size_t i = 0; i < turn.items.size(); ++i) *os << (i ? "," : "") << turn.items[i].id;
  *os << "]";
}

namespace {

using config::QueueMode;
using Items = std::vector<LaneItem>;
using Turns = std::vector<LaneTurn>;

LaneItem item(std::string id) {
  return LaneItem{std::move(id)};
}

Items items(std::initializer_list<const char*> ids) {
  Items out;
  for (const char* id : ids) out.push_back(item(id));
  return out;
}

LaneTurn turn(std::string key, std::initializer_list<const char*> ids) {
  LaneTurn t;
  t.session_key = std::move(key);
  t.items = items(ids);
  return t;
}

// Submits and expects the outcome; returns the result for further checks.
SubmitResult submit(LaneScheduler& s, std::string_view key, const char* id,
                    QueueMode mode = QueueMode::followup, bool steerable = false) {
  return s.submit(key, item(id), mode, steerable);
}

void expect_started(const SubmitResult& r, const LaneTurn& want) {
  EXPECT_EQ(r.outcome, SubmitOutcome::started);
  ASSERT_TRUE(r.start.has_value());
  EXPECT_EQ(*r.start, want);
  EXPECT_FALSE(r.cancel_running);
  EXPECT_TRUE(r.superseded.empty());
}

void expect_queued(const SubmitResult& r) {
  EXPECT_EQ(r.outcome, SubmitOutcome::queued);
  EXPECT_FALSE(r.start.has_value());
  EXPECT_FALSE(r.cancel_running);
  EXPECT_TRUE(r.superseded.empty());
}

// --- rule 1: start at once, one turn per session --------------------------------------------------

TEST(Lanes, AnIdleSessionStartsAtOnce) {
  LaneScheduler s(4, 20);
  expect_started(submit(s, "A", "a1"), turn("A", {"a1"}));
  EXPECT_TRUE(s.running("A"));
  EXPECT_EQ(s.queued("A"), 0u);
  EXPECT_EQ(s.running_turns(), 1);
  EXPECT_EQ(s.total_queued(), 0u);
  EXPECT_EQ(s.sessions(), 1u);
}

TEST(Lanes, ASessionNeverRunsTwoTurns) {
  LaneScheduler s(4, 20);
  expect_started(submit(s, "A", "a1"), turn("A", {"a1"}));
  expect_queued(submit(s, "A", "a2"));
  expect_queued(submit(s, "A", "a3"));
  EXPECT_EQ(s.running_turns(), 1);  // slots are free, but the session is busy
  EXPECT_EQ(s.queued("A"), 2u);
  EXPECT_EQ(s.waiting_sessions(), 0u);  // waiting for its own turn, not for a slot
}

TEST(Lanes, DifferentSessionsRunSideBySide) {
  LaneScheduler s(4, 20);
  expect_started(submit(s, "A", "a1"), turn("A", {"a1"}));
  expect_started(submit(s, "B", "b1"), turn("B", {"b1"}));
  expect_started(submit(s, "C", "c1"), turn("C", {"c1"}));
  EXPECT_EQ(s.running_turns(), 3);
  EXPECT_EQ(s.sessions(), 3u);
}

// --- followup ------------------------------------------------------------------------------------

TEST(Lanes, FollowupRunsQueuedPostsOneByOneInArrivalOrder) {
  LaneScheduler s(4, 20);
  expect_started(submit(s, "A", "a1"), turn("A", {"a1"}));
  for (const char* id : {"a2", "a3", "a4"}) expect_queued(submit(s, "A", id));
  EXPECT_EQ(s.finish("A"), Turns{turn("A", {"a2"})});
  EXPECT_EQ(s.finish("A"), Turns{turn("A", {"a3"})});
  EXPECT_EQ(s.finish("A"), Turns{turn("A", {"a4"})});
  EXPECT_EQ(s.finish("A"), Turns{});
  EXPECT_FALSE(s.running("A"));
  EXPECT_EQ(s.sessions(), 0u);
}

TEST(Lanes, QueuesOfSessionsAreIndependent) {
  LaneScheduler s(4, 20);
  expect_started(submit(s, "A", "a1"), turn("A", {"a1"}));
  expect_started(submit(s, "B", "b1"), turn("B", {"b1"}));
  expect_queued(submit(s, "A", "a2"));
  expect_queued(submit(s, "B", "b2"));
  expect_queued(submit(s, "A", "a3"));
  EXPECT_EQ(s.finish("B"), Turns{turn("B", {"b2"})});
  EXPECT_EQ(s.finish("A"), Turns{turn("A", {"a2"})});
  EXPECT_EQ(s.finish("B"), Turns{});
  EXPECT_EQ(s.finish("A"), Turns{turn("A", {"a3"})});
  EXPECT_EQ(s.total_queued(), 0u);
}

// --- collect -------------------------------------------------------------------------------------

TEST(Lanes, CollectRunsEverythingQueuedAsOneTurn) {
  LaneScheduler s(4, 20);
  expect_started(submit(s, "A", "a1", QueueMode::collect), turn("A", {"a1"}));
  for (const char* id : {"a2", "a3", "a4"}) expect_queued(submit(s, "A", id, QueueMode::collect));
  EXPECT_EQ(s.finish("A"), Turns{turn("A", {"a2", "a3", "a4"})});
  EXPECT_EQ(s.queued("A"), 0u);
  EXPECT_EQ(s.total_queued(), 0u);
  expect_queued(submit(s, "A", "a5", QueueMode::collect));
  EXPECT_EQ(s.finish("A"), Turns{turn("A", {"a5"})});
  EXPECT_EQ(s.finish("A"), Turns{});
  EXPECT_EQ(s.sessions(), 0u);
}

TEST(Lanes, TheMostRecentModeDecidesHowTheBacklogIsTaken) {
  {
    LaneScheduler s(4, 20);
    expect_started(submit(s, "A", "a1"), turn("A", {"a1"}));
    expect_queued(submit(s, "A", "a2"));
    expect_queued(submit(s, "A", "a3"));
    expect_queued(submit(s, "A", "a4", QueueMode::collect));  // `/queue collect` took effect
    EXPECT_EQ(s.finish("A"), Turns{turn("A", {"a2", "a3", "a4"})});
  }
  {
    LaneScheduler s(4, 20);
    expect_started(submit(s, "A", "a1", QueueMode::collect), turn("A", {"a1"}));
    expect_queued(submit(s, "A", "a2", QueueMode::collect));
    expect_queued(submit(s, "A", "a3", QueueMode::followup));
    EXPECT_EQ(s.finish("A"), Turns{turn("A", {"a2"})});
    EXPECT_EQ(s.finish("A"), Turns{turn("A", {"a3"})});
  }
}

// --- interrupt -----------------------------------------------------------------------------------

TEST(Lanes, InterruptCancelsTheRunningTurnAndSupersedesTheBacklog) {
  LaneScheduler s(4, 20);
  expect_started(submit(s, "A", "a1"), turn("A", {"a1"}));
  expect_queued(submit(s, "A", "a2"));
  expect_queued(submit(s, "A", "a3"));
  const auto r = submit(s, "A", "a4", QueueMode::interrupt);
  EXPECT_EQ(r.outcome, SubmitOutcome::queued);
  EXPECT_FALSE(r.start.has_value());
  EXPECT_TRUE(r.cancel_running);
  EXPECT_EQ(r.superseded, items({"a2", "a3"}));
  EXPECT_EQ(s.queued("A"), 1u);
  EXPECT_EQ(s.total_queued(), 1u);
  EXPECT_TRUE(s.running("A"));  // until the caller's cancellation lands and it calls finish()
  EXPECT_EQ(s.finish("A"), Turns{turn("A", {"a4"})});
  EXPECT_EQ(s.finish("A"), Turns{});
  EXPECT_EQ(s.sessions(), 0u);
}

TEST(Lanes, InterruptWithAnEmptyBacklogOnlyCancels) {
  LaneScheduler s(4, 20);
  expect_started(submit(s, "A", "a1"), turn("A", {"a1"}));
  const auto r = submit(s, "A", "a2", QueueMode::interrupt);
  EXPECT_EQ(r.outcome, SubmitOutcome::queued);
  EXPECT_TRUE(r.cancel_running);
  EXPECT_TRUE(r.superseded.empty());
  // A second interrupt before the cancelled turn ended supersedes the first one.
  const auto again = submit(s, "A", "a3", QueueMode::interrupt);
  EXPECT_TRUE(again.cancel_running);
  EXPECT_EQ(again.superseded, items({"a2"}));
  EXPECT_EQ(s.finish("A"), Turns{turn("A", {"a3"})});
}

TEST(Lanes, InterruptWithoutARunningTurnStartsAtOnce) {
  LaneScheduler s(4, 20);
  expect_started(submit(s, "A", "a1", QueueMode::interrupt), turn("A", {"a1"}));
}

TEST(Lanes, InterruptOfAWaitingSessionReplacesItsBacklogWithoutCancelling) {
  LaneScheduler s(1, 20);
  expect_started(submit(s, "A", "a1"), turn("A", {"a1"}));
  expect_queued(submit(s, "B", "b1"));
  expect_queued(submit(s, "C", "c1"));
  expect_queued(submit(s, "B", "b2"));
  const auto r = submit(s, "B", "b3", QueueMode::interrupt);
  EXPECT_EQ(r.outcome, SubmitOutcome::queued);
  EXPECT_FALSE(r.cancel_running);  // B has nothing running
  EXPECT_EQ(r.superseded, items({"b1", "b2"}));
  EXPECT_EQ(s.queued("B"), 1u);
  // B keeps its place in the waiting line, ahead of C.
  EXPECT_EQ(s.finish("A"), Turns{turn("B", {"b3"})});
  EXPECT_EQ(s.finish("B"), Turns{turn("C", {"c1"})});
}

TEST(Lanes, InterruptIsNeverRefusedByTheCap) {
  LaneScheduler s(4, 1);
  expect_started(submit(s, "A", "a1"), turn("A", {"a1"}));
  expect_queued(submit(s, "A", "a2"));
  EXPECT_EQ(submit(s, "A", "a3").outcome, SubmitOutcome::dropped_queue_full);
  const auto r = submit(s, "A", "a4", QueueMode::interrupt);
  EXPECT_EQ(r.outcome, SubmitOutcome::queued);
  EXPECT_EQ(r.superseded, items({"a2"}));
  EXPECT_EQ(s.queued("A"), 1u);
}

// --- steer ---------------------------------------------------------------------------------------

TEST(Lanes, SteerHandsThePostToASteerableRunningTurn) {
  LaneScheduler s(4, 20);
  expect_started(submit(s, "A", "a1", QueueMode::steer), turn("A", {"a1"}));
  const auto r = submit(s, "A", "a2", QueueMode::steer, true);
  EXPECT_EQ(r.outcome, SubmitOutcome::steered);
  EXPECT_FALSE(r.start.has_value());
  EXPECT_FALSE(r.cancel_running);
  EXPECT_TRUE(r.superseded.empty());
  EXPECT_EQ(s.queued("A"), 0u);
  EXPECT_EQ(s.total_queued(), 0u);
  EXPECT_EQ(s.finish("A"), Turns{});  // nothing was queued
  EXPECT_EQ(s.sessions(), 0u);
}

TEST(Lanes, SteerFallsBackToFollowupWhenTheTurnCannotTakeInput) {
  LaneScheduler s(4, 20);
  expect_started(submit(s, "A", "a1", QueueMode::steer), turn("A", {"a1"}));
  expect_queued(submit(s, "A", "a2", QueueMode::steer, false));
  expect_queued(submit(s, "A", "a3", QueueMode::steer, false));
  EXPECT_EQ(s.finish("A"), Turns{turn("A", {"a2"})});  // one by one, like followup
  EXPECT_EQ(s.finish("A"), Turns{turn("A", {"a3"})});
}

TEST(Lanes, SteerWithoutARunningTurnStartsOrWaits) {
  LaneScheduler s(1, 20);
  // steerable is meaningless with nothing running: the post starts a turn or waits.
  expect_started(submit(s, "A", "a1", QueueMode::steer, true), turn("A", {"a1"}));
  expect_queued(submit(s, "B", "b1", QueueMode::steer, true));
  expect_queued(submit(s, "B", "b2", QueueMode::steer, true));
  EXPECT_EQ(s.queued("B"), 2u);
  EXPECT_EQ(s.finish("A"), Turns{turn("B", {"b1"})});
}

TEST(Lanes, SteerIgnoresTheCapBecauseNothingIsQueued) {
  LaneScheduler s(4, 1);
  expect_started(submit(s, "A", "a1"), turn("A", {"a1"}));
  expect_queued(submit(s, "A", "a2"));
  EXPECT_EQ(submit(s, "A", "a3", QueueMode::steer, false).outcome, SubmitOutcome::dropped_queue_full);
  EXPECT_EQ(submit(s, "A", "a4", QueueMode::steer, true).outcome, SubmitOutcome::steered);
  EXPECT_EQ(s.queued("A"), 1u);
}

// --- the cap -------------------------------------------------------------------------------------

TEST(Lanes, TheCapCountsQueuedPostsAndDropsTheNewOne) {
  struct Case {
    QueueMode mode;
    bool steerable;
    int cap;
    const char* name;
  };
  const std::vector<Case> cases{
      {QueueMode::followup, false, 1, "followup cap 1"},
      {QueueMode::followup, false, 3, "followup cap 3"},
      {QueueMode::collect, false, 1, "collect cap 1"},
      {QueueMode::collect, false, 3, "collect cap 3"},
      {QueueMode::steer, false, 3, "steer (not steerable)"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    LaneScheduler s(4, c.cap);
    expect_started(s.submit("A", item("run"), c.mode, c.steerable), turn("A", {"run"}));
    std::vector<std::string> accepted;
    for (int i = 1; i <= c.cap; ++i) {  // the cap-th post is still accepted
      accepted.push_back("q" + std::to_string(i));
      expect_queued(s.submit("A", item(accepted.back()), c.mode, c.steerable));
    }
    EXPECT_EQ(s.queued("A"), static_cast<std::size_t>(c.cap));
    const auto over = s.submit("A", item("over"), c.mode, c.steerable);  // cap + 1
    EXPECT_EQ(over.outcome, SubmitOutcome::dropped_queue_full);
    EXPECT_FALSE(over.start.has_value());
    EXPECT_FALSE(over.cancel_running);
    EXPECT_TRUE(over.superseded.empty());
    EXPECT_EQ(s.queued("A"), static_cast<std::size_t>(c.cap));  // the queue is untouched
    // The next turn takes the oldest posts; "over" is never among them.
    const auto next = s.finish("A");
    ASSERT_EQ(next.size(), 1u);
    EXPECT_EQ(next[0].items.front().id, "q1");
    for (const auto& it : next[0].items) EXPECT_NE(it.id, "over");
    EXPECT_EQ(s.submit("A", item("later"), c.mode, c.steerable).outcome, SubmitOutcome::queued);
  }
}

TEST(Lanes, TheCapAppliesToSessionsWaitingForASlot) {
  LaneScheduler s(1, 2);
  expect_started(submit(s, "A", "a1"), turn("A", {"a1"}));
  expect_queued(submit(s, "B", "b1"));  // counts: B has no running turn
  expect_queued(submit(s, "B", "b2"));
  EXPECT_EQ(submit(s, "B", "b3").outcome, SubmitOutcome::dropped_queue_full);
  EXPECT_EQ(s.queued("B"), 2u);
  EXPECT_EQ(s.total_queued(), 2u);
}

// --- the global cap and fairness -----------------------------------------------------------------

TEST(Lanes, WithoutAFreeSlotSessionsWaitAndStartInTheOrderTheyBeganToWait) {
  LaneScheduler s(2, 20);
  expect_started(submit(s, "A", "a1"), turn("A", {"a1"}));
  expect_started(submit(s, "B", "b1"), turn("B", {"b1"}));
  expect_queued(submit(s, "D", "d1"));
  expect_queued(submit(s, "C", "c1"));
  expect_queued(submit(s, "D", "d2"));  // D is still first in line
  EXPECT_EQ(s.running_turns(), 2);
  EXPECT_EQ(s.waiting_sessions(), 2u);
  EXPECT_FALSE(s.running("C"));
  EXPECT_EQ(s.finish("B"), Turns{turn("D", {"d1"})});
  EXPECT_EQ(s.finish("A"), Turns{turn("C", {"c1"})});
  EXPECT_EQ(s.finish("C"), Turns{});
  EXPECT_EQ(s.finish("D"), Turns{turn("D", {"d2"})});
  EXPECT_EQ(s.running_turns(), 1);
}

TEST(Lanes, AWaitingCollectSessionStartsWithEverythingItQueued) {
  LaneScheduler s(1, 20);
  expect_started(submit(s, "A", "a1"), turn("A", {"a1"}));
  for (const char* id : {"b1", "b2", "b3"}) expect_queued(submit(s, "B", id, QueueMode::collect));
  EXPECT_EQ(s.finish("A"), Turns{turn("B", {"b1", "b2", "b3"})});
}

TEST(Lanes, ASessionWithABacklogGoesBehindTheSessionsAlreadyWaiting) {
  LaneScheduler s(1, 20);
  expect_started(submit(s, "A", "a1"), turn("A", {"a1"}));
  expect_queued(submit(s, "A", "a2"));
  expect_queued(submit(s, "A", "a3"));
  expect_queued(submit(s, "B", "b1"));
  expect_queued(submit(s, "C", "c1"));
  // Round robin: A's backlog cannot starve B and C.
  EXPECT_EQ(s.finish("A"), Turns{turn("B", {"b1"})});
  EXPECT_EQ(s.finish("B"), Turns{turn("C", {"c1"})});
  EXPECT_EQ(s.finish("C"), Turns{turn("A", {"a2"})});
  EXPECT_EQ(s.finish("A"), Turns{turn("A", {"a3"})});  // nobody else waits: at once
  EXPECT_EQ(s.finish("A"), Turns{});
  EXPECT_EQ(s.sessions(), 0u);
}

TEST(Lanes, ANewSessionDoesNotJumpTheLine) {
  LaneScheduler s(1, 20);
  expect_started(submit(s, "A", "a1"), turn("A", {"a1"}));
  expect_queued(submit(s, "B", "b1"));
  const auto finished = s.finish("A");
  EXPECT_EQ(finished, Turns{turn("B", {"b1"})});
  expect_queued(submit(s, "C", "c1"));  // the slot B took is not free
  EXPECT_EQ(s.finish("B"), Turns{turn("C", {"c1"})});
}

// --- set_limits ----------------------------------------------------------------------------------

TEST(Lanes, RaisingTheGlobalCapStartsWaitingSessionsInOrder) {
  LaneScheduler s(1, 20);
  expect_started(submit(s, "A", "a1"), turn("A", {"a1"}));
  expect_queued(submit(s, "B", "b1"));
  expect_queued(submit(s, "C", "c1"));
  expect_queued(submit(s, "D", "d1"));
  EXPECT_EQ(s.set_limits(3, 20), (Turns{turn("B", {"b1"}), turn("C", {"c1"})}));
  EXPECT_EQ(s.running_turns(), 3);
  EXPECT_EQ(s.max_running(), 3);
  EXPECT_EQ(s.waiting_sessions(), 1u);
  EXPECT_EQ(s.finish("A"), Turns{turn("D", {"d1"})});
}

TEST(Lanes, LoweringTheGlobalCapLetsRunningTurnsFinish) {
  LaneScheduler s(3, 20);
  expect_started(submit(s, "A", "a1"), turn("A", {"a1"}));
  expect_started(submit(s, "B", "b1"), turn("B", {"b1"}));
  expect_started(submit(s, "C", "c1"), turn("C", {"c1"}));
  EXPECT_EQ(s.set_limits(1, 20), Turns{});
  EXPECT_EQ(s.running_turns(), 3);  // nothing is cancelled
  expect_queued(submit(s, "D", "d1"));
  EXPECT_EQ(s.finish("A"), Turns{});
  EXPECT_EQ(s.finish("B"), Turns{});
  EXPECT_EQ(s.running_turns(), 1);
  EXPECT_EQ(s.finish("C"), Turns{turn("D", {"d1"})});
  expect_queued(submit(s, "E", "e1"));
}

TEST(Lanes, LoweringTheCapKeepsWhatIsQueued) {
  LaneScheduler s(4, 5);
  expect_started(submit(s, "A", "a1"), turn("A", {"a1"}));
  for (const char* id : {"a2", "a3", "a4", "a5"}) expect_queued(submit(s, "A", id));
  EXPECT_EQ(s.set_limits(4, 2), Turns{});
  EXPECT_EQ(s.queue_cap(), 2);
  EXPECT_EQ(s.queued("A"), 4u);
  EXPECT_EQ(submit(s, "A", "x").outcome, SubmitOutcome::dropped_queue_full);
  EXPECT_EQ(s.finish("A"), Turns{turn("A", {"a2"})});
  EXPECT_EQ(s.finish("A"), Turns{turn("A", {"a3"})});
  EXPECT_EQ(s.finish("A"), Turns{turn("A", {"a4"})});
  expect_queued(submit(s, "A", "a6"));  // 2 queued now: at the cap
  EXPECT_EQ(submit(s, "A", "y").outcome, SubmitOutcome::dropped_queue_full);
  EXPECT_EQ(s.set_limits(4, 3), Turns{});
  expect_queued(submit(s, "A", "a7"));
}

TEST(Lanes, LimitsBelowOneAreTreatedAsOne) {
  LaneScheduler s(0, 0);
  EXPECT_EQ(s.max_running(), 1);
  EXPECT_EQ(s.queue_cap(), 1);
  expect_started(submit(s, "A", "a1"), turn("A", {"a1"}));
  expect_queued(submit(s, "A", "a2"));
  EXPECT_EQ(submit(s, "A", "a3").outcome, SubmitOutcome::dropped_queue_full);
  EXPECT_EQ(s.set_limits(-5, -1), Turns{});
  EXPECT_EQ(s.max_running(), 1);
  EXPECT_EQ(s.queue_cap(), 1);
}

// --- drain, erasure, stray finish ----------------------------------------------------------------

TEST(Lanes, DrainQueuedRemovesEveryQueuedPostAndLeavesRunningTurns) {
  LaneScheduler s(2, 20);
  expect_started(submit(s, "B", "b1"), turn("B", {"b1"}));
  expect_started(submit(s, "A", "a1"), turn("A", {"a1"}));
  expect_queued(submit(s, "B", "b2"));
  expect_queued(submit(s, "A", "a2"));
  expect_queued(submit(s, "C", "c1"));  // waiting for a slot
  expect_queued(submit(s, "B", "b3"));
  expect_queued(submit(s, "C", "c2"));
  EXPECT_EQ(s.drain_queued(), items({"a2", "b2", "b3", "c1", "c2"}));  // by session key, then arrival
  EXPECT_EQ(s.total_queued(), 0u);
  EXPECT_EQ(s.queued("A"), 0u);
  EXPECT_EQ(s.waiting_sessions(), 0u);
  EXPECT_EQ(s.sessions(), 2u);  // C had nothing running: erased
  EXPECT_EQ(s.running_turns(), 2);
  EXPECT_TRUE(s.running("A"));
  EXPECT_EQ(s.finish("A"), Turns{});
  EXPECT_EQ(s.finish("B"), Turns{});
  EXPECT_EQ(s.sessions(), 0u);
  EXPECT_EQ(s.drain_queued(), Items{});
}

TEST(Lanes, IdleSessionsAreErased) {
  LaneScheduler s(1, 20);
  expect_started(submit(s, "A", "a1"), turn("A", {"a1"}));
  expect_queued(submit(s, "B", "b1"));
  EXPECT_EQ(s.sessions(), 2u);
  EXPECT_EQ(s.finish("A"), Turns{turn("B", {"b1"})});
  EXPECT_EQ(s.sessions(), 1u);
  EXPECT_EQ(s.finish("B"), Turns{});
  EXPECT_EQ(s.sessions(), 0u);
  EXPECT_FALSE(s.running("A"));
  EXPECT_FALSE(s.running("B"));
  EXPECT_EQ(s.queued("B"), 0u);
  // A steered post and a dropped post leave nothing behind either.
  LaneScheduler t(1, 1);
  expect_started(submit(t, "A", "a1"), turn("A", {"a1"}));
  EXPECT_EQ(submit(t, "A", "a2", QueueMode::steer, true).outcome, SubmitOutcome::steered);
  EXPECT_EQ(t.finish("A"), Turns{});
  EXPECT_EQ(t.sessions(), 0u);
}

TEST(Lanes, FinishOfASessionWithoutARunningTurnIsHarmless) {
  LaneScheduler s(1, 20);
  EXPECT_EQ(s.finish("nobody"), Turns{});
  EXPECT_EQ(s.sessions(), 0u);
  EXPECT_EQ(s.running_turns(), 0);
  expect_started(submit(s, "A", "a1"), turn("A", {"a1"}));
  expect_queued(submit(s, "B", "b1"));
  EXPECT_EQ(s.finish("B"), Turns{});  // B waits for a slot; it has no turn to finish
  EXPECT_EQ(s.finish("nobody"), Turns{});
  EXPECT_EQ(s.running_turns(), 1);
  EXPECT_EQ(s.queued("B"), 1u);
  EXPECT_EQ(s.finish("A"), Turns{turn("B", {"b1"})});
  EXPECT_EQ(s.finish("A"), Turns{});  // twice
  EXPECT_EQ(s.running_turns(), 1);
  EXPECT_TRUE(s.running("B"));
}

// --- invariants under a random workload ----------------------------------------------------------

// Replays a seeded random mix of submits (every mode), finishes and limit changes, and checks after
// every step: each post is accounted for exactly once, per session order is kept, a session never
// runs two turns, the global cap holds (it may be exceeded only after a lowering), the counters
// match, and no idle session is kept.
TEST(Lanes, RandomWorkloadKeepsTheInvariants) {
  std::mt19937 rng(20240611);
  const std::vector<std::string> keys{"s0", "s1", "s2", "s3", "s4", "s5"};
  const std::vector<QueueMode> modes{QueueMode::followup, QueueMode::collect, QueueMode::interrupt,
                                     QueueMode::steer};
  LaneScheduler s(2, 3);
  std::map<std::string, bool> running;                   // our model of which sessions run
  std::map<std::string, std::vector<std::string>> held;  // queued ids per session, in order
  std::map<std::string, int> last_started;               // per-session: the highest sequence started
  std::set<std::string> seen;
  int next = 0;
  std::size_t steered = 0, dropped = 0, superseded = 0, started_items = 0;
  bool lowered = false;

  auto seq_of = [](const std::string& id) { return std::stoi(id.substr(id.find('#') + 1)); };
  auto on_start = [&](const LaneTurn& t) {
    ASSERT_FALSE(running[t.session_key]) << "two turns in " << t.session_key;
    running[t.session_key] = true;
    ASSERT_FALSE(t.items.empty());
    auto& q = held[t.session_key];
    ASSERT_GE(q.size(), t.items.size());
    for (std::size_t i = 0; i < t.items.size(); ++i) {
      EXPECT_EQ(t.items[i].id, q[i]) << "order within " << t.session_key;
      const int seq = seq_of(t.items[i].id);
      EXPECT_GT(seq, last_started[t.session_key]);
      last_started[t.session_key] = seq;
    }
    q.erase(q.begin(), q.begin() + static_cast<std::ptrdiff_t>(t.items.size()));
    started_items += t.items.size();
  };

  for (int step = 0; step < 20000; ++step) {
    const int op = static_cast<int>(rng() % 10);
    const std::string& key = keys[rng() % keys.size()];
    if (op < 6) {
      const QueueMode mode = modes[rng() % modes.size()];
      const bool steerable = rng() % 2 == 0;
      const std::string id = key + "#" + std::to_string(++next);
      seen.insert(id);
      held[key].push_back(id);
      const auto r = s.submit(key, item(id), mode, steerable);
      for (const auto& x : r.superseded) {
        auto& q = held[key];
        ASSERT_FALSE(q.empty());
        EXPECT_EQ(q.front(), x.id);
        q.erase(q.begin());
        ++superseded;
      }
      switch (r.outcome) {
        case SubmitOutcome::started:
          ASSERT_TRUE(r.start.has_value());
          on_start(*r.start);
          break;
        case SubmitOutcome::queued:
          EXPECT_EQ(r.cancel_running, mode == QueueMode::interrupt && running[key]);
          break;
        case SubmitOutcome::steered:
          EXPECT_TRUE(mode == QueueMode::steer && steerable && running[key]);
          held[key].pop_back();
          ++steered;
          break;
        case SubmitOutcome::dropped_queue_full:
          EXPECT_NE(mode, QueueMode::interrupt);
          held[key].pop_back();
          ++dropped;
          break;
      }
    } else if (op < 9) {
      const bool was_running = running[key];
      const auto turns = s.finish(key);
      if (!was_running) {
        EXPECT_TRUE(turns.empty());
      }
      running[key] = false;
      for (const auto& t : turns) on_start(t);
    } else if (rng() % 50 == 0) {
      const int max = 1 + static_cast<int>(rng() % 4);
      lowered = lowered || max < s.running_turns();
      for (const auto& t : s.set_limits(max, 1 + static_cast<int>(rng() % 4))) on_start(t);
    } else if (rng() % 200 == 0) {
      for (const auto& x : s.drain_queued()) {
        auto& q = held[x.id.substr(0, x.id.find('#'))];
        ASSERT_FALSE(q.empty());
        EXPECT_EQ(q.front(), x.id);
        q.erase(q.begin());
        ++superseded;  // counted with the other removals
      }
    }

    // Invariants.
    int running_count = 0;
    std::size_t queued_total = 0, live_sessions = 0;
    bool waiting_with_free_slot = false;
    for (const auto& k : keys) {
      ASSERT_EQ(s.running(k), running[k]) << k;
      ASSERT_EQ(s.queued(k), held[k].size()) << k;
      running_count += running[k] ? 1 : 0;
      queued_total += held[k].size();
      live_sessions += (running[k] || !held[k].empty()) ? 1 : 0;
      if (!running[k] && !held[k].empty() && s.running_turns() < s.max_running())
        waiting_with_free_slot = true;
    }
    ASSERT_EQ(s.running_turns(), running_count);
    ASSERT_EQ(s.total_queued(), queued_total);
    ASSERT_EQ(s.sessions(), live_sessions);
    ASSERT_FALSE(waiting_with_free_slot) << "a session waits while a slot is free";
    if (!lowered) {
      ASSERT_LE(s.running_turns(), s.max_running());
    }
    if (s.running_turns() <= s.max_running()) lowered = false;
  }
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(next));
  EXPECT_EQ(started_items + steered + dropped + superseded + s.total_queued(),
            static_cast<std::size_t>(next));
  EXPECT_GT(steered, 0u);
  EXPECT_GT(dropped, 0u);
  EXPECT_GT(started_items, 1000u);
}

}  // namespace
}  // namespace mmclaw::gateway

// The lanes shared by every account (app/turn_lanes): turns handed to the right account's runtime,
// the global cap across accounts, restarts that keep queued jobs, and accounts that go away.
#include "app/turn_lanes.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mmclaw::app {
namespace {

TurnJob job(std::string account, std::string post, std::string session) {
  TurnJob j;
  j.account_id = std::move(account);
  j.post_id = std::move(post);
  j.channel_id = "chan";
  gateway::Route route;
  route.session_key = std::move(session);
  j.route = route;
  return j;
}

struct Recorder {
  std::vector<std::string> started;  // "<account>:<session>:<post>[,<post>]"
  std::vector<std::string> dropped;  // "<post>:<reason>"
  std::vector<std::string> cancelled;

  TurnLanes::Hooks hooks(std::string account) {
    TurnLanes::Hooks h;
    h.run = [this, account](Turn turn) {
      std::string posts;
      for (const auto& j : turn.jobs) posts += (posts.empty() ? "" : ",") + j.post_id;
      started.push_back(account + ":" + turn.session_key + ":" + posts);
    };
    h.drop = [this](const TurnJob& j, std::string_view reason) { dropped.push_back(j.post_id + ":" + std::string(reason)); };
    h.cancel = [this](std::string_view session) { cancelled.emplace_back(session); };
    return h;
  }
};

using Strings = std::vector<std::string>;

TEST(TurnLanes, OneTurnPerSessionInOrder) {
  TurnLanes lanes(4, 20);
  Recorder r;
  lanes.attach("a", r.hooks("a"));
  EXPECT_EQ(lanes.submit(job("a", "p1", "s"), config::QueueMode::followup), TurnLanes::Submitted::started);
  EXPECT_EQ(lanes.submit(job("a", "p2", "s"), config::QueueMode::followup), TurnLanes::Submitted::queued);
  EXPECT_EQ(lanes.submit(job("a", "p3", "t"), config::QueueMode::followup), TurnLanes::Submitted::started);
  EXPECT_EQ(r.started, (Strings{"a:s:p1", "a:t:p3"}));
  lanes.finish("a", "s");
  EXPECT_EQ(r.started.back(), "a:s:p2");
  EXPECT_EQ(lanes.running_turns(), 2);
}

TEST(TurnLanes, TheGlobalCapSpansAccountsAndSessionsOfEachAccountAreTheirOwn) {
  TurnLanes lanes(1, 20);
  Recorder ra, rb;
  lanes.attach("a", ra.hooks("a"));
  lanes.attach("b", rb.hooks("b"));
  EXPECT_EQ(lanes.submit(job("a", "p1", "s"), config::QueueMode::followup), TurnLanes::Submitted::started);
  // The same session key on another account is another lane, but waits for the one slot.
  EXPECT_EQ(lanes.submit(job("b", "p2", "s"), config::QueueMode::followup), TurnLanes::Submitted::queued);
  lanes.finish("a", "s");
  EXPECT_EQ(rb.started, Strings{"b:s:p2"});
  EXPECT_EQ(ra.started.size(), 1u);
}

TEST(TurnLanes, ARestartingAccountKeepsItsQueuedJobsForItsNextRuntime) {
  TurnLanes lanes(4, 20);
  Recorder old_runtime, new_runtime;
  lanes.attach("a", old_runtime.hooks("a"));
  (void)lanes.submit(job("a", "p1", "s"), config::QueueMode::followup);
  (void)lanes.submit(job("a", "p2", "s"), config::QueueMode::followup);
  lanes.detach("a", /*forget=*/false);
  lanes.finish("a", "s");  // the old runtime's turn in flight ends; p2 is due but nobody runs it yet
  EXPECT_EQ(old_runtime.started, Strings{"a:s:p1"});
  lanes.attach("a", new_runtime.hooks("a"));
  EXPECT_EQ(new_runtime.started, Strings{"a:s:p2"}) << "the queued job runs on the new runtime";
}

TEST(TurnLanes, AnAccountThatGoesAwayGivesBackItsSlots) {
  TurnLanes lanes(1, 20);
  Recorder ra, rb;
  lanes.attach("a", ra.hooks("a"));
  lanes.attach("b", rb.hooks("b"));
  (void)lanes.submit(job("a", "p1", "s"), config::QueueMode::followup);
  (void)lanes.submit(job("a", "p2", "s"), config::QueueMode::followup);
  (void)lanes.submit(job("b", "p3", "t"), config::QueueMode::followup);
  lanes.detach("a", /*forget=*/true);
  lanes.finish("a", "s");
  EXPECT_EQ(rb.started, Strings{"b:t:p3"}) << "a's queued job is forgotten, b gets the slot";
  lanes.finish("b", "t");  // a's forgotten job comes due and is let go without running
  EXPECT_EQ(ra.started, Strings{"a:s:p1"});
  EXPECT_EQ(lanes.queued_jobs(), 0u);
  EXPECT_EQ(lanes.running_turns(), 0);
}

TEST(TurnLanes, AFullQueueDropsTheNewJob) {
  TurnLanes lanes(4, 1);
  Recorder r;
  lanes.attach("a", r.hooks("a"));
  (void)lanes.submit(job("a", "p1", "s"), config::QueueMode::followup);
  EXPECT_EQ(lanes.submit(job("a", "p2", "s"), config::QueueMode::followup), TurnLanes::Submitted::queued);
  EXPECT_EQ(lanes.submit(job("a", "p3", "s"), config::QueueMode::followup),
            TurnLanes::Submitted::dropped_queue_full);
  lanes.finish("a", "s");
  EXPECT_EQ(r.started.back(), "a:s:p2");
}

TEST(TurnLanes, InterruptSupersedesTheBacklogAndCancelsTheRunningTurn) {
  TurnLanes lanes(4, 20);
  Recorder r;
  lanes.attach("a", r.hooks("a"));
  (void)lanes.submit(job("a", "p1", "s"), config::QueueMode::followup);
  (void)lanes.submit(job("a", "p2", "s"), config::QueueMode::followup);
  (void)lanes.submit(job("a", "p3", "s"), config::QueueMode::interrupt);
  EXPECT_EQ(r.dropped, Strings{"p2:superseded"});
  EXPECT_EQ(r.cancelled, Strings{"s"});
  lanes.finish("a", "s");
  EXPECT_EQ(r.started.back(), "a:s:p3");
}

TEST(TurnLanes, CollectRunsTheBacklogAsOneTurn) {
  TurnLanes lanes(4, 20);
  Recorder r;
  lanes.attach("a", r.hooks("a"));
  (void)lanes.submit(job("a", "p1", "s"), config::QueueMode::collect);
  (void)lanes.submit(job("a", "p2", "s"), config::QueueMode::collect);
  (void)lanes.submit(job("a", "p3", "s"), config::QueueMode::collect);
  lanes.finish("a", "s");
  EXPECT_EQ(r.started.back(), "a:s:p2,p3");
}

TEST(TurnLanes, RaisingTheCapStartsWaitingTurns) {
  TurnLanes lanes(1, 20);
  Recorder r;
  lanes.attach("a", r.hooks("a"));
  (void)lanes.submit(job("a", "p1", "s"), config::QueueMode::followup);
  (void)lanes.submit(job("a", "p2", "t"), config::QueueMode::followup);
  EXPECT_EQ(r.started.size(), 1u);
  lanes.set_limits(2, 20);
  EXPECT_EQ(r.started, (Strings{"a:s:p1", "a:t:p2"}));
}

}  // namespace
}  // namespace mmclaw::app

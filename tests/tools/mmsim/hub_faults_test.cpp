// Fault switches of the control API and the send-queue rules (protocol reference §1.7, §1.8).

#include "hub_test_support.hpp"

namespace mmsim::test {
namespace {

UpgradeQuery resume_query(const std::string& connection_id, const std::string& sequence) {
  UpgradeQuery q;
  q.connection_id = connection_id;
  q.sequence_number = sequence;
  return q;
}

TEST_F(HubTest, MutedUserGetsNoEventsButRepliesAndPings) {
  open_as(1, kBotToken, 0);
  open_as(2, kAliceToken, 0);
  hub.set_events_muted(kBot, true);
  expect_actions(hub.broadcast(channel_event(kTownSquare), 1), {text(2, channel_event_json(kTownSquare, 1))});
  EXPECT_EQ(hub.on_text(1, request(1, "ping"), 2).actions.size(), 1u);
  expect_actions(hub.tick(60000), {ping(1), ping(2)});
  hub.set_events_muted(kBot, false);
  expect_actions(hub.broadcast(user_event(kBot), 60001), {text(1, user_event_json(kBot, 1))});
}

TEST_F(HubTest, MutedUserGetsNothingQueuedWhileInactive) {
  open_as(1, kBotToken, 0);
  hub.on_closed(1, 1);
  hub.set_events_muted(kBot, true);
  hub.broadcast(user_event(kBot), 2);
  EXPECT_EQ(hub.connections()[0].pending_events, 0u);
}

TEST_F(HubTest, BlackholedSocketsGoSilentButEventsKeepTheirSeqs) {
  const std::string id = open_as(1, kBotToken, 0);
  expect_actions(hub.broadcast(user_event(kBot, "a"), 10), {text(1, user_event_json(kBot, 1, "a"))});
  expect_actions(hub.blackhole_all(true, 20), {stop_io(1)});
  expect_actions(hub.broadcast(user_event(kBot, "b"), 30), {});        // written into the void: seq 2
  expect_actions(hub.on_text(1, request(1, "ping"), 40).actions, {});  // nothing is read
  hub.on_pong(1, 50000);                                               // nor pongs
  expect_actions(hub.tick(60000), {});                                 // no ping frame
  EXPECT_EQ(hub.connections()[0].next_seq, 3);
  EXPECT_TRUE(hub.connections()[0].blackholed);

  // At the pong deadline the server retires the connection without the client seeing anything.
  expect_actions(hub.tick(100000), {});
  EXPECT_EQ(hub.resumable_count(), 1u);
  EXPECT_EQ(hub.socket_count(), 1u);  // the half-open socket itself stays open

  // The client gives up on its own, reconnects and resumes: what it missed is replayed.
  expect_actions(hub.open(2, kBotToken, resume_query(id, "2"), 100500),
                 {text(2, user_event_json(kBot, 2, "b"))});

  // Lifting the blackhole resets the stale socket.
  expect_actions(hub.blackhole_all(false, 101000), {drop(1)});
  EXPECT_EQ(hub.socket_count(), 1u);
}

TEST_F(HubTest, ReconnectBeforeTheServerNoticesGetsAFreshConnection) {
  const std::string id = open_as(1, kBotToken, 0);
  hub.blackhole_all(true, 1000);
  hub.broadcast(user_event(kBot), 2000);
  // A client watchdog fires at 65 s, before the server's 100 s read deadline: the old connection
  // is still active server-side, so it cannot be resumed.
  expect_actions(hub.open(2, kBotToken, resume_query(id, "1"), 65000),
                 {text(2, hello_json(test_id(2), kBot))});
}

TEST_F(HubTest, BlackholeAppliesToSocketsOpenAtTheTime) {
  open_as(1, kBotToken, 0);
  hub.open(2, std::nullopt, UpgradeQuery{}, 0);
  expect_actions(hub.blackhole_all(true, 10), {stop_io(1), stop_io(2)});
  expect_actions(hub.blackhole_all(true, 11), {});
  open_as(3, kBotToken, 20);
  expect_actions(hub.broadcast(user_event(kBot), 30), {text(3, user_event_json(kBot, 1))});
  // The unauthenticated one is retired silently at its auth deadline.
  expect_actions(hub.tick(5000), {});
  EXPECT_EQ(hub.socket_count(), 3u);
  expect_actions(hub.blackhole_all(false, 6000), {drop(1), drop(2)});
  EXPECT_EQ(hub.socket_count(), 1u);
  EXPECT_EQ(hub.resumable_count(), 1u);
}

TEST_F(HubTest, CloseAllKeepsResumeState) {
  const std::string bot = open_as(1, kBotToken, 0);
  open_as(2, kAliceToken, 0);
  hub.open(3, std::nullopt, UpgradeQuery{}, 0);
  expect_actions(hub.close_all(10), {drop(1), drop(2), drop(3)});
  EXPECT_EQ(hub.socket_count(), 0u);
  EXPECT_EQ(hub.resumable_count(), 2u);
  expect_actions(hub.open(4, kBotToken, resume_query(bot, "1"), 20), {});
}

TEST_F(HubTest, RestartForgetsEverything) {
  const std::string bot = open_as(1, kBotToken, 0);
  hub.broadcast(user_event(kBot), 1);
  expect_actions(hub.restart(), {drop(1)});
  EXPECT_EQ(hub.socket_count(), 0u);
  EXPECT_EQ(hub.resumable_count(), 0u);
  expect_actions(hub.open(2, kBotToken, resume_query(bot, "2"), 10), {text(2, hello_json(test_id(2), kBot))});
}

TEST_F(HubTest, RestartLeavesHalfOpenSocketsSilent) {
  open_as(1, kBotToken, 0);
  hub.blackhole_all(true, 1);
  expect_actions(hub.restart(), {});
  EXPECT_EQ(hub.resumable_count(), 0u);
  expect_actions(hub.blackhole_all(false, 2), {drop(1)});
}

TEST_F(HubTest, RefusingUpgrades) {
  EXPECT_TRUE(hub.accepting_upgrades(0));
  hub.refuse_upgrades_until(5000);
  EXPECT_FALSE(hub.accepting_upgrades(4999));
  EXPECT_TRUE(hub.accepting_upgrades(5000));
}

class SendQueueTest : public HubTest {
 protected:
  void SetUp() override {
    open_as(1, kBotToken, 0);
    hub.on_queue_depth(1, 0);
  }
};

TEST_F(SendQueueTest, AtHalfFullDroppableEventsAreSkipped) {
  hub.on_queue_depth(1, 128);
  for (const char* name : {"typing", "status_change", "multiple_channels_viewed"}) {
    SCOPED_TRACE(name);
    expect_actions(hub.broadcast(channel_event(kTownSquare, name), 1), {});
  }
  expect_actions(hub.broadcast(channel_event(kTownSquare), 2), {text(1, channel_event_json(kTownSquare, 1))});
  hub.on_queue_depth(1, 127);
  expect_actions(hub.broadcast(channel_event(kTownSquare, "typing"), 3),
                 {text(1, channel_event_json(kTownSquare, 2, "typing"))});
}

TEST_F(SendQueueTest, AFullQueueClosesWithAnEmptyCloseFrame) {
  hub.on_queue_depth(1, 256);
  expect_actions(hub.broadcast(channel_event(kTownSquare), 1), {close_empty(1)});
  EXPECT_EQ(hub.socket_count(), 0u);
  EXPECT_EQ(hub.resumable_count(), 0u);  // removed, not merely inactive
}

TEST_F(SendQueueTest, RepliesAlsoNeedRoom) {
  hub.on_queue_depth(1, 256);
  expect_actions(hub.on_text(1, request(1, "ping"), 1).actions, {close_empty(1)});
}

TEST_F(SendQueueTest, EveryTextFrameCountsUntilTheSocketLayerReports) {
  HubOptions options;
  options.send_queue_limit = 4;
  FakeModel fresh;
  Hub h(options, fresh.services());
  h.open(1, kBotToken, UpgradeQuery{}, 0);                                                // hello: depth 1
  h.on_text(1, request(1, "ping"), 1);                                                    // reply: depth 2
  expect_actions(h.broadcast(user_event(kBot), 2), {text(1, user_event_json(kBot, 1))});  // depth 3
  // depth 3 >= 4 * 50 / 100: typing is dropped
  Event typing = user_event(kBot);
  typing.event = "typing";
  expect_actions(h.broadcast(typing, 3), {});
  expect_actions(h.broadcast(user_event(kBot), 4), {text(1, user_event_json(kBot, 2))});  // depth 4
  h.on_queue_depth(1, 3);
  expect_actions(h.broadcast(user_event(kBot), 5), {text(1, user_event_json(kBot, 3))});
  expect_actions(h.broadcast(user_event(kBot), 6), {close_empty(1)});
}

TEST_F(SendQueueTest, BacklogOfAnInactiveConnectionDropsDroppableEventsWhenHalfFull) {
  HubOptions options;
  options.send_queue_limit = 4;
  FakeModel fresh;
  Hub h(options, fresh.services());
  h.open(1, kBotToken, UpgradeQuery{}, 0);
  h.on_closed(1, 1);
  Event typing = user_event(kBot);
  typing.event = "typing";
  h.broadcast(typing, 2);
  h.broadcast(user_event(kBot), 3);
  h.broadcast(typing, 4);  // 2 queued: half of 4, dropped
  EXPECT_EQ(h.connections()[0].pending_events, 2u);
}

}  // namespace
}  // namespace mmsim::test

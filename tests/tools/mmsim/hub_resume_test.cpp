// Reconnect with connection_id + sequence_number (protocol reference §1.6; PopulateWebConnConfig,
// WebConn.writePump, Hub.CheckConn in the server).

#include "hub_test_support.hpp"

namespace mmsim::test {
namespace {

UpgradeQuery resume_query(const std::string& connection_id, std::optional<std::string> sequence) {
  UpgradeQuery q;
  q.connection_id = connection_id;
  q.sequence_number = std::move(sequence);
  return q;
}

class ResumeTest : public HubTest {
 protected:
  // The bot on socket 1 has received hello (0) and events 1..3, then the socket dies at t=1000.
  void SetUp() override {
    bot_id = open_as(1, kBotToken);
    for (const char* marker : {"a", "b", "c"}) {
      auto actions = hub.broadcast(user_event(kBot, marker), 10);
      ASSERT_EQ(actions.size(), 1u);
      written.push_back(actions[0].text);
    }
    hub.on_closed(1, 1000);
  }
  std::string bot_id;
  std::vector<std::string> written;  // texts of seq 1, 2, 3
};

TEST_F(ResumeTest, ReplaysFromTheDeadQueueWithOriginalSeqsAndNoHello) {
  auto actions = hub.open(2, kBotToken, resume_query(bot_id, "2"), 2000);
  ASSERT_EQ(actions.size(), 2u);
  EXPECT_EQ(actions[0].conn, 2u);
  EXPECT_EQ(actions[0].text, written[1]);  // byte-identical to what was first written
  EXPECT_EQ(actions[1].text, written[2]);
  expect_actions(hub.broadcast(user_event(kBot, "d"), 2001), {text(2, user_event_json(kBot, 4, "d"))});
  ASSERT_EQ(hub.connections().size(), 1u);
  EXPECT_EQ(hub.connections()[0].connection_id, bot_id);
}

TEST_F(ResumeTest, ReplayCanStartAtHello) {
  auto actions = hub.open(2, kBotToken, resume_query(bot_id, "0"), 2000);
  // sequence_number 0 is the server's "nothing to check" case: no replay, no hello, and the
  // counter restarts at 0 (the Go server skips its dead-queue logic when Sequence == 0).
  expect_actions(actions, {});
  expect_actions(hub.broadcast(user_event(kBot, "d"), 2001), {text(2, user_event_json(kBot, 0, "d"))});
}

TEST_F(ResumeTest, NothingMissedContinuesWithoutHello) {
  expect_actions(hub.open(2, kBotToken, resume_query(bot_id, "4"), 2000), {});
  expect_actions(hub.broadcast(user_event(kBot, "d"), 2001), {text(2, user_event_json(kBot, 4, "d"))});
}

TEST_F(ResumeTest, SequenceBeyondWhatWasWrittenStartsOver) {
  expect_actions(hub.open(2, kBotToken, resume_query(bot_id, "9"), 2000),
                 {text(2, hello_json(test_id(2), kBot))});
}

TEST_F(ResumeTest, NegativeSequenceStartsOver) {
  expect_actions(hub.open(2, kBotToken, resume_query(bot_id, "-1"), 2000),
                 {text(2, hello_json(test_id(2), kBot))});
}

TEST_F(ResumeTest, SignedSequenceIsAnInteger) {
  auto actions = hub.open(2, kBotToken, resume_query(bot_id, "+3"), 2000);
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_EQ(actions[0].text, written[2]);
}

TEST_F(ResumeTest, GapTooOldGivesANewConnectionIdAndHello) {
  HubOptions options;
  options.dead_queue_size = 3;
  FakeModel fresh;  // ids from 1 again
  Hub h(options, fresh.services());
  auto hello = h.open(1, kBotToken, UpgradeQuery{}, 0);
  for (int i = 0; i < 5; ++i) h.broadcast(user_event(kBot), 1);  // dead queue now holds seqs 3..5
  h.on_closed(1, 100);
  expect_actions(h.open(2, kBotToken, resume_query(test_id(1), "2"), 200),
                 {text(2, hello_json(test_id(2), kBot))});
  ASSERT_EQ(h.connections().size(), 1u);
  EXPECT_EQ(h.connections()[0].connection_id, test_id(2));
  EXPECT_EQ(h.connections()[0].dead_queue_size, 1u);  // cleared, then the new hello
  expect_actions(h.broadcast(user_event(kBot), 201), {text(2, user_event_json(kBot, 1))});
  // The new id is the one to resume next time; the old one is gone.
  h.on_closed(2, 300);
  expect_actions(h.open(3, kBotToken, resume_query(test_id(2), "1"), 400),
                 {text(3, user_event_json(kBot, 1))});
}

TEST_F(ResumeTest, ExpiredResumeWindowGivesAFreshConnection) {
  expect_actions(hub.open(2, kBotToken, resume_query(bot_id, "4"), 1000 + 300000),
                 {text(2, hello_json(test_id(2), kBot))});
  EXPECT_EQ(hub.resumable_count(), 0u);
}

TEST_F(ResumeTest, ResumableUntilJustBeforeTheWindowEnds) {
  expect_actions(hub.open(2, kBotToken, resume_query(bot_id, "4"), 1000 + 299999), {});
}

TEST_F(ResumeTest, TickExpiresInactiveConnections) {
  hub.tick(1000 + 299999);
  EXPECT_EQ(hub.resumable_count(), 1u);
  hub.tick(1000 + 300000);
  EXPECT_EQ(hub.resumable_count(), 0u);
}

TEST_F(ResumeTest, MissingOrInvalidResumeParametersDropTheSocket) {
  const std::vector<UpgradeQuery> bad = {
      resume_query(bot_id, std::nullopt), resume_query(bot_id, ""),
      resume_query(bot_id, "abc"),        resume_query(bot_id, "1.5"),
      resume_query(bot_id, " 2"),         resume_query(bot_id, "2x"),
      resume_query(bot_id, "+-2"),        resume_query(bot_id, "99999999999999999999"),
      resume_query("tooshort", "2"),      resume_query("conn-00000000000000000001", "2")};
  for (const auto& query : bad) {
    SCOPED_TRACE(*query.connection_id + " / " + query.sequence_number.value_or("<none>"));
    expect_actions(hub.open(2, kBotToken, query, 2000), {drop(2)});
    EXPECT_EQ(hub.socket_count(), 0u);
  }
  // Unknown but well-formed ids are not an error: a fresh connection.
  expect_actions(hub.open(2, kBotToken, resume_query(test_id(77), "2"), 2000),
                 {text(2, hello_json(test_id(2), kBot))});
  EXPECT_EQ(hub.resumable_count(), 1u);  // the bot's old connection is still there
}

TEST_F(ResumeTest, ResumeNeedsTheTokenAtUpgrade) {
  // Without a token the query is ignored; the challenge then registers a new connection.
  expect_actions(hub.open(2, std::nullopt, resume_query(bot_id, "2"), 2000), {});
  auto result = hub.on_text(2, challenge(1, kBotToken), 2001);
  expect_actions(result.actions, {text(2, hello_json(test_id(2), kBot)), text(2, ok_json(1))});
  EXPECT_EQ(hub.resumable_count(), 1u);
}

TEST_F(ResumeTest, AConnectionTheServerStillThinksAliveIsNotResumed) {
  expect_actions(hub.open(2, kBotToken, resume_query(bot_id, "4"), 2000), {});
  // A second socket asks for the same connection while the first is open: new connection.
  expect_actions(hub.open(3, kBotToken, resume_query(bot_id, "4"), 2001),
                 {text(3, hello_json(test_id(2), kBot))});
}

TEST_F(ResumeTest, AnotherUsersConnectionIsNotResumed) {
  expect_actions(hub.open(2, kAliceToken, resume_query(bot_id, "2"), 2000),
                 {text(2, hello_json(test_id(2), kAlice))});
  EXPECT_EQ(hub.resumable_count(), 1u);
}

TEST_F(ResumeTest, EventsDeliveredWhileInactiveAreWrittenAfterTheResume) {
  expect_actions(hub.broadcast(user_event(kBot, "d"), 1500), {});
  expect_actions(hub.broadcast(user_event(kBot, "e"), 1600), {});
  EXPECT_EQ(hub.connections()[0].pending_events, 2u);
  expect_actions(
      hub.open(2, kBotToken, resume_query(bot_id, "3"), 2000),
      {text(2, written[2]), text(2, user_event_json(kBot, 4, "d")), text(2, user_event_json(kBot, 5, "e"))});
}

TEST_F(ResumeTest, BacklogFollowsANewHelloWhenTheGapCannotBeFilled) {
  hub.broadcast(user_event(kBot, "d"), 1500);
  expect_actions(hub.open(2, kBotToken, resume_query(bot_id, "9"), 2000),
                 {text(2, hello_json(test_id(2), kBot)), text(2, user_event_json(kBot, 1, "d"))});
}

TEST_F(ResumeTest, WithoutInactiveQueueingEventsForInactiveConnectionsAreDropped) {
  HubOptions options;
  options.queue_events_while_inactive = false;
  FakeModel fresh;  // ids from 1 again
  Hub h(options, fresh.services());
  h.open(1, kBotToken, UpgradeQuery{}, 0);
  h.on_closed(1, 10);
  expect_actions(h.broadcast(user_event(kBot), 20), {});
  expect_actions(h.open(2, kBotToken, resume_query(test_id(1), "1"), 30), {});
  expect_actions(h.broadcast(user_event(kBot), 40), {text(2, user_event_json(kBot, 1))});
}

TEST_F(ResumeTest, OverflowingTheBacklogForgetsTheConnection) {
  HubOptions options;
  options.send_queue_limit = 4;
  FakeModel fresh;  // ids from 1 again
  Hub h(options, fresh.services());
  h.open(1, kBotToken, UpgradeQuery{}, 0);
  h.on_closed(1, 10);
  for (int i = 0; i < 4; ++i) h.broadcast(user_event(kBot), 20);
  EXPECT_EQ(h.resumable_count(), 1u);
  h.broadcast(user_event(kBot), 21);  // the queue is full: the server removes the connection
  EXPECT_EQ(h.resumable_count(), 0u);
  expect_actions(h.open(2, kBotToken, resume_query(test_id(1), "1"), 30),
                 {text(2, hello_json(test_id(2), kBot))});
}

TEST_F(ResumeTest, ChallengeAuthenticatedConnectionsCanBeResumed) {
  hub.open(5, std::nullopt, UpgradeQuery{}, 2000);
  hub.on_text(5, challenge(1, kAliceToken), 2001);  // registers test_id(2)
  hub.broadcast(user_event(kAlice), 2002);
  hub.on_closed(5, 2003);
  auto actions = hub.open(6, kAliceToken, resume_query(test_id(2), "1"), 2004);
  expect_actions(actions, {text(6, user_event_json(kAlice, 1))});
}

}  // namespace
}  // namespace mmsim::test

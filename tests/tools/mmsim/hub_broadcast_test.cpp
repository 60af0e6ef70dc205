// Who receives an event and how it looks on the wire (protocol reference §1.5, §1.6, §1.9, §2.2).

#include "hub_test_support.hpp"

namespace mmsim::test {
namespace {

class BroadcastTest : public HubTest {
 protected:
  // Keys: 1 bot, 2 alice, 3 bob, all authenticated at upgrade.
  void SetUp() override {
    bot_id = open_as(1, kBotToken);
    alice_id = open_as(2, kAliceToken);
    bob_id = open_as(3, kBobToken);
  }
  std::string bot_id, alice_id, bob_id;
};

TEST_F(BroadcastTest, ChannelEventsReachOnlyChannelMembers) {
  expect_actions(hub.broadcast(channel_event(kTownSquare), 1),
                 {text(1, channel_event_json(kTownSquare, 1)), text(2, channel_event_json(kTownSquare, 1))});
  expect_actions(hub.broadcast(channel_event(kBuildAlerts), 2),
                 {text(1, channel_event_json(kBuildAlerts, 2)), text(2, channel_event_json(kBuildAlerts, 2)),
                  text(3, channel_event_json(kBuildAlerts, 1))});
}

TEST_F(BroadcastTest, PostedEnvelopeIsExactAndPrecomputed) {
  Event e;
  e.event = "posted";
  e.data["channel_display_name"] = "Build Alerts";
  e.data["channel_name"] = "build-alerts";
  e.data["channel_type"] = "O";
  e.data["post"] = R"({"id":"sjebyge5cpbop1xwo4eds74ejb","message":"@buildbot status"})";
  e.data["sender_name"] = "@alice";
  e.data["set_online"] = true;
  e.data["team_id"] = kTeam;
  e.broadcast.channel_id = kBuildAlerts;
  auto actions = hub.broadcast(e, 1);
  ASSERT_EQ(actions.size(), 3u);
  const std::string expected = fmt::format(
      R"({{"event": "posted", "data": {{"channel_display_name":"Build Alerts",)"
      R"("channel_name":"build-alerts","channel_type":"O",)"
      R"("post":"{{\"id\":\"sjebyge5cpbop1xwo4eds74ejb\",\"message\":\"@buildbot status\"}}",)"
      R"("sender_name":"@alice","set_online":true,"team_id":"{}"}}, )"
      R"("broadcast": {{"omit_users":null,"user_id":"",)"
      R"("channel_id":"{}","team_id":"","connection_id":"","omit_connection_id":""}}, "seq": 1}})",
      kTeam, kBuildAlerts);
  // The hub's precomputed form, byte for byte: spaces at the top level, keys sorted, no newline.
  EXPECT_EQ(actions[2].text, expected);
  EXPECT_EQ(json::parse(actions[2].text).at("data").at("post").as_string(),
            R"({"id":"sjebyge5cpbop1xwo4eds74ejb","message":"@buildbot status"})");
}

TEST_F(BroadcastTest, SeqIsContiguousPerConnectionAndIndependentAcrossConnectionsOfAUser) {
  expect_actions(hub.open(4, kBotToken, UpgradeQuery{}, 0), {text(4, hello_json(test_id(4), kBot))});
  expect_actions(hub.broadcast(user_event(kBot, "a"), 1),
                 {text(1, user_event_json(kBot, 1, "a")), text(4, user_event_json(kBot, 1, "a"))});
  Event only_first = user_event(kBot, "b");
  only_first.broadcast.connection_id = bot_id;
  auto actions = hub.broadcast(only_first, 2);
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_EQ(seq_of(actions[0]), 2);
  actions = hub.broadcast(user_event(kBot, "c"), 3);
  ASSERT_EQ(actions.size(), 2u);
  EXPECT_EQ(actions[0].conn, 1u);
  EXPECT_EQ(seq_of(actions[0]), 3);
  EXPECT_EQ(actions[1].conn, 4u);
  EXPECT_EQ(seq_of(actions[1]), 2);
}

TEST_F(BroadcastTest, RepliesDoNotAdvanceTheEventSequence) {
  hub.on_text(1, request(1, "ping"), 1);
  hub.on_text(1, request(2, "ping"), 2);
  auto actions = hub.broadcast(user_event(kBot), 3);
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_EQ(seq_of(actions[0]), 1);
}

TEST_F(BroadcastTest, AuthorReceivesTheEchoOfItsOwnPost) {
  Event e = channel_event(kTownSquare);
  e.data["sender_name"] = "@buildbot";  // the bot's own post
  auto actions = hub.broadcast(e, 1);
  ASSERT_EQ(actions.size(), 2u);
  EXPECT_EQ(actions[0].conn, 1u);
  EXPECT_FALSE(json::parse(actions[0].text).at("data").as_object().contains("mentions"));
}

TEST_F(BroadcastTest, EveryConnectionOfAUserGetsTheEvent) {
  open_as(4, kBotToken);
  open_as(5, kBotToken);
  auto actions = hub.broadcast(channel_event(kTownSquare), 1);
  std::vector<ConnectionKey> keys;
  for (const auto& a : actions) keys.push_back(a.conn);
  EXPECT_EQ(keys, (std::vector<ConnectionKey>{1, 2, 4, 5}));
}

TEST_F(BroadcastTest, MentionsAreAddedPerReceivingConnection) {
  Event e = channel_event(kBuildAlerts);
  e.mentioned_user_ids = {kBot, kBob};
  auto actions = hub.broadcast(e, 1);
  ASSERT_EQ(actions.size(), 3u);
  // The mentioned receivers' copies carry only their own id, as a JSON string, and are written
  // through json.Encoder (compact, newline); alice's copy is the shared precomputed one.
  EXPECT_EQ(
      actions[0].text,
      fmt::format(R"({{"event":"posted","data":{{"marker":"m","mentions":"[\"{}\"]"}},"broadcast":)"
                  R"({{"omit_users":null,"user_id":"","channel_id":"{}","team_id":"","connection_id":"",)"
                  R"("omit_connection_id":""}},"seq":1}})"
                  "\n",
                  kBot, kBuildAlerts));
  EXPECT_EQ(json::parse(actions[1].text), json::parse(channel_event_json(kBuildAlerts, 1)));
  EXPECT_TRUE(actions[1].text.starts_with(R"({"event": "posted", )"));
  EXPECT_EQ(json::parse(actions[2].text).at("data").at("mentions").as_string(),
            fmt::format(R"(["{}"])", kBob));
}

TEST_F(BroadcastTest, UserScopeSkipsMembershipAndStopsThere) {
  Event e = user_event(kBob);
  e.broadcast.channel_id = kTownSquare;  // bob is not a member: user scope wins
  e.broadcast.omit_users = {kBob};       // and omit_users is not even looked at
  auto actions = hub.broadcast(e, 1);
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_EQ(actions[0].conn, 3u);
}

TEST_F(BroadcastTest, TeamScopeReachesTeamMembers) {
  Event e;
  e.event = "leave_team";
  e.broadcast.team_id = kTeam;
  auto actions = hub.broadcast(e, 1);
  ASSERT_EQ(actions.size(), 2u);
  EXPECT_EQ(actions[0].conn, 1u);
  EXPECT_EQ(actions[1].conn, 2u);
  EXPECT_EQ(json::parse(actions[0].text),
            json::parse(fmt::format(R"({{"event":"leave_team","data":{{}},"broadcast":{{"omit_users":null,)"
                                    R"("user_id":"","channel_id":"","team_id":"{}","connection_id":"",)"
                                    R"("omit_connection_id":""}},"seq":1}})",
                                    kTeam)));
}

TEST_F(BroadcastTest, ConnectionScopeAndOmittedConnection) {
  const std::string second = open_as(4, kBotToken);
  Event only = channel_event(kTownSquare);
  only.broadcast.connection_id = second;
  auto actions = hub.broadcast(only, 1);
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_EQ(actions[0].conn, 4u);

  Event all_but = channel_event(kTownSquare);
  all_but.broadcast.omit_connection_id = second;
  actions = hub.broadcast(all_but, 2);
  ASSERT_EQ(actions.size(), 2u);
  EXPECT_EQ(actions[0].conn, 1u);
  EXPECT_EQ(actions[1].conn, 2u);
  EXPECT_EQ(json::parse(actions[0].text).at("broadcast").at("omit_connection_id").as_string(), second);
}

TEST_F(BroadcastTest, OmittedUsersAreSkipped) {
  Event e = channel_event(kBuildAlerts, "typing");
  e.broadcast.omit_users = {kAlice};
  auto actions = hub.broadcast(e, 1);
  ASSERT_EQ(actions.size(), 2u);
  EXPECT_EQ(actions[0].conn, 1u);
  EXPECT_EQ(actions[1].conn, 3u);
  EXPECT_EQ(json::parse(actions[0].text).at("broadcast").at("omit_users"),
            json::parse(fmt::format(R"({{"{}":true}})", kAlice)));
}

TEST_F(BroadcastTest, SanitizedGoesToNonAdminsAndSensitiveToAdmins) {
  Event sanitized = channel_event(kBuildAlerts, "post_deleted");
  sanitized.broadcast.contains_sanitized_data = true;
  auto actions = hub.broadcast(sanitized, 1);
  ASSERT_EQ(actions.size(), 2u);
  EXPECT_EQ(actions[0].conn, 1u);
  EXPECT_EQ(actions[1].conn, 3u);
  EXPECT_TRUE(actions[0].text.find(R"("omit_connection_id":"","contains_sanitized_data":true})") !=
              std::string::npos);

  Event sensitive = channel_event(kBuildAlerts, "post_deleted");
  sensitive.broadcast.contains_sensitive_data = true;
  actions = hub.broadcast(sensitive, 2);
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_EQ(actions[0].conn, 2u);
  EXPECT_EQ(json::parse(actions[0].text).at("broadcast").at("contains_sensitive_data"), json::value(true));
}

TEST_F(BroadcastTest, UnscopedEventsReachEveryAuthenticatedConnection) {
  hub.open(9, std::nullopt, UpgradeQuery{}, 0);  // unauthenticated: never gets events
  Event e;
  e.event = "user_updated";
  auto actions = hub.broadcast(e, 1);
  std::vector<ConnectionKey> keys;
  for (const auto& a : actions) keys.push_back(a.conn);
  EXPECT_EQ(keys, (std::vector<ConnectionKey>{1, 2, 3}));
}

TEST_F(BroadcastTest, WrittenEventsEnterTheDeadQueue) {
  hub.broadcast(channel_event(kTownSquare), 1);
  hub.broadcast(channel_event(kTownSquare), 2);
  auto infos = hub.connections();
  ASSERT_EQ(infos.size(), 3u);
  EXPECT_EQ(infos[0].dead_queue_size, 3u);  // hello + 2
  EXPECT_EQ(infos[0].next_seq, 3);
  EXPECT_EQ(infos[2].dead_queue_size, 1u);  // bob: hello only
}

}  // namespace
}  // namespace mmsim::test

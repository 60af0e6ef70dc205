// Authentication: token at upgrade, authentication_challenge, the auth deadline, revoked
// sessions (protocol reference §1.2, §1.3, §1.4).

#include "hub_test_support.hpp"

namespace mmsim::test {
namespace {

using Kind = HubAction::Kind;

TEST_F(HubTest, TokenAtUpgradeSendsHelloAtOnceWithoutChallenge) {
  auto actions = hub.open(1, kBotToken, UpgradeQuery{}, 0);
  expect_actions(actions, {text(1, hello_json(test_id(1), kBot))});
  // Written through json.Encoder: compact, newline-terminated.
  EXPECT_TRUE(actions[0].text.starts_with(R"({"event":"hello","data":{"connection_id":")"));
  EXPECT_TRUE(actions[0].text.ends_with("\"seq\":0}\n"));
}

TEST_F(HubTest, ChallengeSendsHelloFirstThenOk) {
  expect_actions(hub.open(1, std::nullopt, UpgradeQuery{}, 0), {});
  auto result = hub.on_text(1, challenge(1, kBotToken), 10);
  expect_actions(result.actions, {text(1, hello_json(test_id(1), kBot)), text(1, ok_json(1))});
  EXPECT_EQ(result.actions[1].text, "{\"status\":\"OK\",\"seq_reply\":1}\n");
  EXPECT_TRUE(result.events.empty());
}

TEST_F(HubTest, InvalidTokenAtUpgradeStillUpgradesUnauthenticated) {
  expect_actions(hub.open(1, std::string("not-a-token"), UpgradeQuery{}, 0), {});
  ASSERT_EQ(hub.socket_count(), 1u);
  EXPECT_FALSE(hub.connections()[0].authenticated);
  auto result = hub.on_text(1, challenge(7, kAliceToken), 10);
  expect_actions(result.actions, {text(1, hello_json(test_id(1), kAlice)), text(1, ok_json(7))});
}

TEST_F(HubTest, BadChallengeTokenClosesWithoutReply) {
  for (const std::string& frame :
       {challenge(1, "wrong"), challenge(1, ""),
        std::string(R"({"seq":1,"action":"authentication_challenge"})"),
        std::string(R"({"seq":1,"action":"authentication_challenge","data":{"token":42}})")}) {
    SCOPED_TRACE(frame);
    Hub h(HubOptions{}, model.services());
    h.open(1, std::nullopt, UpgradeQuery{}, 0);
    expect_actions(h.on_text(1, frame, 5).actions, {drop(1)});
    EXPECT_EQ(h.socket_count(), 0u);
    EXPECT_EQ(h.resumable_count(), 0u);
  }
}

TEST_F(HubTest, ChallengeOnAuthenticatedConnectionIsIgnored) {
  open_as(1, kBotToken);
  expect_actions(hub.on_text(1, challenge(1, kBotToken), 5).actions, {});
  expect_actions(hub.on_text(1, challenge(2, "wrong"), 6).actions, {});  // not even a close

  hub.open(2, std::nullopt, UpgradeQuery{}, 0);
  EXPECT_EQ(hub.on_text(2, challenge(1, kAliceToken), 5).actions.size(), 2u);
  expect_actions(hub.on_text(2, challenge(2, kAliceToken), 6).actions, {});
}

TEST_F(HubTest, UnauthenticatedSocketIsClosedAtTheAuthDeadlineAndNotBefore) {
  hub.open(1, std::nullopt, UpgradeQuery{}, 1000);
  expect_actions(hub.tick(5999), {});
  expect_actions(hub.tick(6000), {drop(1)});
  EXPECT_EQ(hub.socket_count(), 0u);
  EXPECT_EQ(hub.resumable_count(), 0u);
}

TEST_F(HubTest, AuthDeadlineIsConfigurable) {
  HubOptions options;
  options.auth_timeout_ms = 50;
  Hub h(options, model.services());
  h.open(1, std::nullopt, UpgradeQuery{}, 0);
  expect_actions(h.tick(49), {});
  expect_actions(h.tick(50), {drop(1)});
}

TEST_F(HubTest, AuthenticatedSocketsPassTheAuthCheck) {
  open_as(1, kBotToken);
  hub.open(2, std::nullopt, UpgradeQuery{}, 0);
  hub.on_text(2, challenge(1, kAliceToken), 4999);
  expect_actions(hub.tick(5000), {});
  expect_actions(hub.tick(59999), {});
  EXPECT_EQ(hub.socket_count(), 2u);
}

TEST_F(HubTest, UnauthenticatedSocketGetsNoReplies) {
  // The Go hub only delivers replies to connections it registered: none of these is answered.
  hub.open(1, std::nullopt, UpgradeQuery{}, 0);
  expect_actions(hub.on_text(1, request(1, "ping"), 1).actions, {});
  expect_actions(hub.on_text(1, request(2, "no_such_action"), 2).actions, {});
  expect_actions(hub.on_text(1, R"({"seq":3})", 3).actions, {});
  expect_actions(hub.on_text(1, request(0, "ping"), 4).actions, {});
  EXPECT_EQ(hub.socket_count(), 1u);
}

TEST_F(HubTest, ChallengeWithBadSeqIsNotProcessed) {
  hub.open(1, std::nullopt, UpgradeQuery{}, 0);
  expect_actions(hub.on_text(1, challenge(0, kBotToken), 1).actions, {});
  EXPECT_FALSE(hub.connections()[0].authenticated);
  expect_actions(hub.tick(5000), {drop(1)});
}

TEST_F(HubTest, RevokedSessionGetsNotAuthenticatedRepliesAndNoEvents) {
  open_as(1, kBotToken);
  model.tokens.erase(kBotToken);
  hub.revalidate_sessions(kBot);
  EXPECT_FALSE(hub.connections()[0].authenticated);

  expect_actions(hub.on_text(1, request(2, "ping"), 10).actions,
                 {text(1, R"({"status":"FAIL","seq_reply":2,"error":{"id":)"
                          R"("api.web_socket_router.not_authenticated.app_error","message":)"
                          R"("WebSocket connection is not authenticated. Please log in and try again.",)"
                          R"("detailed_error":"","status_code":401}})")});
  expect_actions(hub.broadcast(user_event(kBot), 11), {});

  // Signing in again on the same socket: hello goes through the send queue and takes the next seq.
  model.tokens["freshbottokenfreshbottoken"] = kBot;
  auto result = hub.on_text(1, challenge(3, "freshbottokenfreshbottoken"), 12);
  expect_actions(result.actions, {text(1, hello_json(test_id(1), kBot, 1)), text(1, ok_json(3))});
  expect_actions(hub.broadcast(user_event(kBot), 13), {text(1, user_event_json(kBot, 2))});
}

TEST_F(HubTest, RevalidationKeepsValidSessions) {
  open_as(1, kBotToken);
  hub.revalidate_sessions(kBot);
  EXPECT_TRUE(hub.connections()[0].authenticated);
  expect_actions(hub.broadcast(user_event(kBot), 1), {text(1, user_event_json(kBot, 1))});
}

}  // namespace
}  // namespace mmsim::test

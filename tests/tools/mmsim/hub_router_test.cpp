// The action router and its handlers (protocol reference §1.4; websocket_router.go, wsapi/*.go).

#include "hub_test_support.hpp"

namespace mmsim::test {
namespace {

class RouterTest : public HubTest {
 protected:
  void SetUp() override { open_as(1, kBotToken, 0); }

  std::vector<HubAction> send(const std::string& frame, TimeMs now = 1234) {
    auto result = hub.on_text(1, frame, now);
    EXPECT_TRUE(result.events.empty());
    return result.actions;
  }

  static std::string fail_json(std::int64_t seq, const std::string& id, const std::string& message,
                               int status) {
    std::string seq_part = seq != 0 ? fmt::format(R"("seq_reply":{},)", seq) : "";
    return fmt::format(R"({{"status":"FAIL",{}"error":{{"id":"{}","message":"{}","detailed_error":"",)"
                       R"("status_code":{}}}}})",
                       seq_part, id, message, status);
  }
};

TEST_F(RouterTest, MissingActionFails) {
  expect_actions(
      send(R"({"seq":4})"),
      {text(1, fail_json(4, "api.web_socket_router.no_action.app_error", "No websocket action.", 400))});
}

TEST_F(RouterTest, NonPositiveSeqFails) {
  auto actions = send(request(0, "ping"));
  expect_actions(actions, {text(1, fail_json(0, "api.web_socket_router.bad_seq.app_error",
                                             "Invalid sequence for WebSocket message.", 400))});
  EXPECT_EQ(actions[0].text.find("seq_reply"), std::string::npos);  // omitempty
  expect_actions(send(request(-3, "ping")),
                 {text(1, fail_json(-3, "api.web_socket_router.bad_seq.app_error",
                                    "Invalid sequence for WebSocket message.", 400))});
}

TEST_F(RouterTest, UnknownActionFailsWith500) {
  auto actions = send(request(5, "delete_everything"));
  expect_actions(actions, {text(1, fail_json(5, "api.web_socket_router.bad_action.app_error",
                                             "Unknown WebSocket action.", 500))});
  EXPECT_EQ(
      actions[0].text,
      "{\"status\":\"FAIL\",\"seq_reply\":5,\"error\":{\"id\":\"api.web_socket_router.bad_action.app_error\","
      "\"message\":\"Unknown WebSocket action.\",\"detailed_error\":\"\",\"status_code\":500}}\n");
}

TEST_F(RouterTest, PluginActionsGetNoReply) {
  expect_actions(send(request(6, "custom_com.example_hello")), {});
  expect_actions(send(R"({"action":"custom_x"})"), {});  // not even a bad_seq
}

TEST_F(RouterTest, PingActionReplyShape) {
  auto actions = send(request(7, "ping"), 1732190400000);
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_EQ(actions[0].text,
            "{\"status\":\"OK\",\"seq_reply\":7,\"data\":{\"node_id\":\"\",\"server_time\":1732190400000,"
            "\"text\":\"pong\",\"version\":\"10.5.0\"}}\n");
}

TEST_F(RouterTest, UserTypingProducesTheTypingEvent) {
  auto result = hub.on_text(
      1,
      fmt::format(R"({{"seq":8,"action":"user_typing","data":{{"channel_id":"{}","parent_id":"{}"}}}})",
                  kTownSquare, "sjebyge5cpbop1xwo4eds74ejb"),
      10);
  expect_actions(result.actions, {text(1, ok_json(8))});
  ASSERT_EQ(result.events.size(), 1u);
  const Event& typing = result.events[0];
  EXPECT_EQ(typing.event, "typing");
  EXPECT_EQ(json::value(typing.data),
            json::parse(fmt::format(R"({{"parent_id":"sjebyge5cpbop1xwo4eds74ejb","user_id":"{}"}})", kBot)));
  EXPECT_EQ(typing.broadcast.channel_id, kTownSquare);
  EXPECT_EQ(typing.broadcast.omit_users, (std::set<std::string>{kBot}));
  EXPECT_TRUE(typing.mentioned_user_ids.empty());

  open_as(2, kAliceToken, 0);
  expect_actions(
      hub.broadcast(typing, 11),
      {text(2, fmt::format(R"({{"event":"typing","data":{{"parent_id":"sjebyge5cpbop1xwo4eds74ejb",)"
                           R"("user_id":"{0}"}},"broadcast":{{"omit_users":{{"{0}":true}},"user_id":"",)"
                           R"("channel_id":"{1}","team_id":"","connection_id":"","omit_connection_id":""}},)"
                           R"("seq":1}})",
                           kBot, kTownSquare))});
}

TEST_F(RouterTest, UserTypingWithoutParentSendsEmptyParent) {
  auto result = hub.on_text(
      1, fmt::format(R"({{"seq":1,"action":"user_typing","data":{{"channel_id":"{}"}}}})", kTownSquare), 10);
  ASSERT_EQ(result.events.size(), 1u);
  EXPECT_EQ(result.events[0].data.at("parent_id"), json::value(""));
}

TEST_F(RouterTest, UserTypingRejectsBadChannels) {
  const std::string invalid =
      fail_json(9, "api.websocket_handler.invalid_param.app_error", "Invalid channel_id parameter.", 400);
  expect_actions(send(R"({"seq":9,"action":"user_typing"})"), {text(1, invalid)});
  expect_actions(send(R"({"seq":9,"action":"user_typing","data":{"channel_id":"short"}})"),
                 {text(1, invalid)});
  expect_actions(send(R"({"seq":9,"action":"user_typing","data":{"channel_id":7}})"), {text(1, invalid)});
  model.channel_members.erase({kBot, kTownSquare});  // no create_post permission
  expect_actions(
      send(fmt::format(R"({{"seq":9,"action":"user_typing","data":{{"channel_id":"{}"}}}})", kTownSquare)),
      {text(1, invalid)});
}

TEST_F(RouterTest, UserTypingWhileBusyFailsWith503) {
  hub.set_server_busy(true);
  expect_actions(
      send(fmt::format(R"({{"seq":2,"action":"user_typing","data":{{"channel_id":"{}"}}}})", kTownSquare)),
      {text(1, fail_json(2, "api.websocket_handler.server_busy.app_error",
                         "Server is busy, non-critical services are temporarily unavailable.", 503))});
  hub.set_server_busy(false);
  EXPECT_EQ(hub.on_text(1,
                        fmt::format(R"({{"seq":3,"action":"user_typing","data":{{"channel_id":"{}"}}}})",
                                    kTownSquare),
                        1)
                .events.size(),
            1u);
}

TEST_F(RouterTest, GetStatuses) {
  expect_actions(
      send(request(3, "get_statuses")),
      {text(1, fmt::format(R"({{"status":"OK","seq_reply":3,"data":{{"{}":"online","{}":"away"}}}})", kBot,
                           kAlice))});
  model.statuses.clear();  // an empty map is omitted, like any empty `data`
  expect_actions(send(request(4, "get_statuses")), {text(1, ok_json(4))});
}

TEST_F(RouterTest, GetStatusesByIds) {
  expect_actions(
      send(fmt::format(R"({{"seq":5,"action":"get_statuses_by_ids","data":{{"user_ids":["{}",7,"{}"]}}}})",
                       kAlice, kBob)),
      {text(1, fmt::format(R"({{"status":"OK","seq_reply":5,"data":{{"{}":"away","{}":"offline"}}}})", kAlice,
                           kBob))});
  const std::string invalid =
      fail_json(6, "api.websocket_handler.invalid_param.app_error", "Invalid user_ids parameter.", 400);
  expect_actions(send(R"({"seq":6,"action":"get_statuses_by_ids","data":{"user_ids":[]}})"),
                 {text(1, invalid)});
  expect_actions(send(R"({"seq":6,"action":"get_statuses_by_ids","data":{"user_ids":[1,2]}})"),
                 {text(1, invalid)});
  expect_actions(send(R"({"seq":6,"action":"get_statuses_by_ids"})"), {text(1, invalid)});
}

TEST_F(RouterTest, UserUpdateActiveStatusHandsBackTheModelsEvents) {
  Event status;
  status.event = "status_change";
  status.broadcast.user_id = kBot;
  model.active_status_events = {status};
  auto result =
      hub.on_text(1, R"({"seq":7,"action":"user_update_active_status","data":{"user_is_active":false}})", 99);
  expect_actions(result.actions, {text(1, ok_json(7))});
  ASSERT_EQ(result.events.size(), 1u);
  EXPECT_EQ(result.events[0].event, "status_change");
  ASSERT_EQ(model.active_status_calls.size(), 1u);
  EXPECT_EQ(model.active_status_calls[0], std::make_tuple(kBot, false, false, TimeMs{99}));

  expect_actions(send(R"({"seq":8,"action":"user_update_active_status","data":{"user_is_active":"yes"}})"),
                 {text(1, fail_json(8, "api.websocket_handler.invalid_param.app_error",
                                    "Invalid user_is_active parameter.", 400))});
}

TEST_F(RouterTest, PresenceAndPostedNotifyAckAnswerOk) {
  expect_actions(send(R"({"seq":9,"action":"presence","data":{"channel_id":"x"}})"), {text(1, ok_json(9))});
  expect_actions(send(R"({"seq":10,"action":"posted_notify_ack","data":{"post_id":"p"}})"),
                 {text(1, ok_json(10))});
}

TEST_F(RouterTest, DecodingFollowsGo) {
  // Keys match case-insensitively; the last duplicate wins; text after the value is ignored.
  EXPECT_EQ(json::parse(send(R"({"SEQ":11,"Action":"ping"})").at(0).text).at("seq_reply"), json::value(11));
  EXPECT_EQ(json::parse(send(R"({"seq":1,"seq":12,"action":"ping"})").at(0).text).at("seq_reply"),
            json::value(12));
  EXPECT_EQ(json::parse(send(R"({"seq":13,"action":"ping"} trailing junk)").at(0).text).at("seq_reply"),
            json::value(13));
  // null is an empty request: no action.
  expect_actions(
      send("null"),
      {text(1, fail_json(0, "api.web_socket_router.no_action.app_error", "No websocket action.", 400))});
  // Unknown keys are ignored, `data: null` is fine.
  EXPECT_EQ(send(R"({"seq":14,"action":"ping","data":null,"extra":[1]})").size(), 1u);
}

}  // namespace
}  // namespace mmsim::test

// Keepalive and the ways the server closes sockets (protocol reference §1.7, §1.8).

#include "hub_test_support.hpp"

namespace mmsim::test {
namespace {

TEST_F(HubTest, PingFramesFollowTheIntervalFromOpen) {
  open_as(1, kBotToken, 1000);
  expect_actions(hub.tick(60999), {});
  expect_actions(hub.tick(61000), {ping(1)});
  expect_actions(hub.tick(61001), {});
  hub.on_pong(1, 61500);
  expect_actions(hub.tick(120999), {});
  expect_actions(hub.tick(121000), {ping(1)});
}

TEST_F(HubTest, ALateTickSendsOnePingAndKeepsTheSchedule) {
  open_as(1, kBotToken, 0);
  hub.on_pong(1, 90000);
  expect_actions(hub.tick(185000), {ping(1)});  // 60 s and 120 s and 180 s were due: one ping
  hub.on_pong(1, 185000);
  expect_actions(hub.tick(239999), {});
  expect_actions(hub.tick(240000), {ping(1)});
}

TEST_F(HubTest, NoPongWithinTheDeadlineClosesWithoutFrame) {
  open_as(1, kBotToken, 0);
  expect_actions(hub.tick(60000), {ping(1)});
  expect_actions(hub.tick(99999), {});
  expect_actions(hub.tick(100000), {drop(1)});
  EXPECT_EQ(hub.socket_count(), 0u);
  EXPECT_EQ(hub.resumable_count(), 1u);  // a dead read is an ordinary disconnect: resumable
}

TEST_F(HubTest, PongsExtendTheDeadline) {
  open_as(1, kBotToken, 0);
  hub.tick(60000);
  hub.on_pong(1, 60010);
  expect_actions(hub.tick(100000), {});
  expect_actions(hub.tick(120000), {ping(1)});
  expect_actions(hub.tick(160009), {});
  expect_actions(hub.tick(160010), {drop(1)});
}

TEST_F(HubTest, TextFramesAndThePingActionDoNotExtendTheDeadline) {
  open_as(1, kBotToken, 0);
  hub.tick(60000);
  EXPECT_EQ(hub.on_text(1, request(1, "ping"), 90000).actions.size(), 1u);
  EXPECT_EQ(hub.on_text(1, request(2, "get_statuses"), 99000).actions.size(), 1u);
  expect_actions(hub.tick(100000), {drop(1)});
}

TEST_F(HubTest, TimersAreConfigurable) {
  HubOptions options;
  options.ping_interval_ms = 30;
  options.pong_timeout_ms = 50;
  FakeModel fresh;
  Hub h(options, fresh.services());
  h.open(1, kBotToken, UpgradeQuery{}, 0);
  expect_actions(h.tick(30), {ping(1)});
  expect_actions(h.tick(50), {drop(1)});
}

TEST_F(HubTest, OversizedFrameClosesWith1009) {
  open_as(1, kBotToken, 0);
  std::string limit = request(1, "ping");
  limit.append(8192 - limit.size(), ' ');  // exactly the limit: accepted
  EXPECT_EQ(hub.on_text(1, limit, 1).actions.size(), 1u);
  expect_actions(hub.on_text(1, limit + " ", 2).actions, {close_code(1, 1009)});
  EXPECT_EQ(hub.socket_count(), 0u);
  EXPECT_EQ(hub.resumable_count(), 1u);
}

TEST_F(HubTest, UndecodableFramesCloseWithoutFrame) {
  const std::vector<std::string> frames = {"",
                                           "   ",
                                           "not json",
                                           "[]",
                                           "\"ping\"",
                                           "42",
                                           R"({"seq":"1","action":"ping"})",
                                           R"({"seq":1.5,"action":"ping"})",
                                           R"({"seq":1e2,"action":"ping"})",
                                           R"({"seq":18446744073709551615,"action":"ping"})",
                                           R"({"seq":1,"action":5})",
                                           R"({"seq":1,"action":"ping","data":[]})",
                                           R"({"seq":1,"action":"ping","data":"x"})",
                                           R"({"seq":1,)"};
  for (const auto& frame : frames) {
    SCOPED_TRACE(frame);
    FakeModel fresh;
    Hub h(HubOptions{}, fresh.services());
    h.open(1, kBotToken, UpgradeQuery{}, 0);
    expect_actions(h.on_text(1, frame, 1).actions, {drop(1)});
    EXPECT_EQ(h.resumable_count(), 1u);
  }
}

TEST_F(HubTest, SocketsReportedClosedBecomeResumable) {
  open_as(1, kBotToken, 0);
  hub.open(2, std::nullopt, UpgradeQuery{}, 0);
  hub.on_closed(1, 10);
  hub.on_closed(2, 10);
  hub.on_closed(3, 10);  // unknown: ignored
  EXPECT_EQ(hub.socket_count(), 0u);
  EXPECT_EQ(hub.resumable_count(), 1u);  // an unauthenticated socket leaves nothing behind
  expect_actions(hub.tick(60000), {});
}

}  // namespace
}  // namespace mmsim::test

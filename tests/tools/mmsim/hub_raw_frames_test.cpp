// Raw frames for `/_control/frames` (Hub::send_raw): verbatim text for one user's sockets that
// leaves the event stream (seq, dead queue) alone.

#include "hub_test_support.hpp"

namespace mmsim::test {
namespace {

void expect_raw(const HubAction& action, ConnectionKey conn, const std::string& text) {
  EXPECT_EQ(action.conn, conn);
  EXPECT_EQ(action.kind, HubAction::Kind::send_text);
  EXPECT_EQ(action.text, text);
}

TEST_F(HubTest, RawFramesGoVerbatimAndInOrderToEveryAuthenticatedSocketOfTheUser) {
  open_as(1, kBotToken, 0);
  open_as(2, kBotToken, 0);
  open_as(3, kAliceToken, 0);
  hub.set_events_muted(kBot, true);  // not events: muting does not stop them
  const auto delivery = hub.send_raw(kBot, {"not json", ""});
  EXPECT_EQ(delivery.sockets, 2u);
  ASSERT_EQ(delivery.actions.size(), 4u);
  expect_raw(delivery.actions[0], 1, "not json");
  expect_raw(delivery.actions[1], 1, "");
  expect_raw(delivery.actions[2], 2, "not json");
  expect_raw(delivery.actions[3], 2, "");
  hub.set_events_muted(kBot, false);
  // No seq was taken: the next event is still seq 1 on both sockets.
  expect_actions(hub.broadcast(user_event(kBot), 10),
                 {text(1, user_event_json(kBot, 1)), text(2, user_event_json(kBot, 1))});
}

TEST_F(HubTest, RawFramesSkipBlackholedAndUnauthenticatedSockets) {
  open_as(1, kBotToken, 0);
  EXPECT_TRUE(hub.open(2, std::nullopt, UpgradeQuery{}, 0).empty());  // not authenticated yet
  hub.blackhole_all(true, 1);
  open_as(3, kBotToken, 2);
  const auto delivery = hub.send_raw(kBot, {"x"});
  EXPECT_EQ(delivery.sockets, 1u);
  ASSERT_EQ(delivery.actions.size(), 1u);
  expect_raw(delivery.actions[0], 3, "x");
  EXPECT_EQ(hub.send_raw(kBob, {"x"}).sockets, 0u);
}

}  // namespace
}  // namespace mmsim::test

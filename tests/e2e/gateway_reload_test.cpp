// Hot reload end to end (issue 5, channel-behaviour §13): the reload regression of the reference
// (SIGUSR1 after a chatmode change must keep the routing and the single socket), an invalid config
// that must leave the running one serving, a file change picked up without a signal, and a change
// that touches no account restarting nothing.

#include <gtest/gtest.h>

#include "gateway_fixture.hpp"

namespace {

using namespace mmclaw::e2e;

using GatewayReloadE2e = GatewayFixture;

const std::string kChannelSession = "session agent:main:mattermost:channel:" + std::string(kTownSquare);

// The reference's SIGUSR1 report: after a chatmode change the reply went nowhere.
TEST_F(GatewayReloadE2e, ChatmodeChangeBySigusr1KeepsOneSocketTheSessionAndTheChannel) {
  GatewayOptions options;
  options.mattermost_extra = R"(chatmode: "oncall",)";
  options.gateway_extra = R"(reload: { mode: "off" },)";  // the signal alone reloads
  auto& gateway = start(options);
  const auto first = sim_->post_as("alice", kTownSquare, "@mmclaw before the reload");
  expect_one_answer(*sim_, first);
  gateway.wait_log(kChannelSession + ", post " + field(first, "id"));
  const auto socket_before = sim_->newest_bot_socket();

  options.mattermost_extra = R"(chatmode: "onmessage",)";
  gateway.rewrite_config(*sim_, options);
  signal(SIGUSR1);
  gateway.wait_log("config reload (SIGUSR1)");
  gateway.wait_log("config reload: restarting default");
  gateway.wait_log(std::string(kReadyLine), 15s, 2);
  ASSERT_TRUE(poll_until([&] { return sim_->newest_bot_socket() > socket_before; }, 15s));

  const auto second = sim_->post_as("alice", kTownSquare, "after the reload, without a mention");
  const auto answer = expect_one_answer(*sim_, second);
  EXPECT_EQ(field(answer, "channel_id"), kTownSquare) << "the answer is posted in that channel";
  gateway.wait_log(kChannelSession + ", post " + field(second, "id"));
  EXPECT_EQ(sim_->bot_sockets().size(), 1u) << "exactly one WebSocket for the account";
}

TEST_F(GatewayReloadE2e, ATurnInFlightDuringAReloadIsDeliveredToItsOwnChannel) {
  GatewayOptions options;
  options.mattermost_extra = R"(chatmode: "oncall",)";
  options.gateway_extra = R"(reload: { mode: "off" },)";
  auto& gateway = start(options);
  // The answer's POST /posts takes 2 s: the reload happens while it is on its way.
  sim_->fault(json::object{{"action", "delay"}, {"method", "POST"}, {"path", "/api/v4/posts"}, {"ms", 2000}, {"count", 1}});
  const auto slow = sim_->post_as("alice", kTownSquare, "@mmclaw a slow one");
  ASSERT_TRUE(poll_until([&] { return sim_->count_calls("POST", "/api/v4/users/me/typing") > 0; }, 10s));
  options.mattermost_extra = R"(chatmode: "onmessage",)";
  gateway.rewrite_config(*sim_, options);
  signal(SIGUSR1);
  gateway.wait_log("config reload: restarting default");
  const auto answer = expect_one_answer(*sim_, slow, 15s, 1000ms);
  EXPECT_EQ(field(answer, "channel_id"), kTownSquare);
  gateway.wait_log(kChannelSession + ", post " + field(slow, "id"));
  gateway.wait_log(std::string(kReadyLine), 15s, 2);
  expect_one_answer(*sim_, sim_->post_as("alice", kTownSquare, "and one after the reload"));
  EXPECT_EQ(sim_->bot_sockets().size(), 1u);
}

TEST_F(GatewayReloadE2e, AnInvalidConfigOnReloadKeepsTheOldOneServing) {
  GatewayOptions options;
  options.gateway_extra = R"(reload: { mode: "off" },)";
  auto& gateway = start(options);
  const auto socket_before = sim_->newest_bot_socket();
  gateway.write_config_text("{ channels: { mattermost: { dmPolicy: \"sometimes\", } ");
  signal(SIGHUP);
  gateway.wait_log("config reload failed");
  EXPECT_TRUE(gateway.running());
  expect_one_answer(*sim_, sim_->post_as("alice", kAliceDm, "still there?"));
  EXPECT_EQ(sim_->newest_bot_socket(), socket_before) << "nothing was restarted";

  // A valid file but an invalid value: every error is logged with its key, nothing changes.
  gateway.rewrite_config(*sim_, options);
  std::string text = gateway.config_text(*sim_);
  text.replace(text.find(R"(dmPolicy: "open")"), 16, R"(dmPolicy: "sometimes")");
  gateway.write_config_text(text);
  signal(SIGHUP);
  gateway.wait_log("config reload failed", 15s, 2);
  EXPECT_NE(gateway.log().find("dmPolicy"), std::string::npos) << "the error names the key";
  expect_one_answer(*sim_, sim_->post_as("alice", kAliceDm, "and now?"));
  EXPECT_EQ(sim_->newest_bot_socket(), socket_before);
}

TEST_F(GatewayReloadE2e, AFileChangeIsPickedUpWithoutASignal) {
  GatewayOptions options;
  options.gateway_extra = R"(reload: { debounceMs: 50 },)";
  auto& gateway = start(options);
  options.mattermost_extra = R"(chatmode: "onmessage",)";
  gateway.rewrite_config(*sim_, options);
  gateway.wait_log("config reload (file changed)");
  gateway.wait_log("config reload: restarting default");
  gateway.wait_log(std::string(kReadyLine), 15s, 2);
  expect_one_answer(*sim_, sim_->post_as("alice", kTownSquare, "no mention after the file changed"));
}

TEST_F(GatewayReloadE2e, AChangeThatTouchesNoAccountRestartsNothing) {
  GatewayOptions options;
  options.gateway_extra = R"(reload: { mode: "off" },)";
  auto& gateway = start(options);
  const auto socket_before = sim_->newest_bot_socket();
  options.gateway_extra = R"(reload: { mode: "off" },)";
  options.root_extra = R"(session: { dmScope: "per-peer" },)";
  gateway.rewrite_config(*sim_, options);
  signal(SIGUSR1);
  gateway.wait_log("config reload: restarting none; starting none; stopping none; applied to new posts: session");
  const auto dm = sim_->post_as("alice", kAliceDm, "which session now?");
  expect_one_answer(*sim_, dm);
  gateway.wait_log(fmt::format("(session agent:main:direct:{}, post {}", kAliceId, field(dm, "id")));
  EXPECT_EQ(sim_->newest_bot_socket(), socket_before) << "the socket was not touched";
  EXPECT_EQ(gateway.count_log(std::string(kReadyLine)), 1u);
}

}  // namespace

// Reload plans (config/diff): which accounts restart, start and stop, and what applies live.
#include "config/diff.hpp"

#include <gtest/gtest.h>

namespace mmclaw::config {
namespace {

using Ids = std::vector<std::string>;

Snapshot snapshot_with(std::vector<std::string> ids) {
  Snapshot s;
  for (auto& id : ids) {
    AccountConfig a;
    a.id = std::move(id);
    a.base_url = "http://127.0.0.1:8065";
    s.accounts.push_back(std::move(a));
  }
  return s;
}

TEST(ReloadPlan, NothingChangedRestartsNothing) {
  const auto a = snapshot_with({"default", "ops"});
  const auto plan = plan_reload(a, a);
  EXPECT_TRUE(plan.empty());
  EXPECT_FALSE(plan.touches_accounts());
}

TEST(ReloadPlan, OnlyTheChangedAccountRestarts) {
  const auto a = snapshot_with({"default", "ops"});
  auto b = a;
  b.accounts[1].chatmode = ChatMode::onmessage;
  const auto plan = plan_reload(a, b);
  EXPECT_EQ(plan.restart, Ids{"ops"});
  EXPECT_TRUE(plan.start.empty());
  EXPECT_TRUE(plan.stop.empty());
}

TEST(ReloadPlan, AddedRemovedEnabledDisabled) {
  auto a = snapshot_with({"default", "ops", "old"});
  a.accounts[1].enabled = false;
  auto b = snapshot_with({"default", "ops", "new"});
  const auto plan = plan_reload(a, b);
  EXPECT_EQ(plan.start, (Ids{"ops", "new"}));
  EXPECT_EQ(plan.stop, Ids{"old"});
  EXPECT_TRUE(plan.restart.empty());
  auto c = b;
  c.accounts[0].enabled = false;
  EXPECT_EQ(plan_reload(b, c).stop, Ids{"default"});
}

TEST(ReloadPlan, ConnectionSettingsRestartEveryAccount) {
  const auto a = snapshot_with({"default", "ops"});
  auto b = a;
  b.mmclaw.monitor.ping_interval_ms = 1234;
  EXPECT_EQ(plan_reload(a, b).restart, (Ids{"default", "ops"}));
  auto c = a;
  c.mmclaw.catch_up_max_age_minutes = 5;
  EXPECT_EQ(plan_reload(a, c).restart, (Ids{"default", "ops"}));
}

TEST(ReloadPlan, PerPostSettingsApplyLiveWithoutRestart) {
  const auto a = snapshot_with({"default"});
  auto b = a;
  b.messages.inbound_debounce_ms = 500;
  b.dm_scope = DmScope::per_peer;
  b.agent.system_prompt = "be brief";
  b.gateway.reload_mode = ReloadMode::off;
  const auto plan = plan_reload(a, b);
  EXPECT_FALSE(plan.touches_accounts());
  EXPECT_EQ(plan.live, (Ids{"messages", "session", "agents", "gateway.reload"}));
  EXPECT_TRUE(plan.needs_process_restart.empty());
}

TEST(ReloadPlan, SomeSettingsNeedAProcessRestart) {
  const auto a = snapshot_with({"default"});
  auto b = a;
  b.mmclaw.store_path = "/elsewhere.db";
  b.gateway.port = 9999;
  const auto plan = plan_reload(a, b);
  EXPECT_EQ(plan.needs_process_restart, (Ids{"mmclaw.store.path", "gateway"}));
  EXPECT_FALSE(plan.touches_accounts());
}

}  // namespace
}  // namespace mmclaw::config

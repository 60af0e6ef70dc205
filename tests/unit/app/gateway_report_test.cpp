// What /readyz and /metrics say (app/gateway_report): readiness, the report's fields, the metric
// families and their labels.

#include "app/gateway_report.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace mmclaw::app {
namespace {

AccountStatus account(std::string id, mattermost::MonitorState state) {
  AccountStatus a;
  a.account_id = std::move(id);
  a.monitor.state = state;
  a.monitor.bot_username = "mmclaw";
  a.monitor.bot_id = "botbotbotbotbotbotbotbotbo";
  return a;
}

TEST(GatewayReport, ReadyOnlyWhenEveryAccountIsAuthenticated) {
  GatewayReport report;
  EXPECT_FALSE(gateway_ready(report)) << "no account: nothing to be ready for";
  report.accounts.push_back(account("default", mattermost::MonitorState::ready));
  EXPECT_TRUE(gateway_ready(report));
  report.accounts.push_back(account("ops", mattermost::MonitorState::backing_off));
  EXPECT_FALSE(gateway_ready(report));
}

TEST(GatewayReport, ReadinessJsonHasOneObjectPerAccount) {
  GatewayReport report;
  report.started_at_ms = 1'000'000;
  report.now_ms = 1'125'500;
  auto a = account("default", mattermost::MonitorState::ready);
  a.monitor.connected = true;
  a.monitor.connected_since = 1'000'100;
  a.counters.posts_answered = 4;
  report.accounts.push_back(a);
  auto b = account("ops", mattermost::MonitorState::auth_failed);
  b.monitor.last_error = "Mattermost API 401 Unauthorized: Invalid or expired session";
  report.accounts.push_back(b);
  const auto json = readiness_json(report);
  EXPECT_FALSE(json.at("ready").as_bool());
  EXPECT_EQ(json.at("uptimeSeconds").as_int64(), 125);
  const auto& accounts = json.at("accounts").as_array();
  ASSERT_EQ(accounts.size(), 2u);
  EXPECT_EQ(accounts[0].at("state").as_string(), "ready");
  EXPECT_TRUE(accounts[0].at("ready").as_bool());
  EXPECT_EQ(accounts[0].at("connectedSinceMs").as_int64(), 1'000'100);
  EXPECT_EQ(accounts[0].at("postsAnswered").as_int64(), 4);
  EXPECT_EQ(accounts[0].as_object().if_contains("lastError"), nullptr);
  EXPECT_EQ(accounts[1].at("state").as_string(), "auth_failed");
  EXPECT_EQ(accounts[1].at("lastError").as_string(), "Mattermost API 401 Unauthorized: Invalid or expired session");
}

TEST(GatewayReport, MetricsHaveEveryFamilyOnceWithAccountLabels) {
  GatewayReport report;
  auto a = account("default", mattermost::MonitorState::ready);
  a.counters.drops["no_mention"] = 3;
  a.counters.turns_started = 2;
  a.api.calls[mattermost::RouteKey{"POST", "/posts", 201}] = 5;
  a.api.calls[mattermost::RouteKey{"GET", "/users/me", 0}] = 1;
  util::Histogram h(model_latency_buckets());
  h.observe(0.2);
  a.counters.model_first_token_seconds.emplace("llmsim/alpha", h);
  report.accounts.push_back(a);
  report.queued_jobs = 7;
  const std::string text = metrics_text(report);
  for (const auto* family : {"mmclaw_build_info", "mmclaw_uptime_seconds", "mmclaw_queued_posts", "mmclaw_account_state",
                             "mmclaw_account_ready", "mmclaw_reconnects_total", "mmclaw_events_received_total",
                             "mmclaw_posts_caught_up_total", "mmclaw_posts_dropped_total", "mmclaw_turns_started_total",
                             "mmclaw_turns_finished_total", "mmclaw_posts_failed_total", "mmclaw_reply_stream_edits_total",
                             "mmclaw_rest_requests_total", "mmclaw_rest_rate_limited_total",
                             "mmclaw_model_first_token_seconds", "mmclaw_model_turn_seconds"}) {
    const std::string type_line = std::string("# TYPE ") + family + " ";
    const auto first = text.find(type_line);
    ASSERT_NE(first, std::string::npos) << family;
    EXPECT_EQ(text.find(type_line, first + 1), std::string::npos) << family << " twice";
  }
  EXPECT_NE(text.find("mmclaw_queued_posts 7\n"), std::string::npos);
  EXPECT_NE(text.find("mmclaw_posts_dropped_total{account=\"default\",reason=\"no_mention\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("mmclaw_rest_requests_total{account=\"default\",method=\"POST\",route=\"/posts\",status=\"201\"} 5\n"),
            std::string::npos);
  EXPECT_NE(text.find("mmclaw_rest_requests_total{account=\"default\",method=\"GET\",route=\"/users/me\",status=\"0\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("mmclaw_model_first_token_seconds_bucket{account=\"default\",model=\"llmsim/alpha\",le=\"0.25\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("mmclaw_account_state{account=\"default\",state=\"ready\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("mmclaw_account_state{account=\"default\",state=\"backing_off\"} 0\n"), std::string::npos);
}

}  // namespace
}  // namespace mmclaw::app

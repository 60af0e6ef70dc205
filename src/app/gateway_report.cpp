#include "app/gateway_report.hpp"

#include <fmt/format.h>
#include <boost/json.hpp>

#include "config/render.hpp"
#include "util/prometheus.hpp"

namespace mmclaw::app {

namespace json = boost::json;
using util::MetricType;

namespace {

constexpr mattermost::MonitorState kStates[] = {
    mattermost::MonitorState::starting,   mattermost::MonitorState::identifying, mattermost::MonitorState::connecting,
    mattermost::MonitorState::authenticating, mattermost::MonitorState::ready,   mattermost::MonitorState::backing_off,
    mattermost::MonitorState::auth_failed, mattermost::MonitorState::stopped};

std::string_view transport_name(config::Transport transport) {
  return transport == config::Transport::websocket ? "websocket" : "polling";
}

using Counter = std::int64_t AccountCounters::*;

// One sample per account of a counter of AccountCounters.
void per_account(util::PrometheusText& text, const GatewayReport& report, std::string_view name, MetricType type,
                 std::string_view help, Counter counter) {
  text.family(name, type, help);
  for (const auto& a : report.accounts) text.sample({{"account", a.account_id}}, static_cast<double>(a.counters.*counter));
}

void histograms(util::PrometheusText& text, const GatewayReport& report, std::string_view name, std::string_view help,
                std::map<std::string, util::Histogram, std::less<>> AccountCounters::*member) {
  text.family(name, MetricType::histogram, help);
  for (const auto& a : report.accounts)
    for (const auto& [model, histogram] : a.counters.*member) text.histogram({{"account", a.account_id}, {"model", model}}, histogram);
}

}  // namespace

bool gateway_ready(const GatewayReport& report) {
  if (report.accounts.empty()) return false;
  for (const auto& a : report.accounts)
    if (a.monitor.state != mattermost::MonitorState::ready) return false;
  return true;
}

json::object readiness_json(const GatewayReport& report) {
  json::array accounts;
  for (const auto& a : report.accounts) {
    json::object o{{"id", a.account_id},
                   {"state", std::string(mattermost::to_string(a.monitor.state))},
                   {"ready", a.monitor.state == mattermost::MonitorState::ready},
                   {"transport", std::string(transport_name(a.transport))},
                   {"connected", a.monitor.connected},
                   {"botId", a.monitor.bot_id},
                   {"botUsername", a.monitor.bot_username},
                   {"reconnects", a.monitor.reconnect_count},
                   {"postsAnswered", a.counters.posts_answered},
                   {"postsFailed", a.counters.posts_failed},
                   {"postsDropped", a.counters.posts_dropped}};
    if (a.monitor.connected_since) o["connectedSinceMs"] = *a.monitor.connected_since;
    if (a.monitor.last_error) o["lastError"] = *a.monitor.last_error;
    accounts.push_back(std::move(o));
  }
  return json::object{{"ready", gateway_ready(report)},
                      {"version", MMCLAW_VERSION},
                      {"uptimeSeconds", std::max<std::int64_t>(0, (report.now_ms - report.started_at_ms) / 1000)},
                      {"accounts", std::move(accounts)}};
}

std::string metrics_text(const GatewayReport& report) {
  util::PrometheusText text;
  text.family("mmclaw_build_info", MetricType::gauge, "The running mmclaw's version (always 1).");
  text.sample({{"version", MMCLAW_VERSION}}, 1);
  text.family("mmclaw_uptime_seconds", MetricType::gauge, "Seconds since the gateway started.");
  text.sample({}, static_cast<double>(std::max<std::int64_t>(0, report.now_ms - report.started_at_ms)) / 1000.0);
  text.family("mmclaw_queued_posts", MetricType::gauge, "Posts waiting in the session lanes for their turn.");
  text.sample({}, static_cast<double>(report.queued_jobs));

  text.family("mmclaw_account_state", MetricType::gauge,
              "The connection state of each account (1 for the current state, 0 for the others).");
  for (const auto& a : report.accounts)
    for (const auto state : kStates)
      text.sample({{"account", a.account_id}, {"state", std::string(mattermost::to_string(state))}},
                  a.monitor.state == state ? 1 : 0);
  text.family("mmclaw_account_ready", MetricType::gauge, "1 when the account's connection is authenticated.");
  for (const auto& a : report.accounts)
    text.sample({{"account", a.account_id}}, a.monitor.state == mattermost::MonitorState::ready ? 1 : 0);
  text.family("mmclaw_reconnects_total", MetricType::counter, "WebSocket connections opened after the first.");
  for (const auto& a : report.accounts)
    text.sample({{"account", a.account_id}}, static_cast<double>(a.monitor.reconnect_count));
  text.family("mmclaw_events_received_total", MetricType::counter, "WebSocket event frames received (hello included).");
  for (const auto& a : report.accounts)
    text.sample({{"account", a.account_id}}, static_cast<double>(a.monitor.events_received));

  per_account(text, report, "mmclaw_posts_seen_total", MetricType::counter, "Posts screened (events and catch-up).",
              &AccountCounters::posts_seen);
  per_account(text, report, "mmclaw_posts_recorded_total", MetricType::counter, "Posts recorded to be answered.",
              &AccountCounters::posts_recorded);
  per_account(text, report, "mmclaw_posts_caught_up_total", MetricType::counter,
              "Posts recorded by a catch-up sweep or a poll.", &AccountCounters::posts_caught_up);
  per_account(text, report, "mmclaw_posts_duplicate_total", MetricType::counter,
              "Posts seen again after they were recorded (replay, catch-up, restart).", &AccountCounters::posts_duplicate);
  per_account(text, report, "mmclaw_malformed_frames_total", MetricType::counter, "WebSocket frames that could not be read.",
              &AccountCounters::malformed_frames);
  text.family("mmclaw_posts_dropped_total", MetricType::counter, "Posts not answered, by reason code.");
  for (const auto& a : report.accounts)
    for (const auto& [reason, count] : a.counters.drops)
      text.sample({{"account", a.account_id}, {"reason", reason}}, static_cast<double>(count));

  per_account(text, report, "mmclaw_turns_started_total", MetricType::counter, "Answers begun.",
              &AccountCounters::turns_started);
  per_account(text, report, "mmclaw_turns_finished_total", MetricType::counter, "Answers that ran to their end.",
              &AccountCounters::turns_finished);
  per_account(text, report, "mmclaw_posts_answered_total", MetricType::counter, "Posts answered.",
              &AccountCounters::posts_answered);
  per_account(text, report, "mmclaw_posts_failed_total", MetricType::counter, "Posts given up after an error.",
              &AccountCounters::posts_failed);
  per_account(text, report, "mmclaw_reply_stream_edits_total", MetricType::counter,
              "Edits of posts while answers streamed.", &AccountCounters::preview_edits);
  per_account(text, report, "mmclaw_pairing_requests_total", MetricType::counter, "Pairing codes issued.",
              &AccountCounters::pairing_requests);
  per_account(text, report, "mmclaw_slash_commands_total", MetricType::counter,
              "Slash commands accepted (answered Processing...).", &AccountCounters::slash_commands);
  per_account(text, report, "mmclaw_button_clicks_total", MetricType::counter,
              "Button clicks accepted and recorded (picker clicks included).", &AccountCounters::button_clicks);
  per_account(text, report, "mmclaw_callbacks_refused_total", MetricType::counter,
              "Slash command and button callbacks refused (bad token, signature, origin, policy, ...).",
              &AccountCounters::callbacks_refused);

  text.family("mmclaw_rest_requests_total", MetricType::counter,
              "Mattermost REST requests by method, route and HTTP status (0: no response).");
  for (const auto& a : report.accounts)
    for (const auto& [key, count] : a.api.calls)
      text.sample({{"account", a.account_id}, {"method", key.method}, {"route", key.route}, {"status", std::to_string(key.status)}},
                  static_cast<double>(count));
  text.family("mmclaw_rest_rate_limited_total", MetricType::counter, "Mattermost REST answers 429 (each starts a pause).");
  for (const auto& a : report.accounts) text.sample({{"account", a.account_id}}, static_cast<double>(a.api.rate_limited));

  histograms(text, report, "mmclaw_model_first_token_seconds", "Time from a model call to its first token.",
             &AccountCounters::model_first_token_seconds);
  histograms(text, report, "mmclaw_model_turn_seconds", "Time of a model turn, tool rounds and retries included.",
             &AccountCounters::model_turn_seconds);
  return text.text();
}

}  // namespace mmclaw::app

#pragma once
// What the gateway's operations endpoints say (issue 9, "Operations"): the readiness report of
// `GET /readyz` (every enabled account authenticated, one JSON object per account) and the
// Prometheus text of `GET /metrics`, both built from the accounts' status snapshots. Pure; no
// message text, token or secret goes into either (ids, usernames of the bot, states, counts).

#include <cstdint>
#include <span>
#include <string>

#include <boost/json/object.hpp>

#include "app/account_runtime.hpp"

namespace mmclaw::app {

struct GatewayReport {
  std::vector<AccountStatus> accounts;  // the enabled accounts, in the config's order
  std::size_t queued_jobs = 0;          // posts waiting in the lanes for their session's turn
  std::int64_t started_at_ms = 0;       // Unix ms
  std::int64_t now_ms = 0;
};

// Ready when there is at least one account and every account's state is `ready`.
bool gateway_ready(const GatewayReport& report);

// `{"ready":bool,"version":"…","uptimeSeconds":n,"accounts":[{"id","state","ready","transport",
// "connected","botId","botUsername","connectedSinceMs"?,"reconnects","lastError"?,
// "postsAnswered","postsFailed","postsDropped"}]}`.
boost::json::object readiness_json(const GatewayReport& report);

// The /metrics text (families listed in docs/commands.md, "mmclaw gateway": HTTP endpoints).
std::string metrics_text(const GatewayReport& report);

}  // namespace mmclaw::app

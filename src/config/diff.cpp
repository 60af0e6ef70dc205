#include "config/diff.hpp"

#include <algorithm>

namespace mmclaw::config {

namespace {

const AccountConfig* enabled_account(const Snapshot& snapshot, std::string_view id) {
  const AccountConfig* account = snapshot.find_account(id);
  return account != nullptr && account->enabled ? account : nullptr;
}

}  // namespace

ReloadPlan plan_reload(const Snapshot& running, const Snapshot& next) {
  ReloadPlan plan;
  const bool connection_settings_changed = running.mmclaw.monitor != next.mmclaw.monitor ||
                                           running.mmclaw.catch_up_max_age_minutes !=
                                               next.mmclaw.catch_up_max_age_minutes;
  for (const auto& account : running.accounts) {
    if (!account.enabled) continue;
    const AccountConfig* now = enabled_account(next, account.id);
    if (now == nullptr)
      plan.stop.push_back(account.id);
    else if (!(*now == account) || connection_settings_changed)
      plan.restart.push_back(account.id);
  }
  for (const auto& account : next.accounts)
    if (account.enabled && enabled_account(running, account.id) == nullptr) plan.start.push_back(account.id);

  if (running.messages != next.messages) plan.live.emplace_back("messages");
  if (running.dm_scope != next.dm_scope) plan.live.emplace_back("session");
  if (running.providers != next.providers) plan.live.emplace_back("models");
  if (running.agent != next.agent) plan.live.emplace_back("agents");
  if (running.mmclaw.log_level != next.mmclaw.log_level) plan.live.emplace_back("mmclaw.log.level");
  if (running.mmclaw.log_format != next.mmclaw.log_format) plan.live.emplace_back("mmclaw.log.format");
  if (running.mmclaw.media_allowed_dirs != next.mmclaw.media_allowed_dirs) plan.live.emplace_back("mmclaw.media.allowedDirs");
  if (running.default_account != next.default_account) plan.live.emplace_back("channels.mattermost.defaultAccount");

  if (running.mmclaw.store_path != next.mmclaw.store_path)
    plan.needs_process_restart.emplace_back("mmclaw.store.path");
  // The reload settings themselves apply at once; the HTTP surface's need a restart.
  GatewayConfig running_http = running.gateway;
  GatewayConfig next_http = next.gateway;
  running_http.reload_mode = next_http.reload_mode;
  running_http.reload_debounce_ms = next_http.reload_debounce_ms;
  if (running_http != next_http) plan.needs_process_restart.emplace_back("gateway");
  if (running.gateway.reload_mode != next.gateway.reload_mode ||
      running.gateway.reload_debounce_ms != next.gateway.reload_debounce_ms)
    plan.live.emplace_back("gateway.reload");
  return plan;
}

}  // namespace mmclaw::config

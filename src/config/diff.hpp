#pragma once
// What a reload changes (channel-behaviour §1.7, §13): compares the running snapshot with a new,
// valid one and says which accounts restart, start and stop, which settings apply to new posts at
// once, and which only a restart of mmclaw applies. Pure.
//
// An account restarts when its resolved config changed, or when a setting that shapes its
// connection changed (mmclaw.monitor, mmclaw.catchUp). Everything else the runtime reads per post
// (session.dmScope, messages.*, models, agents) is applied to the next post without a restart; a
// change that touches no account restarts nothing.

#include <string>
#include <vector>

#include "config/snapshot.hpp"

namespace mmclaw::config {

struct ReloadPlan {
  std::vector<std::string> restart;  // enabled before and after, with a different resolved config
  std::vector<std::string> start;    // enabled now, not before (added or enabled)
  std::vector<std::string> stop;     // enabled before, not now (removed or disabled)
  // Changed settings the running accounts pick up for new posts ("messages", "session", ...).
  std::vector<std::string> live;
  // Changed settings that need mmclaw to be restarted ("mmclaw.store.path", "gateway", ...);
  // the reload applies everything else and logs these.
  std::vector<std::string> needs_process_restart;

  [[nodiscard]] bool touches_accounts() const { return !restart.empty() || !start.empty() || !stop.empty(); }
  [[nodiscard]] bool empty() const {
    return !touches_accounts() && live.empty() && needs_process_restart.empty();
  }
};

ReloadPlan plan_reload(const Snapshot& running, const Snapshot& next);

}  // namespace mmclaw::config

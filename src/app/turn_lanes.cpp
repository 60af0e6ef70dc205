#include "app/turn_lanes.hpp"

#include <utility>

namespace mmclaw::app {

namespace {
constexpr char kSeparator = '|';  // never in an account id (normalised) or a Mattermost id
}

TurnLanes::TurnLanes(int max_running, int queue_cap) : scheduler_(max_running, queue_cap) {}

std::string TurnLanes::lane_key(std::string_view account_id, std::string_view session_key) {
  std::string key(account_id);
  key += kSeparator;
  key += session_key;
  return key;
}

std::string TurnLanes::job_key(std::string_view account_id, std::string_view post_id) {
  return lane_key(account_id, post_id);
}

void TurnLanes::set_limits(int max_running, int queue_cap) {
  start_all(scheduler_.set_limits(max_running, queue_cap));
}

void TurnLanes::attach(std::string_view account_id, Hooks hooks) {
  auto& account = accounts_[std::string(account_id)];
  account.hooks = std::move(hooks);
  account.forgotten = false;
  start_all(std::exchange(account.deferred, {}));
}

void TurnLanes::detach(std::string_view account_id, bool forget) {
  auto& account = accounts_[std::string(account_id)];
  account.hooks = Hooks{};
  if (!forget) return;
  // The account is gone: its jobs leave memory (they stay recorded in the store for the next
  // start), and the slots its turns hold are given back as those turns come due.
  account.forgotten = true;
  const std::string prefix = lane_key(account_id, "");
  for (auto job = jobs_.lower_bound(prefix); job != jobs_.end() && job->first.starts_with(prefix);)
    job = jobs_.erase(job);
  start_all(std::exchange(account.deferred, {}));
}

TurnLanes::Submitted TurnLanes::submit(TurnJob job, config::QueueMode mode) {
  const std::string session = job.route ? job.route->session_key : job.channel_id;
  const std::string key = lane_key(job.account_id, session);
  const std::string account_id = job.account_id;
  const std::string post_id = job.post_id;
  auto result = scheduler_.submit(key, gateway::LaneItem{post_id}, mode);
  if (result.outcome == gateway::SubmitOutcome::dropped_queue_full) return Submitted::dropped_queue_full;
  jobs_.insert_or_assign(job_key(account_id, post_id), std::move(job));
  for (const auto& item : result.superseded) {
    auto it = jobs_.find(job_key(account_id, item.id));
    if (it == jobs_.end()) continue;
    TurnJob dropped = std::move(it->second);
    jobs_.erase(it);
    auto account = accounts_.find(account_id);
    if (account != accounts_.end() && account->second.hooks.drop) account->second.hooks.drop(dropped, "superseded");
  }
  if (result.cancel_running) {
    auto account = accounts_.find(account_id);
    if (account != accounts_.end() && account->second.hooks.cancel) account->second.hooks.cancel(session);
  }
  if (result.start) {
    start(*result.start);
    return Submitted::started;
  }
  return Submitted::queued;
}

void TurnLanes::finish(std::string_view account_id, std::string_view session_key) {
  start_all(scheduler_.finish(lane_key(account_id, session_key)));
}

void TurnLanes::start_all(const std::vector<gateway::LaneTurn>& turns) {
  for (const auto& turn : turns) start(turn);
}

void TurnLanes::start(const gateway::LaneTurn& lane_turn) {
  const auto separator = lane_turn.session_key.find(kSeparator);
  const std::string account_id = lane_turn.session_key.substr(0, separator);
  auto account = accounts_.find(account_id);
  if (account != accounts_.end() && account->second.forgotten) {
    for (const auto& item : lane_turn.items) jobs_.erase(job_key(account_id, item.id));
    start_all(scheduler_.finish(lane_turn.session_key));
    return;
  }
  if (account == accounts_.end() || !account->second.hooks.run) {
    accounts_[account_id].deferred.push_back(lane_turn);
    return;
  }
  Turn turn;
  turn.session_key = lane_turn.session_key.substr(separator + 1);
  for (const auto& item : lane_turn.items) {
    auto it = jobs_.find(job_key(account_id, item.id));
    if (it == jobs_.end()) continue;
    turn.jobs.push_back(std::move(it->second));
    jobs_.erase(it);
  }
  if (turn.jobs.empty()) {
    start_all(scheduler_.finish(lane_turn.session_key));
    return;
  }
  // A copy: the runner may call finish() (and so start()) before it returns.
  Runner runner = account->second.hooks.run;
  runner(std::move(turn));
}

}  // namespace mmclaw::app

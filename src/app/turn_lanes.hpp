#pragma once
// The lanes of every account (issue 5 "Lanes"): one turn at a time per session, a bounded queue per
// session, and one cap on the turns running at once across all accounts. The scheduling rules are
// gateway/lanes' (pure); this keeps the jobs that wait and hands a turn that may start to the
// runtime of its account.
//
// Lane keys are `<accountId>|<sessionKey>`: each account's sessions are its own, so an account can
// restart (a reload) without touching another's lanes. Jobs of an account that is restarting wait
// here and run on its new runtime when it attaches; so a reload loses no queued post and changes no
// queued post's route. Not thread-safe: the event loop owns it.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "app/turn_job.hpp"
#include "config/snapshot.hpp"
#include "gateway/lanes.hpp"

namespace mmclaw::app {

// One turn to run: the jobs of one session (more than one only in collect mode), oldest first.
struct Turn {
  std::string session_key;
  std::vector<TurnJob> jobs;
};

class TurnLanes {
 public:
  // Called to run a turn; the runner calls finish(account, session) when the turn ended.
  using Runner = std::function<void(Turn)>;
  // Called when a queued job is dropped (`superseded` by an interrupt).
  using Dropper = std::function<void(const TurnJob&, std::string_view reason)>;
  // Interrupt mode: the running turn of the session is asked to stop.
  using Canceller = std::function<void(std::string_view session_key)>;
  struct Hooks {
    Runner run;
    Dropper drop;
    Canceller cancel;
  };

  TurnLanes(int max_running, int queue_cap);

  void set_limits(int max_running, int queue_cap);

  // The account's runtime is ready to run turns; turns that became due while it was away start.
  void attach(std::string_view account_id, Hooks hooks);
  // The runtime stops. Its queued jobs stay (for the next runtime of the account) unless `forget`,
  // when they are removed from memory (they stay recorded in the store for the next start).
  void detach(std::string_view account_id, bool forget);

  enum class Submitted { started, queued, dropped_queue_full };
  Submitted submit(TurnJob job, config::QueueMode mode);
  // The running turn of the session ended; starts what may start now.
  void finish(std::string_view account_id, std::string_view session_key);

  [[nodiscard]] int running_turns() const { return scheduler_.running_turns(); }
  [[nodiscard]] std::size_t queued_jobs() const { return scheduler_.total_queued(); }

 private:
  static std::string lane_key(std::string_view account_id, std::string_view session_key);
  static std::string job_key(std::string_view account_id, std::string_view post_id);
  void start(const gateway::LaneTurn& turn);
  void start_all(const std::vector<gateway::LaneTurn>& turns);

  struct Account {
    Hooks hooks;
    std::vector<gateway::LaneTurn> deferred;  // due while no runtime was attached
    bool forgotten = false;                   // detached for good: its turns are dropped as they come due
  };

  gateway::LaneScheduler scheduler_;
  std::map<std::string, TurnJob, std::less<>> jobs_;  // by job_key, queued or running
  std::map<std::string, Account, std::less<>> accounts_;
};

}  // namespace mmclaw::app

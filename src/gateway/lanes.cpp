#include "gateway/lanes.hpp"

#include <algorithm>
#include <iterator>
#include <utility>

namespace mmclaw::gateway {

namespace {
int at_least_one(int v) {
  return std::max(v, 1);
}
}  // namespace

LaneScheduler::LaneScheduler(int max_running, int queue_cap)
    : max_running_(at_least_one(max_running)), queue_cap_(at_least_one(queue_cap)) {}

std::vector<LaneTurn> LaneScheduler::set_limits(int max_running, int queue_cap) {
  max_running_ = at_least_one(max_running);
  queue_cap_ = at_least_one(queue_cap);
  std::vector<LaneTurn> out;
  start_waiting(out);
  return out;
}

SubmitResult LaneScheduler::submit(std::string_view session_key, LaneItem item, config::QueueMode mode,
                                   bool steerable) {
  SubmitResult result;
  auto it = lanes_.find(session_key);
  if (it == lanes_.end()) it = lanes_.emplace(std::string(session_key), Lane{}).first;
  Lane& lane = it->second;
  lane.collect = mode == config::QueueMode::collect;

  // Rule 1: an idle session starts at once when a slot is free. An idle session never has a backlog
  // while a slot is free (the waiting line is served whenever a slot frees up), so nobody is skipped.
  if (!lane.running && lane.queue.empty() && running_ < max_running_) {
    lane.queue.push_back(std::move(item));
    ++total_queued_;
    result.outcome = SubmitOutcome::started;
    result.start = start_turn(it);
    return result;
  }

  if (mode == config::QueueMode::steer && steerable && lane.running) {
    result.outcome = SubmitOutcome::steered;
    return result;
  }

  const bool was_waiting = !lane.running && !lane.queue.empty();
  if (mode == config::QueueMode::interrupt) {
    total_queued_ -= lane.queue.size();
    result.superseded.assign(std::make_move_iterator(lane.queue.begin()),
                             std::make_move_iterator(lane.queue.end()));
    lane.queue.clear();
    result.cancel_running = lane.running;
  } else if (lane.queue.size() >= static_cast<std::size_t>(queue_cap_)) {
    // A full queue is never empty (cap >= 1), so the lane has work and is kept (rule 7).
    result.outcome = SubmitOutcome::dropped_queue_full;
    return result;
  }

  lane.queue.push_back(std::move(item));
  ++total_queued_;
  if (!lane.running && !was_waiting) waiting_.emplace_back(session_key);
  result.outcome = SubmitOutcome::queued;
  return result;
}

std::vector<LaneTurn> LaneScheduler::finish(std::string_view session_key) {
  std::vector<LaneTurn> out;
  const auto it = lanes_.find(session_key);
  if (it == lanes_.end() || !it->second.running) return out;
  it->second.running = false;
  --running_;
  if (it->second.queue.empty())
    lanes_.erase(it);
  else
    waiting_.emplace_back(session_key);  // rule 5: behind the sessions already waiting
  start_waiting(out);
  return out;
}

std::vector<LaneItem> LaneScheduler::drain_queued() {
  std::vector<LaneItem> out;
  out.reserve(total_queued_);
  for (auto it = lanes_.begin(); it != lanes_.end();) {
    auto& queue = it->second.queue;
    std::move(queue.begin(), queue.end(), std::back_inserter(out));
    queue.clear();
    if (it->second.running)
      ++it;
    else
      it = lanes_.erase(it);
  }
  waiting_.clear();
  total_queued_ = 0;
  return out;
}

bool LaneScheduler::running(std::string_view session_key) const {
  const auto it = lanes_.find(session_key);
  return it != lanes_.end() && it->second.running;
}

std::size_t LaneScheduler::queued(std::string_view session_key) const {
  const auto it = lanes_.find(session_key);
  return it == lanes_.end() ? 0 : it->second.queue.size();
}

// Takes the lane's next turn from its queue (one post, or all of them in collect mode) and marks
// it running. The caller has checked that a slot is free and the lane is not running.
LaneTurn LaneScheduler::start_turn(Lanes::iterator lane) {
  auto& queue = lane->second.queue;
  const std::size_t take = lane->second.collect ? queue.size() : 1;
  LaneTurn turn;
  turn.session_key = lane->first;
  turn.items.assign(std::make_move_iterator(queue.begin()),
                    std::make_move_iterator(queue.begin() + static_cast<std::ptrdiff_t>(take)));
  queue.erase(queue.begin(), queue.begin() + static_cast<std::ptrdiff_t>(take));
  total_queued_ -= take;
  lane->second.running = true;
  ++running_;
  return turn;
}

void LaneScheduler::start_waiting(std::vector<LaneTurn>& out) {
  while (running_ < max_running_ && !waiting_.empty()) {
    const auto it = lanes_.find(waiting_.front());
    waiting_.pop_front();
    if (it == lanes_.end() || it->second.running || it->second.queue.empty()) continue;  // defensive
    out.push_back(start_turn(it));
  }
}

}  // namespace mmclaw::gateway

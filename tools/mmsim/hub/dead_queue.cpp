#include "mmsim/hub/dead_queue.hpp"

#include <utility>

namespace mmsim {

void DeadQueue::push(std::int64_t seq, std::string text) {
  if (capacity_ == 0) return;
  if (entries_.size() == capacity_) entries_.pop_front();
  entries_.push_back(WrittenEvent{seq, std::move(text)});
}

std::optional<std::size_t> DeadQueue::find(std::int64_t seq) const {
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    if (entries_[i].seq == seq) return i;
  }
  return std::nullopt;
}

bool DeadQueue::has_loss(std::int64_t next_seq) const {
  return !entries_.empty() && entries_.back().seq != next_seq - 1;
}

}  // namespace mmsim

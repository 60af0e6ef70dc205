#pragma once
// A connection's "dead queue" (web_conn.go): the last N events actually written, kept as the
// exact text sent so a resume can replay them with their original seq values.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>

namespace mmsim {

struct WrittenEvent {
  std::int64_t seq = 0;
  std::string text;
};

class DeadQueue {
 public:
  explicit DeadQueue(std::size_t capacity) : capacity_(capacity) {}

  // Appends, dropping the oldest entry when full.
  void push(std::int64_t seq, std::string text);
  // Position (0 = oldest) of the entry written with `seq`.
  std::optional<std::size_t> find(std::int64_t seq) const;
  // Go's hasMsgLoss: something was written and the newest entry is not `next_seq - 1`.
  bool has_loss(std::int64_t next_seq) const;
  void clear() { entries_.clear(); }

  std::size_t size() const { return entries_.size(); }
  const WrittenEvent& at(std::size_t i) const { return entries_.at(i); }

 private:
  std::size_t capacity_;
  std::deque<WrittenEvent> entries_;
};

}  // namespace mmsim

#pragma once
// Inbound debounce (channel-behaviour §3.6): quick successive posts of one user in one channel or
// thread are merged into a single turn. Pure: the caller passes the time (unix ms) and the interval
// (read live from the snapshot), and arms a timer for next_deadline(); batches come out as values.

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mmclaw::gateway {

// `mattermost:<accountId>:<channelId>:<thread:<rootId> | channel>:<userId>`.
std::string debounce_key(std::string_view account_id, std::string_view channel_id, std::string_view root_id,
                         std::string_view user_id);

struct DebounceItem {
  std::string post_id;
  std::string message;
  std::int64_t create_at = 0;
  // A system post, a post with files, empty text or a control command: never held (§3.6).
  bool immediate = false;

  bool operator==(const DebounceItem&) const = default;
};

// Posts dispatched together, oldest first; never empty.
struct DebounceBatch {
  std::string key;
  std::vector<DebounceItem> items;

  // The non-blank messages joined with `\n` (§3.6: the text of the merged post).
  [[nodiscard]] std::string merged_message() const;
  // The post that is dispatched, carrying merged_message().
  [[nodiscard]] const DebounceItem& last() const { return items.back(); }
  // For MessageSids (§4.9) and for excluding the merged posts from the history window.
  [[nodiscard]] std::vector<std::string> post_ids() const;

  bool operator==(const DebounceBatch&) const = default;
};

// A held batch is forced out when this many posts are pending for its key, so a user pasting a
// flood of lines cannot grow one turn (and the memory behind it) without bound.
inline constexpr std::size_t kMaxDebounceItems = 64;

// The pending batches, one per key. The deadline of a batch is the time of its newest post plus the
// interval: the timer restarts on each post (like the reference's debouncer), so a batch goes out
// once the user has been quiet for a whole interval. Not thread-safe (the event loop owns it).
class Debouncer {
 public:
  // What is ready to dispatch now, in order:
  //  - interval <= 0 (debounce off), or an immediate item: the pending batch of the key first (if
  //    any, so posts stay in order), then a batch of this item alone;
  //  - a key already holding kMaxDebounceItems: that full batch, and this item starts a new one;
  //  - otherwise nothing: the item is held until now + interval.
  std::vector<DebounceBatch> offer(std::string key, DebounceItem item, std::int64_t now_ms, int interval_ms);

  // The batches whose deadline is at or before `now_ms`, oldest deadline first.
  std::vector<DebounceBatch> due(std::int64_t now_ms);

  // The earliest pending deadline, for the caller's timer.
  [[nodiscard]] std::optional<std::int64_t> next_deadline() const;

  // Everything pending, oldest deadline first (stop, reload).
  std::vector<DebounceBatch> drain();

  [[nodiscard]] std::size_t pending_keys() const noexcept { return pending_.size(); }

 private:
  struct Pending {
    DebounceBatch batch;
    std::int64_t deadline = 0;
    std::uint64_t sequence = 0;  // breaks deadline ties by arrival
  };

  std::optional<DebounceBatch> take(std::string_view key);
  std::vector<DebounceBatch> take_where(bool all, std::int64_t now_ms);

  std::map<std::string, Pending, std::less<>> pending_;
  std::uint64_t next_sequence_ = 0;
};

}  // namespace mmclaw::gateway

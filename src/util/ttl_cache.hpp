#pragma once
// A small bounded cache with a time to live per entry (channel-behaviour §2.5): key → value, each
// entry expiring `ttl` after it was stored, at most `max_entries` entries with the oldest
// insertion evicted first. Reads never refresh an entry (neither its age nor its place in the
// eviction order), so a hot entry is still re-read from the source once its TTL has passed.
// Storing a key again counts as a new insertion. Callers store successes only: a failure must
// not hide the next attempt. Pure: time is passed in (ms on any monotonic clock of the caller's
// choice). Not thread-safe.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <unordered_map>
#include <utility>

namespace mmclaw::util {

template <class Key, class Value, class Hash = std::hash<Key>, class KeyEqual = std::equal_to<Key>>
class TtlCache {
 public:
  // `ttl_ms` ≤ 0 makes every entry expire at once; `max_entries` 0 keeps nothing.
  TtlCache(std::int64_t ttl_ms, std::size_t max_entries) : ttl_ms_(ttl_ms), max_entries_(max_entries) {}

  // The value stored for `key` if it has not expired at `now_ms`, else nullptr (an expired entry
  // is dropped). The pointer is valid until the next call that changes the cache.
  const Value* get(const Key& key, std::int64_t now_ms) {
    auto it = index_.find(key);
    if (it == index_.end()) return nullptr;
    if (expired(*it->second, now_ms)) {
      order_.erase(it->second);
      index_.erase(it);
      return nullptr;
    }
    return &it->second->value;
  }

  // Stores `value` for `key` with the cache's TTL (or `ttl_ms` when given), replacing an earlier
  // entry for the key; then drops expired entries at the front and evicts the oldest insertions
  // beyond max_entries.
  void put(const Key& key, Value value, std::int64_t now_ms) { put(key, std::move(value), now_ms, ttl_ms_); }
  void put(const Key& key, Value value, std::int64_t now_ms, std::int64_t ttl_ms) {
    erase(key);
    if (max_entries_ == 0) return;
    order_.push_back(Entry{key, std::move(value), now_ms + ttl_ms});
    index_.emplace(key, std::prev(order_.end()));
    while (!order_.empty() && expired(order_.front(), now_ms)) pop_front();
    while (order_.size() > max_entries_) pop_front();
  }

  // True when an entry was removed.
  bool erase(const Key& key) {
    auto it = index_.find(key);
    if (it == index_.end()) return false;
    order_.erase(it->second);
    index_.erase(it);
    return true;
  }

  void clear() {
    index_.clear();
    order_.clear();
  }

  // Entries held, expired ones not yet dropped included.
  [[nodiscard]] std::size_t size() const noexcept { return order_.size(); }
  [[nodiscard]] std::size_t max_entries() const noexcept { return max_entries_; }
  [[nodiscard]] std::int64_t ttl_ms() const noexcept { return ttl_ms_; }

 private:
  struct Entry {
    Key key;
    Value value;
    std::int64_t expires_at = 0;
  };

  static bool expired(const Entry& entry, std::int64_t now_ms) noexcept { return now_ms >= entry.expires_at; }

  void pop_front() {
    index_.erase(order_.front().key);
    order_.pop_front();
  }

  std::int64_t ttl_ms_;
  std::size_t max_entries_;
  std::list<Entry> order_;  // oldest insertion first
  std::unordered_map<Key, typename std::list<Entry>::iterator, Hash, KeyEqual> index_;
};

}  // namespace mmclaw::util

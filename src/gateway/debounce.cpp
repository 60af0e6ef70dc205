#include "gateway/debounce.hpp"

#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include "util/strings.hpp"

namespace mmclaw::gateway {

std::string debounce_key(std::string_view account_id, std::string_view channel_id, std::string_view root_id,
                         std::string_view user_id) {
  const std::string scope = root_id.empty() ? std::string("channel") : fmt::format("thread:{}", root_id);
  return fmt::format("mattermost:{}:{}:{}:{}", account_id, channel_id, scope, user_id);
}

std::string DebounceBatch::merged_message() const {
  std::string out;
  for (const auto& item : items) {
    if (util::trim(item.message).empty()) continue;
    if (!out.empty()) out += '\n';
    out += item.message;
  }
  return out;
}

std::vector<std::string> DebounceBatch::post_ids() const {
  std::vector<std::string> ids;
  ids.reserve(items.size());
  for (const auto& item : items) ids.push_back(item.post_id);
  return ids;
}

std::vector<DebounceBatch> Debouncer::offer(std::string key, DebounceItem item, std::int64_t now_ms,
                                            int interval_ms) {
  std::vector<DebounceBatch> out;
  if (interval_ms <= 0 || item.immediate) {
    if (auto pending = take(key)) out.push_back(std::move(*pending));
    out.push_back(DebounceBatch{std::move(key), {std::move(item)}});
    return out;
  }
  auto it = pending_.find(key);
  if (it != pending_.end() && it->second.batch.items.size() >= kMaxDebounceItems) {
    out.push_back(std::move(it->second.batch));
    pending_.erase(it);
    it = pending_.end();
  }
  if (it == pending_.end()) {
    Pending fresh;
    fresh.batch.key = key;
    it = pending_.emplace(std::move(key), std::move(fresh)).first;
  }
  it->second.batch.items.push_back(std::move(item));
  it->second.deadline = now_ms + interval_ms;
  it->second.sequence = next_sequence_++;
  return out;
}

std::vector<DebounceBatch> Debouncer::due(std::int64_t now_ms) {
  return take_where(false, now_ms);
}

std::vector<DebounceBatch> Debouncer::drain() {
  return take_where(true, 0);
}

std::optional<std::int64_t> Debouncer::next_deadline() const {
  std::optional<std::int64_t> next;
  for (const auto& [key, pending] : pending_) {
    if (!next || pending.deadline < *next) next = pending.deadline;
  }
  return next;
}

std::optional<DebounceBatch> Debouncer::take(std::string_view key) {
  const auto it = pending_.find(key);
  if (it == pending_.end()) return std::nullopt;
  DebounceBatch batch = std::move(it->second.batch);
  pending_.erase(it);
  return batch;
}

// A linear scan: the pending keys are the users typing right now, a handful per account.
std::vector<DebounceBatch> Debouncer::take_where(bool all, std::int64_t now_ms) {
  std::vector<Pending> ready;
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (all || it->second.deadline <= now_ms) {
      ready.push_back(std::move(it->second));
      it = pending_.erase(it);
    } else {
      ++it;
    }
  }
  std::sort(ready.begin(), ready.end(), [](const Pending& a, const Pending& b) {
    return a.deadline != b.deadline ? a.deadline < b.deadline : a.sequence < b.sequence;
  });
  std::vector<DebounceBatch> out;
  out.reserve(ready.size());
  for (auto& pending : ready) out.push_back(std::move(pending.batch));
  return out;
}

}  // namespace mmclaw::gateway

#include "gateway/reactions.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "util/strings.hpp"

namespace mmclaw::gateway {

std::string_view to_string(ReactionDrop reason) noexcept {
  switch (reason) {
    case ReactionDrop::self: return "self";
    case ReactionDrop::missing_field: return "missing_field";
    case ReactionDrop::missing_channel: return "missing_channel";
  }
  return "unknown";
}

std::optional<ReactionDrop> screen_reaction(const mattermost::ReactionEvent& event, std::string_view bot_id) {
  if (util::trim(event.user_id).empty() || util::trim(event.post_id).empty() ||
      util::trim(event.emoji_name).empty())
    return ReactionDrop::missing_field;
  if (!bot_id.empty() && event.user_id == bot_id) return ReactionDrop::self;
  if (util::trim(event.channel_id).empty()) return ReactionDrop::missing_channel;
  return std::nullopt;
}

std::string reaction_event_text(const mattermost::ReactionEvent& event, std::string_view username) {
  return fmt::format("Mattermost reaction {}: :{}: by @{} on post {} in channel {}",
                     event.added ? "added" : "removed", event.emoji_name,
                     username.empty() ? std::string_view(event.user_id) : username, event.post_id,
                     event.channel_id);
}

std::string reaction_context_key(const mattermost::ReactionEvent& event) {
  return fmt::format("mattermost:reaction:{}:{}:{}:{}", event.post_id, event.emoji_name, event.user_id,
                     event.added ? "added" : "removed");
}

bool SystemEventQueue::push(std::string_view session_key, Event event) {
  auto it = queues_.find(session_key);
  if (it == queues_.end()) {
    if (queues_.size() >= max_sessions_ && max_sessions_ > 0) {
      auto oldest = std::min_element(queues_.begin(), queues_.end(),
                                     [](const auto& a, const auto& b) { return a.second.used < b.second.used; });
      queues_.erase(oldest);
    }
    it = queues_.emplace(std::string(session_key), Queue{}).first;
  }
  auto& queue = it->second;
  queue.used = ++clock_;
  if (std::any_of(queue.events.begin(), queue.events.end(), [&](const Event& e) { return e.key == event.key; }))
    return false;
  queue.events.push_back(std::move(event));
  while (queue.events.size() > per_session_) queue.events.pop_front();
  return true;
}

std::vector<SystemEventQueue::Event> SystemEventQueue::take(std::string_view session_key) {
  auto it = queues_.find(session_key);
  if (it == queues_.end()) return {};
  std::vector<Event> out(std::make_move_iterator(it->second.events.begin()),
                         std::make_move_iterator(it->second.events.end()));
  queues_.erase(it);
  return out;
}

std::size_t SystemEventQueue::size(std::string_view session_key) const {
  auto it = queues_.find(session_key);
  return it == queues_.end() ? 0 : it->second.events.size();
}

}  // namespace mmclaw::gateway

#pragma once
// Inbound reactions (channel-behaviour §4.10): a reaction on a post becomes a system event for the
// base session of its channel, never a turn. Pure: the screen and the texts; access control is
// gateway/access's, applied like for posts (no pairing, no replies).

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mattermost/events.hpp"

namespace mmclaw::gateway {

// Why a reaction event is ignored before access control; stable codes.
enum class ReactionDrop {
  self,              // the bot's own reaction
  missing_field,     // no user, post or emoji
  missing_channel,   // no channel id in the broadcast or the data
};
std::string_view to_string(ReactionDrop reason) noexcept;

std::optional<ReactionDrop> screen_reaction(const mattermost::ReactionEvent& event, std::string_view bot_id);

// `Mattermost reaction added: :<emoji>: by @<username> on post <postId> in channel <channelId>`
// (or `removed`); the user id stands in when the username is unknown.
std::string reaction_event_text(const mattermost::ReactionEvent& event, std::string_view username);

// `mattermost:reaction:<postId>:<emoji>:<userId>:<added|removed>`: the same reaction reported
// twice (a replay) is one event.
std::string reaction_context_key(const mattermost::ReactionEvent& event);

// System events waiting for the next turn of their session. Bounded: at most `per_session` events
// per session (the oldest go first) and `max_sessions` sessions (the least recently used go first),
// so a flood of reactions cannot grow memory.
class SystemEventQueue {
 public:
  struct Event {
    std::string key;  // reaction_context_key
    std::string text;
    bool operator==(const Event&) const = default;
  };

  explicit SystemEventQueue(std::size_t per_session = 20, std::size_t max_sessions = 1000)
      : per_session_(per_session), max_sessions_(max_sessions) {}

  // False when an event with the same key is already waiting in the session.
  bool push(std::string_view session_key, Event event);
  // Every waiting event of the session, oldest first; the session's queue is emptied.
  std::vector<Event> take(std::string_view session_key);
  [[nodiscard]] std::size_t size(std::string_view session_key) const;
  [[nodiscard]] std::size_t sessions() const { return queues_.size(); }

 private:
  std::size_t per_session_;
  std::size_t max_sessions_;
  std::uint64_t clock_ = 0;
  struct Queue {
    std::deque<Event> events;
    std::uint64_t used = 0;
  };
  std::map<std::string, Queue, std::less<>> queues_;
};

}  // namespace mmclaw::gateway

#pragma once
// Joining and leaving channels and teams with the events and system posts real servers
// produce (§2.8, §2.9). No permission checks here.

#include <cstdint>
#include <string_view>
#include <vector>

#include "mmsim/model/state.hpp"

namespace mmsim {

// Adds `user` to an O/P channel on behalf of `actor`: `user_added` then the system post
// (system_join_channel when actor == user, else system_add_to_channel) as a `posted`.
void join_channel(State& state, const Channel& channel, const User& user, const User& actor,
                  std::string_view post_root_id, std::int64_t now, std::vector<Event>& events);

// Removes `user`: `user_removed` to the channel and to the user, then the system post
// (system_leave_channel or system_remove_from_channel) for O/P channels.
void leave_channel(State& state, const Channel& channel, const User& user, const User& remover,
                   std::int64_t now, std::vector<Event>& events);

// Adds `user` to the team (`added_to_team` to the user); humans also join town-square.
void join_team(State& state, const Team& team, const User& user, std::int64_t now,
               std::vector<Event>& events);

}  // namespace mmsim

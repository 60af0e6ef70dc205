#include "mmsim/model/membership.hpp"

#include <boost/json/object.hpp>

#include "mmsim/model/events.hpp"
#include "mmsim/model/posts_core.hpp"

namespace mmsim {

namespace json = boost::json;

namespace {

void system_post(State& state, const Channel& channel, const User& author, std::string type,
                 std::string message, json::object props, std::string_view root_id, std::int64_t now,
                 std::vector<Event>& events) {
  NewPost post;
  post.user_id = author.id;
  post.channel_id = channel.id;
  post.type = std::move(type);
  post.message = std::move(message);
  post.props = std::move(props);
  const Post* root = state.post(root_id);
  if (root != nullptr && root->root_id.empty() && root->delete_at == 0 && root->channel_id == channel.id) {
    post.root_id = root_id;
  }
  (void)create_post(state, std::move(post), now, events);  // a full store only loses the notice
}

}  // namespace

void join_channel(State& state, const Channel& channel, const User& user, const User& actor,
                  std::string_view post_root_id, std::int64_t now, std::vector<Event>& events) {
  state.add_member(channel, user.id, now);
  events.push_back(channel_event("user_added", channel.id,
                                 json::object{{"team_id", channel.team_id}, {"user_id", user.id}}));
  if (channel.type != "O" && channel.type != "P") return;
  if (actor.id == user.id) {
    system_post(state, channel, user, "system_join_channel", user.username + " joined the channel.",
                json::object{{"username", user.username}}, post_root_id, now, events);
  } else {
    system_post(state, channel, actor, "system_add_to_channel",
                user.username + " added to the channel by " + actor.username + ".",
                json::object{{"userId", actor.id},
                             {"username", actor.username},
                             {"addedUserId", user.id},
                             {"addedUsername", user.username}},
                post_root_id, now, events);
  }
}

void leave_channel(State& state, const Channel& channel, const User& user, const User& remover,
                   std::int64_t now, std::vector<Event>& events) {
  state.remove_member(channel.id, user.id);
  events.push_back(channel_event("user_removed", channel.id,
                                 json::object{{"remover_id", remover.id}, {"user_id", user.id}}));
  events.push_back(user_event("user_removed", user.id,
                              json::object{{"channel_id", channel.id}, {"remover_id", remover.id}}));
  if (channel.type != "O" && channel.type != "P") return;
  if (remover.id == user.id) {
    system_post(state, channel, user, "system_leave_channel", user.username + " left the channel.",
                json::object{{"username", user.username}}, "", now, events);
  } else {
    system_post(state, channel, remover, "system_remove_from_channel",
                user.username + " was removed from the channel.",
                json::object{{"removedUserId", user.id}, {"removedUsername", user.username}}, "", now,
                events);
  }
}

void join_team(State& state, const Team& team, const User& user, std::int64_t now,
               std::vector<Event>& events) {
  state.add_team_member(team.id, user.id);
  events.push_back(
      user_event("added_to_team", user.id, json::object{{"team_id", team.id}, {"user_id", user.id}}));
  if (user.is_bot) return;  // bots are not put into default channels
  auto found = state.channel_by_name.find({team.id, "town-square"});
  if (found == state.channel_by_name.end()) return;
  const Channel* town_square = state.channel(found->second);
  if (town_square == nullptr || state.is_member(user.id, town_square->id)) return;
  state.add_member(*town_square, user.id, now);
  events.push_back(
      channel_event("user_added", town_square->id, json::object{{"team_id", team.id}, {"user_id", user.id}}));
  system_post(state, *town_square, user, "system_join_team", user.username + " joined the team.",
              json::object{{"username", user.username}}, "", now, events);
}

}  // namespace mmsim

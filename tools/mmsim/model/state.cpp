#include "mmsim/model/state.hpp"

#include <algorithm>

#include "mmsim/model/text.hpp"

namespace mmsim {

State::State(ModelConfig cfg, IdGenerator generator)
    : config(std::move(cfg)), ids(std::move(generator)), limiter(config.rate_limit) {}

std::string State::version_string() const {
  std::string hash = config.config_hash;
  if (hash.empty()) {
    hash = sha1_hex("mmsim|" + config.server_version + "|" + config.build_number + "|" + config.site_url)
               .substr(0, 32);
  }
  return config.server_version + "." + config.build_number + "." + hash + "." +
         (config.licensed ? "true" : "false");
}

const User* State::user(std::string_view id) const {
  auto found = users.find(id);
  return found == users.end() ? nullptr : &found->second;
}

const User* State::user_by_username(std::string_view username) const {
  auto found = user_by_name.find(username);
  return found == user_by_name.end() ? nullptr : user(found->second);
}

const Team* State::team(std::string_view id) const {
  auto found = teams.find(id);
  return found == teams.end() ? nullptr : &found->second;
}

const Channel* State::channel(std::string_view id) const {
  auto found = channels.find(id);
  return found == channels.end() ? nullptr : &found->second;
}

Channel* State::channel_mut(std::string_view id) {
  auto found = channels.find(id);
  return found == channels.end() ? nullptr : &found->second;
}

const Post* State::post(std::string_view id) const {
  auto found = posts.find(id);
  return found == posts.end() ? nullptr : &found->second;
}

Post* State::post_mut(std::string_view id) {
  auto found = posts.find(id);
  return found == posts.end() ? nullptr : &found->second;
}

const ChannelMember* State::member(std::string_view channel_id, std::string_view user_id) const {
  auto found = channel_members.find(channel_id);
  if (found == channel_members.end()) return nullptr;
  auto member_it = found->second.find(user_id);
  return member_it == found->second.end() ? nullptr : &member_it->second;
}

ChannelMember* State::member_mut(std::string_view channel_id, std::string_view user_id) {
  return const_cast<ChannelMember*>(static_cast<const State*>(this)->member(channel_id, user_id));
}

bool State::is_admin(const User& user) const {
  std::string_view roles = user.roles;
  while (!roles.empty()) {
    const std::size_t space = roles.find(' ');
    if (roles.substr(0, space) == "system_admin") return true;
    roles = space == std::string_view::npos ? std::string_view{} : roles.substr(space + 1);
  }
  return false;
}

bool State::is_team_member(std::string_view user_id, std::string_view team_id) const {
  auto found = team_members.find({std::string(team_id), std::string(user_id)});
  return found != team_members.end() && found->second.delete_at == 0;
}

bool State::is_team_admin(std::string_view user_id, std::string_view team_id) const {
  auto found = team_members.find({std::string(team_id), std::string(user_id)});
  return found != team_members.end() && found->second.delete_at == 0 && found->second.scheme_admin;
}

bool State::can_read_channel(const User& user, const Channel& channel) const {
  if (is_admin(user) || is_member(user.id, channel.id)) return true;
  return channel.type == "O" && is_team_member(user.id, channel.team_id);
}

bool State::can_create_post(const User& user, const Channel& channel) const {
  return can_read_channel(user, channel);
}

bool State::has_channel_role(const User& user, const Channel& channel) const {
  return is_admin(user) || is_member(user.id, channel.id);
}

TeamMember& State::add_team_member(std::string_view team_id, std::string_view user_id) {
  TeamMember& member = team_members[{std::string(team_id), std::string(user_id)}];
  member.team_id = team_id;
  member.user_id = user_id;
  member.delete_at = 0;
  return member;
}

ChannelMember& State::add_member(const Channel& channel, std::string_view user_id, std::int64_t now) {
  auto& members = channel_members[channel.id];
  auto found = members.find(user_id);
  if (found != members.end()) return found->second;
  ChannelMember member;
  member.channel_id = channel.id;
  member.user_id = user_id;
  member.last_viewed_at = now;
  member.msg_count = channel.total_msg_count;
  member.msg_count_root = channel.total_msg_count_root;
  member.last_update_at = now;
  user_channels[std::string(user_id)].insert(channel.id);
  return members.emplace(std::string(user_id), std::move(member)).first->second;
}

void State::remove_member(std::string_view channel_id, std::string_view user_id) {
  auto found = channel_members.find(channel_id);
  if (found != channel_members.end()) {
    auto member_it = found->second.find(user_id);
    if (member_it != found->second.end()) found->second.erase(member_it);
  }
  auto user_it = user_channels.find(user_id);
  if (user_it != user_channels.end()) user_it->second.erase(std::string(channel_id));
}

Channel& State::insert_channel(Channel channel) {
  const std::string id = channel.id;
  channel_by_name[{channel.team_id, channel.name}] = id;
  channel_order.push_back(id);
  channel_members[id];
  return channels.emplace(id, std::move(channel)).first->second;
}

namespace {

void insert_sorted(const State& state, std::vector<std::string>& ids, const Post& post) {
  auto position =
      std::upper_bound(ids.begin(), ids.end(), post, [&state](const Post& p, const std::string& id) {
        const Post* other = state.post(id);
        return std::pair(p.create_at, p.id) < std::pair(other->create_at, other->id);
      });
  ids.insert(position, post.id);
}

}  // namespace

Post& State::insert_post(Post post) {
  const std::string id = post.id;
  Post& stored = posts.emplace(id, std::move(post)).first->second;
  post_order.push_back(id);
  insert_sorted(*this, channel_posts[stored.channel_id], stored);
  if (!stored.root_id.empty()) insert_sorted(*this, thread_replies[stored.root_id], stored);
  return stored;
}

std::string direct_channel_name(std::string_view a, std::string_view b) {
  return a < b ? std::string(a) + "__" + std::string(b) : std::string(b) + "__" + std::string(a);
}

std::string group_channel_name(std::vector<std::string> member_ids) {
  std::sort(member_ids.begin(), member_ids.end());
  std::string joined;
  for (const auto& id : member_ids) joined += id;
  return sha1_hex(joined);
}

}  // namespace mmsim

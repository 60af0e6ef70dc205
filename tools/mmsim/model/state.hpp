#pragma once
// The model's state and the small queries every route needs (membership, permissions).
// Internal to the model library.

#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "mmsim/model/model.hpp"

namespace mmsim {

// An integration call waiting for complete_integration().
struct PendingCall {
  std::uint64_t id = 0;
  IntegrationCall::Kind kind = IntegrationCall::Kind::slash_command;
  std::string request_id;
  HeaderList extra_headers;  // rate-limit headers of the request that made the call
  std::string user_id;
  std::string channel_id;
  std::string team_id;
  std::string root_id;
  std::string command_id;  // slash commands
  std::string trigger;
  std::string post_id;  // post actions
  std::string trigger_id;
};

// A slash command's response_url (valid 30 minutes, 5 uses).
struct CommandWebhook {
  std::string id;
  std::string command_id;
  std::string user_id;
  std::string channel_id;
  std::string team_id;
  std::string root_id;
  std::string trigger;
  std::int64_t create_at = 0;
  int use_count = 0;
};

struct State {
  State(ModelConfig cfg, IdGenerator generator);

  ModelConfig config;
  IdGenerator ids;
  RateLimiter limiter;

  std::map<std::string, User, std::less<>> users;
  std::vector<std::string> user_order;
  std::map<std::string, std::string, std::less<>> user_by_name;
  std::map<std::string, Token, std::less<>> tokens;  // by token value
  std::vector<std::string> token_order;

  std::map<std::string, Team, std::less<>> teams;
  std::vector<std::string> team_order;
  std::map<std::string, std::string, std::less<>> team_by_name;
  std::map<std::pair<std::string, std::string>, TeamMember> team_members;  // (team, user)

  std::map<std::string, Channel, std::less<>> channels;
  std::vector<std::string> channel_order;
  std::map<std::pair<std::string, std::string>, std::string> channel_by_name;  // (team or "", name)
  std::map<std::string, std::map<std::string, ChannelMember, std::less<>>, std::less<>> channel_members;
  std::map<std::string, std::set<std::string>, std::less<>> user_channels;

  std::map<std::string, Post, std::less<>> posts;
  std::vector<std::string> post_order;
  std::map<std::string, std::vector<std::string>, std::less<>> channel_posts;   // by (create_at, id)
  std::map<std::string, std::vector<std::string>, std::less<>> thread_replies;  // root -> replies
  std::map<std::string, std::vector<Reaction>, std::less<>> reactions;          // post -> all
  // pending_post_id dedupe: (user, pending id) -> (post id, time), and the keys oldest first.
  std::map<std::pair<std::string, std::string>, std::pair<std::string, std::int64_t>> pending_posts;
  std::deque<std::pair<std::int64_t, std::pair<std::string, std::string>>> pending_post_order;

  std::map<std::string, FileRecord, std::less<>> files;
  std::vector<std::string> file_order;
  std::int64_t file_bytes = 0;

  std::map<std::string, Command, std::less<>> commands;
  std::vector<std::string> command_order;
  std::map<std::string, CommandWebhook, std::less<>> command_webhooks;
  std::map<std::uint64_t, PendingCall> pending_calls;
  std::uint64_t next_call_id = 1;

  std::string new_id() { return ids(); }
  std::string version_string() const;

  const User* user(std::string_view id) const;
  const User* user_by_username(std::string_view username) const;
  const Team* team(std::string_view id) const;
  const Channel* channel(std::string_view id) const;
  Channel* channel_mut(std::string_view id);
  const Post* post(std::string_view id) const;  // deleted included
  Post* post_mut(std::string_view id);
  const ChannelMember* member(std::string_view channel_id, std::string_view user_id) const;
  ChannelMember* member_mut(std::string_view channel_id, std::string_view user_id);

  bool is_admin(const User& user) const;
  bool is_team_member(std::string_view user_id, std::string_view team_id) const;
  bool is_team_admin(std::string_view user_id, std::string_view team_id) const;
  bool is_member(std::string_view user_id, std::string_view channel_id) const {
    return member(channel_id, user_id);
  }
  // read_channel, or a public channel of a team the user belongs to (read_public_channel).
  bool can_read_channel(const User& user, const Channel& channel) const;
  // create_post, or a public channel of the user's team (create_post_public).
  bool can_create_post(const User& user, const Channel& channel) const;
  // Channel-member permissions (add_reaction, upload_file, use_slash_commands, ...).
  bool has_channel_role(const User& user, const Channel& channel) const;

  // Membership changes (no permission checks, no events).
  TeamMember& add_team_member(std::string_view team_id, std::string_view user_id);
  ChannelMember& add_member(const Channel& channel, std::string_view user_id, std::int64_t now);
  void remove_member(std::string_view channel_id, std::string_view user_id);

  // Inserts a new channel; the caller has validated names.
  Channel& insert_channel(Channel channel);
  // Inserts a new post keeping the per-channel and per-thread orders.
  Post& insert_post(Post post);
};

// A direct or group channel's name for these members.
std::string direct_channel_name(std::string_view a, std::string_view b);
std::string group_channel_name(std::vector<std::string> member_ids);

}  // namespace mmsim

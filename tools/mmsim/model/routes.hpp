#pragma once
// REST v4 route handlers (one file per area). Internal to the model library.

#include "mmsim/model/context.hpp"

namespace mmsim {

// routes_system.cpp
Outcome get_ping(Ctx& ctx);

// routes_users.cpp
Outcome get_user(Ctx& ctx);
Outcome get_user_by_username(Ctx& ctx);
Outcome post_users_ids(Ctx& ctx);
Outcome post_users_usernames(Ctx& ctx);
Outcome post_users_search(Ctx& ctx);
Outcome get_user_teams(Ctx& ctx);
Outcome get_user_team_members(Ctx& ctx);
Outcome get_user_channels(Ctx& ctx);
Outcome get_user_team_channels(Ctx& ctx);
Outcome post_user_typing(Ctx& ctx);

// routes_teams.cpp
Outcome get_team(Ctx& ctx);
Outcome get_team_by_name(Ctx& ctx);
Outcome get_team_members(Ctx& ctx);
Outcome post_team_member(Ctx& ctx);

// routes_channels.cpp
Outcome get_channel(Ctx& ctx);
Outcome get_channel_by_name(Ctx& ctx);
Outcome get_channel_by_team_name(Ctx& ctx);
Outcome post_direct_channel(Ctx& ctx);
Outcome post_group_channel(Ctx& ctx);
Outcome get_channel_members(Ctx& ctx);
Outcome get_channel_member(Ctx& ctx);
Outcome post_channel_member(Ctx& ctx);
Outcome delete_channel_member(Ctx& ctx);
Outcome post_channel_view(Ctx& ctx);

// routes_posts.cpp
Outcome post_create(Ctx& ctx);
Outcome get_post(Ctx& ctx);
Outcome put_post(Ctx& ctx);
Outcome put_post_patch(Ctx& ctx);
Outcome delete_post_route(Ctx& ctx);
Outcome post_posts_ids(Ctx& ctx);

// routes_post_lists.cpp
Outcome get_post_thread(Ctx& ctx);
Outcome get_channel_posts(Ctx& ctx);

// routes_reactions.cpp
Outcome post_reaction(Ctx& ctx);
Outcome delete_reaction(Ctx& ctx);
Outcome get_post_reactions(Ctx& ctx);

// routes_files.cpp
Outcome post_files(Ctx& ctx);
Outcome get_file(Ctx& ctx);
Outcome get_file_info(Ctx& ctx);

// routes_commands.cpp
Outcome get_commands(Ctx& ctx);
Outcome get_command(Ctx& ctx);
Outcome post_command(Ctx& ctx);
Outcome put_command(Ctx& ctx);
Outcome delete_command(Ctx& ctx);
Outcome put_command_regen_token(Ctx& ctx);
Outcome post_command_execute(Ctx& ctx);
Outcome post_command_webhook(Ctx& ctx);

// routes_actions.cpp
Outcome post_action(Ctx& ctx);

}  // namespace mmsim

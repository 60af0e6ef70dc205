#pragma once
// Wire shapes of the stored objects (protocol reference §0), keys in the Go structs' order.

#include <string>
#include <string_view>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "mmsim/model/state.hpp"

namespace mmsim {

boost::json::object user_json(const State& state, const User& user, bool self);
boost::json::object team_json(const Team& team, bool sanitize);
boost::json::object team_member_json(const TeamMember& member);
boost::json::object channel_json(const Channel& channel);
boost::json::object channel_member_json(const ChannelMember& member);
boost::json::object reaction_json(const Reaction& reaction);
boost::json::object file_info_json(const FileRecord& file);
boost::json::object command_json(const Command& command, bool sanitize);

enum class PostShape {
  client,   // REST answers and posted/post_edited events: metadata with files and reactions
  deleted,  // post_deleted events: the stored post, no metadata
};
// The post as clients see it: action integrations stripped, reply_count of its thread.
// `with_pending` keeps pending_post_id (create response and its posted event only).
boost::json::object post_json(const State& state, const Post& post, PostShape shape = PostShape::client,
                              bool with_pending = false);

// props.attachments[].actions[]: drop `integration` (StripActionIntegrations).
void strip_action_integrations(boost::json::object& props);
// props.attachments[].actions[]: give actions without an id a new one (GenerateActionIds).
void generate_action_ids(State& state, boost::json::object& props);
// The first action with this id, or nullptr.
const boost::json::object* find_action(const boost::json::object& props, std::string_view action_id);

std::string to_json(const boost::json::value& value);

}  // namespace mmsim

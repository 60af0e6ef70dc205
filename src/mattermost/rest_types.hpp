#pragma once
// Mattermost REST v4 objects the gateway reads besides posts (protocol reference §0), and their
// decoding from response bodies. Pure: JSON in, structs or a reason out. Unknown fields are
// ignored; absent or null fields keep their defaults; a present field of the wrong JSON type is an
// error (Error::permanent naming the object and the field, never its value).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/fwd.hpp>

#include "mattermost/types.hpp"
#include "util/error.hpp"

namespace mmclaw::mattermost {

struct User {
  std::string id;
  std::string username;
  std::string first_name;
  std::string last_name;
  std::string nickname;
  std::string roles;
  bool is_bot = false;
  std::int64_t update_at = 0;
  std::int64_t delete_at = 0;
  bool operator==(const User&) const = default;
};

struct Channel {
  std::string id;
  std::optional<ChannelType> type;  // nullopt when the code is not D/G/P/O
  std::string type_code;            // as sent
  std::string name;
  std::string display_name;
  std::string team_id;  // "" for D and G
  std::int64_t update_at = 0;
  std::int64_t delete_at = 0;
  std::int64_t last_post_at = 0;
  bool operator==(const Channel&) const = default;
};

struct Team {
  std::string id;
  std::string name;
  std::string display_name;
  bool operator==(const Team&) const = default;
};

struct TeamMember {
  std::string team_id;
  std::string user_id;
  std::string roles;
  std::int64_t delete_at = 0;
  bool operator==(const TeamMember&) const = default;
};

// GET /channels/{id}/posts and GET /posts/{id}/thread: the `posts` map flattened in `order`
// (newest first, as the server sends it); posts of the map missing from `order` are appended.
struct PostList {
  std::vector<Post> posts;
  std::string next_post_id;
  std::string prev_post_id;
  bool has_next = false;
};

struct FileInfo {
  std::string id;
  std::string name;
  std::string extension;
  std::string mime_type;
  std::int64_t size = 0;
  std::string post_id;
  std::string channel_id;
  bool operator==(const FileInfo&) const = default;
};

// A slash command registration (protocol reference §6).
struct SlashCommand {
  std::string id;
  std::string token;  // secret: never logged
  std::string team_id;
  std::string creator_id;
  std::string trigger;
  std::string method;  // "P" or "G"
  std::string url;
  std::string display_name;
  std::string description;
  std::string auto_complete_desc;
  std::string auto_complete_hint;
  std::string username;
  std::string icon_url;
  bool auto_complete = false;
  std::int64_t delete_at = 0;
  bool operator==(const SlashCommand&) const = default;
};

Result<User> user_from_json(const boost::json::value& v);
Result<std::vector<User>> users_from_json(const boost::json::value& v);
Result<Channel> channel_from_json(const boost::json::value& v);
Result<std::vector<Channel>> channels_from_json(const boost::json::value& v);
Result<Team> team_from_json(const boost::json::value& v);
Result<std::vector<Team>> teams_from_json(const boost::json::value& v);
Result<std::vector<TeamMember>> team_members_from_json(const boost::json::value& v);
Result<PostList> post_list_from_json(const boost::json::value& v);
Result<Post> rest_post_from_json(const boost::json::value& v);
Result<FileInfo> file_info_from_json(const boost::json::value& v);
// POST /files answers {"file_infos":[...],"client_ids":[...]}.
Result<std::vector<FileInfo>> file_infos_from_upload_json(const boost::json::value& v);
Result<SlashCommand> slash_command_from_json(const boost::json::value& v);
Result<std::vector<SlashCommand>> slash_commands_from_json(const boost::json::value& v);
boost::json::object to_json(const SlashCommand& command);

}  // namespace mmclaw::mattermost

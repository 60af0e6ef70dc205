#pragma once
// mmsim's state as plain records (protocol reference §0). These are the stored objects; their
// wire shapes are produced by json_shapes.hpp. Timestamps are milliseconds since the epoch.

#include <cstdint>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

namespace mmsim {

struct User {
  std::string id;
  std::int64_t create_at = 0;
  std::int64_t update_at = 0;
  std::int64_t delete_at = 0;
  std::string username;  // lower-case
  std::string email;
  std::string nickname;
  std::string first_name;
  std::string last_name;
  std::string position;
  std::string roles = "system_user";  // space-separated, e.g. "system_user system_admin"
  std::string locale = "en";
  bool is_bot = false;
  std::string bot_description;
};

// A credential. Personal access tokens (and every token of a bot) make an "integration"
// session; `session` tokens stand for a human's login session (web/mobile app).
struct Token {
  std::string token;
  std::string id;
  std::string user_id;
  std::string description;
  bool session = false;
};

struct Team {
  std::string id;
  std::int64_t create_at = 0;
  std::int64_t update_at = 0;
  std::int64_t delete_at = 0;
  std::string display_name;
  std::string name;
  std::string description;
  std::string email;
  std::string type = "O";  // "O" open, "I" invite only
  std::string company_name;
  std::string allowed_domains;
  std::string invite_id;
  bool allow_open_invite = false;
};

struct TeamMember {
  std::string team_id;
  std::string user_id;
  std::int64_t delete_at = 0;
  bool scheme_admin = false;
};

struct Channel {
  std::string id;
  std::int64_t create_at = 0;
  std::int64_t update_at = 0;
  std::int64_t delete_at = 0;
  std::string team_id;  // "" for D and G
  std::string type;     // "O", "P", "D", "G"
  std::string display_name;
  std::string name;
  std::string header;
  std::string purpose;
  std::int64_t last_post_at = 0;
  std::int64_t last_root_post_at = 0;
  std::int64_t total_msg_count = 0;
  std::int64_t total_msg_count_root = 0;
  std::string creator_id;
};

struct ChannelMember {
  std::string channel_id;
  std::string user_id;
  bool scheme_admin = false;
  std::int64_t last_viewed_at = 0;
  std::int64_t msg_count = 0;
  std::int64_t msg_count_root = 0;
  std::int64_t mention_count = 0;
  std::int64_t mention_count_root = 0;
  std::int64_t last_update_at = 0;
};

// One state of a post: the original (cause "create") and the state after every later change.
struct PostVersion {
  std::int64_t at = 0;
  std::string cause;  // "create", "update" (PUT), "patch", "action" (button update), "delete"
  std::string message;
  boost::json::object props;
  std::vector<std::string> file_ids;
  bool is_pinned = false;
};

struct Post {
  std::string id;
  std::int64_t create_at = 0;
  std::int64_t update_at = 0;
  std::int64_t edit_at = 0;
  std::int64_t delete_at = 0;
  bool is_pinned = false;
  std::string user_id;
  std::string channel_id;
  std::string root_id;  // always the thread root, "" for roots
  std::string original_id;
  std::string message;
  std::string type;
  boost::json::object props;  // as stored: action integrations are kept here, stripped on output
  std::string hashtags;
  std::vector<std::string> file_ids;
  std::string pending_post_id;  // echoed only by the create response and its `posted` event
  bool has_reactions = false;
  std::int64_t reply_count = 0;      // kept on roots: replies not deleted
  std::int64_t last_reply_at = 0;    // kept on roots
  std::vector<PostVersion> history;  // oldest first; bounded by ModelConfig::max_post_versions
};

struct Reaction {
  std::string user_id;
  std::string post_id;
  std::string emoji_name;
  std::string channel_id;
  std::int64_t create_at = 0;
  std::int64_t update_at = 0;
  std::int64_t delete_at = 0;
};

struct FileRecord {
  std::string id;
  std::string user_id;  // uploader (CreatorId)
  std::string post_id;  // "" until attached
  std::string channel_id;
  std::int64_t create_at = 0;
  std::int64_t update_at = 0;
  std::int64_t delete_at = 0;
  std::string name;
  std::string extension;  // lower-case, no dot
  std::int64_t size = 0;
  std::string mime_type;
  int width = 0;
  int height = 0;
  bool has_preview_image = false;
  std::string bytes;
};

struct Command {
  std::string id;
  std::string token;
  std::int64_t create_at = 0;
  std::int64_t update_at = 0;
  std::int64_t delete_at = 0;
  std::string creator_id;
  std::string team_id;
  std::string trigger;
  std::string method = "P";  // "P" POST, "G" GET
  std::string username;
  std::string icon_url;
  bool auto_complete = false;
  std::string auto_complete_desc;
  std::string auto_complete_hint;
  std::string display_name;
  std::string description;
  std::string url;
};

}  // namespace mmsim

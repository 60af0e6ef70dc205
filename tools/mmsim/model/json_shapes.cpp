#include "mmsim/model/json_shapes.hpp"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

namespace mmsim {

namespace json = boost::json;

boost::json::object user_json(const State&, const User& user, bool self) {
  json::object out;
  out["id"] = user.id;
  if (user.create_at != 0) out["create_at"] = user.create_at;
  if (user.update_at != 0) out["update_at"] = user.update_at;
  out["delete_at"] = user.delete_at;
  out["username"] = user.username;
  out["auth_service"] = "";
  out["email"] = user.email;
  if (self) out["email_verified"] = true;
  out["nickname"] = user.nickname;
  out["first_name"] = user.first_name;
  out["last_name"] = user.last_name;
  out["position"] = user.position;
  out["roles"] = user.roles;
  if (self) {
    out["notify_props"] =
        json::object{{"channel", "true"},       {"comments", "never"}, {"desktop", "mention"},
                     {"desktop_sound", "true"}, {"email", "true"},     {"first_name", "false"},
                     {"mention_keys", ""},      {"push", "mention"},   {"push_status", "online"}};
    if (user.create_at != 0) out["last_password_update"] = user.create_at;
  }
  out["locale"] = user.locale;
  out["timezone"] =
      json::object{{"automaticTimezone", ""}, {"manualTimezone", ""}, {"useAutomaticTimezone", "true"}};
  if (user.is_bot) out["is_bot"] = true;
  if (!user.bot_description.empty()) out["bot_description"] = user.bot_description;
  out["disable_welcome_email"] = false;
  return out;
}

boost::json::object team_json(const Team& team, bool sanitize) {
  json::object out;
  out["id"] = team.id;
  out["create_at"] = team.create_at;
  out["update_at"] = team.update_at;
  out["delete_at"] = team.delete_at;
  out["display_name"] = team.display_name;
  out["name"] = team.name;
  out["description"] = team.description;
  out["email"] = sanitize ? "" : team.email;
  out["type"] = team.type;
  out["company_name"] = team.company_name;
  out["allowed_domains"] = team.allowed_domains;
  out["invite_id"] = sanitize ? "" : team.invite_id;
  out["allow_open_invite"] = team.allow_open_invite;
  out["last_team_icon_update"] = 0;
  out["scheme_id"] = nullptr;
  out["group_constrained"] = nullptr;
  out["policy_id"] = nullptr;
  return out;
}

boost::json::object team_member_json(const TeamMember& member) {
  json::object out;
  out["team_id"] = member.team_id;
  out["user_id"] = member.user_id;
  out["roles"] = member.scheme_admin ? "team_user team_admin" : "team_user";
  out["delete_at"] = member.delete_at;
  out["scheme_guest"] = false;
  out["scheme_user"] = true;
  out["scheme_admin"] = member.scheme_admin;
  out["explicit_roles"] = "";
  return out;
}

boost::json::object channel_json(const Channel& channel) {
  json::object out;
  out["id"] = channel.id;
  out["create_at"] = channel.create_at;
  out["update_at"] = channel.update_at;
  out["delete_at"] = channel.delete_at;
  out["team_id"] = channel.team_id;
  out["type"] = channel.type;
  out["display_name"] = channel.display_name;
  out["name"] = channel.name;
  out["header"] = channel.header;
  out["purpose"] = channel.purpose;
  out["last_post_at"] = channel.last_post_at;
  out["total_msg_count"] = channel.total_msg_count;
  out["extra_update_at"] = 0;
  out["creator_id"] = channel.creator_id;
  out["scheme_id"] = nullptr;
  out["props"] = nullptr;
  out["group_constrained"] = nullptr;
  out["shared"] = nullptr;
  out["total_msg_count_root"] = channel.total_msg_count_root;
  out["policy_id"] = nullptr;
  out["last_root_post_at"] = channel.last_root_post_at;
  return out;
}

boost::json::object channel_member_json(const ChannelMember& member) {
  json::object out;
  out["channel_id"] = member.channel_id;
  out["user_id"] = member.user_id;
  out["roles"] = member.scheme_admin ? "channel_user channel_admin" : "channel_user";
  out["last_viewed_at"] = member.last_viewed_at;
  out["msg_count"] = member.msg_count;
  out["mention_count"] = member.mention_count;
  out["mention_count_root"] = member.mention_count_root;
  out["urgent_mention_count"] = 0;
  out["msg_count_root"] = member.msg_count_root;
  out["notify_props"] = json::object{{"desktop", "default"},
                                     {"email", "default"},
                                     {"ignore_channel_mentions", "default"},
                                     {"mark_unread", "all"},
                                     {"push", "default"}};
  out["last_update_at"] = member.last_update_at;
  out["scheme_guest"] = false;
  out["scheme_user"] = true;
  out["scheme_admin"] = member.scheme_admin;
  out["explicit_roles"] = "";
  return out;
}

boost::json::object reaction_json(const Reaction& reaction) {
  json::object out;
  out["user_id"] = reaction.user_id;
  out["post_id"] = reaction.post_id;
  out["emoji_name"] = reaction.emoji_name;
  out["create_at"] = reaction.create_at;
  out["update_at"] = reaction.update_at;
  out["delete_at"] = reaction.delete_at;
  out["remote_id"] = "";
  out["channel_id"] = reaction.channel_id;
  return out;
}

boost::json::object file_info_json(const FileRecord& file) {
  json::object out;
  out["id"] = file.id;
  out["user_id"] = file.user_id;
  if (!file.post_id.empty()) out["post_id"] = file.post_id;
  out["channel_id"] = file.channel_id;
  out["create_at"] = file.create_at;
  out["update_at"] = file.update_at;
  out["delete_at"] = file.delete_at;
  out["name"] = file.name;
  out["extension"] = file.extension;
  out["size"] = file.size;
  out["mime_type"] = file.mime_type;
  if (file.width != 0) out["width"] = file.width;
  if (file.height != 0) out["height"] = file.height;
  if (file.has_preview_image) out["has_preview_image"] = true;
  out["mini_preview"] = nullptr;
  out["remote_id"] = "";
  out["archived"] = false;
  return out;
}

boost::json::object command_json(const Command& command, bool sanitize) {
  json::object out;
  out["id"] = command.id;
  out["token"] = sanitize ? "" : command.token;
  out["create_at"] = command.create_at;
  out["update_at"] = command.update_at;
  out["delete_at"] = command.delete_at;
  out["creator_id"] = sanitize ? "" : command.creator_id;
  out["team_id"] = command.team_id;
  out["trigger"] = command.trigger;
  out["method"] = sanitize ? "" : command.method;
  out["username"] = sanitize ? "" : command.username;
  out["icon_url"] = sanitize ? "" : command.icon_url;
  out["auto_complete"] = command.auto_complete;
  out["auto_complete_desc"] = command.auto_complete_desc;
  out["auto_complete_hint"] = command.auto_complete_hint;
  out["display_name"] = command.display_name;
  out["description"] = command.description;
  out["url"] = sanitize ? "" : command.url;
  out["plugin_id"] = "";
  return out;
}

namespace {

template <class Fn>
void for_each_action(json::object& props, Fn&& fn) {
  auto* attachments = props.if_contains("attachments");
  if (attachments == nullptr || !attachments->is_array()) return;
  for (auto& attachment : attachments->get_array()) {
    if (!attachment.is_object()) continue;
    auto* actions = attachment.get_object().if_contains("actions");
    if (actions == nullptr || !actions->is_array()) continue;
    for (auto& action : actions->get_array()) {
      if (action.is_object()) fn(action.get_object());
    }
  }
}

}  // namespace

void strip_action_integrations(boost::json::object& props) {
  for_each_action(props, [](json::object& action) { action.erase("integration"); });
}

void generate_action_ids(State& state, boost::json::object& props) {
  for_each_action(props, [&state](json::object& action) {
    const auto* id = action.if_contains("id");
    if (id == nullptr || id->is_null() || (id->is_string() && id->get_string().empty()))
      action["id"] = state.new_id();
  });
}

const boost::json::object* find_action(const boost::json::object& props, std::string_view action_id) {
  const json::object* found = nullptr;
  for_each_action(const_cast<json::object&>(props), [&](json::object& action) {
    if (found != nullptr) return;
    const auto* id = action.if_contains("id");
    if (id != nullptr && id->is_string() && id->get_string() == action_id) found = &action;
  });
  return found;
}

boost::json::object post_json(const State& state, const Post& post, PostShape shape, bool with_pending) {
  const Post* root = post.root_id.empty() ? &post : state.post(post.root_id);
  json::object out;
  out["id"] = post.id;
  out["create_at"] = post.create_at;
  out["update_at"] = post.update_at;
  out["edit_at"] = post.edit_at;
  out["delete_at"] = post.delete_at;
  out["is_pinned"] = post.is_pinned;
  out["user_id"] = post.user_id;
  out["channel_id"] = post.channel_id;
  out["root_id"] = post.root_id;
  out["original_id"] = post.original_id;
  out["message"] = post.message;
  out["type"] = post.type;
  json::object props = post.props;
  strip_action_integrations(props);
  out["props"] = std::move(props);
  out["hashtags"] = post.hashtags;
  json::array file_ids;
  for (const auto& id : post.file_ids) file_ids.emplace_back(id);
  out["file_ids"] = std::move(file_ids);
  out["pending_post_id"] = with_pending ? post.pending_post_id : std::string();
  if (post.has_reactions) out["has_reactions"] = true;
  out["reply_count"] = root != nullptr ? root->reply_count : 0;
  out["last_reply_at"] = post.root_id.empty() ? post.last_reply_at : 0;
  out["participants"] = nullptr;
  if (shape == PostShape::client) {
    json::object metadata;
    if (!post.file_ids.empty()) {
      json::array files;
      for (const auto& id : post.file_ids) {
        auto found = state.files.find(id);
        if (found != state.files.end() && found->second.delete_at == 0)
          files.push_back(file_info_json(found->second));
      }
      if (!files.empty()) metadata["files"] = std::move(files);
    }
    auto reactions = state.reactions.find(post.id);
    if (reactions != state.reactions.end()) {
      json::array list;
      for (const auto& reaction : reactions->second) {
        if (reaction.delete_at == 0) list.push_back(reaction_json(reaction));
      }
      if (!list.empty()) metadata["reactions"] = std::move(list);
    }
    out["metadata"] = std::move(metadata);
  }
  return out;
}

std::string to_json(const boost::json::value& value) {
  return json::serialize(value);
}

}  // namespace mmsim

#include "mmsim/model/posts_core.hpp"

#include <algorithm>
#include <iterator>

#include <boost/json/array.hpp>

#include "mmsim/model/events.hpp"
#include "mmsim/model/ids.hpp"
#include "mmsim/model/json_shapes.hpp"
#include "mmsim/model/text.hpp"

namespace mmsim {

namespace json = boost::json;

bool is_valid_post_type(std::string_view type) {
  static constexpr std::string_view kTypes[] = {
      "",
      "slack_attachment",
      "system_generic",
      "system_join_leave",
      "system_join_channel",
      "system_guest_join_channel",
      "system_leave_channel",
      "system_join_team",
      "system_leave_team",
      "system_auto_responder",
      "system_add_remove",
      "system_add_to_channel",
      "system_add_guest_to_chan",
      "system_remove_from_channel",
      "system_move_channel",
      "system_add_to_team",
      "system_remove_from_team",
      "system_header_change",
      "system_displayname_change",
      "system_convert_channel",
      "system_purpose_change",
      "system_channel_deleted",
      "system_channel_restored",
      "system_ephemeral",
      "system_change_chan_privacy",
      "system_wrangler",
      "system_gm_to_channel",
      "add_bot_teams_channels",
      "me",
      "reminder",
      "burn_on_read",
      "card",
      "system_team_abac_removal",
      "system_team_abac_addition",
      "system_autotranslation",
      "system_shared_chan_state",
  };
  if (std::find(std::begin(kTypes), std::end(kTypes), type) != std::end(kTypes)) return true;
  return type.starts_with("custom_");
}

namespace {

std::size_t file_ids_runes(const std::vector<std::string>& ids) {
  json::array array;
  for (const auto& id : ids) array.emplace_back(id);
  return rune_count(to_json(array));
}

std::expected<void, AppError> validate_content(const std::string& message, const json::object& props,
                                               const std::vector<std::string>& file_ids) {
  if (rune_count(message) > kPostMessageMaxRunes) {
    return std::unexpected(AppError::make(400, "model.post.is_valid.message_length.app_error"));
  }
  if (file_ids_runes(file_ids) > kPostFileIdsMaxRunes) {
    return std::unexpected(AppError::make(400, "model.post.is_valid.file_ids.app_error"));
  }
  if (rune_count(to_json(props)) > kPostPropsMaxRunes) {
    return std::unexpected(AppError::make(400, "model.post.is_valid.props.app_error"));
  }
  return {};
}

void push_version(const State& state, Post& post, std::string_view cause, std::int64_t at) {
  PostVersion version;
  version.at = at;
  version.cause = cause;
  version.message = post.message;
  version.props = post.props;
  version.file_ids = post.file_ids;
  version.is_pinned = post.is_pinned;
  post.history.push_back(std::move(version));
  const std::size_t cap = std::max<std::size_t>(1, state.config.max_post_versions);
  if (post.history.size() > cap)
    post.history.erase(post.history.begin(), post.history.end() - static_cast<long>(cap));
}

// Files the author may attach: uploaded by them to this channel, not attached yet.
std::vector<std::string> attachable_files(State& state, const Post& post,
                                          const std::vector<std::string>& ids) {
  std::vector<std::string> out;
  for (const auto& id : ids) {
    auto found = state.files.find(id);
    if (found == state.files.end()) continue;
    const FileRecord& file = found->second;
    const bool already_ours = file.post_id == post.id;
    const bool free = file.post_id.empty() && file.delete_at == 0 && file.user_id == post.user_id &&
                      file.channel_id == post.channel_id;
    if ((already_ours || free) && std::find(out.begin(), out.end(), id) == out.end()) out.push_back(id);
  }
  return out;
}

void attach_files(State& state, const Post& post, std::int64_t now) {
  for (const auto& id : post.file_ids) {
    FileRecord& file = state.files.at(id);
    if (file.post_id != post.id) {
      file.post_id = post.id;
      file.update_at = now;
    }
  }
}

void notify_not_in_channel(State& state, const Post& post, const std::vector<std::string>& user_ids,
                           std::int64_t now, std::vector<Event>& events) {
  // Real servers tell the author who was mentioned but will not be notified (props
  // add_channel_member), as an ephemeral post in the same thread.
  json::array usernames;
  json::array ids;
  std::string names;
  for (const auto& id : user_ids) {
    const User* user = state.user(id);
    if (user == nullptr) continue;
    usernames.emplace_back(user->username);
    ids.emplace_back(user->id);
    if (!names.empty()) names += ", ";
    names += "@" + user->username;
  }
  if (ids.empty()) return;
  EphemeralPost ephemeral;
  ephemeral.user_id = post.user_id;
  ephemeral.channel_id = post.channel_id;
  ephemeral.root_id = post.root_id.empty() ? post.id : post.root_id;
  ephemeral.message =
      names +
      " did not get notified by this mention because they are not in the channel. Would you like "
      "to add them to the channel? They will have access to all message history.";
  ephemeral.props["add_channel_member"] = json::object{{"post_id", post.id},
                                                       {"usernames", usernames},
                                                       {"not_in_channel_usernames", usernames},
                                                       {"user_ids", ids},
                                                       {"not_in_channel_user_ids", ids}};
  send_ephemeral(state, post.user_id, std::move(ephemeral), now, events);
}

}  // namespace

std::vector<std::string> mentioned_users(const State& state, const Channel& channel, const Post& post,
                                         std::vector<std::string>* not_in_channel) {
  std::vector<std::string> out;
  const auto add = [&out, &post](const std::string& id) {
    if (id != post.user_id && std::find(out.begin(), out.end(), id) == out.end()) out.push_back(id);
  };
  if (post.type.starts_with("system_")) return out;
  auto members = state.channel_members.find(channel.id);
  if (channel.type == "D" && members != state.channel_members.end()) {
    for (const auto& [user_id, member] : members->second) add(user_id);
  }
  for (std::string word : at_mentions(post.message)) {
    if (word == "channel" || word == "all" || word == "here") {
      if (members != state.channel_members.end()) {
        for (const auto& [user_id, member] : members->second) add(user_id);
      }
      continue;
    }
    const User* user = state.user_by_username(word);
    while (user == nullptr && !word.empty() &&
           (word.back() == '.' || word.back() == '-' || word.back() == '_')) {
      word.pop_back();
      user = state.user_by_username(word);
    }
    if (user == nullptr || user->delete_at != 0 || user->id == post.user_id) continue;
    if (state.is_member(user->id, channel.id)) {
      add(user->id);
    } else if (not_in_channel != nullptr && (channel.type == "O" || channel.type == "P") &&
               std::find(not_in_channel->begin(), not_in_channel->end(), user->id) == not_in_channel->end()) {
      not_in_channel->push_back(user->id);
    }
  }
  return out;
}

std::expected<Post*, AppError> create_post(State& state, NewPost input, std::int64_t now,
                                           std::vector<Event>& events) {
  Channel* channel = state.channel_mut(input.channel_id);
  if (channel == nullptr) return std::unexpected(err_permissions());
  if (channel->delete_at != 0) {
    return std::unexpected(AppError::make(400, "api.post.create_post.can_not_post_to_deleted.error"));
  }
  if (!is_valid_post_type(input.type))
    return std::unexpected(AppError::make(400, "model.post.is_valid.type.app_error"));
  if (auto valid = validate_content(input.message, input.props, input.file_ids); !valid) {
    return std::unexpected(valid.error());
  }
  Post* root = nullptr;
  if (!input.root_id.empty()) {
    if (!is_valid_id(input.root_id))
      return std::unexpected(AppError::make(400, "model.post.is_valid.root_id.app_error"));
    root = state.post_mut(input.root_id);
    if (root == nullptr || root->delete_at != 0 || !root->root_id.empty() ||
        root->channel_id != channel->id) {
      return std::unexpected(AppError::make(400, "api.post.create_post.root_id.app_error"));
    }
  }
  if (state.posts.size() >= state.config.max_posts)
    return std::unexpected(err_storage_full("posts", state.config.max_posts));

  const User* author = state.user(input.user_id);
  Post post;
  post.id = state.new_id();
  post.create_at = input.create_at != 0 ? input.create_at : now;
  post.update_at = post.create_at;
  post.user_id = input.user_id;
  post.channel_id = channel->id;
  post.root_id = input.root_id;
  post.message = std::move(input.message);
  post.type = std::move(input.type);
  post.props = std::move(input.props);
  if (author != nullptr && author->is_bot) post.props["from_bot"] = "true";
  generate_action_ids(state, post.props);
  post.hashtags = parse_hashtags(post.message);
  post.pending_post_id = std::move(input.pending_post_id);
  post.file_ids = attachable_files(state, post, input.file_ids);
  push_version(state, post, "create", post.create_at);
  Post& stored = state.insert_post(std::move(post));
  attach_files(state, stored, now);

  if (root != nullptr) {
    root->reply_count += 1;
    root->last_reply_at = std::max(root->last_reply_at, stored.create_at);
    root->update_at = std::max(root->update_at, stored.create_at);
  }
  channel->last_post_at = std::max(channel->last_post_at, stored.create_at);
  channel->total_msg_count += 1;
  if (stored.root_id.empty()) {
    channel->total_msg_count_root += 1;
    channel->last_root_post_at = std::max(channel->last_root_post_at, stored.create_at);
  }
  if (ChannelMember* own = state.member_mut(channel->id, stored.user_id); own != nullptr) {
    own->last_viewed_at = stored.create_at;
    own->msg_count = channel->total_msg_count;
    own->msg_count_root = channel->total_msg_count_root;
    own->last_update_at = stored.create_at;
  }
  std::vector<std::string> not_in_channel;
  std::vector<std::string> mentioned = mentioned_users(state, *channel, stored, &not_in_channel);
  for (const auto& id : mentioned) {
    if (ChannelMember* member = state.member_mut(channel->id, id); member != nullptr) {
      member->mention_count += 1;
      if (stored.root_id.empty()) member->mention_count_root += 1;
      member->last_update_at = now;
    }
  }
  events.push_back(posted_event(state, stored, input.set_online, std::move(mentioned)));
  if (!not_in_channel.empty()) notify_not_in_channel(state, stored, not_in_channel, now, events);
  return &stored;
}

std::expected<Post*, AppError> update_post(State& state, Post& post, PostChange change,
                                           std::string_view cause, std::int64_t now,
                                           std::vector<Event>& events) {
  const std::string message = change.message.value_or(post.message);
  json::object props = change.props ? std::move(*change.props) : post.props;
  std::vector<std::string> requested = change.file_ids.value_or(post.file_ids);
  if (auto valid = validate_content(message, props, requested); !valid) return std::unexpected(valid.error());

  const std::int64_t old_edit_at = post.edit_at;
  if (message != post.message) {
    post.message = message;
    post.edit_at = now;
    post.hashtags = parse_hashtags(message);
  }
  const json::value* old_attachments = post.props.if_contains("attachments");
  const json::value* new_attachments = props.if_contains("attachments");
  const bool attachments_changed = (old_attachments == nullptr) != (new_attachments == nullptr) ||
                                   (old_attachments != nullptr && *old_attachments != *new_attachments);
  generate_action_ids(state, props);
  post.props = std::move(props);
  std::vector<std::string> file_ids = attachable_files(state, post, requested);
  const bool files_changed = file_ids != post.file_ids;
  for (const auto& id : post.file_ids) {
    if (std::find(file_ids.begin(), file_ids.end(), id) == file_ids.end()) {
      FileRecord& file = state.files.at(id);
      file.delete_at = now;
      file.update_at = now;
    }
  }
  post.file_ids = std::move(file_ids);
  attach_files(state, post, now);
  if (change.is_pinned) post.is_pinned = *change.is_pinned;
  if (post.edit_at == old_edit_at && (files_changed || attachments_changed)) post.edit_at = now;
  post.update_at = now;
  push_version(state, post, cause, now);
  events.push_back(post_edited_event(state, post));
  return &post;
}

void delete_post(State& state, Post& post, std::string_view deleter_id, std::int64_t now,
                 std::vector<Event>& events) {
  const std::string before = to_json(post_json(state, post, PostShape::deleted));
  const auto remove_one = [&](Post& target) {
    if (target.delete_at != 0) return;
    target.delete_at = now;
    target.update_at = now;
    target.props["deleteBy"] = deleter_id;
    push_version(state, target, "delete", now);
    for (const auto& id : target.file_ids) {
      auto found = state.files.find(id);
      if (found != state.files.end() && found->second.delete_at == 0) {
        found->second.delete_at = now;
        found->second.update_at = now;
      }
    }
  };
  if (post.root_id.empty()) {
    auto replies = state.thread_replies.find(post.id);
    if (replies != state.thread_replies.end()) {
      for (const auto& id : replies->second) {
        if (Post* reply = state.post_mut(id)) remove_one(*reply);
      }
    }
    post.reply_count = 0;
  } else if (post.delete_at == 0) {
    if (Post* root = state.post_mut(post.root_id); root != nullptr && root->reply_count > 0)
      root->reply_count -= 1;
  }
  remove_one(post);

  Event sanitized = channel_event("post_deleted", post.channel_id, json::object{{"post", before}});
  sanitized.broadcast.contains_sanitized_data = true;
  Event sensitive = channel_event("post_deleted", post.channel_id,
                                  json::object{{"post", before}, {"delete_by", deleter_id}});
  sensitive.broadcast.contains_sensitive_data = true;
  events.push_back(std::move(sanitized));
  events.push_back(std::move(sensitive));
}

boost::json::object send_ephemeral(State& state, std::string_view recipient_id, EphemeralPost input,
                                   std::int64_t now, std::vector<Event>& events) {
  Post post;
  post.id = state.new_id();
  post.create_at = now;
  post.update_at = now;
  post.user_id = std::move(input.user_id);
  post.channel_id = std::move(input.channel_id);
  post.root_id = std::move(input.root_id);
  post.message = std::move(input.message);
  post.type = "system_ephemeral";
  post.props = std::move(input.props);
  generate_action_ids(state, post.props);
  json::object shape = post_json(state, post, PostShape::client);
  Event event = user_event("ephemeral_message", recipient_id, json::object{{"post", to_json(shape)}});
  event.broadcast.channel_id = post.channel_id;
  events.push_back(std::move(event));
  return shape;
}

}  // namespace mmsim

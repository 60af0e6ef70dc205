#include "mmsim/model/events.hpp"

#include "mmsim/model/json_shapes.hpp"

namespace mmsim {

namespace json = boost::json;

Event channel_event(std::string name, std::string_view channel_id, boost::json::object data) {
  Event event;
  event.event = std::move(name);
  event.data = std::move(data);
  event.broadcast.channel_id = channel_id;
  return event;
}

Event user_event(std::string name, std::string_view user_id, boost::json::object data) {
  Event event;
  event.event = std::move(name);
  event.data = std::move(data);
  event.broadcast.user_id = user_id;
  return event;
}

namespace {

bool is_system_type(std::string_view type) {
  return type.starts_with("system_");
}

std::string sender_name(const State& state, const Post& post, const Channel& channel) {
  if (is_system_type(post.type)) return "System";
  if (channel.type != "D") {
    const auto* from_webhook = post.props.if_contains("from_webhook");
    const auto* override_name = post.props.if_contains("override_username");
    if (from_webhook != nullptr && from_webhook->is_string() && from_webhook->get_string() == "true" &&
        override_name != nullptr && override_name->is_string() && !override_name->get_string().empty()) {
      return std::string(override_name->get_string());
    }
  }
  const User* author = state.user(post.user_id);
  return "@" + (author != nullptr ? author->username : std::string());
}

}  // namespace

Event posted_event(const State& state, const Post& post, bool set_online,
                   std::vector<std::string> mentioned) {
  const Channel* channel = state.channel(post.channel_id);
  json::object data;
  const User* author = state.user(post.user_id);
  if (channel != nullptr) {
    data["channel_display_name"] = channel->type == "D"
                                       ? "@" + (author != nullptr ? author->username : std::string())
                                       : channel->display_name;
    data["channel_name"] = channel->name;
    data["channel_type"] = channel->type;
  }
  data["post"] = to_json(post_json(state, post, PostShape::client, true));
  if (channel != nullptr) data["sender_name"] = sender_name(state, post, *channel);
  data["set_online"] = set_online;
  data["team_id"] = channel != nullptr ? channel->team_id : std::string();
  bool image = false;
  bool other = false;
  for (const auto& id : post.file_ids) {
    auto found = state.files.find(id);
    if (found == state.files.end()) continue;
    (found->second.mime_type.starts_with("image/") ? image : other) = true;
  }
  if (image) data["image"] = "true";
  if (other) data["otherFile"] = "true";
  Event event = channel_event("posted", post.channel_id, std::move(data));
  event.mentioned_user_ids = std::move(mentioned);
  return event;
}

Event post_edited_event(const State& state, const Post& post) {
  return channel_event("post_edited", post.channel_id,
                       json::object{{"post", to_json(post_json(state, post, PostShape::client))}});
}

}  // namespace mmsim

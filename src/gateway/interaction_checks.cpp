#include "gateway/interaction_checks.hpp"

#include <fmt/format.h>
#include <boost/json.hpp>

#include "mattermost/buttons.hpp"

namespace mmclaw::gateway {

namespace json = boost::json;

namespace {

std::unexpected<InteractionRefusal> refuse(int status, std::string error, std::string log = {}) {
  return std::unexpected(InteractionRefusal{status, std::move(error), std::move(log)});
}

const json::string* string_at(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? &v->get_string() : nullptr;
}

// The non-empty string at `key`, or nullopt.
std::optional<std::string> required(const json::object& o, std::string_view key) {
  const auto* s = string_at(o, key);
  if (s == nullptr || s->empty()) return std::nullopt;
  return std::string(*s);
}

// The action with id `action_id` in the post's attachments, or nullptr.
const json::object* find_action(const mattermost::Post& post, std::string_view action_id) {
  const auto* attachments = post.props.if_contains("attachments");
  if (attachments == nullptr || !attachments->is_array()) return nullptr;
  for (const auto& attachment : attachments->get_array()) {
    if (!attachment.is_object()) continue;
    const auto* actions = attachment.get_object().if_contains("actions");
    if (actions == nullptr || !actions->is_array()) continue;
    for (const auto& action : actions->get_array()) {
      if (!action.is_object()) continue;
      const auto* id = string_at(action.get_object(), "id");
      if (id != nullptr && *id == action_id) return &action.get_object();
    }
  }
  return nullptr;
}

}  // namespace

std::string refusal_body(const InteractionRefusal& refusal) {
  return json::serialize(json::object{{"error", refusal.error}});
}

std::expected<InteractionClick, InteractionRefusal> check_interaction_body(std::string_view body,
                                                                          std::string_view secret) {
  boost::system::error_code ec;
  const json::value parsed = json::parse(body, ec);
  if (ec || !parsed.is_object()) return refuse(400, "Invalid request body");
  const auto& o = parsed.get_object();
  const auto* context = o.if_contains("context");
  if (context == nullptr || !context->is_object()) return refuse(400, "Missing context");
  const auto& signed_context = context->get_object();
  const auto* token = string_at(signed_context, mattermost::kTokenKey);
  if (token == nullptr) return refuse(403, "Missing token", "missing _token in context");
  const std::string expected = mattermost::interaction_token(secret, signed_context);
  if (!mattermost::tokens_equal(expected, *token)) return refuse(403, "Invalid token", "invalid _token");
  const auto* action_id = string_at(signed_context, mattermost::kActionIdKey);
  if (action_id == nullptr) return refuse(400, "Missing action_id in context");
  InteractionClick click;
  auto post_id = required(o, "post_id");
  auto channel_id = required(o, "channel_id");
  auto user_id = required(o, "user_id");
  if (!post_id || !channel_id || !user_id) return refuse(400, "Invalid request body");
  const auto* bound = string_at(signed_context, mattermost::kChannelIdKey);
  if (bound == nullptr || *bound != *channel_id) return refuse(403, "Channel mismatch");
  click.post_id = std::move(*post_id);
  click.channel_id = std::move(*channel_id);
  click.user_id = std::move(*user_id);
  if (const auto* name = string_at(o, "user_name")) click.user_name = std::string(*name);
  if (const auto* team = string_at(o, "team_id")) click.team_id = std::string(*team);
  click.action_id = std::string(*action_id);
  click.context = signed_context;
  return click;
}

std::optional<InteractionRefusal> check_clicked_post(const InteractionClick& click, const mattermost::Post& post) {
  if (post.channel_id != click.channel_id) return InteractionRefusal{403, "Post/channel mismatch", {}};
  if (find_action(post, click.action_id) == nullptr) return InteractionRefusal{403, "Unknown action", {}};
  return std::nullopt;
}

std::string clicked_button_name(const InteractionClick& click, const mattermost::Post& post) {
  const auto* action = find_action(post, click.action_id);
  if (action != nullptr)
    if (const auto* name = string_at(*action, "name"); name != nullptr && !name->empty()) return std::string(*name);
  return click.action_id;
}

std::string clicker_name(const InteractionClick& click) {
  return click.user_name.empty() ? click.user_id : click.user_name;
}

json::object confirmation_props(std::string_view button_name, std::string_view user_name) {
  return json::object{
      {"attachments",
       json::array{json::object{{"text", fmt::format("✓ **{}** selected by @{}", button_name, user_name)}}}}};
}

std::string click_event_text(const InteractionClick& click) {
  return fmt::format("Mattermost button click: action=\"{}\" by {} in channel {}", click.action_id,
                     clicker_name(click), click.channel_id);
}

std::string click_turn_text(std::string_view user_name, std::string_view button_name) {
  return fmt::format("[Button click: user @{} selected \"{}\"]", user_name, button_name);
}

std::string click_message_id(const InteractionClick& click) {
  return fmt::format("interaction:{}:{}", click.post_id, click.action_id);
}

}  // namespace mmclaw::gateway

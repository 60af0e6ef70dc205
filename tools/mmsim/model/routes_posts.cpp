// Creating, reading, editing and deleting posts (§4.6).

#include <algorithm>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "mmsim/model/ids.hpp"
#include "mmsim/model/json_shapes.hpp"
#include "mmsim/model/posts_core.hpp"
#include "mmsim/model/routes.hpp"
#include "mmsim/model/text.hpp"

namespace mmsim {

namespace json = boost::json;

namespace {

constexpr std::int64_t kPendingPostWindowMs = 30000;

// postHardenedModeCheck: props only integrations may set.
std::expected<void, AppError> check_reserved_props(const Ctx& ctx, const json::object& props) {
  static constexpr std::string_view kReserved[] = {"from_webhook",         "override_username",
                                                   "override_icon_url",    "override_icon_emoji",
                                                   "webhook_display_name", "mm_blocks_actions"};
  if (!ctx.st.config.hardened_mode || ctx.is_integration()) return {};
  for (std::string_view key : kReserved) {
    if (props.contains(key)) return std::unexpected(err_invalid_body_param("props"));
  }
  return {};
}

// The post a route acts on, or nullptr when it is missing or deleted.
Post* live_post(Ctx& ctx, const std::string& id) {
  Post* post = ctx.st.post_mut(id);
  return post != nullptr && post->delete_at == 0 ? post : nullptr;
}

// edit_post / delete_post for one's own posts in readable channels; the *_others_posts
// permissions for admins.
bool may_modify(const Ctx& ctx, const Post& post) {
  const Channel* channel = ctx.st.channel(post.channel_id);
  if (channel == nullptr) return false;
  if (ctx.is_admin()) return true;
  return post.user_id == ctx.me->id && ctx.st.can_read_channel(*ctx.me, *channel);
}

}  // namespace

Outcome post_create(Ctx& ctx) {
  auto body = parse_body_object(ctx, "post");
  if (!body) return std::unexpected(body.error());
  auto channel_id = field_string(*body, "channel_id", "post");
  auto message = field_string(*body, "message", "post");
  auto root_id = field_string(*body, "root_id", "post");
  auto type = field_string(*body, "type", "post");
  auto pending = field_string(*body, "pending_post_id", "post");
  auto props = field_object(*body, "props", "post");
  auto file_ids = field_strings(*body, "file_ids", "post");
  for (const auto* field : {&channel_id, &message, &root_id, &type, &pending}) {
    if (!*field) return std::unexpected(field->error());
  }
  if (!props) return std::unexpected(props.error());
  if (!file_ids) return std::unexpected(file_ids.error());
  std::int64_t create_at = 0;
  if (const auto* value = body->if_contains("create_at"); value != nullptr && !value->is_null()) {
    if (!value->is_int64()) return std::unexpected(err_invalid_body_param("post"));
    create_at = value->get_int64();
  }
  const bool set_online = parse_go_bool(ctx.query("set_online")).value_or(true);

  const Channel* channel = ctx.st.channel(*channel_id);
  if (channel == nullptr || !ctx.st.can_create_post(*ctx.me, *channel))
    return std::unexpected(err_permissions());
  json::object post_props = props->value_or(json::object{});
  if (auto ok = check_reserved_props(ctx, post_props); !ok) return std::unexpected(ok.error());
  if (type->starts_with("system_")) return std::unexpected(err_invalid_param("post.type"));
  if (create_at != 0 && !ctx.is_admin()) create_at = 0;

  auto& order = ctx.st.pending_post_order;
  while (!order.empty() && ctx.now - order.front().first > kPendingPostWindowMs) {
    auto entry = ctx.st.pending_posts.find(order.front().second);
    if (entry != ctx.st.pending_posts.end() && entry->second.second == order.front().first) {
      ctx.st.pending_posts.erase(entry);
    }
    order.pop_front();
  }
  if (!pending->empty()) {
    auto seen = ctx.st.pending_posts.find({ctx.me->id, *pending});
    if (seen != ctx.st.pending_posts.end()) {
      if (const Post* existing = ctx.st.post(seen->second.first)) {
        return json_reply(201, post_json(ctx.st, *existing, PostShape::client, true));
      }
    }
  }
  NewPost input;
  input.user_id = ctx.me->id;
  input.channel_id = channel->id;
  input.root_id = std::move(*root_id);
  input.message = std::move(*message);
  input.type = std::move(*type);
  input.props = std::move(post_props);
  input.file_ids = file_ids->value_or(std::vector<std::string>{});
  input.pending_post_id = *pending;
  input.create_at = create_at;
  input.set_online = set_online;
  auto created = create_post(ctx.st, std::move(input), ctx.now, ctx.events);
  if (!created) return std::unexpected(created.error());
  if (!pending->empty()) {
    ctx.st.pending_posts[{ctx.me->id, *pending}] = {(*created)->id, ctx.now};
    order.emplace_back(ctx.now, std::pair(ctx.me->id, *pending));
  }
  return json_reply(201, post_json(ctx.st, **created, PostShape::client, true));
}

Outcome get_post(Ctx& ctx) {
  auto post_id = require_id(ctx.params[0], "post_id");
  if (!post_id) return std::unexpected(post_id.error());
  const bool include_deleted = parse_go_bool(ctx.query("include_deleted")).value_or(false);
  if (include_deleted && !ctx.is_admin()) return std::unexpected(err_permissions());
  const Post* post = ctx.st.post(*post_id);
  if (post == nullptr || (post->delete_at != 0 && !include_deleted)) return std::unexpected(err_post_get());
  const Channel* channel = ctx.st.channel(post->channel_id);
  if (channel == nullptr || !ctx.st.can_read_channel(*ctx.me, *channel))
    return std::unexpected(err_permissions());
  return json_reply(200, post_json(ctx.st, *post));
}

Outcome put_post(Ctx& ctx) {
  auto post_id = require_id(ctx.params[0], "post_id");
  if (!post_id) return std::unexpected(post_id.error());
  auto body = parse_body_object(ctx, "post");
  if (!body) return std::unexpected(body.error());
  auto id = field_string(*body, "id", "post");
  auto message = field_string(*body, "message", "post");
  auto props = field_object(*body, "props", "post");
  auto file_ids = field_strings(*body, "file_ids", "post");
  auto is_pinned = field_bool(*body, "is_pinned", "post");
  if (!id) return std::unexpected(id.error());
  if (!message) return std::unexpected(message.error());
  if (!props) return std::unexpected(props.error());
  if (!file_ids) return std::unexpected(file_ids.error());
  if (!is_pinned) return std::unexpected(is_pinned.error());
  if (*id != *post_id) return std::unexpected(err_invalid_body_param("id"));
  json::object new_props = props->value_or(json::object{});
  if (auto ok = check_reserved_props(ctx, new_props); !ok) return std::unexpected(ok.error());
  Post* post = live_post(ctx, *post_id);
  if (post == nullptr || !may_modify(ctx, *post)) return std::unexpected(err_permissions());
  PostChange change;
  change.message = std::move(*message);
  change.props = std::move(new_props);
  change.file_ids = std::move(*file_ids);  // absent keeps the post's files
  change.is_pinned = *is_pinned;
  auto updated = update_post(ctx.st, *post, std::move(change), "update", ctx.now, ctx.events);
  if (!updated) return std::unexpected(updated.error());
  return json_reply(200, post_json(ctx.st, **updated));
}

Outcome put_post_patch(Ctx& ctx) {
  auto post_id = require_id(ctx.params[0], "post_id");
  if (!post_id) return std::unexpected(post_id.error());
  auto body = parse_body_object(ctx, "post");
  if (!body) return std::unexpected(body.error());
  PostChange change;
  if (const auto* value = body->if_contains("message"); value != nullptr && !value->is_null()) {
    if (!value->is_string()) return std::unexpected(err_invalid_body_param("post"));
    change.message = std::string(value->get_string());
  }
  auto props = field_object(*body, "props", "post");
  auto file_ids = field_strings(*body, "file_ids", "post");
  if (!props) return std::unexpected(props.error());
  if (!file_ids) return std::unexpected(file_ids.error());
  change.props = std::move(*props);
  change.file_ids = std::move(*file_ids);
  if (const auto* value = body->if_contains("is_pinned"); value != nullptr && !value->is_null()) {
    if (!value->is_bool()) return std::unexpected(err_invalid_body_param("post"));
    change.is_pinned = value->get_bool();
  }
  if (change.props) {
    if (auto ok = check_reserved_props(ctx, *change.props); !ok) return std::unexpected(ok.error());
  }
  Post* post = live_post(ctx, *post_id);
  if (post == nullptr || !may_modify(ctx, *post)) return std::unexpected(err_permissions());
  auto updated = update_post(ctx.st, *post, std::move(change), "patch", ctx.now, ctx.events);
  if (!updated) return std::unexpected(updated.error());
  return json_reply(200, post_json(ctx.st, **updated));
}

Outcome delete_post_route(Ctx& ctx) {
  auto post_id = require_id(ctx.params[0], "post_id");
  if (!post_id) return std::unexpected(post_id.error());
  Post* post = live_post(ctx, *post_id);
  if (post == nullptr || !may_modify(ctx, *post)) return std::unexpected(err_permissions());
  delete_post(ctx.st, *post, ctx.me->id, ctx.now, ctx.events);
  return status_ok_reply();
}

Outcome post_posts_ids(Ctx& ctx) {
  auto ids = parse_body_strings(ctx, "post_ids");
  if (!ids) return std::unexpected(ids.error());
  if (ids->empty()) return std::unexpected(err_invalid_body_param("post_ids"));
  if (ids->size() > 1000) {
    return std::unexpected(
        AppError::make(400, "api.post.posts_by_ids.invalid_body.request_error", {{"MaxLength", "1000"}}));
  }
  std::vector<const Post*> found;
  for (const auto& id : *ids) {
    const Post* post = ctx.st.post(id);
    if (post == nullptr || post->delete_at != 0) continue;
    if (std::find(found.begin(), found.end(), post) != found.end()) continue;
    const Channel* channel = ctx.st.channel(post->channel_id);
    if (channel == nullptr || !ctx.st.can_read_channel(*ctx.me, *channel)) continue;
    found.push_back(post);
  }
  std::sort(found.begin(), found.end(),
            [](const Post* a, const Post* b) { return a->create_at > b->create_at; });
  json::array out;
  for (const Post* post : found) out.push_back(post_json(ctx.st, *post));
  return json_reply(200, out);
}

}  // namespace mmsim

// Channels, DMs/GMs and channel membership (§4.5).

#include <algorithm>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "mmsim/model/events.hpp"
#include "mmsim/model/ids.hpp"
#include "mmsim/model/json_shapes.hpp"
#include "mmsim/model/membership.hpp"
#include "mmsim/model/routes.hpp"
#include "mmsim/model/text.hpp"

namespace mmsim {

namespace json = boost::json;

Outcome get_channel(Ctx& ctx) {
  auto channel_id = require_id(ctx.params[0], "channel_id");
  if (!channel_id) return std::unexpected(channel_id.error());
  const Channel* channel = ctx.st.channel(*channel_id);
  if (channel == nullptr) return std::unexpected(err_channel_missing());
  if (!ctx.st.can_read_channel(*ctx.me, *channel)) return std::unexpected(err_permissions());
  return json_reply(200, channel_json(*channel));
}

namespace {

Outcome channel_by_name(Ctx& ctx, const std::string& team_id, const std::string& name) {
  const bool include_deleted = parse_go_bool(ctx.query("include_deleted")).value_or(false);
  auto found = ctx.st.channel_by_name.find({team_id, name});
  if (found == ctx.st.channel_by_name.end()) found = ctx.st.channel_by_name.find({std::string(), name});
  const Channel* channel = found == ctx.st.channel_by_name.end() ? nullptr : ctx.st.channel(found->second);
  if (channel == nullptr || (channel->delete_at != 0 && !include_deleted)) {
    return std::unexpected(err_channel_by_name_missing());
  }
  if (!ctx.st.can_read_channel(*ctx.me, *channel)) {
    // Private channels (and DMs/GMs) are not revealed to non-members.
    return std::unexpected(channel->type == "O" ? err_permissions() : err_channel_by_name_missing());
  }
  return json_reply(200, channel_json(*channel));
}

}  // namespace

Outcome get_channel_by_name(Ctx& ctx) {
  auto team_id = require_id(ctx.params[0], "team_id");
  if (!team_id) return std::unexpected(team_id.error());
  return channel_by_name(ctx, *team_id, ctx.params[1]);
}

Outcome get_channel_by_team_name(Ctx& ctx) {
  auto team = ctx.st.team_by_name.find(ctx.params[0]);
  if (team == ctx.st.team_by_name.end()) return std::unexpected(err_team_by_name_missing());
  return channel_by_name(ctx, team->second, ctx.params[1]);
}

Outcome post_direct_channel(Ctx& ctx) {
  auto ids = parse_body_strings(ctx, "user_ids");
  if (!ids) return std::unexpected(ids.error());
  if (ids->size() != 2) return std::unexpected(err_invalid_body_param("user_ids"));
  for (const auto& id : *ids) {
    if (!is_valid_id(id)) return std::unexpected(err_invalid_body_param("user_id"));
  }
  const std::string& first = (*ids)[0];
  const std::string& second = (*ids)[1];
  if (first != ctx.me->id && second != ctx.me->id && !ctx.is_admin())
    return std::unexpected(err_permissions());
  if (ctx.st.user(first) == nullptr || ctx.st.user(second) == nullptr) {
    return std::unexpected(AppError::make(400, "api.channel.create_direct_channel.invalid_user.app_error"));
  }
  const std::string name = direct_channel_name(first, second);
  auto existing = ctx.st.channel_by_name.find({std::string(), name});
  if (existing != ctx.st.channel_by_name.end())
    return json_reply(201, channel_json(*ctx.st.channel(existing->second)));
  Channel channel;
  channel.id = ctx.st.new_id();
  channel.create_at = ctx.now;
  channel.update_at = ctx.now;
  channel.type = "D";
  channel.name = name;
  channel.creator_id = ctx.me->id;
  const Channel& stored = ctx.st.insert_channel(std::move(channel));
  ctx.st.add_member(stored, first, ctx.now);
  ctx.st.add_member(stored, second, ctx.now);
  const std::string& teammate = first == ctx.me->id ? second : first;
  ctx.events.push_back(channel_event("direct_added", stored.id,
                                     json::object{{"creator_id", ctx.me->id}, {"teammate_id", teammate}}));
  return json_reply(201, channel_json(stored));
}

Outcome post_group_channel(Ctx& ctx) {
  auto ids = parse_body_strings(ctx, "user_ids");
  if (!ids) return std::unexpected(ids.error());
  std::vector<std::string> members;
  for (const auto& id : *ids) {
    if (!is_valid_id(id)) return std::unexpected(err_invalid_body_param("user_id"));
    if (std::find(members.begin(), members.end(), id) == members.end()) members.push_back(id);
  }
  if (std::find(members.begin(), members.end(), ctx.me->id) == members.end()) members.push_back(ctx.me->id);
  if (members.size() < 3 || members.size() > 8) {
    return std::unexpected(AppError::make(400, "api.channel.create_group.bad_size.app_error"));
  }
  std::vector<std::string> usernames;
  for (const auto& id : members) {
    const User* user = ctx.st.user(id);
    if (user == nullptr)
      return std::unexpected(AppError::make(400, "api.channel.create_group.bad_user.app_error"));
    usernames.push_back(user->username);
  }
  std::sort(members.begin(), members.end());
  std::sort(usernames.begin(), usernames.end());
  const std::string name = group_channel_name(members);
  auto existing = ctx.st.channel_by_name.find({std::string(), name});
  if (existing != ctx.st.channel_by_name.end())
    return json_reply(201, channel_json(*ctx.st.channel(existing->second)));
  Channel channel;
  channel.id = ctx.st.new_id();
  channel.create_at = ctx.now;
  channel.update_at = ctx.now;
  channel.type = "G";
  channel.name = name;
  for (const auto& username : usernames) {
    if (!channel.display_name.empty()) channel.display_name += ", ";
    channel.display_name += username;
  }
  channel.creator_id = ctx.me->id;
  const Channel& stored = ctx.st.insert_channel(std::move(channel));
  json::array teammates;
  for (const auto& id : members) {
    ctx.st.add_member(stored, id, ctx.now);
    teammates.emplace_back(id);
  }
  ctx.events.push_back(
      channel_event("group_added", stored.id, json::object{{"teammate_ids", to_json(teammates)}}));
  return json_reply(201, channel_json(stored));
}

Outcome get_channel_members(Ctx& ctx) {
  auto channel_id = require_id(ctx.params[0], "channel_id");
  if (!channel_id) return std::unexpected(channel_id.error());
  const Channel* channel = ctx.st.channel(*channel_id);
  if (channel == nullptr || !ctx.st.can_read_channel(*ctx.me, *channel))
    return std::unexpected(err_permissions());
  const Paging page = paging(ctx);
  json::array out;
  std::int64_t index = 0;
  for (const auto& [user_id, member] : ctx.st.channel_members[channel->id]) {
    if (index++ < page.page * page.per_page) continue;
    if (static_cast<std::int64_t>(out.size()) >= page.per_page) break;
    out.push_back(channel_member_json(member));
  }
  return json_reply(200, out);
}

Outcome get_channel_member(Ctx& ctx) {
  auto channel_id = require_id(ctx.params[0], "channel_id");
  if (!channel_id) return std::unexpected(channel_id.error());
  auto user_id = require_user_id(ctx, ctx.params[1]);
  if (!user_id) return std::unexpected(user_id.error());
  const Channel* channel = ctx.st.channel(*channel_id);
  if (channel == nullptr || !ctx.st.can_read_channel(*ctx.me, *channel))
    return std::unexpected(err_permissions());
  const ChannelMember* member = ctx.st.member(*channel_id, *user_id);
  if (member == nullptr) return std::unexpected(err_channel_member_missing());
  return json_reply(200, channel_member_json(*member));
}

Outcome post_channel_member(Ctx& ctx) {
  auto channel_id = require_id(ctx.params[0], "channel_id");
  if (!channel_id) return std::unexpected(channel_id.error());
  auto body = parse_body_object(ctx, "channel_member");
  if (!body) return std::unexpected(body.error());
  auto user_id = field_string(*body, "user_id", "channel_member");
  auto user_ids = field_strings(*body, "user_ids", "channel_member");
  auto post_root_id = field_string(*body, "post_root_id", "channel_member");
  if (!user_id) return std::unexpected(user_id.error());
  if (!user_ids) return std::unexpected(user_ids.error());
  if (!post_root_id) return std::unexpected(post_root_id.error());
  const bool many = user_ids->has_value() && !(*user_ids)->empty();
  std::vector<std::string> targets = many ? **user_ids : std::vector<std::string>{*user_id};
  for (const auto& id : targets) {
    if (!is_valid_id(id)) return std::unexpected(err_invalid_body_param("user_id"));
  }
  if (!post_root_id->empty() && !is_valid_id(*post_root_id)) {
    return std::unexpected(err_invalid_body_param("post_root_id"));
  }
  const Channel* channel = ctx.st.channel(*channel_id);
  if (channel == nullptr) return std::unexpected(err_channel_missing());
  if (channel->type == "D" || channel->type == "G") {
    return std::unexpected(AppError::make(400, "api.channel.add_user_to_channel.type.app_error"));
  }
  for (const auto& id : targets) {
    const bool self = id == ctx.me->id;
    bool allowed = ctx.is_admin() || ctx.st.is_member(ctx.me->id, channel->id);  // manage_*_channel_members
    if (self && channel->type == "O")
      allowed = allowed || ctx.st.is_team_member(ctx.me->id, channel->team_id);
    if (!allowed) return std::unexpected(err_permissions());
  }
  json::array added;
  for (const auto& id : targets) {
    const User* user = ctx.st.user(id);
    if (user == nullptr) return std::unexpected(err_user_missing());
    if (!ctx.st.is_team_member(id, channel->team_id)) return std::unexpected(err_team_member_missing());
    if (!ctx.st.is_member(id, channel->id)) {
      join_channel(ctx.st, *channel, *user, *ctx.me, *post_root_id, ctx.now, ctx.events);
    }
    added.push_back(channel_member_json(*ctx.st.member(channel->id, id)));
  }
  if (many) return json_reply(201, added);
  return json_reply(201, added.at(0));
}

Outcome delete_channel_member(Ctx& ctx) {
  auto channel_id = require_id(ctx.params[0], "channel_id");
  if (!channel_id) return std::unexpected(channel_id.error());
  auto user_id = require_user_id(ctx, ctx.params[1]);
  if (!user_id) return std::unexpected(user_id.error());
  const Channel* channel = ctx.st.channel(*channel_id);
  if (channel == nullptr) return std::unexpected(err_channel_missing());
  if (channel->type == "D" || channel->type == "G") {
    return std::unexpected(AppError::make(400, "api.channel.remove_user_from_channel.app_error"));
  }
  const bool self = *user_id == ctx.me->id;
  if (!self && !ctx.is_admin() && !ctx.st.is_member(ctx.me->id, channel->id))
    return std::unexpected(err_permissions());
  if (channel->name == "town-square") {
    return std::unexpected(
        AppError::make(400, "api.channel.remove.default.app_error", {{"Channel", channel->name}}));
  }
  const User* user = ctx.st.user(*user_id);
  if (user == nullptr) return std::unexpected(err_user_missing());
  if (!ctx.st.is_member(*user_id, channel->id)) return std::unexpected(err_channel_member_missing());
  leave_channel(ctx.st, *channel, *user, *ctx.me, ctx.now, ctx.events);
  return status_ok_reply();
}

Outcome post_channel_view(Ctx& ctx) {
  auto user_id = require_user_id(ctx, ctx.params[0]);
  if (!user_id) return std::unexpected(user_id.error());
  if (*user_id != ctx.me->id && !ctx.is_admin()) return std::unexpected(err_permissions());
  auto body = parse_body_object(ctx, "channel_view");
  if (!body) return std::unexpected(body.error());
  auto channel_id = field_string(*body, "channel_id", "channel_view");
  auto prev_channel_id = field_string(*body, "prev_channel_id", "channel_view");
  if (!channel_id) return std::unexpected(channel_id.error());
  if (!prev_channel_id) return std::unexpected(prev_channel_id.error());
  json::object times;
  for (const std::string* id : {&*channel_id, &*prev_channel_id}) {
    if (id->empty() || times.contains(*id)) continue;
    ChannelMember* member = ctx.st.member_mut(*id, *user_id);
    const Channel* channel = ctx.st.channel(*id);
    if (member == nullptr || channel == nullptr) continue;
    member->last_viewed_at = ctx.now;
    member->msg_count = channel->total_msg_count;
    member->msg_count_root = channel->total_msg_count_root;
    member->mention_count = 0;
    member->mention_count_root = 0;
    member->last_update_at = ctx.now;
    times[*id] = ctx.now;
  }
  if (!channel_id->empty() && times.contains(*channel_id)) {
    ctx.events.push_back(user_event("channel_viewed", *user_id, json::object{{"channel_id", *channel_id}}));
  }
  return json_reply(200, json::object{{"status", "OK"}, {"last_viewed_at_times", times}});
}

}  // namespace mmsim

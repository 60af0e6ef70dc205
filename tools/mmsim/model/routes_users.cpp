// Users (§4.3) and typing.

#include <algorithm>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "mmsim/model/events.hpp"
#include "mmsim/model/ids.hpp"
#include "mmsim/model/json_shapes.hpp"
#include "mmsim/model/routes.hpp"
#include "mmsim/model/text.hpp"

namespace mmsim {

namespace json = boost::json;

namespace {

json::object user_for(const Ctx& ctx, const User& user) {
  return user_json(ctx.st, user, user.id == ctx.me->id);
}

// SessionHasPermissionToUser: oneself, or edit_other_users (system admins).
bool may_act_for(const Ctx& ctx, std::string_view user_id) {
  return ctx.me->id == user_id || ctx.is_admin();
}

bool prefix_icase(std::string_view text, std::string_view prefix) {
  return !prefix.empty() && starts_with_icase(text, prefix);
}

}  // namespace

Outcome get_user(Ctx& ctx) {
  auto user_id = require_user_id(ctx, ctx.params[0]);
  if (!user_id) return std::unexpected(user_id.error());
  const User* user = ctx.st.user(*user_id);
  if (user == nullptr) return std::unexpected(err_user_missing());
  return json_reply(200, user_for(ctx, *user));
}

Outcome get_user_by_username(Ctx& ctx) {
  const User* user = ctx.st.user_by_username(ctx.params[0]);
  if (user == nullptr) return std::unexpected(err_user_missing());
  return json_reply(200, user_for(ctx, *user));
}

Outcome post_users_ids(Ctx& ctx) {
  auto ids = parse_body_strings(ctx, "user_ids");
  if (!ids) return std::unexpected(ids.error());
  if (ids->empty()) return std::unexpected(err_invalid_body_param("user_ids"));
  std::optional<std::int64_t> since;
  if (const std::string text = ctx.query("since"); !text.empty()) {
    since = parse_go_int(text);
    if (!since) return std::unexpected(err_invalid_url_param("since"));
  }
  json::array out;
  std::vector<std::string> seen;
  for (const auto& id : *ids) {
    if (!is_valid_id(id)) return std::unexpected(err_invalid_body_param("user_id"));
    if (std::find(seen.begin(), seen.end(), id) != seen.end()) continue;
    seen.push_back(id);
    const User* user = ctx.st.user(id);
    if (user == nullptr || (since && user->update_at <= *since)) continue;
    out.push_back(user_for(ctx, *user));
  }
  return json_reply(200, out);
}

Outcome post_users_usernames(Ctx& ctx) {
  auto names = parse_body_strings(ctx, "usernames");
  if (!names) return std::unexpected(names.error());
  if (names->empty()) return std::unexpected(err_invalid_body_param("usernames"));
  json::array out;
  std::vector<std::string> seen;
  for (const auto& name : *names) {
    const User* user = ctx.st.user_by_username(name);
    if (user == nullptr || std::find(seen.begin(), seen.end(), user->id) != seen.end()) continue;
    seen.push_back(user->id);
    out.push_back(user_for(ctx, *user));
  }
  return json_reply(200, out);
}

Outcome post_users_search(Ctx& ctx) {
  auto body = parse_body_object(ctx, "user_search");
  if (!body) return std::unexpected(body.error());
  auto term = field_string(*body, "term", "user_search");
  auto team_id = field_string(*body, "team_id", "user_search");
  auto not_in_team = field_string(*body, "not_in_team_id", "user_search");
  auto in_channel = field_string(*body, "in_channel_id", "user_search");
  auto not_in_channel = field_string(*body, "not_in_channel_id", "user_search");
  auto allow_inactive = field_bool(*body, "allow_inactive", "user_search");
  for (const auto* field : {&term, &team_id, &not_in_team, &in_channel, &not_in_channel}) {
    if (!*field) return std::unexpected(field->error());
  }
  if (!allow_inactive) return std::unexpected(allow_inactive.error());
  std::int64_t limit = 100;
  if (const auto* value = body->if_contains("limit"); value != nullptr && !value->is_null()) {
    if (!value->is_int64() && !value->is_uint64())
      return std::unexpected(err_invalid_body_param("user_search"));
    limit = value->is_int64() ? value->get_int64() : 1001;
    if (limit == 0) limit = 100;
    if (limit < 0 || limit > 1000) return std::unexpected(err_invalid_body_param("limit"));
  }
  std::string needle = to_lower_ascii(trim_ascii(*term));
  if (needle.starts_with('@')) needle.erase(0, 1);
  if (needle.empty()) return std::unexpected(err_invalid_body_param("term"));
  if (!team_id->empty() && !ctx.is_admin() && !ctx.st.is_team_member(ctx.me->id, *team_id)) {
    return std::unexpected(err_permissions());
  }
  std::vector<const User*> found;
  for (const auto& [id, user] : ctx.st.users) {
    if (user.delete_at != 0 && !*allow_inactive) continue;
    if (!team_id->empty() && !ctx.st.is_team_member(id, *team_id)) continue;
    if (!not_in_team->empty() && ctx.st.is_team_member(id, *not_in_team)) continue;
    if (!in_channel->empty() && !ctx.st.is_member(id, *in_channel)) continue;
    if (!not_in_channel->empty() && ctx.st.is_member(id, *not_in_channel)) continue;
    const std::string full_name = user.first_name + " " + user.last_name;
    if (prefix_icase(user.username, needle) || prefix_icase(user.first_name, needle) ||
        prefix_icase(user.last_name, needle) || prefix_icase(user.nickname, needle) ||
        prefix_icase(full_name, needle)) {
      found.push_back(&user);
    }
  }
  std::sort(found.begin(), found.end(),
            [](const User* a, const User* b) { return a->username < b->username; });
  json::array out;
  for (const User* user : found) {
    if (static_cast<std::int64_t>(out.size()) >= limit) break;
    out.push_back(user_for(ctx, *user));
  }
  return json_reply(200, out);
}

Outcome get_user_teams(Ctx& ctx) {
  auto user_id = require_user_id(ctx, ctx.params[0]);
  if (!user_id) return std::unexpected(user_id.error());
  if (!may_act_for(ctx, *user_id)) return std::unexpected(err_permissions());
  json::array out;
  for (const auto& team_id : ctx.st.team_order) {
    const Team* team = ctx.st.team(team_id);
    if (team == nullptr || team->delete_at != 0 || !ctx.st.is_team_member(*user_id, team_id)) continue;
    const bool sanitize = !ctx.is_admin() && !ctx.st.is_team_admin(ctx.me->id, team_id);
    out.push_back(team_json(*team, sanitize));
  }
  return json_reply(200, out);
}

Outcome get_user_team_members(Ctx& ctx) {
  auto user_id = require_user_id(ctx, ctx.params[0]);
  if (!user_id) return std::unexpected(user_id.error());
  if (!may_act_for(ctx, *user_id)) return std::unexpected(err_permissions());
  json::array out;
  for (const auto& team_id : ctx.st.team_order) {
    auto found = ctx.st.team_members.find({team_id, *user_id});
    if (found != ctx.st.team_members.end() && found->second.delete_at == 0) {
      out.push_back(team_member_json(found->second));
    }
  }
  return json_reply(200, out);
}

namespace {

Outcome member_channels(Ctx& ctx, const std::string& user_id, const std::string* team_id) {
  const bool include_deleted = parse_go_bool(ctx.query("include_deleted")).value_or(false);
  json::array out;
  auto found = ctx.st.user_channels.find(user_id);
  if (found == ctx.st.user_channels.end()) return json_reply(200, out);
  for (const auto& channel_id : ctx.st.channel_order) {
    if (!found->second.contains(channel_id)) continue;
    const Channel* channel = ctx.st.channel(channel_id);
    if (channel == nullptr || (channel->delete_at != 0 && !include_deleted)) continue;
    if (team_id != nullptr && !channel->team_id.empty() && channel->team_id != *team_id) continue;
    out.push_back(channel_json(*channel));
  }
  return json_reply(200, out);
}

}  // namespace

Outcome get_user_channels(Ctx& ctx) {
  auto user_id = require_user_id(ctx, ctx.params[0]);
  if (!user_id) return std::unexpected(user_id.error());
  if (!may_act_for(ctx, *user_id)) return std::unexpected(err_permissions());
  return member_channels(ctx, *user_id, nullptr);
}

Outcome get_user_team_channels(Ctx& ctx) {
  auto user_id = require_user_id(ctx, ctx.params[0]);
  if (!user_id) return std::unexpected(user_id.error());
  auto team_id = require_id(ctx.params[1], "team_id");
  if (!team_id) return std::unexpected(team_id.error());
  if (!may_act_for(ctx, *user_id)) return std::unexpected(err_permissions());
  if (!ctx.is_admin() && !ctx.st.is_team_member(ctx.me->id, *team_id))
    return std::unexpected(err_permissions());
  return member_channels(ctx, *user_id, &*team_id);
}

Outcome post_user_typing(Ctx& ctx) {
  auto user_id = require_user_id(ctx, ctx.params[0]);
  if (!user_id) return std::unexpected(user_id.error());
  if (!may_act_for(ctx, *user_id)) return std::unexpected(err_permissions());
  auto body = parse_body_object(ctx, "typing_request");
  if (!body) return std::unexpected(body.error());
  auto channel_id = field_string(*body, "channel_id", "typing_request");
  auto parent_id = field_string(*body, "parent_id", "typing_request");
  if (!channel_id) return std::unexpected(channel_id.error());
  if (!parent_id) return std::unexpected(parent_id.error());
  if (!is_valid_id(*channel_id)) return std::unexpected(err_invalid_body_param("typing_request.channel_id"));
  const Channel* channel = ctx.st.channel(*channel_id);
  if (channel == nullptr || !ctx.st.has_channel_role(*ctx.me, *channel))
    return std::unexpected(err_permissions());
  Event event =
      channel_event("typing", channel->id, json::object{{"parent_id", *parent_id}, {"user_id", *user_id}});
  event.broadcast.omit_users.insert(*user_id);
  ctx.events.push_back(std::move(event));
  return status_ok_reply();
}

}  // namespace mmsim

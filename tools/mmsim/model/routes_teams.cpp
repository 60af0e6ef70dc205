// Teams and team membership (§4.4).

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "mmsim/model/ids.hpp"
#include "mmsim/model/json_shapes.hpp"
#include "mmsim/model/membership.hpp"
#include "mmsim/model/routes.hpp"

namespace mmsim {

namespace json = boost::json;

namespace {

bool may_view_team(const Ctx& ctx, const Team& team) {
  if (ctx.is_admin() || ctx.st.is_team_member(ctx.me->id, team.id)) return true;
  return team.allow_open_invite && team.type == "O";
}

Outcome team_reply(const Ctx& ctx, const Team& team) {
  if (!may_view_team(ctx, team)) return std::unexpected(err_permissions());
  const bool sanitize = !ctx.is_admin() && !ctx.st.is_team_admin(ctx.me->id, team.id);
  return json_reply(200, team_json(team, sanitize));
}

}  // namespace

Outcome get_team(Ctx& ctx) {
  auto team_id = require_id(ctx.params[0], "team_id");
  if (!team_id) return std::unexpected(team_id.error());
  const Team* team = ctx.st.team(*team_id);
  if (team == nullptr || team->delete_at != 0) return std::unexpected(err_team_missing());
  return team_reply(ctx, *team);
}

Outcome get_team_by_name(Ctx& ctx) {
  auto found = ctx.st.team_by_name.find(ctx.params[0]);
  const Team* team = found == ctx.st.team_by_name.end() ? nullptr : ctx.st.team(found->second);
  if (team == nullptr || team->delete_at != 0) return std::unexpected(err_team_by_name_missing());
  return team_reply(ctx, *team);
}

Outcome get_team_members(Ctx& ctx) {
  auto team_id = require_id(ctx.params[0], "team_id");
  if (!team_id) return std::unexpected(team_id.error());
  if (!ctx.is_admin() && !ctx.st.is_team_member(ctx.me->id, *team_id))
    return std::unexpected(err_permissions());
  const Paging page = paging(ctx);
  json::array out;
  std::int64_t index = 0;
  for (auto it = ctx.st.team_members.lower_bound({*team_id, std::string()});
       it != ctx.st.team_members.end() && it->first.first == *team_id; ++it) {
    if (it->second.delete_at != 0) continue;
    if (index++ < page.page * page.per_page) continue;
    if (static_cast<std::int64_t>(out.size()) >= page.per_page) break;
    out.push_back(team_member_json(it->second));
  }
  return json_reply(200, out);
}

Outcome post_team_member(Ctx& ctx) {
  auto team_id = require_id(ctx.params[0], "team_id");
  if (!team_id) return std::unexpected(team_id.error());
  auto body = parse_body_object(ctx, "team_member");
  if (!body) return std::unexpected(body.error());
  auto body_team = field_string(*body, "team_id", "team_member");
  auto user_id = field_string(*body, "user_id", "team_member");
  if (!body_team) return std::unexpected(body_team.error());
  if (!user_id) return std::unexpected(user_id.error());
  if (*body_team != *team_id) return std::unexpected(err_invalid_body_param("team_id"));
  if (!is_valid_id(*user_id)) return std::unexpected(err_invalid_body_param("user_id"));
  const Team* team = ctx.st.team(*team_id);
  if (*user_id == ctx.me->id) {
    // join_public_teams (everyone) for open teams, join_private_teams (admins) otherwise.
    if (team == nullptr || team->delete_at != 0) return std::unexpected(err_team_missing());
    if (!team->allow_open_invite && !ctx.is_admin()) return std::unexpected(err_permissions());
  } else {
    // add_user_to_team: team members and admins.
    if (!ctx.is_admin() && !ctx.st.is_team_member(ctx.me->id, *team_id))
      return std::unexpected(err_permissions());
    if (team == nullptr || team->delete_at != 0) return std::unexpected(err_team_missing());
  }
  const User* user = ctx.st.user(*user_id);
  if (user == nullptr) return std::unexpected(err_user_missing());
  if (!ctx.st.is_team_member(user->id, team->id)) join_team(ctx.st, *team, *user, ctx.now, ctx.events);
  return json_reply(201, team_member_json(ctx.st.team_members.at({team->id, user->id})));
}

}  // namespace mmsim

#include "mmsim/model/router.hpp"

#include <array>
#include <string>
#include <vector>

#include "mmsim/model/rate_limiter.hpp"
#include "mmsim/model/routes.hpp"
#include "mmsim/model/text.hpp"

namespace mmsim {

namespace {

enum class Segment { literal, id, username, name, emoji };

struct Route {
  std::string_view method;
  std::string_view pattern;  // relative to /api/v4 ("/hooks/..." routes are absolute)
  bool auth = true;
  Outcome (*handler)(Ctx&) = nullptr;
};

// Registration order matters where two patterns could match the same path (literal first).
constexpr std::array kRoutes{
    Route{"GET", "/system/ping", false, &get_ping},
    Route{"POST", "/users/ids", true, &post_users_ids},
    Route{"POST", "/users/usernames", true, &post_users_usernames},
    Route{"POST", "/users/search", true, &post_users_search},
    Route{"GET", "/users/username/{username}", true, &get_user_by_username},
    Route{"GET", "/users/{id}", true, &get_user},
    Route{"GET", "/users/{id}/teams", true, &get_user_teams},
    Route{"GET", "/users/{id}/teams/members", true, &get_user_team_members},
    Route{"GET", "/users/{id}/channels", true, &get_user_channels},
    Route{"GET", "/users/{id}/teams/{id}/channels", true, &get_user_team_channels},
    Route{"POST", "/users/{id}/typing", true, &post_user_typing},
    Route{"DELETE", "/users/{id}/posts/{id}/reactions/{emoji}", true, &delete_reaction},
    Route{"GET", "/teams/name/{name}", true, &get_team_by_name},
    Route{"GET", "/teams/name/{name}/channels/name/{name}", true, &get_channel_by_team_name},
    Route{"GET", "/teams/{id}", true, &get_team},
    Route{"GET", "/teams/{id}/members", true, &get_team_members},
    Route{"POST", "/teams/{id}/members", true, &post_team_member},
    Route{"GET", "/teams/{id}/channels/name/{name}", true, &get_channel_by_name},
    Route{"POST", "/channels/direct", true, &post_direct_channel},
    Route{"POST", "/channels/group", true, &post_group_channel},
    Route{"POST", "/channels/members/{id}/view", true, &post_channel_view},
    Route{"GET", "/channels/{id}", true, &get_channel},
    Route{"GET", "/channels/{id}/posts", true, &get_channel_posts},
    Route{"GET", "/channels/{id}/members", true, &get_channel_members},
    Route{"POST", "/channels/{id}/members", true, &post_channel_member},
    Route{"GET", "/channels/{id}/members/{id}", true, &get_channel_member},
    Route{"DELETE", "/channels/{id}/members/{id}", true, &delete_channel_member},
    Route{"POST", "/posts", true, &post_create},
    Route{"POST", "/posts/ids", true, &post_posts_ids},
    Route{"GET", "/posts/{id}", true, &get_post},
    Route{"PUT", "/posts/{id}", true, &put_post},
    Route{"DELETE", "/posts/{id}", true, &delete_post_route},
    Route{"PUT", "/posts/{id}/patch", true, &put_post_patch},
    Route{"GET", "/posts/{id}/thread", true, &get_post_thread},
    Route{"GET", "/posts/{id}/reactions", true, &get_post_reactions},
    Route{"POST", "/posts/{id}/actions/{id}", true, &post_action},
    Route{"POST", "/reactions", true, &post_reaction},
    Route{"POST", "/files", true, &post_files},
    Route{"GET", "/files/{id}", true, &get_file},
    Route{"GET", "/files/{id}/info", true, &get_file_info},
    Route{"GET", "/commands", true, &get_commands},
    Route{"POST", "/commands", true, &post_command},
    Route{"POST", "/commands/execute", true, &post_command_execute},
    Route{"GET", "/commands/{id}", true, &get_command},
    Route{"PUT", "/commands/{id}", true, &put_command},
    Route{"DELETE", "/commands/{id}", true, &delete_command},
    Route{"PUT", "/commands/{id}/regen_token", true, &put_command_regen_token},
    Route{"POST", "/hooks/commands/{id}", false, &post_command_webhook},
};

bool matches_class(Segment kind, std::string_view value) {
  if (value.empty()) return false;
  for (char c : value) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    bool ok = alnum;
    if (kind == Segment::username) ok = alnum || c == '_' || c == '-' || c == '.';
    if (kind == Segment::name) ok = alnum || c == '_' || c == '-';
    if (kind == Segment::emoji) ok = alnum || c == '_' || c == '-' || c == '+';
    if (!ok) return false;
  }
  return true;
}

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> parts;
  if (!path.starts_with('/')) return parts;
  path.remove_prefix(1);
  while (true) {
    const std::size_t slash = path.find('/');
    parts.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return parts;
}

// Matches and returns the captured segments.
bool match(const Route& route, const std::vector<std::string>& segments, std::vector<std::string>& captures) {
  std::vector<std::string_view> pattern = split_path(route.pattern);
  if (pattern.size() != segments.size()) return false;
  captures.clear();
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const std::string_view part = pattern[i];
    if (!part.starts_with('{')) {
      if (part != segments[i]) return false;
      continue;
    }
    Segment kind = Segment::id;
    if (part == "{username}") kind = Segment::username;
    if (part == "{name}") kind = Segment::name;
    if (part == "{emoji}") kind = Segment::emoji;
    if (!matches_class(kind, segments[i])) return false;
    captures.push_back(segments[i]);
  }
  return true;
}

std::expected<void, AppError> authenticate(Ctx& ctx) {
  const TokenLocation location = parse_auth_token(ctx.req);
  if (location.token.empty()) return std::unexpected(err_session_expired());
  auto found = ctx.st.tokens.find(location.token);
  if (found == ctx.st.tokens.end()) return std::unexpected(err_session_expired());
  const User* user = ctx.st.user(found->second.user_id);
  if (user == nullptr || user->delete_at != 0) return std::unexpected(err_session_expired());
  if (location.from_query) return std::unexpected(err_token_in_query());
  ctx.me = user;
  ctx.token = &found->second;
  return {};
}

}  // namespace

Outcome dispatch(Ctx& ctx) {
  std::string_view path = ctx.req.path;
  bool api = false;
  if (path.starts_with("/api/v4/")) {
    path.remove_prefix(7);
    api = true;
  } else if (!path.starts_with("/hooks/")) {
    return std::unexpected(err_route_not_found());
  }
  std::vector<std::string> segments;
  for (std::string_view part : split_path(path)) segments.push_back(url_decode(part, false));
  for (const Route& route : kRoutes) {
    if (route.method != ctx.req.method) continue;
    if (route.pattern.starts_with("/hooks/") == api) continue;
    if (!match(route, segments, ctx.params)) continue;
    if (route.auth) {
      if (auto ok = authenticate(ctx); !ok) return std::unexpected(ok.error());
    }
    return route.handler(ctx);
  }
  return std::unexpected(err_route_not_found());
}

RestResponse render(const State& state, const Outcome& outcome, std::string_view request_id,
                    const HeaderList& extra, bool is_get) {
  RestResponse response;
  if (outcome) {
    response.status = outcome->status;
    response.body = outcome->body;
    if (!outcome->content_type.empty()) response.headers.emplace_back("Content-Type", outcome->content_type);
  } else {
    response.status = outcome.error().status;
    response.body = app_error_body(outcome.error(), request_id);
    response.headers.emplace_back("Content-Type", "application/json");
  }
  response.headers.emplace_back("X-Request-Id", std::string(request_id));
  response.headers.emplace_back("X-Version-Id", state.version_string());
  if (is_get) response.headers.emplace_back("Expires", "0");
  if (outcome)
    response.headers.insert(response.headers.end(), outcome->headers.begin(), outcome->headers.end());
  response.headers.insert(response.headers.end(), extra.begin(), extra.end());
  return response;
}

}  // namespace mmsim

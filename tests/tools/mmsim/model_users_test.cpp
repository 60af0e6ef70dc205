// Users, teams (§4.3, §4.4) and typing.

#include "model_support.hpp"

namespace mmsim::test {
namespace {

class ModelUsers : public ModelTest {};

TEST_F(ModelUsers, MeHasTheOwnUserShape) {
  RestResult result = get("/api/v4/users/me");
  ASSERT_EQ(result.response.status, 200);
  json::object me = body_of(result).as_object();
  EXPECT_EQ(keys_of(me),
            (std::set<std::string>{"id", "create_at", "update_at", "delete_at", "username", "auth_service",
                                   "email", "email_verified", "nickname", "first_name", "last_name",
                                   "position", "roles", "notify_props", "last_password_update", "locale",
                                   "timezone", "disable_welcome_email"}));
  EXPECT_EQ(me.at("id"), kAlice);
  EXPECT_EQ(me.at("username"), "alice");
  EXPECT_EQ(me.at("first_name"), "Alice");
  EXPECT_EQ(me.at("email"), "alice@example.com");
  EXPECT_EQ(me.at("roles"), "system_user");
  EXPECT_EQ(me.at("create_at"), kT0);
  EXPECT_EQ(me.at("timezone"),
            json::parse(R"({"automaticTimezone":"","manualTimezone":"","useAutomaticTimezone":"true"})"));
  EXPECT_EQ(body_of(get("/api/v4/users/" + std::string(kAlice))), json::value(me));
}

TEST_F(ModelUsers, OthersAreSanitizedAndBotsMarked) {
  json::object bob = body_of(get("/api/v4/users/" + std::string(kBob))).as_object();
  EXPECT_FALSE(bob.contains("notify_props"));
  EXPECT_FALSE(bob.contains("email_verified"));
  EXPECT_FALSE(bob.contains("is_bot"));
  json::object bot = body_of(get("/api/v4/users/" + std::string(kBot))).as_object();
  EXPECT_EQ(bot.at("is_bot"), true);
  EXPECT_EQ(bot.at("bot_description"), "CI");
  EXPECT_EQ(body_of(get("/api/v4/users/" + std::string(kAdmin))).at("roles"), "system_user system_admin");
}

TEST_F(ModelUsers, MissingUsers) {
  expect_app_error(get("/api/v4/users/zzzzzzzzzzzzzzzzzzzzzzzzzz"), 404, "app.user.missing_account.const");
  expect_app_error(get("/api/v4/users/username/nobody"), 404, "app.user.missing_account.const");
  expect_app_error(get("/api/v4/users/username/Bob"), 404, "app.user.missing_account.const");
  EXPECT_EQ(body_of(get("/api/v4/users/username/buildbot")).at("id"), kBot);
}

TEST_F(ModelUsers, UsersByIdsAndUsernames) {
  json::array ids{kBot, "zzzzzzzzzzzzzzzzzzzzzzzzzz", kBob, kBot};
  RestResult result = post("/api/v4/users/ids", ids);
  ASSERT_EQ(result.response.status, 200);
  json::array users = body_of(result).as_array();
  ASSERT_EQ(users.size(), 2u);
  EXPECT_EQ(users[0].at("id"), kBot);
  EXPECT_EQ(users[1].at("id"), kBob);
  expect_app_error(post("/api/v4/users/ids", json::array{}), 400, "api.context.invalid_body_param.app_error");
  expect_app_error(post("/api/v4/users/ids", json::array{"short"}), 400,
                   "api.context.invalid_body_param.app_error");
  ASSERT_TRUE(model_.set_user_update_at(kBob, kT0 + 10));
  json::array since =
      body_of(post("/api/v4/users/ids?since=" + std::to_string(kT0), json::array{kBob, kCarol})).as_array();
  ASSERT_EQ(since.size(), 1u);
  EXPECT_EQ(since[0].at("id"), kBob);

  json::array named =
      body_of(post("/api/v4/users/usernames", json::array{"carol", "ghost", "alice"})).as_array();
  ASSERT_EQ(named.size(), 2u);
  EXPECT_EQ(named[0].at("username"), "carol");
  EXPECT_EQ(named[1].at("notify_props").is_object(), true);  // alice is the caller
  expect_app_error(post("/api/v4/users/usernames", json::array{}), 400,
                   "api.context.invalid_body_param.app_error");
}

TEST_F(ModelUsers, Search) {
  json::array found = body_of(post("/api/v4/users/search", json::object{{"term", "b"}})).as_array();
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].at("username"), "bob");
  EXPECT_EQ(found[1].at("username"), "buildbot");
  EXPECT_EQ(
      body_of(post("/api/v4/users/search", json::object{{"term", "@LIDD"}})).as_array().at(0).at("username"),
      "alice");
  json::array in_team =
      body_of(post("/api/v4/users/search", json::object{{"term", "d"}, {"team_id", kEng}})).as_array();
  EXPECT_TRUE(in_team.empty());  // dave is in another team
  EXPECT_EQ(body_of(post("/api/v4/users/search", json::object{{"term", "d"}})).as_array().size(), 1u);
  json::array limited =
      body_of(post("/api/v4/users/search", json::object{{"term", "b"}, {"limit", 1}})).as_array();
  EXPECT_EQ(limited.size(), 1u);
  expect_app_error(post("/api/v4/users/search", json::object{{"term", "d"}, {"team_id", kOther}}), 403,
                   "api.context.permissions.app_error");
  expect_app_error(post("/api/v4/users/search", json::object{}), 400,
                   "api.context.invalid_body_param.app_error");
}

TEST_F(ModelUsers, TeamsOfAUser) {
  json::array teams = body_of(get("/api/v4/users/me/teams")).as_array();
  ASSERT_EQ(teams.size(), 1u);
  json::object eng = teams[0].as_object();
  EXPECT_EQ(keys_of(eng),
            (std::set<std::string>{"id", "create_at", "update_at", "delete_at", "display_name", "name",
                                   "description", "email", "type", "company_name", "allowed_domains",
                                   "invite_id", "allow_open_invite", "last_team_icon_update", "scheme_id",
                                   "group_constrained", "policy_id"}));
  EXPECT_EQ(eng.at("name"), "eng");
  EXPECT_EQ(eng.at("invite_id"), "");
  EXPECT_EQ(eng.at("scheme_id"), nullptr);
  json::value admin_view = body_of(get("/api/v4/users/me/teams", kAdminToken)).as_array().at(0);
  EXPECT_TRUE(is_valid_id(admin_view.at("invite_id").as_string()));
  expect_app_error(get("/api/v4/users/" + std::string(kBob) + "/teams"), 403,
                   "api.context.permissions.app_error");
  EXPECT_EQ(get("/api/v4/users/" + std::string(kBob) + "/teams", kAdminToken).response.status, 200);

  json::array members = body_of(get("/api/v4/users/me/teams/members", kAdminToken)).as_array();
  ASSERT_EQ(members.size(), 1u);
  EXPECT_EQ(members[0],
            json::parse(R"({"team_id":"saqjfmjqqy9mo1yj4zwed73333","user_id":"a4gm8d3xq1nbwz7rjs9ke5tcfy",
      "roles":"team_user team_admin","delete_at":0,"scheme_guest":false,"scheme_user":true,"scheme_admin":true,"explicit_roles":""})"));
}

TEST_F(ModelUsers, ChannelsOfAUser) {
  json::array all = body_of(get("/api/v4/users/me/channels")).as_array();
  std::set<std::string> ids;
  for (const auto& channel : all) ids.insert(std::string(channel.at("id").as_string()));
  EXPECT_EQ(ids,
            (std::set<std::string>{std::string(kTownSquare), std::string(kBuildAlerts), std::string(kOps)}));
  ASSERT_EQ(post("/api/v4/channels/direct", json::array{kAlice, kBob}).response.status, 201);
  json::array in_team = body_of(get("/api/v4/users/me/teams/" + std::string(kEng) + "/channels")).as_array();
  EXPECT_EQ(in_team.size(), 4u);  // the DM is included
  EXPECT_EQ(in_team.back().at("type"), "D");
  expect_app_error(get("/api/v4/users/me/teams/" + std::string(kEng) + "/channels", kDaveToken), 403,
                   "api.context.permissions.app_error");
  expect_app_error(get("/api/v4/users/" + std::string(kBob) + "/channels"), 403,
                   "api.context.permissions.app_error");
}

TEST_F(ModelUsers, TypingIsBroadcastToTheChannelWithoutTheTypist) {
  RestResult result =
      post("/api/v4/users/me/typing", json::object{{"channel_id", kTownSquare}, {"parent_id", ""}});
  ASSERT_EQ(result.response.status, 200);
  EXPECT_EQ(body_of(result), json::parse(R"({"status":"OK"})"));
  ASSERT_EQ(result.events.size(), 1u);
  const Event& typing = result.events[0];
  EXPECT_EQ(typing.event, "typing");
  EXPECT_EQ(typing.broadcast.channel_id, kTownSquare);
  EXPECT_EQ(typing.broadcast.omit_users, (std::set<std::string>{std::string(kAlice)}));
  EXPECT_EQ(typing.data, (json::object{{"parent_id", ""}, {"user_id", kAlice}}));
  expect_app_error(post("/api/v4/users/me/typing", json::object{{"channel_id", kOffTopic}}), 403,
                   "api.context.permissions.app_error");
  expect_app_error(post("/api/v4/users/me/typing", json::object{{"channel_id", "x"}}), 400,
                   "api.context.invalid_body_param.app_error");
  expect_app_error(
      post("/api/v4/users/" + std::string(kBob) + "/typing", json::object{{"channel_id", kTownSquare}}), 403,
      "api.context.permissions.app_error");
}

TEST_F(ModelUsers, TeamsByIdAndNameAndMembership) {
  RestResult eng = get("/api/v4/teams/" + std::string(kEng));
  ASSERT_EQ(eng.response.status, 200);
  EXPECT_EQ(body_of(eng).at("display_name"), "Engineering");
  EXPECT_EQ(body_of(get("/api/v4/teams/name/eng")).at("id"), kEng);
  expect_app_error(get("/api/v4/teams/name/nope"), 404, "app.team.get_by_name.missing.app_error");
  expect_app_error(get("/api/v4/teams/zzzzzzzzzzzzzzzzzzzzzzzzzz"), 404, "app.team.get.find.app_error");
  expect_app_error(get("/api/v4/teams/" + std::string(kEng), kDaveToken), 403,
                   "api.context.permissions.app_error");

  json::array members =
      body_of(get("/api/v4/teams/" + std::string(kEng) + "/members?per_page=2&page=1")).as_array();
  ASSERT_EQ(members.size(), 2u);
  EXPECT_EQ(body_of(get("/api/v4/teams/" + std::string(kEng) + "/members")).as_array().size(), 5u);
  expect_app_error(get("/api/v4/teams/" + std::string(kEng) + "/members", kDaveToken), 403,
                   "api.context.permissions.app_error");

  // Adding dave: dave cannot join a team without open invite, a member can add him.
  json::object body{{"team_id", kEng}, {"user_id", kDave}};
  expect_app_error(post("/api/v4/teams/" + std::string(kEng) + "/members", body, kDaveToken), 403,
                   "api.context.permissions.app_error");
  RestResult added = post("/api/v4/teams/" + std::string(kEng) + "/members", body);
  ASSERT_EQ(added.response.status, 201) << added.response.body;
  EXPECT_EQ(body_of(added).at("user_id"), kDave);
  EXPECT_EQ(body_of(added).at("roles"), "team_user");
  EXPECT_TRUE(model_.is_team_member(kDave, kEng));
  // added_to_team to dave, then he joins town-square (user_added + system_join_team post).
  ASSERT_GE(added.events.size(), 3u);
  EXPECT_EQ(added.events[0].event, "added_to_team");
  EXPECT_EQ(added.events[0].broadcast.user_id, kDave);
  EXPECT_EQ(added.events[1].event, "user_added");
  EXPECT_EQ(added.events[1].broadcast.channel_id, kTownSquare);
  EXPECT_EQ(added.events[2].event, "posted");
  EXPECT_EQ(decoded(added.events[2], "post").at("type"), "system_join_team");
  EXPECT_TRUE(model_.is_channel_member(kDave, kTownSquare));
  expect_app_error(post("/api/v4/teams/" + std::string(kEng) + "/members",
                        json::object{{"team_id", kOther}, {"user_id", kDave}}),
                   400, "api.context.invalid_body_param.app_error");
}

}  // namespace
}  // namespace mmsim::test

// Channels, DMs/GMs, membership and views (§4.5, §2.8-§2.11).

#include "model_support.hpp"

#include "mmsim/model/state.hpp"

namespace mmsim::test {
namespace {

class ModelChannels : public ModelTest {
 protected:
  std::string channel_path(std::string_view id) { return "/api/v4/channels/" + std::string(id); }
};

TEST_F(ModelChannels, ChannelShapeAndReadPermissions) {
  RestResult result = get(channel_path(kBuildAlerts), kCarolToken);  // public, carol is not a member
  ASSERT_EQ(result.response.status, 200);
  json::object channel = body_of(result).as_object();
  EXPECT_EQ(keys_of(channel), (std::set<std::string>{"id",
                                                     "create_at",
                                                     "update_at",
                                                     "delete_at",
                                                     "team_id",
                                                     "type",
                                                     "display_name",
                                                     "name",
                                                     "header",
                                                     "purpose",
                                                     "last_post_at",
                                                     "total_msg_count",
                                                     "extra_update_at",
                                                     "creator_id",
                                                     "scheme_id",
                                                     "props",
                                                     "group_constrained",
                                                     "shared",
                                                     "total_msg_count_root",
                                                     "policy_id",
                                                     "last_root_post_at"}));
  EXPECT_EQ(channel.at("type"), "O");
  EXPECT_EQ(channel.at("team_id"), kEng);
  EXPECT_EQ(channel.at("name"), "build-alerts");
  EXPECT_EQ(channel.at("display_name"), "Build Alerts");
  EXPECT_EQ(channel.at("props"), nullptr);
  expect_app_error(get(channel_path(kOps), kBobToken), 403, "api.context.permissions.app_error");
  expect_app_error(get(channel_path(kBuildAlerts), kDaveToken), 403, "api.context.permissions.app_error");
  expect_app_error(get(channel_path("zzzzzzzzzzzzzzzzzzzzzzzzzz")), 404,
                   "app.channel.get.existing.app_error");
  EXPECT_EQ(get(channel_path(kOps), kAdminToken).response.status, 200);
}

TEST_F(ModelChannels, ChannelByName) {
  const std::string base = "/api/v4/teams/" + std::string(kEng) + "/channels/name/";
  EXPECT_EQ(body_of(get(base + "build-alerts", kCarolToken)).at("id"), kBuildAlerts);
  expect_app_error(get(base + "ops", kBobToken), 404, "app.channel.get_by_name.missing.app_error");
  EXPECT_EQ(body_of(get(base + "ops")).at("id"), kOps);
  expect_app_error(get(base + "nope"), 404, "app.channel.get_by_name.missing.app_error");
  expect_app_error(get(base + "town-square", kDaveToken), 403, "api.context.permissions.app_error");
  EXPECT_EQ(body_of(get("/api/v4/teams/name/eng/channels/name/town-square")).at("id"), kTownSquare);
  EXPECT_EQ(body_of(get("/api/v4/teams/name/other/channels/name/town-square", kDaveToken)).at("id"),
            kOtherTown);
  expect_app_error(get("/api/v4/teams/name/nope/channels/name/town-square"), 404,
                   "app.team.get_by_name.missing.app_error");
}

TEST_F(ModelChannels, DirectChannelsAreCreatedOnce) {
  RestResult created = post("/api/v4/channels/direct", json::array{kBot, kAlice});
  ASSERT_EQ(created.response.status, 201);
  json::object dm = body_of(created).as_object();
  EXPECT_EQ(dm.at("name"), "14j8umgczgrdp95w77zuxmxfu9__wj3drgzdpnf54rxf5d8qd3dqne");
  EXPECT_EQ(dm.at("type"), "D");
  EXPECT_EQ(dm.at("team_id"), "");
  EXPECT_EQ(dm.at("display_name"), "");
  const std::string id(dm.at("id").as_string());
  EXPECT_TRUE(model_.is_channel_member(kAlice, id));
  EXPECT_TRUE(model_.is_channel_member(kBot, id));
  ASSERT_EQ(created.events.size(), 1u);
  EXPECT_EQ(created.events[0].event, "direct_added");
  EXPECT_EQ(created.events[0].broadcast.channel_id, id);
  EXPECT_EQ(created.events[0].data, (json::object{{"creator_id", kAlice}, {"teammate_id", kBot}}));

  RestResult again = post("/api/v4/channels/direct", json::array{kAlice, kBot}, kBotToken);
  EXPECT_EQ(again.response.status, 201);
  EXPECT_EQ(body_of(again).at("id"), id);
  EXPECT_TRUE(again.events.empty());

  RestResult self = post("/api/v4/channels/direct", json::array{kAlice, kAlice});
  EXPECT_EQ(body_of(self).at("name"), "14j8umgczgrdp95w77zuxmxfu9__14j8umgczgrdp95w77zuxmxfu9");

  expect_app_error(post("/api/v4/channels/direct", json::array{kAlice}), 400,
                   "api.context.invalid_body_param.app_error");
  expect_app_error(post("/api/v4/channels/direct", json::array{kAlice, kBob, kBot}), 400,
                   "api.context.invalid_body_param.app_error");
  expect_app_error(post("/api/v4/channels/direct", json::array{kAlice, "bad"}), 400,
                   "api.context.invalid_body_param.app_error");
  expect_app_error(post("/api/v4/channels/direct", json::array{kBob, kBot}), 403,
                   "api.context.permissions.app_error");
  EXPECT_EQ(post("/api/v4/channels/direct", json::array{kBob, kBot}, kAdminToken).response.status, 201);
  expect_app_error(post("/api/v4/channels/direct", json::array{kAlice, "zzzzzzzzzzzzzzzzzzzzzzzzzz"}), 400,
                   "api.channel.create_direct_channel.invalid_user.app_error");
}

TEST_F(ModelChannels, GroupChannels) {
  RestResult created = post("/api/v4/channels/group", json::array{kBot, kBob});  // alice is added
  ASSERT_EQ(created.response.status, 201) << created.response.body;
  json::object gm = body_of(created).as_object();
  EXPECT_EQ(gm.at("name"), "f4d6e2ee196f57ae46544c092fc3141e60a5d838");
  EXPECT_EQ(gm.at("display_name"), "alice, bob, buildbot");
  EXPECT_EQ(gm.at("type"), "G");
  EXPECT_EQ(gm.at("team_id"), "");
  ASSERT_EQ(created.events.size(), 1u);
  EXPECT_EQ(created.events[0].event, "group_added");
  EXPECT_EQ(created.events[0].broadcast.channel_id, gm.at("id").as_string());
  EXPECT_EQ(created.events[0].data.at("teammate_ids").as_string(),
            R"(["14j8umgczgrdp95w77zuxmxfu9","ih1r84kij94nrwis97rft6rduh","wj3drgzdpnf54rxf5d8qd3dqne"])");
  RestResult again = post("/api/v4/channels/group", json::array{kAlice, kBob, kBot}, kBobToken);
  EXPECT_EQ(again.response.status, 201);
  EXPECT_EQ(body_of(again).at("id"), gm.at("id"));
  EXPECT_TRUE(again.events.empty());
  expect_app_error(post("/api/v4/channels/group", json::array{kBob}), 400,
                   "api.channel.create_group.bad_size.app_error");
  json::array nine;
  for (int i = 0; i < 8; ++i) nine.emplace_back(std::string(25, 'a') + static_cast<char>('a' + i));
  expect_app_error(post("/api/v4/channels/group", nine), 400, "api.channel.create_group.bad_size.app_error");
  expect_app_error(post("/api/v4/channels/group", json::array{kBob, "zzzzzzzzzzzzzzzzzzzzzzzzzz"}), 400,
                   "api.channel.create_group.bad_user.app_error");
}

TEST_F(ModelChannels, MembersListAndLookup) {
  json::array members = body_of(get(channel_path(kBuildAlerts) + "/members")).as_array();
  ASSERT_EQ(members.size(), 3u);
  json::object member = members[0].as_object();
  EXPECT_EQ(keys_of(member),
            (std::set<std::string>{"channel_id", "user_id", "roles", "last_viewed_at", "msg_count",
                                   "mention_count", "mention_count_root", "urgent_mention_count",
                                   "msg_count_root", "notify_props", "last_update_at", "scheme_guest",
                                   "scheme_user", "scheme_admin", "explicit_roles"}));
  EXPECT_EQ(member.at("roles"), "channel_user");
  EXPECT_EQ(
      body_of(get(channel_path(kBuildAlerts) + "/members?per_page=1&page=2")).as_array().at(0).at("user_id"),
      kBot);
  EXPECT_EQ(body_of(get(channel_path(kBuildAlerts) + "/members/me")).at("user_id"), kAlice);
  expect_app_error(get(channel_path(kBuildAlerts) + "/members/" + std::string(kCarol)), 404,
                   "app.channel.get_member.missing.app_error");
  expect_app_error(get(channel_path(kOps) + "/members", kBobToken), 403, "api.context.permissions.app_error");
}

TEST_F(ModelChannels, JoiningAPublicChannelPostsASystemMessage) {
  RestResult joined =
      post(channel_path(kBuildAlerts) + "/members", json::object{{"user_id", kCarol}}, kCarolToken);
  ASSERT_EQ(joined.response.status, 201) << joined.response.body;
  EXPECT_EQ(body_of(joined).at("user_id"), kCarol);
  EXPECT_EQ(body_of(joined).at("channel_id"), kBuildAlerts);
  ASSERT_EQ(joined.events.size(), 2u);
  EXPECT_EQ(joined.events[0].event, "user_added");
  EXPECT_EQ(joined.events[0].broadcast.channel_id, kBuildAlerts);
  EXPECT_EQ(joined.events[0].data, (json::object{{"team_id", kEng}, {"user_id", kCarol}}));
  EXPECT_EQ(joined.events[1].event, "posted");
  json::value sys = decoded(joined.events[1], "post");
  EXPECT_EQ(sys.at("type"), "system_join_channel");
  EXPECT_EQ(sys.at("message"), "carol joined the channel.");
  EXPECT_EQ(sys.at("user_id"), kCarol);
  EXPECT_EQ(sys.at("props"), (json::object{{"username", "carol"}}));
  EXPECT_EQ(joined.events[1].data.at("sender_name"), "System");
  EXPECT_TRUE(joined.events[1].mentioned_user_ids.empty());
  EXPECT_TRUE(model_.is_channel_member(kCarol, kBuildAlerts));

  RestResult again =
      post(channel_path(kBuildAlerts) + "/members", json::object{{"user_id", kCarol}}, kCarolToken);
  EXPECT_EQ(again.response.status, 201);
  EXPECT_TRUE(again.events.empty());
}

TEST_F(ModelChannels, AddingOthers) {
  const std::string root = make_post(kOps, "who should join?");
  RestResult added =
      post(channel_path(kOps) + "/members", json::object{{"user_id", kCarol}, {"post_root_id", root}});
  ASSERT_EQ(added.response.status, 201) << added.response.body;
  json::value sys = decoded(added.events.at(1), "post");
  EXPECT_EQ(sys.at("type"), "system_add_to_channel");
  EXPECT_EQ(sys.at("message"), "carol added to the channel by alice.");
  EXPECT_EQ(sys.at("user_id"), kAlice);
  EXPECT_EQ(sys.at("root_id"), root);
  EXPECT_EQ(
      sys.at("props"),
      (json::object{
          {"userId", kAlice}, {"username", "alice"}, {"addedUserId", kCarol}, {"addedUsername", "carol"}}));
  expect_app_error(this->post(channel_path(kOps) + "/members", json::object{{"user_id", kBob}}, kBobToken),
                   403, "api.context.permissions.app_error");
  expect_app_error(this->post(channel_path(kBuildAlerts) + "/members", json::object{{"user_id", kDave}}), 404,
                   "app.team.get_member.missing.app_error");
  expect_app_error(this->post(channel_path(kBuildAlerts) + "/members", json::object{{"user_id", "bad"}}), 400,
                   "api.context.invalid_body_param.app_error");
  expect_app_error(
      this->post(channel_path("zzzzzzzzzzzzzzzzzzzzzzzzzz") + "/members", json::object{{"user_id", kBob}}),
      404, "app.channel.get.existing.app_error");
  const std::string dm(
      body_of(this->post("/api/v4/channels/direct", json::array{kAlice, kBob})).at("id").as_string());
  expect_app_error(this->post(channel_path(dm) + "/members", json::object{{"user_id", kCarol}}), 400,
                   "api.channel.add_user_to_channel.type.app_error");
  RestResult many = this->post(channel_path(kOffTopic) + "/members",
                               json::object{{"user_ids", json::array{kAlice, kBob}}}, kCarolToken);
  ASSERT_EQ(many.response.status, 201);
  EXPECT_EQ(body_of(many).as_array().size(), 2u);
}

TEST_F(ModelChannels, RemovingMembersSendsTwoUserRemovedEvents) {
  RestResult removed = del(channel_path(kBuildAlerts) + "/members/" + std::string(kBob));
  ASSERT_EQ(removed.response.status, 200);
  EXPECT_EQ(body_of(removed), json::parse(R"({"status":"OK"})"));
  ASSERT_EQ(removed.events.size(), 3u);
  EXPECT_EQ(removed.events[0].event, "user_removed");
  EXPECT_EQ(removed.events[0].broadcast.channel_id, kBuildAlerts);
  EXPECT_EQ(removed.events[0].data, (json::object{{"remover_id", kAlice}, {"user_id", kBob}}));
  EXPECT_EQ(removed.events[1].event, "user_removed");
  EXPECT_EQ(removed.events[1].broadcast.user_id, kBob);
  EXPECT_EQ(removed.events[1].broadcast.channel_id, "");
  EXPECT_EQ(removed.events[1].data, (json::object{{"channel_id", kBuildAlerts}, {"remover_id", kAlice}}));
  EXPECT_EQ(decoded(removed.events[2], "post").at("type"), "system_remove_from_channel");
  EXPECT_EQ(decoded(removed.events[2], "post").at("message"), "bob was removed from the channel.");
  EXPECT_FALSE(model_.is_channel_member(kBob, kBuildAlerts));
  expect_app_error(del(channel_path(kBuildAlerts) + "/members/" + std::string(kBob)), 404,
                   "app.channel.get_member.missing.app_error");

  RestResult left = del(channel_path(kBuildAlerts) + "/members/me", kBotToken);
  ASSERT_EQ(left.response.status, 200);
  EXPECT_EQ(decoded(left.events.back(), "post").at("type"), "system_leave_channel");
  EXPECT_EQ(decoded(left.events.back(), "post").at("message"), "buildbot left the channel.");

  expect_app_error(del(channel_path(kTownSquare) + "/members/me"), 400,
                   "api.channel.remove.default.app_error");
  expect_app_error(del(channel_path(kOps) + "/members/" + std::string(kAlice), kBobToken), 403,
                   "api.context.permissions.app_error");
}

TEST_F(ModelChannels, ControlApiMembershipChanges) {
  auto removed = model_.remove_channel_member(kAlice, kOps, now());
  ASSERT_TRUE(removed);
  ASSERT_EQ(removed->size(), 3u);
  EXPECT_EQ((*removed)[1].broadcast.user_id, kAlice);
  EXPECT_FALSE(model_.is_channel_member(kAlice, kOps));
  EXPECT_FALSE(model_.remove_channel_member(kAlice, kOps, now()));
  auto added = model_.add_channel_member(kAlice, kOps, now());
  ASSERT_TRUE(added);
  EXPECT_EQ(added->front().event, "user_added");
  EXPECT_TRUE(model_.is_channel_member(kAlice, kOps));
}

TEST_F(ModelChannels, ViewingAChannel) {
  make_post(kBuildAlerts, "hey @alice", kBobToken);
  EXPECT_EQ(model_.find_channel_member(kBuildAlerts, kAlice)->mention_count, 1);
  RestResult viewed = post("/api/v4/channels/members/me/view",
                           json::object{{"channel_id", kBuildAlerts}, {"prev_channel_id", ""}});
  ASSERT_EQ(viewed.response.status, 200);
  EXPECT_EQ(body_of(viewed),
            (json::value(json::object{{"status", "OK"},
                                      {"last_viewed_at_times", json::object{{kBuildAlerts, now()}}}})));
  ASSERT_EQ(viewed.events.size(), 1u);
  EXPECT_EQ(viewed.events[0].event, "channel_viewed");
  EXPECT_EQ(viewed.events[0].broadcast.user_id, kAlice);
  EXPECT_EQ(viewed.events[0].data, (json::object{{"channel_id", kBuildAlerts}}));
  const ChannelMember* member = model_.find_channel_member(kBuildAlerts, kAlice);
  EXPECT_EQ(member->mention_count, 0);
  EXPECT_EQ(member->msg_count, 1);
  EXPECT_EQ(member->last_viewed_at, now());
  RestResult not_member = post("/api/v4/channels/members/me/view", json::object{{"channel_id", kOffTopic}});
  EXPECT_EQ(body_of(not_member).at("last_viewed_at_times"), json::object{});
  EXPECT_TRUE(not_member.events.empty());
  expect_app_error(post("/api/v4/channels/members/" + std::string(kBob) + "/view",
                        json::object{{"channel_id", kBuildAlerts}}),
                   403, "api.context.permissions.app_error");
}

}  // namespace
}  // namespace mmsim::test

// Reactions (§0.6, §2.5, §4.7).

#include "model_support.hpp"

namespace mmsim::test {
namespace {

class ModelReactions : public ModelTest {
 protected:
  RestResult react(std::string_view post_id, std::string_view emoji, std::string_view user = kAlice,
                   std::string_view token = kAliceToken) {
    return post("/api/v4/reactions",
                json::object{{"user_id", user}, {"post_id", post_id}, {"emoji_name", emoji}}, token);
  }
  std::string remove_path(std::string_view user, std::string_view post_id, std::string_view emoji) {
    return "/api/v4/users/" + std::string(user) + "/posts/" + std::string(post_id) + "/reactions/" +
           std::string(emoji);
  }
};

TEST_F(ModelReactions, AddingIsOkWithTheReactionAndAnEvent) {
  const std::string id = make_post(kBuildAlerts, "ship it", kBotToken);
  RestResult added = react(id, "+1");
  ASSERT_EQ(added.response.status, 200) << added.response.body;
  const json::value expected = json::object{
      {"user_id", kAlice},  {"post_id", id},  {"emoji_name", "+1"}, {"create_at", now()},
      {"update_at", now()}, {"delete_at", 0}, {"remote_id", ""},    {"channel_id", kBuildAlerts}};
  EXPECT_EQ(body_of(added), expected);
  ASSERT_EQ(added.events.size(), 1u);
  EXPECT_EQ(added.events[0].event, "reaction_added");
  EXPECT_EQ(added.events[0].broadcast.channel_id, kBuildAlerts);
  EXPECT_EQ(decoded(added.events[0], "reaction"), expected);

  const Post* stored = model_.find_post(id);
  EXPECT_TRUE(stored->has_reactions);
  EXPECT_EQ(stored->update_at, now());
  json::object fetched = body_of(get("/api/v4/posts/" + id)).as_object();
  EXPECT_EQ(fetched.at("has_reactions"), true);
  EXPECT_EQ(fetched.at("metadata").at("reactions"), json::array{expected});
  EXPECT_EQ(body_of(get("/api/v4/posts/" + id + "/reactions")), json::array{expected});

  // Idempotent: saving again keeps one reaction.
  RestResult again = react(id, "+1");
  EXPECT_EQ(again.response.status, 200);
  EXPECT_EQ(body_of(get("/api/v4/posts/" + id + "/reactions")).as_array().size(), 1u);
  EXPECT_EQ(model_.reactions(id).size(), 1u);
}

TEST_F(ModelReactions, RemovingSoftDeletesAndNotifies) {
  const std::string id = make_post(kBuildAlerts, "ship it", kBotToken);
  ASSERT_EQ(react(id, "white_check_mark").response.status, 200);
  const std::int64_t added_at = now();
  RestResult removed = del(remove_path("me", id, "white_check_mark"));
  ASSERT_EQ(removed.response.status, 200);
  EXPECT_EQ(body_of(removed), json::parse(R"({"status":"OK"})"));
  ASSERT_EQ(removed.events.size(), 1u);
  EXPECT_EQ(removed.events[0].event, "reaction_removed");
  json::value reaction = decoded(removed.events[0], "reaction");
  EXPECT_EQ(reaction.at("create_at"), added_at);
  EXPECT_EQ(reaction.at("update_at"), now());
  EXPECT_EQ(reaction.at("delete_at"), now());
  EXPECT_FALSE(model_.find_post(id)->has_reactions);
  EXPECT_EQ(body_of(get("/api/v4/posts/" + id + "/reactions")), json::array{});
  EXPECT_FALSE(body_of(get("/api/v4/posts/" + id)).as_object().contains("has_reactions"));
  EXPECT_TRUE(del(remove_path("me", id, "white_check_mark")).events.empty());
  // Re-adding after removal works.
  EXPECT_EQ(react(id, "white_check_mark").response.status, 200);
  EXPECT_TRUE(model_.find_post(id)->has_reactions);
}

TEST_F(ModelReactions, Validation) {
  const std::string id = make_post(kBuildAlerts, "ship it", kBotToken);
  expect_app_error(react(id, "+1", kBob), 403, "api.reaction.save_reaction.user_id.app_error");
  expect_app_error(react(id, ":smile:"), 400, "model.reaction.is_valid.emoji_name.app_error");
  expect_app_error(react(id, "smile face"), 400, "model.reaction.is_valid.emoji_name.app_error");
  expect_app_error(react(id, std::string(65, 'a')), 400, "api.reaction.save_reaction.invalid.app_error");
  EXPECT_EQ(react(id, std::string(64, 'a')).response.status, 200);
  expect_app_error(react(id, ""), 400, "api.reaction.save_reaction.invalid.app_error");
  expect_app_error(react("short", "+1"), 400, "api.reaction.save_reaction.invalid.app_error");
  expect_app_error(react("zzzzzzzzzzzzzzzzzzzzzzzzzz", "+1"), 403, "api.context.permissions.app_error");
  // Reacting needs channel membership: carol can read build-alerts but is not a member.
  expect_app_error(react(id, "+1", kCarol, kCarolToken), 403, "api.context.permissions.app_error");
  expect_app_error(call("POST", "/api/v4/reactions", "nope"), 400,
                   "api.context.invalid_body_param.app_error");
}

TEST_F(ModelReactions, RemovingOthersNeedsAdmin) {
  const std::string id = make_post(kBuildAlerts, "ship it", kBotToken);
  ASSERT_EQ(react(id, "tada", kBob, kBobToken).response.status, 200);
  expect_app_error(del(remove_path(kBob, id, "tada")), 403, "api.context.permissions.app_error");
  EXPECT_EQ(del(remove_path(kBob, id, "tada"), kAdminToken).events.size(), 1u);
  expect_app_error(del(remove_path("me", "zzzzzzzzzzzzzzzzzzzzzzzzzz", "tada")), 403,
                   "api.context.permissions.app_error");
  expect_app_error(get("/api/v4/posts/" + make_post(kOps, "x") + "/reactions", kBobToken), 403,
                   "api.context.permissions.app_error");
  // Emoji names with characters outside [A-Za-z0-9_+-] do not match the route.
  expect_app_error(del(remove_path("me", id, "a.b")), 404, "api.context.404.app_error");
}

}  // namespace
}  // namespace mmsim::test

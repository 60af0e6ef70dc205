// Read-back and lookups for the control API and the hub.

#include "model_support.hpp"

namespace mmsim::test {
namespace {

class ModelReadBack : public ModelTest {};

TEST_F(ModelReadBack, PostsWithTheirEditHistory) {
  const std::string a = make_post(kBuildAlerts, "first");
  const std::string b = make_post(kTownSquare, "second", kBobToken);
  ASSERT_EQ(put("/api/v4/posts/" + a + "/patch", json::object{{"message", "first, edited"}}).response.status,
            200);
  ASSERT_EQ(put("/api/v4/posts/" + a,
                json::object{{"id", a}, {"message", "first, again"}, {"props", json::object{{"x", 1}}}})
                .response.status,
            200);
  ASSERT_EQ(del("/api/v4/posts/" + a).response.status, 200);
  auto posts = model_.posts();
  ASSERT_EQ(posts.size(), 2u);
  EXPECT_EQ(posts[0]->id, a);
  EXPECT_EQ(posts[1]->id, b);
  const Post& first = *posts[0];
  ASSERT_EQ(first.history.size(), 4u);
  EXPECT_EQ(first.history[0].cause, "create");
  EXPECT_EQ(first.history[0].message, "first");
  EXPECT_EQ(first.history[1].cause, "patch");
  EXPECT_EQ(first.history[1].message, "first, edited");
  EXPECT_EQ(first.history[2].cause, "update");
  EXPECT_EQ(first.history[2].props, (json::object{{"x", 1}}));
  EXPECT_EQ(first.history[3].cause, "delete");
  EXPECT_EQ(first.history[3].at, first.delete_at);
  EXPECT_LT(first.history[0].at, first.history[1].at);
  EXPECT_EQ(model_.channel_posts(kBuildAlerts).size(), 1u);
  EXPECT_EQ(model_.channel_posts(kOffTopic).size(), 0u);
  EXPECT_EQ(model_.find_post("zzzzzzzzzzzzzzzzzzzzzzzzzz"), nullptr);
}

TEST_F(ModelReadBack, ReactionsFilesCommandsAndDirectory) {
  const std::string id = make_post(kBuildAlerts, "x");
  ASSERT_EQ(
      post("/api/v4/reactions", json::object{{"user_id", kAlice}, {"post_id", id}, {"emoji_name", "eyes"}})
          .response.status,
      200);
  ASSERT_EQ(del("/api/v4/users/me/posts/" + id + "/reactions/eyes").response.status, 200);
  auto reactions = model_.reactions(id);
  ASSERT_EQ(reactions.size(), 1u);
  EXPECT_EQ(reactions[0]->emoji_name, "eyes");
  EXPECT_GT(reactions[0]->delete_at, 0);

  ASSERT_EQ(call("POST", "/api/v4/files?channel_id=" + std::string(kBuildAlerts) + "&filename=a.txt", "abc")
                .response.status,
            201);
  ASSERT_EQ(model_.files().size(), 1u);
  EXPECT_EQ(model_.files()[0]->bytes, "abc");
  EXPECT_EQ(model_.find_file(model_.files()[0]->id)->name, "a.txt");

  EXPECT_EQ(model_.users().size(), 6u);
  EXPECT_EQ(model_.users()[0]->username, "alice");
  EXPECT_EQ(model_.teams().size(), 2u);
  EXPECT_EQ(model_.channels().size(), 5u);
  EXPECT_EQ(model_.find_team(kEng)->name, "eng");
  EXPECT_EQ(model_.find_channel(kOps)->name, "ops");
  EXPECT_EQ(model_.find_user(kBot)->username, "buildbot");
  EXPECT_EQ(model_.find_user_by_username("carol")->id, kCarol);
  EXPECT_EQ(model_.user_channel_ids(kBot),
            (std::vector<std::string>{std::string(kBuildAlerts), std::string(kOps)}));
  EXPECT_TRUE(model_.commands().empty());
}

TEST_F(ModelReadBack, MembershipQueriesForTheHub) {
  EXPECT_TRUE(model_.is_channel_member(kBot, kBuildAlerts));
  EXPECT_FALSE(model_.is_channel_member(kCarol, kBuildAlerts));
  EXPECT_TRUE(model_.is_team_member(kCarol, kEng));
  EXPECT_TRUE(model_.is_system_admin(kAdmin));
  EXPECT_FALSE(model_.is_system_admin("zzzzzzzzzzzzzzzzzzzzzzzzzz"));
  EXPECT_TRUE(model_.can_post(kCarol, kBuildAlerts));
  EXPECT_FALSE(model_.can_post(kCarol, kOps));
  EXPECT_TRUE(model_.can_post(kAdmin, kOps));
  EXPECT_FALSE(model_.can_post(kAlice, "zzzzzzzzzzzzzzzzzzzzzzzzzz"));
  EXPECT_EQ(model_.find_channel_member(kOps, kBot)->user_id, kBot);
  EXPECT_EQ(model_.find_channel_member(kOps, kBob), nullptr);
  EXPECT_EQ(model_.user_for_token(kAdminToken), std::string(kAdmin));
  const std::string id = model_.new_id();
  EXPECT_TRUE(is_valid_id(id));
  EXPECT_NE(model_.new_id(), id);
}

}  // namespace
}  // namespace mmsim::test

// Fixture loading: the format, generated and given ids, errors naming the bad field,
// all-or-nothing application, and the shipped demo fixture.

#include <fstream>
#include <sstream>

#include "model_support.hpp"

#include "mmsim/model/state.hpp"

namespace mmsim::test {
namespace {

Model fresh() {
  return Model(test_config(), sequential_id_generator(1));
}

std::string load_error(std::string_view text) {
  Model model = fresh();
  auto value = Model::parse_fixture_text(text);
  if (!value) return "parse: " + value.error().message;
  auto loaded = model.load_fixture(*value);
  return loaded ? std::string() : loaded.error().message;
}

TEST(ModelFixture, LoadsTeamsUsersChannelsAndTokens) {
  Model model = fresh();
  auto value = Model::parse_fixture_text(kFixture);
  ASSERT_TRUE(value);
  ASSERT_TRUE(model.load_fixture(*value));
  EXPECT_EQ(model.users().size(), 6u);
  const User* bot = model.find_user_by_username("buildbot");
  ASSERT_NE(bot, nullptr);
  EXPECT_EQ(bot->id, kBot);
  EXPECT_TRUE(bot->is_bot);
  EXPECT_EQ(bot->create_at, kT0);
  EXPECT_TRUE(model.is_system_admin(kAdmin));
  EXPECT_FALSE(model.is_system_admin(kAlice));
  EXPECT_EQ(model.user_for_token(kBotToken), std::string(kBot));
  EXPECT_EQ(model.user_for_token(kAlicePat), std::string(kAlice));
  EXPECT_FALSE(model.user_for_token("nope").has_value());
  ASSERT_EQ(model.tokens_of(kAlice).size(), 2u);
  EXPECT_TRUE(model.tokens_of(kAlice)[0]->session);
  EXPECT_FALSE(model.tokens_of(kAlice)[1]->session);
  EXPECT_FALSE(model.tokens_of(kBot)[0]->session);
  EXPECT_TRUE(model.is_team_member(kAdmin, kEng));
  EXPECT_FALSE(model.is_team_member(kDave, kEng));
  EXPECT_TRUE(model.is_channel_member(kBot, kOps));
  EXPECT_FALSE(model.is_channel_member(kBot, kTownSquare));
  const Channel* ops = model.find_channel_by_name(kEng, "ops");
  ASSERT_NE(ops, nullptr);
  EXPECT_EQ(ops->type, "P");
  EXPECT_EQ(ops->display_name, "Ops");
  EXPECT_EQ(model.find_team_by_name("eng")->display_name, "Engineering");
  EXPECT_EQ(model.channel_member_ids(kBuildAlerts),
            (std::vector<std::string>{std::string(kAlice), std::string(kBob), std::string(kBot)}));
}

TEST(ModelFixture, DirectGroupChannelsAndPostsWithThreads) {
  Model model = fresh();
  auto value = Model::parse_fixture_text(std::string(R"({
    "time": 1700000000000,
    "users": [{"username": "ann", "tokens": ["anntoken"]}, {"username": "ben"}, {"username": "cat"}],
    "teams": [{"name": "t", "members": ["ann", "ben", "cat"]}],
    "channels": [
      {"team": "t", "name": "general"},
      {"type": "D", "members": ["ann", "ben"]},
      {"type": "G", "members": ["cat", "ann", "ben"]},
    ],
    "posts": [
      {"key": "root", "channel": "t/general", "user": "ann", "message": "hello #world"},
      {"channel": "t/general", "user": "ben", "message": "hi", "root": "root"},
      {"id": "p1p1p1p1p1p1p1p1p1p1p1p1p1", "channel": "@ann,ben", "user": "ben", "message": "dm", "create_at": 1700000099000},
      {"channel": "@ann,ben,cat", "user": "cat", "message": "gm"}
    ]
  })"));
  ASSERT_TRUE(value) << value.error().message;
  auto loaded = model.load_fixture(*value);
  ASSERT_TRUE(loaded) << loaded.error().message;
  const User* ann = model.find_user_by_username("ann");
  const User* ben = model.find_user_by_username("ben");
  const User* cat = model.find_user_by_username("cat");
  ASSERT_TRUE(ann && ben && cat);
  EXPECT_TRUE(is_valid_id(ann->id));
  EXPECT_EQ(ann->email, "ann@example.com");
  EXPECT_EQ(ann->create_at, 1700000000000);
  const Channel* dm = model.find_channel_by_name("", direct_channel_name(ann->id, ben->id));
  ASSERT_NE(dm, nullptr);
  EXPECT_EQ(dm->type, "D");
  EXPECT_EQ(dm->team_id, "");
  EXPECT_EQ(dm->display_name, "");
  const Channel* gm = model.find_channel_by_name("", group_channel_name({ann->id, ben->id, cat->id}));
  ASSERT_NE(gm, nullptr);
  EXPECT_EQ(gm->display_name, "ann, ben, cat");
  EXPECT_EQ(model.channel_member_ids(gm->id).size(), 3u);

  auto posts = model.posts();
  ASSERT_EQ(posts.size(), 4u);
  EXPECT_EQ(posts[0]->message, "hello #world");
  EXPECT_EQ(posts[0]->hashtags, "#world");
  EXPECT_EQ(posts[0]->create_at, 1700000001000);
  EXPECT_EQ(posts[0]->reply_count, 1);
  EXPECT_EQ(posts[1]->root_id, posts[0]->id);
  EXPECT_EQ(posts[2]->id, "p1p1p1p1p1p1p1p1p1p1p1p1p1");
  EXPECT_EQ(posts[2]->create_at, 1700000099000);
  EXPECT_EQ(model.find_post("p1p1p1p1p1p1p1p1p1p1p1p1p1")->channel_id, dm->id);
  EXPECT_EQ(model.channel_posts(dm->id).size(), 1u);
  EXPECT_EQ(model.find_channel(dm->id)->total_msg_count, 1);
  EXPECT_EQ(posts[3]->channel_id, gm->id);
}

TEST(ModelFixture, ErrorsNameTheBadField) {
  EXPECT_EQ(load_error(R"({"users": [{"id": "short", "username": "a"}]})"),
            "users[0].id: must be a 26-character id of letters and digits");
  EXPECT_EQ(load_error(R"({"users": [{"username": "Bad Name"}]})"),
            "users[0].username: must be 1-64 characters of a-z 0-9 . - _ and not a reserved name");
  EXPECT_EQ(load_error(R"({"users": [{"username": "a"}, {"username": "a"}]})"),
            "users[1].username: 'a' is already taken");
  EXPECT_EQ(load_error(R"({"users": [{"username": "a", "roles": "system_root"}]})"),
            "users[0].roles: unknown role 'system_root' (system_user, system_admin)");
  EXPECT_EQ(load_error(R"({"users": [{"username": "a", "tokens": ["x", "x"]}]})"),
            "users[0].tokens[1]: token already in use");
  EXPECT_EQ(load_error(R"({"users": [{"username": "a", "tokens": ["has space"]}]})"),
            "users[0].tokens[0]: tokens are 1-64 characters of letters, digits, - and _");
  EXPECT_EQ(load_error(R"({"teams": [{"name": "t", "members": ["ghost"]}]})"),
            "teams[0].members[0]: no user named 'ghost'");
  EXPECT_EQ(load_error(R"({"channels": [{"team": "nope", "name": "c"}]})"),
            "channels[0].team: no team named 'nope'");
  EXPECT_EQ(load_error(R"({"users": [{"username": "a"}], "teams": [{"name": "t"}],
                           "channels": [{"team": "t", "name": "c", "members": ["a"]}]})"),
            "channels[0].members: a is not a member of team t");
  EXPECT_EQ(
      load_error(R"({"teams": [{"name": "t"}], "channels": [{"team": "t", "name": "c", "type": "X"}]})"),
      "channels[0].type: must be \"O\", \"P\", \"D\" or \"G\"");
  EXPECT_EQ(
      load_error(
          R"({"users": [{"username": "a"}, {"username": "b"}], "channels": [{"type": "G", "members": ["a", "b"]}]})"),
      "channels[0].members: a G channel has 3 to 8 members");
  EXPECT_EQ(load_error(R"({"users": [{"username": "a"}], "teams": [{"name": "t", "members": ["a"]}],
                           "channels": [{"team": "t", "name": "c"}],
                           "posts": [{"channel": "t/c", "user": "a", "message": "x", "root": "missing"}]})"),
            "posts[0].root: no earlier post with key or id 'missing'");
  EXPECT_EQ(load_error(R"({"posts": [{"channel": "t/c", "user": "a"}]})"),
            "posts[0].channel: no channel 't/c' (team/name, id or @a,b)");
  EXPECT_EQ(load_error(R"({"users": [{"username": "a", "colour": "red"}]})"), "users[0].colour: unknown key");
  EXPECT_EQ(load_error(R"({"people": []})"),
            "people: unknown key (expected time, teams, users, channels, posts)");
  EXPECT_EQ(load_error(R"([1, 2])"), "fixture: must be a JSON object");
  EXPECT_EQ(load_error(R"({"users": [{"username": 5}]})"), "users[0].username: must be a string");
  EXPECT_EQ(load_error(R"({"time": -1})"), "time: must be a positive integer (ms)");
  EXPECT_TRUE(load_error("{ not json").starts_with("parse: fixture is not valid JSON"));
}

TEST(ModelFixture, AFailedLoadAddsNothing) {
  Model model = fresh();
  auto value = Model::parse_fixture_text(R"({"users": [{"username": "ok"}, {"username": "NOT OK"}]})");
  ASSERT_TRUE(value);
  EXPECT_FALSE(model.load_fixture(*value));
  EXPECT_TRUE(model.users().empty());
  EXPECT_EQ(model.find_user_by_username("ok"), nullptr);
}

TEST(ModelFixture, FixturesAddUp) {
  Model model = fresh();
  ASSERT_TRUE(model.load_fixture(*Model::parse_fixture_text(
      R"({"users": [{"username": "a"}], "teams": [{"name": "t", "members": ["a"]}]})")));
  auto second = model.load_fixture(
      *Model::parse_fixture_text(R"({"channels": [{"team": "t", "name": "c", "members": ["a"]}]})"));
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(model.channels().size(), 1u);
}

TEST(ModelFixture, DemoFixtureHasTheDocumentedObjects) {
  std::ifstream file(std::string(MMCLAW_SOURCE_DIR) + "/tools/mmsim/model/demo_fixture.json");
  ASSERT_TRUE(file.good());
  std::stringstream text;
  text << file.rdbuf();
  auto value = Model::parse_fixture_text(text.str());
  ASSERT_TRUE(value) << value.error().message;
  Model model = fresh();
  auto loaded = model.load_fixture(*value);
  ASSERT_TRUE(loaded) << loaded.error().message;
  const Team* eng = model.find_team_by_name("eng");
  ASSERT_NE(eng, nullptr);
  for (const char* name : {"alice", "bob", "carol", "admin", "mmclaw"}) {
    const User* user = model.find_user_by_username(name);
    ASSERT_NE(user, nullptr) << name;
    EXPECT_TRUE(is_valid_id(user->id));
    EXPECT_TRUE(model.is_team_member(user->id, eng->id)) << name;
  }
  const User* bot = model.find_user_by_username("mmclaw");
  EXPECT_TRUE(bot->is_bot);
  EXPECT_TRUE(model.is_system_admin(model.find_user_by_username("admin")->id));
  EXPECT_EQ(model.user_for_token("mmclawbottoken000000000001"), bot->id);
  const Channel* town = model.find_channel_by_name(eng->id, "town-square");
  const Channel* dev = model.find_channel_by_name(eng->id, "dev");
  const Channel* ops = model.find_channel_by_name(eng->id, "ops");
  ASSERT_TRUE(town && dev && ops);
  EXPECT_EQ(town->type, "O");
  EXPECT_EQ(dev->type, "O");
  EXPECT_EQ(ops->type, "P");
  EXPECT_TRUE(model.is_channel_member(bot->id, town->id));
  EXPECT_TRUE(model.is_channel_member(bot->id, ops->id));
  EXPECT_FALSE(model.is_channel_member(bot->id, dev->id));
}

}  // namespace
}  // namespace mmsim::test

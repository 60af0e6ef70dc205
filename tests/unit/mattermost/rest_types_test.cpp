#include "mattermost/rest_types.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

namespace mmclaw::mattermost {
namespace {

namespace json = boost::json;

json::value parse(std::string_view text) {
  return json::parse(text);
}

// The error names the object and the field, says it is permanent, and never quotes the value.
void expect_unreadable(const Error& error, std::string_view object, std::string_view field,
                       std::string_view secret_value = {}) {
  EXPECT_EQ(error.kind, ErrorKind::permanent);
  EXPECT_NE(error.message.find("Mattermost API returned an unreadable " + std::string(object)),
            std::string::npos)
      << error.message;
  EXPECT_NE(error.message.find(field), std::string::npos) << error.message;
  if (!secret_value.empty()) {
    EXPECT_EQ(error.message.find(secret_value), std::string::npos) << error.message;
  }
}

// --- users ---

TEST(RestTypesTest, UserGood) {
  auto user = user_from_json(parse(R"({"id":"u1","username":"alice","first_name":"Alice","last_name":"L",
    "nickname":"al","roles":"system_user","is_bot":false,"update_at":123,"delete_at":0,"email":"a@x",
    "timezone":{"useAutomaticTimezone":"true"},"props":{}})"));
  ASSERT_TRUE(user) << user.error().message;
  EXPECT_EQ(user->id, "u1");
  EXPECT_EQ(user->username, "alice");
  EXPECT_EQ(user->first_name, "Alice");
  EXPECT_EQ(user->last_name, "L");
  EXPECT_EQ(user->nickname, "al");
  EXPECT_EQ(user->roles, "system_user");
  EXPECT_FALSE(user->is_bot);
  EXPECT_EQ(user->update_at, 123);
}

TEST(RestTypesTest, UserAbsentAndNullFieldsKeepDefaults) {
  auto user = user_from_json(parse(R"({"id":"b1","is_bot":true,"nickname":null,"update_at":null})"));
  ASSERT_TRUE(user);
  EXPECT_EQ(user->id, "b1");
  EXPECT_TRUE(user->is_bot);
  EXPECT_EQ(user->nickname, "");
  EXPECT_EQ(user->update_at, 0);
  EXPECT_EQ(user->username, "");
}

TEST(RestTypesTest, UserBadShapes) {
  auto not_object = user_from_json(parse(R"(["x"])"));
  ASSERT_FALSE(not_object);
  expect_unreadable(not_object.error(), "user", "not an object");

  auto bad_name = user_from_json(parse(R"({"id":"u1","username":12345})"));
  ASSERT_FALSE(bad_name);
  expect_unreadable(bad_name.error(), "user", "username is not a string", "12345");

  auto bad_bot = user_from_json(parse(R"({"is_bot":"yes"})"));
  ASSERT_FALSE(bad_bot);
  expect_unreadable(bad_bot.error(), "user", "is_bot is not a boolean", "yes");

  auto bad_time = user_from_json(parse(R"({"update_at":"secretvalue"})"));
  ASSERT_FALSE(bad_time);
  expect_unreadable(bad_time.error(), "user", "update_at is not an integer", "secretvalue");

  auto fractional = user_from_json(parse(R"({"update_at":1.5})"));
  ASSERT_FALSE(fractional);
  expect_unreadable(fractional.error(), "user", "update_at");
}

TEST(RestTypesTest, UsersList) {
  auto users = users_from_json(parse(R"([{"id":"a","username":"alice"},{"id":"b","username":"bob"}])"));
  ASSERT_TRUE(users);
  ASSERT_EQ(users->size(), 2u);
  EXPECT_EQ((*users)[1].username, "bob");

  auto empty = users_from_json(parse("[]"));
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());

  auto not_array = users_from_json(parse(R"({"id":"a"})"));
  ASSERT_FALSE(not_array);
  expect_unreadable(not_array.error(), "user list", "not an array");

  auto bad_item = users_from_json(parse(R"([{"id":"a"},"b"])"));
  ASSERT_FALSE(bad_item);
  expect_unreadable(bad_item.error(), "user list", "item 1");

  auto bad_field = users_from_json(parse(R"([{"id":"a"},{"id":7}])"));
  ASSERT_FALSE(bad_field);
  expect_unreadable(bad_field.error(), "user", "id is not a string");
  EXPECT_NE(bad_field.error().message.find("item 1"), std::string::npos);
}

// --- channels ---

TEST(RestTypesTest, ChannelGood) {
  auto channel = channel_from_json(parse(R"({"id":"c1","type":"O","name":"town-square",
    "display_name":"Town Square","team_id":"t1","update_at":5,"delete_at":0,"last_post_at":9,
    "header":"","props":null,"scheme_id":null})"));
  ASSERT_TRUE(channel) << channel.error().message;
  EXPECT_EQ(channel->id, "c1");
  EXPECT_EQ(channel->type, ChannelType::open);
  EXPECT_EQ(channel->type_code, "O");
  EXPECT_EQ(channel->name, "town-square");
  EXPECT_EQ(channel->display_name, "Town Square");
  EXPECT_EQ(channel->team_id, "t1");
  EXPECT_EQ(channel->update_at, 5);
  EXPECT_EQ(channel->last_post_at, 9);
}

TEST(RestTypesTest, ChannelTypes) {
  for (auto [code, type] : {std::pair{"D", ChannelType::direct}, std::pair{"G", ChannelType::group},
                            std::pair{"P", ChannelType::private_team}, std::pair{"o", ChannelType::open}}) {
    auto channel = channel_from_json(json::value{{"id", "x"}, {"type", code}});
    ASSERT_TRUE(channel);
    EXPECT_EQ(channel->type, type) << code;
    EXPECT_EQ(channel->type_code, code);
  }
  auto unknown = channel_from_json(parse(R"({"id":"x","type":"Z"})"));
  ASSERT_TRUE(unknown);
  EXPECT_FALSE(unknown->type.has_value());
  EXPECT_EQ(unknown->type_code, "Z");
}

TEST(RestTypesTest, ChannelBadShapes) {
  auto bad_type = channel_from_json(parse(R"({"id":"x","type":1})"));
  ASSERT_FALSE(bad_type);
  expect_unreadable(bad_type.error(), "channel", "type is not a string");

  auto bad_time = channel_from_json(parse(R"({"id":"x","last_post_at":true})"));
  ASSERT_FALSE(bad_time);
  expect_unreadable(bad_time.error(), "channel", "last_post_at is not an integer");

  auto not_object = channel_from_json(parse("null"));
  ASSERT_FALSE(not_object);
  expect_unreadable(not_object.error(), "channel", "not an object");

  auto list = channels_from_json(parse(R"([{"id":"a","type":"D"},{"id":"b","type":"G"}])"));
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].type, ChannelType::direct);

  auto bad_list = channels_from_json(parse(R"("channels")"));
  ASSERT_FALSE(bad_list);
  expect_unreadable(bad_list.error(), "channel list", "not an array");
}

// --- teams ---

TEST(RestTypesTest, Teams) {
  auto team = team_from_json(parse(R"({"id":"t1","name":"eng","display_name":"Engineering","type":"O"})"));
  ASSERT_TRUE(team);
  EXPECT_EQ(*team, (Team{"t1", "eng", "Engineering"}));

  auto teams = teams_from_json(parse(R"([{"id":"t1"},{"id":"t2","name":"ops"}])"));
  ASSERT_TRUE(teams);
  ASSERT_EQ(teams->size(), 2u);
  EXPECT_EQ((*teams)[1].name, "ops");

  auto bad = team_from_json(parse(R"({"id":"t1","display_name":[]})"));
  ASSERT_FALSE(bad);
  expect_unreadable(bad.error(), "team", "display_name is not a string");

  auto bad_list = teams_from_json(parse("{}"));
  ASSERT_FALSE(bad_list);
  expect_unreadable(bad_list.error(), "team list", "not an array");
}

TEST(RestTypesTest, TeamMembers) {
  auto members = team_members_from_json(parse(
      R"([{"team_id":"t1","user_id":"u1","roles":"team_user","delete_at":0,"scheme_user":true},
          {"team_id":"t1","user_id":"u2","roles":"team_user team_admin","delete_at":77}])"));
  ASSERT_TRUE(members) << members.error().message;
  ASSERT_EQ(members->size(), 2u);
  EXPECT_EQ((*members)[0], (TeamMember{"t1", "u1", "team_user", 0}));
  EXPECT_EQ((*members)[1].delete_at, 77);

  auto bad = team_members_from_json(parse(R"([{"team_id":"t1","user_id":{}}])"));
  ASSERT_FALSE(bad);
  expect_unreadable(bad.error(), "team member", "user_id is not a string");

  auto not_array = team_members_from_json(parse("3"));
  ASSERT_FALSE(not_array);
  expect_unreadable(not_array.error(), "team member list", "not an array");
}

// --- posts ---

TEST(RestTypesTest, RestPost) {
  auto post = rest_post_from_json(parse(R"({"id":"p1","create_at":10,"update_at":11,"edit_at":0,"delete_at":0,
    "user_id":"u1","channel_id":"c1","root_id":"","message":"hi","type":"","props":{"from_bot":"true"},
    "file_ids":["f1"],"is_pinned":false,"pending_post_id":"","reply_count":2,"metadata":{}})"));
  ASSERT_TRUE(post) << post.error().message;
  EXPECT_EQ(post->id, "p1");
  EXPECT_EQ(post->message, "hi");
  EXPECT_EQ(post->props.at("from_bot").as_string(), "true");
  ASSERT_EQ(post->file_ids.size(), 1u);
  EXPECT_EQ(post->reply_count, 2);

  auto not_object = rest_post_from_json(parse(R"("p1")"));
  ASSERT_FALSE(not_object);
  expect_unreadable(not_object.error(), "post", "not an object");

  auto bad_props = rest_post_from_json(parse(R"({"id":"p1","props":"tokenvalue"})"));
  ASSERT_FALSE(bad_props);
  expect_unreadable(bad_props.error(), "post", "props is not an object", "tokenvalue");

  auto bad_message = rest_post_from_json(parse(R"({"id":"p1","message":42})"));
  ASSERT_FALSE(bad_message);
  expect_unreadable(bad_message.error(), "post", "message is not a string");

  auto bad_files = rest_post_from_json(parse(R"({"id":"p1","file_ids":[1]})"));
  ASSERT_FALSE(bad_files);
  expect_unreadable(bad_files.error(), "post", "file_ids is not an array of strings");

  auto bad_time = rest_post_from_json(parse(R"({"id":"p1","create_at":"x"})"));
  ASSERT_FALSE(bad_time);
  expect_unreadable(bad_time.error(), "post", "create_at is not an integer");
}

TEST(RestTypesTest, PostListFollowsOrderThenAppendsTheRest) {
  auto list = post_list_from_json(parse(R"({
    "order":["p3","p2"],
    "posts":{"root":{"id":"root","message":"r"},"p2":{"id":"p2","message":"two","root_id":"root"},
             "p3":{"id":"p3","message":"three"}},
    "next_post_id":"n1","prev_post_id":"v1","has_next":true,"first_inaccessible_post_time":0})"));
  ASSERT_TRUE(list) << list.error().message;
  ASSERT_EQ(list->posts.size(), 3u);
  EXPECT_EQ(list->posts[0].id, "p3");
  EXPECT_EQ(list->posts[1].id, "p2");
  EXPECT_EQ(list->posts[2].id, "root");
  EXPECT_EQ(list->next_post_id, "n1");
  EXPECT_EQ(list->prev_post_id, "v1");
  EXPECT_TRUE(list->has_next);
}

TEST(RestTypesTest, PostListEdgeShapes) {
  auto empty = post_list_from_json(parse(R"({"order":[],"posts":{}})"));
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->posts.empty());
  EXPECT_FALSE(empty->has_next);

  auto nulls = post_list_from_json(parse(R"({"order":null,"posts":null,"has_next":null})"));
  ASSERT_TRUE(nulls);
  EXPECT_TRUE(nulls->posts.empty());

  // An order id without its post is skipped; a repeated id counts once; a post without an id
  // takes its map key.
  auto odd = post_list_from_json(parse(R"({"order":["gone","a","a"],"posts":{"a":{"message":"x"}}})"));
  ASSERT_TRUE(odd);
  ASSERT_EQ(odd->posts.size(), 1u);
  EXPECT_EQ(odd->posts[0].id, "a");
}

TEST(RestTypesTest, PostListBadShapes) {
  auto not_object = post_list_from_json(parse("[]"));
  ASSERT_FALSE(not_object);
  expect_unreadable(not_object.error(), "post list", "not an object");

  auto bad_order = post_list_from_json(parse(R"({"order":"p1","posts":{}})"));
  ASSERT_FALSE(bad_order);
  expect_unreadable(bad_order.error(), "post list", "order is not an array");

  auto bad_order_item = post_list_from_json(parse(R"({"order":[1],"posts":{}})"));
  ASSERT_FALSE(bad_order_item);
  expect_unreadable(bad_order_item.error(), "post list", "order is not an array of strings");

  auto bad_posts = post_list_from_json(parse(R"({"order":[],"posts":[]})"));
  ASSERT_FALSE(bad_posts);
  expect_unreadable(bad_posts.error(), "post list", "posts is not an object");

  auto bad_post = post_list_from_json(parse(R"({"order":["a"],"posts":{"a":{"id":"a","message":1}}})"));
  ASSERT_FALSE(bad_post);
  expect_unreadable(bad_post.error(), "post", "message is not a string");

  auto post_not_object = post_list_from_json(parse(R"({"order":[],"posts":{"a":"x"}})"));
  ASSERT_FALSE(post_not_object);
  expect_unreadable(post_not_object.error(), "post", "not an object");

  auto bad_has_next = post_list_from_json(parse(R"({"has_next":"true"})"));
  ASSERT_FALSE(bad_has_next);
  expect_unreadable(bad_has_next.error(), "post list", "has_next is not a boolean");
}

// --- files ---

TEST(RestTypesTest, FileInfo) {
  auto info = file_info_from_json(parse(R"({"id":"f1","user_id":"u1","post_id":"","channel_id":"c1",
    "name":"a.txt","extension":"txt","size":12,"mime_type":"text/plain","width":0,"mini_preview":null})"));
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_EQ(*info, (FileInfo{"f1", "a.txt", "txt", "text/plain", 12, "", "c1"}));

  auto bad = file_info_from_json(parse(R"({"id":"f1","size":"12"})"));
  ASSERT_FALSE(bad);
  expect_unreadable(bad.error(), "file info", "size is not an integer");
}

TEST(RestTypesTest, UploadResult) {
  auto infos = file_infos_from_upload_json(
      parse(R"({"file_infos":[{"id":"f1","name":"a"},{"id":"f2","name":"b"}],"client_ids":[]})"));
  ASSERT_TRUE(infos);
  ASSERT_EQ(infos->size(), 2u);
  EXPECT_EQ((*infos)[1].id, "f2");

  auto none = file_infos_from_upload_json(parse(R"({"client_ids":[]})"));
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());

  auto not_object = file_infos_from_upload_json(parse(R"([{"id":"f1"}])"));
  ASSERT_FALSE(not_object);
  expect_unreadable(not_object.error(), "upload result", "not an object");

  auto bad_infos = file_infos_from_upload_json(parse(R"({"file_infos":{}})"));
  ASSERT_FALSE(bad_infos);
  expect_unreadable(bad_infos.error(), "upload result", "file_infos is not an array");

  auto bad_info = file_infos_from_upload_json(parse(R"({"file_infos":[{"id":5}]})"));
  ASSERT_FALSE(bad_info);
  expect_unreadable(bad_info.error(), "file info", "id is not a string");
}

// --- slash commands ---

TEST(RestTypesTest, SlashCommandRoundTrip) {
  SlashCommand command;
  command.id = "cmd1";
  command.token = "tok";
  command.team_id = "t1";
  command.creator_id = "u1";
  command.trigger = "oc_status";
  command.method = "P";
  command.url = "https://gw.example.com/cb";
  command.display_name = "Status";
  command.description = "Show status";
  command.auto_complete_desc = "desc";
  command.auto_complete_hint = "[x]";
  command.username = "bot";
  command.icon_url = "https://x/i.png";
  command.auto_complete = true;
  auto decoded = slash_command_from_json(json::value(to_json(command)));
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(*decoded, command);
}

TEST(RestTypesTest, SlashCommandToJsonLeavesServerFieldsOutWhenUnknown) {
  SlashCommand command;
  command.team_id = "t1";
  command.trigger = "x";
  const json::object object = to_json(command);
  EXPECT_FALSE(object.contains("id"));
  EXPECT_FALSE(object.contains("token"));
  EXPECT_FALSE(object.contains("creator_id"));
  EXPECT_EQ(object.at("team_id").as_string(), "t1");
  EXPECT_EQ(object.at("auto_complete").as_bool(), false);
}

TEST(RestTypesTest, SlashCommandBadShapes) {
  auto bad_token = slash_command_from_json(parse(R"({"id":"c","token":123456789})"));
  ASSERT_FALSE(bad_token);
  expect_unreadable(bad_token.error(), "command", "token is not a string", "123456789");

  auto bad_auto = slash_command_from_json(parse(R"({"id":"c","auto_complete":"true"})"));
  ASSERT_FALSE(bad_auto);
  expect_unreadable(bad_auto.error(), "command", "auto_complete is not a boolean");

  auto list = slash_commands_from_json(parse(R"([{"id":"a","trigger":"x","delete_at":0},{"id":"b"}])"));
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].trigger, "x");

  auto bad_list = slash_commands_from_json(parse(R"({"commands":[]})"));
  ASSERT_FALSE(bad_list);
  expect_unreadable(bad_list.error(), "command list", "not an array");
}

}  // namespace
}  // namespace mmclaw::mattermost

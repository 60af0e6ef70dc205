// Creating, reading, editing and deleting posts (§0.2, §2.2-§2.4, §4.6).

#include "model_support.hpp"

namespace mmsim::test {
namespace {

class ModelPosts : public ModelTest {
 protected:
  RestResult create(const json::object& body, std::string_view token = kAliceToken,
                    std::string_view query = {}) {
    return post("/api/v4/posts" + std::string(query), body, token);
  }
  std::string path(std::string_view id) { return "/api/v4/posts/" + std::string(id); }
};

TEST_F(ModelPosts, CreatedPostHasTheExactShape) {
  RestResult result = create({{"channel_id", kBuildAlerts},
                              {"message", "@buildbot status #ci"},
                              {"pending_post_id", "14j8umgczgrdp95w77zuxmxfu9:1732190400000"}});
  ASSERT_EQ(result.response.status, 201) << result.response.body;
  json::object created = body_of(result).as_object();
  EXPECT_EQ(keys_of(created), post_keys());
  EXPECT_TRUE(is_valid_id(created.at("id").as_string()));
  EXPECT_EQ(created.at("create_at"), now());
  EXPECT_EQ(created.at("update_at"), now());
  EXPECT_EQ(created.at("edit_at"), 0);
  EXPECT_EQ(created.at("delete_at"), 0);
  EXPECT_EQ(created.at("is_pinned"), false);
  EXPECT_EQ(created.at("user_id"), kAlice);
  EXPECT_EQ(created.at("channel_id"), kBuildAlerts);
  EXPECT_EQ(created.at("root_id"), "");
  EXPECT_EQ(created.at("original_id"), "");
  EXPECT_EQ(created.at("message"), "@buildbot status #ci");
  EXPECT_EQ(created.at("type"), "");
  EXPECT_EQ(created.at("props"), json::object{});
  EXPECT_EQ(created.at("hashtags"), "#ci");
  EXPECT_EQ(created.at("file_ids"), json::array{});
  EXPECT_EQ(created.at("pending_post_id"), "14j8umgczgrdp95w77zuxmxfu9:1732190400000");
  EXPECT_EQ(created.at("reply_count"), 0);
  EXPECT_EQ(created.at("last_reply_at"), 0);
  EXPECT_EQ(created.at("participants"), nullptr);
  EXPECT_EQ(created.at("metadata"), json::object{});

  ASSERT_EQ(result.events.size(), 1u);
  const Event& posted = result.events[0];
  EXPECT_EQ(posted.event, "posted");
  EXPECT_EQ(posted.broadcast.channel_id, kBuildAlerts);
  EXPECT_EQ(keys_of(posted.data),
            (std::set<std::string>{"channel_display_name", "channel_name", "channel_type", "post",
                                   "sender_name", "set_online", "team_id"}));
  EXPECT_TRUE(posted.data.at("post").is_string());
  EXPECT_EQ(decoded(posted, "post"), json::value(created));
  EXPECT_EQ(posted.data.at("channel_display_name"), "Build Alerts");
  EXPECT_EQ(posted.data.at("channel_name"), "build-alerts");
  EXPECT_EQ(posted.data.at("channel_type"), "O");
  EXPECT_EQ(posted.data.at("sender_name"), "@alice");
  EXPECT_EQ(posted.data.at("set_online"), true);
  EXPECT_EQ(posted.data.at("team_id"), kEng);
  EXPECT_EQ(posted.mentioned_user_ids, (std::vector<std::string>{std::string(kBot)}));

  // Read back: pending_post_id is not stored.
  json::object fetched = body_of(get(path(created.at("id").as_string()))).as_object();
  EXPECT_EQ(fetched.at("pending_post_id"), "");
  EXPECT_EQ(fetched.at("message"), created.at("message"));
  EXPECT_EQ(keys_of(fetched), post_keys());

  const Channel* channel = model_.find_channel(kBuildAlerts);
  EXPECT_EQ(channel->last_post_at, now() - 1000);
  EXPECT_EQ(channel->total_msg_count, 1);
  EXPECT_EQ(channel->total_msg_count_root, 1);
}

TEST_F(ModelPosts, SetOnlineFalseIsEchoed) {
  RestResult result =
      create({{"channel_id", kBuildAlerts}, {"message", "quiet"}}, kBotToken, "?set_online=false");
  ASSERT_EQ(result.response.status, 201);
  EXPECT_EQ(result.events.at(0).data.at("set_online"), false);
}

TEST_F(ModelPosts, BotPostsAreMarkedAndDmEventsNameTheSender) {
  const std::string dm(
      body_of(post("/api/v4/channels/direct", json::array{kAlice, kBot}, kBotToken)).at("id").as_string());
  RestResult result = create({{"channel_id", dm}, {"message", "deploy done"}}, kBotToken);
  ASSERT_EQ(result.response.status, 201);
  EXPECT_EQ(body_of(result).at("props"), (json::object{{"from_bot", "true"}}));
  const Event& posted = result.events.at(0);
  EXPECT_EQ(posted.data.at("channel_display_name"), "@buildbot");
  EXPECT_EQ(posted.data.at("channel_name"), "14j8umgczgrdp95w77zuxmxfu9__wj3drgzdpnf54rxf5d8qd3dqne");
  EXPECT_EQ(posted.data.at("channel_type"), "D");
  EXPECT_EQ(posted.data.at("sender_name"), "@buildbot");
  EXPECT_EQ(posted.data.at("team_id"), "");
  EXPECT_EQ(posted.mentioned_user_ids, (std::vector<std::string>{std::string(kAlice)}));
  EXPECT_EQ(decoded(posted, "post").at("props"), (json::object{{"from_bot", "true"}}));
}

TEST_F(ModelPosts, GroupMessagesAndChannelWideMentions) {
  const std::string gm(body_of(post("/api/v4/channels/group", json::array{kBob, kBot})).at("id").as_string());
  RestResult in_gm = create({{"channel_id", gm}, {"message", "no mention"}});
  EXPECT_EQ(in_gm.events.at(0).data.at("channel_display_name"), "alice, bob, buildbot");
  EXPECT_EQ(in_gm.events.at(0).data.at("channel_type"), "G");
  EXPECT_TRUE(in_gm.events.at(0).mentioned_user_ids.empty());

  RestResult all = create({{"channel_id", kBuildAlerts}, {"message", "@channel heads up"}});
  EXPECT_EQ(all.events.at(0).mentioned_user_ids,
            (std::vector<std::string>{std::string(kBob), std::string(kBot)}));
  RestResult here = create({{"channel_id", kBuildAlerts}, {"message", "@here and @bob."}}, kBotToken);
  EXPECT_EQ(here.events.at(0).mentioned_user_ids,
            (std::vector<std::string>{std::string(kAlice), std::string(kBob)}));
}

TEST_F(ModelPosts, MentioningANonMemberTellsTheAuthor) {
  RestResult result = create({{"channel_id", kBuildAlerts}, {"message", "@carol look"}});
  ASSERT_EQ(result.events.size(), 2u);
  EXPECT_TRUE(result.events[0].mentioned_user_ids.empty());
  const Event& notice = result.events[1];
  EXPECT_EQ(notice.event, "ephemeral_message");
  EXPECT_EQ(notice.broadcast.user_id, kAlice);
  EXPECT_EQ(notice.broadcast.channel_id, kBuildAlerts);
  json::value ephemeral = decoded(notice, "post");
  EXPECT_EQ(ephemeral.at("type"), "system_ephemeral");
  EXPECT_EQ(ephemeral.at("root_id"), body_of(result).at("id"));
  EXPECT_EQ(ephemeral.at("props").at("add_channel_member").at("not_in_channel_user_ids"),
            json::array{kCarol});
  EXPECT_TRUE(ephemeral.at("message").as_string().starts_with("@carol did not get notified by this mention"));
}

TEST_F(ModelPosts, MessageLengthIsCountedInCodePoints) {
  std::string longest;
  for (int i = 0; i < 16383; ++i) longest += "\xc3\xa9";  // é, 2 bytes each
  EXPECT_EQ(create({{"channel_id", kBuildAlerts}, {"message", longest}}).response.status, 201);
  expect_app_error(create({{"channel_id", kBuildAlerts}, {"message", longest + "e"}}), 400,
                   "model.post.is_valid.message_length.app_error");
}

TEST_F(ModelPosts, RootIdMustBeARootInTheSameChannel) {
  const std::string root = make_post(kBuildAlerts, "root");
  const std::string reply = make_post(kBuildAlerts, "reply", kBobToken, root);
  expect_app_error(create({{"channel_id", kBuildAlerts}, {"message", "x"}, {"root_id", reply}}), 400,
                   "api.post.create_post.root_id.app_error");
  expect_app_error(create({{"channel_id", kTownSquare}, {"message", "x"}, {"root_id", root}}), 400,
                   "api.post.create_post.root_id.app_error");
  expect_app_error(
      create({{"channel_id", kBuildAlerts}, {"message", "x"}, {"root_id", "zzzzzzzzzzzzzzzzzzzzzzzzzz"}}),
      400, "api.post.create_post.root_id.app_error");
  expect_app_error(create({{"channel_id", kBuildAlerts}, {"message", "x"}, {"root_id", "short"}}), 400,
                   "model.post.is_valid.root_id.app_error");

  const std::string second = make_post(kBuildAlerts, "reply 2", kBotToken, root);
  const Post* stored_root = model_.find_post(root);
  EXPECT_EQ(stored_root->reply_count, 2);
  EXPECT_EQ(stored_root->last_reply_at, model_.find_post(second)->create_at);
  EXPECT_EQ(stored_root->update_at, model_.find_post(second)->create_at);
  json::object reply_json = body_of(get(path(reply))).as_object();
  EXPECT_EQ(reply_json.at("root_id"), root);
  EXPECT_EQ(reply_json.at("reply_count"), 2);
  EXPECT_EQ(reply_json.at("last_reply_at"), 0);
  json::object root_json = body_of(get(path(root))).as_object();
  EXPECT_EQ(root_json.at("reply_count"), 2);
  EXPECT_EQ(root_json.at("last_reply_at"), model_.find_post(second)->create_at);
  const Channel* channel = model_.find_channel(kBuildAlerts);
  EXPECT_EQ(channel->total_msg_count, 3);
  EXPECT_EQ(channel->total_msg_count_root, 1);

  ASSERT_EQ(del(path(root)).response.status, 200);
  expect_app_error(create({{"channel_id", kBuildAlerts}, {"message", "x"}, {"root_id", root}}), 400,
                   "api.post.create_post.root_id.app_error");
}

TEST_F(ModelPosts, WhoMayPostWhere) {
  EXPECT_EQ(create({{"channel_id", kBuildAlerts}, {"message", "not a member"}}, kCarolToken).response.status,
            201);
  EXPECT_FALSE(model_.is_channel_member(kCarol, kBuildAlerts));
  EXPECT_TRUE(model_.can_post(kCarol, kBuildAlerts));
  expect_app_error(create({{"channel_id", kOps}, {"message", "x"}}, kBobToken), 403,
                   "api.context.permissions.app_error");
  EXPECT_FALSE(model_.can_post(kBob, kOps));
  expect_app_error(create({{"channel_id", kTownSquare}, {"message", "x"}}, kDaveToken), 403,
                   "api.context.permissions.app_error");
  expect_app_error(create({{"channel_id", "zzzzzzzzzzzzzzzzzzzzzzzzzz"}, {"message", "x"}}), 403,
                   "api.context.permissions.app_error");
  expect_app_error(create({{"message", "x"}}), 403, "api.context.permissions.app_error");
  EXPECT_EQ(create({{"channel_id", kOps}, {"message", "admin"}}, kAdminToken).response.status, 201);
}

TEST_F(ModelPosts, IntegrationOnlyPropsNeedAnIntegrationSession) {
  const json::object props{{"from_webhook", "true"}, {"override_username", "ci"}};
  expect_app_error(create({{"channel_id", kBuildAlerts}, {"message", "x"}, {"props", props}}), 400,
                   "api.context.invalid_body_param.app_error");
  EXPECT_EQ(
      create({{"channel_id", kBuildAlerts}, {"message", "x"}, {"props", props}}, kAlicePat).response.status,
      201);
  EXPECT_EQ(
      create({{"channel_id", kBuildAlerts}, {"message", "x"}, {"props", props}}, kBobToken).response.status,
      201);
  RestResult bot = create({{"channel_id", kBuildAlerts}, {"message", "x"}, {"props", props}}, kBotToken);
  ASSERT_EQ(bot.response.status, 201);
  EXPECT_EQ(bot.events.at(0).data.at("sender_name"), "ci");  // from_webhook + override_username
  for (const char* key :
       {"override_icon_url", "override_icon_emoji", "webhook_display_name", "mm_blocks_actions"}) {
    expect_app_error(
        create({{"channel_id", kBuildAlerts}, {"message", "x"}, {"props", json::object{{key, "v"}}}}), 400,
        "api.context.invalid_body_param.app_error");
  }
  EXPECT_EQ(
      create({{"channel_id", kBuildAlerts}, {"message", "x"}, {"props", json::object{{"from_bot", "true"}}}})
          .response.status,
      201);
}

TEST_F(ModelPosts, TypeRules) {
  expect_app_error(create({{"channel_id", kBuildAlerts}, {"message", "x"}, {"type", "system_join_channel"}}),
                   400, "api.context.invalid_param.app_error");
  expect_app_error(create({{"channel_id", kBuildAlerts}, {"message", "x"}, {"type", "bogus"}}), 400,
                   "model.post.is_valid.type.app_error");
  EXPECT_EQ(
      body_of(create({{"channel_id", kBuildAlerts}, {"message", "x"}, {"type", "custom_poll"}})).at("type"),
      "custom_poll");
  EXPECT_EQ(create({{"channel_id", kBuildAlerts}, {"message", "x"}, {"type", "me"}}).response.status, 201);
}

TEST_F(ModelPosts, PendingPostIdDeduplicatesWithinThirtySeconds) {
  const json::object body{{"channel_id", kBuildAlerts}, {"message", "once"}, {"pending_post_id", "p-1"}};
  RestResult first = create(body);
  RestResult second = create(body);
  EXPECT_EQ(second.response.status, 201);
  EXPECT_EQ(body_of(second).at("id"), body_of(first).at("id"));
  EXPECT_EQ(body_of(second).at("pending_post_id"), "p-1");
  EXPECT_TRUE(second.events.empty());
  EXPECT_NE(body_of(create(body, kBobToken)).at("id"), body_of(first).at("id"));
  advance(31000);
  RestResult later = create(body);
  EXPECT_NE(body_of(later).at("id"), body_of(first).at("id"));
  EXPECT_EQ(later.events.size(), 1u);
}

TEST_F(ModelPosts, OnlyAdminsMayBackdate) {
  const json::value mine =
      body_of(create({{"channel_id", kBuildAlerts}, {"message", "x"}, {"create_at", 5000}}));
  EXPECT_EQ(mine.at("create_at"), now());
  EXPECT_EQ(
      body_of(create({{"channel_id", kBuildAlerts}, {"message", "x"}, {"create_at", 5000}}, kAdminToken))
          .at("create_at"),
      5000);
}

TEST_F(ModelPosts, AtMostTenFiles) {
  json::array eleven;
  for (int i = 0; i < 11; ++i) eleven.emplace_back(std::string(25, 'f') + static_cast<char>('a' + i));
  expect_app_error(create({{"channel_id", kBuildAlerts}, {"message", "x"}, {"file_ids", eleven}}), 400,
                   "model.post.is_valid.file_ids.app_error");
  eleven.pop_back();
  RestResult ten = create({{"channel_id", kBuildAlerts}, {"message", "x"}, {"file_ids", eleven}});
  ASSERT_EQ(ten.response.status, 201);
  EXPECT_EQ(body_of(ten).at("file_ids"), json::array{});  // unknown files are dropped
}

TEST_F(ModelPosts, ActionIntegrationsAreStrippedEverywhereButKept) {
  json::value props = json::parse(R"({"attachments":[{"text":"Deploy?","actions":[
      {"id":"approve","type":"button","name":"Approve","integration":{"url":"https://bot/a","context":{"op":"ok"}}},
      {"type":"button","name":"Reject","integration":{"url":"https://bot/a"}}]}]})");
  RestResult result =
      create({{"channel_id", kBuildAlerts}, {"message", "deploy"}, {"props", props}}, kBotToken);
  ASSERT_EQ(result.response.status, 201);
  const json::value created = body_of(result);
  const json::array& actions = created.at("props").at("attachments").at(0).at("actions").as_array();
  EXPECT_EQ(actions.at(0), json::parse(R"({"id":"approve","type":"button","name":"Approve"})"));
  EXPECT_FALSE(actions.at(1).as_object().contains("integration"));
  EXPECT_TRUE(is_valid_id(actions.at(1).at("id").as_string()));  // generated at save time
  const json::value event_post = decoded(result.events.at(0), "post");
  EXPECT_EQ(event_post.at("props").at("attachments").at(0).at("actions"), json::value(actions));
  const std::string id(body_of(result).at("id").as_string());
  EXPECT_FALSE(body_of(get(path(id)))
                   .at("props")
                   .at("attachments")
                   .at(0)
                   .at("actions")
                   .at(0)
                   .as_object()
                   .contains("integration"));
  const Post* stored = model_.find_post(id);
  EXPECT_EQ(stored->props.at("attachments").at(0).at("actions").at(0).at("integration").at("url"),
            "https://bot/a");
  EXPECT_FALSE(model_.post_json(*stored)
                   .at("props")
                   .at("attachments")
                   .at(0)
                   .at("actions")
                   .at(0)
                   .as_object()
                   .contains("integration"));
}

TEST_F(ModelPosts, GettingPosts) {
  const std::string id = make_post(kOps, "secret");
  EXPECT_EQ(get(path(id)).response.status, 200);
  expect_app_error(get(path(id), kBobToken), 403, "api.context.permissions.app_error");
  expect_app_error(get(path("zzzzzzzzzzzzzzzzzzzzzzzzzz")), 404, "app.post.get.app_error");
  ASSERT_EQ(del(path(id)).response.status, 200);
  expect_app_error(get(path(id)), 404, "app.post.get.app_error");
  expect_app_error(get(path(id) + "?include_deleted=true"), 403, "api.context.permissions.app_error");
  json::object deleted = body_of(get(path(id) + "?include_deleted=true", kAdminToken)).as_object();
  EXPECT_EQ(deleted.at("delete_at"), model_.find_post(id)->delete_at);
  EXPECT_GT(deleted.at("delete_at").as_int64(), 0);
}

TEST_F(ModelPosts, PutReplacesMessageAndPropsWholesale) {
  RestResult created =
      create({{"channel_id", kBuildAlerts}, {"message", "v1"}, {"props", json::object{{"a", 1}}}}, kBotToken);
  const std::string id(body_of(created).at("id").as_string());
  const std::int64_t created_at = body_of(created).at("create_at").as_int64();
  RestResult updated = put(
      path(id), json::object{{"id", id}, {"message", "v2"}, {"props", json::object{{"b", 2}}}}, kBotToken);
  ASSERT_EQ(updated.response.status, 200) << updated.response.body;
  json::object post = body_of(updated).as_object();
  EXPECT_EQ(post.at("message"), "v2");
  EXPECT_EQ(post.at("props"), (json::object{{"b", 2}}));  // from_bot and a are gone
  EXPECT_EQ(post.at("edit_at"), now());
  EXPECT_EQ(post.at("update_at"), now());
  EXPECT_EQ(post.at("create_at"), created_at);
  ASSERT_EQ(updated.events.size(), 1u);
  EXPECT_EQ(updated.events[0].event, "post_edited");
  EXPECT_EQ(updated.events[0].broadcast.channel_id, kBuildAlerts);
  EXPECT_EQ(decoded(updated.events[0], "post"), json::value(post));
  const Post* stored = model_.find_post(id);
  ASSERT_EQ(stored->history.size(), 2u);
  EXPECT_EQ(stored->history[0].message, "v1");
  EXPECT_EQ(stored->history[0].cause, "create");
  EXPECT_EQ(stored->history[1].message, "v2");
  EXPECT_EQ(stored->history[1].cause, "update");

  // Same message: edit_at stays, update_at moves.
  RestResult same = put(path(id), json::object{{"id", id}, {"message", "v2"}}, kBotToken);
  EXPECT_EQ(body_of(same).at("edit_at"), post.at("edit_at"));
  EXPECT_EQ(body_of(same).at("update_at"), now());
  EXPECT_EQ(body_of(same).at("props"), json::object{});

  expect_app_error(
      put(path(id), json::object{{"id", "zzzzzzzzzzzzzzzzzzzzzzzzzz"}, {"message", "x"}}, kBotToken), 400,
      "api.context.invalid_body_param.app_error");
  expect_app_error(
      put(path("zzzzzzzzzzzzzzzzzzzzzzzzzz"), json::object{{"id", "zzzzzzzzzzzzzzzzzzzzzzzzzz"}}), 403,
      "api.context.permissions.app_error");
  expect_app_error(put(path(id), json::object{{"id", id}, {"message", "mine now"}}), 403,
                   "api.context.permissions.app_error");
  EXPECT_EQ(put(path(id), json::object{{"id", id}, {"message", "by admin"}}, kAdminToken).response.status,
            200);
  expect_app_error(
      put(path(id), json::object{{"id", id}, {"props", json::object{{"from_webhook", "true"}}}}, kAdminToken),
      400, "api.context.invalid_body_param.app_error");
  std::string too_long(16384, 'x');
  expect_app_error(put(path(id), json::object{{"id", id}, {"message", too_long}}, kBotToken), 400,
                   "model.post.is_valid.message_length.app_error");
}

TEST_F(ModelPosts, PatchChangesOnlyPresentFields) {
  RestResult created =
      create({{"channel_id", kBuildAlerts}, {"message", "v1"}, {"props", json::object{{"a", 1}}}});
  const std::string id(body_of(created).at("id").as_string());
  RestResult patched = put(path(id) + "/patch", json::object{{"is_pinned", true}});
  ASSERT_EQ(patched.response.status, 200);
  EXPECT_EQ(body_of(patched).at("message"), "v1");
  EXPECT_EQ(body_of(patched).at("props"), (json::object{{"a", 1}}));
  EXPECT_EQ(body_of(patched).at("is_pinned"), true);
  EXPECT_EQ(body_of(patched).at("edit_at"), 0);
  EXPECT_EQ(patched.events.at(0).event, "post_edited");
  RestResult message =
      put(path(id) + "/patch", json::object{{"message", "v2"}, {"props", json::object{{"c", 3}}}});
  EXPECT_EQ(body_of(message).at("message"), "v2");
  EXPECT_EQ(body_of(message).at("props"), (json::object{{"c", 3}}));
  EXPECT_EQ(body_of(message).at("edit_at"), now());
  EXPECT_EQ(model_.find_post(id)->history.back().cause, "patch");
  expect_app_error(put(path("zzzzzzzzzzzzzzzzzzzzzzzzzz") + "/patch", json::object{{"message", "x"}}), 403,
                   "api.context.permissions.app_error");
  expect_app_error(put(path(id) + "/patch", json::object{{"message", "x"}}, kBobToken), 403,
                   "api.context.permissions.app_error");
  expect_app_error(put(path(id) + "/patch", json::object{{"message", 5}}), 400,
                   "api.context.invalid_body_param.app_error");
}

TEST_F(ModelPosts, DeleteIsSoftTakesRepliesAndSendsTwoEvents) {
  const std::string root = make_post(kBuildAlerts, "root");
  const std::string reply = make_post(kBuildAlerts, "reply", kBobToken, root);
  const json::value before = body_of(get(path(root)));
  RestResult deleted = del(path(root));
  ASSERT_EQ(deleted.response.status, 200);
  EXPECT_EQ(body_of(deleted), json::parse(R"({"status":"OK"})"));
  ASSERT_EQ(deleted.events.size(), 2u);
  const Event& sanitized = deleted.events[0];
  const Event& sensitive = deleted.events[1];
  EXPECT_EQ(sanitized.event, "post_deleted");
  EXPECT_TRUE(sanitized.broadcast.contains_sanitized_data);
  EXPECT_FALSE(sanitized.broadcast.contains_sensitive_data);
  EXPECT_EQ(keys_of(sanitized.data), (std::set<std::string>{"post"}));
  EXPECT_EQ(sensitive.event, "post_deleted");
  EXPECT_TRUE(sensitive.broadcast.contains_sensitive_data);
  EXPECT_EQ(sensitive.data.at("delete_by"), kAlice);
  EXPECT_EQ(sanitized.broadcast.channel_id, kBuildAlerts);
  json::object pre_delete = decoded(sanitized, "post").as_object();
  EXPECT_EQ(pre_delete.at("delete_at"), 0);
  EXPECT_FALSE(pre_delete.contains("metadata"));
  json::object expected = before.as_object();
  expected.erase("metadata");
  EXPECT_EQ(pre_delete, expected);

  EXPECT_GT(model_.find_post(root)->delete_at, 0);
  EXPECT_EQ(model_.find_post(reply)->delete_at, model_.find_post(root)->delete_at);
  EXPECT_EQ(model_.find_post(reply)->props.at("deleteBy"), kAlice);
  expect_app_error(get(path(reply)), 404, "app.post.get.app_error");
  expect_app_error(del(path(root)), 403, "api.context.permissions.app_error");
  expect_app_error(del(path("zzzzzzzzzzzzzzzzzzzzzzzzzz")), 403, "api.context.permissions.app_error");
}

TEST_F(ModelPosts, DeletingAReplyUpdatesTheRootAndOthersNeedAdmin) {
  const std::string root = make_post(kBuildAlerts, "root");
  const std::string reply = make_post(kBuildAlerts, "reply", kBobToken, root);
  expect_app_error(del(path(reply)), 403, "api.context.permissions.app_error");
  EXPECT_EQ(del(path(reply), kAdminToken).response.status, 200);
  EXPECT_EQ(model_.find_post(root)->reply_count, 0);
  EXPECT_EQ(model_.find_post(root)->delete_at, 0);
}

TEST_F(ModelPosts, PostsByIds) {
  const std::string a = make_post(kBuildAlerts, "a");
  const std::string b = make_post(kOps, "b");
  const std::string c = make_post(kTownSquare, "c");
  json::array found =
      body_of(post("/api/v4/posts/ids", json::array{a, b, c, "zzzzzzzzzzzzzzzzzzzzzzzzzz"}, kBobToken))
          .as_array();
  ASSERT_EQ(found.size(), 2u);  // b is private
  EXPECT_EQ(found[0].at("id"), c);
  EXPECT_EQ(found[1].at("id"), a);
  expect_app_error(post("/api/v4/posts/ids", json::array{}), 400, "api.context.invalid_body_param.app_error");
  json::array many;
  for (int i = 0; i < 1001; ++i) many.emplace_back(a);
  expect_app_error(post("/api/v4/posts/ids", many), 400, "api.post.posts_by_ids.invalid_body.request_error");
}

}  // namespace
}  // namespace mmsim::test

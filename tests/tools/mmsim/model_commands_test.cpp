// Slash commands: management (§4.9), execution and responses (§7.1).

#include "model_support.hpp"

#include "mmsim/model/text.hpp"

namespace mmsim::test {
namespace {

class ModelCommands : public ModelTest {
 protected:
  json::object command_body(std::string_view trigger, std::string_view url = "https://bot.example.com/cmd") {
    return json::object{{"team_id", kEng},         {"trigger", trigger},
                        {"method", "P"},           {"url", url},
                        {"auto_complete", true},   {"auto_complete_desc", "Deploy things"},
                        {"display_name", "Deploy"}};
  }

  json::object create_command(std::string_view trigger = "deploy", std::string_view token = kBobToken) {
    RestResult result = post("/api/v4/commands", command_body(trigger), token);
    EXPECT_EQ(result.response.status, 201) << result.response.body;
    return body_of(result).as_object();
  }

  RestResult execute(std::string_view command, std::string_view channel = kBuildAlerts,
                     std::string_view token = kAliceToken, std::string_view root = {}) {
    json::object body{{"channel_id", channel}, {"command", command}};
    if (!root.empty()) body["root_id"] = root;
    return post("/api/v4/commands/execute", body, token);
  }

  // Runs `command` and answers the call with `reply`.
  RestResult run(std::string_view command, IntegrationReply reply, std::string_view root = {}) {
    RestResult started = execute(command, kBuildAlerts, kAliceToken, root);
    EXPECT_TRUE(started.call.has_value()) << started.response.body;
    if (!started.call) return started;
    return model_.complete_integration(started.call->id, std::move(reply), now());
  }

  static IntegrationReply json_reply(std::string body) {
    return {200, "application/json; charset=utf-8", std::move(body)};
  }
};

TEST_F(ModelCommands, CreatingACommand) {
  RestResult result = post("/api/v4/commands", command_body("Deploy"), kBobToken);
  ASSERT_EQ(result.response.status, 201) << result.response.body;
  json::object command = body_of(result).as_object();
  EXPECT_EQ(keys_of(command),
            (std::set<std::string>{"id", "token", "create_at", "update_at", "delete_at", "creator_id",
                                   "team_id", "trigger", "method", "username", "icon_url", "auto_complete",
                                   "auto_complete_desc", "auto_complete_hint", "display_name", "description",
                                   "url", "plugin_id"}));
  EXPECT_EQ(command.at("trigger"), "deploy");
  EXPECT_EQ(command.at("creator_id"), kBob);
  EXPECT_EQ(command.at("team_id"), kEng);
  EXPECT_EQ(command.at("method"), "P");
  EXPECT_EQ(command.at("create_at"), now());
  EXPECT_TRUE(is_valid_id(command.at("token").as_string()));
  EXPECT_TRUE(is_valid_id(command.at("id").as_string()));
  EXPECT_NE(command.at("token"), command.at("id"));
  EXPECT_EQ(model_.commands().size(), 1u);
}

TEST_F(ModelCommands, TriggerAndFieldRules) {
  create_command("deploy");
  expect_app_error(post("/api/v4/commands", command_body("deploy"), kAliceToken), 400,
                   "api.command.duplicate_trigger.app_error");
  expect_app_error(post("/api/v4/commands", command_body("DEPLOY"), kAliceToken), 400,
                   "api.command.duplicate_trigger.app_error");
  expect_app_error(post("/api/v4/commands", command_body("echo")), 400,
                   "api.command.duplicate_trigger.app_error");
  expect_app_error(post("/api/v4/commands", command_body("/slash")), 400,
                   "model.command.is_valid.trigger.app_error");
  expect_app_error(post("/api/v4/commands", command_body("two words")), 400,
                   "model.command.is_valid.trigger.app_error");
  expect_app_error(post("/api/v4/commands", command_body("")), 400,
                   "model.command.is_valid.trigger.app_error");
  expect_app_error(post("/api/v4/commands", command_body(std::string(129, 'a'))), 400,
                   "model.command.is_valid.trigger.app_error");
  expect_app_error(post("/api/v4/commands", command_body("ok", "ftp://x")), 400,
                   "model.command.is_valid.url.app_error");
  json::object bad_method = command_body("ok");
  bad_method["method"] = "X";
  expect_app_error(post("/api/v4/commands", bad_method), 400, "model.command.is_valid.method.app_error");
  json::object long_name = command_body("ok");
  long_name["display_name"] = std::string(65, 'n');
  expect_app_error(post("/api/v4/commands", long_name), 400, "model.command.is_valid.display_name.app_error");
  expect_app_error(post("/api/v4/commands", command_body("ok"), kDaveToken), 403,
                   "api.context.permissions.app_error");
  expect_app_error(call("POST", "/api/v4/commands", "{"), 400, "api.context.invalid_body_param.app_error");
}

TEST_F(ModelCommands, ListingAndSanitizing) {
  const json::object bobs = create_command("deploy", kBobToken);
  create_command("report", kAliceToken);
  json::array custom =
      body_of(get("/api/v4/commands?team_id=" + std::string(kEng) + "&custom_only=true", kBobToken))
          .as_array();
  ASSERT_EQ(custom.size(), 1u);
  EXPECT_EQ(custom[0], json::value(bobs));
  EXPECT_EQ(body_of(get("/api/v4/commands?team_id=" + std::string(kEng) + "&custom_only=true", kAdminToken))
                .as_array()
                .size(),
            2u);
  expect_app_error(get("/api/v4/commands?custom_only=true"), 400, "api.context.invalid_body_param.app_error");
  expect_app_error(get("/api/v4/commands?team_id=" + std::string(kEng) + "&custom_only=true", kDaveToken),
                   403, "api.context.permissions.app_error");

  json::array all = body_of(get("/api/v4/commands?team_id=" + std::string(kEng))).as_array();
  ASSERT_GT(all.size(), 2u);
  const json::object* deploy = nullptr;
  bool has_echo = false;
  for (const auto& command : all) {
    if (command.at("trigger") == "deploy") deploy = &command.as_object();
    has_echo = has_echo || command.at("trigger") == "echo";
  }
  EXPECT_TRUE(has_echo);
  ASSERT_NE(deploy, nullptr);
  EXPECT_EQ(deploy->at("token"), "");  // alice does not manage bob's command
  EXPECT_EQ(deploy->at("url"), "");
  EXPECT_EQ(deploy->at("creator_id"), "");
  EXPECT_EQ(deploy->at("method"), "");
  EXPECT_EQ(deploy->at("auto_complete_desc"), "Deploy things");
}

TEST_F(ModelCommands, GetUpdateRegenerateDelete) {
  json::object command = create_command("deploy", kBobToken);
  const std::string id(command.at("id").as_string());
  const std::string path = "/api/v4/commands/" + id;
  EXPECT_EQ(body_of(get(path, kBobToken)), json::value(command));
  expect_app_error(get(path), 404, "store.sql_command.get.missing.app_error");  // alice may not manage it
  expect_app_error(get(path, kDaveToken), 404, "store.sql_command.get.missing.app_error");
  EXPECT_EQ(get(path, kAdminToken).response.status, 200);

  json::object changed = command;
  changed["trigger"] = "ship";
  changed["token"] = "ignoredignoredignoredignor";
  changed["creator_id"] = kAlice;
  RestResult updated = put(path, changed, kBobToken);
  ASSERT_EQ(updated.response.status, 200) << updated.response.body;
  EXPECT_EQ(body_of(updated).at("trigger"), "ship");
  EXPECT_EQ(body_of(updated).at("token"), command.at("token"));
  EXPECT_EQ(body_of(updated).at("creator_id"), kBob);
  EXPECT_EQ(body_of(updated).at("update_at"), now());
  expect_app_error(put(path, changed), 403, "api.context.permissions.app_error");
  json::object other_team = changed;
  other_team["team_id"] = kOther;
  expect_app_error(put(path, other_team, kBobToken), 400, "api.command.team_mismatch.app_error");
  json::object other_id = changed;
  other_id["id"] = "zzzzzzzzzzzzzzzzzzzzzzzzzz";
  expect_app_error(put(path, other_id, kBobToken), 400, "api.context.invalid_body_param.app_error");

  RestResult regen = put(path + "/regen_token", json::object{}, kBobToken);
  ASSERT_EQ(regen.response.status, 200);
  const std::string token(body_of(regen).at("token").as_string());
  EXPECT_TRUE(is_valid_id(token));
  EXPECT_NE(token, command.at("token").as_string());
  EXPECT_EQ(keys_of(body_of(regen).as_object()), (std::set<std::string>{"token"}));
  RestResult started = execute("/ship now");
  ASSERT_TRUE(started.call);
  EXPECT_EQ(query_param(started.call->body, "token"), token);

  expect_app_error(del(path), 403, "api.context.permissions.app_error");
  RestResult removed = del(path, kBobToken);
  EXPECT_EQ(body_of(removed), json::parse(R"({"status":"OK"})"));
  expect_app_error(get(path, kBobToken), 404, "store.sql_command.get.missing.app_error");
  expect_app_error(execute("/ship"), 404, "api.command.execute_command.not_found.app_error");
  EXPECT_GT(model_.find_command(id)->delete_at, 0);
}

TEST_F(ModelCommands, ExecutingMakesTheFormEncodedCall) {
  json::object command = create_command("deploy", kBobToken);
  const std::string token(command.at("token").as_string());
  RestResult started = execute("/Deploy prod @bob ~town-square now");
  EXPECT_EQ(started.response.status, 0);
  EXPECT_TRUE(started.response.body.empty());
  ASSERT_TRUE(started.call.has_value());
  const IntegrationCall& call = *started.call;
  EXPECT_EQ(call.kind, IntegrationCall::Kind::slash_command);
  EXPECT_EQ(call.method, "POST");
  EXPECT_EQ(call.url, "https://bot.example.com/cmd");
  EXPECT_EQ(call.timeout_ms, 30000);
  EXPECT_EQ(call.headers, (HeaderList{{"Accept", "application/json"},
                                      {"Authorization", "Token " + token},
                                      {"User-Agent", "Mattermost-Bot/1.1"},
                                      {"Content-Type", "application/x-www-form-urlencoded"}}));
  EXPECT_EQ(model_.pending_integration_calls(), std::vector<std::uint64_t>{call.id});
  auto fields = parse_query(call.body);
  std::vector<std::string> keys;
  for (const auto& [key, value] : fields) keys.push_back(key);
  EXPECT_EQ(keys, (std::vector<std::string>{"channel_id", "channel_mentions", "channel_mentions_ids",
                                            "channel_name", "command", "response_url", "team_domain",
                                            "team_id", "text", "token", "trigger_id", "user_id",
                                            "user_mentions", "user_mentions_ids", "user_name"}));
  EXPECT_EQ(query_param(call.body, "channel_id"), kBuildAlerts);
  EXPECT_EQ(query_param(call.body, "channel_name"), "build-alerts");
  EXPECT_EQ(query_param(call.body, "command"), "/deploy");
  EXPECT_EQ(query_param(call.body, "text"), "prod @bob ~town-square now");
  EXPECT_EQ(query_param(call.body, "team_domain"), "eng");
  EXPECT_EQ(query_param(call.body, "team_id"), kEng);
  EXPECT_EQ(query_param(call.body, "token"), token);
  EXPECT_EQ(query_param(call.body, "user_id"), kAlice);
  EXPECT_EQ(query_param(call.body, "user_name"), "alice");
  EXPECT_EQ(query_param(call.body, "user_mentions"), "bob");
  EXPECT_EQ(query_param(call.body, "user_mentions_ids"), kBob);
  EXPECT_EQ(query_param(call.body, "channel_mentions"), "town-square");
  EXPECT_EQ(query_param(call.body, "channel_mentions_ids"), kTownSquare);
  const std::string response_url = query_param(call.body, "response_url");
  EXPECT_TRUE(response_url.starts_with("https://chat.example.com/hooks/commands/")) << response_url;
  EXPECT_TRUE(is_valid_id(response_url.substr(response_url.rfind('/') + 1)));
  EXPECT_GT(query_param(call.body, "trigger_id").size(), 26u);
  EXPECT_TRUE(call.body.find("text=prod+%40bob+~town-square+now") != std::string::npos) << call.body;
}

TEST_F(ModelCommands, GetCommandsPutTheFieldsInTheQuery) {
  json::object body = command_body("lookup", "https://bot.example.com/q?x=1");
  body["method"] = "G";
  ASSERT_EQ(post("/api/v4/commands", body).response.status, 201);
  RestResult started = execute("/lookup a b");
  ASSERT_TRUE(started.call);
  EXPECT_EQ(started.call->method, "GET");
  EXPECT_TRUE(started.call->body.empty());
  EXPECT_TRUE(started.call->url.starts_with("https://bot.example.com/q?x=1&channel_id="))
      << started.call->url;
  EXPECT_EQ(query_param(started.call->url.substr(started.call->url.find('?') + 1), "text"), "a b");
  EXPECT_EQ(find_header(started.call->headers, "Content-Type"), "");
}

TEST_F(ModelCommands, InChannelResponsesArePostedByTheInvoker) {
  create_command();
  const std::string root = make_post(kBuildAlerts, "thread root");
  const std::string reply = make_post(kBuildAlerts, "in thread", kBobToken, root);
  RestResult done = run("/deploy prod",
                        json_reply(R"({"response_type":"in_channel","text":"Deploying <https://ci/1|build 1>",
      "props":{"build":"1"},"username":"ignored","extra_responses":[{"text":"only you"}],"unknown":1})"),
                        reply);
  ASSERT_EQ(done.response.status, 200) << done.response.body;
  json::object response = body_of(done).as_object();
  EXPECT_EQ(keys_of(response),
            (std::set<std::string>{"response_type", "text", "username", "channel_id", "icon_url", "type",
                                   "props", "goto_location", "trigger_id", "skip_slack_parsing",
                                   "attachments", "extra_responses"}));
  EXPECT_EQ(response.at("response_type"), "in_channel");
  EXPECT_EQ(response.at("attachments"), nullptr);
  EXPECT_TRUE(is_valid_id(done.response.header("X-Request-Id")));
  ASSERT_EQ(done.events.size(), 2u);
  EXPECT_EQ(done.events[0].event, "posted");
  json::value posted = decoded(done.events[0], "post");
  EXPECT_EQ(posted.at("user_id"), kAlice);
  EXPECT_EQ(posted.at("root_id"), root);
  EXPECT_EQ(posted.at("message"), "Deploying [build 1](https://ci/1)");
  EXPECT_EQ(posted.at("props"), (json::object{{"build", "1"}, {"from_webhook", "true"}}));
  EXPECT_EQ(done.events[0].data.at("sender_name"), "@alice");
  EXPECT_EQ(done.events[1].event, "ephemeral_message");
  EXPECT_EQ(done.events[1].broadcast.user_id, kAlice);
  EXPECT_EQ(decoded(done.events[1], "post").at("message"), "only you");
  EXPECT_EQ(decoded(done.events[1], "post").at("type"), "system_ephemeral");
  EXPECT_TRUE(model_.pending_integration_calls().empty());
}

TEST_F(ModelCommands, NonJsonRepliesAreEphemeralText) {
  create_command();
  RestResult done = run(
      "/deploy", IntegrationReply{200, "text/plain", "{\"response_type\":\"in_channel\",\"text\":\"x\"}"});
  ASSERT_EQ(done.response.status, 200);
  EXPECT_EQ(body_of(done).at("response_type"), "");
  ASSERT_EQ(done.events.size(), 1u);
  EXPECT_EQ(done.events[0].event, "ephemeral_message");
  EXPECT_EQ(decoded(done.events[0], "post").at("message"),
            "{\"response_type\":\"in_channel\",\"text\":\"x\"}");
  RestResult empty = run("/deploy", IntegrationReply{200, "text/plain", ""});
  EXPECT_EQ(empty.response.status, 200);
  EXPECT_TRUE(empty.events.empty());
}

TEST_F(ModelCommands, AttachmentsMakeASlackAttachmentPost) {
  create_command();
  RestResult done = run("/deploy", json_reply(R"({"response_type":"in_channel","text":"t",
      "attachments":[{"text":"a","actions":[{"name":"Go","integration":{"url":"https://bot/act"}}]}]})"));
  ASSERT_EQ(done.response.status, 200) << done.response.body;
  json::value posted = decoded(done.events.at(0), "post");
  EXPECT_EQ(posted.at("type"), "slack_attachment");
  const json::object& action = posted.at("props").at("attachments").at(0).at("actions").at(0).as_object();
  EXPECT_FALSE(action.contains("integration"));
  EXPECT_TRUE(is_valid_id(action.at("id").as_string()));
}

TEST_F(ModelCommands, FailedIntegrationsAndRefusedResponses) {
  create_command();
  expect_app_error(run("/deploy", IntegrationReply{500, "application/json", "{}"}), 500,
                   "api.command.execute_command.failed_resp.app_error");
  expect_app_error(run("/deploy", IntegrationReply{0, "", ""}), 500,
                   "api.command.execute_command.failed.app_error");
  expect_app_error(run("/deploy", json_reply("{not json")), 500,
                   "api.command.execute_command.failed.app_error");
  expect_app_error(run("/deploy", json_reply(R"({"text": 5})")), 500,
                   "api.command.execute_command.failed.app_error");
  expect_app_error(run("/deploy", json_reply(R"({"response_type":"shout","text":"x"})")), 400,
                   "model.command_response.is_valid.response_type.app_error");
  expect_app_error(
      run("/deploy", json_reply(R"({"response_type":"in_channel","text":"x","type":"system_x"})")), 400,
      "api.context.invalid_param.app_error");
  RestResult forbidden =
      run("/deploy", json_reply(std::string(R"({"response_type":"in_channel","text":"x","channel_id":")") +
                                std::string(kOffTopic) + "\"}"));
  expect_app_error(forbidden, 403, "api.command.command_post.forbidden.app_error");
  EXPECT_TRUE(forbidden.events.empty());
  RestResult redirected =
      run("/deploy", json_reply(std::string(R"({"response_type":"in_channel","text":"x","channel_id":")") +
                                std::string(kOps) + "\"}"));
  ASSERT_EQ(redirected.response.status, 200);
  EXPECT_EQ(redirected.events.at(0).broadcast.channel_id, kOps);
  expect_app_error(model_.complete_integration(9999, IntegrationReply{200, "", ""}, now()), 500,
                   "mmsim.integration.unknown_call.app_error");
}

TEST_F(ModelCommands, ExecuteErrors) {
  create_command();
  expect_app_error(execute("deploy"), 400, "api.command.execute_command.start.app_error");
  expect_app_error(execute("/"), 400, "api.command.execute_command.start.app_error");
  expect_app_error(execute("/deploy", "bad"), 400, "api.command.execute_command.start.app_error");
  expect_app_error(execute("/nothing"), 404, "api.command.execute_command.not_found.app_error");
  expect_app_error(execute("/deploy", kBuildAlerts, kCarolToken), 403, "api.context.permissions.app_error");
  const std::string dm(
      body_of(post("/api/v4/channels/direct", json::array{kAlice, kBot})).at("id").as_string());
  expect_app_error(execute("/deploy", dm), 403, "api.context.permissions.app_error");  // no team_id
  RestResult in_dm = post("/api/v4/commands/execute",
                          json::object{{"channel_id", dm}, {"team_id", kEng}, {"command", "/deploy"}});
  ASSERT_TRUE(in_dm.call) << in_dm.response.body;
  EXPECT_EQ(query_param(in_dm.call->body, "channel_name"),
            "14j8umgczgrdp95w77zuxmxfu9__wj3drgzdpnf54rxf5d8qd3dqne");
  EXPECT_EQ(query_param(in_dm.call->body, "team_domain"), "eng");
}

TEST_F(ModelCommands, ResponseUrlAcceptsFiveUsesForThirtyMinutes) {
  create_command();
  RestResult started = execute("/deploy");
  ASSERT_TRUE(started.call);
  const std::string url = query_param(started.call->body, "response_url");
  const std::string path = url.substr(std::string("https://chat.example.com").size());
  ASSERT_EQ(model_.complete_integration(started.call->id, IntegrationReply{200, "text/plain", ""}, now())
                .response.status,
            200);
  for (int i = 0; i < 5; ++i) {
    RestResult used = call("POST", path, R"({"response_type":"in_channel","text":"later"})", "",
                           {{"content-type", "application/json"}});
    ASSERT_EQ(used.response.status, 200) << used.response.body;
    EXPECT_EQ(used.response.body, "ok");
    EXPECT_EQ(decoded(used.events.at(0), "post").at("user_id"), kAlice);
    EXPECT_EQ(decoded(used.events.at(0), "post").at("props").at("from_webhook"), "true");
  }
  expect_app_error(call("POST", path, R"({"text":"x"})", "", {{"content-type", "application/json"}}), 400,
                   "app.command_webhook.try_use.invalid");
  expect_app_error(call("POST", "/hooks/commands/zzzzzzzzzzzzzzzzzzzzzzzzzz", "{}", ""), 404,
                   "app.command_webhook.get.missing");

  RestResult second = execute("/deploy");
  const std::string second_path =
      query_param(second.call->body, "response_url").substr(std::string("https://chat.example.com").size());
  advance(31 * 60 * 1000);
  expect_app_error(call("POST", second_path, "late", ""), 400, "app.command_webhook.try_use.invalid");
}

class ModelCommandsDisabled : public ModelTest {
 protected:
  static ModelConfig disabled() {
    ModelConfig config = test_config();
    config.enable_commands = false;
    return config;
  }
  ModelCommandsDisabled() : ModelTest(disabled()) {}
};

TEST_F(ModelCommandsDisabled, Are501) {
  expect_app_error(post("/api/v4/commands", json::object{}), 501, "api.command.disabled.app_error");
  expect_app_error(get("/api/v4/commands?team_id=" + std::string(kEng)), 501,
                   "api.command.disabled.app_error");
  expect_app_error(post("/api/v4/commands/execute", json::object{}), 501, "api.command.disabled.app_error");
}

}  // namespace
}  // namespace mmsim::test

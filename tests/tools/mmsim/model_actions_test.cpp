// Interactive buttons and menus (§4.10, §7.2).

#include "model_support.hpp"

namespace mmsim::test {
namespace {

class ModelActions : public ModelTest {
 protected:
  void SetUp() override {
    const json::value props = json::parse(R"({"attachments":[{"text":"Deploy prod?","actions":[
        {"id":"approve","type":"button","name":"Approve","integration":{"url":"https://bot.example.com/act","context":{"op":"approve","req":"r42"}}},
        {"id":"reject-1","type":"button","name":"Reject","integration":{"url":"https://bot.example.com/act"}},
        {"id":"pick","type":"select","name":"Env","data_source":"","options":[{"text":"Prod","value":"prod"}],
         "integration":{"url":"https://bot.example.com/menu","context":{"op":"env"}}},
        {"id":"plain","type":"button","name":"No integration"}]}]})");
    RestResult created =
        post("/api/v4/posts",
             json::object{{"channel_id", kBuildAlerts}, {"message", "Deploy request"}, {"props", props}},
             kBotToken);
    ASSERT_EQ(created.response.status, 201) << created.response.body;
    post_id_ = std::string(body_of(created).at("id").as_string());
  }

  RestResult click(std::string_view action, json::value body = json::object{},
                   std::string_view token = kAliceToken, std::string_view post_id = {}) {
    return post("/api/v4/posts/" + std::string(post_id.empty() ? post_id_ : post_id) + "/actions/" +
                    std::string(action),
                body, token);
  }

  RestResult click_and_answer(std::string_view action, IntegrationReply reply) {
    RestResult started = click(action);
    EXPECT_TRUE(started.call.has_value()) << started.response.body;
    if (!started.call) return started;
    return model_.complete_integration(started.call->id, std::move(reply), now());
  }

  std::string post_id_;
};

TEST_F(ModelActions, ClickMakesThePostActionIntegrationRequest) {
  RestResult started = click("approve");
  EXPECT_EQ(started.response.status, 0);
  ASSERT_TRUE(started.call.has_value());
  const IntegrationCall& call = *started.call;
  EXPECT_EQ(call.kind, IntegrationCall::Kind::post_action);
  EXPECT_EQ(call.method, "POST");
  EXPECT_EQ(call.url, "https://bot.example.com/act");
  EXPECT_EQ(call.headers, (HeaderList{{"Content-Type", "application/json"},
                                      {"Accept", "application/json"},
                                      {"User-Agent", "Mattermost-Bot/1.1"}}));
  json::object request = json::parse(call.body).as_object();
  EXPECT_EQ(keys_of(request), (std::set<std::string>{"user_id", "user_name", "channel_id", "channel_name",
                                                     "team_id", "team_domain", "post_id", "trigger_id",
                                                     "type", "data_source", "context"}));
  EXPECT_EQ(request.at("user_id"), kAlice);
  EXPECT_EQ(request.at("user_name"), "alice");
  EXPECT_EQ(request.at("channel_id"), kBuildAlerts);
  EXPECT_EQ(request.at("channel_name"), "build-alerts");
  EXPECT_EQ(request.at("team_id"), kEng);
  EXPECT_EQ(request.at("team_domain"), "eng");
  EXPECT_EQ(request.at("post_id"), post_id_);
  EXPECT_EQ(request.at("type"), "button");
  EXPECT_EQ(request.at("data_source"), "");
  EXPECT_EQ(request.at("context"), (json::object{{"op", "approve"}, {"req", "r42"}}));
  EXPECT_GT(request.at("trigger_id").as_string().size(), 26u);
}

TEST_F(ModelActions, UpdateAndEphemeralTextAreApplied) {
  RestResult done = click_and_answer(
      "approve",
      IntegrationReply{
          200, "application/json",
          R"({"update":{"message":"Deploy approved by @alice","props":{}},"ephemeral_text":"Approved."})"});
  ASSERT_EQ(done.response.status, 200) << done.response.body;
  json::object answer = body_of(done).as_object();
  EXPECT_EQ(keys_of(answer), (std::set<std::string>{"status", "trigger_id"}));
  EXPECT_EQ(answer.at("status"), "OK");
  EXPECT_TRUE(is_valid_id(answer.at("trigger_id").as_string()));
  ASSERT_EQ(done.events.size(), 2u);
  EXPECT_EQ(done.events[0].event, "post_edited");
  json::value edited = decoded(done.events[0], "post");
  EXPECT_EQ(edited.at("id"), post_id_);
  EXPECT_EQ(edited.at("message"), "Deploy approved by @alice");
  EXPECT_EQ(edited.at("props"), json::object{});
  EXPECT_EQ(edited.at("edit_at"), now());
  EXPECT_EQ(done.events[1].event, "ephemeral_message");
  EXPECT_EQ(done.events[1].broadcast.user_id, kAlice);
  EXPECT_EQ(done.events[1].broadcast.channel_id, kBuildAlerts);
  json::value ephemeral = decoded(done.events[1], "post");
  EXPECT_EQ(ephemeral.at("message"), "Approved.");
  EXPECT_EQ(ephemeral.at("root_id"), post_id_);
  EXPECT_EQ(ephemeral.at("user_id"), kAlice);
  EXPECT_EQ(ephemeral.at("type"), "system_ephemeral");
  const Post* stored = model_.find_post(post_id_);
  EXPECT_EQ(stored->message, "Deploy approved by @alice");
  EXPECT_EQ(stored->history.back().cause, "action");
}

TEST_F(ModelActions, UpdateWithoutPropsKeepsThemAndTheButtonsStillWork) {
  RestResult done = click_and_answer(
      "approve", IntegrationReply{200, "application/json", R"({"update":{"message":"Working..."}})"});
  ASSERT_EQ(done.response.status, 200);
  json::value edited = decoded(done.events.at(0), "post");
  EXPECT_EQ(edited.at("props").at("from_bot"), "true");
  EXPECT_FALSE(
      edited.at("props").at("attachments").at(0).at("actions").at(0).as_object().contains("integration"));
  EXPECT_TRUE(click("approve").call.has_value());
}

TEST_F(ModelActions, RetainedPropsSurviveAnUpdate) {
  const json::value props =
      json::parse(R"({"from_webhook":"true","override_username":"ci","attachments":[{"actions":[
      {"id":"go","type":"button","name":"Go","integration":{"url":"https://bot/act"}}]}]})");
  RestResult created =
      post("/api/v4/posts", json::object{{"channel_id", kBuildAlerts}, {"message", "m"}, {"props", props}},
           kBotToken);
  const std::string id(body_of(created).at("id").as_string());
  RestResult started = click("go", json::object{}, kAliceToken, id);
  ASSERT_TRUE(started.call);
  RestResult done = model_.complete_integration(
      started.call->id,
      IntegrationReply{200, "application/json",
                       R"({"update":{"message":"done","props":{"override_icon_url":"x","k":1}}})"},
      now());
  json::value edited = decoded(done.events.at(0), "post");
  EXPECT_EQ(edited.at("props"),
            (json::object{{"k", 1}, {"from_webhook", "true"}, {"override_username", "ci"}}));
}

TEST_F(ModelActions, EmptyAnswersAndFailures) {
  RestResult empty = click_and_answer("approve", IntegrationReply{200, "", ""});
  EXPECT_EQ(empty.response.status, 200);
  EXPECT_TRUE(empty.events.empty());
  expect_app_error(click_and_answer("approve", IntegrationReply{500, "application/json", "{}"}), 400,
                   "api.post.do_action.action_integration.app_error");
  expect_app_error(click_and_answer("approve", IntegrationReply{0, "", ""}), 400,
                   "api.post.do_action.action_integration.app_error");
  expect_app_error(click_and_answer("approve", IntegrationReply{200, "application/json", "not json"}), 400,
                   "api.post.do_action.action_integration.app_error");
  expect_app_error(
      click_and_answer("approve", IntegrationReply{200, "application/json", R"({"update":"x"})"}), 400,
      "api.post.do_action.action_integration.app_error");
  EXPECT_EQ(model_.find_post(post_id_)->message, "Deploy request");
}

TEST_F(ModelActions, MenusSendTheSelectedOption) {
  RestResult started = click("pick", json::object{{"selected_option", "prod"}});
  ASSERT_TRUE(started.call);
  json::object request = json::parse(started.call->body).as_object();
  EXPECT_EQ(request.at("type"), "select");
  EXPECT_EQ(request.at("context"), (json::object{{"op", "env"}, {"selected_option", "prod"}}));
  EXPECT_EQ(request.at("data_source"), "");
  EXPECT_EQ(started.call->url, "https://bot.example.com/menu");
}

TEST_F(ModelActions, RoutingAndPermissions) {
  expect_app_error(click("unknown"), 404, "api.post.do_action.action_id.app_error");
  expect_app_error(click("plain"), 404, "api.post.do_action.action_id.app_error");
  expect_app_error(click("reject-1"), 404, "api.context.404.app_error");  // ids must be alphanumeric
  expect_app_error(click("approve", json::object{}, kAliceToken, "zzzzzzzzzzzzzzzzzzzzzzzzzz"), 403,
                   "api.context.permissions.app_error");
  expect_app_error(click("approve", json::object{}, kDaveToken), 403, "api.context.permissions.app_error");
  EXPECT_TRUE(
      click("approve", json::object{}, kCarolToken).call.has_value());  // public channel, not a member
  // A malformed body is ignored.
  EXPECT_TRUE(call("POST", "/api/v4/posts/" + post_id_ + "/actions/approve", "garbage").call.has_value());
  ASSERT_EQ(del("/api/v4/posts/" + post_id_, kBotToken).response.status, 200);
  expect_app_error(click("approve"), 404, "app.post.get.app_error");
}

TEST_F(ModelActions, TheClickAnswerCarriesTheOriginalRequestId) {
  RestResult started = click("approve");
  ASSERT_TRUE(started.call);
  EXPECT_EQ(model_.pending_integration_calls().size(), 1u);
  RestResult done = model_.complete_integration(started.call->id, IntegrationReply{200, "", ""}, now());
  EXPECT_TRUE(is_valid_id(done.response.header("X-Request-Id")));
  EXPECT_EQ(done.response.header("Content-Type"), "application/json");
  expect_app_error(model_.complete_integration(started.call->id, IntegrationReply{200, "", ""}, now()), 500,
                   "mmsim.integration.unknown_call.app_error");
}

}  // namespace
}  // namespace mmsim::test

// Mattermost's callbacks into the gateway end to end (issue 9): the real `mmclaw gateway` and a
// real mmsim, which registers the slash commands the gateway creates, runs them for a user (the
// integration request to the gateway's callback route included) and clicks buttons the way the
// Mattermost server does. Also the bad callers: a token of another command, a deleted or rotated
// command, a tampered button context, a click from an address not allowed, a crash right after
// a click was acknowledged.

#include <gtest/gtest.h>

#include <string>

#include "gateway_fixture.hpp"
#include "support/http_test_client.hpp"

namespace {

using namespace mmclaw::e2e;

constexpr std::string_view kNative = "commands: { native: true },";
constexpr std::string_view kCallbackPath = "/api/channels/mattermost/command";
constexpr std::string_view kRegisteredLine = "slash commands registered";

class GatewayCallbacksE2e : public GatewayFixture {
 protected:
  Gateway& start_native(GatewayOptions options = {}) {
    options.mattermost_extra += std::string(kNative);
    auto& gateway = start(std::move(options));
    gateway.wait_log(kRegisteredLine);
    return gateway;
  }

  // A REST call as `user` through mmsim (integration round trips included); {status, body}.
  json::object act(std::string_view user, std::string_view method, std::string_view path,
                   json::value body = nullptr) const {
    const auto query = path.find('?');
    json::object request{{"as", user}, {"method", method}, {"path", path.substr(0, query)}};
    if (query != std::string_view::npos) request["query"] = path.substr(query + 1);
    if (!body.is_null()) request["body"] = std::move(body);
    return sim_->control("/_control/act", request, std::chrono::seconds(20)).as_object();
  }

  // `/command` typed by `user` in `channel`: what Mattermost answered the client.
  json::object run_command(std::string_view user, std::string_view channel, std::string_view command) const {
    return act(user, "POST", "/api/v4/commands/execute",
               json::object{{"channel_id", channel}, {"team_id", kTeam}, {"command", command}});
  }

  // The gateway's custom commands in the team, as the bot (their creator) sees them: tokens included.
  json::array commands() const {
    const auto reply = act("mmclaw", "GET", "/api/v4/commands?team_id=" + std::string(kTeam) + "&custom_only=true");
    if (!reply.at("body").is_array()) throw std::runtime_error("GET /commands: " + json::serialize(reply));
    return reply.at("body").as_array();
  }
  json::object command(std::string_view trigger) const {
    for (const auto& c : commands())
      if (field(c.as_object(), "trigger") == trigger) return c.as_object();
    throw std::runtime_error("no command /" + std::string(trigger));
  }

  // A request straight to the gateway's HTTP surface.
  mmclaw::test::HttpReply call_gateway(std::string_view method, std::string_view target, std::string_view body = {},
                                       std::string_view content_type = "application/x-www-form-urlencoded") const {
    mmclaw::test::HttpTestClient client(gateway_->http_port());
    auto reply = client.request(method, target, {{"Content-Type", std::string(content_type)}}, body);
    if (!reply) throw std::runtime_error("the gateway did not answer: " + reply.error().message);
    return *reply;
  }

  // The form Mattermost sends for `/trigger` by alice in town square, with `token`.
  static std::string slash_form(std::string_view token, std::string_view trigger) {
    return fmt::format("token={}&team_id={}&channel_id={}&user_id={}&user_name=alice&command=%2F{}&text=&trigger_id=t{}",
                       token, kTeam, kTownSquare, kAliceId, trigger, trigger);
  }

  // Posts of the bot in `channel` whose message contains `text`.
  std::vector<json::object> bot_posts_with(std::string_view channel, std::string_view text) const {
    std::vector<json::object> out;
    for (const auto& p : sim_->posts(channel)) {
      const auto& o = p.as_object();
      if (field(o, "user_id") == kBotId && int_field(o, "delete_at") == 0 &&
          field(o, "message").find(text) != std::string::npos)
        out.push_back(o);
    }
    return out;
  }
  bool wait_bot_post(std::string_view channel, std::string_view text, std::chrono::milliseconds timeout = 10s) const {
    return poll_until([&] { return !bot_posts_with(channel, text).empty(); }, timeout);
  }

  // Sends a post with buttons as the CLI does; the created post's id.
  std::string send_buttons(std::string_view channel, std::string_view buttons, std::string_view text) const {
    const auto run = run_mmclaw_command(gateway_->config_path(),
                                        {"message", "send", "--target", fmt::format("channel:{}", channel), "--buttons",
                                         std::string(buttons), std::string(text)});
    if (run.exit_code != 0) throw std::runtime_error("message send failed: " + run.stderr_data);
    std::string id = run.stdout_data;
    while (!id.empty() && (id.back() == '\n' || id.back() == ' ')) id.pop_back();
    return id;
  }

  // A post as the server keeps it (integration URLs and contexts included).
  json::object stored_post(std::string_view channel, std::string_view id) const {
    for (const auto& p : sim_->posts(channel))
      if (field(p.as_object(), "id") == id) return p.as_object();
    throw std::runtime_error("no post " + std::string(id));
  }
  // The signed context of a button as the server keeps it (clients never see it; mmsim's history
  // of the post shows the stored props).
  json::object action_context(std::string_view channel, std::string_view post_id, std::size_t index = 0) const {
    const auto post = stored_post(channel, post_id);
    const auto& created = post.at("history").as_array().front().at("props");
    return created.at("attachments").at(0).at("actions").at(index).at("integration").at("context").as_object();
  }

  std::vector<json::object> answers(std::string_view channel, std::string_view tag) const {
    return answers_to(*sim_, channel, tag);
  }
};

// ---- slash commands -------------------------------------------------------------------------------

TEST_F(GatewayCallbacksE2e, OcStatusRunInAChannelIsAnsweredThere) {
  start_native();
  EXPECT_EQ(commands().size(), 9u);
  const auto reply = run_command("alice", kTownSquare, "/oc_status");
  ASSERT_EQ(int_field(reply, "status"), 200) << json::serialize(reply);
  ASSERT_TRUE(wait_bot_post(kTownSquare, "Session")) << describe(bot_posts_with(kTownSquare, ""));
  const auto status_posts = bot_posts_with(kTownSquare, "Session");
  ASSERT_EQ(status_posts.size(), 1u);
  EXPECT_TRUE(field(status_posts.front(), "root_id").empty());  // a normal post, not a thread reply
  EXPECT_TRUE(field(status_posts.front(), "message").find("echo/echo") != std::string::npos)
      << field(status_posts.front(), "message");
  // The user saw `Processing...` as an ephemeral answer, never a post of it.
  EXPECT_TRUE(bot_posts_with(kTownSquare, "Processing").empty());
}

TEST_F(GatewayCallbacksE2e, OcNewResetsTheSession) {
  start_native();
  expect_one_answer(*sim_, sim_->post_as("alice", kTownSquare, "@mmclaw remember the word tangerine"));
  ASSERT_EQ(int_field(run_command("alice", kTownSquare, "/oc_new"), "status"), 200);
  ASSERT_TRUE(wait_bot_post(kTownSquare, "New session started"));
  EXPECT_EQ(bot_posts_with(kTownSquare, "New session started").size(), 1u);
}

TEST_F(GatewayCallbacksE2e, TheCallbackFailsClosedBeforeActivationAndTakesOnlyPostAfter) {
  // Registration waits for the teams of the bot: until then no command is active.
  sim_->fault(json::object{{"action", "delay"}, {"method", "GET"}, {"path", "/api/v4/users/*/teams"}, {"ms", 3000}});
  GatewayOptions options;
  options.mattermost_extra = std::string(kNative);
  auto& gateway = start(std::move(options));
  const auto before = call_gateway("GET", kCallbackPath);
  EXPECT_EQ(before.status, 503u);
  EXPECT_EQ(before.body,
            R"({"response_type":"ephemeral","text":"Slash commands are not yet initialized. Please try again in a moment."})");
  gateway.wait_log(kRegisteredLine);
  const auto after = call_gateway("GET", kCallbackPath);
  EXPECT_EQ(after.status, 405u);
  EXPECT_EQ(after.header("Allow"), "POST");
  EXPECT_EQ(after.body, "Method Not Allowed");
}

TEST_F(GatewayCallbacksE2e, ATokenOfAnotherCommandIsRefused) {
  start_native();
  const std::string status_token = field(command("oc_status"), "token");
  ASSERT_FALSE(status_token.empty());
  const auto reply = call_gateway("POST", kCallbackPath, slash_form(status_token, "oc_new"));
  EXPECT_EQ(reply.status, 401u);
  EXPECT_EQ(reply.body, R"({"response_type":"ephemeral","text":"Unauthorized: invalid command token."})");
  // The same token on its own trigger is accepted.
  const auto own = call_gateway("POST", kCallbackPath, slash_form(status_token, "oc_status"));
  EXPECT_EQ(own.status, 200u) << own.body;
  EXPECT_EQ(own.body, R"({"response_type":"ephemeral","text":"Processing..."})");
  // Bad payloads: missing fields, garbage.
  const auto bad = call_gateway("POST", kCallbackPath, "token=x&team_id=y");
  EXPECT_EQ(bad.status, 400u);
  EXPECT_EQ(bad.body, R"({"response_type":"ephemeral","text":"Invalid slash command payload."})");
  EXPECT_EQ(call_gateway("POST", kCallbackPath, "{not json", "application/json").status, 400u);
  const auto large = call_gateway("POST", kCallbackPath, std::string(70 * 1024, 'x'));
  EXPECT_EQ(large.status, 413u);
  EXPECT_EQ(large.body, "Payload Too Large");
  const auto metrics = call_gateway("GET", "/metrics");
  EXPECT_NE(metrics.body.find("mmclaw_slash_commands_total{account=\"default\"} 1\n"), std::string::npos) << metrics.body;
  EXPECT_NE(metrics.body.find("mmclaw_callbacks_refused_total{account=\"default\"} 1\n"), std::string::npos);
}

TEST_F(GatewayCallbacksE2e, ACommandDeletedInMattermostIsRefusedOnTheNextCall) {
  start_native();
  const auto status = command("oc_status");
  const std::string token = field(status, "token");
  ASSERT_EQ(int_field(act("mmclaw", "DELETE", "/api/v4/commands/" + field(status, "id")), "status"), 200);
  const auto reply = call_gateway("POST", kCallbackPath, slash_form(token, "oc_status"));
  EXPECT_EQ(reply.status, 401u);
  EXPECT_EQ(reply.body, R"({"response_type":"ephemeral","text":"Unauthorized: invalid command token."})");
  gateway_->wait_log("failed live validation");
  EXPECT_TRUE(bot_posts_with(kTownSquare, "Session").empty());
}

TEST_F(GatewayCallbacksE2e, ARotatedTokenIsRefusedUntilTheCommandsAreRegisteredAgain) {
  start_native();
  const auto status = command("oc_status");
  const auto regen = act("mmclaw", "PUT", "/api/v4/commands/" + field(status, "id") + "/regen_token");
  ASSERT_EQ(int_field(regen, "status"), 200) << json::serialize(regen);
  const std::string new_token = field(regen.at("body").as_object(), "token");
  ASSERT_NE(new_token, field(status, "token"));
  // The gateway registered the old token: neither passes until it registers again.
  EXPECT_EQ(call_gateway("POST", kCallbackPath, slash_form(field(status, "token"), "oc_status")).status, 401u);
  EXPECT_EQ(call_gateway("POST", kCallbackPath, slash_form(new_token, "oc_status")).status, 401u);
  // A gateway killed leaves its commands behind; the next one reuses them (same URL) with their
  // current tokens, and still deletes them when it stops, since the store says it created them.
  gateway_->kill();
  gateway_->start();
  gateway_->wait_ready();
  gateway_->wait_log(kRegisteredLine);
  EXPECT_EQ(field(command("oc_status"), "id"), field(status, "id"));
  const auto reply = run_command("alice", kTownSquare, "/oc_status");
  EXPECT_EQ(int_field(reply, "status"), 200) << json::serialize(reply);
  EXPECT_TRUE(wait_bot_post(kTownSquare, "Session"));
  ASSERT_EQ(gateway_->stop(), 0);
  EXPECT_TRUE(commands().empty()) << json::serialize(commands());
}

TEST_F(GatewayCallbacksE2e, CommandsTheGatewayCreatedAreDeletedWhenItStops) {
  start_native();
  EXPECT_EQ(commands().size(), 9u);
  ASSERT_EQ(gateway_->stop(), 0);
  EXPECT_TRUE(commands().empty()) << json::serialize(commands());
}

TEST_F(GatewayCallbacksE2e, AUserNotAllowedInTheChannelGetsTheRefusalNotTheAnswer) {
  GatewayOptions options;
  options.dm_policy = "allowlist";
  options.allow_from = R"(["bob"])";
  options.group_policy = "allowlist";
  start_native(std::move(options));
  const auto token = field(command("oc_status"), "token");
  const auto reply = call_gateway("POST", kCallbackPath, slash_form(token, "oc_status"));
  EXPECT_EQ(reply.status, 200u);
  EXPECT_EQ(reply.body, R"({"response_type":"ephemeral","text":"Unauthorized."})");
  std::this_thread::sleep_for(300ms);
  EXPECT_TRUE(bot_posts_with(kTownSquare, "Session").empty());
}

// ---- buttons ----------------------------------------------------------------------------------

TEST_F(GatewayCallbacksE2e, AClickIsConfirmedOnThePostAndAnsweredByTheAgent) {
  start(GatewayOptions{});
  const std::string post = send_buttons(kTownSquare, R"([[{"text":"Yes","callback_data":"yes"},{"text":"No","callback_data":"no"}]])",
                                        "Deploy now?");
  const auto click = act("alice", "POST", fmt::format("/api/v4/posts/{}/actions/yes", post), json::object{});
  ASSERT_EQ(int_field(click, "status"), 200) << json::serialize(click);
  const std::string tag = fmt::format("interaction:{}:yes", post);
  ASSERT_TRUE(poll_until([&] { return !answers(kTownSquare, tag).empty(); }, 10s));
  const auto answered = answers(kTownSquare, tag);
  ASSERT_EQ(answered.size(), 1u);
  EXPECT_EQ(field(answered.front(), "message"), R"(echo: [Button click: user @alice selected "Yes"])");
  const auto clicked = stored_post(kTownSquare, post);
  EXPECT_EQ(field(clicked, "message"), "Deploy now?");
  const auto& attachment = clicked.at("props").at("attachments").at(0).as_object();
  EXPECT_EQ(field(attachment, "text"), "✓ **Yes** selected by @alice");
  EXPECT_EQ(attachment.if_contains("actions"), nullptr);  // the buttons are gone
  const auto metrics = call_gateway("GET", "/metrics");
  EXPECT_NE(metrics.body.find("mmclaw_button_clicks_total{account=\"default\"} 1\n"), std::string::npos) << metrics.body;
}

TEST_F(GatewayCallbacksE2e, TamperedClicksAreRefusedWithTheReferenceBodies) {
  start(GatewayOptions{});
  const std::string post = send_buttons(kTownSquare, R"([[{"text":"Yes","callback_data":"yes"}]])", "Ship it?");
  const std::string other = send_buttons(kOps, R"([[{"text":"Yes","callback_data":"yes"}]])", "Elsewhere");
  const auto context = action_context(kTownSquare, post);
  const std::string target = "/mattermost/interactions/default";
  const auto click_body = [&](std::string_view post_id, std::string_view channel, const json::object& ctx) {
    return json::serialize(json::object{{"user_id", kAliceId}, {"user_name", "alice"}, {"post_id", post_id},
                                        {"channel_id", channel}, {"team_id", kTeam}, {"context", ctx}});
  };
  const auto refused = [&](const std::string& body, unsigned status, std::string_view error) {
    const auto reply = call_gateway("POST", target, body, "application/json");
    EXPECT_EQ(reply.status, status) << body;
    EXPECT_EQ(reply.body, fmt::format(R"({{"error":"{}"}})", error)) << body;
  };
  // The channel of the click differs from the signed one.
  refused(click_body(post, kOps, context), 403, "Channel mismatch");
  // The signed channel rewritten: the HMAC no longer matches.
  auto moved = context;
  moved["__openclaw_channel_id"] = kOps;
  refused(click_body(other, kOps, moved), 403, "Invalid token");
  // Another action id.
  auto renamed = context;
  renamed["action_id"] = "no";
  refused(click_body(post, kTownSquare, renamed), 403, "Invalid token");
  // A post of another channel under this channel's signature.
  refused(click_body(other, kTownSquare, context), 403, "Post/channel mismatch");
  // No token, no context, not JSON.
  auto unsigned_context = context;
  unsigned_context.erase("_token");
  refused(click_body(post, kTownSquare, unsigned_context), 403, "Missing token");
  refused(R"({"post_id":"x"})", 400, "Missing context");
  refused("not json", 400, "Invalid request body");
  refused(std::string(70 * 1024, 'x'), 413, "Payload too large");
  const auto get = call_gateway("GET", target);
  EXPECT_EQ(get.status, 405u);
  EXPECT_EQ(get.header("Allow"), "POST");
  // Nothing was answered and the buttons are still there.
  std::this_thread::sleep_for(300ms);
  EXPECT_TRUE(answers(kTownSquare, fmt::format("interaction:{}:yes", post)).empty());
  EXPECT_NE(stored_post(kTownSquare, post).at("props").at("attachments").at(0).as_object().if_contains("actions"),
            nullptr);
}

TEST_F(GatewayCallbacksE2e, AClickFromAnAddressNotAllowedIsRefused) {
  GatewayOptions options;
  options.mattermost_extra = R"(interactions: { allowedSourceIps: ["10.0.0.0/8"] },)";
  start(std::move(options));
  const std::string post = send_buttons(kTownSquare, R"([[{"text":"Yes","callback_data":"yes"}]])", "Deploy?");
  const auto click = act("alice", "POST", fmt::format("/api/v4/posts/{}/actions/yes", post), json::object{});
  EXPECT_NE(int_field(click, "status"), 200) << json::serialize(click);
  gateway_->wait_log("not in interactions.allowedSourceIps");
  std::this_thread::sleep_for(300ms);
  EXPECT_TRUE(answers(kTownSquare, fmt::format("interaction:{}:yes", post)).empty());
  EXPECT_EQ(field(stored_post(kTownSquare, post), "message"), "Deploy?");
}

TEST_F(GatewayCallbacksE2e, AClickAcknowledgedJustBeforeACrashIsAnsweredOnceAfterTheRestart) {
  start(GatewayOptions{});
  const std::string post = send_buttons(kTownSquare, R"([[{"text":"Yes","callback_data":"yes"}]])", "Deploy?");
  // The answer's post hangs in Mattermost; the gateway dies meanwhile.
  sim_->fault(json::object{{"action", "delay"}, {"method", "POST"}, {"path", "/api/v4/posts"}, {"ms", 1500}, {"count", 1}});
  const auto click = act("alice", "POST", fmt::format("/api/v4/posts/{}/actions/yes", post), json::object{});
  ASSERT_EQ(int_field(click, "status"), 200) << json::serialize(click);
  gateway_->wait_log("accepted");
  gateway_->kill();
  std::this_thread::sleep_for(1800ms);  // the delayed post, if it was made, is in by now
  gateway_->start();
  gateway_->wait_ready();
  const std::string tag = fmt::format("interaction:{}:yes", post);
  ASSERT_TRUE(poll_until([&] { return !answers(kTownSquare, tag).empty(); }, 10s));
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(answers(kTownSquare, tag).size(), 1u) << describe(answers(kTownSquare, tag));
  // A second delivery of the same click changes nothing.
  EXPECT_EQ(field(stored_post(kTownSquare, post).at("props").at("attachments").at(0).as_object(), "text"),
            "✓ **Yes** selected by @alice");
}

// ---- the model picker -------------------------------------------------------------------------

TEST_F(GatewayCallbacksE2e, TheModelPickerSwitchesTheSessionsModel) {
  GatewayOptions options;
  options.models = R"(models: { providers: { echo: { api: "echo", models: [{ id: "echo" }, { id: "echo2" }] } } },
  agents: { defaults: { model: "echo/echo" } },)";
  start_native(options);
  ASSERT_EQ(int_field(run_command("alice", kTownSquare, "/oc_model"), "status"), 200);
  ASSERT_TRUE(wait_bot_post(kTownSquare, "Tap below to browse models"));
  const std::string picker = field(bot_posts_with(kTownSquare, "Tap below").front(), "id");
  const auto click_button = [&](std::string_view name) {
    const auto stored = stored_post(kTownSquare, picker);
    for (const auto& action : stored.at("props").at("attachments").at(0).at("actions").as_array())
      if (field(action.as_object(), "name") == name) {
        const auto reply = act("alice", "POST",
                               fmt::format("/api/v4/posts/{}/actions/{}", picker, field(action.as_object(), "id")),
                               json::object{});
        EXPECT_EQ(int_field(reply, "status"), 200) << json::serialize(reply);
        return;
      }
    FAIL() << "no button " << name << " on " << json::serialize(stored);
  };
  // bob may not use alice's picker.
  {
    const auto stored = stored_post(kTownSquare, picker);
    const auto id = field(stored.at("props").at("attachments").at(0).at("actions").at(0).as_object(), "id");
    const auto reply = act("bob", "POST", fmt::format("/api/v4/posts/{}/actions/{}", picker, id), json::object{});
    EXPECT_EQ(int_field(reply, "status"), 200) << json::serialize(reply);
    EXPECT_EQ(field(stored_post(kTownSquare, picker), "message"), field(stored, "message"));
  }
  click_button("Browse providers");
  ASSERT_TRUE(poll_until([&] { return field(stored_post(kTownSquare, picker), "message").find("Select a provider") != std::string::npos; }, 5s));
  click_button("echo (2)");
  ASSERT_TRUE(poll_until([&] { return field(stored_post(kTownSquare, picker), "message").find("Models (echo)") != std::string::npos; }, 5s));
  click_button("echo2");
  ASSERT_TRUE(wait_bot_post(kTownSquare, "Model set to"));
  const auto set = bot_posts_with(kTownSquare, "Model set to").front();
  EXPECT_NE(field(set, "message").find("echo/echo2"), std::string::npos);
  EXPECT_EQ(field(set, "root_id"), picker);  // threaded under the picker
  ASSERT_TRUE(poll_until([&] { return field(stored_post(kTownSquare, picker), "message").find("Current: echo/echo2") != std::string::npos; }, 5s));
  // The session's status says so too.
  ASSERT_EQ(int_field(run_command("alice", kTownSquare, "/oc_status"), "status"), 200);
  ASSERT_TRUE(wait_bot_post(kTownSquare, "Session"));
  EXPECT_NE(field(bot_posts_with(kTownSquare, "Session").front(), "message").find("echo/echo2"), std::string::npos);
}

}  // namespace

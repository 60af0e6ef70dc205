// The agent runtime end to end (issue 6): the real mmclaw against a real mmsim and a real llmsim
// over loopback. Streamed answers, reasoning kept out of the answer, retries, stalls, fallback
// models, control commands and the transcript, with both wire formats.

#include <gtest/gtest.h>

#include "gateway_llm_fixture.hpp"

namespace {

using namespace mmclaw::e2e;

using GatewayAgentE2e = GatewayLlmFixture;

TEST_F(GatewayAgentE2e, AStreamedAnswerIsAssembledAndReasoningIsNeverPosted) {
  start(options());
  const auto post = dm(R"(hello @llmsim {"reply": "Hello from the model, in several tokens.", "think": "secret plan"})");
  EXPECT_EQ(answer_to(post), "Hello from the model, in several tokens.");
  for (const auto& p : sim_->posts(kAliceDm))
    if (field(p.as_object(), "user_id") == kBotId) {
      EXPECT_EQ(field(p.as_object(), "message").find("secret plan"), std::string::npos) << "reasoning was posted";
    }
  const auto requests = llm_->model_requests();
  ASSERT_EQ(requests.size(), 1u);
  const auto& body = requests[0].at("json").as_object();
  EXPECT_EQ(str(body.at("model")), "alpha");
  EXPECT_TRUE(body.at("stream").as_bool());
  EXPECT_EQ(body.at("max_tokens").to_number<int>(), 512) << "maxTokens is sent when known";
  const auto& messages = body.at("messages").as_array();
  ASSERT_GE(messages.size(), 2u) << json::serialize(body);
  EXPECT_EQ(str(messages[0].at("role")), "system");
  EXPECT_NE(str(messages[0].at("content")).find("You are a test bot."), std::string::npos);
  EXPECT_NE(str(messages[0].at("content")).find("direct message"), std::string::npos) << "where the turn is";
  EXPECT_EQ(str(requests[0].at("headers").at("authorization")), "[redacted]") << "the key is sent";
  EXPECT_EQ(gateway_->log().find("sk-test-not-a-real-key"), std::string::npos) << "the key is never logged";
}

TEST_F(GatewayAgentE2e, TheAnthropicWireFormatAnswersToo) {
  start(options("anthropic-messages"));
  const auto post = dm(R"(hi @llmsim {"reply": "Hello from Claude's stand-in.", "think": 5})");
  EXPECT_EQ(answer_to(post), "Hello from Claude's stand-in.");
  const auto requests = llm_->model_requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(str(requests[0].at("path")), "/v1/messages");
  EXPECT_EQ(str(requests[0].at("headers").at("x-api-key")), "[redacted]");
  EXPECT_EQ(str(requests[0].at("headers").at("anthropic-version")), "2023-06-01");
}

TEST_F(GatewayAgentE2e, A429IsRetriedAfterRetryAfterAndThenAnswered) {
  start(options());
  const auto post = dm(R"(@llmsim {"fail": {"status": 429, "retry_after": 1, "times": 1}, "reply": "after the retry"})");
  EXPECT_EQ(answer_to(post), "after the retry");
  EXPECT_EQ(llm_->model_requests().size(), 2u);
}

TEST_F(GatewayAgentE2e, AStallMidStreamGivesAVisibleErrorWithinTheStallDeadline) {
  start(options());
  const auto started = Clock::now();
  const auto post = dm(R"(@llmsim {"tokens": 8, "stall": {"after": 3}})");
  EXPECT_EQ(answer_to(post), "The model's stream stalled (openai-completions, llmsim/alpha).");
  EXPECT_LT(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count(), 6000)
      << "the stall deadline is 1 s; nothing waits for retries";
  EXPECT_EQ(llm_->model_requests().size(), 1u);
}

TEST_F(GatewayAgentE2e, TheFallbackModelAnswersWhenThePrimaryCannot) {
  // The primary's server refuses connections; the fallback is llmsim's beta.
  auto o = options("openai-completions",
                   R"(down: { baseUrl: "http://127.0.0.1:1/v1", api: "openai-completions", models: [{ id: "gone" }] },)",
                   R"("llmsim/beta")");
  const std::string primary = R"(primary: "llmsim/alpha")";
  o.models.replace(o.models.find(primary), primary.size(), R"(primary: "down/gone")");
  start(o);
  const auto post = dm(R"(@llmsim {"reply": "the fallback speaks"})");
  EXPECT_EQ(answer_to(post, 30s), "the fallback speaks");
  const auto requests = llm_->model_requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(str(requests[0].at("json").at("model")), "beta");
  gateway_->wait_log("model down/gone could not answer");
}

TEST_F(GatewayAgentE2e, ModelSwitchPersistsAcrossARestartAndNewForgetsTheTranscript) {
  auto& gateway = start(options());
  EXPECT_EQ(answer_to(dm("/model llmsim/beta")).find("llmsim/beta") != std::string::npos, true);
  EXPECT_TRUE(llm_->model_requests().empty()) << "a control command does not call the model";
  EXPECT_EQ(answer_to(dm(R"(remember the number 42 @llmsim {"reply": "noted"})")), "noted");
  ASSERT_EQ(gateway.stop(), 0);
  gateway.start();
  gateway.wait_ready();
  EXPECT_EQ(answer_to(dm(R"(what was the number? @llmsim {"reply": "42"})")), "42");
  auto requests = llm_->model_requests();
  ASSERT_EQ(requests.size(), 2u);
  const auto& second = requests[1].at("json").as_object();
  EXPECT_EQ(str(second.at("model")), "beta") << "the session's /model choice survived the restart";
  EXPECT_NE(json::serialize(second.at("messages")).find("remember the number 42"), std::string::npos)
      << "the transcript survived the restart";

  EXPECT_FALSE(answer_to(dm("/new")).empty());
  EXPECT_EQ(answer_to(dm(R"(anything? @llmsim {"reply": "fresh"})")), "fresh");
  requests = llm_->model_requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(json::serialize(requests[2].at("json").at("messages")).find("remember the number 42"), std::string::npos)
      << "/new forgot the transcript";
  const std::string status = answer_to(dm("/status"));
  EXPECT_NE(status.find("llmsim/beta"), std::string::npos) << status;
}

TEST_F(GatewayAgentE2e, AnUnknownModelIsRefusedWithASuggestion) {
  start(options());
  const std::string reply = answer_to(dm("/model llmsim/bta"));
  EXPECT_NE(reply.find("llmsim/beta"), std::string::npos) << reply;
  EXPECT_TRUE(llm_->model_requests().empty());
}

TEST_F(GatewayAgentE2e, ReasoningOnShowsTheReasoningInAPostOfItsOwn) {
  start(options());
  EXPECT_FALSE(answer_to(dm("/reasoning on")).empty());
  const auto post = dm(R"(think aloud @llmsim {"think": "first this, then that", "reply": "the answer"})");
  std::vector<json::object> found;
  ASSERT_TRUE(poll_until(
      [&] {
        found = answers_to(*sim_, kAliceDm, field(post, "id"));
        return found.size() >= 2;
      },
      20s))
      << gateway_->log_tail();
  ASSERT_EQ(found.size(), 2u);
  // The answer streams into its post first; the reasoning follows in a post of its own (two posts
  // of the same millisecond may be listed either way).
  if (field(found[0], "message") != "the answer") std::swap(found[0], found[1]);
  EXPECT_EQ(field(found[0], "message"), "the answer") << "the answer itself never carries the reasoning";
  EXPECT_EQ(field(found[1], "message"), "**Reasoning**\n> first this, then that");
  EXPECT_LE(int_field(found[0], "create_at"), int_field(found[1], "create_at"));
}

TEST_F(GatewayAgentE2e, TheTranscriptIsTrimmedToTheModelsBudgetKeepingTheNewest) {
  auto o = options();
  // A small window: the system prompt and a few exchanges fit, not all of them.
  const std::string window = "contextWindow: 8192, maxTokens: 512";
  o.models.replace(o.models.find(window), window.size(), "contextWindow: 1200, maxTokens: 200");
  start(o);
  const std::string filler(300, 'x');
  for (int i = 0; i < 8; ++i)
    EXPECT_EQ(answer_to(dm(fmt::format(R"(message {} {} @llmsim {{"reply": "ok {}"}})", i, filler, i))),
              fmt::format("ok {}", i));
  const auto requests = llm_->model_requests();
  ASSERT_EQ(requests.size(), 8u);
  const std::string last = json::serialize(requests.back().at("json").at("messages"));
  EXPECT_EQ(last.find("message 0 "), std::string::npos) << "the oldest messages were dropped";
  EXPECT_NE(last.find("message 6 "), std::string::npos) << "the newest history is kept";
  EXPECT_NE(last.find("message 7 "), std::string::npos);
  EXPECT_LE(last.size(), 1200u * 4 + 2000u) << "roughly within the budget (4 bytes per token)";
}

// --- The command backend ---------------------------------------------------------------------------

TEST_F(GatewayAgentE2e, TheCommandBackendAnswersAndAHangingCommandIsKilledAtItsDeadline) {
  mmclaw::test::TempDir dir;
  const auto answer = dir.write("answer.sh", R"(#!/bin/sh
# Reads the turn (JSON on stdin) and answers with JSON lines.
turn=$(cat)
case "$turn" in *'"model":"script/answer"'*) ;; *) echo '{"type":"error","message":"no model in the turn"}'; exit 0;; esac
echo '{"type":"reasoning","text":"checking"}'
echo '{"type":"text","text":"hello from "}'
echo '{"type":"final","text":"the script"}'
)");
  const auto hang = dir.write("hang.sh", "#!/bin/sh\nexec sleep 60\n");
  std::filesystem::permissions(answer, std::filesystem::perms::owner_all);
  std::filesystem::permissions(hang, std::filesystem::perms::owner_all);
  auto o = options();
  o.models = fmt::format(R"(models: {{ providers: {{
      script: {{ api: "command", command: ["{}"], models: [{{ id: "answer" }}] }},
      slow: {{ api: "command", command: ["{}"], models: [{{ id: "hang" }}] }},
    }} }},
  agents: {{ defaults: {{ model: "script/answer" }} }},)",
                         answer.string(), hang.string());
  start(o);
  EXPECT_EQ(answer_to(dm("hi script")), "hello from the script");
  EXPECT_NE(answer_to(dm("/model slow/hang")).find("slow/hang"), std::string::npos);
  const auto started = Clock::now();
  EXPECT_EQ(answer_to(dm("are you there?"), 20s), "The command did not answer in time (command, slow/hang).");
  EXPECT_LT(std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - started).count(), 10)
      << "the first-token deadline is 5 s";
}

// --- The message tool ----------------------------------------------------------------------------

TEST_F(GatewayAgentE2e, AToolCallReactsToAPostAndTheModelThenAnswers) {
  start(options());
  const auto target = dm(R"(first @llmsim {"reply": "seen"})");
  EXPECT_EQ(answer_to(target), "seen");
  const auto post = dm(fmt::format(
      R"(react to my first post @llmsim {{"tool": {{"name": "message", "arguments": {{"action": "react", "messageId": "{}", "emoji": "👍"}}}}, "after_tool": "done, I reacted"}})",
      field(target, "id")));
  EXPECT_EQ(answer_to(post), "done, I reacted");
  const auto reactions = sim_->control(fmt::format("/_control/reactions?post_id={}", field(target, "id"))).as_array();
  ASSERT_EQ(reactions.size(), 1u) << json::serialize(reactions);
  EXPECT_EQ(field(reactions[0].as_object(), "emoji_name"), "thumbsup") << "the glyph was normalised";
  EXPECT_EQ(field(reactions[0].as_object(), "user_id"), kBotId);
  const auto requests = llm_->model_requests();
  ASSERT_EQ(requests.size(), 3u) << "the first post, the tool call, the answer after the tool";
  const auto tools = requests[1].at("json").at("tools").as_array();
  ASSERT_EQ(tools.size(), 1u);
  EXPECT_EQ(str(tools[0].at("function").at("name")), "message");
  EXPECT_NE(json::serialize(requests[2].at("json").at("messages")).find("Reacted with :thumbsup:"), std::string::npos);
}

TEST_F(GatewayAgentE2e, AToolCallWithInvalidArgumentsGetsAnErrorAndTheModelsNextAnswerIsPosted) {
  start(options());
  const auto post = dm(
      R"(@llmsim {"tool": {"name": "message", "arguments": {"action": "react", "emoji": "eyes"}}})");
  EXPECT_EQ(answer_to(post), "tool result: Error: Mattermost react requires messageId (post id)");
}

TEST_F(GatewayAgentE2e, ASendToTheConversationIsTheAnswer) {
  start(options());
  const auto post = dm(
      R"(@llmsim {"tool": {"name": "message", "arguments": {"action": "send", "text": "sent by the tool"}}, "after_tool": ""})");
  ASSERT_TRUE(poll_until(
      [&] {
        for (const auto& p : sim_->posts(kAliceDm))
          if (field(p.as_object(), "user_id") == kBotId && field(p.as_object(), "message") == "sent by the tool")
            return true;
        return false;
      },
      20s))
      << gateway_->log_tail();
  gateway_->wait_log("delivered reply to user:" + std::string(kAliceId));
  std::this_thread::sleep_for(500ms);
  std::size_t bot_posts = 0;
  for (const auto& p : sim_->posts(kAliceDm))
    if (field(p.as_object(), "user_id") == kBotId) ++bot_posts;
  EXPECT_EQ(bot_posts, 1u) << "no second post and no error after the tool delivered the answer";
}

TEST_F(GatewayAgentE2e, ASendReachesAChannelByNameAndAUserByUsername) {
  start(options());
  const auto to_channel = dm(
      R"(@llmsim {"tool": {"name": "message", "arguments": {"action": "send", "to": "#town-square", "text": "news for the square"}}, "after_tool": "posted it"})");
  EXPECT_EQ(answer_to(to_channel), "posted it");
  const auto to_bob = dm(
      R"(@llmsim {"tool": {"name": "message", "arguments": {"action": "send", "to": "@bob", "text": "hello bob"}}, "after_tool": "told bob"})");
  EXPECT_EQ(answer_to(to_bob), "told bob");
  const auto unknown = dm(
      R"(@llmsim {"tool": {"name": "message", "arguments": {"action": "send", "to": "#nowhere", "text": "lost"}}})");
  EXPECT_EQ(answer_to(unknown),
            "tool result: Error: Mattermost channel \"#nowhere\" not found in any team the bot belongs to");

  const auto find = [&](std::string_view text) {
    std::vector<json::object> out;
    const auto all = sim_->control("/_control/posts");
    for (const auto& p : all.as_array())
      if (field(p.as_object(), "user_id") == kBotId && field(p.as_object(), "message") == text)
        out.push_back(p.as_object());
    return out;
  };
  const auto square = find("news for the square");
  ASSERT_EQ(square.size(), 1u);
  EXPECT_EQ(field(square[0], "channel_id"), kTownSquare);
  EXPECT_EQ(field(square[0], "root_id"), "") << "another conversation: not threaded under the DM";
  const auto bob = find("hello bob");
  ASSERT_EQ(bob.size(), 1u);
  const auto channel = sim_->control("/_control/act", json::object{{"as", "bob"},
                                                                   {"method", "GET"},
                                                                   {"path", "/api/v4/channels/" + field(bob[0], "channel_id")}});
  EXPECT_EQ(field(channel.at("body").as_object(), "type"), "D") << json::serialize(channel);
  EXPECT_TRUE(find("lost").empty());
}

TEST_F(GatewayAgentE2e, ASendWithButtonsPostsSignedActions) {
  start(options());
  const auto post = dm(
      R"(@llmsim {"tool": {"name": "message", "arguments": {"action": "send", "text": "Deploy?", "buttons": [[{"text": "Yes", "callback_data": "deploy-yes", "style": "primary"}, {"text": "No", "callback_data": "deploy_no"}]]}}, "after_tool": ""})");
  json::object sent;
  ASSERT_TRUE(poll_until(
      [&] {
        for (const auto& p : sim_->posts(kAliceDm))
          if (field(p.as_object(), "user_id") == kBotId && field(p.as_object(), "message") == "Deploy?") {
            sent = p.as_object();
            return true;
          }
        return false;
      },
      20s))
      << gateway_->log_tail();
  const auto& actions = sent.at("props").at("attachments").at(0).at("actions").as_array();
  ASSERT_EQ(actions.size(), 2u) << json::serialize(sent);
  EXPECT_EQ(field(actions[0].as_object(), "id"), "deployyes");
  EXPECT_EQ(field(actions[0].as_object(), "name"), "Yes");
  EXPECT_EQ(field(actions[0].as_object(), "style"), "primary");
  EXPECT_EQ(field(actions[1].as_object(), "id"), "deployno");
  // mmsim strips `integration` from reads, as Mattermost does; the stored post keeps it.
  const auto stored = sim_->control(fmt::format("/_control/posts?channel_id={}", kAliceDm)).as_array();
  bool signed_action = false;
  for (const auto& p : stored)
    if (field(p.as_object(), "message") == "Deploy?")
      signed_action = json::serialize(p).find("_token") != std::string::npos;
  EXPECT_TRUE(signed_action) << "the stored action carries its signed context";
}

TEST_F(GatewayAgentE2e, ReadIsOffByDefaultAndReadsAnAllowedChannelWhenOn) {
  auto o = options();
  o.mattermost_extra = "actions: { messages: true },";
  start(o);
  sim_->post_as("bob", kTownSquare, "the build is green again");
  const auto post = dm(fmt::format(
      R"(@llmsim {{"tool": {{"name": "message", "arguments": {{"action": "read", "channelId": "channel:{}", "limit": 5}}}}}})",
      kTownSquare));
  const std::string answer = answer_to(post);
  EXPECT_TRUE(answer.starts_with("tool result: {\"ok\":true,\"channelId\":\"" + std::string(kTownSquare)))
      << answer;
  EXPECT_NE(answer.find("the build is green again"), std::string::npos) << answer;
}

TEST_F(GatewayAgentE2e, ReadIsRefusedWhenActionsMessagesIsOff) {
  start(options());
  const auto post = dm(fmt::format(
      R"(@llmsim {{"tool": {{"name": "message", "arguments": {{"action": "read", "channelId": "channel:{}"}}}}}})",
      kTownSquare));
  EXPECT_EQ(answer_to(post), "tool result: Error: Mattermost read is disabled in config (actions.messages)");
}

}  // namespace

// How answers appear in Mattermost (issue 7), end to end: the real mmclaw against a real mmsim and
// a real llmsim over loopback. One preview post edited within the throttle and finalised in place,
// a preview deleted mid-stream, an error after a final, a 50,000-character answer in several posts
// of one thread, replies in threads under the root, and streaming off.

#include <gtest/gtest.h>

#include <algorithm>

#include "gateway_llm_fixture.hpp"

namespace {

using namespace mmclaw::e2e;

class GatewayReplyE2e : public GatewayLlmFixture {
 protected:
  // The bot's posts of a channel (deleted ones too), oldest first, each with its history.
  std::vector<json::object> bot_posts(std::string_view channel) const {
    std::vector<json::object> out;
    for (const auto& p : sim_->posts(channel))
      if (field(p.as_object(), "user_id") == kBotId) out.push_back(p.as_object());
    return out;
  }
  static std::vector<json::object> live(const std::vector<json::object>& posts) {
    std::vector<json::object> out;
    for (const auto& p : posts)
      if (int_field(p, "delete_at") == 0) out.push_back(p);
    return out;
  }
  // The times (ms) of a post's states with the given cause (create, patch, delete, ...).
  static std::vector<std::int64_t> history_times(const json::object& post, std::string_view cause) {
    std::vector<std::int64_t> out;
    for (const auto& h : post.at("history").as_array())
      if (field(h.as_object(), "cause") == cause) out.push_back(int_field(h.as_object(), "at"));
    return out;
  }
  // Waits for the answers to `post` to settle (no new one for `settle`); returns them in order.
  std::vector<json::object> settled_answers(const json::object& post, std::size_t at_least = 1,
                                            std::chrono::milliseconds timeout = 30s,
                                            std::chrono::milliseconds settle = 1500ms) {
    std::vector<json::object> found;
    if (!poll_until(
            [&] {
              found = answers_to(*sim_, field(post, "channel_id"), field(post, "id"));
              return found.size() >= at_least;
            },
            timeout))
      throw std::runtime_error("no answer to the post; log:\n" + gateway_->log_tail());
    std::size_t count = found.size();
    while (true) {
      std::this_thread::sleep_for(settle);
      found = answers_to(*sim_, field(post, "channel_id"), field(post, "id"));
      if (found.size() == count) break;
      count = found.size();
    }
    // Posts of one millisecond are ordered by their part index.
    const auto key = [](const json::object& p) {
      return std::pair(int_field(p, "create_at"), int_field(p.at("props").as_object(), "mmclaw_reply_part"));
    };
    std::sort(found.begin(), found.end(), [&](const json::object& a, const json::object& b) { return key(a) < key(b); });
    return found;
  }
};

std::string words(int n) {
  std::string out;
  for (int i = 1; i <= n; ++i) out += fmt::format("{}word{}", i == 1 ? "" : " ", i);
  return out;
}

TEST_F(GatewayReplyE2e, AStreamedAnswerIsOnePostEditedWithinTheThrottleAndFinalisedInPlace) {
  start(options());
  const std::string text = words(60);
  const auto post = dm(fmt::format(R"(@llmsim {{"reply": "{}", "delay_ms": 60}})", text));
  const auto answers = settled_answers(post);
  ASSERT_EQ(answers.size(), 1u) << describe(answers);
  EXPECT_EQ(field(answers[0], "message"), text);
  const auto posts = bot_posts(kAliceDm);
  ASSERT_EQ(posts.size(), 1u) << "one post, edited in place:" << describe(posts);
  const auto patches = history_times(posts[0], "patch");
  ASSERT_GE(patches.size(), 2u) << "the preview grew as the answer streamed:" << describe(posts);
  const auto created = history_times(posts[0], "create");
  ASSERT_EQ(created.size(), 1u);
  std::vector<std::int64_t> times{created[0]};
  times.insert(times.end(), patches.begin(), patches.end());
  // Every edit but the final one waited for the throttle (1200 ms; the clocks of two processes
  // and the request's trip make it a little less at mmsim).
  for (std::size_t i = 1; i + 1 < times.size(); ++i)
    EXPECT_GE(times[i] - times[i - 1], 1000) << "edit " << i << " came too soon";
  EXPECT_EQ(sim_->count_calls("PUT", fmt::format("/api/v4/posts/{}/patch", field(posts[0], "id"))), patches.size())
      << "edits go through PUT /posts/{id}/patch";
}

TEST_F(GatewayReplyE2e, APreviewDeletedMidStreamStillGivesTheWholeAnswer) {
  start(options());
  const std::string text = words(50);
  const auto post = dm(fmt::format(R"(@llmsim {{"reply": "{}", "delay_ms": 80}})", text));
  std::string preview;
  ASSERT_TRUE(poll_until(
      [&] {
        const auto posts = bot_posts(kAliceDm);
        if (!posts.empty()) preview = field(posts[0], "id");
        return !preview.empty();
      },
      15s))
      << gateway_->log_tail();
  const auto deleted = sim_->control("/_control/act", json::object{{"as", "mmclaw"},
                                                                  {"method", "DELETE"},
                                                                  {"path", "/api/v4/posts/" + preview}});
  ASSERT_EQ(int_field(deleted.as_object(), "status"), 200) << json::serialize(deleted);
  const auto answers = settled_answers(post);
  ASSERT_EQ(answers.size(), 1u) << describe(answers);
  EXPECT_EQ(field(answers[0], "message"), text);
  EXPECT_NE(field(answers[0], "id"), preview);
}

TEST_F(GatewayReplyE2e, AnErrorAfterAFinalLeavesTheFinalInPlace) {
  // The model writes an answer and calls a tool; the tool's REST call is slowed so that the test
  // can make the model's next call fail; the error is posted and the first answer stays.
  auto o = options();
  o.mattermost_extra = "actions: { messages: true },";
  start(o);
  sim_->fault(json::object{
      {"action", "delay"}, {"method", "GET"}, {"path", "/api/v4/channels/*/posts"}, {"ms", 1500}, {"count", 1}});
  const auto post = dm(R"(@llmsim {"reply": "Here is the first part of the answer.", "tool": {"name": "message", "arguments": {"action": "read"}}})");
  ASSERT_TRUE(poll_until([&] { return llm_->model_requests().size() >= 1; }, 15s));
  llm_->control("/_control/settings",
                json::object{{"fail_next", json::object{{"count", 5}, {"status", 400}, {"message", "bad request"}}}});
  // The text before the tool round is posted while the tool still runs.
  ASSERT_TRUE(poll_until([&] { return !answers_to(*sim_, kAliceDm, field(post, "id")).empty(); }, 15s));
  EXPECT_EQ(llm_->model_requests().size(), 1u) << "the first answer waited for the tool";
  const auto answers = settled_answers(post, 2);
  ASSERT_EQ(answers.size(), 2u) << describe(answers);
  EXPECT_EQ(field(answers[0], "message"), "Here is the first part of the answer.");
  EXPECT_NE(field(answers[1], "message").find("llmsim/alpha"), std::string::npos) << "the error names the model";
  for (const auto& p : bot_posts(kAliceDm)) {
    if (field(p, "id") != field(answers[0], "id")) continue;
    EXPECT_EQ(int_field(p, "delete_at"), 0) << "the final was deleted";
    EXPECT_TRUE(history_times(p, "delete").empty());
    const auto& last = p.at("history").as_array().back().as_object();
    EXPECT_EQ(field(last, "message"), "Here is the first part of the answer.") << "the final was overwritten";
  }
}

TEST_F(GatewayReplyE2e, AFiftyThousandCharacterAnswerArrivesCompleteInOrderInTheThread) {
  auto o = options();
  const std::string limits = "contextWindow: 8192, maxTokens: 512";
  o.models.replace(o.models.find(limits), limits.size(), "contextWindow: 200000, maxTokens: 100000");
  start(o);
  const auto root = sim_->post_as("alice", kTownSquare, "a thread about a long answer");
  const auto post = sim_->post_as("alice", kTownSquare, R"(@mmclaw write it all @llmsim {"lorem": 50000})",
                                  field(root, "id"));
  auto answers = settled_answers(post, 1, 60s);
  ASSERT_GE(answers.size(), 13u) << "4000 characters per post:" << describe(answers);
  // In order: each post's part index follows its creation (posts of one millisecond are listed
  // in any order, so the index orders them).
  const auto part = [](const json::object& a) { return int_field(a.at("props").as_object(), "mmclaw_reply_part"); };
  std::sort(answers.begin(), answers.end(), [&](const auto& a, const auto& b) { return part(a) < part(b); });
  std::size_t total = 0;
  for (std::size_t i = 0; i < answers.size(); ++i) {
    const std::string message = field(answers[i], "message");
    EXPECT_EQ(field(answers[i], "root_id"), field(root, "id")) << "post " << i << " left the thread";
    EXPECT_EQ(part(answers[i]), static_cast<std::int64_t>(i)) << "every part once";
    if (i > 0) {
      EXPECT_GE(int_field(answers[i], "create_at"), int_field(answers[i - 1], "create_at")) << "posts in order";
    }
    // Characters, not bytes: the text is ASCII.
    EXPECT_LE(message.size(), 4000u);
    std::size_t fences = 0;
    for (std::size_t at = message.find("```"); at != std::string::npos; at = message.find("```", at + 3)) ++fences;
    EXPECT_EQ(fences % 2, 0u) << "post " << i << " leaves a code fence open";
    total += message.size();
  }
  EXPECT_GE(total, 49000u) << "nothing lost";
  std::size_t previews_alive = 0;
  for (const auto& p : live(bot_posts(kTownSquare)))
    if (p.at("props").as_object().contains("mmclaw_preview_for")) ++previews_alive;
  EXPECT_EQ(previews_alive, 0u) << "the preview is deleted once the answer is posted";
}

TEST_F(GatewayReplyE2e, AReplyToAReplyInAThreadIsAnsweredUnderTheRoot) {
  auto o = options();
  start(o);
  const auto root = sim_->post_as("alice", kTownSquare, R"(@mmclaw first @llmsim {"reply": "first answer"})");
  const auto first = settled_answers(root, 1, 20s, 500ms);
  ASSERT_EQ(first.size(), 1u);
  // alice answers the bot's reply inside the thread of her post (threads are flat: root_id is the root).
  const std::string thread = field(first[0], "root_id").empty() ? field(root, "id") : field(first[0], "root_id");
  const auto follow = sim_->post_as("alice", kTownSquare, R"(@mmclaw again @llmsim {"reply": "second answer"})",
                                    thread);
  const auto second = settled_answers(follow, 1, 20s, 500ms);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(field(second[0], "root_id"), thread);
  EXPECT_EQ(field(second[0], "message"), "second answer");
}

TEST_F(GatewayReplyE2e, StreamingOffPostsTheAnswerOnceWithoutEdits) {
  auto o = options();
  o.mattermost_extra = R"(streaming: { mode: "off" },)";
  start(o);
  const auto post = dm(R"(@llmsim {"reply": "a quiet answer with several words", "delay_ms": 30})");
  const auto answers = settled_answers(post);
  ASSERT_EQ(answers.size(), 1u);
  const auto posts = bot_posts(kAliceDm);
  ASSERT_EQ(posts.size(), 1u) << describe(posts);
  EXPECT_TRUE(history_times(posts[0], "patch").empty()) << describe(posts);
  EXPECT_EQ(field(posts[0], "message"), "a quiet answer with several words");
}

TEST_F(GatewayReplyE2e, AReasoningFinalIsNotPostedAndThePostIsAnsweredOnce) {
  start(options());
  const auto post = dm(R"(@llmsim {"reply": "Reasoning: the user wants nothing visible."})");
  gateway_->wait_log("mattermost no-visible-reply: no-visible-reply-after-final-delivery to=user:" +
                     std::string(kAliceId));
  EXPECT_NE(gateway_->log().find("outcome=reasoning_skipped"), std::string::npos);
  std::this_thread::sleep_for(700ms);
  EXPECT_TRUE(live(bot_posts(kAliceDm)).empty()) << describe(bot_posts(kAliceDm));
  EXPECT_EQ(llm_->model_requests().size(), 1u) << "answered once, not retried";
}

TEST_F(GatewayReplyE2e, EditsRefusedWith429AreCoalescedAndTheFinalTextWins) {
  start(options());
  sim_->fault(json::object{{"action", "fail"},
                           {"method", "PUT"},
                           {"path", "/api/v4/posts/*/patch"},
                           {"count", 2},
                           {"status", 429},
                           {"retry_after", 1}});
  const std::string text = words(40);
  const auto post = dm(fmt::format(R"(@llmsim {{"reply": "{}", "delay_ms": 60}})", text));
  const auto answers = settled_answers(post);
  ASSERT_EQ(answers.size(), 1u) << describe(answers);
  EXPECT_EQ(field(answers[0], "message"), text);
  EXPECT_EQ(live(bot_posts(kAliceDm)).size(), 1u);
}

}  // namespace

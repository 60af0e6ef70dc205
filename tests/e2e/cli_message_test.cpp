// `mmclaw message send|react|read` end to end (channel-behaviour §5.1, §5.2, §5.4, §5.5, §5.7):
// the real mmclaw binary, with a config file and no gateway running, against a real mmsim on
// loopback. Each target form reaches the right channel; unknown names give the reference's
// errors and post nothing; DM creation is retried on 503 and not on 403.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>

#include "gateway_fixture.hpp"
#include "support/temp_dir.hpp"
#include "util/subprocess.hpp"

namespace {

using namespace mmclaw::e2e;
namespace fs = std::filesystem;

class CliMessageE2e : public GatewayFixture {
 protected:
  // Writes the config (the gateway is never started); `extra` goes into channels.mattermost.
  void configure(std::string extra = "") {
    GatewayOptions o;
    o.mattermost_extra = std::move(extra);
    o.mmclaw_extra = fmt::format(R"(media: {{ allowedDirs: ["{}"] }},)", allowed().string());
    gateway_ = std::make_unique<Gateway>(*sim_, std::move(o));
    fs::create_directories(allowed());
  }

  fs::path allowed() const { return files_.path() / "allowed"; }

  mmclaw::util::SubprocessResult cli(std::vector<std::string> args, std::string stdin_data = "") const {
    return run_mmclaw_command(gateway_->config_path(), std::move(args), std::move(stdin_data));
  }

  static std::string trimmed(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    return s;
  }

  // `message send --json`: the result object (the run must succeed).
  json::object send_json(const std::vector<std::string>& args) const {
    std::vector<std::string> argv{"message", "send", "--json"};
    argv.insert(argv.end(), args.begin(), args.end());
    const auto run = cli(argv);
    if (run.exit_code != 0)
      throw std::runtime_error(fmt::format("exit {}: {}{}", run.exit_code, run.stdout_data, run.stderr_data));
    return json::parse(run.stdout_data).as_object();
  }

  // The live bot posts with `message` anywhere, as mmsim stores them.
  std::vector<json::object> bot_posts_with(std::string_view message) const {
    std::vector<json::object> out;
    const auto all = sim_->control("/_control/posts");
    for (const auto& p : all.as_array()) {
      const auto& post = p.as_object();
      if (field(post, "user_id") == kBotId && field(post, "message") == message && int_field(post, "delete_at") == 0)
        out.push_back(post);
    }
    return out;
  }

  // A REST call as `user` through mmsim's real API; {status, body}.
  json::object act(std::string_view user, std::string_view method, std::string path) const {
    return sim_->control("/_control/act", json::object{{"as", user}, {"method", method}, {"path", path}})
        .as_object();
  }

  mmclaw::test::TempDir files_;
};

TEST_F(CliMessageE2e, EachTargetFormDeliversToTheRightChannel) {
  configure();
  struct Case {
    std::string target;
    std::string channel;  // "" = a new DM with bob (checked by its members)
    std::string kind;
  };
  const std::vector<Case> cases{
      {fmt::format("channel:{}", kTownSquare), std::string(kTownSquare), "channel"},
      {std::string(kTownSquare), std::string(kTownSquare), "channel"},  // bare id: user probe 404, then channel
      {"#town-square", std::string(kTownSquare), "channel"},
      {"  CHANNEL:#Town-Square ", std::string(kTownSquare), "channel"},
      {"#ops", std::string(kOps), "group"},  // private: a group, as inbound posts are routed
      {"@alice", std::string(kAliceDm), "direct"},
      {fmt::format("user:{}", kAliceId), std::string(kAliceDm), "direct"},
      {fmt::format("mattermost:{}", kAliceId), std::string(kAliceDm), "direct"},
      {std::string(kAliceId), std::string(kAliceDm), "direct"},  // bare id of a user: the DM
      {"@bob", "", "direct"},
  };
  int n = 0;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.target);
    const std::string text = fmt::format("target form {}", ++n);
    const auto result = send_json({"--target", c.target, text});
    EXPECT_EQ(result.at("ok").as_bool(), true);
    EXPECT_EQ(field(result, "kind"), c.kind);
    const auto posts = bot_posts_with(text);
    ASSERT_EQ(posts.size(), 1u) << "posted once";
    EXPECT_EQ(field(posts[0], "id"), field(result, "postId"));
    EXPECT_EQ(field(posts[0], "channel_id"), field(result, "channelId"));
    if (!c.channel.empty()) {
      EXPECT_EQ(field(posts[0], "channel_id"), c.channel);
    } else {
      const auto channel = act("bob", "GET", "/api/v4/channels/" + field(posts[0], "channel_id"));
      ASSERT_EQ(int_field(channel, "status"), 200) << json::serialize(channel);
      EXPECT_EQ(field(channel.at("body").as_object(), "type"), "D");
      const std::string name = field(channel.at("body").as_object(), "name");
      EXPECT_NE(name.find(kBobId), std::string::npos) << name;
      EXPECT_NE(name.find(kBotId), std::string::npos) << name;
      EXPECT_EQ(field(result, "to"), fmt::format("user:{}", kBobId));
    }
  }
  // Without --json: the post id alone, for scripts.
  const auto plain = cli({"message", "send", "--target", "#town-square", "plain output"});
  ASSERT_EQ(plain.exit_code, 0) << plain.stderr_data;
  const auto posts = bot_posts_with("plain output");
  ASSERT_EQ(posts.size(), 1u);
  EXPECT_EQ(plain.stdout_data, field(posts[0], "id") + "\n");
}

TEST_F(CliMessageE2e, AnUnknownUserOrChannelGivesTheReferenceErrorAndPostsNothing) {
  configure();
  const auto channel = cli({"message", "send", "--target", "#nowhere", "lost"});
  EXPECT_EQ(channel.exit_code, 1);
  EXPECT_EQ(channel.stderr_data,
            "mmclaw: Mattermost channel \"#nowhere\" not found in any team the bot belongs to\n");
  EXPECT_TRUE(channel.stdout_data.empty());

  const auto user = cli({"message", "send", "--target", "@nobody", "lost"});
  EXPECT_EQ(user.exit_code, 1);
  // The server's own answer, as the reference's REST client words it (§2.2).
  EXPECT_TRUE(user.stderr_data.starts_with("mmclaw: Mattermost API 404 Not Found: ")) << user.stderr_data;
  EXPECT_TRUE(bot_posts_with("lost").empty());

  const auto empty = cli({"message", "send", "--target", "  ", "lost"});
  EXPECT_EQ(empty.exit_code, 2);
  EXPECT_EQ(empty.stderr_data, "mmclaw: --target: Recipient is required for Mattermost sends\n");
  const auto no_name = cli({"message", "send", "--target", "channel:#", "lost"});
  EXPECT_EQ(no_name.exit_code, 2);
  EXPECT_EQ(no_name.stderr_data, "mmclaw: --target: Channel name is required for Mattermost sends\n");
  const auto no_user = cli({"message", "send", "--target", "@", "lost"});
  EXPECT_EQ(no_user.exit_code, 2);
  EXPECT_EQ(no_user.stderr_data, "mmclaw: --target: Username is required for Mattermost sends\n");
  EXPECT_TRUE(bot_posts_with("lost").empty());
}

TEST_F(CliMessageE2e, DmCreationFailingTwiceWith503IsRetriedAndSucceeds) {
  configure("dmChannelRetry: { maxRetries: 3, initialDelayMs: 100, maxDelayMs: 1000, timeoutMs: 5000 },");
  sim_->fault(json::object{
      {"action", "fail"}, {"method", "POST"}, {"path", "/api/v4/channels/direct"}, {"status", 503}, {"count", 2}});
  const auto result = send_json({"--target", "@bob", "after two refusals"});
  EXPECT_EQ(sim_->count_calls("POST", "/api/v4/channels/direct"), 3u);
  EXPECT_EQ(bot_posts_with("after two refusals").size(), 1u);
  EXPECT_EQ(field(result, "to"), fmt::format("user:{}", kBobId));
}

TEST_F(CliMessageE2e, DmCreationRefusedWith403IsNotRetried) {
  configure("dmChannelRetry: { maxRetries: 3, initialDelayMs: 100, maxDelayMs: 1000 },");
  sim_->fault(json::object{
      {"action", "fail"}, {"method", "POST"}, {"path", "/api/v4/channels/direct"}, {"status", 403}, {"count", 5}});
  const auto run = cli({"message", "send", "--target", fmt::format("user:{}", kBobId), "refused"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_TRUE(run.stderr_data.starts_with("mmclaw: Mattermost API 403 Forbidden")) << run.stderr_data;
  EXPECT_EQ(sim_->count_calls("POST", "/api/v4/channels/direct"), 1u);
  EXPECT_TRUE(bot_posts_with("refused").empty());
}

TEST_F(CliMessageE2e, ReplyToAReplyPostsUnderTheRootAndLongTextStaysInTheThread) {
  configure();
  const auto root = sim_->post_as("alice", kTownSquare, "a thread to answer in");
  const auto reply = sim_->post_as("bob", kTownSquare, "a reply in it", field(root, "id"));
  const auto result = send_json({"--target", "#town-square", "--reply-to", field(reply, "id"), "under the root"});
  EXPECT_EQ(field(result, "rootId"), field(root, "id"));
  const auto posts = bot_posts_with("under the root");
  ASSERT_EQ(posts.size(), 1u);
  EXPECT_EQ(field(posts[0], "root_id"), field(root, "id"));

  // 9000 characters from stdin: three posts of at most 4000, all in the thread, nothing lost.
  std::string text;
  for (int i = 0; text.size() < 9000; ++i) text += fmt::format("line {} of a long message\n", i);
  const auto run = cli({"message", "send", "--json", "--target", "#town-square", "--reply-to", field(root, "id"), "-"},
                       text);
  ASSERT_EQ(run.exit_code, 0) << run.stderr_data;
  const auto long_result = json::parse(run.stdout_data).as_object();
  const auto& ids = long_result.at("postIds").as_array();
  ASSERT_EQ(ids.size(), 3u) << run.stdout_data;
  std::string joined;
  const auto channel_posts = sim_->posts(kTownSquare);
  for (const auto& id : ids) {
    for (const auto& p : channel_posts) {
      const auto& post = p.as_object();
      if (post.at("id") != id) continue;
      EXPECT_EQ(field(post, "root_id"), field(root, "id"));
      EXPECT_LE(field(post, "message").size(), 4000u);
      joined += field(post, "message");
    }
  }
  std::string compact = text;
  std::erase(compact, '\n');
  std::erase(joined, '\n');
  EXPECT_EQ(joined, compact) << "every line arrives once, in order";

  // A post of another channel is refused before anything is posted.
  const auto elsewhere = cli({"message", "send", "--target", "@alice", "--reply-to", field(reply, "id"), "misplaced"});
  EXPECT_EQ(elsewhere.exit_code, 2);
  EXPECT_NE(elsewhere.stderr_data.find("--reply-to"), std::string::npos) << elsewhere.stderr_data;
  EXPECT_TRUE(bot_posts_with("misplaced").empty());
}

TEST_F(CliMessageE2e, AFileIsUploadedToThePostAndARefusedOnePostsNothing) {
  configure();
  {
    std::ofstream(allowed() / "report.txt") << "all systems nominal\n";
    std::ofstream(files_.path() / "secret.txt") << "not for the chat\n";
  }
  const auto result =
      send_json({"--target", "#town-square", "--file", (allowed() / "report.txt").string(), "the report"});
  const auto posts = bot_posts_with("the report");
  ASSERT_EQ(posts.size(), 1u);
  const auto& files = posts[0].at("file_ids").as_array();
  ASSERT_EQ(files.size(), 1u) << json::serialize(posts[0]);
  EXPECT_EQ(str(files[0]), field(result, "fileId"));
  const auto info = act("alice", "GET", fmt::format("/api/v4/files/{}/info", str(files[0])));
  ASSERT_EQ(int_field(info, "status"), 200) << json::serialize(info);
  EXPECT_EQ(field(info.at("body").as_object(), "name"), "report.txt");

  const auto refused = cli({"message", "send", "--target", "#town-square", "--file",
                            (files_.path() / "secret.txt").string(), "the secret"});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_TRUE(refused.stderr_data.starts_with("mmclaw: Mattermost media upload failed: ")) << refused.stderr_data;
  EXPECT_NE(refused.stderr_data.find("mmclaw.media.allowedDirs"), std::string::npos) << refused.stderr_data;
  EXPECT_TRUE(bot_posts_with("the secret").empty());

  const auto empty = cli({"message", "send", "--target", "#town-square", ""});
  EXPECT_EQ(empty.exit_code, 1);
  EXPECT_EQ(empty.stderr_data, "mmclaw: Mattermost message is empty\n");
}

TEST_F(CliMessageE2e, ButtonsAreStoredSignedAndReadWithoutTheirIntegration) {
  configure();
  const auto result = send_json({"--target", "#town-square", "--buttons",
                                 R"([[{"text": "Approve", "callback_data": "deploy_yes", "style": "primary"},
                                      {"text": "Reject", "callback_data": "deploy_no"}]])",
                                 "--attachment-text", "Pick one", "Deploy now?"});
  const std::string id = field(result, "postId");
  // A client reads the buttons without `integration` (Mattermost strips it, so does mmsim).
  const auto read = act("alice", "GET", "/api/v4/posts/" + id);
  ASSERT_EQ(int_field(read, "status"), 200);
  const auto& attachment = read.at("body").at("props").at("attachments").at(0).as_object();
  EXPECT_EQ(field(attachment, "text"), "Pick one");
  const auto& actions = attachment.at("actions").as_array();
  ASSERT_EQ(actions.size(), 2u) << json::serialize(attachment);
  EXPECT_EQ(field(actions[0].as_object(), "id"), "deployyes");
  EXPECT_EQ(field(actions[0].as_object(), "name"), "Approve");
  EXPECT_EQ(field(actions[0].as_object(), "style"), "primary");
  EXPECT_EQ(actions[0].as_object().if_contains("integration"), nullptr);
  // The server keeps it (mmsim's history shows the stored props): the callback URL and the signed
  // context.
  const auto stored = bot_posts_with("Deploy now?");
  ASSERT_EQ(stored.size(), 1u);
  const auto& kept = stored[0].at("history").as_array().back().at("props");
  const auto& integration = kept.at("attachments").at(0).at("actions").at(0).at("integration").as_object();
  EXPECT_NE(field(integration, "url").find("/mattermost/interactions/default"), std::string::npos);
  const auto& context = integration.at("context").as_object();
  EXPECT_EQ(field(context, "action_id"), "deployyes");
  EXPECT_EQ(field(context, "__openclaw_channel_id"), kTownSquare);
  EXPECT_EQ(field(context, "_token").size(), 64u);

  const auto bad = cli({"message", "send", "--target", "#town-square", "--buttons", "[[{\"text\": \"x\"", "no"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_TRUE(bad.stderr_data.starts_with("mmclaw: --buttons is not JSON")) << bad.stderr_data;
  const auto no_text = cli({"message", "send", "--target", "#town-square", "--buttons", R"([[{"callback_data": "x"}]])", "no"});
  EXPECT_EQ(no_text.exit_code, 2);
  EXPECT_EQ(no_text.stderr_data, "mmclaw: --buttons: Mattermost send button requires text\n");
  EXPECT_TRUE(bot_posts_with("no").empty());
}

TEST_F(CliMessageE2e, ReactAddsAndRemovesAndReadListsTheChannel) {
  configure();
  const auto post = sim_->post_as("alice", kTownSquare, "ship it?");
  const auto added = cli({"message", "react", "--post", field(post, "id"), "--emoji", "👍"});
  ASSERT_EQ(added.exit_code, 0) << added.stderr_data;
  EXPECT_EQ(added.stdout_data, fmt::format("Reacted with :thumbsup: on {}\n", field(post, "id")));
  auto reactions = act("alice", "GET", fmt::format("/api/v4/posts/{}/reactions", field(post, "id")));
  ASSERT_EQ(int_field(reactions, "status"), 200);
  ASSERT_EQ(reactions.at("body").as_array().size(), 1u) << json::serialize(reactions);
  EXPECT_EQ(field(reactions.at("body").at(0).as_object(), "user_id"), kBotId);

  const auto removed = cli({"message", "react", "--post", field(post, "id"), "--emoji", "thumbsup", "--remove"});
  ASSERT_EQ(removed.exit_code, 0) << removed.stderr_data;
  EXPECT_EQ(removed.stdout_data, fmt::format("Removed reaction :thumbsup: from {}\n", field(post, "id")));
  reactions = act("alice", "GET", fmt::format("/api/v4/posts/{}/reactions", field(post, "id")));
  EXPECT_TRUE(reactions.at("body").is_null() || reactions.at("body").as_array().empty()) << json::serialize(reactions);

  const auto unknown = cli({"message", "react", "--post", "zzzzzzzzzzzzzzzzzzzzzzzzzz", "--emoji", "eyes"});
  EXPECT_EQ(unknown.exit_code, 1);
  // Mattermost answers 403 for a post the bot cannot see, whether or not it exists.
  EXPECT_TRUE(unknown.stderr_data.starts_with("mmclaw: Mattermost reaction failed: Mattermost API 403"))
      << unknown.stderr_data;

  const auto read = cli({"message", "read", "--target", "#town-square", "--limit", "2", "--json"});
  ASSERT_EQ(read.exit_code, 0) << read.stderr_data;
  const auto listed = json::parse(read.stdout_data).as_object();
  EXPECT_EQ(field(listed, "channelId"), kTownSquare);
  const auto& messages = listed.at("messages").as_array();
  // The two newest posts, then (as Mattermost sends them) the root of the thread the second is in.
  ASSERT_EQ(messages.size(), 3u) << read.stdout_data;
  EXPECT_EQ(field(messages[0].as_object(), "message"), "ship it?");
  EXPECT_EQ(field(messages[1].as_object(), "message"), "Thanks! @mmclaw can you help?");
  EXPECT_EQ(field(messages[2].as_object(), "message"), "Welcome to the team!");
  EXPECT_TRUE(listed.at("hasMore").as_bool());
  const auto text = cli({"message", "read", "--target", "#town-square", "--limit", "1"});
  ASSERT_EQ(text.exit_code, 0) << text.stderr_data;
  EXPECT_NE(text.stdout_data.find(fmt::format("{} @alice: ship it?\n", field(post, "id"))), std::string::npos)
      << text.stdout_data;
}

TEST_F(CliMessageE2e, AnUnknownAccountIsAUsageError) {
  configure();
  const auto run = cli({"message", "send", "--account", "ops", "--target", "#town-square", "hello"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_EQ(run.stderr_data.rfind("mmclaw: --account: no account \"ops\"", 0), 0u) << run.stderr_data;
  EXPECT_TRUE(bot_posts_with("hello").empty());
}

}  // namespace

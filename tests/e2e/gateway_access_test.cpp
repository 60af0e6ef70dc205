// Who is answered, where (issue 5), end to end: the real mmclaw against a real mmsim. Pairing from
// the first DM to an answer, the group allowlist, each chatmode, thread replies and thread
// sessions, and two accounts in one channel.

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <regex>
#include <sstream>

#include "gateway_fixture.hpp"
#include "util/subprocess.hpp"

namespace {

using namespace mmclaw::e2e;

class GatewayAccessE2e : public GatewayFixture {
 protected:
  Gateway& start(GatewayOptions options) {
    if (options.global_args.empty()) options.global_args = {"--log-level", "debug"};  // drop reasons
    return GatewayFixture::start(std::move(options));
  }

  // The bot's posts in `channel` after `since` (create_at), oldest first.
  std::vector<json::object> bot_posts(std::string_view channel, std::string_view bot_id = kBotId) const {
    std::vector<json::object> out;
    for (const auto& p : sim_->posts(channel))
      if (field(p.as_object(), "user_id") == bot_id && int_field(p.as_object(), "delete_at") == 0)
        out.push_back(p.as_object());
    return out;
  }

  // Waits `quiet` and checks that `post` still has no answer.
  void expect_no_answer(const json::object& post, std::chrono::milliseconds quiet = 1000ms) const {
    std::this_thread::sleep_for(quiet);
    EXPECT_TRUE(answers_to(*sim_, field(post, "channel_id"), field(post, "id")).empty())
        << "post \"" << field(post, "message") << "\" must not be answered";
  }

  mmclaw::util::SubprocessResult cli(std::vector<std::string> args) const {
    return run_mmclaw_command(gateway_->config_path(), std::move(args));
  }

};

// --- Pairing: from the first DM to approval to an answer ---------------------------------------
TEST_F(GatewayAccessE2e, PairingFromFirstDmToApprovalToAnAnswer) {
  GatewayOptions options;
  options.dm_policy = "pairing";
  options.allow_from = "[]";
  start(options);

  const auto first = sim_->post_as("alice", kAliceDm, "hello, who are you?");
  std::string code;
  ASSERT_TRUE(poll_until(
      [&] {
        for (const auto& p : bot_posts(kAliceDm)) {
          std::smatch m;
          const std::string text = field(p, "message");
          static const std::regex pattern("Pairing code:\n```\n([A-Z2-9]{8})\n```");
          if (std::regex_search(text, m, pattern)) code = m[1];
        }
        return !code.empty();
      },
      15s))
      << "the first DM gets a pairing code";
  const auto challenge = bot_posts(kAliceDm).back();
  EXPECT_EQ(field(challenge, "message"),
            fmt::format("mmclaw: access not configured.\n\nYour Mattermost user id: {}\nPairing code:\n```\n{}\n```\n\n"
                        "Ask the bot owner to approve with:\n```\nmmclaw pairing approve {}\n```",
                        kAliceId, code, code));
  EXPECT_EQ(field(challenge, "root_id"), "") << "the code is a plain DM, not a thread reply";
  EXPECT_TRUE(answers_to(*sim_, kAliceDm, field(first, "id")).empty()) << "no answer before approval";
  gateway_->wait_log("pairing requested by user " + std::string(kAliceId));
  EXPECT_EQ(gateway_->log().find(code), std::string::npos) << "the code is the user's, not the log's";

  // A second message while the request is pending: no second code, no answer.
  const auto again = sim_->post_as("alice", kAliceDm, "hello?");
  gateway_->wait_log("not answered (pairing_pending)");
  EXPECT_EQ(bot_posts(kAliceDm).size(), 1u) << "a repeat while pending gets no reply";

  // The operator approves from the CLI while the gateway runs; alice is told by DM.
  const auto listed = cli({"pairing", "list"});
  EXPECT_EQ(listed.exit_code, 0) << listed.stderr_data;
  EXPECT_NE(listed.stdout_data.find(code), std::string::npos) << listed.stdout_data;
  const auto approved = cli({"pairing", "approve", code});
  ASSERT_EQ(approved.exit_code, 0) << approved.stderr_data;
  ASSERT_TRUE(poll_until(
      [&] {
        const auto posts = bot_posts(kAliceDm);
        return std::any_of(posts.begin(), posts.end(), [](const json::object& p) {
          return field(p, "message") == "mmclaw: your access has been approved.";
        });
      },
      15s))
      << "alice is told that she was approved";

  // From now on alice is answered.
  expect_one_answer(*sim_, sim_->post_as("alice", kAliceDm, "now can we talk?"));
  EXPECT_TRUE(answers_to(*sim_, kAliceDm, field(again, "id")).empty())
      << "posts from before the approval stay unanswered";
  // An unknown code is refused by the CLI with exit 1.
  const auto unknown = cli({"pairing", "approve", "ABCDEFGH"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.stderr_data.find("no pending pairing request with code ABCDEFGH"), std::string::npos)
      << unknown.stderr_data;
}

// --- groupPolicy allowlist ---------------------------------------------------------------------
TEST_F(GatewayAccessE2e, GroupAllowlistAnswersTheListedSenderOnly) {
  GatewayOptions options;
  options.group_policy = "allowlist";
  options.dm_policy = "pairing";
  options.allow_from = "[]";
  options.mattermost_extra = fmt::format(R"(groupAllowFrom: ["{}"],)", kAliceId);
  start(options);
  const auto from_bob = sim_->post_as("bob", kTownSquare, "@mmclaw I am not on the list");
  const auto from_alice = sim_->post_as("alice", kTownSquare, "@mmclaw I am on the list");
  expect_one_answer(*sim_, from_alice);
  gateway_->wait_log(fmt::format("post {} not answered (not_allowlisted)", field(from_bob, "id")));
  expect_no_answer(from_bob, 200ms);
}

// --- chatmode ----------------------------------------------------------------------------------
TEST_F(GatewayAccessE2e, ChatmodeOncallAnswersMentionsOnly) {
  GatewayOptions options;
  options.mattermost_extra = R"(chatmode: "oncall",)";
  start(options);
  const auto plain = sim_->post_as("alice", kTownSquare, "just talking");
  expect_one_answer(*sim_, sim_->post_as("alice", kTownSquare, "@mmclaw are you there"));
  gateway_->wait_log(fmt::format("post {} not answered (no_mention)", field(plain, "id")));
  expect_no_answer(plain, 200ms);
  gateway_->wait_log(fmt::format(R"(Set channels.mattermost.groups["{}"].requireMention=false)", kTownSquare));
  const auto plain2 = sim_->post_as("alice", kTownSquare, "more talking");
  gateway_->wait_log(fmt::format("post {} not answered (no_mention)", field(plain2, "id")));
  EXPECT_EQ(gateway_->count_log("requireMention=false"), 1u) << "the hint is logged once per channel";
}

TEST_F(GatewayAccessE2e, ChatmodeOnmessageAnswersEveryPost) {
  GatewayOptions options;
  options.mattermost_extra = R"(chatmode: "onmessage",)";
  start(options);
  expect_one_answer(*sim_, sim_->post_as("alice", kTownSquare, "no mention needed"));
  expect_one_answer(*sim_, sim_->post_as("alice", kOps, "nor here"));
}

TEST_F(GatewayAccessE2e, ChatmodeOncharAnswersPrefixedPostsAndMentions) {
  GatewayOptions options;
  options.mattermost_extra = R"(chatmode: "onchar", oncharPrefixes: ["??"],)";
  start(options);
  const auto prefixed = sim_->post_as("alice", kTownSquare, "?? what is the time");
  const auto plain = sim_->post_as("alice", kTownSquare, "what is the time");
  const auto mentioned = sim_->post_as("alice", kTownSquare, "@mmclaw what is the date");
  std::vector<json::object> found;
  ASSERT_TRUE(poll_until(
      [&] {
        found = answers_to(*sim_, kTownSquare, field(prefixed, "id"));
        return !found.empty();
      },
      15s));
  EXPECT_EQ(field(found.front(), "message"), "echo: what is the time") << "the prefix is stripped";
  expect_one_answer(*sim_, mentioned);
  expect_no_answer(plain, 300ms);
}

TEST_F(GatewayAccessE2e, AChannelOverrideWinsOverChatmode) {
  GatewayOptions options;
  options.mattermost_extra =
      fmt::format(R"(chatmode: "oncall", groups: {{ "{}": {{ requireMention: false }} }},)", kOps);
  start(options);
  expect_one_answer(*sim_, sim_->post_as("alice", kOps, "ops without a mention"));
  expect_no_answer(sim_->post_as("alice", kTownSquare, "town square without a mention"));
}

// --- Threads -----------------------------------------------------------------------------------
TEST_F(GatewayAccessE2e, ThreadRepliesLandUnderTheRootAndTheBotFollowsItsThreads) {
  start(GatewayOptions{});
  const auto root = sim_->post_as("alice", kTownSquare, "a topic without the bot");
  const auto reply = sim_->post_as("alice", kTownSquare, "@mmclaw what do you think", field(root, "id"));
  const auto answer = expect_one_answer(*sim_, reply);
  EXPECT_EQ(field(answer, "root_id"), field(root, "id")) << "the answer's root is the thread root";
  // The bot took part: a reply without a mention in the same thread is answered (implicit mention).
  const auto follow_up = sim_->post_as("bob", kTownSquare, "and what about this", field(root, "id"));
  EXPECT_EQ(field(expect_one_answer(*sim_, follow_up), "root_id"), field(root, "id"));
  // Another thread without the bot stays quiet.
  const auto other_root = sim_->post_as("alice", kTownSquare, "another topic");
  expect_no_answer(sim_->post_as("bob", kTownSquare, "reply elsewhere", field(other_root, "id")));
  // A reply to a post the bot wrote itself counts as a mention.
  const auto bot_root = sim_->post_as("mmclaw", kTownSquare, "announcement from the bot");
  const auto to_bot = sim_->post_as("alice", kTownSquare, "question about it", field(bot_root, "id"));
  EXPECT_EQ(field(expect_one_answer(*sim_, to_bot), "root_id"), field(bot_root, "id"));
}

TEST_F(GatewayAccessE2e, ReplyToModeFirstOpensAThreadSessionPerRootPost) {
  GatewayOptions options;
  options.mattermost_extra = R"(replyToMode: "first",)";
  start(options);
  const auto post = sim_->post_as("alice", kTownSquare, "@mmclaw start a thread");
  const auto answer = expect_one_answer(*sim_, post, 15s, 700ms, field(post, "id"));
  EXPECT_EQ(field(answer, "root_id"), field(post, "id")) << "the answer opens a thread under the post";
  gateway_->wait_log(fmt::format("session agent:main:mattermost:channel:{}:thread:{}", kTownSquare,
                                 field(post, "id")));
  // DMs stay flat whatever replyToMode says (§5.5).
  const auto dm = sim_->post_as("alice", kAliceDm, "a direct question");
  EXPECT_EQ(field(expect_one_answer(*sim_, dm), "root_id"), "");
  gateway_->wait_log("(session agent:main:main, post " + field(dm, "id"));
}

// --- History window (§4.8) ---------------------------------------------------------------------
TEST_F(GatewayAccessE2e, SkippedChannelPostsReachTheNextTurnAsHistory) {
  GatewayOptions options;
  options.global_args = {"--log-level", "trace"};  // the turn context is logged at trace
  start(options);
  const auto skipped = sim_->post_as("bob", kTownSquare, "the build is red again");
  gateway_->wait_log(fmt::format("post {} not answered (no_mention)", field(skipped, "id")));
  const auto asked = sim_->post_as("alice", kTownSquare, "@mmclaw what did bob say?");
  expect_one_answer(*sim_, asked);
  const std::string log = gateway_->log();
  const auto context = log.find("turn context: ");
  ASSERT_NE(context, std::string::npos) << "the turn context is logged at trace";
  const std::string line = log.substr(context + 14, log.find('\n', context) - context - 14);
  const auto turn = json::parse(line).as_object();
  EXPECT_EQ(field(turn, "SessionKey"), "agent:main:mattermost:channel:" + std::string(kTownSquare));
  EXPECT_EQ(field(turn, "MessageSid"), field(asked, "id"));
  ASSERT_TRUE(turn.contains("InboundHistory"));
  const auto& history = turn.at("InboundHistory").as_array();
  ASSERT_EQ(history.size(), 1u);
  EXPECT_NE(json::serialize(history[0]).find("the build is red again"), std::string::npos);
  EXPECT_NE(field(turn, "Body").find("[Chat messages since your last reply - for context]"), std::string::npos);
  EXPECT_NE(field(turn, "Body").find("[Current message - respond to this]"), std::string::npos);
  EXPECT_EQ(field(turn, "WasMentioned"), "") << "a bool, not a string";
  EXPECT_TRUE(turn.at("WasMentioned").as_bool());
}

// --- Debounce, edits, reactions, typing --------------------------------------------------------
TEST_F(GatewayAccessE2e, QuickPostsOfOneSenderAreMergedIntoOneTurnWhenDebounced) {
  GatewayOptions options;
  options.root_extra = R"(messages: { inbound: { debounceMs: 600 } },)";
  start(options);
  const auto first = sim_->post_as("alice", kAliceDm, "first part");
  const auto second = sim_->post_as("alice", kAliceDm, "second part");
  std::vector<json::object> found;
  ASSERT_TRUE(poll_until(
      [&] {
        found = answers_to(*sim_, kAliceDm, field(second, "id"));
        return !found.empty();
      },
      15s));
  std::this_thread::sleep_for(800ms);
  found = answers_to(*sim_, kAliceDm, field(second, "id"));
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(field(found.front(), "message"), "echo: first part\nsecond part");
  const auto& merged = found.front().at("props").at("mmclaw_merged").as_array();
  ASSERT_EQ(merged.size(), 1u);
  EXPECT_EQ(str(merged[0]), field(first, "id"));
  EXPECT_TRUE(answers_to(*sim_, kAliceDm, field(first, "id")).empty()) << "one answer for both";
}

TEST_F(GatewayAccessE2e, AnEditThatAddsAMentionIsAnsweredOnce) {
  start(GatewayOptions{});
  const auto post = sim_->post_as("alice", kTownSquare, "a question without the bot");
  gateway_->wait_log(fmt::format("post {} not answered (no_mention)", field(post, "id")));
  const auto edit = [&](std::string_view text) {
    const auto reply = sim_->control(
        "/_control/act", json::object{{"as", "alice"},
                                      {"method", "PUT"},
                                      {"path", fmt::format("/api/v4/posts/{}/patch", field(post, "id"))},
                                      {"body", json::object{{"message", text}}}});
    ASSERT_EQ(int_field(reply.as_object(), "status"), 200) << json::serialize(reply);
  };
  edit("@mmclaw a question for the bot");
  std::vector<json::object> found;
  ASSERT_TRUE(poll_until(
      [&] {
        found = answers_to(*sim_, kTownSquare, field(post, "id"));
        return !found.empty();
      },
      15s));
  EXPECT_EQ(field(found.front(), "message"), "echo: a question for the bot");
  edit("@mmclaw a question for the bot, edited again");
  std::this_thread::sleep_for(1000ms);
  EXPECT_EQ(answers_to(*sim_, kTownSquare, field(post, "id")).size(), 1u) << "a second edit is not answered";
}

TEST_F(GatewayAccessE2e, ReactionsBecomeSystemEventsAndTurnsShowTyping) {
  start(GatewayOptions{});
  const auto post = sim_->post_as("alice", kTownSquare, "@mmclaw react to this");
  expect_one_answer(*sim_, post);
  EXPECT_GE(sim_->count_calls("POST", "/api/v4/users/me/typing"), 1u) << "typing while the turn ran";
  const auto reply = sim_->control(
      "/_control/act",
      json::object{{"as", "alice"},
                   {"method", "POST"},
                   {"path", "/api/v4/reactions"},
                   {"body", json::object{{"user_id", kAliceId}, {"post_id", field(post, "id")}, {"emoji_name", "thumbsup"}}}});
  ASSERT_EQ(int_field(reply.as_object(), "status"), 200) << json::serialize(reply);
  gateway_->wait_log(fmt::format("reaction mattermost:reaction:{}:thumbsup:{}:added queued for session "
                                 "agent:main:mattermost:channel:{}",
                                 field(post, "id"), kAliceId, kTownSquare));
  EXPECT_EQ(answers_to(*sim_, kTownSquare, field(post, "id")).size(), 1u) << "a reaction is not a turn";
}

// --- Two accounts in one channel -----------------------------------------------------------------
constexpr std::string_view kHelperBotId = "hb7kq3xw9mn1bczt5oefy8ja4d";
constexpr std::string_view kHelperBotToken = "helperbottoken000000000001";

// The demo fixture with a second bot, `helperbot`, on the team and in town-square.
std::string two_bot_fixture(const std::filesystem::path& dir) {
  std::ifstream in(mmclaw::test::MmsimProcess::demo_fixture());
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  const auto replace = [&](std::string_view from, std::string_view to) {
    const auto at = text.find(from);
    if (at == std::string::npos) throw std::runtime_error("demo fixture changed: " + std::string(from));
    text.replace(at, from.size(), to);
  };
  replace(R"("tokens": ["mmclawbottoken000000000001"]},)",
          fmt::format(R"("tokens": ["mmclawbottoken000000000001"]}},
    {{"id": "{}", "username": "helperbot", "is_bot": true, "tokens": ["{}"]}},)",
                      kHelperBotId, kHelperBotToken));
  replace(R"("members": ["alice", "bob", "carol", "mmclaw"], "admins": ["admin"]},)",
          R"("members": ["alice", "bob", "carol", "mmclaw", "helperbot"], "admins": ["admin"]},)");
  replace(R"("members": ["alice", "bob", "carol", "admin", "mmclaw"]},)",
          R"("members": ["alice", "bob", "carol", "admin", "mmclaw", "helperbot"]},)");
  const auto path = dir / "two_bots.json";
  std::ofstream(path) << text;
  return path.string();
}

TEST_F(GatewayAccessE2e, TwoAccountsInOneChannelEachAnswerWithTheirOwnBot) {
  mmclaw::test::TempDir dir;
  sim_ = std::make_unique<Mmsim>(std::vector<std::string>{}, two_bot_fixture(dir.path()));
  GatewayOptions options;
  options.mattermost_extra = fmt::format(R"(accounts: {{
        helper: {{ baseUrl: "{}", botToken: "{}", groupPolicy: "open", allowFrom: ["*"],
                   network: {{ dangerouslyAllowPrivateNetwork: true }} }},
      }},)",
                                         sim_->base_url(), kHelperBotToken);
  start(options);
  gateway_->wait_log("mattermost websocket authenticated", 15s, 2);
  const auto to_mmclaw = sim_->post_as("alice", kTownSquare, "@mmclaw hello first bot");
  const auto to_helper = sim_->post_as("alice", kTownSquare, "@helperbot hello second bot");
  expect_one_answer(*sim_, to_mmclaw);  // answers_to() counts the mmclaw bot's posts only
  std::vector<json::object> helper_answers;
  ASSERT_TRUE(poll_until(
      [&] {
        helper_answers.clear();
        for (const auto& p : bot_posts(kTownSquare, kHelperBotId)) {
          const auto* props = p.if_contains("props");
          if (props != nullptr && props->is_object() &&
              field(props->as_object(), "mmclaw_reply_to") == field(to_helper, "id"))
            helper_answers.push_back(p);
        }
        return !helper_answers.empty();
      },
      15s))
      << "the second account answers its own mention";
  std::this_thread::sleep_for(700ms);
  EXPECT_EQ(field(helper_answers.front(), "message"), "echo: hello second bot");
  EXPECT_TRUE(answers_to(*sim_, kTownSquare, field(to_helper, "id")).empty())
      << "the first bot does not answer a post for the second";
  for (const auto& p : bot_posts(kTownSquare, kHelperBotId))
    EXPECT_NE(field(p, "message"), "echo: hello first bot") << "the second bot answered the first's post";
}

}  // namespace

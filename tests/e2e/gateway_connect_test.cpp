// `mmclaw gateway` end to end: the real binary against a real mmsim over loopback, with the echo
// backend. Each test asserts on what Mattermost sees (posts, REST calls, sockets): every post
// that should be answered is answered exactly once, whatever happens to the connection.

#include <signal.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>

#include "gateway_support.hpp"
#include "util/subprocess.hpp"

namespace {

using namespace mmclaw::e2e;

class GatewayE2e : public ::testing::Test {
 protected:
  void SetUp() override { sim_ = std::make_unique<Mmsim>(); }
  void TearDown() override {
    // MMCLAW_E2E_SHOW_LOG=1 shows the log of passing tests too.
    if ((HasFailure() || std::getenv("MMCLAW_E2E_SHOW_LOG") != nullptr) && gateway_)
      std::cerr << "--- the gateway's log ---\n" << gateway_->log_tail() << "\n";
    gateway_.reset();  // stops the gateway before mmsim goes
    sim_.reset();
  }

  Gateway& start(GatewayOptions options = {}, bool wait_ready = true) {
    gateway_ = std::make_unique<Gateway>(*sim_, std::move(options));
    gateway_->start();
    if (wait_ready) gateway_->wait_ready();
    return *gateway_;
  }
  // Waits until the bot has an authenticated socket newer than `previous`.
  std::int64_t wait_reconnected(std::int64_t previous, std::chrono::milliseconds timeout = 15s) {
    std::int64_t now = 0;
    if (!poll_until(
            [&] {
              now = sim_->newest_bot_socket();
              return now > previous;
            },
            timeout))
      throw std::runtime_error(
          fmt::format("the gateway did not reconnect within {} ms (socket still {}); log:\n{}",
                      timeout.count(), now, gateway_->log_tail()));
    return now;
  }
  json::object dm(std::string_view message) const { return sim_->post_as("alice", kAliceDm, message); }

  std::unique_ptr<Mmsim> sim_;
  std::unique_ptr<Gateway> gateway_;
};

// 1
TEST_F(GatewayE2e, ConnectsAndAuthenticates) {
  auto& gateway = start();
  EXPECT_GT(sim_->newest_bot_socket(), 0) << "mmsim shows the bot's authenticated socket";
  bool identified = false;
  for (const auto& call : sim_->calls())
    identified = identified || (field(call.as_object(), "path") == "/api/v4/users/me" &&
                                field(call.as_object(), "user_id") == kBotId);
  EXPECT_TRUE(identified) << "the gateway checks its token with GET /users/me";
  EXPECT_TRUE(gateway.running());
}

// 2
TEST_F(GatewayE2e, AnswersDmsAndMentionsOnceButNotUnmentionedChannelOrGroupPosts) {
  start();
  const std::string group = sim_->create_group();
  const auto unmentioned = sim_->post_as("alice", kTownSquare, "just chatting, no bot here");
  const auto open = sim_->post_as("alice", kTownSquare, "@mmclaw hello town square");
  const auto in_thread = sim_->post_as("alice", kTownSquare, "@mmclaw and in the thread", field(open, "id"));
  const auto priv = sim_->post_as("alice", kOps, "@mmclaw hello ops");
  const auto direct = dm("hello in private");
  const auto grouped = sim_->post_as("alice", group, "@mmclaw hello group");
  const auto unmentioned_group = sim_->post_as("alice", group, "group chatter");

  for (const auto* post : {&open, &in_thread, &priv, &direct, &grouped}) {
    SCOPED_TRACE(field(*post, "message"));
    const auto answer = expect_one_answer(*sim_, *post);
    EXPECT_EQ(field(answer, "user_id"), kBotId);
  }
  EXPECT_EQ(field(expect_one_answer(*sim_, in_thread, 1s, 0ms), "root_id"), field(open, "id"))
      << "a reply in a thread stays in the thread";
  EXPECT_TRUE(answers_to(*sim_, kTownSquare, field(unmentioned, "id")).empty())
      << "a channel post without a mention is not answered";
  EXPECT_TRUE(answers_to(*sim_, group, field(unmentioned_group, "id")).empty())
      << "a group message is gated like a channel (§4.6: only DMs are never gated)";
}

// 3
TEST_F(GatewayE2e, IgnoresItsOwnPosts) {
  start();
  const auto own = sim_->post_as("mmclaw", kAliceDm, "a note from the bot itself");
  const auto own_channel = sim_->post_as("mmclaw", kTownSquare, "@mmclaw talking to myself");
  const auto from_alice = dm("after the bot's own posts");
  expect_one_answer(*sim_, from_alice);
  EXPECT_TRUE(answers_to(*sim_, kAliceDm, field(own, "id")).empty());
  EXPECT_TRUE(answers_to(*sim_, kTownSquare, field(own_channel, "id")).empty());
  for (const auto& p : sim_->posts(kAliceDm))
    EXPECT_FALSE(field(p.as_object(), "message").starts_with("echo: echo:"))
        << "the bot answered its own answer";
}

// 4
TEST_F(GatewayE2e, ReconnectsAfterClosedSocketsAndAnswersWhatWasPostedMeanwhile) {
  start();
  const auto before = sim_->newest_bot_socket();
  sim_->fault(json::object{{"action", "close_sockets"}});
  // Posted at once: the gateway cannot be connected again yet (its first retry waits 100 ms).
  const auto meanwhile = dm("posted while the socket was down");
  wait_reconnected(before);
  expect_one_answer(*sim_, meanwhile, 15s, 1500ms);
  expect_one_answer(*sim_, dm("posted after the reconnect"));
}

// 5
TEST_F(GatewayE2e, DetectsAHalfOpenSocketByThePingDeadlineAndReconnects) {
  start();
  const auto before = sim_->newest_bot_socket();
  sim_->fault(json::object{{"action", "blackhole"}, {"on", true}});
  wait_reconnected(before);  // the blackholed socket is excluded: only a fresh one counts
  expect_one_answer(*sim_, dm("after the half-open socket"));
  sim_->fault(json::object{{"action", "clear"}});
}

// 6
TEST_F(GatewayE2e, ReconnectsWhenTheBotAccountChangesWhileEventsAreWithheld) {
  start();
  const auto before = sim_->newest_bot_socket();
  sim_->fault(json::object{{"action", "mute_events"}, {"user", "mmclaw"}, {"on", true}});
  const auto withheld = dm("posted while the session was revoked");
  sim_->control("/_control/update_at", json::object{{"user", "mmclaw"}});
  wait_reconnected(before);
  sim_->fault(json::object{{"action", "mute_events"}, {"user", "mmclaw"}, {"on", false}});
  expect_one_answer(*sim_, dm("after the bot account changed"));
  // The reconnect catches up by REST: what the muted socket never delivered is answered too.
  expect_one_answer(*sim_, withheld);
}

// 7
TEST_F(GatewayE2e, AnswersPostsMadeDuringAServerRestartOnceAndInOrder) {
  start();
  const auto before = sim_->newest_bot_socket();
  sim_->control("/_control/restart", json::object{});
  std::vector<json::object> posts;
  for (int i = 1; i <= 5; ++i) {
    posts.push_back(dm(fmt::format("during the restart {}", i)));
    // Distinct create_at values: posts of the same millisecond have no order to keep.
    std::this_thread::sleep_for(3ms);
  }
  wait_reconnected(before);
  std::vector<std::int64_t> answered_at;
  for (const auto& post : posts) {
    SCOPED_TRACE(field(post, "message"));
    answered_at.push_back(int_field(expect_one_answer(*sim_, post, 15s, 200ms), "create_at"));
  }
  std::string table;
  for (std::size_t i = 0; i < posts.size(); ++i)
    table += fmt::format("\n  post {} created {} answered {}", field(posts[i], "id"),
                         int_field(posts[i], "create_at"), answered_at[i]);
  for (std::size_t i = 1; i < answered_at.size(); ++i)
    EXPECT_LE(answered_at[i - 1], answered_at[i])
        << "answer " << i << " came before answer " << i - 1 << table;
  std::this_thread::sleep_for(800ms);
  for (const auto& post : posts)
    EXPECT_EQ(answers_to(*sim_, kAliceDm, field(post, "id")).size(), 1u) << field(post, "message");
}

// 7b: the catch-up starts from the cursors as they were at the new hello. A live post of the new
// socket, answered while the catch-up is still listing channels, must not move the channel's
// cursor past the post the outage hid.
TEST_F(GatewayE2e, ALivePostAfterTheReconnectDoesNotHideThePostsOfTheOutage) {
  start();
  const auto before = sim_->newest_bot_socket();
  sim_->control("/_control/restart", json::object{});
  const auto hidden = dm("posted while the server restarted");
  std::this_thread::sleep_for(3ms);
  // The catch-up's first call (the bot's channels) is held back, so the live post comes first.
  sim_->fault(json::object{{"action", "delay"},
                           {"method", "GET"},
                           {"path", "/api/v4/users/*/channels"},
                           {"ms", 1500},
                           {"count", 1}});
  wait_reconnected(before);
  expect_one_answer(*sim_, dm("posted right after the reconnect"));
  expect_one_answer(*sim_, hidden, 15s, 500ms);
}

// 8
TEST_F(GatewayE2e, AnswersOnceAfterBeingKilledBeforeItsAnswerWasPosted) {
  auto& gateway = start();
  // The answer's POST hangs far longer than this test lasts, so the killed gateway's request never
  // lands: after the restart there is exactly one way for the post to be answered.
  sim_->fault(
      json::object{{"action", "delay"}, {"method", "POST"}, {"path", "/api/v4/posts"}, {"ms", 60000}});
  const auto post = dm("answer me even if you crash");
  std::this_thread::sleep_for(1000ms);  // time to receive and record it; correct either way
  gateway.kill();
  sim_->fault(json::object{{"action", "clear"}});
  gateway.start();
  gateway.wait_ready();
  expect_one_answer(*sim_, post, 15s, 1500ms);
}

// 9
TEST_F(GatewayE2e, AnInvalidTokenIsReportedAndRetriedSlowly) {
  GatewayOptions options;
  options.bot_token = "wrongtoken0000000000000001";
  // The slow retry rate of a rejected token is the reconnect cap: 2 s here, against a fast backoff
  // that would start at 100 ms, so the two are easy to tell apart in a 3 s window.
  options.reconnect_max_delay_ms = 2000;
  auto& gateway = start(options, /*wait_ready=*/false);
  gateway.wait_log("mattermost: API auth failed:");
  const auto first = sim_->count_calls("GET", "/api/v4/users/me");
  std::this_thread::sleep_for(3s);
  const auto later = sim_->count_calls("GET", "/api/v4/users/me");
  EXPECT_LE(later - first, 3u) << "GET /users/me is retried slowly (every ~2 s) after a rejected token";
  EXPECT_TRUE(gateway.running()) << "a rejected token is not a reason to exit";
  EXPECT_EQ(sim_->newest_bot_socket(), 0);
  EXPECT_EQ(gateway.count_log("wrongtoken"), 0u) << "the token never reaches the log";
}

// 10
TEST_F(GatewayE2e, DropsMalformedFramesAndKeepsAnswering) {
  auto& gateway = start();
  const std::vector<std::string> frames{
      "not json",
      "{\"event\":",
      "[1,2,3]",
      "[]",
      "\"just a string\"",
      "42",
      "null",
      "{}",
      R"({"event":""})",
      R"({"event":5,"data":{}})",
      R"({"status":"MAYBE"})",
      R"({"event":"posted","data":{}})",
      R"({"event":"posted","data":{"post":"not json"}})",
      R"({"event":"posted","data":{"post":"[1]"}})",
      R"({"event":"posted","data":{"post":"{\"user_id\":\"14j8umgczgrdp95w77zuxmxfu9\",\"channel_id\":\"iqcx3qc9sbbt6ocshszfqgq6ci\",\"message\":\"no id\"}"}})",
      R"({"event":"posted","data":{"post":"{\"id\":\"\",\"user_id\":\"14j8umgczgrdp95w77zuxmxfu9\",\"channel_id\":\"iqcx3qc9sbbt6ocshszfqgq6ci\"}"}})",
      R"({"event":"posted","data":{"post":"{\"id\":\"zzzzzzzzzzzzzzzzzzzzzzzzzz\",\"user_id\":\"\",\"channel_id\":\"iqcx3qc9sbbt6ocshszfqgq6ci\"}"}})",
      R"({"event":"posted","data":{"post":"{\"id\":\"zzzzzzzzzzzzzzzzzzzzzzzzzy\",\"user_id\":\"14j8umgczgrdp95w77zuxmxfu9\"}"},"broadcast":{}})",
      R"({"event":"reaction_added","data":{}})",
      R"({"event":"reaction_added","data":{"reaction":"{}"}})",
  };
  ASSERT_EQ(frames.size(), 20u);
  json::array list;
  for (const auto& f : frames) list.emplace_back(f);
  const auto sent = sim_->control("/_control/frames", json::object{{"user", "mmclaw"}, {"frames", list}});
  ASSERT_GE(int_field(sent.as_object(), "sent"), 1);
  gateway.wait_log("; 20 dropped so far");
  EXPECT_EQ(gateway.count_log("mattermost websocket frame dropped ("), 20u);
  expect_one_answer(*sim_, dm("still listening after the garbage"));
  EXPECT_TRUE(gateway.running());
}

// 11
TEST_F(GatewayE2e, WaitsOutARateLimitAndAnswersOnce) {
  start();
  sim_->fault(json::object{{"action", "fail"},
                           {"method", "POST"},
                           {"path", "/api/v4/posts"},
                           {"count", 1},
                           {"status", 429},
                           {"retry_after", 1}});
  const auto post = dm("answer me despite the rate limit");
  expect_one_answer(*sim_, post, 15s, 1500ms);
  std::size_t limited = 0;
  for (const auto& call : sim_->calls())
    if (field(call.as_object(), "path") == "/api/v4/posts" && int_field(call.as_object(), "status") == 429)
      ++limited;
  EXPECT_EQ(limited, 1u) << "the injected 429 was met";
}

// 12
TEST_F(GatewayE2e, WarnsAboutAGroupEntryForAChannelTheBotIsNotIn) {
  GatewayOptions options;
  options.mattermost_extra = fmt::format(R"(groups: {{ "{}": {{ requireMention: true }} }},)", kDev);
  auto& gateway = start(options);
  gateway.wait_log(
      fmt::format("the bot is not a member of channel {}: Mattermost will not send its posts", kDev));
  expect_one_answer(*sim_, dm("still answering DMs"));
}

// 13
TEST_F(GatewayE2e, PollingModeAnswersDmsAndMentionsWithoutAWebSocket) {
  GatewayOptions options;
  options.use_websocket = false;
  start(options, /*wait_ready=*/false);
  // Ready in polling mode means: the bot identified itself (GET /users/me succeeded).
  ASSERT_TRUE(poll_until(
      [&] {
        for (const auto& call : sim_->calls())
          if (field(call.as_object(), "path") == "/api/v4/users/me" &&
              int_field(call.as_object(), "status") == 200)
            return true;
        if (!gateway_->running()) gateway_->fail_exited("GET /users/me");
        return false;
      },
      15s))
      << gateway_->log_tail();
  std::this_thread::sleep_for(500ms);  // a first sweep sets the channels' baselines
  const auto direct = dm("hello by polling");
  const auto mention = sim_->post_as("alice", kTownSquare, "@mmclaw polling works?");
  const auto unmentioned = sim_->post_as("alice", kTownSquare, "nothing for the bot");
  expect_one_answer(*sim_, direct);
  expect_one_answer(*sim_, mention);
  EXPECT_TRUE(answers_to(*sim_, kTownSquare, field(unmentioned, "id")).empty());
  EXPECT_TRUE(sim_->connections().empty()) << "no WebSocket in polling mode";
}

// 14
TEST_F(GatewayE2e, SigtermStopsGracefullyWithExitZero) {
  auto& gateway = start();
  expect_one_answer(*sim_, dm("one answer before stopping"), 15s, 0ms);
  const auto asked = Clock::now();
  const int status = gateway.stop(10s, SIGTERM);
  EXPECT_EQ(status, 0) << exit_text(status);
  EXPECT_LT(Clock::now() - asked, 10s) << "stopped within the grace period";
  EXPECT_FALSE(gateway.running());
}

// 15
TEST_F(GatewayE2e, SigintStopsGracefullyWithExitZero) {
  auto& gateway = start();
  const int status = gateway.stop(10s, SIGINT);
  EXPECT_EQ(status, 0) << exit_text(status);
}

// 16
TEST_F(GatewayE2e, AnInvalidConfigExitsWithStatus2) {
  mmclaw::test::TempDir dir;
  const auto config = dir.write("bad.json5", R"({ channels: { mattermost: { dmPolicy: "opne" } } })");
  mmclaw::util::SubprocessOptions options;
  options.argv = {MMCLAW_BINARY, "--config", config.string(), "gateway"};
  options.env = std::vector<std::string>{"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=" + dir.path().string()};
  options.timeout = 20s;
  auto run = mmclaw::util::run_subprocess(options);
  ASSERT_TRUE(run) << run.error().message;
  ASSERT_EQ(run->stderr_data.find("not available yet"), std::string::npos)
      << "`mmclaw gateway` is not available yet in this build (src/app/cmd_gateway.cpp)";
  EXPECT_EQ(run->exit_code, 2) << run->stderr_data;
  EXPECT_NE(run->stderr_data.find("dmPolicy"), std::string::npos) << run->stderr_data;
}

}  // namespace

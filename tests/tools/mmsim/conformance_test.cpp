// mmsim conformance: the real executable over loopback, checked against the protocol reference
// (../shared/reference/mattermost-protocol.md, §8 checklist and §9 pitfalls).

#include <gtest/gtest.h>

#include <random>

#include "conformance_support.hpp"

// Comparisons of parsed JSON with expected strings (ids come as string_views).
namespace boost::json {
inline bool operator==(const value& v, std::string_view text) {
  return v.is_string() && v.get_string() == text;
}
inline bool operator==(const value& v, const std::string& text) {
  return v == std::string_view(text);
}
inline bool operator==(const value& v, const char* text) {
  return v == std::string_view(text);
}
}  // namespace boost::json

using namespace mmsim_test;
using mmclaw::test::WebSocketTestClient;

namespace {

json::value parse(const std::string& text) {
  return json::parse(text);
}

// Reads the next event (skipping nothing): the frame parsed.
json::object next_frame(WebSocketTestClient& ws, std::chrono::milliseconds timeout = 3s) {
  auto frame = ws.read(timeout);
  if (!frame) throw std::runtime_error("no frame: " + frame.error().message);
  return json::parse(*frame).as_object();
}

std::unique_ptr<WebSocketTestClient> bot_socket(const Mmsim& sim,
                                                const std::string& target = "/api/v4/websocket") {
  auto ws = std::make_unique<WebSocketTestClient>(sim.port());
  auto connected = ws->connect(target, {{"Authorization", "Bearer " + std::string(kBotToken)}});
  if (!connected) throw std::runtime_error("websocket: " + connected.error().message);
  return ws;
}

json::value post_as(const Mmsim& sim, std::string_view user, std::string_view channel,
                    std::string_view message) {
  return sim.control("/_control/post",
                     json::object{{"as", user}, {"channel_id", channel}, {"message", message}});
}

bool is_valid_id(std::string_view id) {
  return id.size() == 26 &&
         id.find_first_not_of("ybndrfg8ejkmcpqxot1uwisza345h769") == std::string_view::npos;
}

}  // namespace

TEST(MmsimConformance, RestResponsesCarryIdsVersionAndAppErrors) {
  Mmsim sim;
  auto me = sim.rest("GET", "/api/v4/users/me", kBotToken);
  EXPECT_EQ(me.status, 200u);
  EXPECT_TRUE(is_valid_id(me.header("X-Request-Id"))) << me.header("X-Request-Id");
  const std::string version = me.header("X-Version-Id");
  EXPECT_EQ(std::count(version.begin(), version.end(), '.'), 7) << version;
  EXPECT_EQ(parse(me.body).at("username"), "mmclaw");
  EXPECT_EQ(parse(me.body).at("is_bot"), true);

  const auto missing = sim.rest("GET", "/api/v4/nope", kBotToken);
  EXPECT_EQ(missing.status, 404u);
  const auto error = parse(missing.body);
  EXPECT_EQ(error.at("id"), "api.context.404.app_error");
  EXPECT_EQ(error.at("status_code"), 404);
  EXPECT_EQ(error.at("request_id"), missing.header("X-Request-Id"));

  const auto unauthorized = sim.rest("GET", "/api/v4/users/me", "not-a-token");
  EXPECT_EQ(unauthorized.status, 401u);
  EXPECT_EQ(parse(unauthorized.body).at("id"), "api.context.session_expired.app_error");
}

TEST(MmsimConformance, HelloComesBeforeTheChallengeReply) {
  Mmsim sim;
  auto ws = std::make_unique<WebSocketTestClient>(sim.port());
  ASSERT_TRUE(ws->connect("/api/v4/websocket"));
  ASSERT_TRUE(ws->write_text(R"({"seq":1,"action":"authentication_challenge","data":{"token":")" +
                             std::string(kBotToken) + "\"}}"));
  const auto hello = next_frame(*ws);
  EXPECT_EQ(hello.at("event"), "hello");
  EXPECT_EQ(hello.at("seq"), 0);
  EXPECT_TRUE(is_valid_id(hello.at("data").at("connection_id").as_string()));
  EXPECT_EQ(hello.at("broadcast").at("user_id"), kBotId);
  const auto ok = next_frame(*ws);
  EXPECT_EQ(json::serialize(ok), R"({"status":"OK","seq_reply":1})");
}

TEST(MmsimConformance, ABadChallengeTokenClosesWithoutAReply) {
  Mmsim sim;
  auto ws = std::make_unique<WebSocketTestClient>(sim.port());
  ASSERT_TRUE(ws->connect("/api/v4/websocket"));
  ASSERT_TRUE(ws->write_text(R"({"seq":1,"action":"authentication_challenge","data":{"token":"wrong"}})"));
  EXPECT_FALSE(ws->read(3s)) << "no reply, just a dropped socket";
}

TEST(MmsimConformance, UnauthenticatedSocketsAreClosedAfterTheAuthTimeout) {
  Mmsim sim({"--auth-timeout-ms", "300"});
  auto ws = std::make_unique<WebSocketTestClient>(sim.port());
  ASSERT_TRUE(ws->connect("/api/v4/websocket"));
  const auto started = std::chrono::steady_clock::now();
  EXPECT_TRUE(ws->wait_closed(5s));
  EXPECT_GE(std::chrono::steady_clock::now() - started, 250ms);
}

TEST(MmsimConformance, PostedEventsAreDoubleEncodedAndNumberedPerConnection) {
  Mmsim sim;
  auto ws = bot_socket(sim);
  EXPECT_EQ(next_frame(*ws).at("event"), "hello");
  post_as(sim, "alice", kTownSquare, "hello @mmclaw");
  const auto posted = next_frame(*ws);
  EXPECT_EQ(posted.at("event"), "posted");
  EXPECT_EQ(posted.at("seq"), 1);
  const auto& data = posted.at("data").as_object();
  ASSERT_TRUE(data.at("post").is_string()) << "data.post is JSON inside JSON";
  const auto post = json::parse(data.at("post").as_string());
  EXPECT_EQ(post.at("message"), "hello @mmclaw");
  EXPECT_EQ(post.at("user_id"), kAliceId);
  EXPECT_EQ(data.at("channel_type"), "O");
  EXPECT_EQ(data.at("sender_name"), "@alice");
  EXPECT_EQ(data.at("mentions"), "[\"" + std::string(kBotId) + "\"]");
  EXPECT_EQ(posted.at("broadcast").at("channel_id"), kTownSquare);
  post_as(sim, "alice", kTownSquare, "no mention");
  const auto second = next_frame(*ws);
  EXPECT_EQ(second.at("seq"), 2);
  EXPECT_FALSE(second.at("data").as_object().contains("mentions"));
}

TEST(MmsimConformance, ChannelEventsGoOnlyToMembersAndTheAuthorHearsItsOwnPosts) {
  Mmsim sim;
  auto ws = bot_socket(sim);
  next_frame(*ws);  // hello
  post_as(sim, "alice", kDev, "the bot is not in #dev");
  EXPECT_FALSE(ws->read(500ms)) << "a non-member receives nothing";
  auto ws2 = bot_socket(sim);  // a second connection of the same user
  next_frame(*ws2);
  const auto created =
      sim.rest("POST", "/api/v4/posts", kBotToken,
               json::serialize(json::object{{"channel_id", kTownSquare}, {"message", "from the bot"}}));
  ASSERT_EQ(created.status, 201u);
  EXPECT_EQ(parse(created.body).at("props").at("from_bot"), "true");
  for (auto* socket : {ws2.get()}) {
    const auto echo = next_frame(*socket);
    EXPECT_EQ(echo.at("event"), "posted");
    EXPECT_EQ(json::parse(echo.at("data").at("post").as_string()).at("message"), "from the bot");
  }
}

TEST(MmsimConformance, SilentClientsAreDroppedAtThePongDeadline) {
  Mmsim sim({"--ping-interval-ms", "100", "--pong-timeout-ms", "400"});
  auto silent = bot_socket(sim);
  auto alive = bot_socket(sim);
  // `alive` reads (and so answers pings) for a second; `silent` never reads.
  const auto until = std::chrono::steady_clock::now() + 1200ms;
  while (std::chrono::steady_clock::now() < until) (void)alive->ping();
  EXPECT_GT(alive->pings_received(), 3);
  EXPECT_TRUE(silent->wait_closed(3s)) << "no pong within 400 ms: the server drops the socket";
  EXPECT_TRUE(alive->ping()) << "a client that answers pings stays connected";
}

TEST(MmsimConformance, ResumeReplaysMissedEventsWithoutANewHello) {
  Mmsim sim;
  std::string connection_id;
  {
    auto ws = bot_socket(sim);
    connection_id = std::string(next_frame(*ws).at("data").at("connection_id").as_string());
    post_as(sim, "alice", kTownSquare, "seen");
    EXPECT_EQ(next_frame(*ws).at("seq"), 1);
    ASSERT_TRUE(ws->close());
  }
  post_as(sim, "alice", kTownSquare, "missed one");
  post_as(sim, "alice", kTownSquare, "missed two");
  auto resumed = bot_socket(sim, "/api/v4/websocket?connection_id=" + connection_id + "&sequence_number=2");
  const auto first = next_frame(*resumed);
  EXPECT_EQ(first.at("event"), "posted") << "no hello: the resume succeeded";
  EXPECT_EQ(first.at("seq"), 2);
  EXPECT_EQ(json::parse(first.at("data").at("post").as_string()).at("message"), "missed one");
  const auto second = next_frame(*resumed);
  EXPECT_EQ(second.at("seq"), 3);
  EXPECT_EQ(json::parse(second.at("data").at("post").as_string()).at("message"), "missed two");
}

TEST(MmsimConformance, AnExpiredResumeStartsOverWithANewHello) {
  Mmsim sim({"--resume-window-ms", "200"});
  std::string connection_id;
  {
    auto ws = bot_socket(sim);
    connection_id = std::string(next_frame(*ws).at("data").at("connection_id").as_string());
    ASSERT_TRUE(ws->close());
  }
  std::this_thread::sleep_for(600ms);
  auto again = bot_socket(sim, "/api/v4/websocket?connection_id=" + connection_id + "&sequence_number=1");
  const auto hello = next_frame(*again);
  EXPECT_EQ(hello.at("event"), "hello");
  EXPECT_EQ(hello.at("seq"), 0);
  EXPECT_NE(hello.at("data").at("connection_id"), connection_id);
}

TEST(MmsimConformance, DirectChannelsAreNamedByTheirMembersAndAnnouncedOnce) {
  Mmsim sim;
  auto ws = bot_socket(sim);
  next_frame(*ws);
  const std::string body = json::serialize(json::array{json::string(kBotId), json::string(kBobId)});
  const auto created = sim.rest("POST", "/api/v4/channels/direct", kBotToken, body);
  ASSERT_EQ(created.status, 201u);
  const auto channel = parse(created.body);
  const std::string expected_name = std::min(std::string(kBotId), std::string(kBobId)) + "__" +
                                    std::max(std::string(kBotId), std::string(kBobId));
  EXPECT_EQ(channel.at("name"), expected_name);
  EXPECT_EQ(channel.at("type"), "D");
  EXPECT_EQ(channel.at("team_id"), "");
  EXPECT_EQ(next_frame(*ws).at("event"), "direct_added");
  const auto again = sim.rest("POST", "/api/v4/channels/direct", kBotToken, body);
  EXPECT_EQ(again.status, 201u) << "201 also when the DM exists";
  EXPECT_EQ(parse(again.body).at("id"), channel.at("id"));
  EXPECT_FALSE(ws->read(400ms)) << "direct_added only on creation";
}

TEST(MmsimConformance, RateLimitingAnswers429WithPlainTextAndHeaders) {
  Mmsim sim({"--rate-limit", "--rate-limit-per-sec", "1", "--rate-limit-burst", "2"});
  mmclaw::test::HttpReply limited;
  for (int i = 0; i < 10 && limited.status != 429; ++i)
    limited = sim.rest("GET", "/api/v4/users/me", kBotToken);
  ASSERT_EQ(limited.status, 429u);
  EXPECT_EQ(limited.body, "limit exceeded\n");
  EXPECT_NE(limited.header("Content-Type").find("text/plain"), std::string::npos);
  EXPECT_FALSE(limited.header("Retry-After").empty());
  EXPECT_EQ(limited.header("X-Ratelimit-Limit"), "3");
  EXPECT_EQ(limited.header("X-Ratelimit-Remaining"), "0");
  EXPECT_FALSE(limited.header("X-Ratelimit-Reset").empty());
}

TEST(MmsimConformance, SlashCommandsCallTheIntegrationAndPostItsAnswer) {
  Mmsim sim;
  IntegrationEndpoint gateway(R"({"response_type":"in_channel","text":"status: all good"})");
  const auto command =
      sim.rest("POST", "/api/v4/commands", kAdminToken,
               json::serialize(json::object{{"team_id", kTeam},
                                            {"trigger", "oc_status"},
                                            {"method", "P"},
                                            {"url", gateway.url("/api/channels/mattermost/command")},
                                            {"auto_complete", true}}));
  ASSERT_EQ(command.status, 201u) << command.body;
  const std::string token(parse(command.body).at("token").as_string());
  const auto run = sim.control(
      "/_control/act",
      json::object{{"as", "alice"},
                   {"method", "POST"},
                   {"path", "/api/v4/commands/execute"},
                   {"body", json::object{{"channel_id", kTownSquare}, {"command", "/oc_status now"}}}});
  EXPECT_EQ(run.at("status"), 200) << json::serialize(run);
  const auto calls = gateway.received();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].target, "/api/channels/mattermost/command");
  EXPECT_EQ(calls[0].authorization, "Token " + token);
  EXPECT_NE(calls[0].content_type.find("application/x-www-form-urlencoded"), std::string::npos);
  EXPECT_NE(calls[0].body.find("command=%2Foc_status"), std::string::npos) << calls[0].body;
  EXPECT_NE(calls[0].body.find("text=now"), std::string::npos) << calls[0].body;
  EXPECT_NE(calls[0].body.find("user_name=alice"), std::string::npos) << calls[0].body;
  const auto posts = sim.control("/_control/posts?channel_id=" + std::string(kTownSquare)).as_array();
  const auto& last = posts.back();
  EXPECT_EQ(last.at("message"), "status: all good");
  EXPECT_EQ(last.at("user_id"), kAliceId) << "in_channel answers are authored by the invoker";
  EXPECT_EQ(last.at("props").at("from_webhook"), "true");
}

TEST(MmsimConformance, ButtonClicksCallTheIntegrationAndApplyItsUpdate) {
  Mmsim sim;
  IntegrationEndpoint gateway(R"({"update":{"message":"approved","props":{}},"ephemeral_text":"Done."})");
  const json::object action{
      {"id", "approve"},
      {"type", "button"},
      {"name", "Approve"},
      {"integration", json::object{{"url", gateway.url("/mattermost/interactions/default")},
                                   {"context", json::object{{"action_id", "approve"}}}}}};
  const auto created = sim.rest(
      "POST", "/api/v4/posts", kBotToken,
      json::serialize(json::object{
          {"channel_id", kTownSquare},
          {"message", "Deploy?"},
          {"props",
           json::object{{"attachments", json::array{json::object{{"text", "choose"},
                                                                 {"actions", json::array{action}}}}}}}}));
  ASSERT_EQ(created.status, 201u) << created.body;
  const auto post = parse(created.body);
  EXPECT_FALSE(
      post.at("props").at("attachments").at(0).at("actions").at(0).as_object().contains("integration"))
      << "integration is stripped from every post returned";
  const std::string post_id(post.at("id").as_string());
  auto ws = bot_socket(sim);
  next_frame(*ws);
  const auto click =
      sim.control("/_control/act", json::object{{"as", "alice"},
                                                {"method", "POST"},
                                                {"path", "/api/v4/posts/" + post_id + "/actions/approve"},
                                                {"body", json::object{}}});
  EXPECT_EQ(click.at("status"), 200) << json::serialize(click);
  EXPECT_EQ(click.at("body").at("status"), "OK");
  const auto calls = gateway.received();
  ASSERT_EQ(calls.size(), 1u);
  const auto request = parse(calls[0].body);
  EXPECT_EQ(request.at("user_id"), kAliceId);
  EXPECT_EQ(request.at("user_name"), "alice");
  EXPECT_EQ(request.at("post_id"), post_id);
  EXPECT_EQ(request.at("channel_id"), kTownSquare);
  EXPECT_EQ(request.at("context").at("action_id"), "approve");
  const auto edited = next_frame(*ws);
  EXPECT_EQ(edited.at("event"), "post_edited");
  EXPECT_EQ(json::parse(edited.at("data").at("post").as_string()).at("message"), "approved");
}

TEST(MmsimConformance, FaultsCloseRefuseAndFailAsAsked) {
  Mmsim sim;
  auto ws = bot_socket(sim);
  next_frame(*ws);
  sim.control("/_control/faults", json::object{{"action", "close_sockets"}});
  EXPECT_TRUE(ws->wait_closed(3s));
  sim.control("/_control/faults", json::object{{"action", "refuse_upgrades"}, {"ms", 5000}});
  WebSocketTestClient refused(sim.port());
  const auto attempt =
      refused.connect("/api/v4/websocket", {{"Authorization", "Bearer " + std::string(kBotToken)}});
  ASSERT_FALSE(attempt);
  EXPECT_EQ(attempt.error().status, 503);
  sim.control("/_control/faults", json::object{{"action", "fail"},
                                               {"method", "PUT"},
                                               {"path", "/api/v4/posts/*/patch"},
                                               {"count", 1},
                                               {"status", 503}});
  const auto failed = sim.rest("PUT", "/api/v4/posts/" + std::string(26, 'y') + "/patch", kBotToken, "{}");
  EXPECT_EQ(failed.status, 503u);
  EXPECT_EQ(parse(failed.body).at("status_code"), 503);
  EXPECT_FALSE(failed.header("X-Version-Id").empty()) << "every response carries the version";
  EXPECT_EQ(parse(failed.body).at("request_id"), failed.header("X-Request-Id"));
}

TEST(MmsimConformance, GarbageNeverCrashesTheServer) {
  Mmsim sim;
  const std::vector<std::string> routes{"/api/v4/posts",
                                        "/api/v4/users/ids",
                                        "/api/v4/channels/direct",
                                        "/api/v4/reactions",
                                        "/api/v4/files",
                                        "/api/v4/commands",
                                        "/api/v4/commands/execute",
                                        "/api/v4/users/me/typing",
                                        "/api/v4/posts/" + std::string(26, 'x') + "/actions/a",
                                        "/_control/act",
                                        "/_control/faults",
                                        "/_control/fixture",
                                        "/api/v4/websocket"};
  std::mt19937 random(7);
  std::uniform_int_distribution<int> byte(0, 255);
  for (const auto& route : routes) {
    for (int i = 0; i < 8; ++i) {
      std::string junk;
      for (int n = 0; n < 64 * (i + 1); ++n) junk += static_cast<char>(byte(random));
      for (const char* method : {"POST", "PUT", "GET", "DELETE", "PATCH"}) {
        const auto reply =
            sim.rest(method, route, kBotToken, i % 2 == 0 ? junk : std::string("{\"channel_id\":[1,{}]"));
        EXPECT_LT(reply.status, 500u) << method << " " << route << ": " << reply.body;
      }
    }
  }
  mmclaw::test::HttpTestClient raw(sim.port());
  ASSERT_TRUE(raw.connect());
  ASSERT_TRUE(raw.send_raw("\x16\x03\x01 not http at all\r\n\r\n"));
  (void)raw.read_until_closed(2s);
  EXPECT_TRUE(sim.running());
  EXPECT_EQ(sim.control("/_control/health").at("status"), "OK");
}

TEST(MmsimConformance, TheControlApiReadsBackEditsReactionsAndFiles) {
  Mmsim sim;
  const auto created = post_as(sim, "alice", kTownSquare, "first draft");
  const std::string post_id(created.at("body").at("id").as_string());
  const auto patched =
      sim.rest("PUT", "/api/v4/posts/" + post_id + "/patch", kAliceToken, R"({"message":"second draft"})");
  ASSERT_EQ(patched.status, 200u) << patched.body;
  const auto reacted = sim.rest(
      "POST", "/api/v4/reactions", kBotToken,
      json::serialize(json::object{{"user_id", kBotId}, {"post_id", post_id}, {"emoji_name", "eyes"}}));
  ASSERT_EQ(reacted.status, 200u) << reacted.body;
  const auto uploaded = sim.control(
      "/_control/upload",
      json::object{
          {"as", "alice"}, {"channel_id", kTownSquare}, {"filename", "notes.md"}, {"content", "# notes"}});
  ASSERT_EQ(uploaded.at("status"), 201) << json::serialize(uploaded);

  const auto posts = sim.control("/_control/posts?channel_id=" + std::string(kTownSquare)).as_array();
  const auto it =
      std::find_if(posts.begin(), posts.end(), [&](const json::value& p) { return p.at("id") == post_id; });
  ASSERT_NE(it, posts.end());
  EXPECT_EQ(it->at("message"), "second draft");
  const auto& history = it->at("history").as_array();
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[0].at("cause"), "create");
  EXPECT_EQ(history[0].at("message"), "first draft");
  EXPECT_EQ(history[1].at("cause"), "patch");

  const auto reactions = sim.control("/_control/reactions?post_id=" + post_id).as_array();
  ASSERT_EQ(reactions.size(), 1u);
  EXPECT_EQ(reactions[0].at("emoji_name"), "eyes");
  EXPECT_EQ(reactions[0].at("user_id"), kBotId);

  const auto files = sim.control("/_control/files").as_array();
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].at("name"), "notes.md");
  EXPECT_EQ(files[0].at("size"), 7);
}

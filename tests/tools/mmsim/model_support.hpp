#pragma once
// Shared fixture for the mmsim model tests: a small server with fixed ids and tokens,
// deterministic generated ids and a manual clock.

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include <boost/json.hpp>

#include "mmsim/model/model.hpp"

// Test-only: compare a JSON value with a string directly in EXPECT_EQ (found by ADL).
namespace boost::json {
inline bool operator==(const value& a, std::string_view b) {
  return a.is_string() && std::string_view(a.get_string()) == b;
}
inline bool operator==(const value& a, const std::string& b) {
  return a == std::string_view(b);
}
inline bool operator==(const value& a, const char* b) {
  return b != nullptr && a == std::string_view(b);
}
inline bool operator==(const value& a, std::nullptr_t) {
  return a.is_null();
}
}  // namespace boost::json

namespace mmsim::test {

namespace json = boost::json;

inline constexpr std::int64_t kT0 = 1732190400000;  // 2024-11-21T12:00Z

// Users
inline constexpr std::string_view kAlice = "14j8umgczgrdp95w77zuxmxfu9";
inline constexpr std::string_view kBob = "ih1r84kij94nrwis97rft6rduh";
inline constexpr std::string_view kCarol = "q7tk3nd8zfbxcm5oe1ay9wrgsh";
inline constexpr std::string_view kAdmin = "a4gm8d3xq1nbwz7rjs9ke5tcfy";
inline constexpr std::string_view kBot = "wj3drgzdpnf54rxf5d8qd3dqne";
inline constexpr std::string_view kDave = "d6nxw3qzr8km1tbe5jo9ycg4fu";
// Tokens: alice and carol have login sessions; bob a personal access token; the bot its token.
inline constexpr std::string_view kAliceToken = "alicesessiontoken000000001";
inline constexpr std::string_view kAlicePat = "alicepersonaltoken00000002";
inline constexpr std::string_view kBobToken = "bobpersonalaccesstoken0003";
inline constexpr std::string_view kCarolToken = "carolsessiontoken000000004";
inline constexpr std::string_view kAdminToken = "adminsessiontoken000000005";
inline constexpr std::string_view kBotToken = "botaccesstoken000000000006";
inline constexpr std::string_view kDaveToken = "davesessiontoken0000000007";
// Teams and channels
inline constexpr std::string_view kEng = "saqjfmjqqy9mo1yj4zwed73333";
inline constexpr std::string_view kOther = "x8hw3mcq5ze1nrt9bkyo7dsg4p";
inline constexpr std::string_view kTownSquare = "g63dcrphk8idgyjgzbrpajosz6";
inline constexpr std::string_view kBuildAlerts = "889766ufjgio6kbpzjbufozksq";
inline constexpr std::string_view kOps = "r3kq9xw7mn1bczt5oefy8ja4dh";
inline constexpr std::string_view kOffTopic = "m5zc1tqh8rkx3wjo9nyb7efda6";
inline constexpr std::string_view kOtherTown = "t2bf6kmx9cq4zr1yeo8nw3dhj7";

inline const char* const kFixture = R"json({
  "teams": [
    {"id": "saqjfmjqqy9mo1yj4zwed73333", "name": "eng", "display_name": "Engineering",
     "members": ["alice", "bob", "carol", "buildbot"], "admins": ["admin"]},
    {"id": "x8hw3mcq5ze1nrt9bkyo7dsg4p", "name": "other", "display_name": "Other", "members": ["dave"]}
  ],
  "users": [
    {"id": "14j8umgczgrdp95w77zuxmxfu9", "username": "alice", "first_name": "Alice", "last_name": "Liddell",
     "tokens": ["alicesessiontoken000000001", {"token": "alicepersonaltoken00000002", "kind": "pat"}]},
    {"id": "ih1r84kij94nrwis97rft6rduh", "username": "bob",
     "tokens": [{"token": "bobpersonalaccesstoken0003", "kind": "pat"}]},
    {"id": "q7tk3nd8zfbxcm5oe1ay9wrgsh", "username": "carol", "tokens": ["carolsessiontoken000000004"]},
    {"id": "a4gm8d3xq1nbwz7rjs9ke5tcfy", "username": "admin", "roles": "system_user system_admin",
     "tokens": ["adminsessiontoken000000005"]},
    {"id": "wj3drgzdpnf54rxf5d8qd3dqne", "username": "buildbot", "is_bot": true, "bot_description": "CI",
     "tokens": ["botaccesstoken000000000006"]},
    {"id": "d6nxw3qzr8km1tbe5jo9ycg4fu", "username": "dave", "tokens": ["davesessiontoken0000000007"]}
  ],
  "channels": [
    {"id": "g63dcrphk8idgyjgzbrpajosz6", "team": "eng", "name": "town-square", "display_name": "Town Square",
     "members": ["alice", "bob", "carol", "admin"]},
    {"id": "889766ufjgio6kbpzjbufozksq", "team": "eng", "name": "build-alerts", "display_name": "Build Alerts",
     "members": ["alice", "bob", "buildbot"]},
    {"id": "r3kq9xw7mn1bczt5oefy8ja4dh", "team": "eng", "name": "ops", "display_name": "Ops", "type": "P",
     "members": ["alice", "buildbot"]},
    {"id": "m5zc1tqh8rkx3wjo9nyb7efda6", "team": "eng", "name": "off-topic", "display_name": "Off-Topic",
     "members": ["carol"]},
    {"id": "t2bf6kmx9cq4zr1yeo8nw3dhj7", "team": "other", "name": "town-square", "display_name": "Town Square",
     "members": ["dave"]}
  ]
})json";

inline ModelConfig test_config() {
  ModelConfig config;
  config.site_url = "https://chat.example.com";
  config.config_hash = "4b0e1b2c8d5f6a7e9c3d2f1a0b9c8d7e";
  return config;
}

class ModelTest : public ::testing::Test {
 protected:
  explicit ModelTest(ModelConfig config = test_config())
      : model_(std::move(config), sequential_id_generator(42)) {
    auto fixture = Model::parse_fixture_text(kFixture);
    EXPECT_TRUE(fixture.has_value());
    auto loaded = model_.load_fixture(*fixture);
    EXPECT_TRUE(loaded.has_value()) << (loaded ? "" : loaded.error().message);
  }

  // `target` may carry a query string ("/api/v4/x?a=1"); `token` empty = no Authorization.
  RestResult call(std::string method, std::string_view target, std::string body = {},
                  std::string_view token = kAliceToken, HeaderList headers = {}) {
    RestRequest request;
    request.method = std::move(method);
    const std::size_t question = target.find('?');
    request.path = std::string(target.substr(0, question));
    if (question != std::string_view::npos) request.query = std::string(target.substr(question + 1));
    if (!token.empty()) request.headers.emplace_back("authorization", "Bearer " + std::string(token));
    for (auto& header : headers) request.headers.push_back(std::move(header));
    request.body = std::move(body);
    request.remote_ip = "127.0.0.1";
    now_ += 1000;
    return model_.handle(request, now_);
  }

  RestResult get(std::string_view target, std::string_view token = kAliceToken) {
    return call("GET", target, {}, token);
  }
  RestResult post(std::string_view target, const json::value& body, std::string_view token = kAliceToken) {
    return call("POST", target, json::serialize(body), token);
  }
  RestResult put(std::string_view target, const json::value& body, std::string_view token = kAliceToken) {
    return call("PUT", target, json::serialize(body), token);
  }
  RestResult del(std::string_view target, std::string_view token = kAliceToken) {
    return call("DELETE", target, {}, token);
  }

  // Creates a post and returns its id (asserting 201).
  std::string make_post(std::string_view channel_id, std::string_view message,
                        std::string_view token = kAliceToken, std::string_view root_id = {}) {
    json::object body{{"channel_id", channel_id}, {"message", message}};
    if (!root_id.empty()) body["root_id"] = root_id;
    RestResult result = post("/api/v4/posts", body, token);
    EXPECT_EQ(result.response.status, 201) << result.response.body;
    return std::string(json::parse(result.response.body).at("id").as_string());
  }

  std::int64_t now() const { return now_; }
  void advance(std::int64_t ms) { now_ += ms; }

  Model model_;
  std::int64_t now_ = kT0 + 3'600'000;
};

inline json::value body_of(const RestResult& result) {
  return json::parse(result.response.body);
}

// Asserts an AppError answer: status, id, and the body's shape.
inline void expect_app_error(const RestResult& result, int status, std::string_view id) {
  EXPECT_EQ(result.response.status, status) << result.response.body;
  json::value body = json::parse(result.response.body);
  ASSERT_TRUE(body.is_object()) << result.response.body;
  const json::object& object = body.as_object();
  EXPECT_EQ(object.at("id").as_string(), id) << result.response.body;
  EXPECT_EQ(object.at("status_code").as_int64(), status);
  EXPECT_EQ(object.at("request_id").as_string(), result.response.header("X-Request-Id"));
  EXPECT_TRUE(object.at("message").is_string());
  EXPECT_TRUE(object.at("detailed_error").is_string());
  std::set<std::string> keys;
  for (const auto& entry : object) keys.insert(std::string(entry.key()));
  EXPECT_EQ(keys, (std::set<std::string>{"id", "message", "detailed_error", "request_id", "status_code"}));
  EXPECT_EQ(result.response.header("Content-Type"), "application/json");
}

inline std::set<std::string> keys_of(const json::object& object) {
  std::set<std::string> keys;
  for (const auto& entry : object) keys.insert(std::string(entry.key()));
  return keys;
}

// The Post key set of §0.2 (without the omitempty ones).
inline std::set<std::string> post_keys() {
  return {"id",           "create_at",  "update_at", "edit_at",         "delete_at",   "is_pinned",
          "user_id",      "channel_id", "root_id",   "original_id",     "message",     "type",
          "props",        "hashtags",   "file_ids",  "pending_post_id", "reply_count", "last_reply_at",
          "participants", "metadata"};
}

// Events named `name`.
inline std::vector<Event> events_named(const RestResult& result, std::string_view name) {
  std::vector<Event> out;
  for (const auto& event : result.events) {
    if (event.event == name) out.push_back(event);
  }
  return out;
}

// A double-encoded field of an event's data, decoded.
inline json::value decoded(const Event& event, std::string_view key) {
  return json::parse(event.data.at(key).as_string());
}

}  // namespace mmsim::test

// mmsim's raw frame injection (`POST /_control/frames`, docs/simulators.md): the real executable
// over loopback. Clients' decoders are tested with frames no real server would send, so these
// must reach the socket byte for byte, in order, and leave the event stream (seq) untouched.

#include <gtest/gtest.h>

#include <set>

#include "conformance_support.hpp"

using namespace mmsim_test;
using mmclaw::test::WebSocketTestClient;

namespace {

std::unique_ptr<WebSocketTestClient> socket_of(const Mmsim& sim, std::string_view token) {
  auto ws = std::make_unique<WebSocketTestClient>(sim.port());
  auto connected = ws->connect("/api/v4/websocket", {{"Authorization", "Bearer " + std::string(token)}});
  if (!connected) throw std::runtime_error("websocket: " + connected.error().message);
  return ws;
}

std::string next_text(WebSocketTestClient& ws) {
  auto frame = ws.read(3s);
  if (!frame) throw std::runtime_error("no frame: " + frame.error().message);
  return *frame;
}

// POST /_control/frames with any body text: the status and the parsed answer.
std::pair<unsigned, json::value> post_frames(const Mmsim& sim, std::string_view body) {
  mmclaw::test::HttpTestClient client(sim.port());
  auto reply = client.request("POST", "/_control/frames", {{"Content-Type", "application/json"}}, body);
  if (!reply) throw std::runtime_error("control call failed: " + reply.error().message);
  return {reply->status, json::parse(reply->body)};
}

}  // namespace

TEST(MmsimFrames, FramesArriveVerbatimInOrderWithoutTakingASeq) {
  Mmsim sim;
  auto bot = socket_of(sim, kBotToken);
  auto second = socket_of(sim, kBotToken);
  auto alice = socket_of(sim, kAliceToken);
  EXPECT_NE(next_text(*bot).find("\"hello\""), std::string::npos);
  EXPECT_NE(next_text(*second).find("\"hello\""), std::string::npos);
  EXPECT_NE(next_text(*alice).find("\"hello\""), std::string::npos);

  const std::vector<std::string> frames{"not json at all", "[1,2,3]",
                                        R"({"event":"posted","data":{},"broadcast":{},"seq":99})", ""};
  json::array list;
  for (const auto& f : frames) list.emplace_back(f);
  const auto sent = sim.control("/_control/frames", json::object{{"user", "@mmclaw"}, {"frames", list}});
  EXPECT_EQ(json::serialize(sent), R"({"sent":2})") << "both of the bot's sockets, not alice's";
  for (auto* ws : {bot.get(), second.get()})
    for (const auto& expected : frames) EXPECT_EQ(next_text(*ws), expected);

  // The next real event still has seq 1: the injected frames consumed none.
  sim.control("/_control/post",
              json::object{{"as", "alice"}, {"channel_id", kTownSquare}, {"message", "hi"}});
  const auto posted = json::parse(next_text(*bot));
  EXPECT_EQ(posted.at("event").as_string(), "posted");
  EXPECT_EQ(posted.at("seq").as_int64(), 1);
  const auto alice_posted = json::parse(next_text(*alice));
  EXPECT_EQ(alice_posted.at("event").as_string(), "posted") << "alice got no injected frame first";

  // Each socket shows its own number, so a client's reconnect is visible.
  std::set<std::int64_t> sockets;
  const auto connections = sim.control("/_control/connections");
  for (const auto& c : connections.as_array()) {
    ASSERT_TRUE(c.at("socket").is_int64() || c.at("socket").is_uint64()) << json::serialize(c);
    sockets.insert(c.at("socket").to_number<std::int64_t>());
    EXPECT_TRUE(c.as_object().contains("queue_depth"));
  }
  EXPECT_EQ(sockets.size(), 3u);

  // A user without sockets, by id: nothing to send to, not an error.
  const auto none = sim.control("/_control/frames",
                                json::object{{"user", kBobId}, {"frames", json::array{json::string("x")}}});
  EXPECT_EQ(json::serialize(none), R"({"sent":0})");
}

TEST(MmsimFrames, BadBodiesAreRefusedWithAReason) {
  Mmsim sim;
  const auto expect_400 = [&](std::string_view body, std::string_view reason) {
    const auto [status, answer] = post_frames(sim, body);
    EXPECT_EQ(status, 400u) << body;
    ASSERT_TRUE(answer.is_object() && answer.as_object().contains("error")) << json::serialize(answer);
    EXPECT_NE(std::string(answer.at("error").as_string()).find(reason), std::string::npos)
        << body << " -> " << json::serialize(answer);
  };
  expect_400(R"({"user":"mmclaw","frames":"not a list"})", "frames must be an array");
  expect_400(R"({"user":"mmclaw"})", "frames must be an array");
  expect_400(R"({"user":"mmclaw","frames":["ok",{"x":1}]})", "frames[1] is not a string");
  expect_400(R"({"user":"nobody","frames":["x"]})", "unknown user \"nobody\"");
  expect_400(R"({"frames":["x"]})", "user must be");
  expect_400(R"(["x"])", "JSON object");

  json::array many;
  for (int i = 0; i < 1001; ++i) many.emplace_back("{}");
  expect_400(json::serialize(json::object{{"user", "mmclaw"}, {"frames", many}}), "at most 1000 frames");
  many.pop_back();
  const auto [status, answer] =
      post_frames(sim, json::serialize(json::object{{"user", "mmclaw"}, {"frames", many}}));
  EXPECT_EQ(status, 200u) << "1000 frames are allowed: " << json::serialize(answer);
}

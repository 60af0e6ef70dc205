// The building blocks: Go-compatible JSON, client frame decoding, ids, the dead queue.

#include "hub_test_support.hpp"
#include "mmsim/hub/dead_queue.hpp"
#include "mmsim/hub/ids.hpp"
#include "mmsim/hub/request.hpp"
#include "mmsim/hub/wire.hpp"

namespace mmsim::test {
namespace {

TEST(HubWire, StringsAreEscapedLikeGo) {
  EXPECT_EQ(wire::go_json(json::value("a<b>&c\u2028\u2029\"\\\n")),
            R"("a\u003cb\u003e\u0026c\u2028\u2029\"\\\n")");
}

TEST(HubWire, MapKeysAreSortedAtTheTopLevelOnly) {
  json::object o;
  o["zeta"] = 1;
  o["alpha"] = json::object{{"z", 1}, {"a", 2}};
  o["Beta"] = "x";
  EXPECT_EQ(wire::go_map_json(o), R"({"Beta":"x","alpha":{"z":1,"a":2},"zeta":1})");
}

TEST(HubWire, BroadcastKeepsRoutingFieldsAndOnlyTrueFlags) {
  Broadcast b;
  EXPECT_EQ(wire::broadcast_json(b), R"({"omit_users":null,"user_id":"","channel_id":"","team_id":"",)"
                                     R"("connection_id":"","omit_connection_id":""})");
  b.omit_users = {"u2", "u1"};
  b.contains_sensitive_data = true;
  EXPECT_EQ(
      wire::broadcast_json(b),
      R"({"omit_users":{"u1":true,"u2":true},"user_id":"","channel_id":"","team_id":"","connection_id":"",)"
      R"("omit_connection_id":"","contains_sensitive_data":true})");
}

TEST(HubWire, EventFormsAndReplies) {
  wire::EventParts parts{R"("e")", R"({"k":1})", "{}"};
  EXPECT_EQ(wire::precomputed_text(parts, 3),
            R"({"event": "e", "data": {"k":1}, "broadcast": {}, "seq": 3})");
  EXPECT_EQ(wire::encoded_text(parts, 3),
            "{\"event\":\"e\",\"data\":{\"k\":1},\"broadcast\":{},\"seq\":3}\n");
  EXPECT_EQ(wire::ok_reply(0, {}), "{\"status\":\"OK\"}\n");
  EXPECT_EQ(wire::fail_reply(2, wire::AppError{"x.y", "<m>", 0}),
            "{\"status\":\"FAIL\",\"seq_reply\":2,\"error\":{\"id\":\"x.y\",\"message\":\"\\u003cm\\u003e\","
            "\"detailed_error\":\"\"}}\n");
}

TEST(HubRequest, DecodesTheRequestFields) {
  auto r = decode_request(R"({"seq":5,"action":"user_typing","data":{"channel_id":"c"}})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->seq, 5);
  EXPECT_EQ(r->action, "user_typing");
  ASSERT_TRUE(r->data);
  EXPECT_EQ(r->data->at("channel_id"), json::value("c"));

  auto n = decode_request(R"({"seq":null,"action":null,"data":null})");
  ASSERT_TRUE(n);
  EXPECT_EQ(n->seq, 0);
  EXPECT_EQ(n->action, "");
  EXPECT_FALSE(n->data);

  EXPECT_TRUE(decode_request("{\"action\":\"\xff\xfe\"}"));  // invalid UTF-8 is not an error in Go
  EXPECT_FALSE(decode_request(R"({"seq":true})"));
  EXPECT_FALSE(decode_request(R"({"seq":-1.0})"));
}

TEST(HubIds, EncodingAndValidation) {
  std::array<std::uint8_t, 16> zeros{};
  EXPECT_EQ(encode_id(zeros), std::string(26, 'y'));
  std::array<std::uint8_t, 16> ones{};
  ones.fill(0xff);
  EXPECT_EQ(encode_id(ones), std::string(25, '9') + "h");
  auto generate = random_id_generator();
  const std::string a = generate();
  EXPECT_TRUE(is_valid_id(a));
  EXPECT_NE(a, generate());
  EXPECT_TRUE(a.find_first_not_of("ybndrfg8ejkmcpqxot1uwisza345h769") == std::string::npos);
  EXPECT_TRUE(is_valid_id("ABCDEFGHIJKLMNOPQRSTUVWXY9"));
  EXPECT_FALSE(is_valid_id("abcdefghijklmnopqrstuvwxy"));
  EXPECT_FALSE(is_valid_id("abcdefghijklmnopqrstuvwxy_"));
}

TEST(HubDeadQueue, KeepsTheNewestAndDetectsLoss) {
  DeadQueue q(3);
  EXPECT_FALSE(q.has_loss(7));  // nothing written: nothing lost
  for (int seq = 0; seq < 5; ++seq) q.push(seq, std::to_string(seq));
  EXPECT_EQ(q.size(), 3u);
  EXPECT_EQ(q.at(0).seq, 2);
  EXPECT_EQ(q.find(3), std::optional<std::size_t>(1));
  EXPECT_FALSE(q.find(1));
  EXPECT_FALSE(q.has_loss(5));
  EXPECT_TRUE(q.has_loss(4));
  EXPECT_TRUE(q.has_loss(6));
  q.clear();
  EXPECT_EQ(q.size(), 0u);
}

}  // namespace
}  // namespace mmsim::test

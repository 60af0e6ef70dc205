// Ids, DM/GM naming and the Go-compatible text helpers.

#include <gtest/gtest.h>

#include <array>
#include <set>

#include "mmsim/model/ids.hpp"
#include "mmsim/model/integrations.hpp"
#include "mmsim/model/state.hpp"
#include "mmsim/model/text.hpp"

namespace mmsim {
namespace {

TEST(ModelIds, EncodesSixteenBytesLikeNewId) {
  std::array<std::uint8_t, 16> bytes{};
  for (std::size_t i = 0; i < 16; ++i) bytes[i] = static_cast<std::uint8_t>(i);
  EXPECT_EQ(encode_id(bytes), "yyyoryarywdyqnyjbefoadeqbh");
  bytes.fill(0xff);
  EXPECT_EQ(encode_id(bytes), "9999999999999999999999999h");
}

TEST(ModelIds, RandomIdsUseTheAlphabetAndAreUnique) {
  IdGenerator generator = random_id_generator();
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    const std::string id = generator();
    ASSERT_EQ(id.size(), 26u);
    for (char c : id) ASSERT_NE(kIdAlphabet.find(c), std::string_view::npos) << id;
    EXPECT_TRUE(is_valid_id(id));
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 200u);
}

TEST(ModelIds, SequentialGeneratorIsDeterministic) {
  IdGenerator a = sequential_id_generator(7);
  IdGenerator b = sequential_id_generator(7);
  const std::string first = a();
  EXPECT_EQ(first, b());
  EXPECT_NE(first, a());
  EXPECT_NE(sequential_id_generator(8)(), first);
  EXPECT_TRUE(is_valid_id(first));
}

TEST(ModelIds, ValidityIsLengthAndAlphanumerics) {
  EXPECT_TRUE(is_valid_id("14j8umgczgrdp95w77zuxmxfu9"));
  EXPECT_TRUE(is_valid_id("ABCDEFGHIJKLMNOPQRSTUVWXYZ"));
  EXPECT_FALSE(is_valid_id("14j8umgczgrdp95w77zuxmxfu"));
  EXPECT_FALSE(is_valid_id("14j8umgczgrdp95w77zuxmxfu90"));
  EXPECT_FALSE(is_valid_id("14j8umgczgrdp95w77zuxmxf-9"));
  EXPECT_FALSE(is_valid_id(""));
}

TEST(ModelNaming, DirectChannelNameIsMinThenMax) {
  EXPECT_EQ(direct_channel_name("wj3drgzdpnf54rxf5d8qd3dqne", "14j8umgczgrdp95w77zuxmxfu9"),
            "14j8umgczgrdp95w77zuxmxfu9__wj3drgzdpnf54rxf5d8qd3dqne");
  EXPECT_EQ(direct_channel_name("14j8umgczgrdp95w77zuxmxfu9", "wj3drgzdpnf54rxf5d8qd3dqne"),
            "14j8umgczgrdp95w77zuxmxfu9__wj3drgzdpnf54rxf5d8qd3dqne");
  EXPECT_EQ(direct_channel_name("14j8umgczgrdp95w77zuxmxfu9", "14j8umgczgrdp95w77zuxmxfu9"),
            "14j8umgczgrdp95w77zuxmxfu9__14j8umgczgrdp95w77zuxmxfu9");
}

TEST(ModelNaming, GroupChannelNameIsSha1OfSortedIds) {
  // The reference's example: alice + bob + bot.
  EXPECT_EQ(group_channel_name(
                {"wj3drgzdpnf54rxf5d8qd3dqne", "14j8umgczgrdp95w77zuxmxfu9", "ih1r84kij94nrwis97rft6rduh"}),
            "f4d6e2ee196f57ae46544c092fc3141e60a5d838");
}

TEST(ModelText, RuneCountCountsCodePoints) {
  EXPECT_EQ(rune_count(""), 0u);
  EXPECT_EQ(rune_count("abc"), 3u);
  EXPECT_EQ(rune_count("\xc3\xa9t\xc3\xa9"), 3u);         // été
  EXPECT_EQ(rune_count("\xf0\x9f\x98\x80"), 1u);          // one emoji, 4 bytes
  EXPECT_EQ(rune_count("\xe6\x97\xa5\xe6\x9c\xac"), 2u);  // 日本
  EXPECT_EQ(rune_count("\xff\xfe"), 2u);                  // invalid bytes count one each
}

TEST(ModelText, QueryParsingDecodesLikeGo) {
  EXPECT_EQ(query_param("a=1&b=x+y%21&a=2", "a"), "1");
  EXPECT_EQ(query_param("a=1&b=x+y%21", "b"), "x y!");
  EXPECT_EQ(query_param("flag&x=", "flag"), "");
  EXPECT_TRUE(has_query_param("flag&x=", "flag"));
  EXPECT_FALSE(has_query_param("flag&x=", "y"));
  EXPECT_EQ(query_param("bad=%zz", "bad"), "%zz");
}

TEST(ModelText, FormEncodingSortsKeysAndEscapesLikeQueryEscape) {
  EXPECT_EQ(encode_form({{"text", "prod now!"}, {"command", "/deploy"}, {"a", "x~y.z-_"}}),
            "a=x~y.z-_&command=%2Fdeploy&text=prod+now%21");
  EXPECT_EQ(encode_form({{"m", "2"}, {"m", "1"}}), "m=2&m=1");
}

TEST(ModelText, GoBoolAndIntParsing) {
  for (const char* yes : {"1", "t", "T", "true", "TRUE", "True"}) EXPECT_EQ(parse_go_bool(yes), true) << yes;
  for (const char* no : {"0", "f", "F", "false", "FALSE", "False"}) EXPECT_EQ(parse_go_bool(no), false) << no;
  EXPECT_FALSE(parse_go_bool("yes").has_value());
  EXPECT_EQ(parse_go_int("42"), 42);
  EXPECT_EQ(parse_go_int("-7"), -7);
  EXPECT_EQ(parse_go_int("+7"), 7);
  EXPECT_FALSE(parse_go_int("4x").has_value());
  EXPECT_FALSE(parse_go_int("").has_value());
  EXPECT_FALSE(parse_go_int("+-1").has_value());
  EXPECT_FALSE(parse_go_int("99999999999999999999").has_value());
}

TEST(ModelText, Sha1AndBase64) {
  EXPECT_EQ(sha1_hex("abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
}

TEST(ModelText, HashtagsAndMentions) {
  EXPECT_EQ(parse_hashtags("deploy #prod and #hot-fix. #1no #a"), "#prod #hot-fix");
  EXPECT_EQ(at_mentions("@Alice, ping @bob.x and mail a@b.c @here"),
            (std::vector<std::string>{"alice", "bob.x", "here"}));
  EXPECT_TRUE(at_mentions("no mentions @").empty());
}

TEST(ModelText, SlackMarkupBecomesMarkdown) {
  State state(ModelConfig{}, sequential_id_generator(1));
  User alice;
  alice.id = "14j8umgczgrdp95w77zuxmxfu9";
  alice.username = "alice";
  state.users.emplace(alice.id, alice);
  EXPECT_EQ(
      slack_to_markdown(
          state, "see <https://x.io/a|the docs> or <https://x.io>, <!channel> <@14j8umgczgrdp95w77zuxmxfu9>"),
      "see [the docs](https://x.io/a) or https://x.io, @channel @alice");
  EXPECT_EQ(slack_to_markdown(state, "a < b > c"), "a < b > c");
}

}  // namespace
}  // namespace mmsim

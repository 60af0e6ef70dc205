#include "mattermost/events.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

using namespace mmclaw::mattermost;
using Ids = std::vector<std::string>;

namespace {

// The example frames of mattermost-protocol.md §2, byte for byte.
constexpr std::string_view kHello =
    R"json({"event":"hello","data":{"connection_id":"o87yi4tenx8kodmcuup1hmtsbo","server_hostname":"mm-app-1","server_version":"10.5.0.10.5.0.4b0e1b2c8d5f6a7e9c3d2f1a0b9c8d7e.false"},"broadcast":{"omit_users":null,"user_id":"wj3drgzdpnf54rxf5d8qd3dqne","channel_id":"","team_id":"","connection_id":"","omit_connection_id":""},"seq":0})json";
constexpr std::string_view kPostedPublic =
    R"json({"event":"posted","data":{"channel_display_name":"Build Alerts","channel_name":"build-alerts","channel_type":"O","mentions":"[\"wj3drgzdpnf54rxf5d8qd3dqne\"]","post":"{\"id\":\"sjebyge5cpbop1xwo4eds74ejb\",\"create_at\":1732190400123,\"update_at\":1732190400123,\"edit_at\":0,\"delete_at\":0,\"is_pinned\":false,\"user_id\":\"14j8umgczgrdp95w77zuxmxfu9\",\"channel_id\":\"889766ufjgio6kbpzjbufozksq\",\"root_id\":\"\",\"original_id\":\"\",\"message\":\"@buildbot status\",\"type\":\"\",\"props\":{},\"hashtags\":\"\",\"file_ids\":[],\"pending_post_id\":\"14j8umgczgrdp95w77zuxmxfu9:1732190400000\",\"reply_count\":0,\"last_reply_at\":0,\"participants\":null,\"metadata\":{}}","sender_name":"@alice","set_online":true,"team_id":"saqjfmjqqy9mo1yj4zwed73333"},"broadcast":{"omit_users":null,"user_id":"","channel_id":"889766ufjgio6kbpzjbufozksq","team_id":"","connection_id":"","omit_connection_id":""},"seq":3})json";
constexpr std::string_view kPostedDm =
    R"json({"event":"posted","data":{"channel_display_name":"@alice","channel_name":"14j8umgczgrdp95w77zuxmxfu9__wj3drgzdpnf54rxf5d8qd3dqne","channel_type":"D","mentions":"[\"wj3drgzdpnf54rxf5d8qd3dqne\"]","post":"{\"id\":\"hmyjmj68dw6gdxctnghbrhwcth\",\"create_at\":1732190460000,\"update_at\":1732190460000,\"edit_at\":0,\"delete_at\":0,\"is_pinned\":false,\"user_id\":\"14j8umgczgrdp95w77zuxmxfu9\",\"channel_id\":\"iqcx3qc9sbbt6ocshszfqgq6ci\",\"root_id\":\"\",\"original_id\":\"\",\"message\":\"deploy prod\",\"type\":\"\",\"props\":{},\"hashtags\":\"\",\"file_ids\":[],\"pending_post_id\":\"\",\"reply_count\":0,\"last_reply_at\":0,\"participants\":null,\"metadata\":{}}","sender_name":"@alice","set_online":true,"team_id":""},"broadcast":{"omit_users":null,"user_id":"","channel_id":"iqcx3qc9sbbt6ocshszfqgq6ci","team_id":"","connection_id":"","omit_connection_id":""},"seq":4})json";
constexpr std::string_view kPostedEcho =
    R"json({"event":"posted","data":{"channel_display_name":"Build Alerts","channel_name":"build-alerts","channel_type":"O","post":"{\"id\":\"6xoche483hwrx5rpu8jzjoe7qg\",\"create_at\":1732190401000,\"update_at\":1732190401000,\"edit_at\":0,\"delete_at\":0,\"is_pinned\":false,\"user_id\":\"wj3drgzdpnf54rxf5d8qd3dqne\",\"channel_id\":\"889766ufjgio6kbpzjbufozksq\",\"root_id\":\"sjebyge5cpbop1xwo4eds74ejb\",\"original_id\":\"\",\"message\":\"all green\",\"type\":\"\",\"props\":{\"from_bot\":\"true\"},\"hashtags\":\"\",\"file_ids\":[],\"pending_post_id\":\"\",\"reply_count\":1,\"last_reply_at\":0,\"participants\":null,\"metadata\":{}}","sender_name":"@buildbot","set_online":true,"team_id":"saqjfmjqqy9mo1yj4zwed73333"},"broadcast":{"omit_users":null,"user_id":"","channel_id":"889766ufjgio6kbpzjbufozksq","team_id":"","connection_id":"","omit_connection_id":""},"seq":5})json";
constexpr std::string_view kPostEdited =
    R"json({"event":"post_edited","data":{"post":"{\"id\":\"sjebyge5cpbop1xwo4eds74ejb\",\"create_at\":1732190400123,\"update_at\":1732190520000,\"edit_at\":1732190520000,\"delete_at\":0,\"is_pinned\":false,\"user_id\":\"14j8umgczgrdp95w77zuxmxfu9\",\"channel_id\":\"889766ufjgio6kbpzjbufozksq\",\"root_id\":\"\",\"original_id\":\"\",\"message\":\"@buildbot status please\",\"type\":\"\",\"props\":{},\"hashtags\":\"\",\"file_ids\":[],\"pending_post_id\":\"\",\"reply_count\":1,\"last_reply_at\":1732190401000,\"participants\":null,\"metadata\":{}}"},"broadcast":{"omit_users":null,"user_id":"","channel_id":"889766ufjgio6kbpzjbufozksq","team_id":"","connection_id":"","omit_connection_id":""},"seq":6})json";
constexpr std::string_view kPostDeleted =
    R"json({"event":"post_deleted","data":{"post":"{\"id\":\"hmyjmj68dw6gdxctnghbrhwcth\",\"create_at\":1732190460000,\"update_at\":1732190460000,\"edit_at\":0,\"delete_at\":0,\"is_pinned\":false,\"user_id\":\"14j8umgczgrdp95w77zuxmxfu9\",\"channel_id\":\"889766ufjgio6kbpzjbufozksq\",\"root_id\":\"\",\"original_id\":\"\",\"message\":\"oops\",\"type\":\"\",\"props\":{},\"hashtags\":\"\",\"file_ids\":[],\"pending_post_id\":\"\",\"reply_count\":0,\"last_reply_at\":0,\"participants\":null}"},"broadcast":{"omit_users":null,"user_id":"","channel_id":"889766ufjgio6kbpzjbufozksq","team_id":"","connection_id":"","omit_connection_id":"","contains_sanitized_data":true},"seq":7})json";
constexpr std::string_view kReactionAdded =
    R"json({"event":"reaction_added","data":{"reaction":"{\"user_id\":\"14j8umgczgrdp95w77zuxmxfu9\",\"post_id\":\"6xoche483hwrx5rpu8jzjoe7qg\",\"emoji_name\":\"+1\",\"create_at\":1732190600000,\"update_at\":1732190600000,\"delete_at\":0,\"remote_id\":\"\",\"channel_id\":\"889766ufjgio6kbpzjbufozksq\"}"},"broadcast":{"omit_users":null,"user_id":"","channel_id":"889766ufjgio6kbpzjbufozksq","team_id":"","connection_id":"","omit_connection_id":""},"seq":8})json";
constexpr std::string_view kReactionRemoved =
    R"json({"event":"reaction_removed","data":{"reaction":"{\"user_id\":\"14j8umgczgrdp95w77zuxmxfu9\",\"post_id\":\"6xoche483hwrx5rpu8jzjoe7qg\",\"emoji_name\":\"+1\",\"create_at\":1732190600000,\"update_at\":1732190660000,\"delete_at\":1732190660000,\"remote_id\":\"\",\"channel_id\":\"889766ufjgio6kbpzjbufozksq\"}"},"broadcast":{"omit_users":null,"user_id":"","channel_id":"889766ufjgio6kbpzjbufozksq","team_id":"","connection_id":"","omit_connection_id":""},"seq":9})json";
constexpr std::string_view kTyping =
    R"json({"event":"typing","data":{"parent_id":"","user_id":"14j8umgczgrdp95w77zuxmxfu9"},"broadcast":{"omit_users":{"14j8umgczgrdp95w77zuxmxfu9":true},"user_id":"","channel_id":"889766ufjgio6kbpzjbufozksq","team_id":"","connection_id":"","omit_connection_id":""},"seq":10})json";
constexpr std::string_view kChannelViewed =
    R"json({"event":"channel_viewed","data":{"channel_id":"889766ufjgio6kbpzjbufozksq"},"broadcast":{"omit_users":null,"user_id":"wj3drgzdpnf54rxf5d8qd3dqne","channel_id":"","team_id":"","connection_id":"","omit_connection_id":""},"seq":11})json";
constexpr std::string_view kMultipleChannelsViewed =
    R"json({"event":"multiple_channels_viewed","data":{"channel_times":{"889766ufjgio6kbpzjbufozksq":1732190700000}},"broadcast":{"omit_users":null,"user_id":"wj3drgzdpnf54rxf5d8qd3dqne","channel_id":"","team_id":"","connection_id":"","omit_connection_id":""},"seq":11})json";
constexpr std::string_view kUserAdded =
    R"json({"event":"user_added","data":{"team_id":"saqjfmjqqy9mo1yj4zwed73333","user_id":"wj3drgzdpnf54rxf5d8qd3dqne"},"broadcast":{"omit_users":null,"user_id":"","channel_id":"889766ufjgio6kbpzjbufozksq","team_id":"","connection_id":"","omit_connection_id":""},"seq":12})json";
constexpr std::string_view kUserRemovedForMembers =
    R"json({"event":"user_removed","data":{"remover_id":"14j8umgczgrdp95w77zuxmxfu9","user_id":"wj3drgzdpnf54rxf5d8qd3dqne"},"broadcast":{"omit_users":null,"user_id":"","channel_id":"889766ufjgio6kbpzjbufozksq","team_id":"","connection_id":"","omit_connection_id":""},"seq":13})json";
constexpr std::string_view kUserRemovedForRemoved =
    R"json({"event":"user_removed","data":{"channel_id":"889766ufjgio6kbpzjbufozksq","remover_id":"14j8umgczgrdp95w77zuxmxfu9"},"broadcast":{"omit_users":null,"user_id":"wj3drgzdpnf54rxf5d8qd3dqne","channel_id":"","team_id":"","connection_id":"","omit_connection_id":""},"seq":14})json";
constexpr std::string_view kDirectAdded =
    R"json({"event":"direct_added","data":{"creator_id":"14j8umgczgrdp95w77zuxmxfu9","teammate_id":"wj3drgzdpnf54rxf5d8qd3dqne"},"broadcast":{"omit_users":null,"user_id":"","channel_id":"iqcx3qc9sbbt6ocshszfqgq6ci","team_id":"","connection_id":"","omit_connection_id":""},"seq":15})json";
constexpr std::string_view kGroupAdded =
    R"json({"event":"group_added","data":{"teammate_ids":"[\"14j8umgczgrdp95w77zuxmxfu9\",\"ih1r84kij94nrwis97rft6rduh\",\"wj3drgzdpnf54rxf5d8qd3dqne\"]"},"broadcast":{"omit_users":null,"user_id":"","channel_id":"p6y6sf8ac6m5if373fkkebj7j6","team_id":"","connection_id":"","omit_connection_id":""},"seq":16})json";
constexpr std::string_view kStatusChange =
    R"json({"event":"status_change","data":{"status":"online","user_id":"wj3drgzdpnf54rxf5d8qd3dqne"},"broadcast":{"omit_users":null,"user_id":"wj3drgzdpnf54rxf5d8qd3dqne","channel_id":"","team_id":"","connection_id":"","omit_connection_id":""},"seq":1})json";

constexpr std::string_view kAuthOk = R"json({"status":"OK","seq_reply":1})json";
constexpr std::string_view kAuthFail =
    R"json({"status":"FAIL","seq_reply":2,"error":{"id":"api.web_socket_router.bad_seq.app_error","message":"Invalid sequence for WebSocket message.","detailed_error":"","request_id":"ab3ncgmz4bd1zx8gpjbt3h8jcw","status_code":400}})json";

constexpr std::string_view kAlice = "14j8umgczgrdp95w77zuxmxfu9";
constexpr std::string_view kBot = "wj3drgzdpnf54rxf5d8qd3dqne";
constexpr std::string_view kChannel = "889766ufjgio6kbpzjbufozksq";
constexpr std::string_view kTeam = "saqjfmjqqy9mo1yj4zwed73333";

std::string describe(const DecodeResult& result) {
  std::string text(event_name(result));
  if (const auto* bad = std::get_if<Malformed>(&result)) {
    text += " ";
    text += bad->reason_code();
    text += ": " + bad->detail;
  }
  return text;
}

// `text` with the first `from` replaced by `to`; fails the test when `from` is not there.
std::string replaced(std::string_view text, std::string_view from, std::string_view to) {
  std::string out(text);
  const auto at = out.find(from);
  if (at == std::string::npos) {
    ADD_FAILURE() << "test frame does not contain " << from;
    return out;
  }
  out.replace(at, from.size(), to);
  return out;
}

Malformed expect_malformed(std::string_view frame, std::string_view code) {
  const DecodeResult result = decode_frame(frame);
  const auto* bad = std::get_if<Malformed>(&result);
  if (bad == nullptr) {
    ADD_FAILURE() << "expected Malformed(" << code << "), got " << describe(result);
    return {};
  }
  EXPECT_EQ(bad->reason_code(), code) << bad->detail;
  EXPECT_FALSE(bad->detail.empty());
  EXPECT_LE(bad->detail.size(), Malformed::kMaxDetailChars);
  return *bad;
}

const Broadcast kChannelBroadcast = [] {
  Broadcast b;
  b.channel_id = std::string(kChannel);
  return b;
}();

}  // namespace

TEST(DecodeFrame, Hello) {
  const DecodeResult result = decode_frame(kHello);
  const auto* hello = std::get_if<Hello>(&result);
  ASSERT_NE(hello, nullptr) << describe(result);
  EXPECT_EQ(hello->connection_id, "o87yi4tenx8kodmcuup1hmtsbo");
  EXPECT_EQ(hello->server_version, "10.5.0.10.5.0.4b0e1b2c8d5f6a7e9c3d2f1a0b9c8d7e.false");
  EXPECT_EQ(hello->server_hostname, "mm-app-1");
  EXPECT_EQ(hello->seq, std::optional<std::int64_t>(0));
  Broadcast expected;
  expected.user_id = std::string(kBot);
  EXPECT_EQ(hello->broadcast, expected);
  EXPECT_EQ(event_name(result), "hello");
  EXPECT_EQ(event_seq(result), std::optional<std::int64_t>(0));
}

TEST(DecodeFrame, PostedInAPublicChannel) {
  const DecodeResult result = decode_frame(kPostedPublic);
  const auto* e = std::get_if<PostedEvent>(&result);
  ASSERT_NE(e, nullptr) << describe(result);
  Post expected;
  expected.id = "sjebyge5cpbop1xwo4eds74ejb";
  expected.create_at = 1732190400123;
  expected.update_at = 1732190400123;
  expected.user_id = std::string(kAlice);
  expected.channel_id = std::string(kChannel);
  expected.message = "@buildbot status";
  expected.pending_post_id = "14j8umgczgrdp95w77zuxmxfu9:1732190400000";
  EXPECT_EQ(e->post, expected);
  EXPECT_EQ(e->channel_id_source, ChannelIdSource::post);
  EXPECT_EQ(e->channel_type, ChannelType::open);
  EXPECT_EQ(e->channel_type_code, "O");
  EXPECT_EQ(e->channel_name, "build-alerts");
  EXPECT_EQ(e->channel_display_name, "Build Alerts");
  EXPECT_EQ(e->sender_name, "@alice");
  EXPECT_EQ(e->team_id, kTeam);
  EXPECT_EQ(e->mentions, Ids{std::string(kBot)});
  EXPECT_TRUE(e->followers.empty());
  EXPECT_FALSE(e->has_files);
  EXPECT_TRUE(e->set_online);
  EXPECT_EQ(e->seq, std::optional<std::int64_t>(3));
  EXPECT_EQ(e->broadcast, kChannelBroadcast);
  EXPECT_EQ(event_name(result), "posted");
  EXPECT_EQ(event_seq(result), std::optional<std::int64_t>(3));
}

TEST(DecodeFrame, PostedInADirectMessage) {
  const DecodeResult result = decode_frame(kPostedDm);
  const auto* e = std::get_if<PostedEvent>(&result);
  ASSERT_NE(e, nullptr) << describe(result);
  Post expected;
  expected.id = "hmyjmj68dw6gdxctnghbrhwcth";
  expected.create_at = 1732190460000;
  expected.update_at = 1732190460000;
  expected.user_id = std::string(kAlice);
  expected.channel_id = "iqcx3qc9sbbt6ocshszfqgq6ci";
  expected.message = "deploy prod";
  EXPECT_EQ(e->post, expected);
  EXPECT_EQ(e->channel_type, ChannelType::direct);
  EXPECT_EQ(e->channel_name, "14j8umgczgrdp95w77zuxmxfu9__wj3drgzdpnf54rxf5d8qd3dqne");
  EXPECT_EQ(e->channel_display_name, "@alice");
  EXPECT_EQ(e->sender_name, "@alice");
  EXPECT_EQ(e->team_id, "");
  EXPECT_EQ(e->mentions, Ids{std::string(kBot)});
  EXPECT_EQ(e->seq, std::optional<std::int64_t>(4));
  EXPECT_EQ(e->broadcast.channel_id, "iqcx3qc9sbbt6ocshszfqgq6ci");
}

TEST(DecodeFrame, PostedEchoOfTheBotsOwnThreadedReply) {
  const DecodeResult result = decode_frame(kPostedEcho);
  const auto* e = std::get_if<PostedEvent>(&result);
  ASSERT_NE(e, nullptr) << describe(result);
  Post expected;
  expected.id = "6xoche483hwrx5rpu8jzjoe7qg";
  expected.create_at = 1732190401000;
  expected.update_at = 1732190401000;
  expected.user_id = std::string(kBot);
  expected.channel_id = std::string(kChannel);
  expected.root_id = "sjebyge5cpbop1xwo4eds74ejb";
  expected.message = "all green";
  expected.props["from_bot"] = "true";
  expected.reply_count = 1;
  EXPECT_EQ(e->post, expected);
  EXPECT_EQ(e->sender_name, "@buildbot");
  EXPECT_TRUE(e->mentions.empty());
  EXPECT_EQ(e->team_id, kTeam);
  EXPECT_EQ(e->seq, std::optional<std::int64_t>(5));
}

TEST(DecodeFrame, PostEdited) {
  const DecodeResult result = decode_frame(kPostEdited);
  const auto* e = std::get_if<PostEdited>(&result);
  ASSERT_NE(e, nullptr) << describe(result);
  Post expected;
  expected.id = "sjebyge5cpbop1xwo4eds74ejb";
  expected.create_at = 1732190400123;
  expected.update_at = 1732190520000;
  expected.edit_at = 1732190520000;
  expected.user_id = std::string(kAlice);
  expected.channel_id = std::string(kChannel);
  expected.message = "@buildbot status please";
  expected.reply_count = 1;
  EXPECT_EQ(e->post, expected);
  EXPECT_EQ(e->seq, std::optional<std::int64_t>(6));
  EXPECT_EQ(e->broadcast, kChannelBroadcast);
  EXPECT_EQ(event_name(result), "post_edited");
}

TEST(DecodeFrame, PostDeletedSanitizedCopy) {
  const DecodeResult result = decode_frame(kPostDeleted);
  const auto* e = std::get_if<PostDeleted>(&result);
  ASSERT_NE(e, nullptr) << describe(result);
  EXPECT_EQ(e->post.id, "hmyjmj68dw6gdxctnghbrhwcth");
  EXPECT_EQ(e->post.create_at, 1732190460000);
  EXPECT_EQ(e->post.delete_at, 0);
  EXPECT_EQ(e->post.user_id, kAlice);
  EXPECT_EQ(e->post.channel_id, kChannel);
  EXPECT_EQ(e->post.message, "oops");
  EXPECT_EQ(e->delete_by, "");
  EXPECT_EQ(e->seq, std::optional<std::int64_t>(7));
  Broadcast expected = kChannelBroadcast;
  expected.contains_sanitized_data = true;
  EXPECT_EQ(e->broadcast, expected);
  EXPECT_EQ(event_name(result), "post_deleted");

  // The admin copy names who deleted it.
  const std::string admin = replaced(kPostDeleted, R"(\"participants\":null}")",
                                     R"(\"participants\":null}","delete_by":"14j8umgczgrdp95w77zuxmxfu9")");
  const DecodeResult admin_result =
      decode_frame(replaced(admin, R"("contains_sanitized_data":true)", R"("contains_sensitive_data":true)"));
  const auto* a = std::get_if<PostDeleted>(&admin_result);
  ASSERT_NE(a, nullptr) << describe(admin_result);
  EXPECT_EQ(a->delete_by, kAlice);
  EXPECT_TRUE(a->broadcast.contains_sensitive_data);
  EXPECT_FALSE(a->broadcast.contains_sanitized_data);
}

TEST(DecodeFrame, ReactionAddedAndRemoved) {
  DecodeResult result = decode_frame(kReactionAdded);
  const auto* added = std::get_if<ReactionEvent>(&result);
  ASSERT_NE(added, nullptr) << describe(result);
  EXPECT_TRUE(added->added);
  EXPECT_EQ(added->user_id, kAlice);
  EXPECT_EQ(added->post_id, "6xoche483hwrx5rpu8jzjoe7qg");
  EXPECT_EQ(added->emoji_name, "+1");
  EXPECT_EQ(added->channel_id, kChannel);
  EXPECT_EQ(added->create_at, 1732190600000);
  EXPECT_EQ(added->seq, std::optional<std::int64_t>(8));
  EXPECT_EQ(added->broadcast, kChannelBroadcast);
  EXPECT_EQ(event_name(result), "reaction_added");

  result = decode_frame(kReactionRemoved);
  const auto* removed = std::get_if<ReactionEvent>(&result);
  ASSERT_NE(removed, nullptr) << describe(result);
  EXPECT_FALSE(removed->added);
  EXPECT_EQ(removed->user_id, kAlice);
  EXPECT_EQ(removed->post_id, "6xoche483hwrx5rpu8jzjoe7qg");
  EXPECT_EQ(removed->emoji_name, "+1");
  EXPECT_EQ(removed->channel_id, kChannel);
  EXPECT_EQ(removed->create_at, 1732190600000);
  EXPECT_EQ(removed->seq, std::optional<std::int64_t>(9));
  EXPECT_EQ(event_name(result), "reaction_removed");
}

TEST(DecodeFrame, Typing) {
  const DecodeResult result = decode_frame(kTyping);
  const auto* e = std::get_if<Typing>(&result);
  ASSERT_NE(e, nullptr) << describe(result);
  EXPECT_EQ(e->user_id, kAlice);
  EXPECT_EQ(e->parent_id, "");
  EXPECT_EQ(e->channel_id, kChannel);
  EXPECT_EQ(e->seq, std::optional<std::int64_t>(10));
  EXPECT_EQ(e->broadcast.omit_users, Ids{std::string(kAlice)});
  EXPECT_EQ(event_name(result), "typing");
}

TEST(DecodeFrame, ChannelViewedAndItsNewerForm) {
  DecodeResult result = decode_frame(kChannelViewed);
  const auto* e = std::get_if<ChannelViewed>(&result);
  ASSERT_NE(e, nullptr) << describe(result);
  EXPECT_EQ(e->channel_id, kChannel);
  EXPECT_EQ(e->seq, std::optional<std::int64_t>(11));
  EXPECT_EQ(e->broadcast.user_id, kBot);
  EXPECT_EQ(event_name(result), "channel_viewed");

  result = decode_frame(kMultipleChannelsViewed);
  const auto* other = std::get_if<OtherEvent>(&result);
  ASSERT_NE(other, nullptr) << describe(result);
  EXPECT_EQ(other->name, "multiple_channels_viewed");
  EXPECT_EQ(other->seq, std::optional<std::int64_t>(11));
  EXPECT_EQ(other->broadcast.user_id, kBot);
  EXPECT_EQ(event_name(result), "multiple_channels_viewed");
}

TEST(DecodeFrame, UserAdded) {
  const DecodeResult result = decode_frame(kUserAdded);
  const auto* e = std::get_if<UserAdded>(&result);
  ASSERT_NE(e, nullptr) << describe(result);
  EXPECT_EQ(e->user_id, kBot);
  EXPECT_EQ(e->team_id, kTeam);
  EXPECT_EQ(e->channel_id, kChannel);
  EXPECT_EQ(e->seq, std::optional<std::int64_t>(12));
}

TEST(DecodeFrame, UserRemovedBothCopies) {
  DecodeResult result = decode_frame(kUserRemovedForMembers);
  const auto* members = std::get_if<UserRemoved>(&result);
  ASSERT_NE(members, nullptr) << describe(result);
  EXPECT_EQ(members->user_id, kBot);
  EXPECT_EQ(members->channel_id, kChannel);
  EXPECT_EQ(members->remover_id, kAlice);
  EXPECT_FALSE(members->to_removed_user);
  EXPECT_EQ(members->seq, std::optional<std::int64_t>(13));

  result = decode_frame(kUserRemovedForRemoved);
  const auto* removed = std::get_if<UserRemoved>(&result);
  ASSERT_NE(removed, nullptr) << describe(result);
  EXPECT_EQ(removed->user_id, kBot);
  EXPECT_EQ(removed->channel_id, kChannel);
  EXPECT_EQ(removed->remover_id, kAlice);
  EXPECT_TRUE(removed->to_removed_user);
  EXPECT_EQ(removed->seq, std::optional<std::int64_t>(14));
}

TEST(DecodeFrame, DirectAdded) {
  const DecodeResult result = decode_frame(kDirectAdded);
  const auto* e = std::get_if<DirectAdded>(&result);
  ASSERT_NE(e, nullptr) << describe(result);
  EXPECT_EQ(e->creator_id, kAlice);
  EXPECT_EQ(e->teammate_id, kBot);
  EXPECT_EQ(e->channel_id, "iqcx3qc9sbbt6ocshszfqgq6ci");
  EXPECT_EQ(e->seq, std::optional<std::int64_t>(15));
}

TEST(DecodeFrame, GroupAdded) {
  const DecodeResult result = decode_frame(kGroupAdded);
  const auto* e = std::get_if<GroupAdded>(&result);
  ASSERT_NE(e, nullptr) << describe(result);
  EXPECT_EQ(e->teammate_ids, (Ids{std::string(kAlice), "ih1r84kij94nrwis97rft6rduh", std::string(kBot)}));
  EXPECT_EQ(e->channel_id, "p6y6sf8ac6m5if373fkkebj7j6");
  EXPECT_EQ(e->seq, std::optional<std::int64_t>(16));
}

TEST(DecodeFrame, StatusChange) {
  const DecodeResult result = decode_frame(kStatusChange);
  const auto* e = std::get_if<StatusChange>(&result);
  ASSERT_NE(e, nullptr) << describe(result);
  EXPECT_EQ(e->user_id, kBot);
  EXPECT_EQ(e->status, "online");
  EXPECT_EQ(e->seq, std::optional<std::int64_t>(1));
  EXPECT_EQ(e->broadcast.user_id, kBot);
}

TEST(DecodeFrame, AuthenticationReplies) {
  DecodeResult result = decode_frame(kAuthOk);
  const auto* ok = std::get_if<Reply>(&result);
  ASSERT_NE(ok, nullptr) << describe(result);
  EXPECT_TRUE(ok->ok);
  EXPECT_EQ(ok->seq_reply, std::optional<std::int64_t>(1));
  EXPECT_TRUE(ok->data.empty());
  EXPECT_EQ(ok->error_id, "");
  EXPECT_EQ(event_name(result), "reply");
  EXPECT_EQ(event_seq(result), std::nullopt);

  result = decode_frame(kAuthFail);
  const auto* fail = std::get_if<Reply>(&result);
  ASSERT_NE(fail, nullptr) << describe(result);
  EXPECT_FALSE(fail->ok);
  EXPECT_EQ(fail->seq_reply, std::optional<std::int64_t>(2));
  EXPECT_EQ(fail->error_id, "api.web_socket_router.bad_seq.app_error");
  EXPECT_EQ(fail->error_message, "Invalid sequence for WebSocket message.");
  EXPECT_EQ(fail->error_status_code, 400);

  result = decode_frame(
      R"({"status":"OK","seq_reply":3,"data":{"text":"pong","version":"10.5.0","server_time":1}})");
  const auto* pong = std::get_if<Reply>(&result);
  ASSERT_NE(pong, nullptr) << describe(result);
  EXPECT_EQ(pong->data.at("text"), "pong");
  EXPECT_EQ(pong->data.at("version"), "10.5.0");
}

TEST(DecodeFrame, PrecomputedJsonSpacingAndTrailingNewline) {
  std::string spaced =
      replaced(kPostedPublic, R"({"event":"posted","data":{)", R"({"event": "posted", "data": {)");
  spaced =
      replaced(spaced, R"(},"broadcast":{"omit_users":null,)", R"(}, "broadcast": {"omit_users": null, )");
  spaced = replaced(spaced, R"(},"seq":3})", "}, \"seq\": 3}\n");
  const DecodeResult spaced_result = decode_frame(spaced);
  const DecodeResult compact_result = decode_frame(std::string(kPostedPublic) + "\n");
  const auto* a = std::get_if<PostedEvent>(&spaced_result);
  const auto* b = std::get_if<PostedEvent>(&compact_result);
  ASSERT_NE(a, nullptr) << describe(spaced_result);
  ASSERT_NE(b, nullptr) << describe(compact_result);
  EXPECT_EQ(a->post, b->post);
  EXPECT_EQ(a->seq, std::optional<std::int64_t>(3));
  EXPECT_EQ(a->broadcast, kChannelBroadcast);
  EXPECT_EQ(a->mentions, b->mentions);
  EXPECT_EQ(a->channel_name, "build-alerts");
  const DecodeResult crlf = decode_frame(std::string(kHello) + "\r\n");
  EXPECT_TRUE(std::holds_alternative<Hello>(crlf)) << describe(crlf);
}

TEST(DecodeFrame, PostAndReactionMayBeObjectsInsteadOfStrings) {
  // Re-encode data.post and data.reaction as nested objects.
  auto frame = boost::json::parse(kPostedEcho).as_object();
  auto& data = frame["data"].as_object();
  data["post"] = boost::json::parse(data["post"].as_string());
  const DecodeResult result = decode_frame(boost::json::serialize(frame));
  const DecodeResult reference = decode_frame(kPostedEcho);
  const auto* e = std::get_if<PostedEvent>(&result);
  ASSERT_NE(e, nullptr) << describe(result);
  EXPECT_EQ(e->post, std::get<PostedEvent>(reference).post);
  EXPECT_EQ(e->post.props.at("from_bot"), "true");

  auto reaction = boost::json::parse(kReactionAdded).as_object();
  auto& reaction_data = reaction["data"].as_object();
  reaction_data["reaction"] = boost::json::parse(reaction_data["reaction"].as_string());
  const DecodeResult r = decode_frame(boost::json::serialize(reaction));
  const auto* re = std::get_if<ReactionEvent>(&r);
  ASSERT_NE(re, nullptr) << describe(r);
  EXPECT_EQ(re->emoji_name, "+1");
  EXPECT_EQ(re->post_id, "6xoche483hwrx5rpu8jzjoe7qg");

  // mentions and teammate_ids as plain arrays.
  const DecodeResult m =
      decode_frame(replaced(kPostedPublic, R"("mentions":"[\"wj3drgzdpnf54rxf5d8qd3dqne\"]")",
                            R"("mentions":["wj3drgzdpnf54rxf5d8qd3dqne","x"])"));
  ASSERT_TRUE(std::holds_alternative<PostedEvent>(m)) << describe(m);
  EXPECT_EQ(std::get<PostedEvent>(m).mentions, (Ids{std::string(kBot), "x"}));
}

TEST(DecodeFrame, PostedChannelIdFallsBackToDataThenBroadcast) {
  const std::string no_post_channel =
      replaced(kPostedPublic, R"(\"channel_id\":\"889766ufjgio6kbpzjbufozksq\")", R"(\"channel_id\":\"\")");

  // post.channel_id blank, data.channel_id set: data wins over broadcast.
  const std::string with_data = replaced(no_post_channel, R"("channel_type":"O",)",
                                         R"("channel_type":"O","channel_id":"datachannel0000000000000000",)");
  DecodeResult result = decode_frame(with_data);
  ASSERT_TRUE(std::holds_alternative<PostedEvent>(result)) << describe(result);
  EXPECT_EQ(std::get<PostedEvent>(result).post.channel_id, "datachannel0000000000000000");
  EXPECT_EQ(std::get<PostedEvent>(result).channel_id_source, ChannelIdSource::data);

  // post.channel_id blank, no data.channel_id: broadcast.channel_id.
  result = decode_frame(no_post_channel);
  ASSERT_TRUE(std::holds_alternative<PostedEvent>(result)) << describe(result);
  EXPECT_EQ(std::get<PostedEvent>(result).post.channel_id, kChannel);
  EXPECT_EQ(std::get<PostedEvent>(result).channel_id_source, ChannelIdSource::broadcast);

  // post.channel_id set: it wins even when data and broadcast name other channels.
  result = decode_frame(replaced(kPostedPublic, R"("channel_type":"O",)",
                                 R"("channel_type":"O","channel_id":"datachannel0000000000000000",)"));
  ASSERT_TRUE(std::holds_alternative<PostedEvent>(result)) << describe(result);
  EXPECT_EQ(std::get<PostedEvent>(result).post.channel_id, kChannel);
  EXPECT_EQ(std::get<PostedEvent>(result).channel_id_source, ChannelIdSource::post);

  // None anywhere.
  const auto bad =
      expect_malformed(replaced(no_post_channel, R"("channel_id":"889766ufjgio6kbpzjbufozksq","team_id")",
                                R"("channel_id":"","team_id")"),
                       "missing_channel_id");
  EXPECT_EQ(bad.event, "posted");
  EXPECT_EQ(bad.seq, std::optional<std::int64_t>(3));

  // Same rule for edits.
  result = decode_frame(
      replaced(kPostEdited, R"(\"channel_id\":\"889766ufjgio6kbpzjbufozksq\")", R"(\"channel_id\":\"\")"));
  ASSERT_TRUE(std::holds_alternative<PostEdited>(result)) << describe(result);
  EXPECT_EQ(std::get<PostEdited>(result).post.channel_id, kChannel);
  EXPECT_EQ(std::get<PostEdited>(result).channel_id_source, ChannelIdSource::broadcast);
}

TEST(DecodeFrame, BroadcastUserIsNeverTheAuthor) {
  const std::string frame = replaced(
      replaced(kPostedPublic, R"(\"user_id\":\"14j8umgczgrdp95w77zuxmxfu9\")", R"(\"user_id\":\"\")"),
      R"("omit_users":null,"user_id":"")", R"("omit_users":null,"user_id":"14j8umgczgrdp95w77zuxmxfu9")");
  const auto bad = expect_malformed(frame, "missing_user_id");
  EXPECT_EQ(bad.event, "posted");
}

TEST(DecodeFrame, ReactionChannelIdFallsBackToDataThenReaction) {
  const std::string no_broadcast_channel =
      replaced(kReactionAdded, R"("user_id":"","channel_id":"889766ufjgio6kbpzjbufozksq")",
               R"("user_id":"","channel_id":"")");
  // reaction.channel_id only.
  DecodeResult result = decode_frame(no_broadcast_channel);
  ASSERT_TRUE(std::holds_alternative<ReactionEvent>(result)) << describe(result);
  EXPECT_EQ(std::get<ReactionEvent>(result).channel_id, kChannel);
  // data.channel_id beats reaction.channel_id.
  result = decode_frame(replaced(no_broadcast_channel, R"({"reaction":)",
                                 R"({"channel_id":"datachannel0000000000000000","reaction":)"));
  ASSERT_TRUE(std::holds_alternative<ReactionEvent>(result)) << describe(result);
  EXPECT_EQ(std::get<ReactionEvent>(result).channel_id, "datachannel0000000000000000");
  // broadcast.channel_id beats both.
  result = decode_frame(replaced(kReactionAdded, R"({"reaction":)",
                                 R"({"channel_id":"datachannel0000000000000000","reaction":)"));
  ASSERT_TRUE(std::holds_alternative<ReactionEvent>(result)) << describe(result);
  EXPECT_EQ(std::get<ReactionEvent>(result).channel_id, kChannel);
  // None.
  expect_malformed(replaced(no_broadcast_channel, R"(\"channel_id\":\"889766ufjgio6kbpzjbufozksq\")",
                            R"(\"channel_id\":\"\")"),
                   "missing_channel_id");
}

TEST(DecodeFrame, UnknownChannelTypeIsKeptRaw) {
  const DecodeResult result =
      decode_frame(replaced(kPostedPublic, R"("channel_type":"O")", R"("channel_type":"X")"));
  ASSERT_TRUE(std::holds_alternative<PostedEvent>(result)) << describe(result);
  EXPECT_EQ(std::get<PostedEvent>(result).channel_type, std::nullopt);
  EXPECT_EQ(std::get<PostedEvent>(result).channel_type_code, "X");
  EXPECT_EQ(channel_type_from_code(" p "), ChannelType::private_team);
  EXPECT_EQ(channel_type_from_code("G"), ChannelType::group);
  EXPECT_EQ(channel_type_from_code(""), std::nullopt);
  EXPECT_EQ(channel_type_code(ChannelType::direct), "D");
}

TEST(DecodeFrame, FilesAreFlagged) {
  DecodeResult result = decode_frame(
      replaced(kPostedPublic, R"("sender_name":"@alice")", R"("image":"true","sender_name":"@alice")"));
  ASSERT_TRUE(std::holds_alternative<PostedEvent>(result)) << describe(result);
  EXPECT_TRUE(std::get<PostedEvent>(result).has_files);
  result = decode_frame(
      replaced(kPostedPublic, R"("sender_name":"@alice")", R"("otherFile":"true","sender_name":"@alice")"));
  ASSERT_TRUE(std::holds_alternative<PostedEvent>(result)) << describe(result);
  EXPECT_TRUE(std::get<PostedEvent>(result).has_files);
  result = decode_frame(replaced(kPostedPublic, R"(\"file_ids\":[])", R"(\"file_ids\":[\"f1\",\"f2\"])"));
  ASSERT_TRUE(std::holds_alternative<PostedEvent>(result)) << describe(result);
  EXPECT_TRUE(std::get<PostedEvent>(result).has_files);
  EXPECT_EQ(std::get<PostedEvent>(result).post.file_ids, (Ids{"f1", "f2"}));
}

TEST(DecodeFrame, NullFieldsKeepTheirDefaults) {
  const DecodeResult result =
      decode_frame(replaced(replaced(kPostedPublic, R"(\"props\":{})", R"(\"props\":null)"),
                            R"(\"file_ids\":[])", R"(\"file_ids\":null)"));
  ASSERT_TRUE(std::holds_alternative<PostedEvent>(result)) << describe(result);
  EXPECT_TRUE(std::get<PostedEvent>(result).post.props.empty());
  EXPECT_TRUE(std::get<PostedEvent>(result).post.file_ids.empty());
  const DecodeResult no_seq = decode_frame(R"({"event":"hello","data":{"connection_id":"c"}})");
  ASSERT_TRUE(std::holds_alternative<Hello>(no_seq)) << describe(no_seq);
  EXPECT_EQ(std::get<Hello>(no_seq).seq, std::nullopt);
}

TEST(DecodeFrame, MalformedEnvelopes) {
  expect_malformed("", "not_json");
  expect_malformed("{", "not_json");
  expect_malformed("hello", "not_json");
  expect_malformed(std::string(kHello) + "x", "not_json");
  expect_malformed("[1,2]", "not_object");
  expect_malformed("42", "not_object");
  expect_malformed(R"("posted")", "not_object");
  expect_malformed("{}", "no_event");
  expect_malformed(R"({"data":{},"seq":1})", "no_event");
  expect_malformed(R"({"event":"","seq":1})", "bad_event_name");
  expect_malformed(R"({"event":7,"seq":1})", "bad_field_type");
  expect_malformed(R"({"status":"MAYBE","seq_reply":1})", "bad_status");
  expect_malformed(R"({"status":1})", "bad_field_type");
  expect_malformed(R"({"status":"OK","seq_reply":"1"})", "bad_field_type");
  expect_malformed(R"({"status":"FAIL","error":{"id":5}})", "bad_field_type");
  const auto seq = expect_malformed(R"({"event":"typing","seq":"10"})", "bad_field_type");
  EXPECT_EQ(seq.detail, "envelope.seq: expected int64, got string");
  EXPECT_EQ(seq.event, "typing");
  EXPECT_EQ(seq.seq, std::nullopt);
  expect_malformed(R"({"event":"typing","seq":1.5})", "bad_field_type");
  expect_malformed(R"({"event":"typing","seq":18446744073709551615})", "bad_field_type");
  const auto broadcast = expect_malformed(R"({"event":"typing","broadcast":[],"seq":10})", "bad_field_type");
  EXPECT_EQ(broadcast.seq, std::optional<std::int64_t>(10));
  expect_malformed(R"({"event":"typing","broadcast":{"omit_users":[]},"seq":10})", "bad_field_type");
  expect_malformed(R"({"event":"typing","data":"x","seq":10})", "bad_field_type");
  expect_malformed(R"({"event":"typing","data":{"user_id":3},"seq":10})", "bad_field_type");
  expect_malformed(R"({"event":"hello","data":{"connection_id":[]},"seq":0})", "bad_field_type");
}

TEST(DecodeFrame, MalformedPosts) {
  expect_malformed(R"({"event":"posted","data":{},"seq":3})", "missing_post");
  expect_malformed(R"({"event":"posted","data":{"post":null},"seq":3})", "missing_post");
  expect_malformed(R"({"event":"posted","data":{"post":"{\"id\":"},"seq":3})", "bad_post_json");
  expect_malformed(R"({"event":"posted","data":{"post":"[1]"},"seq":3})", "bad_post_json");
  expect_malformed(R"({"event":"post_edited","data":{"post":""},"seq":3})", "bad_post_json");
  expect_malformed(R"({"event":"posted","data":{"post":12},"seq":3})", "bad_field_type");
  const auto id =
      expect_malformed(replaced(kPostedPublic, R"(\"id\":\"sjebyge5cpbop1xwo4eds74ejb\")", R"(\"id\":\" \")"),
                       "missing_post_id");
  EXPECT_EQ(id.detail, "post.id is blank");
  EXPECT_EQ(id.seq, std::optional<std::int64_t>(3));
  expect_malformed(replaced(kPostDeleted, R"(\"id\":\"hmyjmj68dw6gdxctnghbrhwcth\",)", ""),
                   "missing_post_id");
  expect_malformed(replaced(kPostedDm, R"(\"user_id\":\"14j8umgczgrdp95w77zuxmxfu9\",)", ""),
                   "missing_user_id");
  const auto type = expect_malformed(
      replaced(kPostedPublic, R"(\"create_at\":1732190400123)", R"(\"create_at\":\"1732190400123\")"),
      "bad_field_type");
  EXPECT_EQ(type.detail, "post.create_at: expected int64, got string");
  expect_malformed(replaced(kPostedPublic, R"(\"props\":{})", R"(\"props\":[])"), "bad_field_type");
  expect_malformed(replaced(kPostedPublic, R"(\"file_ids\":[])", R"(\"file_ids\":[1])"), "bad_field_type");
  expect_malformed(replaced(kPostedPublic, R"(\"is_pinned\":false)", R"(\"is_pinned\":0)"), "bad_field_type");
  expect_malformed(replaced(kPostedPublic, R"("channel_type":"O")", R"("channel_type":1)"), "bad_field_type");
  expect_malformed(replaced(kPostedPublic, R"("set_online":true)", R"("set_online":"yes")"),
                   "bad_field_type");
  expect_malformed(
      replaced(kPostedPublic, R"("mentions":"[\"wj3drgzdpnf54rxf5d8qd3dqne\"]")", R"("mentions":"[\"")"),
      "bad_mentions_json");
  expect_malformed(
      replaced(kPostedPublic, R"("mentions":"[\"wj3drgzdpnf54rxf5d8qd3dqne\"]")", R"("mentions":"[1]")"),
      "bad_mentions_json");
  expect_malformed(replaced(kPostedPublic, R"("mentions":"[\"wj3drgzdpnf54rxf5d8qd3dqne\"]")",
                            R"("mentions":"[\"a\"]","followers":"{}")"),
                   "bad_followers_json");
  expect_malformed(replaced(kGroupAdded, R"("teammate_ids":"[)", R"("teammate_ids":"[[)"),
                   "bad_teammate_ids_json");
}

TEST(DecodeFrame, MalformedReactions) {
  expect_malformed(R"({"event":"reaction_added","data":{},"seq":8})", "missing_reaction");
  expect_malformed(R"({"event":"reaction_added","data":{"reaction":"{"},"seq":8})", "bad_reaction_json");
  expect_malformed(R"({"event":"reaction_removed","data":{"reaction":"\"x\""},"seq":8})",
                   "bad_reaction_json");
  expect_malformed(
      replaced(kReactionAdded, R"(\"user_id\":\"14j8umgczgrdp95w77zuxmxfu9\")", R"(\"user_id\":\"\")"),
      "missing_user_id");
  expect_malformed(
      replaced(kReactionAdded, R"(\"post_id\":\"6xoche483hwrx5rpu8jzjoe7qg\")", R"(\"post_id\":null)"),
      "missing_post_id");
  expect_malformed(replaced(kReactionAdded, R"(\"emoji_name\":\"+1\")", R"(\"emoji_name\":\"\")"),
                   "missing_emoji_name");
  expect_malformed(replaced(kReactionAdded, R"(\"create_at\":1732190600000)", R"(\"create_at\":true)"),
                   "bad_field_type");
}

TEST(DecodeFrame, SizeLimit) {
  DecodeResult result = decode_frame(kPostedPublic, kPostedPublic.size() - 1);
  ASSERT_TRUE(std::holds_alternative<Malformed>(result));
  EXPECT_EQ(std::get<Malformed>(result).reason_code(), "too_large");
  result = decode_frame(kPostedPublic, kPostedPublic.size());
  EXPECT_TRUE(std::holds_alternative<PostedEvent>(result)) << describe(result);
  EXPECT_EQ(kMaxFrameBytes, 16u * 1024 * 1024);
  std::string huge(kMaxFrameBytes + 1, ' ');
  result = decode_frame(huge);
  ASSERT_TRUE(std::holds_alternative<Malformed>(result));
  EXPECT_EQ(std::get<Malformed>(result).reason_code(), "too_large");
}

TEST(DecodeFrame, DetailsNeverCarryFrameContent) {
  constexpr std::string_view kSecret = "hunter2-SECRET-token";
  const std::string secret_post =
      replaced(replaced(kPostedPublic, "@buildbot status", kSecret),
               R"(\"user_id\":\"14j8umgczgrdp95w77zuxmxfu9\")", R"(\"user_id\":\"\")");
  const std::vector<std::string> frames = {
      secret_post,
      std::string(kSecret),
      "{\"event\":\"posted\",\"data\":{\"post\":\"{\\\"message\\\":\\\"" + std::string(kSecret) +
          "\"},\"seq\":1}",
      "{\"event\":\"" + std::string(kSecret) + std::string(500, 'x') + "\",\"seq\":\"s\"}",
      "{\"" + std::string(kSecret) + "\":1}",
  };
  for (const auto& frame : frames) {
    const DecodeResult result = decode_frame(frame);
    const auto* bad = std::get_if<Malformed>(&result);
    ASSERT_NE(bad, nullptr) << describe(result);
    EXPECT_EQ(bad->detail.find(kSecret), std::string::npos) << bad->detail;
    EXPECT_LE(bad->detail.size(), Malformed::kMaxDetailChars);
    EXPECT_LE(bad->event.size(), 64u);
  }
}

TEST(DecodeFrame, EventNamesForLogs) {
  EXPECT_EQ(event_name(decode_frame(R"({"event":"thread_updated","seq":4})")), "thread_updated");
  EXPECT_EQ(event_name(decode_frame("nope")), "malformed");
  EXPECT_EQ(event_seq(decode_frame(R"({"event":"thread_updated","seq":4})")), std::optional<std::int64_t>(4));
  const DecodeResult bad = decode_frame(R"({"event":"posted","data":{},"seq":9})");
  EXPECT_EQ(event_seq(bad), std::optional<std::int64_t>(9));
  EXPECT_EQ(event_name(bad), "malformed");
}

// Deterministic mutations of the valid frames: the decoder must never crash or throw, every
// result must be a value with a bounded, printable detail, and unmutated frames must still decode.
TEST(DecodeFrame, SurvivesMutatedFrames) {
  const std::vector<std::string_view> seeds = {kHello,
                                               kPostedPublic,
                                               kPostedDm,
                                               kPostedEcho,
                                               kPostEdited,
                                               kPostDeleted,
                                               kReactionAdded,
                                               kReactionRemoved,
                                               kTyping,
                                               kChannelViewed,
                                               kMultipleChannelsViewed,
                                               kUserAdded,
                                               kUserRemovedForMembers,
                                               kUserRemovedForRemoved,
                                               kDirectAdded,
                                               kGroupAdded,
                                               kStatusChange,
                                               kAuthOk,
                                               kAuthFail};
  constexpr std::string_view kInteresting = "{}[]\":,\\ 0123456789-eE.tfn\x01\xff";
  std::mt19937 rng(20241121);  // fixed seed: the same mutations on every run
  int malformed = 0;
  int decoded = 0;
  constexpr int kIterations = 4000;
  for (int i = 0; i < kIterations; ++i) {
    std::string frame(seeds[static_cast<std::size_t>(i) % seeds.size()]);
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < edits && !frame.empty(); ++k) {
      const std::size_t at = rng() % frame.size();
      switch (rng() % 6) {
        case 0: frame[at] = kInteresting[rng() % kInteresting.size()]; break;
        case 1: frame.erase(at, 1 + rng() % 16); break;
        case 2: frame.insert(at, 1, kInteresting[rng() % kInteresting.size()]); break;
        case 3: frame.resize(at); break;
        case 4: frame.insert(at, frame.substr(rng() % frame.size(), 1 + rng() % 32)); break;
        default: frame[at] = static_cast<char>(rng() % 256); break;
      }
    }
    const DecodeResult result = decode_frame(frame);
    EXPECT_FALSE(result.valueless_by_exception());
    EXPECT_FALSE(event_name(result).empty() && !std::holds_alternative<OtherEvent>(result));
    if (const auto* bad = std::get_if<Malformed>(&result)) {
      ++malformed;
      ASSERT_FALSE(bad->detail.empty()) << bad->reason_code();
      ASSERT_LE(bad->detail.size(), Malformed::kMaxDetailChars);
      for (const char c : bad->detail) ASSERT_TRUE(c >= 0x20 && c < 0x7f) << bad->detail;
    } else {
      ++decoded;
    }
  }
  EXPECT_EQ(malformed + decoded, kIterations);
  EXPECT_GT(malformed, kIterations / 4);  // the mutations really do break frames
  EXPECT_GT(decoded, 0);                  // and some still decode
  for (const auto seed : seeds) {
    const DecodeResult result = decode_frame(seed);
    EXPECT_FALSE(std::holds_alternative<Malformed>(result)) << describe(result);
  }
}

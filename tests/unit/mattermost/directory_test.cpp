// The directory adapter's pure part (mattermost/directory, channel-behaviour §11): entries of
// channels and users, the query filter, de-duplication, the limit, the handle rule and the JSON
// and table renderings.
#include "mattermost/directory.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

namespace mmclaw::mattermost {
namespace {

using Kind = DirectoryEntry::Kind;

constexpr std::string_view kBot = "wj3drgzdpnf54rxf5d8qd3dqne";

Channel channel(std::string id, std::string code, std::string name, std::string display_name) {
  Channel c;
  c.id = std::move(id);
  c.type = channel_type_from_code(code);
  c.type_code = std::move(code);
  c.name = std::move(name);
  c.display_name = std::move(display_name);
  return c;
}

User user(std::string id, std::string username, std::string first = {}, std::string last = {},
          std::string nickname = {}) {
  User u;
  u.id = std::move(id);
  u.username = std::move(username);
  u.first_name = std::move(first);
  u.last_name = std::move(last);
  u.nickname = std::move(nickname);
  return u;
}

TeamMember member(std::string user_id, std::int64_t delete_at = 0) {
  TeamMember m;
  m.team_id = "team";
  m.user_id = std::move(user_id);
  m.delete_at = delete_at;
  return m;
}

DirectoryEntry entry(Kind kind, std::string id, std::string name, std::string handle) {
  DirectoryEntry e;
  e.kind = kind;
  e.id = std::move(id);
  e.name = std::move(name);
  e.handle = std::move(handle);
  return e;
}

std::vector<std::string> ids_of(const std::vector<DirectoryEntry>& entries) {
  std::vector<std::string> out;
  for (const auto& e : entries) out.push_back(e.id);
  return out;
}

std::vector<Channel> sample_channels() {
  return {channel("town", "O", "town-square", "Town Square"), channel("ops", "P", "ops", "Operations"),
          channel("dm", "D", "a__b", ""), channel("gm", "G", "f00", "alice, bob"),
          channel("dev", "O", "dev", "Development")};
}

// ---- channels ------------------------------------------------------------------------------------

TEST(DirectoryChannels, PublicIsChannelPrivateIsGroupDirectAndGroupMessagesLeftOut) {
  const auto channels = sample_channels();
  EXPECT_EQ(channel_entries(channels, "", 0),
            (std::vector<DirectoryEntry>{entry(Kind::channel, "channel:town", "town-square", "Town Square"),
                                         entry(Kind::group, "channel:ops", "ops", "Operations"),
                                         entry(Kind::channel, "channel:dev", "dev", "Development")}));
}

TEST(DirectoryChannels, UnknownTypeCodeAndDeletedChannelsLeftOut) {
  auto deleted = channel("old", "O", "old", "Old");
  deleted.delete_at = 1732190400000;
  const std::vector<Channel> channels{channel("odd", "X", "odd", "Odd"), deleted,
                                      channel("ok", " p ", "ok", "OK")};
  EXPECT_EQ(ids_of(channel_entries(channels, "", 0)), (std::vector<std::string>{"channel:ok"}));
  EXPECT_FALSE(channel_entry(deleted).has_value());
  EXPECT_FALSE(channel_entry(channel("dm", "D", "a__b", "")).has_value());
}

TEST(DirectoryChannels, QueryMatchesNameOrDisplayNameCaseInsensitively) {
  const auto channels = sample_channels();
  // "town" is in the name, "SQUARE" in the display name only, "opera" in the display name only.
  EXPECT_EQ(ids_of(channel_entries(channels, "town", 0)), (std::vector<std::string>{"channel:town"}));
  EXPECT_EQ(ids_of(channel_entries(channels, "SQUARE", 0)), (std::vector<std::string>{"channel:town"}));
  EXPECT_EQ(ids_of(channel_entries(channels, "Opera", 0)), (std::vector<std::string>{"channel:ops"}));
  EXPECT_EQ(ids_of(channel_entries(channels, "  DEV ", 0)), (std::vector<std::string>{"channel:dev"}));
  EXPECT_TRUE(channel_entries(channels, "nothing", 0).empty());
  // A DM's name would match, but DMs are never listed.
  EXPECT_TRUE(channel_entries(channels, "a__b", 0).empty());
}

TEST(DirectoryChannels, EmptyOrBlankQueryMatchesEverything) {
  const auto channels = sample_channels();
  EXPECT_EQ(channel_entries(channels, "", 0).size(), 3U);
  EXPECT_EQ(channel_entries(channels, "   ", 0).size(), 3U);
}

TEST(DirectoryChannels, EachChannelOnceInTheServersOrder) {
  const std::vector<Channel> channels{channel("b", "O", "beta", "Beta"), channel("a", "O", "alpha", "Alpha"),
                                      channel("b", "O", "beta", "Beta again")};
  const auto entries = channel_entries(channels, "", 0);
  EXPECT_EQ(ids_of(entries), (std::vector<std::string>{"channel:b", "channel:a"}));
  EXPECT_EQ(entries.front().handle, "Beta");
}

TEST(DirectoryChannels, LimitBoundsTheEntriesAfterFiltering) {
  const auto channels = sample_channels();
  EXPECT_EQ(ids_of(channel_entries(channels, "", 2)),
            (std::vector<std::string>{"channel:town", "channel:ops"}));
  EXPECT_EQ(ids_of(channel_entries(channels, "", 1)), (std::vector<std::string>{"channel:town"}));
  // The limit counts matches, not channels looked at.
  EXPECT_EQ(ids_of(channel_entries(channels, "dev", 1)), (std::vector<std::string>{"channel:dev"}));
  EXPECT_EQ(channel_entries(channels, "", 100).size(), 3U);
}

// ---- users ---------------------------------------------------------------------------------------

TEST(DirectoryHandle, FirstAndLastElseNicknameElseEmpty) {
  EXPECT_EQ(user_handle(user("1", "alice", "Alice", "Liddell", "ali")), "Alice Liddell");
  EXPECT_EQ(user_handle(user("2", "carol", "Carol")), "Carol");
  EXPECT_EQ(user_handle(user("3", "dodo", "", "Bird")), "Bird");
  EXPECT_EQ(user_handle(user("4", "bob", "", "", "bobby")), "bobby");
  EXPECT_EQ(user_handle(user("5", "admin")), "");
  EXPECT_EQ(user_handle(user("6", "blank", "  ", " ", " nick ")), "nick");
}

TEST(DirectoryUsers, EntriesWithoutTheBotAndDeletedUsers) {
  auto gone = user("gone", "gone", "Gone", "Away");
  gone.delete_at = 1732190400000;
  auto other_bot = user("helper", "helper-bot");
  other_bot.is_bot = true;
  const std::vector<User> users{user("alice", "alice", "Alice", "Liddell"), user(std::string(kBot), "mmclaw"),
                                gone, other_bot, user("admin", "admin")};
  EXPECT_EQ(user_entries(users, kBot, 0),
            (std::vector<DirectoryEntry>{entry(Kind::user, "user:alice", "alice", "Alice Liddell"),
                                         entry(Kind::user, "user:helper", "helper-bot", ""),
                                         entry(Kind::user, "user:admin", "admin", "")}))
      << "other bots stay; only the bot itself is left out";
}

TEST(DirectoryUsers, EachUserOnceAndAtMostLimit) {
  const std::vector<User> users{user("a", "a"), user(std::string(kBot), "mmclaw"), user("a", "a"),
                                user("b", "b"), user("c", "c")};
  EXPECT_EQ(ids_of(user_entries(users, kBot, 0)), (std::vector<std::string>{"user:a", "user:b", "user:c"}));
  // The bot and the repeat do not use up the limit.
  EXPECT_EQ(ids_of(user_entries(users, kBot, 2)), (std::vector<std::string>{"user:a", "user:b"}));
}

TEST(DirectoryMembers, IdsToFetchSkipTheBotRemovedMembersAndIdsSeenOnEarlierPages) {
  std::vector<std::string> seen;
  const std::vector<TeamMember> first{member("a"), member(std::string(kBot)), member("b", 1732190400000),
                                      member("c")};
  EXPECT_EQ(member_ids_to_fetch(first, kBot, seen), (std::vector<std::string>{"a", "c"}));
  const std::vector<TeamMember> second{member("c"), member("d"), member("d")};
  EXPECT_EQ(member_ids_to_fetch(second, kBot, seen), (std::vector<std::string>{"d"}));
  EXPECT_TRUE(member_ids_to_fetch(std::vector<TeamMember>{}, kBot, seen).empty());
}

// ---- query ---------------------------------------------------------------------------------------

TEST(DirectoryQuery, NormalisedTrimmedLowerCase) {
  EXPECT_EQ(normalize_directory_query("  Town SQ\t"), "town sq");
  EXPECT_EQ(normalize_directory_query(" "), "");
  EXPECT_TRUE(matches_directory_query("", "anything", ""));
  EXPECT_TRUE(matches_directory_query("sq", "town-square", ""));
  EXPECT_TRUE(matches_directory_query("sq", "x", "Town SQUARE"));
  EXPECT_FALSE(matches_directory_query("sq", "town", "Town"));
}

// ---- renderings ----------------------------------------------------------------------------------

TEST(DirectoryJson, EntryHasKindIdNameHandleAsStrings) {
  const auto object = to_json(entry(Kind::group, "channel:ops", "ops", "Operations"));
  EXPECT_EQ(object,
            (boost::json::object{
                {"kind", "group"}, {"id", "channel:ops"}, {"name", "ops"}, {"handle", "Operations"}}));
  const auto no_handle = to_json(entry(Kind::user, "user:admin", "admin", ""));
  ASSERT_TRUE(no_handle.at("handle").is_string());
  EXPECT_EQ(no_handle.at("handle").get_string(), "");
  EXPECT_EQ(no_handle.at("kind").get_string(), "user");
  EXPECT_EQ(to_json(entry(Kind::channel, "channel:t", "t", "T")).at("kind").get_string(), "channel");
}

TEST(DirectoryJson, ArrayKeepsTheOrder) {
  const std::vector<DirectoryEntry> entries{entry(Kind::user, "user:b", "bob", "Bob Builder"),
                                            entry(Kind::user, "user:a", "alice", "Alice Liddell")};
  EXPECT_EQ(boost::json::serialize(to_json(entries)),
            R"([{"kind":"user","id":"user:b","name":"bob","handle":"Bob Builder"},)"
            R"({"kind":"user","id":"user:a","name":"alice","handle":"Alice Liddell"}])");
  EXPECT_EQ(boost::json::serialize(to_json(std::vector<DirectoryEntry>{})), "[]");
}

TEST(DirectoryTable, HeaderAndPaddedColumnsWithoutTrailingBlanks) {
  const std::vector<DirectoryEntry> entries{
      entry(Kind::channel, "channel:town", "town-square", "Town Square"),
      entry(Kind::user, "user:admin", "admin", "")};
  EXPECT_EQ(directory_table(entries, "no channels"),
            "KIND     ID            NAME         HANDLE\n"
            "channel  channel:town  town-square  Town Square\n"
            "user     user:admin    admin\n");
}

TEST(DirectoryTable, WidthsCountCodePoints) {
  const std::vector<DirectoryEntry> entries{entry(Kind::group, "channel:x", "caf\xC3\xA9", "Caf\xC3\xA9"),
                                            entry(Kind::group, "channel:y", "bar", "Bar")};
  EXPECT_EQ(directory_table(entries, ""),
            "KIND   ID         NAME  HANDLE\n"
            "group  channel:x  caf\xC3\xA9  Caf\xC3\xA9\n"
            "group  channel:y  bar   Bar\n");
}

TEST(DirectoryTable, EmptyPrintsTheEmptyText) {
  EXPECT_EQ(directory_table(std::vector<DirectoryEntry>{}, "no users"), "no users\n");
}

}  // namespace
}  // namespace mmclaw::mattermost

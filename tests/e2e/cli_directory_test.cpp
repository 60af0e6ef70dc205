// `mmclaw directory channels|users` end to end (channel-behaviour §11): the real mmclaw binary,
// with a config file and no gateway running, against mmsim's demo fixture on loopback. The bot is
// in town-square (O) and ops (P), not in dev; its team eng has alice, admin, bob and carol.

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "gateway_fixture.hpp"
#include "support/temp_dir.hpp"
#include "util/subprocess.hpp"

namespace {

using namespace mmclaw::e2e;

json::object entry(std::string_view kind, std::string_view id, std::string_view name,
                   std::string_view handle) {
  return json::object{{"kind", kind}, {"id", id}, {"name", name}, {"handle", handle}};
}
json::object channel_entry(std::string_view kind, std::string_view id, std::string_view name,
                           std::string_view handle) {
  return entry(kind, fmt::format("channel:{}", id), name, handle);
}
json::object user_entry(std::string_view id, std::string_view name, std::string_view handle) {
  return entry("user", fmt::format("user:{}", id), name, handle);
}

const json::object& town_square() {
  static const json::object e = channel_entry("channel", kTownSquare, "town-square", "Town Square");
  return e;
}
const json::object& ops() {
  static const json::object e = channel_entry("group", kOps, "ops", "Operations");
  return e;
}

constexpr std::string_view kAdminId = "a4gm8d3xq1nbwz7rjs9ke5tcfy";
constexpr std::string_view kCarolId = "q7tk3nd8zfbxcm5oe1ay9wrgsh";

class CliDirectoryE2e : public GatewayFixture {
 protected:
  // Writes the config (the gateway is never started).
  void SetUp() override {
    GatewayFixture::SetUp();
    gateway_ = std::make_unique<Gateway>(*sim_);
  }

  mmclaw::util::SubprocessResult cli(std::vector<std::string> args) const {
    args.insert(args.begin(), "directory");
    return run_mmclaw_command(gateway_->config_path(), std::move(args));
  }

  // `directory <args> --json`, which must succeed; its array.
  json::array listed(std::vector<std::string> args) const {
    args.emplace_back("--json");
    const auto run = cli(args);
    if (run.exit_code != 0)
      throw std::runtime_error(fmt::format("exit {}: {}", run.exit_code, run.stderr_data));
    return json::parse(run.stdout_data).as_array();
  }

  // The REST calls `method` `path` made so far, as "path?query".
  std::vector<std::string> calls_to(std::string_view method, std::string_view path) const {
    std::vector<std::string> out;
    for (const auto& c : sim_->calls()) {
      const auto& o = c.as_object();
      if (field(o, "method") == method && field(o, "path") == path)
        out.push_back(fmt::format("{}?{}", field(o, "path"), field(o, "query")));
    }
    return out;
  }
};

// --- channels ----------------------------------------------------------------------------------

TEST_F(CliDirectoryE2e, ChannelsTableListsTheBotsPublicAndPrivateChannels) {
  const auto run = cli({"channels"});
  ASSERT_EQ(run.exit_code, 0) << run.stderr_data;
  EXPECT_EQ(run.stdout_data,
            fmt::format("{:<9}{:<36}{:<13}{}\n", "KIND", "ID", "NAME", "HANDLE") +
                fmt::format("{:<9}{:<36}{:<13}{}\n", "channel", fmt::format("channel:{}", kTownSquare),
                            "town-square", "Town Square") +
                fmt::format("{:<9}{:<36}{:<13}{}\n", "group", fmt::format("channel:{}", kOps), "ops",
                            "Operations"));
  EXPECT_TRUE(run.stderr_data.empty()) << run.stderr_data;
  // The bot's channels, asked for once with the reference's page size.
  EXPECT_EQ(calls_to("GET", fmt::format("/api/v4/users/{}/channels", kBotId)),
            std::vector<std::string>{fmt::format("/api/v4/users/{}/channels?per_page=200", kBotId)});
}

TEST_F(CliDirectoryE2e, ChannelsJsonIsAnArrayOfEntries) {
  EXPECT_EQ(listed({"channels"}), (json::array{town_square(), ops()}));
}

TEST_F(CliDirectoryE2e, ChannelsQueryMatchesNameOrDisplayNameAnyCase) {
  EXPECT_EQ(listed({"channels", "--query", "town"}), json::array{town_square()});
  EXPECT_EQ(listed({"channels", "--query", "SQUARE"}), json::array{town_square()});
  EXPECT_EQ(listed({"channels", "--query", "operation"}), json::array{ops()});
  // dev exists, but the bot is not a member.
  EXPECT_EQ(listed({"channels", "--query", "dev"}), json::array{});
  const auto none = cli({"channels", "--query", "dev"});
  EXPECT_EQ(none.exit_code, 0) << none.stderr_data;
  EXPECT_EQ(none.stdout_data, "no channels\n");
  // Once the bot joins dev, it is listed.
  sim_->control("/_control/membership",
                json::object{{"user", "mmclaw"}, {"channel_id", kDev}, {"action", "add"}});
  EXPECT_EQ(listed({"channels", "--query", "dev"}),
            json::array{channel_entry("channel", kDev, "dev", "Development")});
}

TEST_F(CliDirectoryE2e, ChannelsLimitBoundsTheEntries) {
  EXPECT_EQ(listed({"channels", "--limit", "1"}), json::array{town_square()});
}

// --- users -------------------------------------------------------------------------------------

TEST_F(CliDirectoryE2e, UsersListsTheTeamWithoutTheBot) {
  EXPECT_EQ(listed({"users"}),
            (json::array{user_entry(kAliceId, "alice", "Alice Liddell"), user_entry(kAdminId, "admin", ""),
                         user_entry(kBobId, "bob", "Bob Builder"), user_entry(kCarolId, "carol", "Carol")}));
  EXPECT_EQ(calls_to("GET", fmt::format("/api/v4/teams/{}/members", kTeam)),
            std::vector<std::string>{fmt::format("/api/v4/teams/{}/members?page=0&per_page=200", kTeam)})
      << "a short first page ends the paging";
  EXPECT_EQ(sim_->count_calls("POST", "/api/v4/users/ids"), 1U);
  EXPECT_EQ(sim_->count_calls("POST", "/api/v4/users/search"), 0U);
}

TEST_F(CliDirectoryE2e, UsersTablePrintsAnEmptyHandleAsNothing) {
  const auto run = cli({"users", "--limit", "2"});
  ASSERT_EQ(run.exit_code, 0) << run.stderr_data;
  EXPECT_EQ(run.stdout_data, fmt::format("{:<6}{:<33}{:<7}{}\n", "KIND", "ID", "NAME", "HANDLE") +
                                 fmt::format("{:<6}{:<33}{:<7}{}\n", "user", fmt::format("user:{}", kAliceId),
                                             "alice", "Alice Liddell") +
                                 fmt::format("user  user:{}  admin\n", kAdminId));
}

TEST_F(CliDirectoryE2e, UsersQuerySearchesTheBotsTeam) {
  EXPECT_EQ(listed({"users", "--query", "ali"}), json::array{user_entry(kAliceId, "alice", "Alice Liddell")});
  EXPECT_EQ(listed({"users", "--query", "Builder"}), json::array{user_entry(kBobId, "bob", "Bob Builder")});
  // The bot matches its own username but is never listed.
  EXPECT_EQ(listed({"users", "--query", "mmclaw"}), json::array{});
  const auto none = cli({"users", "--query", "zzz"});
  EXPECT_EQ(none.exit_code, 0) << none.stderr_data;
  EXPECT_EQ(none.stdout_data, "no users\n");
  EXPECT_EQ(sim_->count_calls("POST", "/api/v4/users/search"), 4U);
  EXPECT_EQ(sim_->count_calls("GET", fmt::format("/api/v4/teams/{}/members", kTeam)), 0U);
}

TEST_F(CliDirectoryE2e, UsersLimitBoundsTheEntries) {
  EXPECT_EQ(listed({"users", "--limit", "2"}),
            (json::array{user_entry(kAliceId, "alice", "Alice Liddell"), user_entry(kAdminId, "admin", "")}));
}

// More members than one page: the second page is asked for, and paging stops once `--limit` entries
// are found.
TEST_F(CliDirectoryE2e, UsersPagesThroughTheTeamAndStopsAtTheLimit) {
  constexpr int kUsers = 230;  // with the bot, 231 members: a full page of 200 and a short one
  json::array users;
  json::array members{"mmclaw"};
  std::vector<std::string> expected;
  for (int i = 0; i < kUsers; ++i) {
    const std::string id = make_id("member", static_cast<std::uint64_t>(i));
    const std::string name = fmt::format("user{:03}", i);
    users.push_back(
        json::object{{"id", id}, {"username", name}, {"first_name", "User"}, {"last_name", name}});
    members.push_back(json::string(name));
    expected.push_back("user:" + id);
  }
  users.push_back(json::object{
      {"id", kBotId}, {"username", "mmclaw"}, {"is_bot", true}, {"tokens", json::array{kBotToken}}});
  const json::object fixture{
      {"users", users},
      {"teams", json::array{json::object{{"id", kTeam}, {"name", "big"}, {"members", members}}}}};
  mmclaw::test::TempDir dir;
  gateway_.reset();
  sim_ = std::make_unique<Mmsim>(std::vector<std::string>{},
                                 dir.write("big.json", json::serialize(fixture)).string());
  gateway_ = std::make_unique<Gateway>(*sim_);
  const auto members_path = fmt::format("/api/v4/teams/{}/members", kTeam);

  const auto all = listed({"users", "--limit", "1000"});
  std::vector<std::string> ids;
  for (const auto& e : all) ids.push_back(field(e.as_object(), "id"));
  std::sort(ids.begin(), ids.end());
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(ids, expected) << "every member but the bot, once";
  EXPECT_EQ(calls_to("GET", members_path), (std::vector<std::string>{members_path + "?page=0&per_page=200",
                                                                     members_path + "?page=1&per_page=200"}));
  EXPECT_EQ(sim_->count_calls("POST", "/api/v4/users/ids"), 2U) << "one batch per page";

  const auto since = sim_->calls().size();
  EXPECT_EQ(listed({"users", "--limit", "3"}).size(), 3U);
  std::size_t member_pages = 0;
  for (const auto& c : sim_->calls(since))
    if (field(c.as_object(), "path") == members_path) ++member_pages;
  EXPECT_EQ(member_pages, 1U) << "the first page has enough";
}

// --- errors ------------------------------------------------------------------------------------

TEST_F(CliDirectoryE2e, UnknownAccountIsAUsageError) {
  const auto run = cli({"channels", "--account", "nope"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.stderr_data.find("no account \"nope\""), std::string::npos) << run.stderr_data;
  EXPECT_TRUE(run.stdout_data.empty()) << run.stdout_data;
  EXPECT_TRUE(sim_->calls().empty()) << "nothing is asked of Mattermost";
}

TEST_F(CliDirectoryE2e, ChannelsFailingIsExitOneWithTheError) {
  sim_->fault(json::object{{"action", "fail"},
                           {"method", "GET"},
                           {"path", "/api/v4/users/*/channels"},
                           {"status", 500},
                           {"count", 5}});
  const auto run = cli({"channels"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.stderr_data,
            "mmclaw: Mattermost API 500 Internal Server Error: Injected failure with status 500.\n");
  EXPECT_TRUE(run.stdout_data.empty()) << run.stdout_data;
}

TEST_F(CliDirectoryE2e, UsersFailingIsExitOneWithTheError) {
  sim_->fault(json::object{
      {"action", "fail"}, {"method", "POST"}, {"path", "/api/v4/users/ids"}, {"status", 403}, {"count", 1}});
  const auto run = cli({"users", "--json"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.stderr_data, "mmclaw: Mattermost API 403 Forbidden: Injected failure with status 403.\n");
  EXPECT_TRUE(run.stdout_data.empty()) << "no partial list: " << run.stdout_data;
}

}  // namespace

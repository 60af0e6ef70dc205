#include "config/accounts.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <map>

#include "../../support/env.hpp"

namespace json = boost::json;
using namespace mmclaw::config;
using mmclaw::test::env_of;

namespace {
std::vector<std::string> ids(const AccountListing& listing) {
  std::vector<std::string> out;
  for (const auto& a : listing.accounts) out.push_back(a.id);
  return out;
}
using V = std::vector<std::string>;
}  // namespace

TEST(Accounts, IdsAreNormalised) {
  EXPECT_EQ(normalize_account_id("Ops Team"), "ops-team");
  EXPECT_EQ(normalize_account_id("  Support.Desk!! "), "support-desk");
  EXPECT_EQ(normalize_account_id("a__b-c"), "a__b-c");
  EXPECT_EQ(normalize_account_id("--x--"), "x");
  EXPECT_EQ(normalize_account_id("!!!"), "");
}

TEST(Accounts, BaseUrlsAreNormalised) {
  EXPECT_EQ(normalize_base_url(" https://chat.example.com/ "), "https://chat.example.com");
  EXPECT_EQ(normalize_base_url("https://chat.example.com/API/V4/"), "https://chat.example.com");
  EXPECT_EQ(normalize_base_url("https://example.com/mm/api/v4"), "https://example.com/mm");
  EXPECT_EQ(normalize_base_url("https://example.com/api/v44"), "https://example.com/api/v44");
  EXPECT_EQ(normalize_base_url("   "), "");
}

TEST(Accounts, NothingConfiguredListsTheDefaultAccount) {
  EXPECT_EQ(ids(list_accounts(nullptr, env_of({}))), V{"default"});
  const json::object empty;
  const auto listing = list_accounts(&empty, env_of({}));
  EXPECT_EQ(ids(listing), V{"default"});
  EXPECT_EQ(listing.default_account, "default");
}

TEST(Accounts, TopLevelIsAnAccountWhenItHasUrlAndToken) {
  const auto mm =
      json::parse(R"({"baseUrl":"https://a","botToken":"t","accounts":{"Ops Team":{},"b":{}}})").as_object();
  const auto listing = list_accounts(&mm, env_of({}));
  EXPECT_EQ(ids(listing), (V{"ops-team", "b", "default"}));
  EXPECT_EQ(listing.default_account, "default");
  EXPECT_EQ(listing.accounts[0].raw_key, "Ops Team");

  const auto env_token = json::parse(R"({"baseUrl":"https://a","accounts":{"b":{}}})").as_object();
  EXPECT_EQ(ids(list_accounts(&env_token, env_of({}))), V{"b"});
  EXPECT_EQ(ids(list_accounts(&env_token, env_of({{"MATTERMOST_BOT_TOKEN", "t"}}))), (V{"b", "default"}));
}

TEST(Accounts, DefaultAccountFollowsDefaultAccountKey) {
  auto mm = json::parse(R"({"defaultAccount":"Ops Team","accounts":{"b":{},"ops-team":{}}})").as_object();
  EXPECT_EQ(list_accounts(&mm, env_of({})).default_account, "ops-team");
  mm["defaultAccount"] = "missing";
  EXPECT_EQ(list_accounts(&mm, env_of({})).default_account, "b");
}

TEST(Accounts, DuplicateNormalisedIdsAreReported) {
  const auto mm = json::parse(R"({"accounts":{"Ops Team":{},"ops-team":{}}})").as_object();
  const auto listing = list_accounts(&mm, env_of({}));
  EXPECT_EQ(ids(listing), V{"ops-team"});
  EXPECT_EQ(listing.duplicate_ids, V{"ops-team"});
}

TEST(Accounts, MergeReplacesObjectsButMergesCommands) {
  const auto mm = json::parse(R"({
    "dmPolicy":"pairing","streaming":{"mode":"block","chunkMode":"newline"},
    "commands":{"native":true,"callbackPath":"/top"},
    "accounts":{"ops":{"dmPolicy":"open","streaming":{"mode":"off"},"commands":{"callbackUrl":"https://cb"}},
                "default":{"chatmode":"onchar"}}})")
                      .as_object();
  const auto ops = merge_account(mm, std::string("ops"));
  EXPECT_EQ(ops.at("dmPolicy"), "open");
  EXPECT_EQ(json::serialize(ops.at("streaming")), R"({"mode":"off"})");
  EXPECT_EQ(ops.at("commands").at("native"), true);
  EXPECT_EQ(ops.at("commands").at("callbackPath"), "/top");
  EXPECT_EQ(ops.at("commands").at("callbackUrl"), "https://cb");
  EXPECT_FALSE(ops.contains("accounts"));
  EXPECT_FALSE(ops.contains("chatmode")) << "named accounts never inherit from accounts.default";
  const auto top = merge_account(mm, std::nullopt);
  EXPECT_EQ(top.at("dmPolicy"), "pairing");
  EXPECT_FALSE(top.contains("accounts"));
}

#include "config/env_subst.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <map>

#include "../../support/env.hpp"

#include "config/schema_openclaw.hpp"

namespace json = boost::json;
using namespace mmclaw::config;
using mmclaw::test::env_of;

TEST(EnvSubst, ReplacesReferencesAndKeepsOtherText) {
  const auto env = env_of({{"HOST", "chat.example.com"}, {"PORT", "8065"}});
  auto r = expand_env_refs("https://${HOST}:${PORT}/x", env);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->text, "https://chat.example.com:8065/x");
  EXPECT_TRUE(r->substituted);
  r = expand_env_refs("plain $HOST ${lower} ${} ${HOST", env);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->text, "plain $HOST ${lower} ${} ${HOST");
  EXPECT_FALSE(r->substituted);
}

TEST(EnvSubst, DoubleDollarEscapesAReference) {
  const auto r = expand_env_refs("cost $${HOST} and ${HOST}", env_of({{"HOST", "h"}}));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->text, "cost ${HOST} and h");
}

TEST(EnvSubst, MissingOrEmptyVariablesAreErrors) {
  EXPECT_EQ(expand_env_refs("${NOPE}", env_of({})).error(),
            "environment variable NOPE is not set (referenced as ${NOPE})");
  EXPECT_EQ(expand_env_refs("${EMPTY}", env_of({{"EMPTY", ""}})).error(),
            "environment variable EMPTY is empty (referenced as ${EMPTY})");
}

TEST(EnvSubst, OnlyKeysMmclawReadsAreExpanded) {
  json::value root =
      json::parse(R"({"channels":{"mattermost":{"botToken":"${TOKEN}","baseUrl":"https://${HOST}"},
      "telegram":{"token":"${NOT_OURS}"}},"tools":{"x":"${ALSO_NOT_OURS}"},"gateway":{"auth":{"token":"${GW}"}}})");
  IssueList issues;
  const auto substituted =
      substitute_env(root, openclaw_schema(), env_of({{"TOKEN", "tok"}, {"HOST", "h"}}), issues);
  EXPECT_FALSE(issues.has_errors());
  EXPECT_EQ(root.at_pointer("/channels/mattermost/botToken"), "tok");
  EXPECT_EQ(root.at_pointer("/channels/mattermost/baseUrl"), "https://h");
  EXPECT_EQ(root.at_pointer("/channels/telegram/token"), "${NOT_OURS}");
  EXPECT_EQ(root.at_pointer("/gateway/auth/token"), "${GW}");
  EXPECT_EQ(substituted,
            (std::set<std::string>{"/channels/mattermost/baseUrl", "/channels/mattermost/botToken"}));
}

TEST(EnvSubst, AMissingVariableIsReportedAtItsKey) {
  json::value root = json::parse(R"({"channels":{"mattermost":{"accounts":{"ops":{"botToken":"${OPS}"}}}}})");
  IssueList issues;
  substitute_env(root, openclaw_schema(), env_of({}), issues);
  ASSERT_EQ(issues.items().size(), 1u);
  EXPECT_EQ(issues.items()[0].path, "channels.mattermost.accounts.ops.botToken");
  EXPECT_EQ(issues.items()[0].message, "environment variable OPS is not set (referenced as ${OPS})");
}

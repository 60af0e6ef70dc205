#include "config/schema.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "config/schema_openclaw.hpp"

namespace json = boost::json;
using namespace mmclaw::config;

namespace {

std::vector<std::string> messages_for(const SchemaNode& node, std::string_view text,
                                      Severity severity = Severity::error) {
  IssueList issues;
  validate(json::parse(text), node, KeyPath{}, issues);
  std::vector<std::string> out;
  for (const auto& issue : issues.items())
    if (issue.severity == severity) out.push_back(issue.path + ": " + issue.message);
  return out;
}

using V = std::vector<std::string>;

const NodePtr& sample() {
  using namespace schema;
  static const NodePtr node = object({
      {"flag", boolean()},
      {"count", integer(0, 10)},
      {"ratio", number(0, std::nullopt, true)},
      {"mode", enumeration({"open", "closed"})},
      {"names", array(string(true))},
      {"shorthand",
       one_of({enumeration({"on", "off"}), boolean(), object({{"mode", enumeration({"on", "off"})}})})},
      {"old", any(), "", FieldRole::legacy, "`old` is legacy; use `mode`"},
      {"nice", boolean(), "", FieldRole::deprecated, "`nice` is deprecated"},
      {"openclawOnly", any(), "", FieldRole::ignored},
      {"shared", object({{"port", integer(1, 65535)}}, UnknownKeys::shared)},
      {"free", object({{"port", integer(1, 65535)}}, UnknownKeys::ignore)},
  });
  return node;
}

}  // namespace

TEST(Schema, AcceptsValidValues) {
  EXPECT_EQ(messages_for(*sample(), R"({"flag":true,"count":10,"ratio":0.5,"mode":"open","names":["a"],
            "shorthand":"on","openclawOnly":{"x":1},"shared":{"port":1}})"),
            V{});
}

TEST(Schema, TypeErrorsNameTheKeyAndWhatWasFound) {
  EXPECT_EQ(messages_for(*sample(), R"({"flag":"yes"})"),
            V{"flag: must be true or false (got the string \"yes\")"});
  EXPECT_EQ(messages_for(*sample(), R"({"count":"3"})"),
            V{"count: must be a whole number from 0 to 10 (got the string \"3\")"});
  EXPECT_EQ(messages_for(*sample(), R"({"names":"a"})"), V{"names: must be an array (got the string \"a\")"});
  EXPECT_EQ(messages_for(*sample(), R"({"names":["a",""]})"), V{"names[1]: must not be empty"});
  EXPECT_EQ(messages_for(*sample(), R"({"shared":[]})"), V{"shared: must be an object (got an array)"});
}

TEST(Schema, RangesAreInclusiveUnlessExclusive) {
  EXPECT_EQ(messages_for(*sample(), R"({"count":11})"),
            V{"count: must be a whole number from 0 to 10 (got 11)"});
  EXPECT_EQ(messages_for(*sample(), R"({"count":-1})"),
            V{"count: must be a whole number from 0 to 10 (got -1)"});
  EXPECT_EQ(messages_for(*sample(), R"({"count":2.5})"), V{"count: must be a whole number (got 2.5)"});
  EXPECT_EQ(messages_for(*sample(), R"({"ratio":0})"), V{"ratio: must be a number greater than 0 (got 0)"});
}

TEST(Schema, EnumErrorsSuggestTheClosestValue) {
  EXPECT_EQ(messages_for(*sample(), R"({"mode":"opne"})"),
            V{"mode: must be one of \"open\" or \"closed\" (got \"opne\"; did you mean \"open\"?)"});
  EXPECT_EQ(messages_for(*sample(), R"({"mode":"banana"})"),
            V{"mode: must be one of \"open\" or \"closed\" (got \"banana\")"});
}

TEST(Schema, UnknownKeysAreRejectedWithASuggestion) {
  EXPECT_EQ(messages_for(*sample(), R"({"flagg":true,"zzz":1})"),
            (V{"flagg: unknown key `flagg` (did you mean `flag`?)", "zzz: unknown key `zzz`"}));
}

TEST(Schema, SharedSectionsFlagOnlyNearMisses) {
  EXPECT_EQ(messages_for(*sample(), R"({"shared":{"prot":1,"auth":{"x":1}}})"),
            V{"shared.prot: unknown key `prot` (did you mean `port`?)"});
  EXPECT_EQ(messages_for(*sample(), R"({"free":{"prot":1}})"), V{});
}

TEST(Schema, LegacyKeysAreRejectedAndDeprecatedKeysWarn) {
  EXPECT_EQ(messages_for(*sample(), R"({"old":1})"), V{"old: `old` is legacy; use `mode`"});
  EXPECT_EQ(messages_for(*sample(), R"({"nice":true})", Severity::warning), V{"nice: `nice` is deprecated"});
  EXPECT_EQ(messages_for(*sample(), R"({"nice":"x"})"),
            V{"nice: must be true or false (got the string \"x\")"});
}

TEST(Schema, OneOfPicksTheAlternativeOfTheValuesType) {
  EXPECT_EQ(messages_for(*sample(), R"({"shorthand":true})"), V{});
  EXPECT_EQ(messages_for(*sample(), R"({"shorthand":{"mode":"off"}})"), V{});
  EXPECT_EQ(messages_for(*sample(), R"({"shorthand":{"mode":"x"}})"),
            V{"shorthand.mode: must be one of \"on\" or \"off\" (got \"x\")"});
  EXPECT_EQ(messages_for(*sample(), R"({"shorthand":3})"),
            V{"shorthand: must be one of \"on\" or \"off\", true or false or an object (got the number 3)"});
}

TEST(Schema, KeyPathsRenderDottedAndAsPointers) {
  const auto path =
      KeyPath::parse_dotted("channels.mattermost").child("groups").child("*").child("requireMention");
  EXPECT_EQ(path.dotted(), "channels.mattermost.groups[\"*\"].requireMention");
  EXPECT_EQ(path.pointer(), "/channels/mattermost/groups/*/requireMention");
  const auto indexed = KeyPath::parse_dotted("models").child("a/b").index(2).child("id");
  EXPECT_EQ(indexed.dotted(), "models[\"a/b\"][2].id");
  EXPECT_EQ(indexed.pointer(), "/models/a~1b/2/id");
}

TEST(OpenclawSchema, StreamingShorthandAndObjectFormAreBothAccepted) {
  const auto& account = mattermost_account_schema();
  for (const char* ok : {R"({"streaming":"partial"})", R"({"streaming":"off"})", R"({"streaming":true})",
                         R"({"streaming":{"mode":"progress","progress":{"label":false,"maxLines":3}}})"})
    EXPECT_EQ(messages_for(account, ok), V{}) << ok;
  EXPECT_EQ(messages_for(account, R"({"streaming":{"progress":{"label":true}}})"),
            V{"streaming.progress.label: must be a string, \"auto\" or false (got true)"});
  EXPECT_EQ(messages_for(account, R"({"streaming":"fast"})"),
            V{"streaming: must be one of \"off\", \"partial\", \"block\" or \"progress\" (got \"fast\")"});
}

TEST(OpenclawSchema, GroupEntriesAcceptOnlyRequireMention) {
  const auto& account = mattermost_account_schema();
  EXPECT_EQ(messages_for(account, R"({"groups":{"*":{"requireMention":false}}})"), V{});
  EXPECT_EQ(
      messages_for(account, R"({"groups":{"*":{"requireMentions":false}}})"),
      V{"groups[\"*\"].requireMentions: unknown key `requireMentions` (did you mean `requireMention`?)"});
}

TEST(OpenclawSchema, ReplyModesByChatTypeRejectDm) {
  EXPECT_EQ(messages_for(mattermost_account_schema(), R"({"replyToModeByChatType":{"dm":"all"}})"),
            V{"replyToModeByChatType.dm: unknown key `dm`"});
  EXPECT_EQ(messages_for(mattermost_account_schema(), R"({"dm":{}})"), V{"dm: unknown key `dm`"});
}

TEST(OpenclawSchema, RetryRangesAndOrder) {
  const auto& account = mattermost_account_schema();
  EXPECT_EQ(messages_for(account, R"({"dmChannelRetry":{"maxRetries":11}})"),
            V{"dmChannelRetry.maxRetries: must be a whole number from 0 to 10 (got 11)"});
  EXPECT_EQ(messages_for(account, R"({"dmChannelRetry":{"initialDelayMs":5000,"maxDelayMs":2000}})"),
            V{"dmChannelRetry.initialDelayMs: initialDelayMs must be less than or equal to maxDelayMs"});
  EXPECT_EQ(messages_for(account, R"({"dmChannelRetry":{"timeoutMs":4999}})"),
            V{"dmChannelRetry.timeoutMs: must be a whole number from 5000 to 120000 (got 4999)"});
}

TEST(OpenclawSchema, SecretReferencesFollowTheContract) {
  const auto& account = mattermost_account_schema();
  EXPECT_EQ(messages_for(account, R"({"botToken":{"source":"env","provider":"default","id":"MM_TOKEN"}})"),
            V{});
  EXPECT_EQ(messages_for(account, R"({"botToken":{"source":"env","provider":"default","id":"mm_token"}})"),
            V{"botToken.id: must match ^[A-Z][A-Z0-9_]{0,127}$ for source \"env\" (got \"mm_token\")"});
  EXPECT_EQ(messages_for(account, R"({"botToken":{"source":"env","id":"MM"}})"),
            V{"botToken.provider: a secret reference needs `provider`"});
  EXPECT_EQ(messages_for(account, R"({"botToken":{"source":"file","provider":"Vault","id":"x"}})"),
            (V{"botToken.provider: must match ^[a-z][a-z0-9_-]{0,63}$ (got \"Vault\")",
               "botToken.id: must be an absolute JSON pointer such as /mattermost/botToken, or \"value\" for "
               "a singleValue "
               "file provider (got \"x\")"}));
  EXPECT_EQ(messages_for(account, R"({"botToken":{"source":"exec","provider":"v","id":"a/../b"}})"),
            V{"botToken.id: must match ^[A-Za-z0-9][A-Za-z0-9._:/#-]{0,255}$ without . or .. segments (got "
              "\"a/../b\")"});
  EXPECT_EQ(messages_for(account, R"({"botToken":{"source":"env","provider":"default","id":"X","extra":1}})"),
            V{"botToken.extra: unknown key `extra`"});
}

TEST(OpenclawSchema, LegacyKeysCarryTheMigrationHint) {
  EXPECT_EQ(
      messages_for(mattermost_account_schema(), R"({"streamMode":"partial"})"),
      V{"streamMode: `streamMode` is a legacy key; use `streaming.mode`. Run \"mmclaw doctor --fix\"."});
  EXPECT_EQ(messages_for(mattermost_account_schema(), R"({"allowPrivateNetwork":true})"),
            V{"allowPrivateNetwork: `allowPrivateNetwork` is a legacy key; use "
              "`network.dangerouslyAllowPrivateNetwork`. Run "
              "\"mmclaw doctor --fix\"."});
}

TEST(OpenclawSchema, UrlsAndAddressesAreChecked) {
  const auto& account = mattermost_account_schema();
  EXPECT_EQ(messages_for(account, R"({"baseUrl":"chat.example.com"})"),
            V{"baseUrl: must be an http:// or https:// URL (got \"chat.example.com\")"});
  EXPECT_EQ(messages_for(account, R"({"baseUrl":"ftp://chat.example.com"})"),
            V{"baseUrl: must be an http:// or https:// URL (got scheme \"ftp\")"});
  EXPECT_EQ(messages_for(account, R"({"baseUrl":""})"), V{});
  EXPECT_EQ(messages_for(account, R"({"interactions":{"allowedSourceIps":["10.0.0.0/8","nope"]}})"),
            V{"interactions.allowedSourceIps[1]: must be an IP address or CIDR range such as 10.0.0.0/8 (got "
              "\"nope\")"});
}

TEST(OpenclawSchema, OnlyOwnedSectionsAreValidated) {
  EXPECT_EQ(messages_for(openclaw_schema(),
                         R"({"tools":{"exec":{"x":1}},"gateway":{"auth":{"token":"t"},"mode":"local"},
            "agents":{"defaults":{"workspace":"~/w","models":{}},"list":[]},"channels":{"telegram":{"x":1}}})"),
            V{});
  EXPECT_EQ(messages_for(openclaw_schema(), R"({"mmclaw":{"stor":{}}})"),
            V{"mmclaw.stor: unknown key `stor` (did you mean `store`?)"});
  EXPECT_EQ(messages_for(openclaw_schema(), R"({"agents":{"defaults":{"model":"gpt4"}}})"),
            V{"agents.defaults.model: must be \"provider/model\" (got \"gpt4\")"});
}

TEST(OpenclawSchema, QueueAndConcurrencyKeysAreChecked) {
  const auto& root = openclaw_schema();
  for (const char* ok :
       {R"({"messages":{"queue":{"mode":"steer","cap":1}}})",
        R"({"messages":{"queue":{"mode":"interrupt","cap":1000}}})",
        R"({"messages":{"queue":{"debounceMs":500,"drop":"old","byChannel":{"x":"collect"}}}})",
        R"({"agents":{"defaults":{"maxConcurrent":1}}})", R"({"agents":{"defaults":{"maxConcurrent":64}}})"})
    EXPECT_EQ(messages_for(root, ok), V{}) << ok;
  EXPECT_EQ(messages_for(root, R"({"messages":{"queue":{"cap":1001}}})"),
            V{"messages.queue.cap: must be a whole number from 1 to 1000 (got 1001)"});
  EXPECT_EQ(messages_for(root, R"({"messages":{"queue":{"cap":2.5}}})"),
            V{"messages.queue.cap: must be a whole number (got 2.5)"});
  EXPECT_EQ(
      messages_for(root, R"({"messages":{"queue":{"mode":"colect"}}})"),
      V{"messages.queue.mode: must be one of \"followup\", \"collect\", \"interrupt\" or \"steer\" (got "
        "\"colect\"; did you mean \"collect\"?)"});
  EXPECT_EQ(messages_for(root, R"({"messages":{"queue":{"mdoe":"collect"}}})"),
            V{"messages.queue.mdoe: unknown key `mdoe` (did you mean `mode`?)"});
  EXPECT_EQ(messages_for(root, R"({"agents":{"defaults":{"maxConcurrent":0}}})"),
            V{"agents.defaults.maxConcurrent: must be a whole number from 1 to 64 (got 0)"});
  EXPECT_EQ(messages_for(root, R"({"agents":{"defaults":{"maxConcurrent":"4"}}})"),
            V{"agents.defaults.maxConcurrent: must be a whole number from 1 to 64 (got the string \"4\")"});
}

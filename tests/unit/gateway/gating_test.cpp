#include "gateway/gating.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <vector>

namespace mmclaw::gateway {
namespace {

using config::AccountConfig;
using config::ChatMode;
using mattermost::ChannelType;

constexpr std::string_view kChannel = "chan00000000000000000000001";

// --- §4.6 explicit mention ------------------------------------------------------------------------

struct MentionCase {
  const char* text;
  bool mentions;
};

class MentionsUsername : public ::testing::TestWithParam<MentionCase> {};

TEST_P(MentionsUsername, FollowsTheReferenceBoundaries) {
  EXPECT_EQ(mentions_username(GetParam().text, "bot"), GetParam().mentions) << GetParam().text;
}

INSTANTIATE_TEST_SUITE_P(
    Table, MentionsUsername,
    ::testing::Values(MentionCase{"@bot", true}, MentionCase{"@bot hi", true}, MentionCase{"hi @bot", true},
                      MentionCase{"@bot,", true}, MentionCase{"@bot.", true}, MentionCase{"@bot:", true},
                      MentionCase{"@bot: hi", true}, MentionCase{"@bot, hi", true},
                      MentionCase{"(@bot)", true}, MentionCase{"@BOT", true}, MentionCase{"@Bot!", true},
                      MentionCase{"@bot-", true}, MentionCase{"@bot...", true},
                      MentionCase{"@bot.\nnext", true}, MentionCase{".@bot", true},
                      MentionCase{"@botx", false}, MentionCase{"@bot.name", false},
                      MentionCase{"@bot:x", false}, MentionCase{"@bot-name", false},
                      MentionCase{"@bot_", false}, MentionCase{"@bot1", false}, MentionCase{"bob@bot", false},
                      MentionCase{"B@bot", false}, MentionCase{"_@bot", false}, MentionCase{"`@bot`", false},
                      MentionCase{"``x @bot``", false}, MentionCase{"```\n@bot\n```", false},
                      MentionCase{"~~~\n@bot\n~~~", false}, MentionCase{"```\ncode\n```\n@bot", true},
                      MentionCase{"`code` @bot", true}, MentionCase{"`unclosed @bot", true},
                      MentionCase{"bot", false}, MentionCase{"@", false}, MentionCase{"", false}));

TEST(MentionsUsername, AnEmptyUsernameNeverMatches) {
  EXPECT_FALSE(mentions_username("@ hi", ""));
  EXPECT_FALSE(mentions_username("@bot", ""));
}

// --- §4.6 requireMention resolution ---------------------------------------------------------------

struct RequireCase {
  const char* name;
  std::function<void(AccountConfig&)> configure;
  bool require;
};

class RequireMention : public ::testing::TestWithParam<RequireCase> {};

TEST_P(RequireMention, ResolvesInOrder) {
  AccountConfig account;
  GetParam().configure(account);
  EXPECT_EQ(resolve_require_mention(account, kChannel), GetParam().require) << GetParam().name;
}

void set_group(AccountConfig& a, std::string_view key, std::optional<bool> value) {
  a.groups[std::string(key)].require_mention = value;
}

INSTANTIATE_TEST_SUITE_P(
    Table, RequireMention,
    ::testing::Values(RequireCase{"default", [](AccountConfig&) {}, true},
                      RequireCase{"legacy false", [](AccountConfig& a) { a.require_mention = false; }, false},
                      RequireCase{"legacy true", [](AccountConfig& a) { a.require_mention = true; }, true},
                      RequireCase{"oncall", [](AccountConfig& a) { a.chatmode = ChatMode::oncall; }, true},
                      RequireCase{"onmessage", [](AccountConfig& a) { a.chatmode = ChatMode::onmessage; },
                                  false},
                      RequireCase{"onchar", [](AccountConfig& a) { a.chatmode = ChatMode::onchar; }, true},
                      RequireCase{"chatmode beats legacy",
                                  [](AccountConfig& a) {
                                    a.chatmode = ChatMode::oncall;
                                    a.require_mention = false;
                                  },
                                  true},
                      RequireCase{"onmessage beats legacy",
                                  [](AccountConfig& a) {
                                    a.chatmode = ChatMode::onmessage;
                                    a.require_mention = true;
                                  },
                                  false},
                      RequireCase{"star beats chatmode",
                                  [](AccountConfig& a) {
                                    a.chatmode = ChatMode::oncall;
                                    set_group(a, "*", false);
                                  },
                                  false},
                      RequireCase{"channel beats star",
                                  [](AccountConfig& a) {
                                    set_group(a, "*", false);
                                    set_group(a, kChannel, true);
                                  },
                                  true},
                      RequireCase{"channel beats chatmode",
                                  [](AccountConfig& a) {
                                    a.chatmode = ChatMode::onchar;
                                    set_group(a, kChannel, false);
                                  },
                                  false},
                      RequireCase{"unset channel entry falls through to star",
                                  [](AccountConfig& a) {
                                    set_group(a, kChannel, std::nullopt);
                                    set_group(a, "*", false);
                                  },
                                  false},
                      RequireCase{"another channel's entry does not apply",
                                  [](AccountConfig& a) { set_group(a, "otherchannel", false); }, true}));

// --- §4.6 onchar ----------------------------------------------------------------------------------

struct OncharCase {
  const char* text;
  std::vector<std::string> prefixes;
  bool triggered;
  const char* rest;
};

class Onchar : public ::testing::TestWithParam<OncharCase> {};

TEST_P(Onchar, MatchesTheFirstPrefixAndStripsIt) {
  const auto& c = GetParam();
  const auto match = match_onchar(c.text, c.prefixes);
  EXPECT_EQ(match.triggered, c.triggered) << c.text;
  EXPECT_EQ(match.rest, c.rest) << c.text;
}

const std::vector<std::string> kDefaultPrefixes{">", "!"};

INSTANTIATE_TEST_SUITE_P(
    Table, Onchar,
    ::testing::Values(
        OncharCase{">hi", kDefaultPrefixes, true, "hi"}, OncharCase{"> hi", kDefaultPrefixes, true, "hi"},
        OncharCase{"  !\t hi there", kDefaultPrefixes, true, "hi there"},
        OncharCase{"hi > there", kDefaultPrefixes, false, "hi > there"},
        OncharCase{"hi", kDefaultPrefixes, false, "hi"}, OncharCase{"!!hi", kDefaultPrefixes, true, "!hi"},
        OncharCase{"??ask", {"?", "??"}, true, "?ask"},  // first in order wins
        OncharCase{"??ask", {"??", "?"}, true, "ask"}, OncharCase{"bot: do it", {"bot:"}, true, "do it"},
        OncharCase{">hi", {"bot:"}, false, ">hi"}, OncharCase{">hi", {}, true, "hi"},  // empty list: defaults
        OncharCase{"!hi", {" ", ""}, true, "hi"},  // blank prefixes: defaults
        OncharCase{"% hi", {" % "}, true, "hi"},   // prefixes are trimmed
        OncharCase{">", kDefaultPrefixes, true, ""}));

// --- §4.7 mention stripping -----------------------------------------------------------------------

struct StripCase {
  const char* text;
  const char* body;
};

class StripMention : public ::testing::TestWithParam<StripCase> {};

TEST_P(StripMention, IsLineAware) {
  EXPECT_EQ(strip_bot_mention(GetParam().text, "bot"), GetParam().body) << GetParam().text;
}

INSTANTIATE_TEST_SUITE_P(
    Table, StripMention,
    ::testing::Values(
        StripCase{"@bot hi", "hi"}, StripCase{"@bot, hi", "hi"}, StripCase{"@bot: hi", "hi"},
        StripCase{"@BOT   hi", "hi"}, StripCase{"hi @bot", "hi"}, StripCase{"thanks @bot.", "thanks."},
        StripCase{"ask @bot about it", "ask about it"}, StripCase{"ask @bot   about it", "ask about it"},
        StripCase{"@bot @bot hi", "hi"}, StripCase{"@bot", ""}, StripCase{"  @bot  ", ""},
        StripCase{"@bot\nhello\nworld", "hello\nworld"}, StripCase{"@bot\n\n@bot\nhello", "hello"},
        StripCase{"hello\n@bot\nworld", "hello\n\nworld"},  // only leading lines go
        StripCase{"hello\n\n\n", "hello"},
        StripCase{"@bot\n- one\n- two\n  - nested", "- one\n- two\n  - nested"},
        StripCase{"@bot\n> quoted @bot text", "> quoted text"},
        StripCase{"@bot look:\n```\n@bot  stays\n  indented\n```",
                  "look:\n```\n@bot  stays\n  indented\n```"},
        StripCase{"@bot run `@bot  x`", "run `@bot  x`"},
        StripCase{"hi\n    indented  code", "hi\n    indented  code"}, StripCase{"@botx hi", "@botx hi"},
        StripCase{"mail bob@bot", "mail bob@bot"}, StripCase{"@bot\r\nhi\r\n", "hi"}, StripCase{"", ""}));

// --- gate_post: §4.6 gating and §4.7 body ---------------------------------------------------------

struct GateCase {
  const char* name;
  std::function<void(AccountConfig&)> configure;
  GatingInput input;
  bool answer;
  bool was_mentioned;
  std::optional<GatingDrop> drop;
  const char* body;
};

class GatePost : public ::testing::TestWithParam<GateCase> {};

TEST_P(GatePost, Decides) {
  const auto& c = GetParam();
  AccountConfig account;
  c.configure(account);
  GatingInput input = c.input;
  if (input.channel_id.empty()) input.channel_id = kChannel;
  const auto decision = gate_post(input, account, "bot");
  EXPECT_EQ(decision.answer, c.answer) << c.name;
  EXPECT_EQ(decision.was_mentioned, c.was_mentioned) << c.name;
  EXPECT_EQ(decision.drop, c.drop) << c.name;
  EXPECT_EQ(decision.body, c.body) << c.name;
}

GatingInput in(ChannelType type, std::string_view message) {
  GatingInput input;
  input.channel_type = type;
  input.message = message;
  return input;
}

GatingInput with(GatingInput input, const std::function<void(GatingInput&)>& change) {
  change(input);
  return input;
}

void defaults(AccountConfig&) {}
void onchar(AccountConfig& a) {
  a.chatmode = ChatMode::onchar;
}
void onmessage(AccountConfig& a) {
  a.chatmode = ChatMode::onmessage;
}

constexpr auto kNoMention = GatingDrop::no_mention;
constexpr auto kEmpty = GatingDrop::empty_body;
constexpr std::optional<GatingDrop> kNone;

INSTANTIATE_TEST_SUITE_P(
    Table, GatePost,
    ::testing::Values(
        GateCase{"dm is never gated", defaults, in(ChannelType::direct, "hello"), true, false, kNone,
                 "hello"},
        GateCase{"dm mention is stripped", defaults, in(ChannelType::direct, "@bot hello"), true, false,
                 kNone, "hello"},
        GateCase{"dm onchar is not applied", onchar, in(ChannelType::direct, "> hello"), true, false, kNone,
                 "> hello"},
        GateCase{"dm blank", defaults, in(ChannelType::direct, " \u200b "), false, false, kEmpty, ""},
        GateCase{"channel without mention", defaults, in(ChannelType::open, "hello"), false, false,
                 kNoMention, ""},
        GateCase{"private channel without mention", defaults, in(ChannelType::private_team, "hello"), false,
                 false, kNoMention, ""},
        GateCase{"group message is gated", defaults, in(ChannelType::group, "hello"), false, false,
                 kNoMention, ""},
        GateCase{"channel with mention", defaults, in(ChannelType::open, "@bot hello"), true, true, kNone,
                 "hello"},
        GateCase{"mention in code does not count", defaults, in(ChannelType::open, "`@bot` hello"), false,
                 false, kNoMention, ""},
        GateCase{"onmessage answers everything", onmessage, in(ChannelType::open, "hello"), true, false,
                 kNone, "hello"},
        GateCase{"group override off",
                 [](AccountConfig& a) { a.groups[std::string(kChannel)].require_mention = false; },
                 in(ChannelType::open, "hello"), true, false, kNone, "hello"},
        GateCase{"onchar prefix triggers", onchar, in(ChannelType::open, "  > what time is it"), true, true,
                 kNone, "what time is it"},
        GateCase{"onchar mention triggers", onchar, in(ChannelType::open, "@bot what time"), true, true,
                 kNone, "what time"},
        GateCase{"onchar prefix and mention", onchar, in(ChannelType::open, "!@bot what"), true, true, kNone,
                 "what"},
        GateCase{"onchar neither", onchar, in(ChannelType::open, "what time"), false, false, kNoMention, ""},
        GateCase{"onchar prefix alone is empty", onchar, in(ChannelType::open, ">  "), false, true, kEmpty,
                 ""},
        GateCase{"onchar prefix with a file", onchar,
                 with(in(ChannelType::open, ">"), [](GatingInput& i) { i.has_attachments = true; }), true,
                 true, kNone, ""},
        GateCase{"prefix ignored without onchar", defaults, in(ChannelType::open, "> @bot hi"), true, true,
                 kNone, "> hi"},
        GateCase{
            "thread participation", defaults,
            with(in(ChannelType::open, "and then?"), [](GatingInput& i) { i.bot_replied_in_thread = true; }),
            true, true, kNone, "and then?"},
        GateCase{
            "thread participation off",
            [](AccountConfig& a) { a.implicit_mentions.thread_participation = false; },
            with(in(ChannelType::open, "and then?"), [](GatingInput& i) { i.bot_replied_in_thread = true; }),
            false, false, kNoMention, ""},
        GateCase{"reply to the bot's root post", defaults,
                 with(in(ChannelType::open, "thanks"), [](GatingInput& i) { i.thread_root_by_bot = true; }),
                 true, true, kNone, "thanks"},
        GateCase{"reply to the bot's root post off",
                 [](AccountConfig& a) { a.implicit_mentions.reply_to_bot = false; },
                 with(in(ChannelType::open, "thanks"), [](GatingInput& i) { i.thread_root_by_bot = true; }),
                 false, false, kNoMention, ""},
        GateCase{"authorised command bypasses", defaults,
                 with(in(ChannelType::open, "/status"), [](GatingInput& i) { i.authorised_command = true; }),
                 true, false, kNone, "/status"},
        GateCase{"bare mention wakes up", defaults, in(ChannelType::open, " \t@BOT\t "), true, true, kNone,
                 "@BOT"},
        GateCase{"bare mention in a dm", defaults, in(ChannelType::direct, "@bot"), true, false, kNone,
                 "@bot"},
        GateCase{"repeated mention is empty", defaults, in(ChannelType::open, "@bot @bot"), false, true,
                 kEmpty, ""},
        GateCase{"mention and newline is empty", defaults, in(ChannelType::open, "@bot\n"), false, true,
                 kEmpty, ""},
        GateCase{"mention with punctuation is empty", defaults, in(ChannelType::open, "@bot:"), false, true,
                 kEmpty, ""},
        GateCase{"mention with a file", defaults,
                 with(in(ChannelType::open, "@bot"), [](GatingInput& i) { i.has_attachments = true; }), true,
                 true, kNone, ""},
        GateCase{"mention-only first line", defaults, in(ChannelType::open, "@bot\nplease summarise"), true,
                 true, kNone, "please summarise"}));

TEST(GatePost, RequireMentionIsReported) {
  AccountConfig account;
  EXPECT_TRUE(gate_post(in(ChannelType::open, "@bot hi"), account, "bot").require_mention);
  EXPECT_FALSE(gate_post(in(ChannelType::direct, "hi"), account, "bot").require_mention);
  account.chatmode = ChatMode::onmessage;
  EXPECT_FALSE(gate_post(in(ChannelType::open, "hi"), account, "bot").require_mention);
}

TEST(GatePost, AnUnknownUsernameCannotGate) {
  // §4.6: detection is possible only when the username is known.
  AccountConfig account;
  const auto decision = gate_post(in(ChannelType::open, "hello"), account, "");
  EXPECT_TRUE(decision.answer);
  EXPECT_EQ(decision.body, "hello");
}

TEST(GatePost, OncharTriggerIsReported) {
  AccountConfig account;
  account.chatmode = ChatMode::onchar;
  EXPECT_TRUE(gate_post(in(ChannelType::open, "> hi"), account, "bot").onchar_triggered);
  EXPECT_FALSE(gate_post(in(ChannelType::open, "@bot hi"), account, "bot").onchar_triggered);
}

TEST(GatingDrop, ReasonCodesAreStable) {
  EXPECT_EQ(to_string(GatingDrop::no_mention), "no_mention");
  EXPECT_EQ(to_string(GatingDrop::empty_body), "empty_body");
}

// --- §14 edits that add a mention -----------------------------------------------------------------

struct EditCase {
  const char* name;
  PostEdit edit;
  bool answer;
};

class EditAddsMention : public ::testing::TestWithParam<EditCase> {};

TEST_P(EditAddsMention, OnlyWhenTheMentionIsNew) {
  EXPECT_EQ(edit_adds_mention(GetParam().edit, "bot"), GetParam().answer) << GetParam().name;
}

INSTANTIATE_TEST_SUITE_P(
    Table, EditAddsMention,
    ::testing::Values(
        EditCase{"adds a mention", PostEdit{"hello", "hello @bot", "u1", "u1"}, true},
        EditCase{"no mention", PostEdit{"hello", "hello there", "u1", "u1"}, false},
        EditCase{"already mentioned", PostEdit{"@bot hello", "@bot hello there", "u1", "u1"}, false},
        EditCase{"unchanged text", PostEdit{"@bot hi", "@bot hi", "u1", "u1"}, false},
        EditCase{"another bot's mention", PostEdit{"hello", "hello @other", "u1", "u1"}, false},
        EditCase{"changed author", PostEdit{"hello", "hello @bot", "u1", "u2"}, false},
        EditCase{"mention in code", PostEdit{"hello", "hello `@bot`", "u1", "u1"}, false},
        EditCase{"mention moved out of code", PostEdit{"`@bot` hi", "@bot hi", "u1", "u1"}, true},
        EditCase{"mention removed", PostEdit{"@bot hi", "hi", "u1", "u1"}, false}));

// --- §4.6 one-time hint ---------------------------------------------------------------------------

TEST(MentionHint, NamesTheGroupsKeyOfTheAccount) {
  EXPECT_EQ(groups_config_path("default"), "channels.mattermost.groups");
  EXPECT_EQ(groups_config_path("ops-team"), "channels.mattermost.accounts.ops-team.groups");
  EXPECT_EQ(mention_hint(groups_config_path("default"), "chan1"),
            "Set channels.mattermost.groups[\"chan1\"].requireMention=false to process messages without a "
            "mention (posts in this channel are skipped unless they mention the bot).");
  EXPECT_TRUE(mention_hint(groups_config_path("ops"), "c2")
                  .starts_with("Set channels.mattermost.accounts.ops.groups[\"c2\"].requireMention=false"));
}

}  // namespace
}  // namespace mmclaw::gateway

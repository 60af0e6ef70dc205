// The composed inbound decisions (gateway/inbound): chat type × policy × allowlist × chatmode ×
// per-channel override × mention form × thread, each row with the verdict, reason, session key and
// reply root it must give.
#include "gateway/inbound.hpp"

// The rows name only what they set; the rest keeps the defaults of Row.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

namespace mmclaw::gateway {
namespace {

using config::ChatMode;
using config::DmPolicy;
using config::GroupPolicy;
using config::ReplyToMode;
using mattermost::ChannelType;

constexpr std::string_view kBotId = "bot000000000000000000000b1";
constexpr std::string_view kAlice = "alice00000000000000000000a";
constexpr std::string_view kMallory = "mallory000000000000000000m";
constexpr std::string_view kChan = "chan00000000000000000000c1";
constexpr std::string_view kPost = "post00000000000000000000p1";
constexpr std::string_view kRoot = "root00000000000000000000r1";

struct Row {
  std::string name;
  ChannelType type = ChannelType::open;
  DmPolicy dm = DmPolicy::pairing;
  GroupPolicy group = GroupPolicy::open;
  std::vector<std::string> allow_from;
  std::vector<std::string> group_allow_from;
  std::optional<ChatMode> chatmode;
  std::optional<bool> override_require;  // groups.<chan>.requireMention
  std::optional<bool> star_require;      // groups["*"].requireMention
  std::string sender{kAlice};
  std::string message;
  std::string root;  // "" = not in a thread
  bool participated = false;
  bool root_by_bot = false;
  bool thread_participation = true;
  ReplyToMode reply_mode = ReplyToMode::off;
  // Expected.
  Verdict verdict = Verdict::answer;
  std::string reason;
  std::string session;     // "" = not checked
  std::string reply_root;  // checked when answered
  std::string body;        // "" = not checked
};

InboundDecision decide(const Row& row, const std::set<std::string>& approved = {}) {
  config::AccountConfig account;
  account.id = "default";
  account.dm_policy = row.dm;
  account.group_policy = row.group;
  account.allow_from = row.allow_from;
  account.group_allow_from = row.group_allow_from;
  account.chatmode = row.chatmode;
  if (row.override_require) account.groups[std::string(kChan)].require_mention = row.override_require;
  if (row.star_require) account.groups["*"].require_mention = row.star_require;
  account.implicit_mentions.thread_participation = row.thread_participation;
  account.reply_to.base = row.reply_mode;

  mattermost::Post post;
  post.id = std::string(kPost);
  post.user_id = row.sender;
  post.channel_id = std::string(kChan);
  post.root_id = row.root;
  post.message = row.message;
  post.create_at = 1000;

  InboundFacts facts;
  facts.post = &post;
  facts.channel = ChannelFacts{std::string(kChan), row.type, "town-square", "Town Square", "team1"};
  facts.sender = SenderFacts{row.sender, row.sender == kAlice ? "alice" : "mallory", false};
  facts.bot_replied_in_thread = row.participated;
  facts.thread_root_by_bot = row.root_by_bot;

  InboundContext context;
  context.account = &account;
  context.bot = BotIdentity{std::string(kBotId), "mmclaw"};
  context.approved_senders = &approved;
  return decide_inbound(facts, context);
}

const std::string kChanKey = "agent:main:mattermost:channel:" + std::string(kChan);
const std::string kGroupKey = "agent:main:mattermost:group:" + std::string(kChan);

std::vector<Row> rows() {
  std::vector<Row> r;
  auto add = [&r](Row row) { r.push_back(std::move(row)); };
  // --- DMs: never gated; dmPolicy and the lists decide. ---
  add({.name = "dm open star", .type = ChannelType::direct, .dm = DmPolicy::open, .allow_from = {"*"},
       .message = "hello", .session = "agent:main:main", .reply_root = "", .body = "hello"});
  add({.name = "dm disabled", .type = ChannelType::direct, .dm = DmPolicy::disabled, .allow_from = {"*"},
       .message = "hello", .verdict = Verdict::drop, .reason = "dm_disabled"});
  add({.name = "dm allowlist listed", .type = ChannelType::direct, .dm = DmPolicy::allowlist,
       .allow_from = {std::string(kAlice)}, .message = "hi", .session = "agent:main:main"});
  add({.name = "dm allowlist unlisted", .type = ChannelType::direct, .dm = DmPolicy::allowlist,
       .allow_from = {std::string(kAlice)}, .sender = std::string(kMallory), .message = "hi",
       .verdict = Verdict::drop, .reason = "not_allowlisted"});
  add({.name = "dm allowlist by name refused", .type = ChannelType::direct, .dm = DmPolicy::allowlist,
       .allow_from = {"@alice"}, .message = "hi", .verdict = Verdict::drop, .reason = "not_allowlisted"});
  add({.name = "dm pairing unknown", .type = ChannelType::direct, .dm = DmPolicy::pairing, .message = "hi",
       .verdict = Verdict::pair});
  add({.name = "dm pairing listed", .type = ChannelType::direct, .dm = DmPolicy::pairing,
       .allow_from = {"mattermost:" + std::string(kAlice)}, .message = "hi"});
  add({.name = "dm not gated", .type = ChannelType::direct, .dm = DmPolicy::open, .allow_from = {"*"},
       .chatmode = ChatMode::oncall, .message = "no mention here"});
  add({.name = "dm thread stays flat", .type = ChannelType::direct, .dm = DmPolicy::open, .allow_from = {"*"},
       .message = "hi", .root = std::string(kRoot), .reply_mode = ReplyToMode::all,
       .session = "agent:main:main", .reply_root = ""});
  add({.name = "dm empty", .type = ChannelType::direct, .dm = DmPolicy::open, .allow_from = {"*"},
       .message = " \n ", .verdict = Verdict::drop, .reason = "empty_body"});
  // --- Group policies. ---
  add({.name = "group disabled", .group = GroupPolicy::disabled, .message = "@mmclaw hi",
       .verdict = Verdict::drop, .reason = "group_disabled"});
  add({.name = "group allowlist empty", .group = GroupPolicy::allowlist, .message = "@mmclaw hi",
       .verdict = Verdict::drop, .reason = "group_allowlist_empty"});
  add({.name = "group allowlist listed", .group = GroupPolicy::allowlist,
       .group_allow_from = {std::string(kAlice)}, .message = "@mmclaw hi", .session = kChanKey});
  add({.name = "group allowlist unlisted", .group = GroupPolicy::allowlist,
       .group_allow_from = {std::string(kAlice)}, .sender = std::string(kMallory), .message = "@mmclaw hi",
       .verdict = Verdict::drop, .reason = "not_allowlisted"});
  add({.name = "group allowlist falls back to allowFrom", .group = GroupPolicy::allowlist,
       .allow_from = {std::string(kAlice)}, .message = "@mmclaw hi"});
  add({.name = "private channel is a group", .type = ChannelType::private_team, .message = "@mmclaw hi",
       .session = kGroupKey});
  add({.name = "gm is a group", .type = ChannelType::group, .message = "@mmclaw hi", .session = kGroupKey});
  // --- Mention forms (default oncall behaviour: requireMention true). ---
  add({.name = "no mention", .message = "hello", .verdict = Verdict::drop, .reason = "no_mention"});
  add({.name = "mention comma", .message = "@mmclaw, hi", .body = "hi"});
  add({.name = "mention dot", .message = "thanks @mmclaw."});
  add({.name = "mention colon", .message = "@mmclaw: hi", .body = "hi"});
  add({.name = "mention case", .message = "hi @MMCLAW"});
  add({.name = "mention botx", .message = "@mmclawx hi", .verdict = Verdict::drop, .reason = "no_mention"});
  add({.name = "mention dotted name", .message = "@mmclaw.name hi", .verdict = Verdict::drop,
       .reason = "no_mention"});
  add({.name = "mention email", .message = "bob@mmclaw hi", .verdict = Verdict::drop, .reason = "no_mention"});
  add({.name = "mention code span", .message = "see `@mmclaw` here", .verdict = Verdict::drop,
       .reason = "no_mention"});
  add({.name = "bare mention wakes", .message = "  @mmclaw ", .body = "@mmclaw"});
  add({.name = "double mention empty", .message = "@mmclaw @mmclaw", .verdict = Verdict::drop,
       .reason = "empty_body"});
  // --- chatmode and overrides. ---
  add({.name = "onmessage", .chatmode = ChatMode::onmessage, .message = "hello", .body = "hello"});
  add({.name = "oncall", .chatmode = ChatMode::oncall, .message = "hello", .verdict = Verdict::drop,
       .reason = "no_mention"});
  add({.name = "onchar prefix", .chatmode = ChatMode::onchar, .message = "> what time", .body = "what time"});
  add({.name = "onchar bang", .chatmode = ChatMode::onchar, .message = "  !ping", .body = "ping"});
  add({.name = "onchar without prefix", .chatmode = ChatMode::onchar, .message = "what time",
       .verdict = Verdict::drop, .reason = "no_mention"});
  add({.name = "onchar mention", .chatmode = ChatMode::onchar, .message = "@mmclaw what"});
  add({.name = "override beats oncall", .chatmode = ChatMode::oncall, .override_require = false,
       .message = "hello"});
  add({.name = "override beats onmessage", .chatmode = ChatMode::onmessage, .override_require = true,
       .message = "hello", .verdict = Verdict::drop, .reason = "no_mention"});
  add({.name = "star override", .chatmode = ChatMode::oncall, .star_require = false, .message = "hello"});
  add({.name = "channel override beats star", .override_require = true, .star_require = false,
       .message = "hello", .verdict = Verdict::drop, .reason = "no_mention"});
  // --- Threads. ---
  add({.name = "participated thread", .message = "and then?", .root = std::string(kRoot), .participated = true,
       .session = kChanKey + ":thread:" + std::string(kRoot), .reply_root = std::string(kRoot)});
  add({.name = "participation off", .message = "and then?", .root = std::string(kRoot), .participated = true,
       .thread_participation = false, .verdict = Verdict::drop, .reason = "no_mention"});
  add({.name = "reply to bot root", .message = "and then?", .root = std::string(kRoot), .root_by_bot = true,
       .reply_root = std::string(kRoot)});
  add({.name = "participation needs a thread", .message = "hello", .participated = true,
       .verdict = Verdict::drop, .reason = "no_mention"});
  add({.name = "thread reply lands under root", .message = "@mmclaw hi", .root = std::string(kRoot),
       .session = kChanKey + ":thread:" + std::string(kRoot), .reply_root = std::string(kRoot)});
  add({.name = "replyToMode first threads a root post", .message = "@mmclaw hi", .reply_mode = ReplyToMode::first,
       .session = kChanKey + ":thread:" + std::string(kPost), .reply_root = std::string(kPost)});
  add({.name = "replyToMode off stays flat", .message = "@mmclaw hi", .session = kChanKey, .reply_root = ""});
  // --- Control commands. ---
  add({.name = "authorised command bypasses mention", .allow_from = {std::string(kAlice)},
       .message = "/status"});
  add({.name = "unauthorised command dropped", .group = GroupPolicy::open, .message = "/status",
       .verdict = Verdict::drop, .reason = "unauthorized_command"});
  add({.name = "inline command is text", .message = "hello /status", .verdict = Verdict::drop,
       .reason = "no_mention"});
  // --- Filters. ---
  add({.name = "self", .sender = std::string(kBotId), .message = "@mmclaw hi", .verdict = Verdict::drop,
       .reason = "self"});
  return r;
}

TEST(InboundDecisions, Table) {
  for (const Row& row : rows()) {
    SCOPED_TRACE(row.name);
    const auto d = decide(row);
    EXPECT_EQ(d.verdict, row.verdict) << to_string(d.verdict) << " " << d.reason;
    EXPECT_EQ(d.reason, row.reason);
    if (row.verdict != Verdict::answer) continue;
    ASSERT_TRUE(d.route.has_value());
    if (!row.session.empty()) {
      EXPECT_EQ(d.route->session_key, row.session);
    }
    EXPECT_EQ(d.route->root_id, row.reply_root);
    if (!row.body.empty()) {
      EXPECT_EQ(d.body, row.body);
    }
  }
}

TEST(InboundDecisions, PairingApprovalLetsTheSenderIn) {
  Row row{.name = "dm pairing approved", .type = ChannelType::direct, .dm = DmPolicy::pairing, .message = "hi"};
  EXPECT_EQ(decide(row).verdict, Verdict::pair);
  EXPECT_EQ(decide(row, {std::string(kAlice)}).verdict, Verdict::answer);
  row.dm = DmPolicy::allowlist;  // approvals do not count under allowlist
  EXPECT_EQ(decide(row, {std::string(kAlice)}).reason, "not_allowlisted");
}

TEST(InboundDecisions, OtherBotsAreIgnoredUnlessAllowed) {
  Row row{.name = "bot", .type = ChannelType::direct, .dm = DmPolicy::open, .allow_from = {"*"}, .message = "hi"};
  config::AccountConfig account;
  mattermost::Post post;
  post.id = std::string(kPost);
  post.user_id = "otherbot00000000000000000b";
  post.channel_id = std::string(kChan);
  post.message = "hi";
  post.props["from_bot"] = "true";
  account.dm_policy = DmPolicy::open;
  account.allow_from = {"*"};
  InboundFacts facts;
  facts.post = &post;
  facts.channel = ChannelFacts{std::string(kChan), ChannelType::direct, "", "", ""};
  facts.sender = SenderFacts{post.user_id, "otherbot", false};
  InboundContext context;
  context.account = &account;
  context.bot = BotIdentity{std::string(kBotId), "mmclaw"};
  EXPECT_EQ(decide_inbound(facts, context).reason, "other_bot");
  account.allow_bots = true;
  EXPECT_EQ(decide_inbound(facts, context).verdict, Verdict::answer);
}

TEST(InboundDecisions, SkippedPostsKeepTheirRouteForHistoryAndAskForTheHint) {
  const auto d = decide(Row{.name = "skip", .message = "hello"});
  EXPECT_TRUE(d.mention_hint);
  EXPECT_TRUE(d.keep_as_history);
  ASSERT_TRUE(d.route);
  EXPECT_EQ(d.route->session_key, kChanKey);
  const auto outsider = decide(Row{.name = "outsider", .group = GroupPolicy::allowlist,
                                   .group_allow_from = {std::string(kAlice)}, .sender = std::string(kMallory),
                                   .message = "@mmclaw hi"});
  EXPECT_TRUE(outsider.keep_as_history);  // contextVisibility "all" (the default)
  EXPECT_FALSE(outsider.mention_hint);
}

TEST(InboundDecisions, UnknownChannelTypeIsDropped) {
  config::AccountConfig account;
  mattermost::Post post;
  post.id = std::string(kPost);
  post.user_id = std::string(kAlice);
  post.channel_id = std::string(kChan);
  post.message = "hi";
  InboundFacts facts;
  facts.post = &post;
  InboundContext context;
  context.account = &account;
  context.bot = BotIdentity{std::string(kBotId), "mmclaw"};
  EXPECT_EQ(decide_inbound(facts, context).reason, "unknown_channel");
}

TEST(ControlCommands, Recognised) {
  EXPECT_TRUE(is_control_command("/status"));
  EXPECT_TRUE(is_control_command("  /queue collect "));
  EXPECT_TRUE(is_control_command("/NEW"));
  EXPECT_FALSE(is_control_command("/statusx"));
  EXPECT_FALSE(is_control_command("hello /status"));
  EXPECT_FALSE(is_control_command("/"));
  EXPECT_FALSE(is_control_command("status"));
}

}  // namespace
}  // namespace mmclaw::gateway

#include "gateway/access.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace mmclaw::gateway {
namespace {

using config::ContextVisibility;
using config::DmPolicy;
using config::GroupPolicy;
using mattermost::ChannelType;

constexpr std::string_view kAlice = "alice00000000000000000000a";
constexpr std::string_view kBob = "bob0000000000000000000000b";
constexpr std::string_view kChan = "chan00000000000000000000001";

AccessInput input(std::string_view sender, std::string_view username, ChannelType type) {
  AccessInput in;
  in.sender_id = std::string(sender);
  in.sender_username = std::string(username);
  in.channel_type = type;
  in.channel_id = std::string(kChan);
  in.channel_name = "town-square";
  return in;
}

// --- Normalisation (§4.5 first paragraph) ---------------------------------------------------------

TEST(AccessNormalize, AllowEntries) {
  using K = AllowEntry::Kind;
  struct Case {
    std::string_view raw;
    std::optional<AllowEntry> want;
  };
  const Case cases[] = {
      {"abc123", AllowEntry{K::id_or_name, "abc123"}},
      {"  ABC123  ", AllowEntry{K::id_or_name, "abc123"}},
      {"*", AllowEntry{K::any, "*"}},
      {" * ", AllowEntry{K::any, "*"}},
      {"mattermost:ABC", AllowEntry{K::id_or_name, "abc"}},
      {"MatterMost:abc", AllowEntry{K::id_or_name, "abc"}},
      {"user:Abc", AllowEntry{K::id_or_name, "abc"}},
      {"USER:abc", AllowEntry{K::id_or_name, "abc"}},
      {"@Alice", AllowEntry{K::name, "alice"}},
      {"user:@alice", AllowEntry{K::name, "alice"}},
      {"mattermost:@alice", AllowEntry{K::name, "alice"}},
      {"accessGroup:ops", AllowEntry{K::access_group, "ops"}},
      {"accessgroup:Ops", AllowEntry{K::access_group, "Ops"}},
      {"", std::nullopt},
      {"   ", std::nullopt},
      {"@", std::nullopt},
      {"user:", std::nullopt},
      {"accessGroup:", std::nullopt},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.raw);
    EXPECT_EQ(normalize_allow_entry(c.raw), c.want);
  }
}

TEST(AccessNormalize, SenderIds) {
  EXPECT_EQ(normalize_sender("  ABC  "), "abc");
  EXPECT_EQ(normalize_sender("mattermost:ABC"), "abc");
  EXPECT_EQ(normalize_sender("@Alice"), "alice");
  EXPECT_EQ(normalize_sender(""), "");
}

TEST(AccessNormalize, ListDropsBlankEntries) {
  const auto list = normalize_allow_list({"", "a", "  ", "@b"});
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].value, "a");
  EXPECT_EQ(list[1].kind, AllowEntry::Kind::name);
}

TEST(AccessMatch, SenderAllowed) {
  struct Case {
    std::vector<std::string> list;
    std::string_view id, username;
    bool names;
    bool want;
  };
  const Case cases[] = {
      {{std::string(kAlice)}, kAlice, "alice", false, true},
      {{"ALICE00000000000000000000A"}, kAlice, "alice", false, true},  // case
      {{"mattermost:" + std::string(kAlice)}, kAlice, "alice", false, true},
      {{"user:" + std::string(kAlice)}, kAlice, "alice", false, true},
      {{std::string(kAlice)}, kBob, "bob", false, false},
      {{"*"}, kBob, "bob", false, true},
      {{}, kBob, "bob", false, false},
      // usernames only with dangerouslyAllowNameMatching
      {{"alice"}, kAlice, "alice", false, false},
      {{"@alice"}, kAlice, "alice", false, false},
      {{"alice"}, kAlice, "alice", true, true},
      {{"@Alice"}, kAlice, "ALICE", true, true},
      {{"user:@alice"}, kAlice, "alice", true, true},
      {{"@alice"}, kAlice, "", true, false},
      // a @name entry never matches an id, even one spelled like it
      {{"@alice"}, "alice", "someone", true, false},
      {{"@alice"}, "alice", "someone", false, false},
      // access-group references resolve to nobody
      {{"accessGroup:alice"}, "alice", "alice", true, false},
      {{"accessGroup:ops", std::string(kAlice)}, kAlice, "", false, true},
  };
  int i = 0;
  for (const auto& c : cases) {
    SCOPED_TRACE(i++);
    EXPECT_EQ(sender_allowed(normalize_allow_list(c.list), c.id, c.username, c.names), c.want);
  }
}

TEST(AccessKind, ChannelTypes) {
  EXPECT_EQ(chat_type_of(ChannelType::direct), ChatType::direct);
  EXPECT_EQ(chat_type_of(ChannelType::group), ChatType::group);
  EXPECT_EQ(chat_type_of(ChannelType::private_team), ChatType::group);
  EXPECT_EQ(chat_type_of(ChannelType::open), ChatType::channel);
  EXPECT_EQ(to_string(ChatType::group), "group");
}

TEST(AccessBots, FromBotProp) {
  struct Case {
    std::string_view json;
    bool want;
  };
  const Case cases[] = {
      {R"({"from_bot":"true"})", true},
      {R"({"from_bot":true})", true},
      {R"({"from_bot":"TRUE"})", true},
      {R"({"from_bot":"false"})", false},
      {R"({"from_bot":false})", false},
      {R"({"from_bot":1})", false},
      {R"({})", false},
      {R"({"from_webhook":"true"})", false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.json);
    EXPECT_EQ(props_from_bot(boost::json::parse(c.json).as_object()), c.want);
  }
}

// --- Effective lists ------------------------------------------------------------------------------

TEST(AccessLists, DmListAddsApprovalsExceptUnderAllowlist) {
  config::AccountConfig a;
  a.allow_from = {std::string(kAlice)};
  const std::set<std::string> approved{std::string(kBob)};
  for (const auto policy : {DmPolicy::pairing, DmPolicy::open, DmPolicy::disabled}) {
    a.dm_policy = policy;
    EXPECT_EQ(effective_dm_list(a, &approved).size(), 2u);
  }
  a.dm_policy = DmPolicy::allowlist;
  EXPECT_EQ(effective_dm_list(a, &approved).size(), 1u);
  a.dm_policy = DmPolicy::pairing;
  EXPECT_EQ(effective_dm_list(a, nullptr).size(), 1u);
}

TEST(AccessLists, GroupListFallsBackToAllowFromOnlyWhenEmpty) {
  config::AccountConfig a;
  a.allow_from = {"dm-owner"};
  EXPECT_EQ(effective_group_list(a), normalize_allow_list({"dm-owner"}));
  a.group_allow_from = {"group-owner"};
  EXPECT_EQ(effective_group_list(a), normalize_allow_list({"group-owner"}));
  a.group_allow_from = {"  "};  // blank entries do not count
  EXPECT_EQ(effective_group_list(a), normalize_allow_list({"dm-owner"}));
}

TEST(AccessChannels, AllowChannels) {
  struct Case {
    std::optional<std::vector<std::string>> allow;
    std::string_view id, name;
    bool want;
  };
  const Case cases[] = {
      {std::nullopt, kChan, "town-square", true},
      {std::vector<std::string>{}, kChan, "town-square", false},
      {std::vector<std::string>{"*"}, kChan, "town-square", true},
      {std::vector<std::string>{std::string(kChan)}, kChan, "", true},
      {std::vector<std::string>{"town-square"}, kChan, "town-square", true},
      {std::vector<std::string>{"Town-Square"}, kChan, "town-square", true},
      {std::vector<std::string>{"#town-square"}, kChan, "town-square", true},
      {std::vector<std::string>{"~town-square"}, kChan, "town-square", true},
      {std::vector<std::string>{"ai-chat"}, kChan, "town-square", false},
      {std::vector<std::string>{"town-square"}, kChan, "", false},
  };
  int i = 0;
  for (const auto& c : cases) {
    SCOPED_TRACE(i++);
    config::AccountConfig a;
    a.allowed_channels = c.allow;
    EXPECT_EQ(channel_allowed(a, c.id, c.name), c.want);
  }
}

// --- The decision ---------------------------------------------------------------------------------

AccessDecision allow(bool cmd) {
  AccessDecision d;
  d.outcome = AccessOutcome::allow;
  d.command_authorized = cmd;
  return d;
}
AccessDecision pair() {
  AccessDecision d;
  d.outcome = AccessOutcome::pair;
  return d;
}
AccessDecision dropped(AccessReason r, bool context = false) {
  AccessDecision d;
  d.outcome = AccessOutcome::drop;
  d.reason = r;
  d.record_as_context = context;
  return d;
}

struct DmCase {
  std::string_view name;
  DmPolicy policy;
  std::vector<std::string> allow_from;
  std::set<std::string> approved;
  std::string_view sender;
  AccessDecision want;
};

TEST(AccessDecide, DirectMessages) {
  const std::string alice(kAlice);
  const DmCase cases[] = {
      {"disabled drops even listed senders",
       DmPolicy::disabled,
       {alice},
       {},
       kAlice,
       dropped(AccessReason::dm_disabled)},
      {"disabled drops wildcard", DmPolicy::disabled, {"*"}, {}, kAlice, dropped(AccessReason::dm_disabled)},
      {"pairing: listed sender allowed", DmPolicy::pairing, {alice}, {}, kAlice, allow(true)},
      {"pairing: approved sender allowed", DmPolicy::pairing, {}, {alice}, kAlice, allow(true)},
      {"pairing: approved with mattermost: prefix",
       DmPolicy::pairing,
       {},
       {"mattermost:" + alice},
       kAlice,
       allow(true)},
      {"pairing: unknown sender pairs", DmPolicy::pairing, {}, {}, kAlice, pair()},
      {"pairing: other approval does not count", DmPolicy::pairing, {}, {std::string(kBob)}, kAlice, pair()},
      {"pairing: wildcard allows", DmPolicy::pairing, {"*"}, {}, kAlice, allow(true)},
      {"allowlist: listed sender allowed", DmPolicy::allowlist, {alice}, {}, kAlice, allow(true)},
      {"allowlist: store ignored",
       DmPolicy::allowlist,
       {},
       {alice},
       kAlice,
       dropped(AccessReason::not_allowlisted)},
      {"allowlist: unlisted dropped",
       DmPolicy::allowlist,
       {std::string(kBob)},
       {},
       kAlice,
       dropped(AccessReason::not_allowlisted)},
      {"open with wildcard allows", DmPolicy::open, {"*"}, {}, kAlice, allow(true)},
      {"open without wildcard drops",
       DmPolicy::open,
       {std::string(kBob)},
       {},
       kAlice,
       dropped(AccessReason::not_allowlisted)},
      {"open without wildcard, listed", DmPolicy::open, {alice}, {}, kAlice, allow(true)},
      {"open: approvals count", DmPolicy::open, {}, {alice}, kAlice, allow(true)},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    config::AccountConfig a;
    a.dm_policy = c.policy;
    a.allow_from = c.allow_from;
    const auto got =
        decide_access(input(c.sender, "alice", ChannelType::direct), AccessContext{&a, &c.approved, true});
    EXPECT_EQ(got, c.want) << to_string(got.outcome) << " " << (got.reason ? to_string(*got.reason) : "-");
  }
}

TEST(AccessDecide, DirectMessageByUsernameNeedsNameMatching) {
  config::AccountConfig a;
  a.dm_policy = DmPolicy::allowlist;
  a.allow_from = {"@alice"};
  const std::set<std::string> none;
  EXPECT_EQ(decide_access(input(kAlice, "alice", ChannelType::direct), AccessContext{&a, &none, true}),
            dropped(AccessReason::not_allowlisted));
  a.dangerously_allow_name_matching = true;
  EXPECT_EQ(decide_access(input(kAlice, "alice", ChannelType::direct), AccessContext{&a, &none, true}),
            allow(true));
}

struct GroupCase {
  std::string_view name;
  GroupPolicy policy;
  std::vector<std::string> allow_from;
  std::vector<std::string> group_allow_from;
  ContextVisibility visibility;
  ChannelType type;
  bool command;
  AccessDecision want;
};

TEST(AccessDecide, GroupsAndChannels) {
  const std::string alice(kAlice);
  const std::string bob(kBob);
  const auto all = ContextVisibility::all;
  const auto O = ChannelType::open;
  const GroupCase cases[] = {
      {"disabled drops",
       GroupPolicy::disabled,
       {alice},
       {alice},
       all,
       O,
       false,
       dropped(AccessReason::group_disabled)},
      {"disabled drops in G",
       GroupPolicy::disabled,
       {"*"},
       {},
       all,
       ChannelType::group,
       false,
       dropped(AccessReason::group_disabled)},
      {"allowlist, no lists",
       GroupPolicy::allowlist,
       {},
       {},
       all,
       O,
       false,
       dropped(AccessReason::group_allowlist_empty)},
      {"allowlist, group list holds sender", GroupPolicy::allowlist, {}, {alice}, all, O, false, allow(true)},
      {"allowlist, falls back to allowFrom", GroupPolicy::allowlist, {alice}, {}, all, O, false, allow(true)},
      {"allowlist, groupAllowFrom wins over allowFrom",
       GroupPolicy::allowlist,
       {alice},
       {bob},
       all,
       O,
       false,
       dropped(AccessReason::not_allowlisted, true)},
      {"allowlist, wildcard",
       GroupPolicy::allowlist,
       {},
       {"*"},
       all,
       ChannelType::private_team,
       false,
       allow(true)},
      {"allowlist, rejected recorded with visibility all",
       GroupPolicy::allowlist,
       {},
       {bob},
       all,
       O,
       false,
       dropped(AccessReason::not_allowlisted, true)},
      {"allowlist, rejected not recorded with allowlist",
       GroupPolicy::allowlist,
       {},
       {bob},
       ContextVisibility::allowlist,
       O,
       false,
       dropped(AccessReason::not_allowlisted, false)},
      {"allowlist, rejected not recorded with allowlist_quote",
       GroupPolicy::allowlist,
       {},
       {bob},
       ContextVisibility::allowlist_quote,
       O,
       false,
       dropped(AccessReason::not_allowlisted, false)},
      {"open allows anyone", GroupPolicy::open, {}, {}, all, O, false, allow(false)},
      {"open: listed sender may run commands", GroupPolicy::open, {}, {alice}, all, O, true, allow(true)},
      {"open: command with no lists dropped",
       GroupPolicy::open,
       {},
       {},
       all,
       O,
       true,
       dropped(AccessReason::unauthorized_command)},
      {"open: command from unlisted sender dropped",
       GroupPolicy::open,
       {bob},
       {bob},
       all,
       O,
       true,
       dropped(AccessReason::unauthorized_command)},
      {"open: allowFrom authorises commands though groupAllowFrom is set",
       GroupPolicy::open,
       {alice},
       {bob},
       all,
       O,
       true,
       allow(true)},
      {"allowlist: listed sender's command allowed",
       GroupPolicy::allowlist,
       {},
       {alice},
       all,
       O,
       true,
       allow(true)},
      {"allowlist: wildcard authorises commands",
       GroupPolicy::allowlist,
       {},
       {"*"},
       all,
       O,
       true,
       allow(true)},
  };
  const std::set<std::string> approved{alice};  // never consulted for groups
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    config::AccountConfig a;
    a.group_policy = c.policy;
    a.allow_from = c.allow_from;
    a.group_allow_from = c.group_allow_from;
    a.context_visibility = c.visibility;
    auto in = input(kAlice, "alice", c.type);
    in.is_control_command = c.command;
    const auto got = decide_access(in, AccessContext{&a, &approved, true});
    EXPECT_EQ(got, c.want) << to_string(got.outcome) << " " << (got.reason ? to_string(*got.reason) : "-");
  }
}

TEST(AccessDecide, PairingApprovalsDoNotOpenGroups) {
  config::AccountConfig a;
  a.group_policy = GroupPolicy::allowlist;
  a.group_allow_from = {std::string(kBob)};
  const std::set<std::string> approved{std::string(kAlice)};
  EXPECT_EQ(
      decide_access(input(kAlice, "alice", ChannelType::open), AccessContext{&a, &approved, true}).reason,
      AccessReason::not_allowlisted);
}

TEST(AccessDecide, AllowChannelsRestrictsGroupsNotDms) {
  config::AccountConfig a;
  a.group_policy = GroupPolicy::open;
  a.dm_policy = DmPolicy::open;
  a.allow_from = {"*"};
  a.allowed_channels = std::vector<std::string>{"ai-chat"};
  const std::set<std::string> none;
  const AccessContext ctx{&a, &none, true};
  EXPECT_EQ(decide_access(input(kAlice, "alice", ChannelType::open), ctx),
            dropped(AccessReason::channel_not_allowed));
  EXPECT_EQ(decide_access(input(kAlice, "alice", ChannelType::group), ctx),
            dropped(AccessReason::channel_not_allowed));
  EXPECT_EQ(decide_access(input(kAlice, "alice", ChannelType::direct), ctx), allow(true));
  auto in = input(kAlice, "alice", ChannelType::open);
  in.channel_name = "ai-chat";
  EXPECT_EQ(decide_access(in, ctx), allow(true));
  // A disabled group policy is reported first.
  a.group_policy = GroupPolicy::disabled;
  EXPECT_EQ(decide_access(input(kAlice, "alice", ChannelType::open), ctx),
            dropped(AccessReason::group_disabled));
}

TEST(AccessDecide, OtherBotsDroppedUnlessAllowBots) {
  struct Case {
    bool is_bot, from_bot_prop, allow_bots;
    ChannelType type;
    bool dropped_as_bot;
  };
  const Case cases[] = {
      {true, false, false, ChannelType::direct, true}, {false, true, false, ChannelType::direct, true},
      {true, true, false, ChannelType::open, true},    {false, true, false, ChannelType::group, true},
      {true, false, true, ChannelType::direct, false}, {false, true, true, ChannelType::open, false},
      {false, false, false, ChannelType::open, false},
  };
  int i = 0;
  for (const auto& c : cases) {
    SCOPED_TRACE(i++);
    config::AccountConfig a;
    a.dm_policy = DmPolicy::open;
    a.allow_from = {"*"};
    a.group_policy = GroupPolicy::open;
    a.allow_bots = c.allow_bots;
    auto in = input(kAlice, "otherbot", c.type);
    in.sender_is_bot = c.is_bot;
    in.from_bot_prop = c.from_bot_prop;
    const std::set<std::string> none;
    const auto got = decide_access(in, AccessContext{&a, &none, true});
    if (c.dropped_as_bot)
      EXPECT_EQ(got, dropped(AccessReason::other_bot));
    else
      EXPECT_EQ(got.outcome, AccessOutcome::allow);
  }
}

TEST(AccessDecide, AllowedBotsStillFaceThePolicies) {
  config::AccountConfig a;
  a.allow_bots = true;
  a.dm_policy = DmPolicy::disabled;
  auto in = input(kAlice, "otherbot", ChannelType::direct);
  in.sender_is_bot = true;
  const std::set<std::string> none;
  EXPECT_EQ(decide_access(in, AccessContext{&a, &none, true}), dropped(AccessReason::dm_disabled));
}

TEST(AccessDecide, ControlCommandsInDms) {
  const std::set<std::string> approved{std::string(kAlice)};
  config::AccountConfig a;
  a.dm_policy = DmPolicy::pairing;
  // An approved sender is on the effective DM list, so may run /status.
  auto in = input(kAlice, "alice", ChannelType::direct);
  in.is_control_command = true;
  EXPECT_EQ(decide_access(in, AccessContext{&a, &approved, true}), allow(true));
  // Under "allowlist" the store is ignored: the sender is dropped before any command runs.
  a.dm_policy = DmPolicy::allowlist;
  EXPECT_EQ(decide_access(in, AccessContext{&a, &approved, true}), dropped(AccessReason::not_allowlisted));
  // In DMs a sender let in by the DM list is on it, so a wildcard authorises commands too.
  a.dm_policy = DmPolicy::open;
  a.allow_from = {"*"};
  EXPECT_EQ(decide_access(in, AccessContext{&a, nullptr, true}), allow(true));
  // groupAllowFrom neither lets a DM in nor authorises its commands.
  a.dm_policy = DmPolicy::pairing;
  a.allow_from = {};
  a.group_allow_from = {std::string(kAlice)};
  EXPECT_EQ(decide_access(in, AccessContext{&a, nullptr, true}), pair());
}

TEST(AccessDecide, UseAccessGroupsOffAuthorisesEveryone) {
  config::AccountConfig a;
  a.group_policy = GroupPolicy::open;
  auto in = input(kAlice, "alice", ChannelType::open);
  in.is_control_command = true;
  EXPECT_EQ(decide_access(in, AccessContext{&a, nullptr, true}), dropped(AccessReason::unauthorized_command));
  EXPECT_EQ(decide_access(in, AccessContext{&a, nullptr, false}), allow(true));
}

TEST(AccessDecide, NullAccountUsesDefaults) {
  // pairing DMs and allowlist groups with empty lists.
  EXPECT_EQ(decide_access(input(kAlice, "alice", ChannelType::direct), AccessContext{}), pair());
  EXPECT_EQ(decide_access(input(kAlice, "alice", ChannelType::open), AccessContext{}),
            dropped(AccessReason::group_allowlist_empty));
}

TEST(AccessReasons, CodesAreStable) {
  struct Case {
    AccessReason reason;
    std::string_view code;
  };
  const Case cases[] = {
      {AccessReason::other_bot, "other_bot"},
      {AccessReason::dm_disabled, "dm_disabled"},
      {AccessReason::not_allowlisted, "not_allowlisted"},
      {AccessReason::pairing_pending, "pairing_pending"},
      {AccessReason::group_disabled, "group_disabled"},
      {AccessReason::group_allowlist_empty, "group_allowlist_empty"},
      {AccessReason::channel_not_allowed, "channel_not_allowed"},
      {AccessReason::unauthorized_command, "unauthorized_command"},
  };
  for (const auto& c : cases) EXPECT_EQ(to_string(c.reason), c.code);
  EXPECT_EQ(to_string(AccessOutcome::allow), "allow");
  EXPECT_EQ(to_string(AccessOutcome::pair), "pair");
  EXPECT_EQ(to_string(AccessOutcome::drop), "drop");
}

}  // namespace
}  // namespace mmclaw::gateway

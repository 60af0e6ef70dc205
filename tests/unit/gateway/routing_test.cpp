#include "gateway/routing.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace mmclaw::gateway {
namespace {

using config::DmScope;
using config::ReplyToMode;
using config::ReplyToModes;
using mattermost::ChannelType;

ReplyToModes modes(ReplyToMode base, std::optional<ReplyToMode> direct = std::nullopt,
                   std::optional<ReplyToMode> group = std::nullopt,
                   std::optional<ReplyToMode> channel = std::nullopt) {
  ReplyToModes m;
  m.base = base;
  m.direct = direct;
  m.group = group;
  m.channel = channel;
  return m;
}

constexpr auto kNone = std::nullopt;

// --- §4.3 chat type ---------------------------------------------------------------------------

TEST(ChatTypeOf, MapsChannelTypes) {
  struct Case {
    ChannelType in;
    ChatType want;
    std::string_view name;
  };
  const std::vector<Case> cases{
      {ChannelType::direct, ChatType::direct, "direct"},
      {ChannelType::group, ChatType::group, "group"},
      {ChannelType::private_team, ChatType::group, "group"},
      {ChannelType::open, ChatType::channel, "channel"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(mattermost::channel_type_code(c.in));
    EXPECT_EQ(chat_type_of(c.in), c.want);
    EXPECT_EQ(to_string(chat_type_of(c.in)), c.name);
  }
}

// --- §4.4 effective mode --------------------------------------------------------------------

TEST(EffectiveReplyToMode, ByChatTypeOverridesBaseAndDmsDefaultToOff) {
  struct Case {
    std::string_view name;
    ReplyToModes modes;
    ChatType type;
    ReplyToMode want;
  };
  const std::vector<Case> cases{
      {"defaults channel", modes(ReplyToMode::off), ChatType::channel, ReplyToMode::off},
      {"base applies to channel", modes(ReplyToMode::all), ChatType::channel, ReplyToMode::all},
      {"base applies to group", modes(ReplyToMode::first), ChatType::group, ReplyToMode::first},
      {"base never applies to direct", modes(ReplyToMode::all), ChatType::direct, ReplyToMode::off},
      {"direct override", modes(ReplyToMode::off, ReplyToMode::batched), ChatType::direct,
       ReplyToMode::batched},
      {"group override", modes(ReplyToMode::all, kNone, ReplyToMode::off), ChatType::group, ReplyToMode::off},
      {"channel override", modes(ReplyToMode::off, kNone, kNone, ReplyToMode::first), ChatType::channel,
       ReplyToMode::first},
      {"group override not for channel", modes(ReplyToMode::all, kNone, ReplyToMode::off), ChatType::channel,
       ReplyToMode::all},
      {"channel override not for group", modes(ReplyToMode::off, kNone, kNone, ReplyToMode::all),
       ChatType::group, ReplyToMode::off},
      {"direct override not for channel", modes(ReplyToMode::off, ReplyToMode::all), ChatType::channel,
       ReplyToMode::off},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(effective_reply_to_mode(c.modes, c.type), c.want);
  }
}

// --- §4.4 base session keys -------------------------------------------------------------------

TEST(BaseSessionKey, SpelledAsTheReference) {
  struct Case {
    ChatType type;
    DmScope scope;
    std::string_view want;
  };
  const std::vector<Case> cases{
      {ChatType::channel, DmScope::main, "agent:main:mattermost:channel:peer1"},
      {ChatType::group, DmScope::main, "agent:main:mattermost:group:peer1"},
      {ChatType::direct, DmScope::main, "agent:main:main"},
      {ChatType::direct, DmScope::per_peer, "agent:main:direct:peer1"},
      {ChatType::direct, DmScope::per_channel_peer, "agent:main:mattermost:direct:peer1"},
      {ChatType::direct, DmScope::per_account_channel_peer, "agent:main:mattermost:ops-team:direct:peer1"},
      // dmScope only shapes DMs.
      {ChatType::channel, DmScope::per_account_channel_peer, "agent:main:mattermost:channel:peer1"},
      {ChatType::group, DmScope::per_peer, "agent:main:mattermost:group:peer1"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.want);
    EXPECT_EQ(base_session_key("main", "ops-team", c.scope, c.type, "peer1"), c.want);
  }
}

TEST(BaseSessionKey, LowerCasesIds) {
  EXPECT_EQ(base_session_key("Helper", "Ops", DmScope::per_account_channel_peer, ChatType::direct, "UserA"),
            "agent:helper:mattermost:ops:direct:usera");
  EXPECT_EQ(base_session_key("main", "ops", DmScope::main, ChatType::channel, "ChanA"),
            "agent:main:mattermost:channel:chana");
}

// --- §4.4 thread ids --------------------------------------------------------------------------

TEST(ThreadIdFor, FollowsModeAndRoot) {
  struct Case {
    std::string_view name;
    ReplyToMode mode;
    ChatType type;
    std::string_view root_id;
    std::optional<std::string> want;
  };
  const std::vector<Case> cases{
      {"channel off, root post", ReplyToMode::off, ChatType::channel, "", kNone},
      {"channel off, reply", ReplyToMode::off, ChatType::channel, "root1", "root1"},
      {"channel first", ReplyToMode::first, ChatType::channel, "", "post1"},
      {"channel all", ReplyToMode::all, ChatType::channel, "", "post1"},
      {"channel batched", ReplyToMode::batched, ChatType::channel, "", "post1"},
      {"channel all, reply keeps the root", ReplyToMode::all, ChatType::channel, "root1", "root1"},
      {"group off, reply", ReplyToMode::off, ChatType::group, "root1", "root1"},
      {"group first", ReplyToMode::first, ChatType::group, "", "post1"},
      {"direct off, root post", ReplyToMode::off, ChatType::direct, "", kNone},
      {"direct off, inside a DM thread", ReplyToMode::off, ChatType::direct, "root1", kNone},
      {"direct first", ReplyToMode::first, ChatType::direct, "", "post1"},
      {"direct all, reply", ReplyToMode::all, ChatType::direct, "root1", "root1"},
      {"thread id verbatim", ReplyToMode::off, ChatType::channel, "RootMixed", "RootMixed"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(thread_id_for(c.mode, c.type, "post1", c.root_id), c.want);
  }
}

// --- route_post: the whole table -------------------------------------------------------------

struct RouteCase {
  std::string name;
  ChannelType channel_type;
  DmScope dm_scope;
  ReplyToModes reply_to;
  std::string root_id;  // of the inbound post "post1"
  std::string want_session_key;
  std::optional<std::string> want_parent;
  std::optional<std::string> want_thread_id;
  std::string want_to;
  std::string want_root_id;
};

RouteCase rc(std::string name, ChannelType type, DmScope scope, ReplyToModes reply_to, std::string root_id,
             std::string session_key, std::optional<std::string> parent, std::optional<std::string> thread_id,
             std::string to, std::string root) {
  return RouteCase{std::move(name),
                   type,
                   scope,
                   std::move(reply_to),
                   std::move(root_id),
                   std::move(session_key),
                   std::move(parent),
                   std::move(thread_id),
                   std::move(to),
                   std::move(root)};
}

constexpr std::string_view kChan = "agent:main:mattermost:channel:chan1";
constexpr std::string_view kGroup = "agent:main:mattermost:group:chan1";

std::string s(std::string_view v) {
  return std::string(v);
}
std::string thread(std::string_view base, std::string_view id) {
  return thread_session_key(base, id);
}

std::vector<RouteCase> route_cases() {
  const auto off = modes(ReplyToMode::off);
  const auto first = modes(ReplyToMode::first);
  const auto all = modes(ReplyToMode::all);
  const auto batched = modes(ReplyToMode::batched);
  const auto O = ChannelType::open;
  const auto G = ChannelType::group;
  const auto P = ChannelType::private_team;
  const auto D = ChannelType::direct;
  const auto M = DmScope::main;
  const std::string ch = "channel:chan1";
  const std::string dm = "user:user1";
  const std::string dm_peer = "agent:main:mattermost:ops-team:direct:user1";
  return {
      // Channels.
      rc("channel_off_flat", O, M, off, "", s(kChan), kNone, kNone, ch, ""),
      rc("channel_first_threads_on_the_post", O, M, first, "", thread(kChan, "post1"), s(kChan), "post1", ch,
         "post1"),
      rc("channel_all_threads_on_the_post", O, M, all, "", thread(kChan, "post1"), s(kChan), "post1", ch,
         "post1"),
      rc("channel_batched_threads_on_the_post", O, M, batched, "", thread(kChan, "post1"), s(kChan), "post1",
         ch, "post1"),
      rc("channel_off_reply_stays_in_its_thread", O, M, off, "root1", thread(kChan, "root1"), s(kChan),
         "root1", ch, "root1"),
      rc("channel_all_reply_roots_at_the_thread_root", O, M, all, "root1", thread(kChan, "root1"), s(kChan),
         "root1", ch, "root1"),
      rc("channel_override_threads", O, M, modes(ReplyToMode::off, kNone, kNone, ReplyToMode::all), "",
         thread(kChan, "post1"), s(kChan), "post1", ch, "post1"),
      rc("channel_override_off_beats_base", O, M, modes(ReplyToMode::all, kNone, kNone, ReplyToMode::off), "",
         s(kChan), kNone, kNone, ch, ""),
      rc("channel_ignores_group_override", O, M, modes(ReplyToMode::off, kNone, ReplyToMode::all), "",
         s(kChan), kNone, kNone, ch, ""),
      rc("channel_ignores_dm_scope", O, DmScope::per_account_channel_peer, off, "", s(kChan), kNone, kNone,
         ch, ""),
      // Group messages (G) and private channels (P).
      rc("group_G_off_flat", G, M, off, "", s(kGroup), kNone, kNone, ch, ""),
      rc("group_P_off_flat", P, M, off, "", s(kGroup), kNone, kNone, ch, ""),
      rc("group_G_first", G, M, first, "", thread(kGroup, "post1"), s(kGroup), "post1", ch, "post1"),
      rc("group_P_all_reply", P, M, all, "root1", thread(kGroup, "root1"), s(kGroup), "root1", ch, "root1"),
      rc("group_override_threads", P, M, modes(ReplyToMode::off, kNone, ReplyToMode::batched), "",
         thread(kGroup, "post1"), s(kGroup), "post1", ch, "post1"),
      rc("group_override_off_beats_base", G, M, modes(ReplyToMode::all, kNone, ReplyToMode::off), "",
         s(kGroup), kNone, kNone, ch, ""),
      rc("group_override_off_reply_keeps_root", G, M, modes(ReplyToMode::all, kNone, ReplyToMode::off),
         "root1", thread(kGroup, "root1"), s(kGroup), "root1", ch, "root1"),
      rc("group_ignores_channel_override", G, M, modes(ReplyToMode::off, kNone, kNone, ReplyToMode::all), "",
         s(kGroup), kNone, kNone, ch, ""),
      // DMs under every dmScope.
      rc("dm_scope_main", D, M, off, "", "agent:main:main", kNone, kNone, dm, ""),
      rc("dm_scope_per_peer", D, DmScope::per_peer, off, "", "agent:main:direct:user1", kNone, kNone, dm, ""),
      rc("dm_scope_per_channel_peer", D, DmScope::per_channel_peer, off, "",
         "agent:main:mattermost:direct:user1", kNone, kNone, dm, ""),
      rc("dm_scope_per_account_channel_peer", D, DmScope::per_account_channel_peer, off, "", dm_peer, kNone,
         kNone, dm, ""),
      // DMs stay flat unless replyToModeByChatType.direct threads them.
      rc("dm_base_all_stays_flat", D, M, all, "", "agent:main:main", kNone, kNone, dm, ""),
      rc("dm_off_reply_in_dm_thread_stays_flat", D, DmScope::per_peer, off, "root1",
         "agent:main:direct:user1", kNone, kNone, dm, ""),
      rc("dm_direct_off_beats_base", D, M, modes(ReplyToMode::all, ReplyToMode::off), "root1",
         "agent:main:main", kNone, kNone, dm, ""),
      rc("dm_direct_first_threads_without_parent", D, M, modes(ReplyToMode::off, ReplyToMode::first), "",
         "agent:main:main:thread:post1", kNone, "post1", dm, "post1"),
      rc("dm_direct_all_reply_roots_at_thread_root", D, DmScope::per_peer,
         modes(ReplyToMode::off, ReplyToMode::all), "root1", "agent:main:direct:user1:thread:root1", kNone,
         "root1", dm, "root1"),
      rc("dm_direct_batched_per_account", D, DmScope::per_account_channel_peer,
         modes(ReplyToMode::off, ReplyToMode::batched), "", dm_peer + ":thread:post1", kNone, "post1", dm,
         "post1"),
  };
}

class RoutePostTable : public ::testing::TestWithParam<RouteCase> {};

TEST_P(RoutePostTable, Routes) {
  const RouteCase& c = GetParam();
  RouteParams params;
  params.account_id = "ops-team";
  params.reply_to = c.reply_to;
  params.dm_scope = c.dm_scope;
  mattermost::Post post;
  post.id = "post1";
  post.channel_id = "chan1";
  post.user_id = "user1";
  post.root_id = c.root_id;

  const Route r = route_post(params, post, c.channel_type, "user1");
  EXPECT_EQ(r.session_key, c.want_session_key);
  EXPECT_EQ(r.parent_session_key, c.want_parent);
  EXPECT_EQ(r.thread_id, c.want_thread_id);
  EXPECT_EQ(r.to, c.want_to);
  EXPECT_EQ(r.channel_id, "chan1");
  EXPECT_EQ(r.root_id, c.want_root_id);
  EXPECT_EQ(r.chat_type, chat_type_of(c.channel_type));
  EXPECT_EQ(r.reply_to_mode, effective_reply_to_mode(c.reply_to, r.chat_type));
  // The base session (reactions) never has a thread suffix, and the root is never a reply's id.
  EXPECT_EQ(r.base_session_key.find(":thread:"), std::string::npos);
  if (!c.root_id.empty()) {
    EXPECT_NE(r.root_id, post.id);
  }
  if (r.chat_type == ChatType::direct) {
    EXPECT_EQ(r.peer_id, "user1");
  } else {
    EXPECT_EQ(r.peer_id, "chan1");
  }
}

INSTANTIATE_TEST_SUITE_P(Routing, RoutePostTable, ::testing::ValuesIn(route_cases()),
                         [](const ::testing::TestParamInfo<RouteCase>& p) { return p.param.name; });

// --- route_post: the details --------------------------------------------------------------------

RouteParams params_for(DmScope scope, ReplyToModes reply_to) {
  RouteParams p;
  p.account_id = "ops-team";
  p.reply_to = reply_to;
  p.dm_scope = scope;
  return p;
}

mattermost::Post make_post(std::string id, std::string channel_id, std::string root_id, std::string user_id) {
  mattermost::Post p;
  p.id = std::move(id);
  p.channel_id = std::move(channel_id);
  p.root_id = std::move(root_id);
  p.user_id = std::move(user_id);
  return p;
}

TEST(RoutePost, ButtonClickInADmRoutesToTheClickerNotThePostAuthor) {
  // A click arrives with the bot's post; the peer is the user who clicked.
  const auto bot_post = make_post("botpost", "dmchan", "", "botuser");
  const Route r = route_post(params_for(DmScope::per_peer, modes(ReplyToMode::off)), bot_post,
                             ChannelType::direct, "clicker");
  EXPECT_EQ(r.session_key, "agent:main:direct:clicker");
  EXPECT_EQ(r.to, "user:clicker");
  EXPECT_EQ(r.channel_id, "dmchan");
  EXPECT_EQ(r.root_id, "");
}

TEST(RoutePost, ButtonClickInAThreadUsesTheClickedPostsRoot) {
  const auto bot_post = make_post("botreply", "chan1", "root1", "botuser");
  const Route r =
      route_post(params_for(DmScope::main, modes(ReplyToMode::all)), bot_post, ChannelType::open, "clicker");
  EXPECT_EQ(r.session_key, "agent:main:mattermost:channel:chan1:thread:root1");
  EXPECT_EQ(r.root_id, "root1");
}

TEST(RoutePost, LowerCasesIdsInKeysButKeepsThreadIdAndTargetsVerbatim) {
  const auto post = make_post("PostA", "ChanA", "RootA", "UserA");
  const Route r =
      route_post(params_for(DmScope::main, modes(ReplyToMode::off)), post, ChannelType::open, "UserA");
  EXPECT_EQ(r.base_session_key, "agent:main:mattermost:channel:chana");
  EXPECT_EQ(r.session_key, "agent:main:mattermost:channel:chana:thread:RootA");
  EXPECT_EQ(r.channel_id, "ChanA");
  EXPECT_EQ(r.root_id, "RootA");
}

TEST(RoutePost, UsesTheConfiguredAgentIdAndDefaultsToMain) {
  auto p = params_for(DmScope::main, modes(ReplyToMode::off));
  const auto post = make_post("post1", "dmchan", "", "user1");
  p.agent_id = "Helper";
  EXPECT_EQ(route_post(p, post, ChannelType::direct, "user1").session_key, "agent:helper:main");
  p.agent_id.clear();
  EXPECT_EQ(route_post(p, post, ChannelType::direct, "user1").session_key, "agent:main:main");
}

TEST(RouteParamsFromConfig, TakesAccountIdAndReplyModes) {
  config::AccountConfig account;
  account.id = "ops-team";
  account.reply_to = modes(ReplyToMode::first, ReplyToMode::all);
  const RouteParams p = route_params(account, DmScope::per_account_channel_peer);
  EXPECT_EQ(p.account_id, "ops-team");
  EXPECT_EQ(p.reply_to, account.reply_to);
  EXPECT_EQ(p.dm_scope, DmScope::per_account_channel_peer);
  EXPECT_EQ(p.agent_id, "main");
}

// --- §5.5 reply root of an agent payload -------------------------------------------------------

TEST(ReplyRootForPayload, ThreadRootFirstThenPayloadOutsideDms) {
  struct Case {
    std::string_view name;
    ChannelType type;
    ReplyToModes reply_to;
    std::string_view post_root;
    std::string_view payload_reply_to;
    std::string_view want;
  };
  const std::vector<Case> cases{
      {"thread root wins over payload", ChannelType::open, modes(ReplyToMode::off), "root1", "other",
       "root1"},
      {"channel flat uses payload", ChannelType::open, modes(ReplyToMode::off), "", "other", "other"},
      {"blank payload ignored", ChannelType::open, modes(ReplyToMode::off), "", "  ", ""},
      {"group flat uses payload", ChannelType::private_team, modes(ReplyToMode::off), "", "other", "other"},
      {"flat dm never gets a root", ChannelType::direct, modes(ReplyToMode::all), "", "other", ""},
      {"flat dm inside a thread", ChannelType::direct, modes(ReplyToMode::off), "root1", "other", ""},
      {"threaded dm uses thread root", ChannelType::direct, modes(ReplyToMode::off, ReplyToMode::first), "",
       "other", "post1"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const auto post = make_post("post1", "chan1", std::string(c.post_root), "user1");
    const Route r = route_post(params_for(DmScope::main, c.reply_to), post, c.type, "user1");
    EXPECT_EQ(reply_root_for_payload(r, c.payload_reply_to), c.want);
  }
}

}  // namespace
}  // namespace mmclaw::gateway

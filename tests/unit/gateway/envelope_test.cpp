#include "gateway/envelope.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include <boost/json/serialize.hpp>

namespace mmclaw::gateway {
namespace {

constexpr std::int64_t kT = 1777885500000;  // 2026-05-04 09:05:00 UTC
constexpr std::int64_t kMinute = 60'000;

HistoryEntry entry(std::string id, std::int64_t ts, std::string body = "text", std::string sender = "bob") {
  HistoryEntry e;
  e.sender = std::move(sender);
  e.body = std::move(body);
  e.timestamp = ts;
  e.message_id = std::move(id);
  e.channel_id = "c1";
  return e;
}

std::vector<std::string> ids_of(const std::vector<HistoryEntry>& entries) {
  std::vector<std::string> ids;
  for (const auto& e : entries) ids.push_back(e.message_id);
  return ids;
}

EnvelopeInput dm_input() {
  EnvelopeInput in;
  in.chat_type = ChatType::direct;
  in.channel_id = "dm1";
  in.sender_id = "u1";
  in.sender_name = "alice";
  in.post_id = "p1";
  in.timestamp_ms = kT;
  in.body = "hello";
  return in;
}

EnvelopeInput group_input(ChatType type = ChatType::group) {
  EnvelopeInput in;
  in.chat_type = type;
  in.channel_id = "c1";
  in.channel_name = "dev";
  in.channel_display = "Dev Team";
  in.sender_id = "u1";
  in.sender_name = "alice";
  in.post_id = "p1";
  in.timestamp_ms = kT;
  in.body = "hello";
  return in;
}

// --- timestamps and elapsed ----------------------------------------------------------------------

TEST(FormatUtcTimestamp, FormatsCalendarDatesInUtc) {
  struct Case {
    std::int64_t ms;
    std::string_view want;
  };
  const std::vector<Case> cases{
      {0, "1970-01-01 00:00 UTC"},
      {-1, "1969-12-31 23:59 UTC"},
      {kT, "2026-05-04 09:05 UTC"},
      {kT + 59'999, "2026-05-04 09:05 UTC"},    // seconds are floored, never rounded
      {1709210096000, "2024-02-29 12:34 UTC"},  // leap day
      {951782400000, "2000-02-29 00:00 UTC"},   // leap day of a 400-year century
      {4107542340000, "2100-02-28 23:59 UTC"},  // 2100 is not a leap year...
      {4107542400000, "2100-03-01 00:00 UTC"},  // ...so March follows February 28
      {1704067199999, "2023-12-31 23:59 UTC"},  // last millisecond of a year
      {1704067200000, "2024-01-01 00:00 UTC"},  // first millisecond of the next
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.ms);
    EXPECT_EQ(format_utc_timestamp(c.ms), c.want);
  }
}

TEST(FormatElapsed, LargestWholeUnitFloored) {
  struct Case {
    std::int64_t ms;
    std::optional<std::string> want;
  };
  const std::vector<Case> cases{
      {-1, std::nullopt},
      {0, "0s"},
      {999, "0s"},
      {1'000, "1s"},
      {45'000, "45s"},
      {59'999, "59s"},
      {60'000, "1m"},
      {12 * kMinute + 59'999, "12m"},
      {3'599'999, "59m"},
      {3'600'000, "1h"},
      {3 * 3'600'000 + 59 * kMinute, "3h"},
      {86'399'999, "23h"},
      {86'400'000, "1d"},
      {2 * 86'400'000 + 23 * 3'600'000, "2d"},
      {400LL * 86'400'000, "400d"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.ms);
    EXPECT_EQ(format_elapsed(c.ms), c.want);
  }
}

// --- §4.9 fromLabel --------------------------------------------------------------------------

TEST(FromLabel, DirectAndGroupForms) {
  struct Case {
    std::string_view name;
    EnvelopeInput in;
    std::string_view want;
  };
  auto dm_same = dm_input();
  dm_same.sender_name = "u1";
  auto dm_unnamed = dm_input();
  dm_unnamed.sender_name = "";
  auto group_no_display = group_input();
  group_no_display.channel_display = "";
  auto group_bare = group_input();
  group_bare.channel_display = "";
  group_bare.channel_name = "";
  auto channel_bare = group_input(ChatType::channel);
  channel_bare.channel_display = "";
  channel_bare.channel_name = "";
  const std::vector<Case> cases{
      {"dm name differs from id", dm_input(), "alice id:u1"},
      {"dm name equals id", dm_same, "u1"},
      {"dm without name falls back to id", dm_unnamed, "u1"},
      {"group with display", group_input(), "Dev Team id:c1"},
      {"group with name only", group_no_display, "#dev id:c1"},
      {"group with neither", group_bare, "#c1 id:c1"},
      {"channel with display", group_input(ChatType::channel), "Dev Team id:c1"},
      {"channel with neither", channel_bare, "#c1 id:c1"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(from_label(c.in), c.want);
  }
}

// --- §4.9 envelope ---------------------------------------------------------------------------

TEST(FormatEnvelope, ExactText) {
  struct Case {
    std::string_view name;
    EnvelopeInput in;
    bool current;
    std::string_view want;
  };
  auto dm_prev = dm_input();
  dm_prev.previous_timestamp_ms = kT - 45'000;
  auto dm_future_prev = dm_input();
  dm_future_prev.previous_timestamp_ms = kT + 1;
  auto dm_no_time = dm_input();
  dm_no_time.timestamp_ms = 0;
  dm_no_time.previous_timestamp_ms = kT - 45'000;
  auto group_prev = group_input();
  group_prev.previous_timestamp_ms = kT - 3 * 3'600'000;
  auto history_no_id = group_input();
  history_no_id.post_id = "";
  auto dm_multiline = dm_input();
  dm_multiline.body = "line one\nline two";
  const std::vector<Case> cases{
      {"dm current", dm_input(), true,
       "[Mattermost alice id:u1 2026-05-04 09:05 UTC]\nhello\n[mattermost message id: p1 channel: dm1]"},
      {"dm with elapsed", dm_prev, true,
       "[Mattermost alice id:u1 +45s 2026-05-04 09:05 UTC]\nhello\n[mattermost message id: p1 channel: dm1]"},
      {"negative elapsed omitted", dm_future_prev, true,
       "[Mattermost alice id:u1 2026-05-04 09:05 UTC]\nhello\n[mattermost message id: p1 channel: dm1]"},
      {"unknown time: no timestamp, no elapsed", dm_no_time, true,
       "[Mattermost alice id:u1]\nhello\n[mattermost message id: p1 channel: dm1]"},
      {"dm multi-line body", dm_multiline, true,
       "[Mattermost alice id:u1 2026-05-04 09:05 UTC]\nline one\nline two\n"
       "[mattermost message id: p1 channel: dm1]"},
      {"group current: sender prefix", group_input(), true,
       "[Mattermost Dev Team id:c1 2026-05-04 09:05 UTC]\nalice: hello\n[mattermost message id: p1 channel: "
       "c1]"},
      {"channel with elapsed", group_prev, true,
       "[Mattermost Dev Team id:c1 +3h 2026-05-04 09:05 UTC]\nalice: hello\n"
       "[mattermost message id: p1 channel: c1]"},
      {"group history suffix", group_input(), false,
       "[Mattermost Dev Team id:c1 2026-05-04 09:05 UTC]\nalice: hello [id:p1 channel:c1]"},
      {"history without post id: no suffix", history_no_id, false,
       "[Mattermost Dev Team id:c1 2026-05-04 09:05 UTC]\nalice: hello"},
      {"dm history suffix", dm_input(), false,
       "[Mattermost alice id:u1 2026-05-04 09:05 UTC]\nhello [id:p1 channel:dm1]"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(format_envelope(c.in, c.current), c.want);
  }
}

// --- §4.8 agent body -------------------------------------------------------------------------

TEST(AgentBody, WithoutHistoryIsTheCurrentEnvelope) {
  EXPECT_EQ(agent_body({}, group_input()), format_envelope(group_input(), true));
}

TEST(AgentBody, HistoryBlockExactText) {
  const std::vector<HistoryEntry> history{entry("h1", kT - 4 * kMinute, "first", "bob"),
                                          entry("h2", kT - 2 * kMinute, "second", "carol")};
  EXPECT_EQ(agent_body(history, group_input()),
            "[Chat messages since your last reply - for context]\n"
            "[Mattermost Dev Team id:c1 2026-05-04 09:01 UTC]\n"
            "bob: first [id:h1 channel:c1]\n"
            "[Mattermost Dev Team id:c1 +2m 2026-05-04 09:03 UTC]\n"
            "carol: second [id:h2 channel:c1]\n"
            "\n"
            "[Current message - respond to this]\n"
            "[Mattermost Dev Team id:c1 +2m 2026-05-04 09:05 UTC]\n"
            "alice: hello\n"
            "[mattermost message id: p1 channel: c1]");
}

TEST(AgentBody, CurrentKeepsItsOwnPreviousTimestampAndDmHasNoSenderPrefix) {
  auto current = dm_input();
  current.previous_timestamp_ms = kT - 2 * 86'400'000;
  auto old = entry("h1", kT - kMinute, "earlier", "alice");
  old.channel_id = "";  // falls back to the current channel
  const std::vector<HistoryEntry> history{old};
  EXPECT_EQ(agent_body(history, current),
            "[Chat messages since your last reply - for context]\n"
            "[Mattermost alice id:u1 2026-05-04 09:04 UTC]\n"
            "earlier [id:h1 channel:dm1]\n"
            "\n"
            "[Current message - respond to this]\n"
            "[Mattermost alice id:u1 +2d 2026-05-04 09:05 UTC]\n"
            "hello\n"
            "[mattermost message id: p1 channel: dm1]");
}

// --- §4.8 history window ---------------------------------------------------------------------

TEST(HistoryWindow, LimitKeepsTheNewestEntries) {
  struct Case {
    int limit;
    int recorded;
    std::size_t kept;
  };
  const std::vector<Case> cases{
      {-5, 3, 0}, {0, 3, 0}, {1, 3, 1}, {2, 3, 2}, {200, 250, 200}, {201, 250, 200}, {1000, 250, 200},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.limit);
    HistoryWindow w;
    for (int i = 0; i < c.recorded; ++i) w.record("k", entry(std::to_string(i), kT + i), c.limit);
    const auto got = w.window("k", "current", kT + 10'000, {});
    ASSERT_EQ(got.size(), c.kept);
    if (c.kept > 0) {
      EXPECT_EQ(got.back().message_id, std::to_string(c.recorded - 1));
      EXPECT_EQ(got.front().message_id, std::to_string(c.recorded - static_cast<int>(c.kept)));
    }
    EXPECT_EQ(w.key_count(), c.kept > 0 ? 1U : 0U);
  }
}

TEST(HistoryWindow, LimitZeroForgetsWhatTheKeyHeld) {
  HistoryWindow w;
  w.record("k", entry("a", kT), 5);
  w.record("k", entry("b", kT), 0);
  EXPECT_TRUE(w.window("k", "x", kT, {}).empty());
  EXPECT_EQ(w.key_count(), 0U);
}

TEST(HistoryWindow, ExcludesCurrentMergedAndNewerPostsOldestFirst) {
  HistoryWindow w;
  w.record("k", entry("late", kT + 1), 50);  // created after the current post
  w.record("k", entry("b", kT - 2), 50);
  w.record("k", entry("a", kT - 3), 50);  // arrived after b but is older
  w.record("k", entry("merged1", kT - 1), 50);
  w.record("k", entry("same-time", kT), 50);  // equal in time: kept
  w.record("k", entry("p1", kT), 50);         // the current post itself
  w.record("other", entry("z", kT - 10), 50);
  const std::vector<std::string> merged{"merged1", "p1"};
  EXPECT_EQ(ids_of(w.window("k", "p1", kT, merged)), (std::vector<std::string>{"a", "b", "same-time"}));
  EXPECT_EQ(ids_of(w.window("k", "p1", kT, {})),
            (std::vector<std::string>{"a", "b", "merged1", "same-time"}));
  EXPECT_TRUE(w.window("missing", "p1", kT, {}).empty());
}

TEST(HistoryWindow, ClearDropsOneKey) {
  HistoryWindow w;
  w.record("k", entry("a", kT), 5);
  w.record("j", entry("b", kT), 5);
  w.clear("k");
  w.clear("never-recorded");
  EXPECT_TRUE(w.window("k", "x", kT, {}).empty());
  EXPECT_EQ(ids_of(w.window("j", "x", kT, {})), std::vector<std::string>{"b"});
  EXPECT_EQ(w.key_count(), 1U);
}

TEST(HistoryWindow, EvictsTheLeastRecentlyRecordedKey) {
  HistoryWindow w(2);
  w.record("a", entry("a1", kT), 5);
  w.record("b", entry("b1", kT), 5);
  w.record("a", entry("a2", kT), 5);  // a is now more recent than b
  w.record("c", entry("c1", kT), 5);  // third key: b goes
  EXPECT_EQ(w.key_count(), 2U);
  EXPECT_TRUE(w.window("b", "x", kT, {}).empty());
  EXPECT_EQ(ids_of(w.window("a", "x", kT, {})), (std::vector<std::string>{"a1", "a2"}));
  EXPECT_EQ(ids_of(w.window("c", "x", kT, {})), std::vector<std::string>{"c1"});
  w.clear("a");
  w.record("d", entry("d1", kT), 5);  // room again after clear: nothing evicted
  EXPECT_EQ(w.key_count(), 2U);
  EXPECT_EQ(ids_of(w.window("c", "x", kT, {})), std::vector<std::string>{"c1"});
}

// --- history key -----------------------------------------------------------------------------

Route route_for(mattermost::ChannelType type, std::string root_id, config::ReplyToMode mode) {
  RouteParams params;
  params.account_id = "default";
  params.reply_to.base = mode;
  params.reply_to.direct = mode;
  mattermost::Post post;
  post.id = "p1";
  post.channel_id = "c1";
  post.root_id = std::move(root_id);
  return route_post(params, post, type, "u1");
}

TEST(HistoryKey, SessionKeyExceptFlatDms) {
  using config::ReplyToMode;
  using mattermost::ChannelType;
  struct Case {
    std::string_view name;
    Route route;
    std::optional<std::string> want;
  };
  const std::vector<Case> cases{
      {"flat dm", route_for(ChannelType::direct, "", ReplyToMode::off), std::nullopt},
      {"dm post in a thread, mode off", route_for(ChannelType::direct, "r1", ReplyToMode::off), std::nullopt},
      {"dm thread", route_for(ChannelType::direct, "r1", ReplyToMode::all), "agent:main:main:thread:r1"},
      {"dm threaded by mode", route_for(ChannelType::direct, "", ReplyToMode::first),
       "agent:main:main:thread:p1"},
      {"group", route_for(ChannelType::group, "", ReplyToMode::off), "agent:main:mattermost:group:c1"},
      {"private channel thread", route_for(ChannelType::private_team, "r1", ReplyToMode::off),
       "agent:main:mattermost:group:c1:thread:r1"},
      {"channel", route_for(ChannelType::open, "", ReplyToMode::off), "agent:main:mattermost:channel:c1"},
      {"channel thread", route_for(ChannelType::open, "r1", ReplyToMode::off),
       "agent:main:mattermost:channel:c1:thread:r1"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(history_key(c.route), c.want);
  }
}

// --- turn context ----------------------------------------------------------------------------

TEST(MakeTurnContext, DirectMessage) {
  TurnInput in;
  in.route = route_for(mattermost::ChannelType::direct, "", config::ReplyToMode::off);
  in.account_id = "default";
  in.dm_scope = config::DmScope::per_channel_peer;
  in.envelope = dm_input();
  in.team_id = "t1";        // ignored for DMs
  in.was_mentioned = true;  // DMs carry no WasMentioned
  in.command_authorized = true;
  in.control_command = true;
  in.command_body = "/status";
  in.envelope.body = "/status";

  TurnContext want;
  want.from = "mattermost:u1";
  want.to = "user:u1";
  want.session_key = "agent:main:main";
  want.dm_scope = "per-channel-peer";
  want.account_id = "default";
  want.chat_type = ChatType::direct;
  want.conversation_label = "alice id:u1";
  want.sender_id = "u1";
  want.sender_name = "alice";
  want.originating_to = "user:u1";
  want.native_channel_id = "dm1";
  want.message_sid = "p1";
  want.timestamp = kT;
  want.command_authorized = true;
  want.command_source = "text";
  want.raw_body = "/status";
  want.body_for_agent = "/status";
  want.body =
      "[Mattermost alice id:u1 2026-05-04 09:05 UTC]\n/status\n[mattermost message id: p1 channel: dm1]";
  EXPECT_EQ(make_turn_context(in), want);
}

TEST(MakeTurnContext, GroupThreadWithHistoryAndMergedPosts) {
  TurnInput in;
  in.route = route_for(mattermost::ChannelType::private_team, "r1", config::ReplyToMode::off);
  in.account_id = "default";
  in.envelope = group_input();
  in.envelope.body = "one\ntwo";
  in.team_id = "t1";
  in.was_mentioned = false;
  in.command_authorized = true;  // authorised sender, but not a control command: no CommandSource
  in.command_body = "one\ntwo";
  in.history = {entry("h1", kT - kMinute, "context", "bob")};
  in.merged_post_ids = {"p0", "p1"};

  const TurnContext ctx = make_turn_context(in);
  EXPECT_EQ(ctx.from, "mattermost:group:c1");
  EXPECT_EQ(ctx.to, "channel:c1");
  EXPECT_EQ(ctx.session_key, "agent:main:mattermost:group:c1:thread:r1");
  EXPECT_EQ(ctx.parent_session_key, "agent:main:mattermost:group:c1");
  EXPECT_EQ(ctx.dm_scope, "main");
  EXPECT_EQ(ctx.chat_type, ChatType::group);
  EXPECT_EQ(ctx.conversation_label, "Dev Team id:c1");
  EXPECT_EQ(ctx.group_subject, "Dev Team");
  EXPECT_EQ(ctx.group_channel, "#dev");
  EXPECT_EQ(ctx.group_space, "t1");
  EXPECT_EQ(ctx.reply_to_id, "r1");
  EXPECT_EQ(ctx.message_thread_id, "r1");
  EXPECT_EQ(ctx.was_mentioned, false);
  EXPECT_EQ(ctx.command_source, std::nullopt);
  EXPECT_EQ(ctx.body_for_agent, "one\ntwo");
  EXPECT_EQ(ctx.body, agent_body(in.history, in.envelope));
  EXPECT_EQ(ctx.inbound_history, in.history);
  EXPECT_EQ(ctx.message_sids, (std::vector<std::string>{"p0", "p1"}));
  EXPECT_EQ(ctx.message_sid_first, "p0");
  EXPECT_EQ(ctx.message_sid_last, "p1");
}

TEST(MakeTurnContext, ChannelWithoutNameOrTeamAndSinglePost) {
  TurnInput in;
  in.route = route_for(mattermost::ChannelType::open, "", config::ReplyToMode::off);
  in.envelope = group_input(ChatType::channel);
  in.envelope.channel_display = "";
  in.envelope.channel_name = "";
  in.merged_post_ids = {"p1"};
  const TurnContext ctx = make_turn_context(in);
  EXPECT_EQ(ctx.from, "mattermost:channel:c1");
  EXPECT_EQ(ctx.group_subject, "#c1");
  EXPECT_EQ(ctx.group_channel, std::nullopt);
  EXPECT_EQ(ctx.group_space, std::nullopt);
  EXPECT_EQ(ctx.parent_session_key, std::nullopt);
  EXPECT_EQ(ctx.reply_to_id, std::nullopt);
  EXPECT_TRUE(ctx.message_sids.empty());
  EXPECT_EQ(ctx.message_sid_first, std::nullopt);
}

TEST(TurnContextJson, OpenClawFieldNames) {
  TurnInput in;
  in.route = route_for(mattermost::ChannelType::open, "r1", config::ReplyToMode::off);
  in.account_id = "default";
  in.envelope = group_input(ChatType::channel);
  in.team_id = "t1";
  in.was_mentioned = true;
  in.command_body = "hello";
  in.history = {entry("h1", kT - kMinute, "context", "bob")};
  in.merged_post_ids = {"p0", "p1"};
  const auto json = to_json(make_turn_context(in));

  EXPECT_EQ(json.at("From"), "mattermost:channel:c1");
  EXPECT_EQ(json.at("To"), "channel:c1");
  EXPECT_EQ(json.at("SessionKey"), "agent:main:mattermost:channel:c1:thread:r1");
  EXPECT_EQ(json.at("ParentSessionKey"), "agent:main:mattermost:channel:c1");
  EXPECT_EQ(json.at("DmScope"), "main");
  EXPECT_EQ(json.at("AccountId"), "default");
  EXPECT_EQ(json.at("ChatType"), "channel");
  EXPECT_EQ(json.at("ConversationLabel"), "Dev Team id:c1");
  EXPECT_EQ(json.at("GroupSubject"), "Dev Team");
  EXPECT_EQ(json.at("GroupChannel"), "#dev");
  EXPECT_EQ(json.at("GroupSpace"), "t1");
  EXPECT_EQ(json.at("SenderId"), "u1");
  EXPECT_EQ(json.at("SenderName"), "alice");
  EXPECT_EQ(json.at("Provider"), "mattermost");
  EXPECT_EQ(json.at("Surface"), "mattermost");
  EXPECT_EQ(json.at("OriginatingChannel"), "mattermost");
  EXPECT_EQ(json.at("OriginatingTo"), "channel:c1");
  EXPECT_EQ(json.at("NativeChannelId"), "c1");
  EXPECT_EQ(json.at("ReplyToId"), "r1");
  EXPECT_EQ(json.at("MessageThreadId"), "r1");
  EXPECT_EQ(json.at("MessageSid"), "p1");
  EXPECT_EQ(json.at("Timestamp"), kT);
  EXPECT_EQ(json.at("WasMentioned"), true);
  EXPECT_EQ(json.at("CommandAuthorized"), false);
  EXPECT_FALSE(json.contains("CommandSource"));
  EXPECT_EQ(json.at("RawBody"), "hello");
  EXPECT_EQ(json.at("CommandBody"), "hello");
  EXPECT_EQ(json.at("BodyForCommands"), "hello");
  EXPECT_EQ(json.at("BodyForAgent"), "hello");
  EXPECT_EQ(json.at("Body").as_string(), agent_body(in.history, in.envelope));
  EXPECT_EQ(boost::json::serialize(json.at("InboundHistory")),
            R"([{"sender":"bob","body":"context","timestamp":1777885440000}])");
  EXPECT_EQ(boost::json::serialize(json.at("MessageSids")), R"(["p0","p1"])");
  EXPECT_EQ(json.at("MessageSidFirst"), "p0");
  EXPECT_EQ(json.at("MessageSidLast"), "p1");
}

TEST(TurnContextJson, DmOmitsGroupOnlyAndUnsetFields) {
  TurnInput in;
  in.route = route_for(mattermost::ChannelType::direct, "", config::ReplyToMode::off);
  in.envelope = dm_input();
  in.command_authorized = true;
  in.control_command = true;
  const auto json = to_json(make_turn_context(in));
  for (const char* key :
       {"ParentSessionKey", "GroupSubject", "GroupChannel", "GroupSpace", "ReplyToId", "MessageThreadId",
        "WasMentioned", "InboundHistory", "MessageSids", "MessageSidFirst", "MessageSidLast"}) {
    SCOPED_TRACE(key);
    EXPECT_FALSE(json.contains(key));
  }
  EXPECT_EQ(json.at("ChatType"), "direct");
  EXPECT_EQ(json.at("CommandSource"), "text");
}

}  // namespace
}  // namespace mmclaw::gateway

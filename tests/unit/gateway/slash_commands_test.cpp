// Native slash commands, the pure part (channel-behaviour §9.1, §9.2, §9.4): the command set, the
// invocation text, the per-team registration plan, the callback payload and the token match.

#include "gateway/slash_commands.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mmclaw::gateway {
namespace {

constexpr std::string_view kBot = "botbotbotbotbotbotbotbotbo";
constexpr std::string_view kTeam = "teamteamteamteamteamteamte";
constexpr std::string_view kUrl = "http://localhost:18789/api/channels/mattermost/command";

mattermost::SlashCommand existing(std::string trigger, std::string creator, std::string url = std::string(kUrl),
                                  std::string method = "P", std::string id = "cmd") {
  mattermost::SlashCommand c;
  c.id = std::move(id);
  c.team_id = std::string(kTeam);
  c.trigger = std::move(trigger);
  c.creator_id = std::move(creator);
  c.url = std::move(url);
  c.method = std::move(method);
  c.token = "tokentokentokentokentokent";
  return c;
}

TEST(SlashCommandSpecs, TheNineCommandsOfTheReferenceInOrder) {
  const auto specs = native_command_specs();
  std::vector<std::string> triggers;
  for (const auto& s : specs) triggers.push_back(s.trigger);
  EXPECT_EQ(triggers, (std::vector<std::string>{"oc_status", "oc_model", "oc_models", "oc_new", "oc_help", "oc_think",
                                                "oc_reasoning", "oc_verbose", "oc_queue"}));
  EXPECT_EQ(specs[0].description, "Show session status (model, usage, uptime)");
  EXPECT_EQ(specs[1].hint, "[model-name] [--runtime runtime]");
  EXPECT_EQ(specs[5].hint, "[off|low|medium|high]");
  for (const auto& s : specs) {
    EXPECT_EQ(s.trigger, "oc_" + s.command);
    EXPECT_LE(s.description.size(), kMaxCommandDescriptionBytes);
  }
}

TEST(SlashCommandSpecs, InvocationTextIsTheControlCommandWithTrimmedArguments) {
  const auto specs = native_command_specs();
  EXPECT_EQ(invocation_text(specs, "/oc_status", "  now "), "/status now");
  EXPECT_EQ(invocation_text(specs, "oc_new", ""), "/new");
  EXPECT_EQ(invocation_text(specs, "/OC_Think", "high"), "/think high");
  EXPECT_EQ(invocation_text(specs, "/oc_model", " \t "), "/model");
  EXPECT_EQ(invocation_text(specs, "/status", "x"), std::nullopt);
  EXPECT_EQ(invocation_text(specs, "/oc_unknown", ""), std::nullopt);
}

TEST(SlashCommandSpecs, DescriptionsAreCutOnAUtf8Boundary) {
  EXPECT_EQ(truncate_utf8_bytes("abc", 128), "abc");
  EXPECT_EQ(truncate_utf8_bytes("abcdef", 4), "abcd");
  // "é" is two bytes: it is not split.
  EXPECT_EQ(truncate_utf8_bytes("abcé", 4), "abc");
  EXPECT_EQ(truncate_utf8_bytes("abcé", 5), "abcé");
  EXPECT_EQ(truncate_utf8_bytes("😀😀", 5), "😀");
  SlashCommandSpec long_one{"oc_x", "x", std::string(200, 'd'), ""};
  EXPECT_EQ(command_for(long_one, kTeam, kUrl).description.size(), kMaxCommandDescriptionBytes);
}

TEST(SlashRegistration, CreatesWhatIsMissingAndReusesOwnCommandsWithTheSameUrl) {
  const std::vector<SlashCommandSpec> specs{{"oc_status", "status", "Status", ""}, {"oc_new", "new", "New", ""}};
  const std::vector<mattermost::SlashCommand> found{existing("oc_status", std::string(kBot))};
  const auto plan = plan_registration(specs, found, kTeam, kBot, kUrl);
  ASSERT_EQ(plan.size(), 2u);
  EXPECT_EQ(plan[0].action, RegistrationStep::Action::reuse);
  ASSERT_TRUE(plan[0].existing);
  EXPECT_EQ(plan[0].existing->id, "cmd");
  EXPECT_EQ(plan[1].action, RegistrationStep::Action::create);
  EXPECT_FALSE(plan[1].existing);
}

TEST(SlashRegistration, UpdatesOwnCommandsWithAnotherUrlOrMethod) {
  const std::vector<SlashCommandSpec> specs{{"oc_status", "status", "Status", ""}, {"oc_new", "new", "New", ""}};
  const std::vector<mattermost::SlashCommand> found{existing("oc_status", std::string(kBot), "http://old/cmd"),
                                                    existing("oc_new", std::string(kBot), std::string(kUrl), "G")};
  const auto plan = plan_registration(specs, found, kTeam, kBot, kUrl);
  EXPECT_EQ(plan[0].action, RegistrationStep::Action::update);
  EXPECT_EQ(plan[1].action, RegistrationStep::Action::update);
}

TEST(SlashRegistration, SkipsTriggersUsedOnlyBySomeoneElse) {
  const std::vector<SlashCommandSpec> specs{{"oc_status", "status", "Status", ""}};
  const std::vector<mattermost::SlashCommand> foreign{existing("oc_status", "someoneelse00000000000000a")};
  EXPECT_EQ(plan_registration(specs, foreign, kTeam, kBot, kUrl)[0].action, RegistrationStep::Action::skip_foreign);
  // Ours next to a foreign one: ours wins.
  const std::vector<mattermost::SlashCommand> both{existing("oc_status", "someoneelse00000000000000a"),
                                                   existing("oc_status", std::string(kBot))};
  EXPECT_EQ(plan_registration(specs, both, kTeam, kBot, kUrl)[0].action, RegistrationStep::Action::reuse);
}

TEST(SlashRegistration, IgnoresDeletedCommandsAndOtherTeams) {
  const std::vector<SlashCommandSpec> specs{{"oc_status", "status", "Status", ""}};
  auto deleted = existing("oc_status", std::string(kBot));
  deleted.delete_at = 5;
  auto elsewhere = existing("oc_status", "someoneelse00000000000000a");
  elsewhere.team_id = "otherteam00000000000000000";
  const std::vector<mattermost::SlashCommand> found{deleted, elsewhere};
  EXPECT_EQ(plan_registration(specs, found, kTeam, kBot, kUrl)[0].action, RegistrationStep::Action::create);
}

TEST(SlashRegistration, PrefersOwnCommandWithTheSameUrlAmongSeveral) {
  const std::vector<SlashCommandSpec> specs{{"oc_status", "status", "Status", ""}};
  const std::vector<mattermost::SlashCommand> found{
      existing("oc_status", std::string(kBot), "http://old/cmd", "P", "first"),
      existing("oc_status", std::string(kBot), std::string(kUrl), "P", "second")};
  const auto plan = plan_registration(specs, found, kTeam, kBot, kUrl);
  EXPECT_EQ(plan[0].action, RegistrationStep::Action::reuse);
  EXPECT_EQ(plan[0].existing->id, "second");
}

TEST(SlashRegistration, TheCommandToSendIsMethodPWithAutocomplete) {
  const SlashCommandSpec spec{"oc_think", "think", "Set thinking/reasoning level", "[off|low|medium|high]"};
  const auto c = command_for(spec, kTeam, kUrl, "abc");
  EXPECT_EQ(c.id, "abc");
  EXPECT_EQ(c.team_id, kTeam);
  EXPECT_EQ(c.trigger, "oc_think");
  EXPECT_EQ(c.method, "P");
  EXPECT_EQ(c.url, kUrl);
  EXPECT_TRUE(c.auto_complete);
  EXPECT_EQ(c.auto_complete_desc, "Set thinking/reasoning level");
  EXPECT_EQ(c.auto_complete_hint, "[off|low|medium|high]");
}

TEST(SlashPayloadParse, FormBodiesAreDecoded) {
  const auto p = parse_slash_payload(
      "application/x-www-form-urlencoded",
      "token=tok%2Bx&team_id=t1&channel_id=c1&user_id=u1&user_name=alice&command=%2Foc_status&text=now+please"
      "&trigger_id=tr&token=second");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->token, "tok+x") << "the first value wins";
  EXPECT_EQ(p->command, "/oc_status");
  EXPECT_EQ(p->text, "now please");
  EXPECT_EQ(p->user_name, "alice");
  EXPECT_EQ(p->trigger_id, "tr");
}

TEST(SlashPayloadParse, JsonBodiesWhenTheContentTypeSaysSo) {
  const auto p = parse_slash_payload(
      "Application/JSON; charset=utf-8",
      R"({"token":"tok","team_id":"t1","channel_id":"c1","user_id":"u1","command":"/oc_new","text":""})");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->command, "/oc_new");
  EXPECT_EQ(p->text, "");
}

TEST(SlashPayloadParse, MissingFieldsOrUnreadableBodiesAreRefused) {
  EXPECT_FALSE(parse_slash_payload("application/x-www-form-urlencoded", "team_id=t&channel_id=c&user_id=u&command=/x"));
  EXPECT_FALSE(parse_slash_payload("application/x-www-form-urlencoded", "token=%zz&team_id=t"));
  EXPECT_FALSE(parse_slash_payload("application/x-www-form-urlencoded", "token=a%2"));
  EXPECT_FALSE(parse_slash_payload("application/x-www-form-urlencoded", "token=+&team_id=t&channel_id=c&user_id=u&command=/x"))
      << "a blank token counts as missing";
  EXPECT_FALSE(parse_slash_payload("application/json", "{not json"));
  EXPECT_FALSE(parse_slash_payload("application/json", R"(["token"])"));
  EXPECT_FALSE(parse_slash_payload("application/json", R"({"token":1,"team_id":"t","channel_id":"c","user_id":"u","command":"/x"})"));
  EXPECT_FALSE(parse_slash_payload("", ""));
}

TEST(SlashTokenMatch, OnlyTheCommandOfTheSameTeamAndTriggerWithItsOwnToken) {
  auto status = existing("oc_status", std::string(kBot));
  status.id = "status";
  status.token = "statustokenstatustokenstat";
  auto fresh = existing("oc_new", std::string(kBot));
  fresh.id = "new";
  fresh.token = "newtokennewtokennewtokenne";
  const std::vector<mattermost::SlashCommand> registered{status, fresh};
  SlashPayload p;
  p.team_id = std::string(kTeam);
  p.command = "/oc_status";
  p.token = status.token;
  ASSERT_NE(match_registered(registered, p), nullptr);
  EXPECT_EQ(match_registered(registered, p)->id, "status");
  p.token = fresh.token;  // the token of another command on this trigger
  EXPECT_EQ(match_registered(registered, p), nullptr);
  p.token = status.token;
  p.team_id = "otherteam00000000000000000";
  EXPECT_EQ(match_registered(registered, p), nullptr);
  p.team_id = std::string(kTeam);
  p.command = "/OC_STATUS";
  EXPECT_NE(match_registered(registered, p), nullptr) << "the trigger's case does not matter";
}

TEST(SlashTokenMatch, TheLiveCommandMustStillBeTheRegisteredOne) {
  const auto registered = existing("oc_status", std::string(kBot));
  EXPECT_TRUE(live_command_matches(registered, registered));
  auto rotated = registered;
  rotated.token = "rotatedrotatedrotatedrotat";
  EXPECT_FALSE(live_command_matches(rotated, registered));
  auto deleted = registered;
  deleted.delete_at = 1;
  EXPECT_FALSE(live_command_matches(deleted, registered));
  auto moved = registered;
  moved.url = "http://elsewhere/cmd";
  EXPECT_FALSE(live_command_matches(moved, registered));
  auto get = registered;
  get.method = "G";
  EXPECT_FALSE(live_command_matches(get, registered));
  auto retargeted = registered;
  retargeted.trigger = "oc_new";
  EXPECT_FALSE(live_command_matches(retargeted, registered));
}

}  // namespace
}  // namespace mmclaw::gateway

namespace {

mmclaw::mattermost::SlashCommand registered_command(std::string id, std::string team, std::string trigger,
                                                   std::string token) {
  mmclaw::mattermost::SlashCommand c;
  c.id = std::move(id);
  c.team_id = std::move(team);
  c.trigger = std::move(trigger);
  c.token = std::move(token);
  c.method = "P";
  return c;
}

mmclaw::gateway::SlashPayload routed_payload(std::string team, std::string command, std::string token) {
  mmclaw::gateway::SlashPayload p;
  p.team_id = std::move(team);
  p.command = std::move(command);
  p.token = std::move(token);
  p.channel_id = "c";
  p.user_id = "u";
  return p;
}

}  // namespace

TEST(SlashRouting, TheAccountWithTheTokenWinsThenTheTeamAndTrigger) {
  using mmclaw::gateway::route_slash_payload;
  const std::vector<mmclaw::mattermost::SlashCommand> a{registered_command("1", "t1", "oc_status", "tokA")};
  const std::vector<mmclaw::mattermost::SlashCommand> b{registered_command("2", "t2", "oc_status", "tokB")};
  const std::vector<std::span<const mmclaw::mattermost::SlashCommand>> accounts{a, b};
  auto r = route_slash_payload(accounts, routed_payload("t1", "/oc_status", "tokB"));
  ASSERT_TRUE(r.account.has_value());
  EXPECT_EQ(*r.account, 1u);  // the token decides before team and trigger
  r = route_slash_payload(accounts, routed_payload("t2", "/OC_STATUS", "unknown"));
  ASSERT_TRUE(r.account.has_value());
  EXPECT_EQ(*r.account, 1u);
  r = route_slash_payload(accounts, routed_payload("t3", "/oc_status", "unknown"));
  EXPECT_FALSE(r.account.has_value());
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.text, mmclaw::gateway::kSlashUnauthorizedToken);
}

TEST(SlashRouting, SeveralAccountsMatchingIsAConflict) {
  using mmclaw::gateway::route_slash_payload;
  const std::vector<mmclaw::mattermost::SlashCommand> a{registered_command("1", "t1", "oc_new", "same")};
  const std::vector<mmclaw::mattermost::SlashCommand> b{registered_command("2", "t1", "oc_new", "same")};
  const std::vector<std::span<const mmclaw::mattermost::SlashCommand>> accounts{a, b};
  auto r = route_slash_payload(accounts, routed_payload("t1", "/oc_new", "same"));
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.text, mmclaw::gateway::kSlashTokenConflict);
  r = route_slash_payload(accounts, routed_payload("t1", "/oc_new", "other"));
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.text, mmclaw::gateway::kSlashCommandConflict);
}

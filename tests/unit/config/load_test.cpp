#include "config/load.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "../../support/env.hpp"

using namespace mmclaw::config;

namespace {

LoadedConfig load(std::string_view text, std::map<std::string, std::string> env = {}) {
  LoadOptions options;
  options.env = mmclaw::test::env_of(std::move(env));
  options.home = "/home/tester";
  return load_config_text(text, "/etc/mmclaw/openclaw.json", options);
}

// "line:column path: message" for each issue of the given severity.
std::vector<std::string> issues(const LoadedConfig& loaded, Severity severity = Severity::error) {
  std::vector<std::string> out;
  for (const auto& i : loaded.issues.items()) {
    if (i.severity != severity) continue;
    std::string where = i.pos ? std::to_string(i.pos->line) + ":" + std::to_string(i.pos->column) + " " : "";
    out.push_back(where + (i.path.empty() ? "" : i.path + ": ") + i.message);
  }
  return out;
}

using V = std::vector<std::string>;

constexpr std::string_view kMinimal =
    R"({channels: {mattermost: {baseUrl: "https://chat.example.com", botToken: "tok123456"}}})";

}  // namespace

TEST(Load, MinimalConfigGetsTheDocumentedDefaults) {
  const auto loaded = load(kMinimal);
  ASSERT_TRUE(loaded.ok()) << testing::PrintToString(issues(loaded));
  const auto& snap = *loaded.snapshot;
  ASSERT_EQ(snap.accounts.size(), 1u);
  const auto& a = snap.accounts[0];
  EXPECT_EQ(a.id, "default");
  EXPECT_EQ(snap.default_account, "default");
  EXPECT_TRUE(a.enabled);
  EXPECT_EQ(a.base_url, "https://chat.example.com");
  EXPECT_EQ(a.bot_token.value, "tok123456");
  EXPECT_EQ(a.bot_token.source, ValueSource::config);
  EXPECT_EQ(a.dm_policy, DmPolicy::pairing);
  EXPECT_EQ(a.group_policy, GroupPolicy::allowlist);
  EXPECT_EQ(a.onchar_prefixes, (V{">", "!"}));
  EXPECT_EQ(a.history_limit, 50);
  EXPECT_EQ(a.text_chunk_limit, 4000);
  EXPECT_EQ(a.streaming.mode, StreamingMode::partial);
  EXPECT_EQ(a.streaming.progress_label, "Working");
  EXPECT_EQ(a.commands.callback_path, "/api/channels/mattermost/command");
  EXPECT_FALSE(a.commands.native);
  EXPECT_EQ(a.dm_channel_retry, (DmChannelRetry{3, 1000, 10000, 30000}));
  EXPECT_FALSE(a.allow_bots);
  EXPECT_TRUE(a.actions_reactions);
  EXPECT_FALSE(a.actions_messages);
  EXPECT_EQ(snap.gateway.port, 18789);
  EXPECT_EQ(snap.dm_scope, DmScope::main);
  EXPECT_EQ(snap.mmclaw.store_path, "/home/tester/.openclaw/mmclaw.db");
  EXPECT_EQ(snap.mmclaw.catch_up_max_age_minutes, 60);
}

TEST(Load, InvalidJson5ReportsLineAndColumn) {
  const auto loaded = load("{\n  channels: {\n    mattermost: { baseUrl: 'x' oops }\n  }\n}");
  ASSERT_FALSE(loaded.ok());
  ASSERT_EQ(loaded.issues.items().size(), 1u);
  const auto& issue = loaded.issues.items()[0];
  ASSERT_TRUE(issue.pos);
  EXPECT_EQ(issue.pos->line, 3u);
  EXPECT_EQ(issue.pos->column, 32u);
  EXPECT_NE(issue.message.find("expected"), std::string::npos) << issue.message;
}

TEST(Load, WrongTypesAndRangesNameTheKeyAndLine) {
  const auto loaded = load(R"({
    channels: { mattermost: {
      baseUrl: "https://chat.example.com", botToken: "tok123456",
      textChunkLimit: "4000",
      historyLimit: -1,
      dmChannelRetry: { maxRetries: 20 },
      accounts: { ops: { enabled: "yes" } },
    } },
    gateway: { port: 70000 },
  })");
  EXPECT_EQ(
      issues(loaded),
      (V{
          "4:7 channels.mattermost.textChunkLimit: must be a whole number from 1 to 2147483647 (got the "
          "string \"4000\")",
          "5:7 channels.mattermost.historyLimit: must be a whole number from 0 to 2147483647 (got -1)",
          "6:25 channels.mattermost.dmChannelRetry.maxRetries: must be a whole number from 0 to 10 (got 20)",
          "7:26 channels.mattermost.accounts.ops.enabled: must be true or false (got the string \"yes\")",
          "9:16 gateway.port: must be a whole number from 1 to 65535 (got 70000)",
      }));
}

TEST(Load, UnknownKeysSuggestTheClosestKey) {
  const auto loaded = load(
      R"({channels: {mattermost: {baseUrl: "https://a.example", botToken: "tok123456", groupPolcy: "open"}}})");
  EXPECT_EQ(issues(loaded),
            V{"1:79 channels.mattermost.groupPolcy: unknown key `groupPolcy` (did you mean `groupPolicy`?)"});
}

TEST(Load, OpenDmPolicyNeedsAWildcard) {
  auto loaded = load(
      R"({channels: {mattermost: {baseUrl: "https://a.example", botToken: "tok123456", dmPolicy: "open"}}})");
  EXPECT_EQ(issues(loaded), V{"1:13 channels.mattermost.allowFrom: channels.mattermost.dmPolicy=\"open\" "
                              "requires channels.mattermost.allowFrom to "
                              "include \"*\""});
  loaded = load(R"({channels: {mattermost: {baseUrl: "https://a.example",
      accounts: {ops: {botToken: "tok123456", dmPolicy: "open", allowFrom: ["u1"]}}}}})");
  EXPECT_EQ(
      issues(loaded),
      V{"2:65 channels.mattermost.accounts.ops.allowFrom: channels.mattermost.accounts.ops.dmPolicy=\"open\" "
        "requires channels.mattermost.accounts.ops.allowFrom to include \"*\""});
  loaded = load(
      R"({channels: {mattermost: {baseUrl: "https://a.example", botToken: "tok123456", dmPolicy: "open", allowFrom: ["*"]}}})");
  EXPECT_TRUE(loaded.ok());
}

TEST(Load, RetryDelaysMustBeOrdered) {
  const auto loaded = load(R"({channels: {mattermost: {baseUrl: "https://a.example", botToken: "tok123456",
      dmChannelRetry: {initialDelayMs: 20000, maxDelayMs: 5000}}}})");
  EXPECT_EQ(
      issues(loaded),
      V{"2:24 channels.mattermost.dmChannelRetry.initialDelayMs: initialDelayMs must be less than or equal "
        "to maxDelayMs"});
}

TEST(Load, UnresolvableSecretReferenceDoesNotFallBackToEnv) {
  const auto loaded = load(R"({channels: {mattermost: {baseUrl: "https://a.example",
      botToken: {source: "env", provider: "default", id: "NOT_SET"}}}})",
                           {{"MATTERMOST_BOT_TOKEN", "env-token"}});
  EXPECT_EQ(
      issues(loaded),
      V{"2:7 channels.mattermost.botToken: secret reference {source: \"env\", provider: \"default\", id: "
        "\"NOT_SET\"}: environment variable NOT_SET is not set"});
}

TEST(Load, EnvironmentVariablesServeOnlyTheDefaultAccount) {
  auto loaded = load(R"({channels: {mattermost: {accounts: {ops: {botToken: "tok123456"}}}}})",
                     {{"MATTERMOST_URL", "https://env.example"}, {"MATTERMOST_BOT_TOKEN", "env-token"}});
  EXPECT_EQ(
      issues(loaded),
      V{"1:37 channels.mattermost.accounts.ops.baseUrl: Mattermost baseUrl missing for account \"ops\" (set "
        "channels.mattermost.accounts.ops.baseUrl or MATTERMOST_URL for default)."});
  EXPECT_EQ(issues(loaded, Severity::note), V{"1:37 channels.mattermost.accounts.ops.baseUrl: MATTERMOST_URL "
                                              "applies only to the default account; it is ignored "
                                              "for account \"ops\""});

  loaded =
      load("{}", {{"MATTERMOST_URL", "https://env.example/api/v4"}, {"MATTERMOST_BOT_TOKEN", "env-token"}});
  ASSERT_TRUE(loaded.ok()) << testing::PrintToString(issues(loaded));
  const auto& a = loaded.snapshot->accounts.at(0);
  EXPECT_EQ(a.base_url, "https://env.example");
  EXPECT_EQ(a.base_url_source, ValueSource::env);
  EXPECT_EQ(a.bot_token.value, "env-token");
  EXPECT_EQ(a.bot_token.source, ValueSource::env);

  loaded = load(R"({channels: {mattermost: {baseUrl: "https://config.example", botToken: "cfg-token"}}})",
                {{"MATTERMOST_URL", "https://env.example"}, {"MATTERMOST_BOT_TOKEN", "env-token"}});
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded.snapshot->accounts.at(0).base_url, "https://config.example") << "config always wins";
  EXPECT_EQ(loaded.snapshot->accounts.at(0).bot_token.value, "cfg-token");
}

TEST(Load, EmptyConfigSaysNoAccountIsConfigured) {
  const V expected{
      "channels.mattermost: no Mattermost account configured: set channels.mattermost.baseUrl and "
      "channels.mattermost.botToken (or the MATTERMOST_URL and MATTERMOST_BOT_TOKEN environment variables)"};
  EXPECT_EQ(issues(load("")), expected);
  EXPECT_EQ(issues(load("  // only a comment\n{}")), expected);
  EXPECT_EQ(issues(load(R"({channels: {telegram: {}}, tools: {}})")), V{"1:2 " + expected[0]});
}

TEST(Load, StartUpErrorsUseTheReferenceTexts) {
  auto loaded = load(R"({channels: {mattermost: {baseUrl: "https://a.example"}}})");
  EXPECT_EQ(issues(loaded),
            V{"1:13 channels.mattermost.botToken: Mattermost bot token missing for account \"default\" (set "
              "channels.mattermost.accounts.default.botToken or MATTERMOST_BOT_TOKEN for default)."});
  loaded = load(R"({channels: {mattermost: {botToken: "tok123456"}}})");
  EXPECT_EQ(issues(loaded),
            V{"1:13 channels.mattermost.baseUrl: Mattermost baseUrl missing for account \"default\" (set "
              "channels.mattermost.accounts.default.baseUrl or MATTERMOST_URL for default)."});
  loaded = load(R"({channels: {mattermost: {enabled: false, botToken: "tok123456"}}})");
  EXPECT_TRUE(loaded.ok()) << "disabled accounts are not started, so nothing is missing";
  EXPECT_EQ(issues(loaded, Severity::warning),
            V{"1:13 channels.mattermost: every Mattermost account is disabled"});
}

TEST(Load, MultipleAccountsMergeWithTheTopLevel) {
  const auto loaded = load(R"({channels: {mattermost: {
      baseUrl: "https://chat.example.com/", chatmode: "onmessage", commands: {native: true},
      defaultAccount: "Ops Team",
      accounts: {"Ops Team": {botToken: "ops-token-1", commands: {callbackUrl: "https://gw.example/cb"}},
                 support: {botToken: "support-tok", baseUrl: "https://other.example", enabled: false}}}}})");
  ASSERT_TRUE(loaded.ok()) << testing::PrintToString(issues(loaded));
  const auto& snap = *loaded.snapshot;
  ASSERT_EQ(snap.accounts.size(), 2u);
  EXPECT_EQ(snap.default_account, "ops-team");
  const auto* ops = snap.find_account("ops-team");
  ASSERT_NE(ops, nullptr);
  EXPECT_EQ(ops->base_url, "https://chat.example.com");
  EXPECT_EQ(ops->chatmode, ChatMode::onmessage);
  EXPECT_TRUE(ops->commands.native);
  EXPECT_EQ(ops->commands.callback_url, "https://gw.example/cb");
  const auto* support = snap.find_account("support");
  ASSERT_NE(support, nullptr);
  EXPECT_FALSE(support->enabled);
  EXPECT_EQ(support->base_url, "https://other.example");
  EXPECT_FALSE(support->bot_token.present()) << "disabled accounts are not resolved";
}

TEST(Load, TwoAccountsOnOneBotAreRefused) {
  const auto loaded = load(R"({channels: {mattermost: {baseUrl: "https://a.example", botToken: "same-token-1",
      accounts: {ops: {}}}}})");
  EXPECT_EQ(issues(loaded),
            V{"2:7 channels.mattermost.accounts.default: accounts \"ops\" and \"default\" connect the same "
              "bot (same "
              "baseUrl and botToken), so every post would be answered twice; give one its own bot or set "
              "enabled: false"});
}

TEST(Load, ThirdPartyKeysAreMappedWithOneWarningEach) {
  const auto loaded = load(R"({channels: {mattermost: {
      serverUrl: "https://mm.example.com", botToken: "tok123456", teamId: "team1", allowChannels: ["c1", 42],
      respondToMentions: false, respondToDMs: false, useWebSocket: false, reconnectInterval: 5000}}})");
  ASSERT_TRUE(loaded.ok()) << testing::PrintToString(issues(loaded));
  EXPECT_EQ(issues(loaded, Severity::warning).size(), 7u);
  const auto& a = loaded.snapshot->accounts.at(0);
  EXPECT_EQ(a.base_url, "https://mm.example.com");
  EXPECT_EQ(a.team_id, "team1");
  EXPECT_EQ(a.allowed_channels, (V{"c1", "42"}));
  EXPECT_EQ(a.chatmode, ChatMode::onmessage);
  EXPECT_EQ(a.dm_policy, DmPolicy::disabled);
  EXPECT_EQ(a.transport, Transport::polling);
  EXPECT_EQ(a.reconnect_initial_delay_ms, 5000);
}

TEST(Load, ExplicitKeysWinOverThirdPartyKeys) {
  const auto loaded =
      load(R"({channels: {mattermost: {baseUrl: "https://real.example", serverUrl: "https://old.example",
      botToken: "tok123456", chatmode: "onchar", respondToMentions: true, dmPolicy: "allowlist", respondToDMs: false}}})");
  ASSERT_TRUE(loaded.ok());
  const auto& a = loaded.snapshot->accounts.at(0);
  EXPECT_EQ(a.base_url, "https://real.example");
  EXPECT_EQ(a.chatmode, ChatMode::onchar);
  EXPECT_EQ(a.dm_policy, DmPolicy::allowlist);
  const auto warnings = issues(loaded, Severity::warning);
  for (const char* expected :
       {"channels.mattermost.serverUrl: serverUrl is ignored because baseUrl is set",
        "channels.mattermost.respondToMentions: respondToMentions is ignored because chatmode is set",
        "channels.mattermost.respondToDMs: respondToDMs is ignored because dmPolicy is set"})
    EXPECT_TRUE(std::any_of(warnings.begin(), warnings.end(),
                            [&](const std::string& w) { return w.ends_with(expected); }))
        << expected << " in " << testing::PrintToString(warnings);
}

TEST(Load, StreamingShorthandIsAccepted) {
  auto loaded = load(
      R"({channels: {mattermost: {baseUrl: "https://a.example", botToken: "tok123456", streaming: "off"}}})");
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded.snapshot->accounts[0].streaming.mode, StreamingMode::off);
  loaded = load(
      R"({channels: {mattermost: {baseUrl: "https://a.example", botToken: "tok123456", streaming: true}}})");
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded.snapshot->accounts[0].streaming.mode, StreamingMode::partial);
}

TEST(Load, DefaultsComeFromSharedSectionsInOrder) {
  const auto loaded = load(R"({channels: {defaults: {groupPolicy: "open", contextVisibility: "allowlist"},
      mattermost: {baseUrl: "https://a.example", botToken: "tok123456", textChunkLimit: 20000}},
      messages: {responsePrefix: "[bot] ", groupChat: {historyLimit: 500}, inbound: {debounceMs: 800, byChannel: {mattermost: 250}}},
      gateway: {reload: {mode: "off"}}, mmclaw: {store: {path: "state/mm.db"}, catchUp: {maxAgeMinutes: 0}}})");
  ASSERT_TRUE(loaded.ok()) << testing::PrintToString(issues(loaded));
  const auto& snap = *loaded.snapshot;
  const auto& a = snap.accounts[0];
  EXPECT_EQ(a.group_policy, GroupPolicy::open);
  EXPECT_EQ(a.context_visibility, ContextVisibility::allowlist);
  EXPECT_EQ(a.response_prefix, "[bot] ");
  EXPECT_EQ(a.history_limit, 200);
  EXPECT_EQ(a.text_chunk_limit, 16383);
  EXPECT_EQ(snap.messages.inbound_debounce_ms, 250);
  EXPECT_EQ(snap.gateway.reload_mode, ReloadMode::off);
  EXPECT_EQ(snap.mmclaw.store_path, "/etc/mmclaw/state/mm.db");
  EXPECT_EQ(snap.mmclaw.catch_up_max_age_minutes, 0);
  EXPECT_EQ(issues(loaded, Severity::warning),
            (V{"2:73 channels.mattermost.textChunkLimit: Mattermost rejects posts over 16383 characters; "
               "chunks are capped there",
               "3:56 messages.groupChat.historyLimit: history is capped at 200 entries"}));
}

TEST(Load, GatewayPortFallsBackToTheEnvironment) {
  auto loaded = load(kMinimal, {{"OPENCLAW_GATEWAY_PORT", "19000"}});
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded.snapshot->gateway.port, 19000);
  loaded = load(kMinimal, {{"OPENCLAW_GATEWAY_PORT", "http"}});
  EXPECT_EQ(issues(loaded),
            V{"gateway.port: OPENCLAW_GATEWAY_PORT must be a port from 1 to 65535 (got \"http\")"});
}

TEST(Load, DuplicateKeysWarnAndTheLaterValueWins) {
  const auto loaded = load(R"({channels: {mattermost: {baseUrl: "https://a.example", botToken: "tok123456",
      dmPolicy: "pairing", dmPolicy: "disabled"}}})");
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded.snapshot->accounts[0].dm_policy, DmPolicy::disabled);
  EXPECT_EQ(issues(loaded, Severity::warning).size(), 1u);
}

TEST(Load, NonObjectDocumentsAreRejected) {
  EXPECT_EQ(issues(load("[1, 2]")), V{"1:1 the configuration must be a JSON object"});
}

TEST(Load, AccountKeysWithoutLettersOrDigitsAreRejected) {
  const auto loaded = load(
      R"({channels: {mattermost: {baseUrl: "https://a.example", accounts: {"!!!": {botToken: "tok123456"}}}}})");
  EXPECT_EQ(
      issues(loaded),
      V{"1:67 channels.mattermost.accounts[\"!!!\"]: account id \"!!!\" has no letters or digits; use a name "
        "such as \"ops\""});
}

TEST(Load, AnInheritedKeyIsReportedOnceNotPerAccount) {
  const auto loaded =
      load(R"({channels: {mattermost: {baseUrl: "https://a.example", serverUrl: "https://b.example",
      accounts: {one: {botToken: "token-one-1"}, two: {botToken: "token-two-2"}}}}})");
  ASSERT_TRUE(loaded.ok());
  const auto warnings = issues(loaded, Severity::warning);
  EXPECT_EQ(std::count_if(warnings.begin(), warnings.end(),
                          [](const std::string& w) {
                            return w.ends_with("serverUrl is ignored because baseUrl is set");
                          }),
            1);
}

TEST(Load, MonitorTimersHaveTheReferenceDefaultsAndCanBeShortened) {
  auto loaded = load(kMinimal);
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded.snapshot->mmclaw.monitor, MonitorTimers{});
  EXPECT_EQ(loaded.snapshot->mmclaw.monitor.ping_interval_ms, 30000);
  EXPECT_EQ(loaded.snapshot->mmclaw.monitor.pong_timeout_ms, 10000);

  loaded = load(R"({channels: {mattermost: {baseUrl: "https://a.example", botToken: "tok123456"}},
      mmclaw: {monitor: {pingIntervalMs: 200, pongTimeoutMs: 300, readIdleMs: 1000, reconnectInitialDelayMs: 50,
                         reconnectMaxDelayMs: 400, pollIntervalMs: 250}}})");
  ASSERT_TRUE(loaded.ok()) << testing::PrintToString(issues(loaded));
  const auto& timers = loaded.snapshot->mmclaw.monitor;
  EXPECT_EQ(timers.ping_interval_ms, 200);
  EXPECT_EQ(timers.pong_timeout_ms, 300);
  EXPECT_EQ(timers.read_idle_ms, 1000);
  EXPECT_EQ(timers.reconnect_initial_delay_ms, 50);
  EXPECT_EQ(timers.reconnect_max_delay_ms, 400);
  EXPECT_EQ(timers.poll_interval_ms, 250);

  loaded = load(R"({channels: {mattermost: {baseUrl: "https://a.example", botToken: "tok123456"}},
      mmclaw: {monitor: {reconnectInitialDelayMs: 5000, reconnectMaxDelayMs: 1000, pongTimeoutMs: 5000, readIdleMs: 4000}}})");
  EXPECT_EQ(
      issues(loaded),
      V{"2:26 mmclaw.monitor.reconnectInitialDelayMs: reconnectInitialDelayMs must be less than or equal to "
        "reconnectMaxDelayMs"});
  EXPECT_EQ(issues(loaded, Severity::warning),
            V{"2:105 mmclaw.monitor.readIdleMs: readIdleMs should be longer than pongTimeoutMs, or a healthy "
              "socket may be dropped"});
}

TEST(Load, TheEchoBackendNeedsNoServer) {
  const auto loaded = load(R"({channels: {mattermost: {baseUrl: "https://a.example", botToken: "tok123456"}},
      models: {providers: {diag: {api: "echo", models: [{id: "echo"}]}}}, agents: {defaults: {model: "diag/echo"}}})");
  ASSERT_TRUE(loaded.ok()) << testing::PrintToString(issues(loaded));
  EXPECT_EQ(loaded.snapshot->providers.at("diag").api, ModelApi::echo);
  EXPECT_EQ(loaded.snapshot->agent.primary_model, "diag/echo");
}

// --- messages.queue and agents.defaults.maxConcurrent (gateway/lanes) ----------------------------

TEST(Load, QueueAndConcurrencyHaveTheDocumentedDefaults) {
  const auto loaded = load(kMinimal);
  ASSERT_TRUE(loaded.ok()) << testing::PrintToString(issues(loaded));
  EXPECT_EQ(loaded.snapshot->messages.queue, QueueConfig{});
  EXPECT_EQ(loaded.snapshot->messages.queue.mode, QueueMode::followup);
  EXPECT_EQ(loaded.snapshot->messages.queue.cap, 20);
  EXPECT_EQ(loaded.snapshot->agent.max_concurrent_turns, 4);
}

TEST(Load, EveryQueueModeIsRead) {
  const std::vector<std::pair<std::string, QueueMode>> cases{{"followup", QueueMode::followup},
                                                             {"collect", QueueMode::collect},
                                                             {"interrupt", QueueMode::interrupt},
                                                             {"steer", QueueMode::steer}};
  for (const auto& [name, want] : cases) {
    const auto loaded = load(
        R"({channels: {mattermost: {baseUrl: "https://a.example", botToken: "tok123456"}}, messages: {queue: {mode: ")" +
        name + R"("}}})");
    ASSERT_TRUE(loaded.ok()) << name << ": " << testing::PrintToString(issues(loaded));
    EXPECT_EQ(loaded.snapshot->messages.queue.mode, want) << name;
    EXPECT_EQ(loaded.snapshot->messages.queue.cap, 20) << name;
  }
}

TEST(Load, QueueCapAndMaxConcurrentAcceptTheirBounds) {
  struct Case {
    int cap;
    int max_concurrent;
  };
  for (const auto& c : std::vector<Case>{{1, 1}, {20, 4}, {1000, 64}, {7, 13}}) {
    const auto loaded =
        load(R"({channels: {mattermost: {baseUrl: "https://a.example", botToken: "tok123456"}},
        messages: {queue: {cap: )" +
             std::to_string(c.cap) + R"(}}, agents: {defaults: {maxConcurrent: )" +
             std::to_string(c.max_concurrent) + "}}}");
    ASSERT_TRUE(loaded.ok()) << c.cap << "/" << c.max_concurrent << ": "
                             << testing::PrintToString(issues(loaded));
    EXPECT_EQ(loaded.snapshot->messages.queue.cap, c.cap);
    EXPECT_EQ(loaded.snapshot->messages.queue.mode, QueueMode::followup);
    EXPECT_EQ(loaded.snapshot->agent.max_concurrent_turns, c.max_concurrent);
  }
}

TEST(Load, QueueAndConcurrencyOutOfRangeNameTheKey) {
  const auto loaded = load(R"({channels: {mattermost: {baseUrl: "https://a.example", botToken: "tok123456"}},
      messages: {queue: {mode: "later", cap: 0}},
      agents: {defaults: {maxConcurrent: 65}}})");
  EXPECT_FALSE(loaded.ok());
  EXPECT_EQ(
      issues(loaded),
      (V{"2:26 messages.queue.mode: must be one of \"followup\", \"collect\", \"interrupt\" or \"steer\" "
         "(got \"later\")",
         "2:41 messages.queue.cap: must be a whole number from 1 to 1000 (got 0)",
         "3:27 agents.defaults.maxConcurrent: must be a whole number from 1 to 64 (got 65)"}));
}

TEST(Load, OpenclawQueueKeysMmclawDoesNotUseAreAccepted) {
  const auto loaded = load(R"({channels: {mattermost: {baseUrl: "https://a.example", botToken: "tok123456"}},
      messages: {queue: {mode: "collect", cap: 5, debounceMs: 1000, drop: "summarize",
                         byChannel: {telegram: "steer", mattermost: "interrupt"}}}})");
  ASSERT_TRUE(loaded.ok()) << testing::PrintToString(issues(loaded));
  EXPECT_EQ(issues(loaded, Severity::warning), V{});
  EXPECT_EQ(loaded.snapshot->messages.queue, (QueueConfig{QueueMode::collect, 5}));
}

// --- The agent runtime's keys (issue 6) ---------------------------------------------------------

TEST(Load, AgentLimitsHaveTheDocumentedDefaultsAndBounds) {
  auto loaded = load(kMinimal);
  ASSERT_TRUE(loaded.ok()) << testing::PrintToString(issues(loaded));
  EXPECT_EQ(loaded.snapshot->mmclaw.agent, AgentLimits{});
  EXPECT_EQ(loaded.snapshot->mmclaw.agent.first_token_timeout_seconds, 120);
  EXPECT_EQ(loaded.snapshot->mmclaw.agent.stall_timeout_seconds, 60);
  EXPECT_EQ(loaded.snapshot->mmclaw.agent.turn_timeout_seconds, 600);
  EXPECT_EQ(loaded.snapshot->mmclaw.agent.max_tool_rounds, 8);
  loaded = load(R"({channels: {mattermost: {baseUrl: "https://a.example", botToken: "tok123456"}},
      mmclaw: {agent: {firstTokenTimeoutSeconds: 5, stallTimeoutSeconds: 2, turnTimeoutSeconds: 30, maxToolRounds: 0}}})");
  ASSERT_TRUE(loaded.ok()) << testing::PrintToString(issues(loaded));
  EXPECT_EQ(loaded.snapshot->mmclaw.agent.first_token_timeout_seconds, 5);
  EXPECT_EQ(loaded.snapshot->mmclaw.agent.stall_timeout_seconds, 2);
  EXPECT_EQ(loaded.snapshot->mmclaw.agent.turn_timeout_seconds, 30);
  EXPECT_EQ(loaded.snapshot->mmclaw.agent.max_tool_rounds, 0);
  loaded = load(R"({channels: {mattermost: {baseUrl: "https://a.example", botToken: "tok123456"}},
      mmclaw: {agent: {stallTimeoutSeconds: 0, maxToolRounds: 65}}})");
  EXPECT_EQ(issues(loaded), (V{"2:24 mmclaw.agent.stallTimeoutSeconds: must be a whole number from 1 to 3600 (got 0)",
                               "2:48 mmclaw.agent.maxToolRounds: must be a whole number from 0 to 64 (got 65)"}));
}

TEST(Load, ProvidersNeedWhatTheirApiNeeds) {
  auto loaded = load(R"({channels: {mattermost: {baseUrl: "https://a.example", botToken: "tok123456"}},
      models: {providers: {
        local: {api: "openai-completions", models: [{id: "m"}]},
        claude: {api: "anthropic-messages", models: [{id: "c"}]},
        script: {api: "command", models: [{id: "s"}]},
        wrong: {api: "echo", command: ["/bin/true"], models: [{id: "e"}]},
      }}})");
  EXPECT_EQ(issues(loaded),
            (V{"3:9 models.providers.local.baseUrl: api \"openai-completions\" needs `baseUrl`, e.g. "
               "\"http://127.0.0.1:11434/v1\"",
               "4:9 models.providers.claude.baseUrl: api \"anthropic-messages\" needs `baseUrl`, e.g. "
               "\"https://api.anthropic.com\"",
               "5:9 models.providers.script.command: api \"command\" needs `command`: the program to run and its "
               "arguments, e.g. [\"/usr/local/bin/my-agent\", \"--json\"]",
               "6:30 models.providers.wrong.command: `command` applies only to api \"command\""}));
  loaded = load(R"({channels: {mattermost: {baseUrl: "https://a.example", botToken: "tok123456",
        groups: {"*": {systemPrompt: "Be brief."}, abc: {requireMention: false, systemPrompt: "Ops channel."}}}},
      models: {providers: {script: {api: "command", command: ["/usr/bin/env", "my-agent"], models: [{id: "s"}]}}}})");
  ASSERT_TRUE(loaded.ok()) << testing::PrintToString(issues(loaded));
  EXPECT_EQ(loaded.snapshot->providers.at("script").command, (V{"/usr/bin/env", "my-agent"}));
  const auto& groups = loaded.snapshot->accounts.at(0).groups;
  EXPECT_EQ(groups.at("*").system_prompt, "Be brief.");
  EXPECT_EQ(groups.at("abc").system_prompt, "Ops channel.");
  EXPECT_EQ(groups.at("abc").require_mention, false);
}

// --- Outbound files: mmclaw.media.allowedDirs ---------------------------------------------------

TEST(Load, MediaAllowedDirsAreAbsoluteAndNoneByDefault) {
  auto loaded = load(kMinimal);
  ASSERT_TRUE(loaded.ok()) << testing::PrintToString(issues(loaded));
  EXPECT_TRUE(loaded.snapshot->mmclaw.media_allowed_dirs.empty()) << "no local file is sent unless allowed";

  loaded = load(R"({channels: {mattermost: {baseUrl: "https://a.example", botToken: "tok123456"}},
      mmclaw: {media: {allowedDirs: ["/srv/mmclaw/outbox/", "/home/bot/./reports/../charts"]}}})");
  ASSERT_TRUE(loaded.ok()) << testing::PrintToString(issues(loaded));
  EXPECT_EQ(loaded.snapshot->mmclaw.media_allowed_dirs,
            (std::vector<std::filesystem::path>{"/srv/mmclaw/outbox", "/home/bot/charts"}));

  loaded = load(R"({channels: {mattermost: {baseUrl: "https://a.example", botToken: "tok123456"}},
      mmclaw: {media: {allowedDirs: ["/srv/ok", "files", "~/outbox", ""]}}})");
  EXPECT_EQ(issues(loaded),
            (V{"2:49 mmclaw.media.allowedDirs[1]: must be an absolute path (got \"files\")",
               "2:58 mmclaw.media.allowedDirs[2]: must be an absolute path (got \"~/outbox\")",
               "2:70 mmclaw.media.allowedDirs[3]: must not be empty"}));

  loaded = load(R"({channels: {mattermost: {baseUrl: "https://a.example", botToken: "tok123456"}},
      mmclaw: {media: {allowedDirs: "/srv/outbox", allowDirs: []}}})");
  EXPECT_EQ(issues(loaded),
            (V{"2:24 mmclaw.media.allowedDirs: must be an array (got the string \"/srv/outbox\")",
               "2:52 mmclaw.media.allowDirs: unknown key `allowDirs` (did you mean `allowedDirs`?)"}));

  loaded = load(R"({channels: {mattermost: {baseUrl: "https://a.example", botToken: "tok123456"}},
      mmclaw: {media: {allowedDirs: [42]}}})");
  EXPECT_EQ(issues(loaded),
            (V{"2:38 mmclaw.media.allowedDirs[0]: must be a non-empty string (got the number 42)"}));
}

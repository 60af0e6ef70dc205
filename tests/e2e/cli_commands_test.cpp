// The command tree as a user meets it: help, version, usage errors and exit codes.

#include <gtest/gtest.h>

#include "../support/temp_dir.hpp"
#include "mmclaw_process.hpp"

using namespace mmclaw::test;

TEST(CliCommands, HelpListsEveryCommand) {
  const auto run = run_mmclaw({"--help"});
  EXPECT_EQ(run.exit_code, 0);
  for (const char* command : {"gateway", "config", "doctor", "status", "pairing", "message", "demo"})
    EXPECT_NE(run.out.find(command), std::string::npos) << command;
}

TEST(CliCommands, VersionPrintsTheVersion) {
  const auto run = run_mmclaw({"--version"});
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_EQ(run.out, std::string("mmclaw ") + MMCLAW_VERSION + "\n");
}

TEST(CliCommands, UsageErrorsExitWithTwo) {
  EXPECT_EQ(run_mmclaw({}).exit_code, 2);
  EXPECT_EQ(run_mmclaw({"frobnicate"}).exit_code, 2);
  EXPECT_EQ(run_mmclaw({"config"}).exit_code, 2);
  EXPECT_EQ(run_mmclaw({"pairing", "approve"}).exit_code, 2);
  EXPECT_EQ(run_mmclaw({"message", "read", "--target", "#x", "--limit", "0"}).exit_code, 2);
  const auto bad_format = run_mmclaw({"--log-format", "xml", "config", "check"});
  EXPECT_EQ(bad_format.exit_code, 2);
  EXPECT_EQ(bad_format.err, "mmclaw: --log-format must be text or json (got \"xml\")\n");
}

TEST(CliCommands, CommandsNotBuiltYetSaySoAndExitWithTwo) {
  const std::vector<std::pair<std::string, std::vector<std::string>>> commands{
      {"doctor", {"doctor", "--fix"}}};
  for (const auto& [name, args] : commands) {
    const auto run = run_mmclaw(args);
    EXPECT_EQ(run.exit_code, 2) << name;
    EXPECT_EQ(run.err, "mmclaw " + name + ": not available yet in this version of mmclaw\n") << name;
  }
}

// `mmclaw message`, `mmclaw directory` and `mmclaw status` need a loadable config; without one
// they stop with 2 before talking to anyone (their work against mmsim and a gateway:
// e2e/cli_message_test.cpp, e2e/cli_directory_test.cpp, e2e/gateway_http_test.cpp).
TEST(CliCommands, CommandsThatNeedAConfigStopWithTwoWithoutOne) {
  const std::vector<std::vector<std::string>> commands{
      {"message", "send", "--target", "@alice", "hello"},
      {"message", "react", "--post", "p1", "--emoji", "eyes"},
      {"message", "read", "--target", "#town-square"},
      {"directory", "channels"},
      {"directory", "users", "--query", "al"},
      {"status"},
      {"status", "--json"}};
  for (auto args : commands) {
    args.insert(args.begin(), {"--config", "/nonexistent/openclaw.json"});
    const auto run = run_mmclaw(args);
    EXPECT_EQ(run.exit_code, 2) << args[2];
    EXPECT_NE(run.err.find("/nonexistent/openclaw.json"), std::string::npos) << run.err;
  }
}

// `mmclaw gateway` refuses to start, with exit 2 and a message that says why, whenever it could not
// answer: a missing file, no model provider, or a backend this version does not have yet.
TEST(CliGateway, RefusesAMissingConfigFile) {
  const auto run = run_mmclaw({"--config", "/nonexistent/openclaw.json", "gateway"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("/nonexistent/openclaw.json"), std::string::npos) << run.err;
}

TEST(CliGateway, RefusesAConfigWithoutProviderAndShowsOne) {
  TempDir dir;
  const auto config = dir.write("openclaw.json", R"({channels: {mattermost: {baseUrl: "http://127.0.0.1:9",
    botToken: "tok", network: {dangerouslyAllowPrivateNetwork: true}}}, mmclaw: {store: {path: "s.db"}}})");
  const auto run = run_mmclaw({"--config", config.string(), "gateway"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("no model provider is configured"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("api: \"openai-completions\""), std::string::npos) << run.err;
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "s.db")) << "nothing is created for a refused start";
}

TEST(CliGateway, RefusesAPrimaryModelOfAnUnknownProvider) {
  TempDir dir;
  const auto config = dir.write("openclaw.json", R"({channels: {mattermost: {baseUrl: "http://127.0.0.1:9",
    botToken: "tok"}}, models: {providers: {script: {api: "command", command: ["/bin/cat"],
    models: [{id: "cat"}]}}},
    agents: {defaults: {model: "elsewhere/cat"}}, mmclaw: {store: {path: "s.db"}}})");
  const auto run = run_mmclaw({"--config", config.string(), "gateway"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("agents.defaults.model.primary names provider \"elsewhere\", which is not in models.providers"),
            std::string::npos)
      << run.err;
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "s.db")) << "nothing is created for a refused start";
}

TEST(CliGateway, RefusesAnInvalidConfigNamingTheKey) {
  TempDir dir;
  const auto config = dir.write("openclaw.json", R"({channels: {mattermost: {baseUrl: "http://127.0.0.1:9",
    botToken: "tok", dmPolicy: "sometimes"}}})");
  const auto run = run_mmclaw({"--config", config.string(), "gateway"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("dmPolicy"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("the gateway does not start"), std::string::npos) << run.err;
}

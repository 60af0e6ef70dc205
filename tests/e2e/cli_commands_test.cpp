// The command tree as a user meets it: help, version, usage errors and exit codes.

#include <gtest/gtest.h>

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
      {"gateway", {"gateway"}},
      {"doctor", {"doctor", "--fix"}},
      {"status", {"status"}},
      {"pairing list", {"pairing", "list"}},
      {"pairing approve", {"pairing", "approve", "ABCD2345"}},
      {"pairing deny", {"pairing", "deny", "ABCD2345"}},
      {"message send", {"message", "send", "--target", "@alice", "hello"}},
      {"message react", {"message", "react", "--post", "p1", "--emoji", "eyes"}},
      {"message read", {"message", "read", "--target", "#town-square"}}};
  for (const auto& [name, args] : commands) {
    const auto run = run_mmclaw(args);
    EXPECT_EQ(run.exit_code, 2) << name;
    EXPECT_EQ(run.err, "mmclaw " + name + ": not available yet in this version of mmclaw\n") << name;
  }
}

// docs/configuration.md must document every key the schema accepts (DEVELOPERS.md: docs cover every
// config key), and docs/commands.md every command.

#include <gtest/gtest.h>

#include "../../support/source_file.hpp"
#include "config/schema_openclaw.hpp"

using namespace mmclaw::config;
using mmclaw::test::read_source_file;

TEST(DocsCoverage, EveryConfigKeyIsDocumented) {
  const std::string docs = read_source_file("docs/configuration.md");
  ASSERT_FALSE(docs.empty()) << "docs/configuration.md is missing";
  std::vector<std::string> missing;
  for (const auto& path : schema_key_paths(openclaw_schema(), ""))
    if (docs.find("`" + path + "`") == std::string::npos) missing.push_back(path);
  EXPECT_TRUE(missing.empty()) << "undocumented keys: " << testing::PrintToString(missing);
}

TEST(DocsCoverage, EveryCommandIsDocumented) {
  const std::string docs = read_source_file("docs/commands.md");
  ASSERT_FALSE(docs.empty()) << "docs/commands.md is missing";
  for (const char* command :
       {"mmclaw gateway", "mmclaw config check", "mmclaw config show", "mmclaw doctor", "mmclaw status",
        "mmclaw pairing list", "mmclaw pairing approve", "mmclaw pairing deny", "mmclaw message send",
        "mmclaw message react", "mmclaw message read", "mmclaw demo"})
    EXPECT_NE(docs.find(command), std::string::npos) << command;
}

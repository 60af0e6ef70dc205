#pragma once
// The command line: builds the CLI11 command tree of PRODUCT.md and runs the chosen command.
// Exit codes: 0 ok, 1 runtime failure, 2 usage or configuration error.

#include <filesystem>
#include <optional>
#include <string>

namespace mmclaw::app {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

struct GlobalOptions {
  std::optional<std::filesystem::path> config;
  std::optional<std::string> log_format;
  std::optional<std::string> log_level;
};

int run_cli(int argc, char** argv);

}  // namespace mmclaw::app

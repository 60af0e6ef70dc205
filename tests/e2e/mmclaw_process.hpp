#pragma once
// Runs the real mmclaw binary as a child process with a controlled environment, for the
// end-to-end tests of the command line.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "util/subprocess.hpp"

namespace mmclaw::test {

struct ProcessRun {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Nothing of the caller's environment leaks in except PATH, so MATTERMOST_* variables on the
// machine cannot change a test's outcome.
inline ProcessRun run_mmclaw(const std::vector<std::string>& args, const std::map<std::string, std::string>& env = {},
                             const std::vector<std::string>& prefix = {}) {
  util::SubprocessOptions options;
  options.argv = prefix;
  options.argv.push_back(MMCLAW_BINARY);
  options.argv.insert(options.argv.end(), args.begin(), args.end());
  std::vector<std::string> environment{"PATH=/usr/local/bin:/usr/bin:/bin"};
  for (const auto& [k, v] : env) environment.push_back(k + "=" + v);
  options.env = environment;
  options.timeout = std::chrono::seconds(20);
  auto result = util::run_subprocess(options);
  if (!result) {
    ADD_FAILURE() << "could not run mmclaw: " << result.error().message;
    return {};
  }
  return {result->exit_code, result->stdout_data, result->stderr_data};
}

inline std::string source_path(const std::string& relative) { return std::string(MMCLAW_SOURCE_DIR) + "/" + relative; }

}  // namespace mmclaw::test

#pragma once
// Reads a file of the source tree (docs, examples) by its path relative to the repository root.

#include <fstream>
#include <sstream>
#include <string>

namespace mmclaw::test {

inline std::string read_source_file(const std::string& relative) {
  std::ifstream in(std::string(MMCLAW_SOURCE_DIR) + "/" + relative);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace mmclaw::test

#include "app/cmd_directory.hpp"

#include <iostream>

namespace mmclaw::app {

// Placeholder until the directory lands (this file belongs to the directory work).
int run_directory_channels(const GlobalOptions&, const DirectoryOptions&) {
  std::cerr << "mmclaw directory: not available yet\n";
  return kExitUsage;
}
int run_directory_users(const GlobalOptions&, const DirectoryOptions&) {
  std::cerr << "mmclaw directory: not available yet\n";
  return kExitUsage;
}

}  // namespace mmclaw::app

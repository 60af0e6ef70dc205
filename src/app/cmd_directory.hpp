#pragma once
// `mmclaw directory channels|users` (channel-behaviour §11, the directory adapter): the channels
// and the users the bot can see, from the config's account, without a running gateway.
// Exit codes: 0 ok (also when nothing matches); 1 Mattermost could not be asked; 2 a usage or
// config error.

#include <optional>
#include <string>

#include "app/cli.hpp"

namespace mmclaw::app {

struct DirectoryOptions {
  std::optional<std::string> account;  // default: the config's default account
  std::string query;                   // substring filter; empty = everything
  int limit = 50;                      // at most this many entries
  bool json = false;                   // a JSON array instead of a table
};

int run_directory_channels(const GlobalOptions& global, const DirectoryOptions& options);
int run_directory_users(const GlobalOptions& global, const DirectoryOptions& options);

}  // namespace mmclaw::app

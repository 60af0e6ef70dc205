#include "app/cmd_directory.hpp"

#include <algorithm>
#include <cstddef>
#include <iostream>
#include <string_view>

#include <boost/json/serialize.hpp>

#include "app/cli_account.hpp"
#include "mattermost/api_directory.hpp"

namespace mmclaw::app {

namespace {

enum class Listing { channels, users };

// The bot's id first (GET /users/me), then the listing, on the account's io_context.
boost::asio::awaitable<mattermost::DirectoryResult> look_up(CliAccount& cli, Listing listing,
                                                            DirectoryOptions options) {
  auto bot_id = co_await cli.targets->bot_id();
  if (!bot_id) co_return std::unexpected(std::move(bot_id.error().message));
  // The CLI checks --limit (1..1000); never ask for "no limit" by accident.
  const auto limit = static_cast<std::size_t>(std::max(options.limit, 1));
  if (listing == Listing::channels)
    co_return co_await mattermost::list_channels(*cli.api, std::move(*bot_id), std::move(options.query),
                                                 limit);
  co_return co_await mattermost::list_users(*cli.api, std::move(*bot_id), std::move(options.query), limit);
}

int run_directory(const GlobalOptions& global, const DirectoryOptions& options, Listing listing) {
  auto cli = open_cli_account(global, options.account);
  if (!cli) return cli.error();
  auto entries = (*cli)->run(look_up(**cli, listing, options));
  if (!entries) {
    std::cerr << "mmclaw: " << entries.error() << '\n';
    return kExitFailure;
  }
  if (options.json) {
    std::cout << boost::json::serialize(mattermost::to_json(*entries)) << '\n';
  } else {
    std::cout << mattermost::directory_table(*entries,
                                             listing == Listing::channels ? "no channels" : "no users");
  }
  return kExitOk;
}

}  // namespace

int run_directory_channels(const GlobalOptions& global, const DirectoryOptions& options) {
  return run_directory(global, options, Listing::channels);
}

int run_directory_users(const GlobalOptions& global, const DirectoryOptions& options) {
  return run_directory(global, options, Listing::users);
}

}  // namespace mmclaw::app

#pragma once
// The account a command talks to Mattermost with when no gateway runs (`mmclaw message`,
// `mmclaw directory`): the config loaded as the gateway loads it (same file, env vars and
// secrets), the account chosen by `--account` or the config's default, and its REST client
// (SSRF guard, proxy settings from the environment), on an io_context of the command's own.

#include <expected>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "app/cli.hpp"
#include "config/snapshot.hpp"
#include "mattermost/api.hpp"
#include "mattermost/api_targets.hpp"
#include "net/http_client.hpp"

namespace mmclaw::app {

// The REST client settings of an account (base URL, token, SSRF exemption), for the gateway and
// the commands alike.
mattermost::ApiOptions mattermost_api_options(const config::AccountConfig& account);
// The HTTP client settings for an account's Mattermost traffic: the proxy, the user agent and the
// SSRF guard on every resolved address.
net::HttpClientOptions mattermost_http_options(net::ProxySettings proxy, const config::AccountConfig& account);

struct CliAccount {
  std::shared_ptr<const config::Snapshot> snapshot;
  const config::AccountConfig* account = nullptr;  // in snapshot
  boost::asio::io_context io{1};
  std::unique_ptr<net::HttpClient> http;  // Mattermost traffic (SSRF guard)
  std::unique_ptr<net::HttpClient> media_http;  // media URLs, made on first use
  std::unique_ptr<mattermost::Api> api;
  std::unique_ptr<mattermost::TargetResolver> targets;

  net::HttpClient& media_client();

  // Runs `task` on io until it ends and returns its result.
  template <class T>
  T run(boost::asio::awaitable<T> task) {
    auto future = boost::asio::co_spawn(io, std::move(task), boost::asio::use_future);
    io.run();
    io.restart();
    return future.get();
  }
};

// The account, or the exit code after the error was printed to stderr: 2 for a config that cannot
// be loaded, an unknown or disabled account, or one without baseUrl or botToken.
std::expected<std::unique_ptr<CliAccount>, int> open_cli_account(const GlobalOptions& global,
                                                                 const std::optional<std::string>& account);

}  // namespace mmclaw::app

#include "app/cli_account.hpp"

#include <algorithm>
#include <iostream>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "app/cmd_config.hpp"
#include "app/outbound_send.hpp"
#include "config/accounts.hpp"
#include "net/proxy.hpp"
#include "util/log.hpp"

namespace mmclaw::app {

net::HttpClient& CliAccount::media_client() {
  if (!media_http) media_http = std::make_unique<net::HttpClient>(io, media_http_options());
  return *media_http;
}

mattermost::ApiOptions mattermost_api_options(const config::AccountConfig& account) {
  mattermost::ApiOptions options;
  options.base_url = account.base_url;
  options.token = account.bot_token.value;
  options.ssrf.allow_private_network = account.dangerously_allow_private_network;
  return options;
}

net::HttpClientOptions mattermost_http_options(net::ProxySettings proxy, const config::AccountConfig& account) {
  net::HttpClientOptions options;
  options.proxy = std::move(proxy);
  options.user_agent = fmt::format("mmclaw/{}", MMCLAW_VERSION);
  net::SsrfPolicy ssrf;
  ssrf.allow_private_network = account.dangerously_allow_private_network;
  return mattermost::http_options_with_ssrf_guard(std::move(options), ssrf);
}

std::expected<std::unique_ptr<CliAccount>, int> open_cli_account(const GlobalOptions& global,
                                                                 const std::optional<std::string>& account) {
  const auto loaded = load_command_config(global, /*resolve_secrets=*/true);
  if (loaded.file_error) {
    std::cerr << "mmclaw: " << *loaded.file_error << '\n';
    return std::unexpected(kExitUsage);
  }
  if (!loaded.ok()) {
    print_config_issues(loaded, std::cerr, /*include_notes=*/false);
    std::cerr << fmt::format("mmclaw: {} is not valid; run `mmclaw config check` for details\n",
                             loaded.path.string());
    return std::unexpected(kExitUsage);
  }
  // The command's output is its result, read by scripts: only warnings and errors are logged
  // (to stderr) unless --log-level asks for more.
  if (!global.log_level)
    log::set_level(std::max(static_cast<log::Level>(loaded.snapshot->mmclaw.log_level), log::Level::warn));
  auto out = std::make_unique<CliAccount>();
  out->snapshot = loaded.snapshot;
  const std::string id = account ? config::normalize_account_id(*account) : out->snapshot->default_account;
  out->account = out->snapshot->find_account(id);
  if (out->account == nullptr) {
    std::vector<std::string> ids;
    for (const auto& a : out->snapshot->accounts) ids.push_back(a.id);
    std::cerr << fmt::format("mmclaw: --account: no account \"{}\" in {} (accounts: {})\n", account.value_or(id),
                             loaded.path.string(), ids.empty() ? "none" : fmt::format("{}", fmt::join(ids, ", ")));
    return std::unexpected(kExitUsage);
  }
  if (!out->account->enabled) {
    std::cerr << fmt::format("mmclaw: Mattermost account \"{}\" is disabled\n", out->account->id);
    return std::unexpected(kExitUsage);
  }
  if (out->account->base_url.empty() || !out->account->bot_token.present()) {
    std::cerr << fmt::format("mmclaw: Mattermost account \"{}\" has no {} (channels.mattermost)\n", out->account->id,
                             out->account->base_url.empty() ? "baseUrl" : "botToken");
    return std::unexpected(kExitUsage);
  }
  auto proxy = net::proxy_settings_from_env(net::system_env_lookup());
  if (!proxy) {
    std::cerr << "mmclaw: " << proxy.error().message << '\n';
    return std::unexpected(kExitUsage);
  }
  out->http = std::make_unique<net::HttpClient>(out->io, mattermost_http_options(std::move(*proxy), *out->account));
  try {
    out->api = std::make_unique<mattermost::Api>(*out->http, mattermost_api_options(*out->account));
  } catch (const std::invalid_argument& e) {
    std::cerr << fmt::format("mmclaw: Mattermost account \"{}\": {}\n", out->account->id, e.what());
    return std::unexpected(kExitUsage);
  }
  out->targets = std::make_unique<mattermost::TargetResolver>(
      *out->api, mattermost::TargetResolverOptions{out->account->team_id, out->account->dm_channel_retry, ""});
  return out;
}

}  // namespace mmclaw::app

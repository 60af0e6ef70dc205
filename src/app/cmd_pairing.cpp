#include "app/cmd_pairing.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <memory>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <boost/json.hpp>

#include "app/cmd_config.hpp"
#include "config/accounts.hpp"
#include "gateway/pairing.hpp"
#include "store/sqlite_store.hpp"
#include "util/redact.hpp"

namespace mmclaw::app {

namespace {

std::int64_t now_millis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// What every pairing subcommand needs: the config's store, opened, and the --account filter
// resolved against the config. `exit_code` is set when the command must stop.
struct PairingContext {
  std::unique_ptr<store::SqliteStore> store;
  std::optional<std::string> account;
  std::optional<int> exit_code;
};

PairingContext open_pairing_context(const GlobalOptions& global, const PairingOptions& options) {
  PairingContext context;
  // Tokens are not needed: nothing here talks to Mattermost, so an unresolvable secret must not
  // stop the owner from approving someone.
  const auto loaded = load_command_config(global, /*resolve_secrets=*/false);
  if (loaded.file_error) {
    std::cerr << "mmclaw: " << *loaded.file_error << '\n';
    context.exit_code = kExitUsage;
    return context;
  }
  if (!loaded.ok()) {
    print_config_issues(loaded, std::cerr, /*include_notes=*/false);
    std::cerr << fmt::format("mmclaw: {} is not valid; run `mmclaw config check` for details\n",
                             loaded.path.string());
    context.exit_code = kExitUsage;
    return context;
  }
  const auto& snapshot = *loaded.snapshot;
  if (options.account) {
    const std::string id = config::normalize_account_id(*options.account);
    if (snapshot.find_account(id) == nullptr) {
      std::vector<std::string> ids;
      for (const auto& account : snapshot.accounts) ids.push_back(account.id);
      std::cerr << fmt::format("mmclaw: --account: no account \"{}\" in {} (accounts: {})\n",
                               *options.account, loaded.path.string(), fmt::join(ids, ", "));
      context.exit_code = kExitUsage;
      return context;
    }
    context.account = id;
  }
  auto opened = store::SqliteStore::open(snapshot.mmclaw.store_path);
  if (!opened) {
    std::cerr << "mmclaw: cannot open the store: " << opened.error().message << '\n';
    context.exit_code = kExitFailure;
    return context;
  }
  context.store = std::move(*opened);
  return context;
}

std::optional<std::string_view> as_view(const std::optional<std::string>& value) {
  if (!value) return std::nullopt;
  return std::string_view(*value);
}

// "59m 58s", "42s": how long the code stays valid, rounded up to the second.
std::string expires_in(std::int64_t expires_at, std::int64_t now) {
  const std::int64_t seconds = std::max<std::int64_t>(0, (expires_at - now + 999) / 1000);
  if (seconds >= 60) return fmt::format("{}m {:02}s", seconds / 60, seconds % 60);
  return fmt::format("{}s", seconds);
}

void print_table(const std::vector<store::PairingRequest>& requests, std::int64_t now) {
  std::vector<std::array<std::string, 5>> rows;
  rows.push_back({"ACCOUNT", "CODE", "USER", "USERNAME", "EXPIRES-IN"});
  for (const auto& request : requests) {
    rows.push_back({request.account_id, request.code, request.user_id,
                    request.username.empty() ? std::string("-") : request.username,
                    expires_in(request.expires_at, now)});
  }
  std::array<std::size_t, 5> widths{};
  for (const auto& row : rows)
    for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      if (i + 1 == row.size()) {
        line += row[i];
      } else {
        line += fmt::format("{:<{}}  ", row[i], widths[i]);
      }
    }
    std::cout << line << '\n';
  }
}

void print_json(const std::vector<store::PairingRequest>& requests) {
  boost::json::array array;
  for (const auto& request : requests) {
    boost::json::object object;
    object["account"] = request.account_id;
    object["code"] = request.code;
    object["userId"] = request.user_id;
    if (request.username.empty()) {
      object["username"] = nullptr;
    } else {
      object["username"] = request.username;
    }
    object["createdAt"] = request.created_at;
    object["expiresAt"] = request.expires_at;
    array.push_back(std::move(object));
  }
  std::cout << boost::json::serialize(array) << '\n';
}

// approve and deny: the same checks, the same lookup, different verbs.
int settle(const GlobalOptions& global, const PairingOptions& options, bool approve) {
  // The code is checked first: a typo is a usage error, whatever the config says.
  if (!gateway::is_pairing_code(options.code)) {
    std::cerr << fmt::format(
        "mmclaw: CODE: \"{}\" is not a pairing code ({} characters of A-Z and 2-9, without I, O, 0 and 1)\n",
        options.code, gateway::kPairingCodeLength);
    return kExitUsage;
  }
  const std::string code = gateway::normalize_pairing_code(options.code);
  auto context = open_pairing_context(global, options);
  if (context.exit_code) return *context.exit_code;

  const auto now = now_millis();
  auto settled = approve ? context.store->approve_pairing(code, as_view(context.account), now)
                         : context.store->deny_pairing(code, as_view(context.account), now);
  if (!settled) {
    std::cerr << "mmclaw: " << util::SecretRegistry::instance().redact(settled.error().message) << '\n';
    return kExitFailure;
  }
  if (!*settled) {
    std::cerr << fmt::format("mmclaw: no pending pairing request with code {}\n", code);
    return kExitFailure;
  }
  const auto& request = **settled;
  const std::string& who = request.username.empty() ? request.user_id : request.username;
  if (approve) {
    std::cout << fmt::format("Approved {} ({}) on account {}. The gateway tells them by DM.\n", who,
                             request.user_id, request.account_id);
  } else {
    std::cout << fmt::format("Denied {} ({}) on account {}.\n", who, request.user_id, request.account_id);
  }
  return kExitOk;
}

}  // namespace

int run_pairing_list(const GlobalOptions& global, const PairingOptions& options) {
  auto context = open_pairing_context(global, options);
  if (context.exit_code) return *context.exit_code;
  const auto now = now_millis();
  auto requests = context.store->pairing_requests(as_view(context.account), now);
  if (!requests) {
    std::cerr << "mmclaw: " << util::SecretRegistry::instance().redact(requests.error().message) << '\n';
    return kExitFailure;
  }
  if (options.json) {
    print_json(*requests);
  } else if (requests->empty()) {
    std::cout << "No pending pairing requests.\n";
  } else {
    print_table(*requests, now);
  }
  return kExitOk;
}

int run_pairing_approve(const GlobalOptions& global, const PairingOptions& options) {
  return settle(global, options, /*approve=*/true);
}

int run_pairing_deny(const GlobalOptions& global, const PairingOptions& options) {
  return settle(global, options, /*approve=*/false);
}

}  // namespace mmclaw::app

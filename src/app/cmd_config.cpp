#include "app/cmd_config.hpp"

#include <iostream>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "config/load.hpp"
#include "config/render.hpp"
#include "util/log.hpp"
#include "util/redact.hpp"

namespace mmclaw::app {

config::LoadedConfig load_command_config(const GlobalOptions& global, bool resolve_secrets) {
  config::LoadOptions options;
  options.config_flag = global.config;
  options.resolve_secrets = resolve_secrets;
  auto loaded = config::load_config(options);
  // The config's log settings apply unless the command line set them.
  if (loaded.snapshot) {
    if (!global.log_format)
      log::set_format(loaded.snapshot->mmclaw.log_format == config::LogFormat::json ? log::Format::json
                                                                                    : log::Format::text);
    if (!global.log_level) log::set_level(static_cast<log::Level>(loaded.snapshot->mmclaw.log_level));
  }
  // Every resolved secret is known to the redactor before anything can print it.
  if (loaded.snapshot) {
    for (const auto& account : loaded.snapshot->accounts)
      if (account.bot_token.present()) util::SecretRegistry::instance().add(account.bot_token.value);
    for (const auto& [id, provider] : loaded.snapshot->providers)
      if (provider.api_key.present()) util::SecretRegistry::instance().add(provider.api_key.value);
  }
  return loaded;
}

void print_config_issues(const config::LoadedConfig& loaded, std::ostream& out, bool include_notes) {
  const std::string file = loaded.path.string();
  for (const auto& issue : loaded.issues.items()) {
    if (issue.severity == config::Severity::note && !include_notes) continue;
    out << util::SecretRegistry::instance().redact(config::format_issue(issue, file)) << '\n';
  }
}

int run_config_check(const GlobalOptions& global) {
  const auto loaded = load_command_config(global, /*resolve_secrets=*/true);
  if (loaded.file_error) {
    std::cerr << "mmclaw: " << *loaded.file_error << '\n';
    return kExitUsage;
  }
  if (!loaded.ok()) {
    print_config_issues(loaded, std::cerr, true);
    const auto errors = loaded.issues.count(config::Severity::error);
    std::cerr << fmt::format("mmclaw: {} is not valid: {} error{}\n", loaded.path.string(), errors,
                             errors == 1 ? "" : "s");
    return kExitUsage;
  }
  const auto& snap = *loaded.snapshot;
  std::cout << fmt::format("config: {}\n", loaded.path.string());
  for (const auto& account : snap.accounts)
    std::cout << config::summarize_account(account, account.id == snap.default_account) << '\n';
  print_config_issues(loaded, std::cout, true);
  const auto enabled =
      std::count_if(snap.accounts.begin(), snap.accounts.end(), [](const auto& a) { return a.enabled; });
  const auto warnings = loaded.issues.count(config::Severity::warning);
  std::cout << fmt::format("ok: {} account{} ({} enabled), {} warning{}\n", snap.accounts.size(),
                           snap.accounts.size() == 1 ? "" : "s", enabled, warnings, warnings == 1 ? "" : "s");
  return kExitOk;
}

int run_config_show(const GlobalOptions& global) {
  const auto loaded = load_command_config(global, /*resolve_secrets=*/true);
  if (loaded.file_error) {
    std::cerr << "mmclaw: " << *loaded.file_error << '\n';
    return kExitUsage;
  }
  if (!loaded.ok()) {
    print_config_issues(loaded, std::cerr, true);
    std::cerr << fmt::format("mmclaw: {} is not valid; run `mmclaw config check` for details\n",
                             loaded.path.string());
    return kExitUsage;
  }
  std::cout << util::SecretRegistry::instance().redact(
                   boost::json::serialize(config::render_snapshot(*loaded.snapshot)))
            << '\n';
  return kExitOk;
}

}  // namespace mmclaw::app

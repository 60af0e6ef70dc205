#pragma once
// `mmclaw config check` and `mmclaw config show`.

#include <iosfwd>

#include "app/cli.hpp"
#include "config/load.hpp"

namespace mmclaw::app {

// Loads the config the way every command does: the config's log settings apply unless the command
// line set them, and every resolved secret is known to the redactor before anything can print it.
config::LoadedConfig load_command_config(const GlobalOptions& global, bool resolve_secrets);
// Prints the load's issues (notes only when asked), redacted, one per line.
void print_config_issues(const config::LoadedConfig& loaded, std::ostream& out, bool include_notes);

int run_config_check(const GlobalOptions& global);
int run_config_show(const GlobalOptions& global);

}  // namespace mmclaw::app

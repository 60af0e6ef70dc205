#pragma once
// `mmclaw config check` and `mmclaw config show`.

#include "app/cli.hpp"

namespace mmclaw::app {

int run_config_check(const GlobalOptions& global);
int run_config_show(const GlobalOptions& global);

}  // namespace mmclaw::app

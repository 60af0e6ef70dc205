#pragma once
// `mmclaw status`: asks the running gateway (GET /readyz on gateway.port at the address
// gateway.bind names, reached from this machine) and prints a summary per account, or with
// `--json` the report as the gateway sent it. Exit codes: 0 every account is authenticated; 1 not
// ready, or no gateway answers; 2 a config that cannot be loaded.

#include "app/cli.hpp"

namespace mmclaw::app {

struct StatusOptions {
  bool json = false;
};

int run_status(const GlobalOptions& global, const StatusOptions& options);

}  // namespace mmclaw::app

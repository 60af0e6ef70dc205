#pragma once
// `mmclaw gateway`: runs every enabled account until SIGINT or SIGTERM (a second signal stops at
// once). Exit 0 after a clean stop, 1 when the store cannot be opened, 2 for a config the gateway
// cannot start with.

#include "app/cli.hpp"

namespace mmclaw::app {

int run_gateway(const GlobalOptions& global);

}  // namespace mmclaw::app

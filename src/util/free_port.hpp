#pragma once
// A TCP port of 127.0.0.1 nothing listens on right now, for a process that must be told its port
// before it starts (the demo's gateway, the tests' gateways). The kernel picks it (bind to port 0);
// another process may take it before it is used, so callers use it at once.

#include <cstdint>

#include "util/error.hpp"

namespace mmclaw::util {

Result<std::uint16_t> free_loopback_port();

}  // namespace mmclaw::util

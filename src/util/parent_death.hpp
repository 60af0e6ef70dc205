#pragma once
// Helper processes (the simulators started by tests and `mmclaw demo`) must not outlive the
// process that started them, even when it is killed with SIGKILL and cannot clean up.

namespace mmclaw::util {

// Asks the kernel to send this process SIGTERM when its parent dies. Returns false when the
// parent is already gone (this process was reparented), in which case the caller should exit.
bool exit_when_parent_dies();

}  // namespace mmclaw::util

#pragma once
// Runs a program to completion with bounded time and output: secret-resolver programs at start-up,
// the mmclaw binary in end-to-end tests. POSIX only, no shell, blocking (call it off the event loop).

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "util/error.hpp"

namespace mmclaw::util {

struct SubprocessOptions {
  std::vector<std::string> argv;                   // argv[0] is the program path (no PATH search, no shell)
  std::optional<std::vector<std::string>> env;     // the full environment as "K=V"; nullopt inherits ours
  std::optional<std::filesystem::path> cwd;        // a relative argv[0] is resolved against it, as exec does
  std::string stdin_data;                          // written, then stdin is closed
  std::chrono::milliseconds timeout{5000};         // the whole run; must be positive
  std::chrono::milliseconds no_output_timeout{0};  // longest silence on stdout+stderr; 0 = no limit
  std::size_t max_stdout_bytes = 1 << 20;          // exceeding it kills the process: an error
  std::size_t max_stderr_bytes = 64 * 1024;        // exceeding it truncates: not an error
};

struct SubprocessResult {
  int exit_code = -1;   // -1 when the process was ended by a signal
  int term_signal = 0;  // the signal that ended it, else 0
  std::string stdout_data;
  std::string stderr_data;
  bool stderr_truncated = false;
  std::chrono::milliseconds elapsed{};
};

// Starts argv[0] in a process group of its own with pipes for stdin/stdout/stderr, feeds stdin and
// collects output without deadlocking on either side, and returns when the program has exited and
// both output pipes are closed. The child gets default signal dispositions, an empty signal mask
// and no file descriptors other than 0-2. When the run ends, whatever is still in its process group
// (background children left behind) is killed with SIGKILL, and the child is always reaped.
// A non-zero exit or a death by signal is a result, not an error. Errors:
// - invalid_input: empty argv, a NUL byte inside an argument or variable, a non-positive timeout;
// - permanent: the program cannot be started (`cannot run /x/y: No such file or directory`);
// - transient: the timeout or the no-output timeout was hit;
// - permanent: stdout exceeded max_stdout_bytes (the same input would overflow again).
// On a limit the process group is killed first, and the message names the limit.
// Messages name argv[0] only: arguments may carry secrets.
// Thread-safe. Writes to a child that stopped reading do not raise SIGPIPE in the caller. Nothing
// else in the process may reap children it does not own (waitpid(-1, ...)).
Result<SubprocessResult> run_subprocess(const SubprocessOptions& options);

}  // namespace mmclaw::util

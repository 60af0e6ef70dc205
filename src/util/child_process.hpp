#pragma once
// Starts a long-running program (mmsim, llmsim, the gateway in end-to-end tests, benchmarks and the
// demo), reads its output while it runs and stops it. POSIX only, no shell. For a program that is
// simply run to completion, use run_subprocess() (util/subprocess.hpp).

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.hpp"

namespace mmclaw::util {

enum class Stream { out, err };  // the child's stdout, stderr

struct ChildOptions {
  std::vector<std::string> argv;                // argv[0] is the program path (no PATH search, no shell)
  std::optional<std::vector<std::string>> env;  // the full environment as "K=V"; nullopt inherits ours
  std::optional<std::filesystem::path> cwd;     // a relative argv[0] is resolved against it, as exec does
  // A captured stream is drained continuously into memory; one that is not captured is inherited
  // (the child writes straight to our stdout/stderr, where ctest keeps it).
  bool capture_stdout = true;
  bool capture_stderr = true;
  bool pipe_stdin = false;                   // false: the child's stdin is /dev/null
  std::size_t max_buffered_bytes = 1 << 20;  // per captured stream: the newest bytes kept (1..1 GiB)
};

// One running program in a process group of its own. The child gets default signal dispositions,
// an empty signal mask and no file descriptors other than 0-2.
//
// Output: each captured stream is read by a background thread as soon as the child writes it, so
// a chatty child never blocks on a full pipe even if nobody reads. At most max_buffered_bytes of
// the newest output are kept per stream (the buffer may briefly hold twice that); older bytes are
// dropped and counted. read_line() consumes lines in order; if unread lines were dropped it resumes
// at the first complete line still kept, so a line longer than the buffer is skipped, never cut.
// output() is independent of what read_line() consumed.
//
// Exit status: an int as shells report it: the exit code (0-255) when the program exited, 128 + the
// signal number when a signal ended it (143 for SIGTERM, 137 for SIGKILL).
//
// Ending: once the child (the group leader) has exited and its status is collected (wait, terminate,
// kill, or the destructor), whatever is left in its process group is killed with SIGKILL and the
// child is reaped; wait() and terminate() then give the reader up to 1 s more to reach end of file,
// so output() holds everything the group wrote. Buffered lines stay readable afterwards. Until it
// is reaped, its pid, and with it the group id, cannot be reused, so a signal to the group never
// reaches a stranger. The destructor kills the whole group and reaps the child: nothing outlives it.
//
// Threads: use an object from one thread at a time (like a standard container); output() and
// dropped_bytes() may also be called from other threads. The internal reader thread blocks all
// signals, so process-directed signals (SIGINT, SIGTERM) keep going to the application's threads.
// write_stdin() never raises SIGPIPE in the caller. Nothing else in the process may reap children
// it does not own (waitpid(-1, ...), SIGCHLD set to SIG_IGN).
//
// Errors name argv[0] and the pid only: arguments may carry secrets.
class ChildProcess {
 public:
  // Errors: invalid_input for an empty argv, NUL bytes, a malformed env entry or a buffer size out
  // of range; permanent when the program cannot be started (`cannot run /x/y: No such file or
  // directory`) or the working directory is unusable.
  static Result<ChildProcess> spawn(const ChildOptions& options);

  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;  // kills and reaps the child it held
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();

  // The next complete line (without its '\n') of a captured stream, waiting up to `timeout`.
  // After the stream closed, a last line without '\n' is still returned. Errors: transient when
  // no line arrived in time; permanent once the stream is closed and read to the end ("... closed
  // its stdout (exited with status 1)"); invalid_input for a stream that is not captured.
  Result<std::string> read_line(Stream which, std::chrono::milliseconds timeout);

  // Consumes lines until one matches and returns it, all within `timeout`; errors as read_line,
  // saying what was waited for.
  Result<std::string> wait_for_line(Stream which, std::string_view substring,
                                    std::chrono::milliseconds timeout);
  Result<std::string> wait_for_line(Stream which, const std::function<bool(std::string_view)>& matches,
                                    std::chrono::milliseconds timeout);

  // The newest captured bytes (at most max_buffered_bytes), for failure messages; "" if not captured.
  std::string output(Stream which) const;
  // How many bytes of the stream fell out of output() because of the buffer limit.
  std::uint64_t dropped_bytes(Stream which) const;

  // Whether the child (the group leader) has not exited yet.
  bool running() const;
  // The child's pid, which is also its process group id; -1 after a move. Once the child has been
  // reaped the number may be reused by an unrelated process.
  pid_t pid() const noexcept;

  // Writes all of `data` to the child's stdin within `timeout`. Errors: invalid_input when stdin is
  // not a pipe; permanent when stdin was closed by close_stdin() or by the child (then the pipe is
  // closed on our side too); transient when the child did not read it in time (part may be written).
  Result<void> write_stdin(std::string_view data,
                           std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));
  // Closes our end of stdin so the child reads end of file. Idempotent.
  void close_stdin() noexcept;

  // Waits up to `timeout` for the child to exit and returns its status (see above); the status is
  // kept, so later calls return it again. Error: transient when it is still running (it keeps
  // running); permanent when its status was collected by someone else.
  Result<int> wait(std::chrono::milliseconds timeout);
  // SIGTERM to the group, up to `grace` for the child to exit, then SIGKILL to the group. Returns the
  // exit status: 143 when SIGTERM ended it, 137 when SIGKILL did, or the code it chose to exit with.
  // Once the child has been reaped (wait, terminate, kill), returns the kept status and sends nothing.
  Result<int> terminate(std::chrono::milliseconds grace);
  // SIGKILL to the group and reap the child now. Idempotent.
  void kill() noexcept;

 private:
  struct State;
  explicit ChildProcess(std::unique_ptr<State> state) noexcept;
  void reset() noexcept;

  std::unique_ptr<State> state_;
};

}  // namespace mmclaw::util

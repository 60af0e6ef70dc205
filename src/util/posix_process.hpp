#pragma once
// The POSIX pieces run_subprocess() (util/subprocess.hpp), ChildProcess (util/child_process.hpp)
// and the agent's command backend (agent/backends/command_backend.hpp, which reads its child on the
// event loop) share, so that starting, feeding, watching and ending a child is written once. Other
// code uses those three, not these pieces.

#include <signal.h>
#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/error.hpp"

namespace mmclaw::util::posix {

// strerror() without its thread-safety and locale problems: "No such file or directory".
std::string errno_text(int err);

// The error both runners report when a step of starting `program` fails: "cannot run P: WHAT: ERRNO".
Error cannot_run(std::string_view program, std::string_view what, int err);

// Owns one file descriptor and closes it.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) reset(std::exchange(other.fd_, -1));
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }

  int get() const noexcept { return fd_; }
  explicit operator bool() const noexcept { return fd_ >= 0; }
  void reset(int fd = -1) noexcept;

 private:
  int fd_ = -1;
};

struct Pipe {
  Fd read;
  Fd write;
};

// Takes ownership of `fd` (which may be -1 for a failed call) and moves it above 0-2, keeping
// close-on-exec: if the parent runs with a closed stdin, pipe2() may hand out 0, and dup2(0, 0) in
// the child would leave the close-on-exec flag set. Empty, with errno set, when the move fails.
Fd above_stdio(int fd);

// A close-on-exec pipe with both ends above 0-2; nullopt with errno set on failure.
std::optional<Pipe> make_pipe();

bool set_nonblocking(int fd);

// Whether `err` from read()/write() on a non-blocking descriptor only means "not now".
bool would_block(int err) noexcept;

// One read(), retried on EINTR: > 0 bytes read, 0 at end of file, -1 with errno set.
ssize_t read_once(int fd, std::span<char> buffer);

// Validates what both option structs share before anything is created, with the same messages:
// a non-empty argv[0], no NUL byte in any argument, every env entry "K=V" without NUL bytes.
std::optional<Error> check_command(const std::vector<std::string>& argv,
                                   const std::optional<std::vector<std::string>>& env);

// Checks that `cwd`, if set, is a directory: a failed chdir in the child reads like a missing program.
std::optional<Error> check_cwd(std::string_view program, const std::optional<std::filesystem::path>& cwd);

// What a child runs; refers to the caller's options, which outlive the spawn.
struct Command {
  const std::vector<std::string>& argv;                // argv[0] is the program path (no PATH search)
  const std::optional<std::vector<std::string>>& env;  // nullopt inherits ours
  const std::optional<std::filesystem::path>& cwd;
};

// The child's descriptors 0-2: one of ours (-1: inherit the parent's) dup2()ed into place.
struct ChildStdio {
  int in = -1;
  int out = -1;
  int err = -1;
  bool null_stdin = false;  // with in == -1: stdin is /dev/null instead of the parent's
};

// Starts `command` with posix_spawn in a process group of its own (pgid == pid), with default signal
// dispositions, an empty signal mask and no descriptors other than 0-2. Error: permanent
// "cannot run P: ERRNO" when it cannot be started (glibc reports exec failures here).
Result<pid_t> spawn_in_new_group(const Command& command, const ChildStdio& stdio);

// A pidfd for `pid`, readable once the child exits; empty on kernels before 5.3.
Fd open_pidfd(pid_t pid);

// How a child ended: its exit code, or the signal that killed it.
struct ExitStatus {
  bool signaled = false;
  int value = 0;  // the exit code, or the signal number
};

struct ExitPeek {
  bool exited = false;
  std::optional<ExitStatus> status;  // empty while running, or when someone else reaped the child
};

// Whether the child has exited, without reaping it: while it is an unreaped zombie its pid, and so
// its process group id, cannot be reused, which keeps a later kill(-pgid) aimed at our group.
ExitPeek peek_exit(pid_t pid);

// SIGKILL to the child's whole process group (the child, not reaped yet, keeps the group id ours),
// then reaps the child. Empty when its status was collected elsewhere.
std::optional<ExitStatus> kill_group_and_reap(pid_t pid) noexcept;

// SIGPIPE policy: the calling thread blocks SIGPIPE while the guard lives, so a write to a child
// that stopped reading fails with EPIPE instead of killing the process. The SIGPIPE that write
// raised is thread-directed and stays pending while blocked; it is consumed with a zero-timeout
// sigtimedwait() before the old mask returns, unless one was already pending before (then it is not
// ours to swallow). Only this thread's mask changes, so other threads and the process-wide
// disposition are untouched.
class SigpipeBlock {
 public:
  SigpipeBlock();
  ~SigpipeBlock();
  SigpipeBlock(const SigpipeBlock&) = delete;
  SigpipeBlock& operator=(const SigpipeBlock&) = delete;

  // One write(), retried on EINTR: the bytes written, or -1 with errno set. Writes must go through
  // here so an EPIPE is noted and its SIGPIPE consumed.
  ssize_t write_once(int fd, std::string_view data) noexcept;

 private:
  sigset_t set_{};
  sigset_t old_{};
  bool was_pending_ = false;
  bool raised_ = false;
};

}  // namespace mmclaw::util::posix

#include "util/subprocess.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <system_error>
#include <utility>

extern char** environ;

namespace mmclaw::util {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

std::string errno_text(int err) { return std::generic_category().message(err); }

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
  void reset(int fd = -1) noexcept {
    // close() is not retried on EINTR: on Linux the descriptor is released either way.
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

struct Pipe {
  Fd read;
  Fd write;
};

// Keeps pipe ends off 0-2: if the parent runs with a closed stdin, pipe2() may hand out 0, and
// dup2(0, 0) in the child would leave the close-on-exec flag set.
Fd above_stdio(int fd) {
  if (fd > 2) return Fd(fd);
  const int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
  ::close(fd);
  return Fd(moved);
}

Result<Pipe> make_pipe(const std::string& program) {
  std::array<int, 2> fds{};
  if (::pipe2(fds.data(), O_CLOEXEC) != 0) {
    return fail(Error::permanent(fmt::format("cannot run {}: pipe: {}", program, errno_text(errno))));
  }
  Pipe pipe{above_stdio(fds[0]), above_stdio(fds[1])};
  if (!pipe.read || !pipe.write) {
    return fail(Error::permanent(fmt::format("cannot run {}: pipe: {}", program, errno_text(errno))));
  }
  return pipe;
}

bool set_nonblocking(int fd) {
  const int flags = ::fcntl(fd, F_GETFL);
  return flags >= 0 && ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0;
}

class SpawnFileActions {
 public:
  SpawnFileActions() { ::posix_spawn_file_actions_init(&actions_); }
  ~SpawnFileActions() { ::posix_spawn_file_actions_destroy(&actions_); }
  SpawnFileActions(const SpawnFileActions&) = delete;
  SpawnFileActions& operator=(const SpawnFileActions&) = delete;
  posix_spawn_file_actions_t* get() noexcept { return &actions_; }

 private:
  posix_spawn_file_actions_t actions_{};
};

class SpawnAttr {
 public:
  SpawnAttr() { ::posix_spawnattr_init(&attr_); }
  ~SpawnAttr() { ::posix_spawnattr_destroy(&attr_); }
  SpawnAttr(const SpawnAttr&) = delete;
  SpawnAttr& operator=(const SpawnAttr&) = delete;
  posix_spawnattr_t* get() noexcept { return &attr_; }

 private:
  posix_spawnattr_t attr_{};
};

// SIGPIPE policy: the calling thread blocks SIGPIPE for the duration of a run, so a write to a
// child that stopped reading fails with EPIPE instead of killing the process. The SIGPIPE that
// write raised is thread-directed and stays pending while blocked; it is consumed with a
// zero-timeout sigtimedwait() before the old mask returns, unless one was already pending before
// (then it is not ours to swallow). Only this thread's mask changes, so other threads and the
// process-wide disposition are untouched, and the child gets an explicit empty mask.
class SigpipeBlock {
 public:
  SigpipeBlock() {
    ::sigemptyset(&set_);
    ::sigaddset(&set_, SIGPIPE);
    sigset_t pending;
    ::sigemptyset(&pending);
    ::sigpending(&pending);
    was_pending_ = ::sigismember(&pending, SIGPIPE) == 1;
    ::pthread_sigmask(SIG_BLOCK, &set_, &old_);
  }
  ~SigpipeBlock() {
    if (raised_ && !was_pending_) {
      const timespec zero{};
      while (::sigtimedwait(&set_, nullptr, &zero) < 0 && errno == EINTR) {
      }
    }
    ::pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  SigpipeBlock(const SigpipeBlock&) = delete;
  SigpipeBlock& operator=(const SigpipeBlock&) = delete;

  void note_epipe() noexcept { raised_ = true; }

 private:
  sigset_t set_{};
  sigset_t old_{};
  bool was_pending_ = false;
  bool raised_ = false;
};

// Whether the child has exited, without reaping it: while it is an unreaped zombie its pid, and so
// its process group id, cannot be reused, which keeps the final kill(-pgid) aimed at our group.
bool has_exited(pid_t pid) {
  siginfo_t info{};
  while (true) {
    if (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0) {
      return info.si_pid == pid;
    }
    if (errno != EINTR) return true;  // ECHILD: someone else reaped it; nothing left to wait for
  }
}

std::optional<int> reap(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return std::nullopt;
  }
  return status;
}

std::optional<Error> check_arguments(const SubprocessOptions& options) {
  if (options.argv.empty() || options.argv[0].empty()) {
    return Error::invalid_input("cannot run a program: argv is empty");
  }
  const auto& program = options.argv[0];
  const auto has_nul = [](const std::string& s) { return s.find('\0') != std::string::npos; };
  if (std::ranges::any_of(options.argv, has_nul)) {
    return Error::invalid_input(fmt::format("cannot run {}: an argument contains a NUL byte", program));
  }
  if (options.env) {
    for (const auto& var : *options.env) {
      if (has_nul(var) || var.find('=') == std::string::npos) {
        return Error::invalid_input(
            fmt::format("cannot run {}: environment entries must be K=V without NUL bytes", program));
      }
    }
  }
  if (options.timeout <= milliseconds::zero()) {
    return Error::invalid_input(fmt::format("cannot run {}: the timeout must be positive", program));
  }
  if (options.no_output_timeout < milliseconds::zero()) {
    return Error::invalid_input(fmt::format("cannot run {}: the no-output timeout is negative", program));
  }
  if (options.cwd) {
    // Checked here for a clear message: a failed chdir in the child reads like a missing program.
    struct stat st {};
    const auto& dir = options.cwd->native();
    const int err = ::stat(dir.c_str(), &st) != 0 ? errno : (S_ISDIR(st.st_mode) ? 0 : ENOTDIR);
    if (err != 0) {
      return Error::permanent(
          fmt::format("cannot run {}: working directory {}: {}", program, dir, errno_text(err)));
    }
  }
  return std::nullopt;
}

// Reads once from `fd` into `out`; false at end of file or on a read error (the pipe is done).
bool read_some(int fd, std::string& out, std::size_t keep_limit, bool& truncated, bool& got_bytes) {
  std::array<char, 64 * 1024> buf;
  while (true) {
    const auto n = ::read(fd, buf.data(), buf.size());
    if (n > 0) {
      got_bytes = true;
      const auto count = static_cast<std::size_t>(n);
      const auto room = out.size() < keep_limit ? keep_limit - out.size() : 0;
      out.append(buf.data(), std::min(count, room));
      if (count > room) truncated = true;
      return true;
    }
    if (n == 0) return false;
    if (errno == EINTR) continue;
    return errno == EAGAIN || errno == EWOULDBLOCK;
  }
}

}  // namespace

Result<SubprocessResult> run_subprocess(const SubprocessOptions& options) {
  if (auto error = check_arguments(options)) return fail(std::move(*error));
  const std::string& program = options.argv[0];

  SigpipeBlock sigpipe;
  auto in = make_pipe(program);
  if (!in) return fail(in.error());
  auto out = make_pipe(program);
  if (!out) return fail(out.error());
  auto err = make_pipe(program);
  if (!err) return fail(err.error());

  SpawnFileActions actions;
  ::posix_spawn_file_actions_adddup2(actions.get(), in->read.get(), STDIN_FILENO);
  ::posix_spawn_file_actions_adddup2(actions.get(), out->write.get(), STDOUT_FILENO);
  ::posix_spawn_file_actions_adddup2(actions.get(), err->write.get(), STDERR_FILENO);
  if (options.cwd) ::posix_spawn_file_actions_addchdir_np(actions.get(), options.cwd->c_str());
  // Descriptors opened elsewhere without O_CLOEXEC (sockets, the store) must not leak to the child.
  ::posix_spawn_file_actions_addclosefrom_np(actions.get(), 3);

  SpawnAttr attr;
  sigset_t empty;
  ::sigemptyset(&empty);
  sigset_t all;
  ::sigfillset(&all);
  ::sigdelset(&all, SIGKILL);
  ::sigdelset(&all, SIGSTOP);
  ::posix_spawnattr_setflags(attr.get(),
                             POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  ::posix_spawnattr_setpgroup(attr.get(), 0);
  ::posix_spawnattr_setsigmask(attr.get(), &empty);
  ::posix_spawnattr_setsigdefault(attr.get(), &all);

  std::vector<char*> argv;
  argv.reserve(options.argv.size() + 1);
  for (const auto& arg : options.argv) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  if (options.env) {
    envp.reserve(options.env->size() + 1);
    for (const auto& var : *options.env) envp.push_back(const_cast<char*>(var.c_str()));
    envp.push_back(nullptr);
  }

  const auto start = Clock::now();
  pid_t pid = -1;
  // glibc reports exec failures (ENOENT, EACCES) from posix_spawn itself and reaps that child.
  const int spawn_error = ::posix_spawn(&pid, program.c_str(), actions.get(), attr.get(), argv.data(),
                                        options.env ? envp.data() : environ);
  if (spawn_error != 0)
    return fail(Error::permanent(fmt::format("cannot run {}: {}", program, errno_text(spawn_error))));

  in->read.reset();
  out->write.reset();
  err->write.reset();
  Fd stdin_fd = std::move(in->write);
  Fd stdout_fd = std::move(out->read);
  Fd stderr_fd = std::move(err->read);
  // Readable once the child exits. Through syscall() because glibc 2.36's <sys/pidfd.h> lacks
  // extern "C". Without a pidfd (kernels before 5.3) the loop checks for the exit every 10 ms.
  Fd exit_fd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));

  SubprocessResult result;
  std::optional<Error> failure;
  if (!set_nonblocking(stdin_fd.get()) || !set_nonblocking(stdout_fd.get()) ||
      !set_nonblocking(stderr_fd.get())) {
    failure = Error::permanent(fmt::format("cannot run {}: fcntl: {}", program, errno_text(errno)));
  }
  std::size_t stdin_written = 0;
  if (options.stdin_data.empty()) stdin_fd.reset();

  const auto deadline = start + options.timeout;
  auto last_output = start;
  bool exited = false;
  bool stdout_over = false;
  while (!failure) {
    if (!exited) exited = has_exited(pid);
    if (exited && !stdout_fd && !stderr_fd) break;

    const auto now = Clock::now();
    if (now >= deadline) {
      failure = Error::transient(fmt::format("{} did not finish within the timeout of {} ms; killed", program,
                                             options.timeout.count()));
      break;
    }
    auto wake = deadline;
    if (options.no_output_timeout > milliseconds::zero()) {
      if (now - last_output >= options.no_output_timeout) {
        failure = Error::transient(
            fmt::format("{} produced no output within the no-output timeout of {} ms; killed", program,
                        options.no_output_timeout.count()));
        break;
      }
      wake = std::min(wake, last_output + options.no_output_timeout);
    }
    auto wait_ms = std::chrono::ceil<milliseconds>(wake - now).count();
    if (!exit_fd && !exited) wait_ms = std::min<decltype(wait_ms)>(wait_ms, 10);
    wait_ms = std::clamp<decltype(wait_ms)>(wait_ms, 0, INT_MAX);

    std::array<pollfd, 4> fds{};
    std::size_t count = 0;
    const auto add = [&](const Fd& fd, short events) -> pollfd* {
      if (!fd) return nullptr;
      fds[count] = {fd.get(), events, 0};
      return &fds[count++];
    };
    const pollfd* p_in = add(stdin_fd, POLLOUT);
    const pollfd* p_out = add(stdout_fd, POLLIN);
    const pollfd* p_err = add(stderr_fd, POLLIN);
    if (!exited) add(exit_fd, POLLIN);

    if (::poll(fds.data(), count, static_cast<int>(wait_ms)) < 0) {
      if (errno == EINTR) continue;
      failure = Error::permanent(fmt::format("running {}: poll: {}", program, errno_text(errno)));
      break;
    }

    if (p_in && p_in->revents != 0) {
      const auto rest = std::string_view(options.stdin_data).substr(stdin_written);
      const auto n = ::write(stdin_fd.get(), rest.data(), rest.size());
      if (n >= 0) {
        stdin_written += static_cast<std::size_t>(n);
        if (stdin_written == options.stdin_data.size()) stdin_fd.reset();
      } else if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) {
        // The child closed stdin or exited: the rest of the input is not wanted.
        if (errno == EPIPE) sigpipe.note_epipe();
        stdin_fd.reset();
      }
    }
    bool got_bytes = false;
    if (p_out && p_out->revents != 0) {
      // Keeping one byte past the limit is how an overflow shows.
      const auto keep = options.max_stdout_bytes + (options.max_stdout_bytes < SIZE_MAX ? 1 : 0);
      if (!read_some(stdout_fd.get(), result.stdout_data, keep, stdout_over, got_bytes)) {
        stdout_fd.reset();
      }
      if (result.stdout_data.size() > options.max_stdout_bytes) {
        failure = Error::permanent(fmt::format("{} wrote more than the stdout limit of {} bytes; killed",
                                               program, options.max_stdout_bytes));
      }
    }
    if (p_err && p_err->revents != 0) {
      if (!read_some(stderr_fd.get(), result.stderr_data, options.max_stderr_bytes, result.stderr_truncated,
                     got_bytes)) {
        stderr_fd.reset();
      }
    }
    if (got_bytes) last_output = Clock::now();
  }

  // Ends the run for the whole group: the child on a limit, and in every case whatever it left
  // running in the background. The child is not reaped yet, so the group id is still ours.
  ::kill(-pid, SIGKILL);
  const auto status = reap(pid);
  result.elapsed = std::chrono::duration_cast<milliseconds>(Clock::now() - start);
  if (failure) return fail(std::move(*failure));
  if (!status) {
    return fail(
        Error::permanent(fmt::format("running {}: its exit status was collected elsewhere", program)));
  }
  if (WIFEXITED(*status)) {
    result.exit_code = WEXITSTATUS(*status);
  } else if (WIFSIGNALED(*status)) {
    result.term_signal = WTERMSIG(*status);
  }
  return result;
}

}  // namespace mmclaw::util

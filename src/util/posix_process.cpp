#include "util/posix_process.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <system_error>

extern char** environ;

namespace mmclaw::util::posix {

namespace {

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

// The exec argv/envp: pointers into the strings, which outlive the spawn, and a terminating null.
std::vector<char*> exec_array(const std::vector<std::string>& strings) {
  std::vector<char*> array;
  array.reserve(strings.size() + 1);
  for (const auto& s : strings) array.push_back(const_cast<char*>(s.c_str()));
  array.push_back(nullptr);
  return array;
}

}  // namespace

std::string errno_text(int err) {
  return std::generic_category().message(err);
}

Error cannot_run(std::string_view program, std::string_view what, int err) {
  return Error::permanent(fmt::format("cannot run {}: {}: {}", program, what, errno_text(err)));
}

void Fd::reset(int fd) noexcept {
  // close() is not retried on EINTR: on Linux the descriptor is released either way.
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

Fd above_stdio(int fd) {
  if (fd < 0 || fd > 2) return Fd(fd);
  const int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
  ::close(fd);
  return Fd(moved);
}

std::optional<Pipe> make_pipe() {
  std::array<int, 2> fds{};
  if (::pipe2(fds.data(), O_CLOEXEC) != 0) return std::nullopt;
  Pipe pipe{above_stdio(fds[0]), above_stdio(fds[1])};
  if (!pipe.read || !pipe.write) return std::nullopt;
  return pipe;
}

bool set_nonblocking(int fd) {
  const int flags = ::fcntl(fd, F_GETFL);
  return flags >= 0 && ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0;
}

bool would_block(int err) noexcept {
  return err == EAGAIN || err == EWOULDBLOCK;
}

ssize_t read_once(int fd, std::span<char> buffer) {
  while (true) {
    const auto n = ::read(fd, buffer.data(), buffer.size());
    if (n >= 0 || errno != EINTR) return n;
  }
}

std::optional<Error> check_command(const std::vector<std::string>& argv,
                                   const std::optional<std::vector<std::string>>& env) {
  if (argv.empty() || argv[0].empty()) return Error::invalid_input("cannot run a program: argv is empty");
  const auto& program = argv[0];
  const auto has_nul = [](const std::string& s) { return s.find('\0') != std::string::npos; };
  if (std::ranges::any_of(argv, has_nul)) {
    return Error::invalid_input(fmt::format("cannot run {}: an argument contains a NUL byte", program));
  }
  if (env) {
    for (const auto& var : *env) {
      if (has_nul(var) || var.find('=') == std::string::npos) {
        return Error::invalid_input(
            fmt::format("cannot run {}: environment entries must be K=V without NUL bytes", program));
      }
    }
  }
  return std::nullopt;
}

std::optional<Error> check_cwd(std::string_view program, const std::optional<std::filesystem::path>& cwd) {
  if (!cwd) return std::nullopt;
  struct stat st {};
  const auto& dir = cwd->native();
  const int err = ::stat(dir.c_str(), &st) != 0 ? errno : (S_ISDIR(st.st_mode) ? 0 : ENOTDIR);
  if (err == 0) return std::nullopt;
  return Error::permanent(
      fmt::format("cannot run {}: working directory {}: {}", program, dir, errno_text(err)));
}

Result<pid_t> spawn_in_new_group(const Command& command, const ChildStdio& stdio) {
  const std::string& program = command.argv[0];
  SpawnFileActions actions;
  if (stdio.in >= 0) {
    ::posix_spawn_file_actions_adddup2(actions.get(), stdio.in, STDIN_FILENO);
  } else if (stdio.null_stdin) {
    ::posix_spawn_file_actions_addopen(actions.get(), STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  }
  if (stdio.out >= 0) ::posix_spawn_file_actions_adddup2(actions.get(), stdio.out, STDOUT_FILENO);
  if (stdio.err >= 0) ::posix_spawn_file_actions_adddup2(actions.get(), stdio.err, STDERR_FILENO);
  if (command.cwd) ::posix_spawn_file_actions_addchdir_np(actions.get(), command.cwd->c_str());
  // Descriptors opened elsewhere without O_CLOEXEC (sockets, the store) must not leak to the child.
  ::posix_spawn_file_actions_addclosefrom_np(actions.get(), 3);

  // The group of its own lets one kill(-pid) end everything the child leaves behind; the signal
  // mask and dispositions are reset because ours (SIGPIPE blocked, handlers) must not leak.
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

  auto argv = exec_array(command.argv);
  std::vector<char*> envp;
  if (command.env) envp = exec_array(*command.env);

  pid_t pid = -1;
  // glibc reports exec failures (ENOENT, EACCES) from posix_spawn itself and reaps that child.
  const int spawn_error = ::posix_spawn(&pid, program.c_str(), actions.get(), attr.get(), argv.data(),
                                        command.env ? envp.data() : environ);
  if (spawn_error != 0) {
    return fail(Error::permanent(fmt::format("cannot run {}: {}", program, errno_text(spawn_error))));
  }
  return pid;
}

Fd open_pidfd(pid_t pid) {
  // Through syscall() because glibc 2.36's <sys/pidfd.h> lacks extern "C".
  return Fd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
}

ExitPeek peek_exit(pid_t pid) {
  siginfo_t info{};
  while (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) != 0) {
    if (errno != EINTR) return {true, std::nullopt};  // ECHILD: reaped elsewhere, nothing to wait for
  }
  if (info.si_pid != pid) return {};
  return {true, ExitStatus{info.si_code != CLD_EXITED, info.si_status}};
}

std::optional<ExitStatus> kill_group_and_reap(pid_t pid) noexcept {
  ::kill(-pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return std::nullopt;
  }
  // Without WUNTRACED/WCONTINUED, waitpid() reports only a child that exited or was killed.
  if (WIFSIGNALED(status)) return ExitStatus{true, WTERMSIG(status)};
  return ExitStatus{false, WEXITSTATUS(status)};
}

SigpipeBlock::SigpipeBlock() {
  ::sigemptyset(&set_);
  ::sigaddset(&set_, SIGPIPE);
  sigset_t pending;
  ::sigemptyset(&pending);
  ::sigpending(&pending);
  was_pending_ = ::sigismember(&pending, SIGPIPE) == 1;
  ::pthread_sigmask(SIG_BLOCK, &set_, &old_);
}

SigpipeBlock::~SigpipeBlock() {
  if (raised_ && !was_pending_) {
    const timespec zero{};
    while (::sigtimedwait(&set_, nullptr, &zero) < 0 && errno == EINTR) {
    }
  }
  ::pthread_sigmask(SIG_SETMASK, &old_, nullptr);
}

ssize_t SigpipeBlock::write_once(int fd, std::string_view data) noexcept {
  while (true) {
    const auto n = ::write(fd, data.data(), data.size());
    if (n >= 0 || errno != EINTR) {
      if (n < 0 && errno == EPIPE) raised_ = true;
      return n;
    }
  }
}

}  // namespace mmclaw::util::posix

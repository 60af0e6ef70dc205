#include "util/child_process.hpp"

#include <fmt/format.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <condition_variable>
#include <mutex>
#include <system_error>
#include <thread>
#include <utility>

#include "util/posix_process.hpp"

namespace mmclaw::util {

namespace {

using Clock = std::chrono::steady_clock;
using posix::Fd;
using std::chrono::milliseconds;

// After the group is gone the pipes reach end of file at once; only a process that left the group
// and still holds them could make a caller wait, and not longer than this.
constexpr milliseconds kDrainLimit{1000};
// The pipe closes a moment before the exit becomes visible to waitid(); an end-of-file message
// waits this long for it so it can say how the program ended.
constexpr milliseconds kExitNoteWait{100};
constexpr std::size_t kMaxBufferLimit = std::size_t{1} << 30;

std::string_view stream_name(Stream which) {
  return which == Stream::out ? "stdout" : "stderr";
}

// "exited with status 1", "killed by SIGTERM": how end-of-file messages say the program ended.
std::string describe(const posix::ExitStatus& status) {
  if (!status.signaled) return fmt::format("exited with status {}", status.value);
  const char* name = ::sigabbrev_np(status.value);
  return name ? fmt::format("killed by SIG{}", name) : fmt::format("killed by signal {}", status.value);
}

// The status as shells report it: 128 + the signal number for a death by signal.
int shell_status(const posix::ExitStatus& status) {
  return status.signaled ? 128 + status.value : status.value;
}

std::optional<Error> check_options(const ChildOptions& options) {
  if (auto error = posix::check_command(options.argv, options.env)) return error;
  const auto& program = options.argv[0];
  if (options.max_buffered_bytes == 0 || options.max_buffered_bytes > kMaxBufferLimit) {
    return Error::invalid_input(
        fmt::format("cannot run {}: max_buffered_bytes must be between 1 and {}", program, kMaxBufferLimit));
  }
  return posix::check_cwd(program, options.cwd);
}

// What the reader thread has collected from one stream. Offsets count bytes from the start of the
// stream, so they stay valid when old bytes are dropped from the front of `data`.
struct StreamBuffer {
  bool captured = false;
  bool eof = false;
  std::string data;            // the stream's bytes from `base` on
  std::uint64_t base = 0;      // offset of data[0]; everything before it was dropped
  std::uint64_t read_pos = 0;  // offset of the next byte read_line() returns
  std::uint64_t scan_pos = 0;  // there is no '\n' in [read_pos, scan_pos): not searched again
  bool resync = false;         // read_pos is mid-line (the line's start was dropped): skip to the next

  std::uint64_t total() const noexcept { return base + data.size(); }

  void append(const char* bytes, std::size_t count, std::size_t limit) {
    data.append(bytes, count);
    // Dropping only when twice the limit is reached keeps the memmove amortized to one byte per byte.
    if (data.size() <= 2 * limit) return;
    const auto cut = data.size() - limit;
    const bool cut_at_line_start = data[cut - 1] == '\n';
    data.erase(0, cut);
    base += cut;
    if (read_pos < base) {
      read_pos = base;
      resync = !cut_at_line_start;
    }
    scan_pos = std::max(scan_pos, read_pos);
  }

  // The next line for read_line(), if one is complete (or the stream ended after a partial one).
  std::optional<std::string> take_line() {
    while (true) {
      const auto from = static_cast<std::size_t>(std::max(read_pos, scan_pos) - base);
      const auto newline = data.find('\n', from);
      if (newline == std::string::npos) {
        scan_pos = total();
        if (!eof || read_pos == total() || resync) {
          if (eof) read_pos = scan_pos = total();
          return std::nullopt;
        }
        std::string last = data.substr(static_cast<std::size_t>(read_pos - base));
        read_pos = scan_pos = total();
        return last;
      }
      const auto start = static_cast<std::size_t>(read_pos - base);
      read_pos = scan_pos = base + newline + 1;
      if (resync) {
        resync = false;
        continue;
      }
      return data.substr(start, newline - start);
    }
  }
};

}  // namespace

struct ChildProcess::State {
  std::string program;
  std::size_t limit = 0;
  pid_t pid = -1;
  Fd stdin_fd;
  Fd exit_fd;  // a pidfd, readable once the child exits; empty on kernels without pidfd_open
  Fd wake_fd;  // an eventfd that tells the reader thread to stop
  Fd out_fd;   // owned by the reader thread
  Fd err_fd;   // owned by the reader thread
  bool pipe_stdin = false;
  bool reaped = false;
  std::optional<posix::ExitStatus> exit;  // set when reaped, unless someone else reaped the child

  mutable std::mutex mutex;
  std::condition_variable changed;      // new bytes or end of file on a stream
  std::array<StreamBuffer, 2> streams;  // guarded by mutex
  std::thread reader;

  StreamBuffer& stream(Stream which) { return streams[which == Stream::out ? 0 : 1]; }
  const StreamBuffer& stream(Stream which) const { return streams[which == Stream::out ? 0 : 1]; }
  std::string who() const { return fmt::format("{} (pid {})", program, pid); }

  void read_output() {
    std::array<char, 64 * 1024> buffer;
    std::array<Fd*, 2> fds{&out_fd, &err_fd};
    while (true) {
      std::array<pollfd, 3> polled{};
      std::array<std::size_t, 2> slot{SIZE_MAX, SIZE_MAX};
      std::size_t count = 0;
      for (std::size_t i = 0; i < fds.size(); ++i) {
        if (!*fds[i]) continue;
        slot[i] = count;
        polled[count++] = {fds[i]->get(), POLLIN, 0};
      }
      if (count == 0) return;
      const std::size_t wake_slot = count;
      polled[count++] = {wake_fd.get(), POLLIN, 0};
      if (::poll(polled.data(), count, -1) < 0) {
        if (errno == EINTR) continue;
        break;  // cannot happen with valid descriptors; the streams are reported as ended
      }
      if (polled[wake_slot].revents != 0) break;
      for (std::size_t i = 0; i < fds.size(); ++i) {
        if (slot[i] == SIZE_MAX || polled[slot[i]].revents == 0) continue;
        const auto n = posix::read_once(fds[i]->get(), buffer);
        if (n < 0 && posix::would_block(errno)) continue;
        {
          const std::lock_guard lock(mutex);
          if (n > 0) {
            streams[i].append(buffer.data(), static_cast<std::size_t>(n), limit);
          } else {
            streams[i].eof = true;
          }
        }
        if (n <= 0) fds[i]->reset();
        changed.notify_all();
      }
    }
    {
      const std::lock_guard lock(mutex);
      for (auto& stream : streams) stream.eof = true;
    }
    changed.notify_all();
  }

  // Waits until the child has exited (without reaping it) or the deadline passes.
  bool wait_exit(Clock::time_point deadline) const {
    while (true) {
      if (reaped || posix::peek_exit(pid).exited) return true;
      const auto now = Clock::now();
      if (now >= deadline) return false;
      auto wait_ms = std::chrono::ceil<milliseconds>(deadline - now).count();
      wait_ms = std::clamp<decltype(wait_ms)>(wait_ms, 1, exit_fd ? INT_MAX : 10);
      if (exit_fd) {
        pollfd polled{exit_fd.get(), POLLIN, 0};
        ::poll(&polled, 1, static_cast<int>(wait_ms));  // EINTR: the loop checks again
      } else {
        std::this_thread::sleep_for(milliseconds(wait_ms));
      }
    }
  }

  // Kills whatever is left in the group and reaps the child.
  void end_group() noexcept {
    if (reaped) return;
    exit = posix::kill_group_and_reap(pid);
    reaped = true;
    exit_fd.reset();
    stdin_fd.reset();
  }

  // Ends the group, gives the reader a moment to collect the last output, and returns the status.
  Result<int> finish() {
    end_group();
    {
      std::unique_lock lock(mutex);
      changed.wait_until(lock, Clock::now() + kDrainLimit, [this] {
        return std::ranges::all_of(streams, [](const StreamBuffer& s) { return !s.captured || s.eof; });
      });
    }
    if (!exit) {
      return fail(Error::permanent(fmt::format("{}: its exit status was collected elsewhere", who())));
    }
    return shell_status(*exit);
  }

  // " (exited with status 1)" for end-of-file messages.
  std::string exit_note(Clock::time_point deadline) const {
    if (reaped) return exit ? fmt::format(" ({})", describe(*exit)) : std::string();
    wait_exit(std::min(deadline, Clock::now() + kExitNoteWait));
    const auto peek = posix::peek_exit(pid);
    if (!peek.exited) return " (still running)";
    return peek.status ? fmt::format(" ({})", describe(*peek.status)) : std::string();
  }

  // The next line, or the error that says what was `wanted` ("containing ..."; empty: any line).
  Result<std::string> next_line(Stream which, Clock::time_point deadline, milliseconds timeout,
                                std::string_view wanted) {
    auto& buffer = stream(which);
    if (!buffer.captured) {
      return fail(Error::invalid_input(fmt::format("{} of {} is not captured", stream_name(which), who())));
    }
    std::unique_lock lock(mutex);
    while (true) {
      if (auto line = buffer.take_line()) return std::move(*line);
      if (buffer.eof) break;
      if (Clock::now() >= deadline) {
        const auto what =
            wanted.empty() ? std::string("no complete line") : fmt::format("no line {}", wanted);
        return fail(Error::transient(
            fmt::format("{} on {} of {} within {} ms", what, stream_name(which), who(), timeout.count())));
      }
      changed.wait_until(lock, deadline);
    }
    lock.unlock();
    const auto before = wanted.empty() ? std::string() : fmt::format(" before a line {}", wanted);
    return fail(Error::permanent(
        fmt::format("{} closed its {}{}{}", who(), stream_name(which), exit_note(deadline), before)));
  }

  Result<std::string> wait_for(Stream which, const std::function<bool(std::string_view)>& matches,
                               milliseconds timeout, std::string_view wanted) {
    timeout = std::max(timeout, milliseconds::zero());
    const auto deadline = Clock::now() + timeout;
    // Each round consumes a line, and a child writing faster than we skip is stopped by the deadline.
    while (true) {
      auto line = next_line(which, deadline, timeout, wanted);
      if (!line || matches(*line)) return line;
      if (Clock::now() >= deadline) {
        return fail(Error::transient(fmt::format("no line {} on {} of {} within {} ms", wanted,
                                                 stream_name(which), who(), timeout.count())));
      }
    }
  }
};

Result<ChildProcess> ChildProcess::spawn(const ChildOptions& options) {
  if (auto error = check_options(options)) return fail(std::move(*error));
  const std::string& program = options.argv[0];
  const auto cannot_run = [&](std::string_view what, int err) {
    return fail(posix::cannot_run(program, what, err));
  };

  auto state = std::make_unique<State>();
  state->program = program;
  state->limit = options.max_buffered_bytes;
  state->pipe_stdin = options.pipe_stdin;
  state->wake_fd = posix::above_stdio(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!state->wake_fd) return cannot_run("eventfd", errno);

  std::optional<posix::Pipe> in;
  std::optional<posix::Pipe> out;
  std::optional<posix::Pipe> err;
  if (options.pipe_stdin && !(in = posix::make_pipe())) return cannot_run("pipe", errno);
  if (options.capture_stdout && !(out = posix::make_pipe())) return cannot_run("pipe", errno);
  if (options.capture_stderr && !(err = posix::make_pipe())) return cannot_run("pipe", errno);

  // A stdin that is not a pipe is /dev/null, not inherited: a server under test must not compete
  // with the terminal or ctest for input.
  const posix::ChildStdio stdio{.in = in ? in->read.get() : -1,
                                .out = out ? out->write.get() : -1,
                                .err = err ? err->write.get() : -1,
                                .null_stdin = true};
  const auto pid = posix::spawn_in_new_group({options.argv, options.env, options.cwd}, stdio);
  if (!pid) return fail(pid.error());
  state->pid = *pid;
  // From here on the child exists: every way out goes through the ChildProcess destructor.
  ChildProcess child(std::move(state));
  State& s = *child.state_;
  // Without a pidfd (kernels before 5.3) waits check for the exit every 10 ms.
  s.exit_fd = posix::open_pidfd(*pid);

  if (in) {
    in->read.reset();
    s.stdin_fd = std::move(in->write);
    if (!posix::set_nonblocking(s.stdin_fd.get())) return cannot_run("fcntl", errno);
  }
  if (out) {
    out->write.reset();
    s.out_fd = std::move(out->read);
    s.streams[0].captured = true;
    if (!posix::set_nonblocking(s.out_fd.get())) return cannot_run("fcntl", errno);
  }
  if (err) {
    err->write.reset();
    s.err_fd = std::move(err->read);
    s.streams[1].captured = true;
    if (!posix::set_nonblocking(s.err_fd.get())) return cannot_run("fcntl", errno);
  }

  if (out || err) {
    // The reader inherits a full signal mask, so process-directed signals are not delivered to it.
    sigset_t blocked;
    ::sigfillset(&blocked);
    sigset_t old;
    ::pthread_sigmask(SIG_SETMASK, &blocked, &old);
    int thread_error = 0;
    try {
      s.reader = std::thread([&s] { s.read_output(); });
    } catch (const std::system_error& e) {
      thread_error = e.code().value();
    }
    ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
    if (thread_error != 0) return cannot_run("reader thread", thread_error);
  }
  return child;
}

ChildProcess::ChildProcess(std::unique_ptr<State> state) noexcept : state_(std::move(state)) {}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept = default;

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    reset();
    state_ = std::move(other.state_);
  }
  return *this;
}

ChildProcess::~ChildProcess() {
  reset();
}

void ChildProcess::reset() noexcept {
  if (!state_) return;
  state_->end_group();
  if (state_->reader.joinable()) {
    // The pipes are normally at end of file already; the eventfd covers a process that left the group
    // and still holds them.
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto n = ::write(state_->wake_fd.get(), &one, sizeof one);
    state_->reader.join();
  }
  state_.reset();
}

Result<std::string> ChildProcess::read_line(Stream which, milliseconds timeout) {
  if (!state_) return fail(Error::invalid_input("read_line on a moved-from ChildProcess"));
  timeout = std::max(timeout, milliseconds::zero());
  return state_->next_line(which, Clock::now() + timeout, timeout, {});
}

Result<std::string> ChildProcess::wait_for_line(Stream which, std::string_view substring,
                                                milliseconds timeout) {
  if (!state_) return fail(Error::invalid_input("wait_for_line on a moved-from ChildProcess"));
  const auto contains = [substring](std::string_view line) {
    return line.find(substring) != std::string_view::npos;
  };
  return state_->wait_for(which, contains, timeout, fmt::format("containing \"{}\"", substring));
}

Result<std::string> ChildProcess::wait_for_line(Stream which,
                                                const std::function<bool(std::string_view)>& matches,
                                                milliseconds timeout) {
  if (!state_) return fail(Error::invalid_input("wait_for_line on a moved-from ChildProcess"));
  return state_->wait_for(which, matches, timeout, "matching the predicate");
}

std::string ChildProcess::output(Stream which) const {
  if (!state_) return {};
  const std::lock_guard lock(state_->mutex);
  const auto& buffer = state_->stream(which);
  const auto keep = std::min(buffer.data.size(), state_->limit);
  return buffer.data.substr(buffer.data.size() - keep);
}

std::uint64_t ChildProcess::dropped_bytes(Stream which) const {
  if (!state_) return 0;
  const std::lock_guard lock(state_->mutex);
  const auto& buffer = state_->stream(which);
  return buffer.total() - std::min(buffer.data.size(), state_->limit);
}

bool ChildProcess::running() const {
  return state_ && !state_->reaped && !posix::peek_exit(state_->pid).exited;
}

pid_t ChildProcess::pid() const noexcept {
  return state_ ? state_->pid : -1;
}

Result<void> ChildProcess::write_stdin(std::string_view data, milliseconds timeout) {
  if (!state_) return fail(Error::invalid_input("write_stdin on a moved-from ChildProcess"));
  State& s = *state_;
  if (!s.pipe_stdin) {
    return fail(
        Error::invalid_input(fmt::format("stdin of {} is not a pipe (ChildOptions::pipe_stdin)", s.who())));
  }
  if (!s.stdin_fd) return fail(Error::permanent(fmt::format("stdin of {} is closed", s.who())));
  const auto deadline = Clock::now() + std::max(timeout, milliseconds::zero());
  posix::SigpipeBlock sigpipe;
  std::size_t written = 0;
  while (written < data.size()) {
    const auto n = sigpipe.write_once(s.stdin_fd.get(), data.substr(written));
    if (n >= 0) {
      written += static_cast<std::size_t>(n);
      continue;
    }
    if (!posix::would_block(errno)) {
      const int err = errno;
      s.stdin_fd.reset();
      if (err == EPIPE) return fail(Error::permanent(fmt::format("{} closed its stdin", s.who())));
      return fail(
          Error::permanent(fmt::format("writing to stdin of {}: {}", s.who(), posix::errno_text(err))));
    }
    const auto now = Clock::now();
    if (now >= deadline) {
      return fail(
          Error::transient(fmt::format("{} did not read its stdin within {} ms ({} of {} bytes written)",
                                       s.who(), timeout.count(), written, data.size())));
    }
    const auto wait_ms =
        std::clamp<std::int64_t>(std::chrono::ceil<milliseconds>(deadline - now).count(), 1, INT_MAX);
    pollfd polled{s.stdin_fd.get(), POLLOUT, 0};
    ::poll(&polled, 1, static_cast<int>(wait_ms));  // EINTR or POLLERR: the next write() tells
  }
  return {};
}

void ChildProcess::close_stdin() noexcept {
  if (state_) state_->stdin_fd.reset();
}

Result<int> ChildProcess::wait(milliseconds timeout) {
  if (!state_) return fail(Error::invalid_input("wait on a moved-from ChildProcess"));
  State& s = *state_;
  if (!s.wait_exit(Clock::now() + std::max(timeout, milliseconds::zero()))) {
    return fail(Error::transient(fmt::format("{} is still running after {} ms", s.who(), timeout.count())));
  }
  return s.finish();
}

Result<int> ChildProcess::terminate(milliseconds grace) {
  if (!state_) return fail(Error::invalid_input("terminate on a moved-from ChildProcess"));
  State& s = *state_;
  if (!s.reaped) {
    ::kill(-s.pid, SIGTERM);
    // A stopped process would only see SIGTERM once continued (systemd does the same).
    ::kill(-s.pid, SIGCONT);
    s.wait_exit(Clock::now() + std::max(grace, milliseconds::zero()));
  }
  return s.finish();
}

void ChildProcess::kill() noexcept {
  if (state_) state_->end_group();
}

}  // namespace mmclaw::util

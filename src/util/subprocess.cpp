#include "util/subprocess.hpp"

#include <fmt/format.h>
#include <poll.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <string_view>
#include <utility>

#include "util/posix_process.hpp"

namespace mmclaw::util {

namespace {

using Clock = std::chrono::steady_clock;
using posix::Fd;
using std::chrono::milliseconds;

std::optional<Error> check_arguments(const SubprocessOptions& options) {
  if (auto error = posix::check_command(options.argv, options.env)) return error;
  const auto& program = options.argv[0];
  if (options.timeout <= milliseconds::zero()) {
    return Error::invalid_input(fmt::format("cannot run {}: the timeout must be positive", program));
  }
  if (options.no_output_timeout < milliseconds::zero()) {
    return Error::invalid_input(fmt::format("cannot run {}: the no-output timeout is negative", program));
  }
  return posix::check_cwd(program, options.cwd);
}

// Reads once from `fd` into `out`; false at end of file or on a read error (the pipe is done).
bool read_some(int fd, std::string& out, std::size_t keep_limit, bool& truncated, bool& got_bytes) {
  std::array<char, 64 * 1024> buf;
  const auto n = posix::read_once(fd, buf);
  if (n <= 0) return n < 0 && posix::would_block(errno);
  got_bytes = true;
  const auto count = static_cast<std::size_t>(n);
  const auto room = out.size() < keep_limit ? keep_limit - out.size() : 0;
  out.append(buf.data(), std::min(count, room));
  if (count > room) truncated = true;
  return true;
}

}  // namespace

Result<SubprocessResult> run_subprocess(const SubprocessOptions& options) {
  if (auto error = check_arguments(options)) return fail(std::move(*error));
  const std::string& program = options.argv[0];

  // For the whole run: stdin is fed from the loop below, and the child may stop reading at any time.
  posix::SigpipeBlock sigpipe;
  auto in = posix::make_pipe();
  if (!in) return fail(posix::cannot_run(program, "pipe", errno));
  auto out = posix::make_pipe();
  if (!out) return fail(posix::cannot_run(program, "pipe", errno));
  auto err = posix::make_pipe();
  if (!err) return fail(posix::cannot_run(program, "pipe", errno));

  const auto start = Clock::now();
  const auto spawned =
      posix::spawn_in_new_group({options.argv, options.env, options.cwd},
                                {.in = in->read.get(), .out = out->write.get(), .err = err->write.get()});
  if (!spawned) return fail(spawned.error());
  const pid_t pid = *spawned;

  in->read.reset();
  out->write.reset();
  err->write.reset();
  Fd stdin_fd = std::move(in->write);
  Fd stdout_fd = std::move(out->read);
  Fd stderr_fd = std::move(err->read);
  // Readable once the child exits. Without a pidfd (kernels before 5.3) the loop checks for the
  // exit every 10 ms.
  const Fd exit_fd = posix::open_pidfd(pid);

  SubprocessResult result;
  std::optional<Error> failure;
  if (!posix::set_nonblocking(stdin_fd.get()) || !posix::set_nonblocking(stdout_fd.get()) ||
      !posix::set_nonblocking(stderr_fd.get())) {
    failure = posix::cannot_run(program, "fcntl", errno);
  }
  std::size_t stdin_written = 0;
  if (options.stdin_data.empty()) stdin_fd.reset();

  const auto deadline = start + options.timeout;
  auto last_output = start;
  bool exited = false;
  bool stdout_over = false;
  while (!failure) {
    if (!exited) exited = posix::peek_exit(pid).exited;
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
      failure = Error::permanent(fmt::format("running {}: poll: {}", program, posix::errno_text(errno)));
      break;
    }

    if (p_in && p_in->revents != 0) {
      const auto rest = std::string_view(options.stdin_data).substr(stdin_written);
      const auto n = sigpipe.write_once(stdin_fd.get(), rest);
      if (n >= 0) {
        stdin_written += static_cast<std::size_t>(n);
        if (stdin_written == options.stdin_data.size()) stdin_fd.reset();
      } else if (!posix::would_block(errno)) {
        // The child closed stdin or exited: the rest of the input is not wanted.
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
  // running in the background.
  const auto status = posix::kill_group_and_reap(pid);
  result.elapsed = std::chrono::duration_cast<milliseconds>(Clock::now() - start);
  if (failure) return fail(std::move(*failure));
  if (!status) {
    return fail(
        Error::permanent(fmt::format("running {}: its exit status was collected elsewhere", program)));
  }
  if (status->signaled) {
    result.term_signal = status->value;
  } else {
    result.exit_code = status->value;
  }
  return result;
}

}  // namespace mmclaw::util

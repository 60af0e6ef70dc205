#include "agent/backends/command_backend.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <optional>
#include <utility>

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "agent/command_protocol.hpp"
#include "util/log.hpp"
#include "util/posix_process.hpp"
#include "util/redact.hpp"
#include "util/strings.hpp"

extern char** environ;

namespace mmclaw::agent {

namespace asio = boost::asio;
namespace posix = util::posix;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

constexpr std::string_view kComponent = "agent";
constexpr std::string_view kDefaultPath = "/usr/local/bin:/usr/bin:/bin";
constexpr milliseconds kTick{100};            // cancellation is noticed at least this often
constexpr milliseconds kTermGrace{2000};      // SIGTERM, then SIGKILL after this
constexpr milliseconds kLinger{1000};         // after its final or error line, to exit by itself
constexpr milliseconds kDrainAfterExit{500};  // after the exit, for the pipes to close
constexpr milliseconds kExitPoll{20};         // how often an exit is looked for once it is due
constexpr std::size_t kReadChunk = 64 * 1024;
constexpr std::size_t kMaxStderrLines = 100;
constexpr std::size_t kMaxStderrLineBytes = 4096;
constexpr std::size_t kMaxStderrDrainBytes = 1024 * 1024;

using Descriptor = asio::posix::stream_descriptor;

// The child, owned by the run: killed (its whole group) and reaped when the run is over or
// abandoned, so neither a zombie nor a stray process outlives it.
class ChildGuard {
 public:
  explicit ChildGuard(pid_t pid) : pid_(pid) {}
  ChildGuard(const ChildGuard&) = delete;
  ChildGuard& operator=(const ChildGuard&) = delete;
  ~ChildGuard() {
    if (!reaped_) posix::kill_group_and_reap(pid_);
  }

  pid_t pid() const noexcept { return pid_; }
  // Whether the child has exited; it stays unreaped, so its pid (the group id) is not reused.
  bool exited() const { return reaped_ || posix::peek_exit(pid_).exited; }
  void signal_group(int signal) const {
    if (!reaped_) ::kill(-pid_, signal);
  }
  // SIGKILL to what is left of the group, then the child's status (empty if someone else took it).
  std::optional<posix::ExitStatus> reap() {
    reaped_ = true;
    return posix::kill_group_and_reap(pid_);
  }

 private:
  pid_t pid_;
  bool reaped_ = false;
};

// What the concurrent parts of one run share; lives in run_command's frame.
struct Run {
  Run(const CommandCall& call_in, const std::function<void(const Delta&)>& on_delta_in)
      : call(call_in),
        on_delta(on_delta_in),
        program(call_in.argv.empty() ? std::string() : call_in.argv[0]) {}

  const CommandCall& call;
  const std::function<void(const Delta&)>& on_delta;
  std::string program;  // argv[0] as configured, for log lines (arguments may carry secrets)
  CommandOutputDecoder decoder{CommandOutputLimits{}};
  std::optional<Delta> last;  // the FinalDelta or ErrorDelta that ended the run
  Clock::time_point started = Clock::now();
  std::optional<Clock::time_point> last_output;  // the last byte on stdout
  std::optional<Clock::time_point> done_at;      // the decoder saw the end of the answer
  std::optional<Clock::time_point> exited_at;    // the child was seen to have exited
  std::string kill_reason;                       // a deadline or the cancellation ended the run
  std::string stderr_line;
  bool stderr_cut = false;
  std::size_t stderr_lines = 0;

  void emit(Delta delta) {
    if (last) return;  // nothing after the end
    if (auto* error = std::get_if<ErrorDelta>(&delta))
      error->message = util::SecretRegistry::instance().redact(error->message);
    if (std::holds_alternative<FinalDelta>(delta) || std::holds_alternative<ErrorDelta>(delta)) last = delta;
    if (on_delta) on_delta(delta);
  }

  void on_stdout(std::string_view bytes) {
    const auto now = Clock::now();
    last_output = now;
    for (auto& delta : decoder.feed(bytes)) emit(std::move(delta));
    if (decoder.done() && !done_at) done_at = now;
  }

  void on_stderr(std::string_view bytes) {
    while (!bytes.empty()) {
      const auto newline = bytes.find('\n');
      const auto piece = bytes.substr(0, newline);
      const auto room = kMaxStderrLineBytes - std::min(kMaxStderrLineBytes, stderr_line.size());
      if (piece.size() > room) stderr_cut = true;
      stderr_line.append(piece.substr(0, room));
      if (newline == std::string_view::npos) return;
      log_stderr_line();
      bytes.remove_prefix(newline + 1);
    }
  }

  void flush_stderr() {
    if (!stderr_line.empty()) log_stderr_line();
  }

  void log_stderr_line() {
    std::string line = std::exchange(stderr_line, {});
    const bool cut = std::exchange(stderr_cut, false);
    if (line.ends_with('\r')) line.pop_back();
    if (util::trim(line).empty()) return;
    ++stderr_lines;
    // log::warn redacts every message with util::SecretRegistry before it becomes a line.
    if (stderr_lines <= kMaxStderrLines) {
      log::warn(kComponent, "command {} stderr: {}{}", program, line, cut ? "…" : "");
    } else if (stderr_lines == kMaxStderrLines + 1) {
      log::warn(kComponent, "command {}: further stderr lines are not logged (at most {} per run)", program,
                kMaxStderrLines);
    }
  }
};

// A copy of `fd` for an Asio descriptor (which closes what it holds); `fd` itself is closed.
int hand_over(posix::Fd& fd) {
  const int copy = ::fcntl(fd.get(), F_DUPFD_CLOEXEC, 3);
  fd.reset();
  return copy;
}

// What was left in a non-blocking pipe, up to `limit` bytes.
void drain(int fd, std::size_t limit, const std::function<void(std::string_view)>& sink) {
  std::vector<char> buffer(kReadChunk);
  std::size_t total = 0;
  while (total < limit) {
    const auto n = posix::read_once(fd, buffer);
    if (n <= 0) return;
    total += static_cast<std::size_t>(n);
    sink(std::string_view(buffer.data(), static_cast<std::size_t>(n)));
  }
}

// "cannot run /x/y: No such file or directory" from util/posix_process, without its prefix.
std::string without_cannot_run(std::string message) {
  constexpr std::string_view kPrefix = "cannot run ";
  if (message.starts_with(kPrefix)) message.erase(0, kPrefix.size());
  return message;
}

std::string describe_signal(int signal) {
  const char* name = ::sigabbrev_np(signal);
  return name ? fmt::format("the command was killed by SIG{}", name)
              : fmt::format("the command was killed by signal {}", signal);
}

asio::awaitable<void> pump_stdout(Run& run, Descriptor& out) {
  std::vector<char> buffer(kReadChunk);
  while (!run.decoder.done()) {
    boost::system::error_code ec;
    const auto n =
        co_await out.async_read_some(asio::buffer(buffer), asio::redirect_error(asio::use_awaitable, ec));
    if (n > 0) run.on_stdout(std::string_view(buffer.data(), n));
    if (ec) break;  // end of file, or the run is over
  }
}

asio::awaitable<void> pump_stderr(Run& run, Descriptor& err) {
  std::vector<char> buffer(16 * 1024);
  while (true) {
    boost::system::error_code ec;
    const auto n =
        co_await err.async_read_some(asio::buffer(buffer), asio::redirect_error(asio::use_awaitable, ec));
    if (n > 0) run.on_stderr(std::string_view(buffer.data(), n));
    if (ec) break;
  }
}

// Writes the turn, then closes stdin. A program that stops reading (EPIPE) is not an error here:
// whether it answered is decided by its output and exit status.
asio::awaitable<void> feed_stdin(Descriptor& in, std::string data) {
  std::size_t written = 0;
  while (written < data.size()) {
    ssize_t n = 0;
    int err = 0;
    {
      posix::SigpipeBlock no_sigpipe;  // EPIPE instead of a process-killing SIGPIPE
      n = no_sigpipe.write_once(in.native_handle(), std::string_view(data).substr(written));
      if (n < 0) err = errno;
    }
    if (n > 0) {
      written += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && posix::would_block(err)) {
      boost::system::error_code ec;
      co_await in.async_wait(Descriptor::wait_write, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;
      continue;
    }
    break;
  }
  boost::system::error_code ignored;
  in.close(ignored);
}

// Until the child has exited or `limit` has passed.
asio::awaitable<void> wait_exit(ChildGuard& child, Clock::duration limit) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  const auto until = Clock::now() + limit;
  while (!child.exited()) {
    const auto now = Clock::now();
    if (now >= until) break;
    timer.expires_after(std::min<Clock::duration>(kExitPoll, until - now));
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
  }
}

// The program's side of the run: its three pipes until they close, then its exit.
asio::awaitable<void> talk(Run& run, ChildGuard& child, Descriptor& in, Descriptor& out, Descriptor& err,
                           std::string turn) {
  using namespace asio::experimental::awaitable_operators;
  co_await (pump_stdout(run, out) && pump_stderr(run, err) && feed_stdin(in, std::move(turn)));
  co_await wait_exit(child, std::chrono::hours(24 * 365));  // the watchdog bounds it
}

// Ends the run when a deadline passes, the turn is cancelled, or the program is done but does not
// go; sets kill_reason for the first two.
asio::awaitable<void> watchdog(Run& run, ChildGuard& child) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  const auto& limits = run.call.deadlines;
  while (true) {
    const auto now = Clock::now();
    if (!run.exited_at && child.exited()) run.exited_at = now;
    std::optional<Clock::time_point> next;  // the earliest moment something is due
    const auto due = [&](Clock::time_point at) {
      if (!next || at < *next) next = at;
      return now >= at;
    };
    if (run.done_at) {
      // The answer is complete: the program only has to exit (and close its pipes).
      if (run.exited_at ? due(*run.exited_at + kDrainAfterExit) : due(*run.done_at + kLinger)) co_return;
    } else {
      if (run.call.cancelled && *run.call.cancelled) {
        run.kill_reason = "the turn was interrupted";
        co_return;
      }
      if (!run.last_output && due(run.started + limits.first_token)) {
        run.kill_reason = "the command did not answer in time";
        co_return;
      }
      if (run.last_output && due(*run.last_output + limits.stall)) {
        run.kill_reason = "the command's output stalled";
        co_return;
      }
      if (due(run.started + limits.total)) {
        run.kill_reason = "the command took too long";
        co_return;
      }
      // Exited, but a process it left behind keeps the pipes open.
      if (run.exited_at && due(*run.exited_at + kDrainAfterExit)) co_return;
    }
    auto wait = std::chrono::duration_cast<Clock::duration>(kTick);
    if (next) wait = std::min(wait, *next - now);
    timer.expires_after(std::max<Clock::duration>(wait, milliseconds(1)));
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;  // the program finished first
  }
}

}  // namespace

std::vector<std::string> command_environment(std::span<const std::string> parent) {
  std::vector<std::string> env;
  bool has_path = false;
  for (const auto& entry : parent) {
    const auto eq = entry.find('=');
    if (eq == std::string::npos || eq == 0) continue;
    const std::string_view key(entry.data(), eq);
    if (key == "PATH" || key == "HOME" || key == "LANG" || key == "TZ" || key.starts_with("MMCLAW_")) {
      env.push_back(entry);
      if (key == "PATH") has_path = true;
    }
  }
  if (!has_path) env.push_back("PATH=" + std::string(kDefaultPath));
  return env;
}

Result<std::string> resolve_command_program(std::string_view name, std::string_view path) {
  if (name.empty()) return fail(Error::permanent("the command is empty"));
  if (name.find('/') != std::string_view::npos) return std::string(name);
  for (const auto dir : util::split(path, ':')) {
    if (dir.empty()) continue;  // the current directory, by an old convention: not searched
    std::string candidate = fmt::format("{}/{}", dir, name);
    struct stat st {};
    if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(candidate.c_str(), X_OK) == 0)
      return candidate;
  }
  return fail(Error::permanent(fmt::format("{} was not found in PATH", name)));
}

asio::awaitable<StreamEnd> run_command(asio::io_context& io, const CommandCall& call,
                                       std::function<void(const Delta&)> on_delta) {
  Run run(call, on_delta);
  const auto cannot_start = [&](std::string why) {
    ErrorDelta error;
    error.message = "cannot start the command: " + why;
    run.emit(std::move(error));
    return StreamEnd{*run.last, std::nullopt};
  };

  if (call.argv.empty() || call.argv[0].empty()) co_return cannot_start("no program is configured");
  std::vector<std::string> parent_env;
  for (char** entry = environ; entry && *entry; ++entry) parent_env.emplace_back(*entry);
  const std::optional<std::vector<std::string>> env = command_environment(parent_env);
  std::string_view path_var;
  for (const auto& entry : *env)
    if (entry.starts_with("PATH=")) path_var = std::string_view(entry).substr(5);
  auto program = resolve_command_program(call.argv[0], path_var);
  if (!program) co_return cannot_start(program.error().message);
  std::vector<std::string> argv = call.argv;
  argv[0] = std::move(*program);
  if (auto error = posix::check_command(argv, env))
    co_return cannot_start(without_cannot_run(error->message));

  auto in_pipe = posix::make_pipe();
  auto out_pipe = in_pipe ? posix::make_pipe() : std::nullopt;
  auto err_pipe = out_pipe ? posix::make_pipe() : std::nullopt;
  if (!err_pipe) co_return cannot_start("cannot create a pipe: " + posix::errno_text(errno));
  const std::optional<std::filesystem::path> cwd;  // ours
  const auto pid = posix::spawn_in_new_group(
      posix::Command{argv, env, cwd},
      posix::ChildStdio{in_pipe->read.get(), out_pipe->write.get(), err_pipe->write.get(), false});
  if (!pid) co_return cannot_start(without_cannot_run(pid.error().message));
  ChildGuard child(*pid);
  // Our copies of the child's ends go, so its exit closes the pipes.
  in_pipe->read.reset();
  out_pipe->write.reset();
  err_pipe->write.reset();

  Descriptor in(io);
  Descriptor out(io);
  Descriptor err(io);
  for (auto [descriptor, fd] : {std::pair{&in, &in_pipe->write}, std::pair{&out, &out_pipe->read},
                                std::pair{&err, &err_pipe->read}}) {
    const int raw = hand_over(*fd);
    boost::system::error_code ec;
    if (raw >= 0 && posix::set_nonblocking(raw)) {
      descriptor->assign(raw, ec);
      if (!ec) continue;
    }
    const int failure = ec ? ec.value() : errno;
    if (raw >= 0 && !descriptor->is_open()) ::close(raw);
    co_return cannot_start("cannot watch its pipes: " + posix::errno_text(failure));
  }
  log::debug(kComponent, "command {} started (pid {})", run.program, child.pid());

  {
    using namespace asio::experimental::awaitable_operators;
    co_await (talk(run, child, in, out, err, command_turn_json(call.request, call.model_ref)) ||
              watchdog(run, child));
  }

  bool terminated = false;
  if (!child.exited()) {
    child.signal_group(SIGTERM);
    terminated = true;
    co_await wait_exit(child, kTermGrace);
  }
  const auto status = child.reap();  // SIGKILL to whatever is left, then the status

  // What the pipes still hold (the run may have ended before they were read to the end).
  if (run.kill_reason.empty() && !run.decoder.done())
    drain(out.native_handle(), CommandOutputLimits{}.max_total_bytes + 1,
          [&](std::string_view bytes) { run.on_stdout(bytes); });
  drain(err.native_handle(), kMaxStderrDrainBytes, [&](std::string_view bytes) { run.on_stderr(bytes); });
  run.flush_stderr();

  std::vector<Delta> tail;
  if (!run.kill_reason.empty()) {
    tail = run.decoder.finish(-1, true, run.kill_reason);
  } else if (!status) {
    tail = run.decoder.finish(-1, true, "the command's exit status was lost");
  } else if (status->signaled) {
    tail = run.decoder.finish(128 + status->value, true,
                              terminated ? "the command was stopped" : describe_signal(status->value));
  } else {
    tail = run.decoder.finish(status->value, false, {});
  }
  for (auto& delta : tail) run.emit(std::move(delta));
  if (!run.last) run.emit(ErrorDelta{"the command ended without an answer", false, std::nullopt});
  log::debug(
      kComponent, "command {} (pid {}) ended{}", run.program, child.pid(),
      status ? fmt::format(" with {} {}", status->signaled ? "signal" : "exit code", status->value) : "");
  co_return StreamEnd{*run.last, std::nullopt};
}

}  // namespace mmclaw::agent

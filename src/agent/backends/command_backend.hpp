#pragma once
// The `command` model API (issue 6): one run of a configured program per model call, with the turn
// as JSON on stdin and the answer read from stdout as it is written (agent/command_protocol has
// both formats). The same shape as the HTTP backends (agent/backends/model_stream): every delta
// goes to `on_delta` as it arrives, and the run ends with exactly one FinalDelta or ErrorDelta,
// which is also returned (StreamEnd::retry_after is always empty). Command errors are never
// retryable: a second run would repeat what just failed or hung; the turn moves to its fallback.
//
// The program:
// - argv[0] with a '/' is run as given (relative to our working directory); a bare name is looked
//   up in the PATH the program receives (empty PATH entries are skipped). No shell.
// - Environment: only PATH, HOME, LANG, TZ and MMCLAW_* from ours (a default PATH when we have
//   none), so API keys and tokens in our environment do not reach it. Working directory: ours.
// - Its own process group; no descriptors but 0-2; default signal dispositions and mask.
// - stdin: the turn, then end of file (a program that does not read it is fine). stdout: the
//   answer. stderr: each line to the log (component "agent", warn, redacted like every log line),
//   at most 100 lines per run, lines cut at 4 KiB; never a delta.
//
// Deadlines (any byte on stdout is output): first output (first_token, "the command did not answer
// in time"), silence between outputs (stall, "the command's output stalled"), the whole run (total,
// "the command took too long"); cancellation (`*cancelled`, "the turn was interrupted") is checked
// at least every 100 ms. On any of them, and when the program lingers for 1 s after its final or
// error line, the whole group gets SIGTERM, then SIGKILL after 2 s. When the program has exited
// but its stdout stays open (a background process still holds it) for 500 ms, the run ends too.
// Whatever is left in the group is killed with SIGKILL and the program is always reaped.
//
// Shutdown: the child is owned by the coroutine frame. If the run is abandoned (its io_context
// destroyed while the coroutine is suspended, or the frame destroyed any other way), the frame's
// destructor sends SIGKILL to the group and reaps the child (a blocking waitpid on a killed
// process, which returns at once). Stopping the io_context without destroying it keeps the child
// until the frame is resumed or destroyed. Nothing else may reap our children (no waitpid(-1),
// SIGCHLD not SIG_IGN), as for util::ChildProcess.

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "agent/backends/model_stream.hpp"
#include "agent/model_types.hpp"
#include "util/error.hpp"

namespace boost::asio {
class io_context;
}

namespace mmclaw::agent {

struct CommandCall {
  std::vector<std::string> argv;  // the provider's `command`: the program and its arguments
  ModelRequest request;
  std::string model_ref;  // "provider/model", the turn's "model"
  StreamDeadlines deadlines;
  // Set to true to stop the program (an interrupted turn); checked at least every 100 ms.
  std::shared_ptr<bool> cancelled;
};

boost::asio::awaitable<StreamEnd> run_command(boost::asio::io_context& io, const CommandCall& call,
                                              std::function<void(const Delta&)> on_delta);

// The environment a command receives from `parent` ("K=V" entries): PATH, HOME, LANG, TZ and
// MMCLAW_*, in their order, plus PATH=/usr/local/bin:/usr/bin:/bin when `parent` has no PATH.
std::vector<std::string> command_environment(std::span<const std::string> parent);

// The program to run for `name` (argv[0]): `name` itself when it contains a '/', else the first
// executable regular file `dir/name` for the directories of `path` (a PATH value). Error
// (permanent): "NAME was not found in PATH".
Result<std::string> resolve_command_program(std::string_view name, std::string_view path);

}  // namespace mmclaw::agent

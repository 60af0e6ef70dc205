#include "agent/backends/command_backend.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <exception>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "../../support/process_hygiene.hpp"
#include "agent/command_protocol.hpp"
#include "util/log.hpp"
#include "util/redact.hpp"

namespace mmclaw::agent {
namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using test::gone_within;

// Bounds on waiting only: a slow machine makes the tests slower, never red.
constexpr auto kBound = 20s;

struct Outcome {
  std::vector<Delta> deltas;
  std::optional<StreamEnd> end;
  Clock::duration elapsed{};

  std::string text() const {
    std::string all;
    for (const auto& d : deltas)
      if (const auto* t = std::get_if<TextDelta>(&d)) all += t->text;
    return all;
  }
  const ErrorDelta* error() const { return end ? std::get_if<ErrorDelta>(&end->delta) : nullptr; }
  const FinalDelta* final() const { return end ? std::get_if<FinalDelta>(&end->delta) : nullptr; }
  std::string error_message() const { return error() ? error()->message : "(no error)"; }
};

class CommandBackendTest : public test::ProcessHygieneTest {
 protected:
  CommandBackendTest() : ProcessHygieneTest("mmclaw-command") {}

  // An executable /bin/sh script in the test's folder.
  std::string script(const std::string& name, const std::string& body) {
    const auto path = dir_ / name;
    std::ofstream(path) << "#!/bin/sh\n" << body;
    fs::permissions(path, fs::perms::owner_all);
    return path.string();
  }

  CommandCall call_for(std::vector<std::string> argv) {
    CommandCall call;
    call.argv = std::move(argv);
    call.model_ref = "cmd/llama3";
    call.request.model = "llama3";
    call.request.messages.push_back({Role::user, "hello there", {}, {}, {}, {}});
    call.deadlines.first_token = 10s;
    call.deadlines.stall = 10s;
    call.deadlines.total = 20s;
    call.cancelled = std::make_shared<bool>(false);
    return call;
  }

  // Runs the call on a fresh io_context, bounded; `during` may schedule more work on it.
  Outcome run(const CommandCall& call, const std::function<void(asio::io_context&)>& during = {}) {
    Outcome outcome;
    asio::io_context io;
    const auto started = Clock::now();
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          outcome.end = co_await run_command(io, call, [&](const Delta& d) { outcome.deltas.push_back(d); });
          outcome.elapsed = Clock::now() - started;
        },
        [](std::exception_ptr e) {
          if (e) std::rethrow_exception(e);
        });
    if (during) during(io);
    io.run_for(kBound);
    EXPECT_TRUE(outcome.end.has_value()) << "the run did not end within the bound";
    if (outcome.end) {
      // Exactly one end, the last delta, and the same one that is returned.
      int ends = 0;
      for (const auto& d : outcome.deltas)
        ends += std::holds_alternative<FinalDelta>(d) || std::holds_alternative<ErrorDelta>(d) ? 1 : 0;
      EXPECT_EQ(ends, 1);
      EXPECT_FALSE(outcome.end->retry_after.has_value());
      if (!outcome.deltas.empty()) {
        EXPECT_EQ(outcome.deltas.back(), outcome.end->delta);
      }
    }
    return outcome;
  }

  // The pid a script wrote to "<script>.pid" ("echo $$ > "$0.pid"").
  static pid_t pid_written_by(const std::string& script_path) {
    std::ifstream in(script_path + ".pid");
    pid_t pid = -1;
    in >> pid;
    return pid;
  }

  static bool group_gone(pid_t pgid) {
    errno = 0;
    return ::kill(-pgid, 0) == -1 && errno == ESRCH;
  }
};

// --- Answers -------------------------------------------------------------------------------------

TEST_F(CommandBackendTest, PlainTextEchoesTheModelFromStdin) {
  const auto program = script("echo-model", R"SH(input=$(cat)
model=$(printf '%s' "$input" | sed -n 's/.*"model":"\([^"]*\)".*/\1/p')
printf 'model is %s\n' "$model"
)SH");
  const auto outcome = run(call_for({program}));
  EXPECT_EQ(outcome.text(), "model is cmd/llama3\n");
  ASSERT_NE(outcome.final(), nullptr) << outcome.error_message();
  EXPECT_EQ(outcome.final()->reason, FinishReason::stop);
}

TEST_F(CommandBackendTest, ArgumentsArePassedWithoutAShell) {
  const auto program = script("args", R"(cat >/dev/null; printf '[%s]' "$@")");
  EXPECT_EQ(run(call_for({program, "a b", "$HOME", "*"})).text(), "[a b][$HOME][*]");
}

TEST_F(CommandBackendTest, JsonLinesWithReasoningTextAndFinal) {
  const auto program = script("json-lines", R"(cat >/dev/null
echo '{"type":"reasoning","text":"Let me think."}'
echo '{"type":"text","text":"Hello"}'
sleep 0.1
echo '{"type":"final","text":", world","usage":{"input_tokens":12,"output_tokens":3}}'
)");
  const auto outcome = run(call_for({program}));
  FinalDelta final;
  final.reason = FinishReason::stop;
  final.usage = Usage{12, 3, std::nullopt};
  const std::vector<Delta> expected{ReasoningDelta{"Let me think."}, TextDelta{"Hello"}, TextDelta{", world"},
                                    final};
  EXPECT_EQ(outcome.deltas, expected);
}

TEST_F(CommandBackendTest, ToolCallEndsWithTheCall) {
  const auto program = script("tool-call", R"(cat >/dev/null
echo '{"type":"text","text":"On it."}'
echo '{"type":"tool_call","id":"t1","name":"message","arguments":{"action":"react","emoji":"thumbsup"}}'
)");
  const auto outcome = run(call_for({program}));
  ASSERT_NE(outcome.final(), nullptr) << outcome.error_message();
  EXPECT_EQ(outcome.final()->reason, FinishReason::tool_calls);
  ASSERT_EQ(outcome.final()->tool_calls.size(), 1u);
  EXPECT_EQ(outcome.final()->tool_calls[0],
            (ToolCall{"t1", "message", R"({"action":"react","emoji":"thumbsup"})"}));
  EXPECT_EQ(outcome.deltas.at(1), Delta(ToolActivity{"t1", "message", true}));
}

TEST_F(CommandBackendTest, ErrorLineFromTheCommand) {
  const auto program = script("error-line", R"(echo '{"type":"error","message":"the model is not loaded"}')");
  const auto outcome = run(call_for({program}));
  ASSERT_NE(outcome.error(), nullptr);
  EXPECT_EQ(outcome.error()->message, "the model is not loaded");
  EXPECT_FALSE(outcome.error()->retryable);
}

TEST_F(CommandBackendTest, ExitCodeThreeIsAnErrorAfterTheText) {
  const auto program = script("exit3", "cat >/dev/null; echo partial; exit 3\n");
  const auto outcome = run(call_for({program}));
  EXPECT_EQ(outcome.text(), "partial\n");
  ASSERT_NE(outcome.error(), nullptr);
  EXPECT_EQ(outcome.error()->message, "the command failed with exit code 3");
  EXPECT_FALSE(outcome.error()->retryable);
}

TEST_F(CommandBackendTest, KilledBySignalSaysWhich) {
  const auto program = script("signal", "echo before; kill -USR1 $$\n");
  const auto outcome = run(call_for({program}));
  EXPECT_EQ(outcome.text(), "before\n");
  EXPECT_EQ(outcome.error_message(), "the command was killed by SIGUSR1");
}

TEST_F(CommandBackendTest, TheWholeTurnArrivesOnStdinEvenWhenLarge) {
  auto call = call_for({script("count", "wc -c\n")});
  call.request.messages.push_back(
      {Role::user, std::string(3 << 20, 'x'), {}, {}, {}, {}});  // > a pipe's buffer
  const auto expected = command_turn_json(call.request, call.model_ref).size();
  const auto outcome = run(call);
  ASSERT_NE(outcome.final(), nullptr) << outcome.error_message();
  EXPECT_EQ(std::stoul(outcome.text()), expected);
}

TEST_F(CommandBackendTest, AProgramThatDoesNotReadStdinIsFine) {
  auto call = call_for({script("no-stdin", "echo early\n")});
  call.request.messages.push_back({Role::user, std::string(1 << 20, 'x'), {}, {}, {}, {}});
  const auto outcome = run(call);  // a SIGPIPE would end the test binary
  EXPECT_EQ(outcome.text(), "early\n");
  EXPECT_NE(outcome.final(), nullptr) << outcome.error_message();
}

// --- stderr --------------------------------------------------------------------------------------

TEST_F(CommandBackendTest, StderrIsLoggedRedactedAndBoundedButNeverStreamed) {
  util::SecretRegistry::instance().add("s3cr3t-command-value");
  const auto program = script("noisy", R"(cat >/dev/null
echo "loading with s3cr3t-command-value" >&2
i=0
while [ $i -lt 150 ]; do echo "noise $i" >&2; i=$((i+1)); done
echo answer
)");
  std::vector<std::string> lines;
  Outcome outcome;
  {
    log::CaptureSink sink;
    outcome = run(call_for({program}));
    lines = sink.lines();
  }
  EXPECT_EQ(outcome.text(), "answer\n");
  EXPECT_NE(outcome.final(), nullptr) << outcome.error_message();
  for (const auto& d : outcome.deltas) {
    if (const auto* t = std::get_if<TextDelta>(&d)) {
      EXPECT_EQ(t->text.find("noise"), std::string::npos);
    }
  }

  std::size_t stderr_lines = 0;
  bool suppressed_note = false;
  for (const auto& line : lines) {
    EXPECT_EQ(line.find("s3cr3t-command-value"), std::string::npos) << line;
    if (line.find("stderr: ") != std::string::npos) {
      ++stderr_lines;
      EXPECT_NE(line.find("WARN"), std::string::npos) << line;
      EXPECT_NE(line.find("[agent]"), std::string::npos) << line;
    }
    if (line.find("further stderr lines are not logged") != std::string::npos) suppressed_note = true;
  }
  EXPECT_EQ(stderr_lines, 100u);
  EXPECT_TRUE(suppressed_note);
  ASSERT_FALSE(lines.empty());
  EXPECT_NE(lines.front().find("stderr: loading with ***"), std::string::npos) << lines.front();
}

// --- Deadlines, cancellation, cleanup ------------------------------------------------------------

TEST_F(CommandBackendTest, HangingCommandIsKilledAtTheFirstOutputDeadline) {
  const auto program = script("hang", "echo $$ > \"$0.pid\"\nexec sleep 60\n");
  auto call = call_for({program});
  call.deadlines.first_token = 300ms;
  const auto outcome = run(call);
  EXPECT_EQ(outcome.error_message(), "the command did not answer in time");
  EXPECT_GE(outcome.elapsed, 300ms);
  EXPECT_LT(outcome.elapsed, 5s);
  const pid_t pid = pid_written_by(program);
  ASSERT_GT(pid, 0);
  EXPECT_TRUE(group_gone(pid)) << "process group " << pid << " still exists";
}

TEST_F(CommandBackendTest, ACommandThatIgnoresSigtermGetsSigkill) {
  const auto program = script("stubborn", "trap '' TERM\necho $$ > \"$0.pid\"\nexec sleep 60\n");
  auto call = call_for({program});
  call.deadlines.first_token = 200ms;
  const auto outcome = run(call);
  EXPECT_EQ(outcome.error_message(), "the command did not answer in time");
  EXPECT_GE(outcome.elapsed, 2s);  // the SIGTERM grace
  EXPECT_LT(outcome.elapsed, 8s);
  const pid_t pid = pid_written_by(program);
  ASSERT_GT(pid, 0);
  EXPECT_TRUE(group_gone(pid));
}

TEST_F(CommandBackendTest, OutputThenSilenceHitsTheStallDeadline) {
  const auto program = script("stall", "echo hello\nexec sleep 60\n");
  auto call = call_for({program});
  call.deadlines.stall = 300ms;
  const auto outcome = run(call);
  EXPECT_EQ(outcome.deltas.front(), Delta(TextDelta{"hello\n"}));
  EXPECT_EQ(outcome.error_message(), "the command's output stalled");
  EXPECT_LT(outcome.elapsed, 5s);
}

TEST_F(CommandBackendTest, SteadyOutputHitsTheTotalDeadline) {
  const auto program = script("chatty", "while :; do echo tick; sleep 0.05; done\n");
  auto call = call_for({program});
  call.deadlines.total = 500ms;
  const auto outcome = run(call);
  EXPECT_NE(outcome.text().find("tick\n"), std::string::npos);
  EXPECT_EQ(outcome.error_message(), "the command took too long");
  EXPECT_GE(outcome.elapsed, 500ms);
  EXPECT_LT(outcome.elapsed, 5s);
}

TEST_F(CommandBackendTest, CancellationStopsTheCommand) {
  const auto program = script("cancel", "echo $$ > \"$0.pid\"\nexec sleep 60\n");
  auto call = call_for({program});
  const auto outcome = run(call, [&](asio::io_context& io) {
    asio::co_spawn(
        io,
        [&io, cancelled = call.cancelled]() -> asio::awaitable<void> {
          asio::steady_timer wait(io, 200ms);
          co_await wait.async_wait(asio::use_awaitable);
          *cancelled = true;
        },
        [](std::exception_ptr e) {
          if (e) std::rethrow_exception(e);
        });
  });
  EXPECT_EQ(outcome.error_message(), "the turn was interrupted");
  EXPECT_GE(outcome.elapsed, 200ms);
  EXPECT_LT(outcome.elapsed, 5s);
  const pid_t pid = pid_written_by(program);
  ASSERT_GT(pid, 0);
  EXPECT_TRUE(group_gone(pid));
}

TEST_F(CommandBackendTest, ExitedCommandWithABackgroundProcessStillEnds) {
  // The background sleep keeps stdout open after the script exits; the run ends anyway and the
  // leftover, in the script's group, is killed.
  const auto program = script("background", "cat >/dev/null\nsleep 60 &\necho $! > \"$0.pid\"\necho done\n");
  const auto outcome = run(call_for({program}));
  EXPECT_EQ(outcome.text(), "done\n");
  EXPECT_NE(outcome.final(), nullptr) << outcome.error_message();
  EXPECT_LT(outcome.elapsed, 5s);
  const pid_t leftover = pid_written_by(program);
  ASSERT_GT(leftover, 0);
  EXPECT_TRUE(gone_within(leftover, 5s));
}

TEST_F(CommandBackendTest, ACommandThatLingersAfterItsFinalLineIsStopped) {
  const auto program = script("linger", "echo '{\"type\":\"final\",\"text\":\"bye\"}'\nexec sleep 60\n");
  const auto outcome = run(call_for({program}));
  EXPECT_EQ(outcome.deltas, (std::vector<Delta>{TextDelta{"bye"}, FinalDelta{FinishReason::stop, {}, {}}}));
  EXPECT_GE(outcome.elapsed, 1s);
  EXPECT_LT(outcome.elapsed, 6s);
}

TEST_F(CommandBackendTest, AnAbandonedRunStillKillsAndReapsItsChild) {
  const auto program = script("abandoned", "echo $$ > \"$0.pid\"\nexec sleep 60\n");
  const auto call = call_for({program});
  bool ended = false;
  {
    asio::io_context io;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          co_await run_command(io, call, {});
          ended = true;
        },
        [](std::exception_ptr) {});
    const auto until = Clock::now() + kBound;
    while (pid_written_by(program) <= 0 && Clock::now() < until) io.run_for(20ms);
  }  // the io_context goes with the suspended run (as at shutdown)
  EXPECT_FALSE(ended);
  const pid_t pid = pid_written_by(program);
  ASSERT_GT(pid, 0);
  EXPECT_TRUE(group_gone(pid));
  errno = 0;
  EXPECT_EQ(::waitpid(pid, nullptr, WNOHANG), -1);  // already reaped
  EXPECT_EQ(errno, ECHILD);
}

// --- Starting ------------------------------------------------------------------------------------

TEST_F(CommandBackendTest, AMissingProgramIsAClearError) {
  const auto missing = (dir_ / "no-such-program").string();
  auto outcome = run(call_for({missing}));
  EXPECT_EQ(outcome.error_message(), "cannot start the command: " + missing + ": No such file or directory");
  EXPECT_LT(outcome.elapsed, 5s);

  outcome = run(call_for({"mmclaw-no-such-program"}));
  EXPECT_EQ(outcome.error_message(),
            "cannot start the command: mmclaw-no-such-program was not found in PATH");

  const auto not_executable = dir_ / "not-executable";
  std::ofstream(not_executable) << "#!/bin/sh\necho hi\n";
  outcome = run(call_for({not_executable.string()}));
  EXPECT_EQ(outcome.error_message(),
            "cannot start the command: " + not_executable.string() + ": Permission denied");

  outcome = run(call_for({}));
  EXPECT_EQ(outcome.error_message(), "cannot start the command: no program is configured");
}

TEST_F(CommandBackendTest, ABareNameIsFoundInPath) {
  const auto outcome = run(call_for({"sh", "-c", "cat >/dev/null; echo found"}));
  EXPECT_EQ(outcome.text(), "found\n");
}

TEST_F(CommandBackendTest, OnlyTheAllowedEnvironmentReachesTheCommand) {
  ::setenv("MMCLAW_TEST_MARKER", "passed", 1);
  ::setenv("OPENAI_API_KEY", "not-for-the-command", 1);
  const auto outcome = run(call_for({script("env", "cat >/dev/null; env\n")}));
  ::unsetenv("MMCLAW_TEST_MARKER");
  ::unsetenv("OPENAI_API_KEY");
  const auto text = outcome.text();
  EXPECT_NE(text.find("MMCLAW_TEST_MARKER=passed\n"), std::string::npos) << text;
  EXPECT_NE(text.find("PATH="), std::string::npos) << text;
  EXPECT_EQ(text.find("OPENAI_API_KEY"), std::string::npos) << text;
}

TEST(CommandEnvironment, KeepsOnlyPathHomeLangTzAndMmclawVariables) {
  const std::vector<std::string> parent{"PATH=/bin",    "HOME=/home/bot", "LANG=C.UTF-8", "TZ=UTC",
                                        "MMCLAW_X=1",   "AWS_SECRET=x",   "PATHX=no",     "LC_ALL=C",
                                        "MMCLAWNOT=no", "=weird",         "noequals"};
  EXPECT_EQ(command_environment(parent), (std::vector<std::string>{"PATH=/bin", "HOME=/home/bot",
                                                                   "LANG=C.UTF-8", "TZ=UTC", "MMCLAW_X=1"}));
  EXPECT_EQ(command_environment(std::vector<std::string>{"HOME=/h"}),
            (std::vector<std::string>{"HOME=/h", "PATH=/usr/local/bin:/usr/bin:/bin"}));
}

TEST(ResolveCommandProgram, SlashMeansAsGivenElseSearchThePath) {
  EXPECT_EQ(resolve_command_program("./agent.sh", "/bin").value(), "./agent.sh");
  EXPECT_EQ(resolve_command_program("/no/such", "/bin").value(), "/no/such");
  const auto sh = resolve_command_program("sh", "/mmclaw-nowhere::/bin:/usr/bin");
  ASSERT_TRUE(sh.has_value());
  EXPECT_EQ(*sh, "/bin/sh");
  EXPECT_EQ(resolve_command_program("sh", "").error().message, "sh was not found in PATH");
  EXPECT_FALSE(resolve_command_program("", "/bin").has_value());
}

}  // namespace
}  // namespace mmclaw::agent

#include "util/subprocess.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "../../support/process_hygiene.hpp"

namespace mmclaw::util {
namespace {

using test::gone_within;

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// GCC 12 warns about fields left out of designated initializers, so options are built up instead.
SubprocessOptions command(std::vector<std::string> argv) {
  SubprocessOptions options;
  options.argv = std::move(argv);
  return options;
}

SubprocessOptions sh(std::string script) {
  return command({"/bin/sh", "-c", std::move(script)});
}

pid_t read_pid(const std::filesystem::path& file) {
  std::ifstream in(file);
  pid_t pid = 0;
  in >> pid;
  return pid;
}

class Subprocess : public test::ProcessHygieneTest {
 protected:
  Subprocess() : ProcessHygieneTest("mmclaw-subprocess") {}
};

TEST_F(Subprocess, CollectsStdoutStderrAndExitCode) {
  const auto result = run_subprocess(sh("echo out; echo err >&2; exit 3"));
  ASSERT_TRUE(result.has_value()) << result.error().message;
  EXPECT_EQ(result->stdout_data, "out\n");
  EXPECT_EQ(result->stderr_data, "err\n");
  EXPECT_EQ(result->exit_code, 3);
  EXPECT_EQ(result->term_signal, 0);
  EXPECT_FALSE(result->stderr_truncated);
}

TEST_F(Subprocess, PassesArgumentsWithoutAShell) {
  const auto result = run_subprocess(command({"/bin/sh", "-c", "echo \"$1|$2\"", "sh", "a b", "$HOME;*"}));
  ASSERT_TRUE(result.has_value()) << result.error().message;
  EXPECT_EQ(result->stdout_data, "a b|$HOME;*\n");
  EXPECT_EQ(result->exit_code, 0);
}

TEST_F(Subprocess, ReportsDeathBySignal) {
  const auto result = run_subprocess(sh("kill -TERM $$"));
  ASSERT_TRUE(result.has_value()) << result.error().message;
  EXPECT_EQ(result->exit_code, -1);
  EXPECT_EQ(result->term_signal, SIGTERM);
}

TEST_F(Subprocess, PipesFourMebibytesThroughCat) {
  std::string input(4 << 20, '\0');
  for (std::size_t i = 0; i < input.size(); ++i) input[i] = static_cast<char>((i * 7 + i / 4096) & 0xff);
  auto options = command({"/bin/cat"});
  options.stdin_data = input;
  options.max_stdout_bytes = 8 << 20;
  options.timeout = 60s;
  const auto result = run_subprocess(options);
  ASSERT_TRUE(result.has_value()) << result.error().message;
  EXPECT_EQ(result->exit_code, 0);
  EXPECT_EQ(result->stdout_data.size(), input.size());
  EXPECT_TRUE(result->stdout_data == input);
}

TEST_F(Subprocess, ChildThatIgnoresStdinDoesNotRaiseSigpipe) {
  auto options = sh("exit 0");
  options.stdin_data.assign(4 << 20, 'x');
  const auto result = run_subprocess(options);
  ASSERT_TRUE(result.has_value()) << result.error().message;
  EXPECT_EQ(result->exit_code, 0);
  // SIGPIPE is neither left pending nor left blocked in this thread.
  sigset_t pending;
  sigemptyset(&pending);
  sigpending(&pending);
  EXPECT_EQ(sigismember(&pending, SIGPIPE), 0);
  sigset_t mask;
  pthread_sigmask(SIG_SETMASK, nullptr, &mask);
  EXPECT_EQ(sigismember(&mask, SIGPIPE), 0);
}

TEST_F(Subprocess, ReplacesTheEnvironment) {
  auto options = command({"/usr/bin/env"});
  options.env = std::vector<std::string>{"A=1", "B=two words"};
  auto result = run_subprocess(options);
  ASSERT_TRUE(result.has_value()) << result.error().message;
  EXPECT_EQ(result->stdout_data, "A=1\nB=two words\n");

  options.env = std::vector<std::string>{};
  result = run_subprocess(options);
  ASSERT_TRUE(result.has_value()) << result.error().message;
  EXPECT_EQ(result->stdout_data, "");
}

TEST_F(Subprocess, InheritsTheEnvironmentByDefault) {
  ::setenv("MMCLAW_SUBPROCESS_TEST", "inherited", 1);
  const auto result = run_subprocess(sh("echo \"$MMCLAW_SUBPROCESS_TEST\""));
  ::unsetenv("MMCLAW_SUBPROCESS_TEST");
  ASSERT_TRUE(result.has_value()) << result.error().message;
  EXPECT_EQ(result->stdout_data, "inherited\n");
}

TEST_F(Subprocess, RunsInTheWorkingDirectory) {
  auto options = sh("pwd");
  options.env = std::vector<std::string>{};  // no inherited PWD for the shell to trust
  options.cwd = "/";
  const auto result = run_subprocess(options);
  ASSERT_TRUE(result.has_value()) << result.error().message;
  EXPECT_EQ(result->stdout_data, "/\n");
}

TEST_F(Subprocess, MissingWorkingDirectoryIsAPermanentError) {
  auto options = sh("pwd");
  options.cwd = "/nonexistent-mmclaw-dir";
  const auto result = run_subprocess(options);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().kind, ErrorKind::permanent);
  EXPECT_EQ(result.error().message,
            "cannot run /bin/sh: working directory /nonexistent-mmclaw-dir: No such file or directory");
}

TEST_F(Subprocess, NonexistentProgramIsAPermanentError) {
  const auto result = run_subprocess(command({"/nonexistent/mmclaw-prog", "--secret-arg"}));
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().kind, ErrorKind::permanent);
  EXPECT_EQ(result.error().message, "cannot run /nonexistent/mmclaw-prog: No such file or directory");
}

TEST_F(Subprocess, InvalidOptionsAreInvalidInput) {
  auto result = run_subprocess({});
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().kind, ErrorKind::invalid_input);
  EXPECT_EQ(result.error().message, "cannot run a program: argv is empty");

  auto options = sh("true");
  options.timeout = 0ms;
  result = run_subprocess(options);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().kind, ErrorKind::invalid_input);
  EXPECT_EQ(result.error().message, "cannot run /bin/sh: the timeout must be positive");

  options = sh(std::string("echo a\0b", 8));
  result = run_subprocess(options);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().kind, ErrorKind::invalid_input);

  options = sh("true");
  options.env = std::vector<std::string>{"NOEQUALS"};
  result = run_subprocess(options);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().kind, ErrorKind::invalid_input);
}

TEST_F(Subprocess, TimeoutKillsTheChildAndItsGrandchild) {
  const auto pid_file = dir_ / "grandchild.pid";
  auto options = sh("/bin/sleep 30 & echo $! > '" + pid_file.string() + "'; wait");
  options.timeout = 1500ms;
  const auto started = Clock::now();
  const auto result = run_subprocess(options);
  EXPECT_LT(Clock::now() - started, 15s);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().kind, ErrorKind::transient);
  EXPECT_EQ(result.error().message, "/bin/sh did not finish within the timeout of 1500 ms; killed");
  const auto grandchild = read_pid(pid_file);
  ASSERT_GT(grandchild, 0);
  EXPECT_TRUE(gone_within(grandchild, 10s));
}

TEST_F(Subprocess, TimeoutCoversABackgroundProcessHoldingStdout) {
  const auto pid_file = dir_ / "background.pid";
  auto options = sh("/bin/sleep 30 & echo $! > '" + pid_file.string() + "'");
  options.timeout = 1500ms;
  const auto started = Clock::now();
  const auto result = run_subprocess(options);
  EXPECT_LT(Clock::now() - started, 15s);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().kind, ErrorKind::transient);
  const auto background = read_pid(pid_file);
  ASSERT_GT(background, 0);
  EXPECT_TRUE(gone_within(background, 10s));
}

TEST_F(Subprocess, LeftoverBackgroundProcessesAreKilled) {
  const auto result = run_subprocess(sh("/bin/sleep 30 >/dev/null 2>&1 & echo $!"));
  ASSERT_TRUE(result.has_value()) << result.error().message;
  EXPECT_EQ(result->exit_code, 0);
  const auto background = static_cast<pid_t>(std::stol(result->stdout_data));
  EXPECT_TRUE(gone_within(background, 10s));
}

TEST_F(Subprocess, NoOutputTimeout) {
  auto options = sh("echo started; exec /bin/sleep 30");
  options.timeout = 60s;
  options.no_output_timeout = 300ms;
  const auto started = Clock::now();
  const auto result = run_subprocess(options);
  EXPECT_LT(Clock::now() - started, 15s);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().kind, ErrorKind::transient);
  EXPECT_EQ(result.error().message,
            "/bin/sh produced no output within the no-output timeout of 300 ms; killed");
}

TEST_F(Subprocess, SteadyOutputKeepsTheNoOutputTimeoutAway) {
  // Runs about 1.5 s in total, with pauses of 0.3 s against a 1.2 s silence limit.
  auto options = sh("for i in 1 2 3 4 5; do echo $i; /bin/sleep 0.3; done; echo done >&2");
  options.timeout = 60s;
  options.no_output_timeout = 1200ms;
  const auto result = run_subprocess(options);
  ASSERT_TRUE(result.has_value()) << result.error().message;
  EXPECT_EQ(result->stdout_data, "1\n2\n3\n4\n5\n");
  EXPECT_EQ(result->stderr_data, "done\n");
}

TEST_F(Subprocess, StdoutOverflowKillsTheProcess) {
  auto options = command({"/bin/cat", "/dev/zero"});
  options.max_stdout_bytes = 100000;
  options.timeout = 60s;
  const auto started = Clock::now();
  const auto result = run_subprocess(options);
  EXPECT_LT(Clock::now() - started, 15s);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().kind, ErrorKind::permanent);
  EXPECT_EQ(result.error().message, "/bin/cat wrote more than the stdout limit of 100000 bytes; killed");
}

TEST_F(Subprocess, StdoutAtExactlyTheLimitIsFine) {
  auto options = command({"/bin/cat"});
  options.stdin_data.assign(1000, 'o');
  options.max_stdout_bytes = 1000;
  const auto result = run_subprocess(options);
  ASSERT_TRUE(result.has_value()) << result.error().message;
  EXPECT_EQ(result->stdout_data, std::string(1000, 'o'));
}

TEST_F(Subprocess, StderrOverflowTruncates) {
  auto options = sh("/bin/cat >&2; echo after");
  options.stdin_data.assign(200000, 'e');
  options.max_stderr_bytes = 1000;
  const auto result = run_subprocess(options);
  ASSERT_TRUE(result.has_value()) << result.error().message;
  EXPECT_EQ(result->exit_code, 0);
  EXPECT_EQ(result->stderr_data, std::string(1000, 'e'));
  EXPECT_TRUE(result->stderr_truncated);
  EXPECT_EQ(result->stdout_data, "after\n");
}

TEST_F(Subprocess, ConcurrentRunsDoNotMixUp) {
  std::vector<std::thread> threads;
  std::vector<std::string> outputs(4);
  for (std::size_t t = 0; t < outputs.size(); ++t) {
    threads.emplace_back([t, &outputs] {
      auto options = command({"/bin/cat"});
      options.stdin_data.assign(300000, static_cast<char>('a' + t));
      const auto result = run_subprocess(options);
      if (result) outputs[t] = result->stdout_data;
    });
  }
  for (auto& thread : threads) thread.join();
  for (std::size_t t = 0; t < outputs.size(); ++t) {
    EXPECT_EQ(outputs[t], std::string(300000, static_cast<char>('a' + t)));
  }
}

}  // namespace
}  // namespace mmclaw::util

#include "util/child_process.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "../../support/process_hygiene.hpp"

namespace mmclaw::util {
namespace {

using test::gone_within;

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Bounds on waiting only: a slow machine makes the tests slower, never red.
constexpr auto kLong = 20s;

// GCC 12 warns about fields left out of designated initializers, so options are built up instead.
ChildOptions command(std::vector<std::string> argv) {
  ChildOptions options;
  options.argv = std::move(argv);
  return options;
}

ChildOptions sh(std::string script) {
  return command({"/bin/sh", "-c", std::move(script)});
}

ChildProcess start(const ChildOptions& options) {
  auto child = ChildProcess::spawn(options);
  if (!child) throw std::runtime_error("spawn failed: " + child.error().message);
  return std::move(*child);
}

bool exits_within(const ChildProcess& child, std::chrono::seconds limit) {
  const auto until = Clock::now() + limit;
  while (Clock::now() < until) {
    if (!child.running()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return !child.running();
}

class ChildProcessTest : public test::ProcessHygieneTest {
 protected:
  ChildProcessTest() : ProcessHygieneTest("mmclaw-child") {}
};

TEST_F(ChildProcessTest, ReadsLinesInOrderFromBothStreams) {
  auto child = start(sh("echo one; echo oops >&2; sleep 0.2; printf 'two\\nthree\\n'; echo done >&2"));
  EXPECT_EQ(child.read_line(Stream::out, kLong).value(), "one");
  EXPECT_EQ(child.read_line(Stream::out, kLong).value(), "two");
  EXPECT_EQ(child.read_line(Stream::out, kLong).value(), "three");
  EXPECT_EQ(child.read_line(Stream::err, kLong).value(), "oops");
  EXPECT_EQ(child.read_line(Stream::err, kLong).value(), "done");
  EXPECT_EQ(child.wait(kLong).value(), 0);
  EXPECT_EQ(child.output(Stream::out), "one\ntwo\nthree\n");
  EXPECT_EQ(child.output(Stream::err), "oops\ndone\n");
  EXPECT_EQ(child.dropped_bytes(Stream::out), 0u);
}

TEST_F(ChildProcessTest, ReadLineTimesOutInBoundedTimeAndKeepsPartialLines) {
  auto child = start(sh("echo start; printf partial; exec sleep 300"));
  EXPECT_EQ(child.read_line(Stream::out, kLong).value(), "start");
  const auto before = Clock::now();
  const auto line = child.read_line(Stream::out, 200ms);
  const auto elapsed = Clock::now() - before;
  ASSERT_FALSE(line);
  EXPECT_EQ(line.error().kind, ErrorKind::transient);
  EXPECT_NE(line.error().message.find("stdout"), std::string::npos) << line.error().message;
  EXPECT_NE(line.error().message.find("200 ms"), std::string::npos) << line.error().message;
  EXPECT_GE(elapsed, 200ms);
  EXPECT_LT(elapsed, 10s);
  EXPECT_TRUE(child.running());
  // A zero timeout only looks at what is already there.
  EXPECT_EQ(child.read_line(Stream::err, 0ms).error().kind, ErrorKind::transient);
  EXPECT_EQ(child.output(Stream::out), "start\npartial");
}

TEST_F(ChildProcessTest, WaitForLineSkipsLinesUntilOneMatches) {
  auto child =
      start(sh("echo booting; echo 'config ok'; echo 'listening on 127.0.0.1:8065'; echo after; "
               "echo 'ready: 3 accounts'; exec sleep 300"));
  EXPECT_EQ(child.wait_for_line(Stream::out, "listening on", kLong).value(), "listening on 127.0.0.1:8065");
  EXPECT_EQ(child.read_line(Stream::out, kLong).value(), "after");
  const auto ready = child.wait_for_line(
      Stream::out, [](std::string_view line) { return line.starts_with("ready:"); }, kLong);
  EXPECT_EQ(ready.value(), "ready: 3 accounts");

  const auto missing = child.wait_for_line(Stream::out, "never printed", 100ms);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind, ErrorKind::transient);
  EXPECT_NE(missing.error().message.find("containing \"never printed\""), std::string::npos)
      << missing.error().message;
  EXPECT_EQ(child.terminate(kLong).value(), 128 + SIGTERM);
}

TEST_F(ChildProcessTest, WaitForLineReportsEndOfFileBeforeAMatch) {
  auto child = start(sh("echo 'error: address in use'; exit 1"));
  const auto line = child.wait_for_line(Stream::out, "listening on", kLong);
  ASSERT_FALSE(line);
  EXPECT_EQ(line.error().kind, ErrorKind::permanent);
  EXPECT_NE(line.error().message.find("closed its stdout"), std::string::npos) << line.error().message;
  EXPECT_NE(line.error().message.find("before a line containing \"listening on\""), std::string::npos)
      << line.error().message;
  EXPECT_EQ(child.output(Stream::out), "error: address in use\n");
  EXPECT_EQ(child.wait(kLong).value(), 1);
}

TEST_F(ChildProcessTest, ChattyChildThatNobodyReadsDoesNotBlock) {
  // 616800 lines of 17 bytes: about 10 MiB on stdout, and 2 MB on stderr.
  auto child = start(sh("yes 0123456789abcdef | head -n 616800; echo END; yes err | head -n 500000 >&2"));
  ASSERT_TRUE(exits_within(child, 120s)) << "the child blocked on a full pipe";
  EXPECT_EQ(child.wait(kLong).value(), 0);

  const std::uint64_t out_total = 616800ull * 17 + 4;
  const auto out = child.output(Stream::out);
  EXPECT_EQ(out.size(), std::size_t{1} << 20);
  EXPECT_TRUE(out.ends_with("0123456789abcdef\nEND\n"));
  EXPECT_EQ(child.dropped_bytes(Stream::out), out_total - out.size());
  const auto err = child.output(Stream::err);
  EXPECT_EQ(err.size(), std::size_t{1} << 20);
  EXPECT_EQ(child.dropped_bytes(Stream::err), 2000000u - err.size());

  // Reading resumes at a whole line among what was kept.
  EXPECT_EQ(child.read_line(Stream::out, kLong).value(), "0123456789abcdef");
  EXPECT_EQ(child.wait_for_line(Stream::out, "END", kLong).value(), "END");
  EXPECT_EQ(child.read_line(Stream::out, kLong).error().kind, ErrorKind::permanent);
}

TEST_F(ChildProcessTest, SmallBufferKeepsTheNewestBytes) {
  auto options = sh("for i in 1 2 3 4 5 6 7 8 9; do echo line-$i; done");
  options.max_buffered_bytes = 14;
  auto child = start(options);
  EXPECT_EQ(child.wait(kLong).value(), 0);
  EXPECT_EQ(child.output(Stream::out), "line-8\nline-9\n");
  EXPECT_EQ(child.dropped_bytes(Stream::out), 9u * 7 - 14);
  EXPECT_EQ(child.output(Stream::err), "");
}

TEST_F(ChildProcessTest, LinesThatFellOutOfTheBufferAreSkippedWhole) {
  auto options = sh("echo short; head -c 100 /dev/zero | tr '\\0' x; echo; echo next");
  options.max_buffered_bytes = 16;
  auto child = start(options);
  EXPECT_EQ(child.wait(kLong).value(), 0);
  // Never the tail of a line whose start was dropped.
  EXPECT_EQ(child.read_line(Stream::out, kLong).value(), "next");
  EXPECT_EQ(child.dropped_bytes(Stream::out), 6u + 101 + 5 - 16);
}

TEST_F(ChildProcessTest, EndOfFileSaysHowTheProcessEnded) {
  auto child = start(sh("echo hi; printf last; echo bye >&2; exit 7"));
  EXPECT_EQ(child.read_line(Stream::out, kLong).value(), "hi");
  EXPECT_EQ(child.wait(kLong).value(), 7);
  EXPECT_FALSE(child.running());
  // The unterminated last line still comes out, then end of file.
  EXPECT_EQ(child.read_line(Stream::out, kLong).value(), "last");
  const auto eof = child.read_line(Stream::out, kLong);
  ASSERT_FALSE(eof);
  EXPECT_EQ(eof.error().kind, ErrorKind::permanent);
  EXPECT_NE(eof.error().message.find("closed its stdout (exited with status 7)"), std::string::npos)
      << eof.error().message;
  EXPECT_EQ(child.read_line(Stream::err, kLong).value(), "bye");
  const auto err_eof = child.read_line(Stream::err, kLong);
  ASSERT_FALSE(err_eof);
  EXPECT_NE(err_eof.error().message.find("closed its stderr"), std::string::npos) << err_eof.error().message;
  // The status is kept.
  EXPECT_EQ(child.wait(0ms).value(), 7);
  EXPECT_EQ(child.terminate(kLong).value(), 7);
}

TEST_F(ChildProcessTest, EndOfFileWithoutWaitingStillEnds) {
  auto child = start(sh("exec /bin/sh -c 'kill -TERM $$'"));
  const auto eof = child.read_line(Stream::out, kLong);
  ASSERT_FALSE(eof);
  EXPECT_EQ(eof.error().kind, ErrorKind::permanent);
  EXPECT_NE(eof.error().message.find("closed its stdout"), std::string::npos) << eof.error().message;
  EXPECT_EQ(child.wait(kLong).value(), 128 + SIGTERM);
}

TEST_F(ChildProcessTest, WaitTimesOutWhileRunning) {
  auto child = start(sh("exec sleep 300"));
  const auto before = Clock::now();
  const auto status = child.wait(100ms);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().kind, ErrorKind::transient);
  EXPECT_LT(Clock::now() - before, 10s);
  EXPECT_TRUE(child.running());
  child.kill();
  EXPECT_FALSE(child.running());
  EXPECT_EQ(child.wait(0ms).value(), 128 + SIGKILL);
}

TEST_F(ChildProcessTest, TerminateReturnsTheStatusOfAChildThatHandlesSigterm) {
  auto child = start(sh("trap 'echo stopping; exit 3' TERM; echo ready; while :; do sleep 1; done"));
  ASSERT_EQ(child.read_line(Stream::out, kLong).value(), "ready");
  const auto before = Clock::now();
  EXPECT_EQ(child.terminate(kLong).value(), 3);
  EXPECT_LT(Clock::now() - before, kLong);
  EXPECT_FALSE(child.running());
  EXPECT_EQ(child.read_line(Stream::out, kLong).value(), "stopping");
}

TEST_F(ChildProcessTest, TerminateKillsAChildThatIgnoresSigtermAfterTheGrace) {
  auto child = start(sh("trap '' TERM; echo ready; while :; do sleep 1; done"));
  ASSERT_EQ(child.read_line(Stream::out, kLong).value(), "ready");
  const auto before = Clock::now();
  EXPECT_EQ(child.terminate(300ms).value(), 128 + SIGKILL);
  const auto elapsed = Clock::now() - before;
  EXPECT_GE(elapsed, 300ms);
  EXPECT_LT(elapsed, kLong);
}

TEST_F(ChildProcessTest, TerminateKillsGrandchildrenThatIgnoreSigterm) {
  auto child = start(sh("/bin/sh -c 'trap \"\" TERM; echo $$; exec sleep 300' & wait"));
  const auto line = child.read_line(Stream::out, kLong);
  ASSERT_TRUE(line) << line.error().message;
  const pid_t grandchild = std::stoi(*line);
  ASSERT_GT(grandchild, 0);
  ASSERT_EQ(::kill(grandchild, 0), 0);
  EXPECT_EQ(child.terminate(kLong).value(), 128 + SIGTERM);
  EXPECT_TRUE(gone_within(grandchild, kLong));
}

TEST_F(ChildProcessTest, DestructorKillsTheGroupAndReaps) {
  pid_t leader = -1;
  pid_t grandchild = -1;
  {
    auto child = start(sh("sleep 300 & echo $!; wait"));
    leader = child.pid();
    const auto line = child.read_line(Stream::out, kLong);
    ASSERT_TRUE(line) << line.error().message;
    grandchild = std::stoi(*line);
    ASSERT_EQ(::kill(grandchild, 0), 0);
    ASSERT_TRUE(child.running());
  }
  // Reaped, not a zombie: the pid is gone entirely (TearDown checks waitpid too).
  errno = 0;
  EXPECT_EQ(::kill(leader, 0), -1);
  EXPECT_EQ(errno, ESRCH);
  EXPECT_TRUE(gone_within(grandchild, kLong));
}

TEST_F(ChildProcessTest, StdinRoundTripThroughCat) {
  auto options = command({"/bin/cat"});
  options.pipe_stdin = true;
  auto child = start(options);
  ASSERT_TRUE(child.write_stdin("hello\nworld\n"));
  EXPECT_EQ(child.read_line(Stream::out, kLong).value(), "hello");
  EXPECT_EQ(child.read_line(Stream::out, kLong).value(), "world");
  // More than a pipe holds (but less than the output buffer): cat's output is drained meanwhile,
  // so neither side blocks.
  const std::string line(128 * 1024, 'x');
  std::string lines;
  for (int i = 0; i < 4; ++i) lines += line + "\n";
  ASSERT_TRUE(child.write_stdin(lines, kLong));
  for (int i = 0; i < 4; ++i) EXPECT_EQ(child.read_line(Stream::out, kLong).value(), line);
  child.close_stdin();
  child.close_stdin();
  EXPECT_EQ(child.read_line(Stream::out, kLong).error().kind, ErrorKind::permanent);
  EXPECT_EQ(child.wait(kLong).value(), 0);
  EXPECT_EQ(child.write_stdin("late").error().kind, ErrorKind::permanent);
}

TEST_F(ChildProcessTest, WritingToADeadChildIsAnErrorNotSigpipe) {
  auto options = sh("exit 0");
  options.pipe_stdin = true;
  auto child = start(options);
  ASSERT_TRUE(exits_within(child, kLong));
  // SIGPIPE still has its default action here: raising it would end the test binary.
  const auto written = child.write_stdin(std::string(1 << 16, 'x'));
  ASSERT_FALSE(written);
  EXPECT_EQ(written.error().kind, ErrorKind::permanent);
  EXPECT_NE(written.error().message.find("closed its stdin"), std::string::npos) << written.error().message;
  sigset_t pending;
  ::sigemptyset(&pending);
  ::sigpending(&pending);
  EXPECT_EQ(::sigismember(&pending, SIGPIPE), 0);
  EXPECT_EQ(child.wait(kLong).value(), 0);
}

TEST_F(ChildProcessTest, StdinIsDevNullUnlessPiped) {
  auto child = start(sh("cat; echo eof"));
  EXPECT_EQ(child.read_line(Stream::out, kLong).value(), "eof");
  EXPECT_EQ(child.write_stdin("x").error().kind, ErrorKind::invalid_input);
  EXPECT_EQ(child.wait(kLong).value(), 0);
}

TEST_F(ChildProcessTest, UsesTheGivenEnvironmentAndWorkingDirectory) {
  auto options = sh("echo \"$GREETING\"; echo \"${HOME-unset}\"; pwd");
  options.env = std::vector<std::string>{"GREETING=hello there", "PATH=/usr/bin:/bin"};
  options.cwd = dir_;
  auto child = start(options);
  EXPECT_EQ(child.read_line(Stream::out, kLong).value(), "hello there");
  EXPECT_EQ(child.read_line(Stream::out, kLong).value(), "unset");
  EXPECT_EQ(child.read_line(Stream::out, kLong).value(), std::filesystem::canonical(dir_).string());
  EXPECT_EQ(child.wait(kLong).value(), 0);
}

TEST_F(ChildProcessTest, UncapturedStreamsCannotBeRead) {
  auto options = sh("echo 'inherited stderr line from child_process_test' >&2");
  options.capture_stderr = false;
  auto child = start(options);
  const auto line = child.read_line(Stream::err, 0ms);
  ASSERT_FALSE(line);
  EXPECT_EQ(line.error().kind, ErrorKind::invalid_input);
  EXPECT_EQ(child.output(Stream::err), "");
  EXPECT_EQ(child.wait(kLong).value(), 0);
}

TEST_F(ChildProcessTest, RejectsBadOptions) {
  EXPECT_EQ(ChildProcess::spawn(ChildOptions{}).error().kind, ErrorKind::invalid_input);
  EXPECT_EQ(ChildProcess::spawn(command({"/bin/echo", std::string("a\0b", 3)})).error().kind,
            ErrorKind::invalid_input);
  auto bad_env = command({"/bin/true"});
  bad_env.env = std::vector<std::string>{"NOEQUALS"};
  EXPECT_EQ(ChildProcess::spawn(bad_env).error().kind, ErrorKind::invalid_input);
  auto no_buffer = command({"/bin/true"});
  no_buffer.max_buffered_bytes = 0;
  EXPECT_EQ(ChildProcess::spawn(no_buffer).error().kind, ErrorKind::invalid_input);

  const auto missing = ChildProcess::spawn(command({"/nonexistent/mmsim", "--token=secret"}));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind, ErrorKind::permanent);
  EXPECT_NE(missing.error().message.find("/nonexistent/mmsim"), std::string::npos);
  EXPECT_EQ(missing.error().message.find("secret"), std::string::npos);

  auto bad_cwd = command({"/bin/true"});
  bad_cwd.cwd = dir_ / "missing";
  const auto no_dir = ChildProcess::spawn(bad_cwd);
  ASSERT_FALSE(no_dir);
  EXPECT_NE(no_dir.error().message.find("working directory"), std::string::npos);
}

TEST_F(ChildProcessTest, MovesKeepOneOwner) {
  auto first = start(sh("echo first; exec sleep 300"));
  const pid_t first_pid = first.pid();
  ChildProcess moved(std::move(first));
  EXPECT_EQ(moved.pid(), first_pid);
  EXPECT_EQ(first.pid(), -1);  // NOLINT(bugprone-use-after-move): the moved-from state is specified
  EXPECT_FALSE(first.running());
  EXPECT_EQ(first.read_line(Stream::out, 0ms).error().kind, ErrorKind::invalid_input);
  EXPECT_EQ(moved.read_line(Stream::out, kLong).value(), "first");

  // Assigning over a running child kills and reaps it.
  moved = start(sh("echo second; exec sleep 300"));
  errno = 0;
  EXPECT_EQ(::kill(first_pid, 0), -1);
  EXPECT_EQ(errno, ESRCH);
  EXPECT_EQ(moved.read_line(Stream::out, kLong).value(), "second");
}

}  // namespace
}  // namespace mmclaw::util

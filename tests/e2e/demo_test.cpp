// `mmclaw demo` as a newcomer meets it: the real binary starts the real simulators (found next to
// its own build) and the gateway, runs a script or piped lines, prints the transcript and leaves
// nothing running.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <filesystem>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "../support/temp_dir.hpp"
#include "util/child_process.hpp"
#include "util/subprocess.hpp"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

struct DemoRun {
  int exit_code = -1;
  std::string out;
  std::string err;
};

DemoRun run_demo(const std::vector<std::string>& args, std::string stdin_data = {},
                 std::string path_env = "/usr/local/bin:/usr/bin:/bin", std::string binary = MMCLAW_BINARY) {
  mmclaw::util::SubprocessOptions options;
  options.argv = {std::move(binary), "demo"};
  options.argv.insert(options.argv.end(), args.begin(), args.end());
  options.env = std::vector<std::string>{"PATH=" + path_env};
  options.cwd = MMCLAW_SOURCE_DIR;
  options.stdin_data = std::move(stdin_data);
  options.timeout = 60s;  // generous: sanitizer builds start slowly; a normal run takes a few seconds
  auto result = mmclaw::util::run_subprocess(options);
  if (!result) {
    ADD_FAILURE() << "could not run mmclaw demo: " << result.error().message;
    return {};
  }
  return {result->exit_code, result->stdout_data, result->stderr_data};
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::optional<int> port_after(const std::string& text, const std::string& label) {
  const std::regex pattern(label + R"(: http://127\.0\.0\.1:(\d+))");
  std::smatch match;
  if (!std::regex_search(text, match, pattern)) return std::nullopt;
  return std::stoi(match[1].str());
}

// Whether something still accepts connections on 127.0.0.1:port.
bool accepts_connections(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool connected = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return connected;
}

// The simulators named in the transcript are gone, and so is the demo's temporary directory.
void expect_nothing_left(const std::string& out) {
  const auto mmsim = port_after(out, "mmsim, the Mattermost simulator");
  const auto llmsim = port_after(out, "llmsim, the LLM simulator");
  ASSERT_TRUE(mmsim) << out;
  ASSERT_TRUE(llmsim) << out;
  EXPECT_FALSE(accepts_connections(*mmsim)) << "mmsim still runs on port " << *mmsim;
  EXPECT_FALSE(accepts_connections(*llmsim)) << "llmsim still runs on port " << *llmsim;
  std::smatch match;
  const std::regex config(R"(mmclaw gateway --config (\S+)/openclaw\.json)");
  ASSERT_TRUE(std::regex_search(out, match, config)) << out;
  EXPECT_FALSE(fs::exists(match[1].str())) << "the demo left " << match[1].str() << " behind";
}

void expect_gateway_said_how_it_is(const std::string& out) {
  // Today `mmclaw gateway` is not available yet and the demo says so; once it is, it connects.
  EXPECT_TRUE(contains(out, "-- the gateway is not available yet in this version: the bot will not answer") ||
              contains(out, "-- the gateway is connected to mmsim as @mmclaw"))
      << out;
}

}  // namespace

TEST(Demo, TheExampleScriptRunsAndPrintsTheTranscript) {
  const auto run = run_demo({"--script", "examples/demo.txt"});
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  const auto& out = run.out;
  expect_gateway_said_how_it_is(out);
  // The fixture's welcome post, seen by alice when the chat starts.
  EXPECT_TRUE(contains(out, "[#town-square] @admin: Welcome to the team!")) << out;
  // alice creates the DM with the bot and says hello in it.
  EXPECT_TRUE(contains(out, "alice@#town-square> /dm mmclaw\n-- created the DM between alice and mmclaw\n"))
      << out;
  EXPECT_TRUE(
      contains(out, "alice@@mmclaw> hello, what can you do?\n[@mmclaw] @alice: hello, what can you do?\n"))
      << out;
  EXPECT_TRUE(contains(out, "[#town-square] @alice: @mmclaw please summarise this channel in one line"))
      << out;
  // bob joins #dev (a system post says so), posts there, and opens his own DM with the bot.
  EXPECT_TRUE(contains(out, "alice@#town-square> /as bob\n-- you are bob now, in #town-square\n")) << out;
  EXPECT_TRUE(contains(out, "-- bob joined #dev")) << out;
  EXPECT_TRUE(contains(out, "[#dev] @bob: hi all, I'm new here")) << out;
  EXPECT_TRUE(contains(out, "-- created the DM between bob and mmclaw")) << out;
  EXPECT_TRUE(contains(out, "[@mmclaw] @bob: @mmclaw hello from bob")) << out;
  EXPECT_TRUE(contains(out, "-- people: alice, bob, carol, admin; the bot: @mmclaw")) << out;
  // Each post is shown once, comments are not echoed.
  EXPECT_EQ(out.find("[@mmclaw] @alice: hello, what can you do?"),
            out.rfind("[@mmclaw] @alice: hello, what can you do?"));
  EXPECT_FALSE(contains(out, "# alice says hello")) << out;
  EXPECT_TRUE(contains(out, "-- stopped\n")) << out;
  expect_nothing_left(out);
}

TEST(Demo, LinesPipedToStdinAreTypedByAPerson) {
  const auto run =
      run_demo({}, "/as bob\nhello from the pipe\n/as mmclaw\n/join #ops\n/frobnicate\n/who\n/quit\n");
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;  // mistakes at the keyboard are not failures
  const auto& out = run.out;
  EXPECT_TRUE(contains(out, "-- type /help for the commands, /quit to leave")) << out;
  EXPECT_TRUE(
      contains(out, "bob@#town-square> hello from the pipe\n[#town-square] @bob: hello from the pipe\n"))
      << out;
  EXPECT_TRUE(contains(out, "-- @mmclaw is the bot: the gateway speaks for it")) << out;
  EXPECT_TRUE(contains(out, "-- bob cannot see a channel named #ops")) << out;
  EXPECT_TRUE(contains(out, "-- unknown command /frobnicate")) << out;
  EXPECT_TRUE(contains(out, "-- you are bob, in #town-square")) << out;
  expect_nothing_left(out);
}

TEST(Demo, TheEndOfInputStopsEverything) {
  const auto run = run_demo({}, "");
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_TRUE(contains(run.out, "-- end of input")) << run.out;
  expect_nothing_left(run.out);
}

TEST(Demo, AFailingScriptLineExitsWithOneAfterTheRest) {
  mmclaw::test::TempDir dir;
  const auto script = dir.write("script.txt", "/as nobody\n/join #nowhere\nstill posted\n");
  const auto run = run_demo({"--script", script.string()});
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_TRUE(contains(run.out, "-- there is no user @nobody; the people here: alice, bob, carol, admin"))
      << run.out;
  EXPECT_TRUE(contains(run.out, "-- alice cannot see a channel named #nowhere")) << run.out;
  EXPECT_TRUE(contains(run.out, "[#town-square] @alice: still posted")) << run.out;
  EXPECT_TRUE(contains(run.err, "2 lines of")) << run.err;
  expect_nothing_left(run.out);
}

TEST(Demo, SigintStopsEveryChild) {
  mmclaw::util::ChildOptions options;
  options.argv = {MMCLAW_BINARY, "demo"};
  options.cwd = MMCLAW_SOURCE_DIR;
  options.pipe_stdin = true;  // a person who types nothing
  auto demo = mmclaw::util::ChildProcess::spawn(options);
  ASSERT_TRUE(demo) << demo.error().message;
  const auto ready = demo->wait_for_line(mmclaw::util::Stream::out, "type /help", 60s);
  ASSERT_TRUE(ready) << ready.error().message << demo->output(mmclaw::util::Stream::err);
  ASSERT_EQ(::kill(demo->pid(), SIGINT), 0);
  const auto status = demo->wait(30s);
  ASSERT_TRUE(status) << status.error().message;
  EXPECT_EQ(*status, 128 + SIGINT) << demo->output(mmclaw::util::Stream::err);
  const auto out = demo->output(mmclaw::util::Stream::out);
  EXPECT_TRUE(contains(out, "-- stopped\n")) << out;
  expect_nothing_left(out);
}

TEST(Demo, AMissingSimulatorIsNamed) {
  const auto given = run_demo({"--mmsim", "/nonexistent/mmsim", "--script", "examples/demo.txt"});
  EXPECT_EQ(given.exit_code, 1);
  EXPECT_EQ(given.err, "mmclaw demo: --mmsim /nonexistent/mmsim: not an executable file\n");
  EXPECT_EQ(given.out, "");

  // A copy of mmclaw away from its build and with nothing on PATH finds no simulator.
  mmclaw::test::TempDir dir;
  fs::create_directories(dir.path() / "bin");
  const auto copy = dir.path() / "bin" / "mmclaw";
  fs::copy_file(MMCLAW_BINARY, copy);
  const auto alone =
      run_demo({"--script", "examples/demo.txt"}, "", (dir.path() / "empty").string(), copy.string());
  EXPECT_EQ(alone.exit_code, 1);
  EXPECT_TRUE(contains(alone.err, "mmclaw demo: cannot find mmsim (the Mattermost simulator); looked for " +
                                      (dir.path() / "tools/mmsim/mmsim").string() + ", " +
                                      (dir.path() / "empty/mmsim").string() + ";"))
      << alone.err;
  EXPECT_TRUE(contains(alone.err, "--mmsim PATH")) << alone.err;
}

TEST(Demo, UnreadableFilesAreUsageErrors) {
  const auto script = run_demo({"--script", "no/such/script.txt"});
  EXPECT_EQ(script.exit_code, 2);
  EXPECT_TRUE(contains(script.err, "mmclaw demo: --script: cannot read no/such/script.txt")) << script.err;
  const auto fixture = run_demo({"--fixture", "no/such/fixture.json"});
  EXPECT_EQ(fixture.exit_code, 2);
  EXPECT_TRUE(contains(fixture.err, "cannot read no/such/fixture.json")) << fixture.err;
}

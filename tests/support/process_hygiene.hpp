#pragma once
// Shared by the tests of code that starts processes (util/subprocess, util/child_process): a
// fixture that checks every child was reaped and every pipe closed, and helpers that tell whether
// a process is gone.

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <thread>

#include <gtest/gtest.h>

namespace mmclaw::test {

inline std::size_t open_fd_count() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

// A killed process that nobody has reaped yet is a zombie: it no longer runs. Grandchildren are
// reparented to pid 1, which may not reap them in a container.
inline bool process_gone(pid_t pid) {
  if (::kill(pid, 0) != 0 && errno == ESRCH) return true;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return true;
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const auto paren = text.rfind(')');
  return paren == std::string::npos || paren + 2 >= text.size() || text[paren + 2] == 'Z' ||
         text[paren + 2] == 'X';
}

inline bool gone_within(pid_t pid, std::chrono::seconds limit) {
  using namespace std::chrono_literals;
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (process_gone(pid)) return true;
    std::this_thread::sleep_for(20ms);
  }
  return process_gone(pid);
}

// A scratch folder per test run, and after each test: no child left unreaped, no descriptor left
// open (pipes, and the reader threads that own them).
class ProcessHygieneTest : public ::testing::Test {
 protected:
  explicit ProcessHygieneTest(std::string_view name) : name_(name) {}

  void SetUp() override {
    fds_before_ = open_fd_count();
    dir_ = std::filesystem::path(::testing::TempDir()) / (name_ + "-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    errno = 0;
    EXPECT_EQ(::waitpid(-1, nullptr, WNOHANG), -1);
    EXPECT_EQ(errno, ECHILD);
    EXPECT_EQ(open_fd_count(), fds_before_);
    std::filesystem::remove_all(dir_);
  }

  std::string name_;
  std::size_t fds_before_ = 0;
  std::filesystem::path dir_;
};

}  // namespace mmclaw::test

#pragma once
// Watches the config file for changes (`gateway.reload.mode` not `off`): its modification time,
// size and inode are checked every 500 ms; a change is reported once the file has stayed the same
// for `debounceMs` (editors write in several steps). Polling rather than inotify: it sees a file
// replaced by rename and a directory mounted later, and costs two stat calls a second.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

namespace mmclaw::app {

class ConfigWatcher {
 public:
  ConfigWatcher(boost::asio::io_context& io, std::filesystem::path path, std::function<void()> on_change);

  // Runs until stop(). `enabled` and `debounce_ms` may change at any time (a reload sets them).
  boost::asio::awaitable<void> run();
  void stop();
  void set_enabled(bool enabled) { enabled_ = enabled; }
  void set_debounce(std::chrono::milliseconds debounce) { debounce_ = debounce; }
  // After a reload read the file: its current state is the new baseline.
  void rebase();

 private:
  struct Stamp {
    std::int64_t mtime_ns = 0;
    std::int64_t size = -1;
    std::uint64_t inode = 0;
    bool operator==(const Stamp&) const = default;
  };
  std::optional<Stamp> stamp() const;

  std::filesystem::path path_;
  std::function<void()> on_change_;
  boost::asio::steady_timer timer_;
  std::optional<Stamp> seen_;
  bool enabled_ = true;
  bool stopping_ = false;
  std::chrono::milliseconds debounce_{300};
};

}  // namespace mmclaw::app

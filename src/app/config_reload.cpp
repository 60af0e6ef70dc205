#include "app/config_reload.hpp"

#include <sys/stat.h>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace mmclaw::app {

namespace asio = boost::asio;

namespace {
constexpr std::chrono::milliseconds kPollInterval{500};
}

ConfigWatcher::ConfigWatcher(asio::io_context& io, std::filesystem::path path, std::function<void()> on_change)
    : path_(std::move(path)), on_change_(std::move(on_change)), timer_(io) {
  seen_ = stamp();
}

std::optional<ConfigWatcher::Stamp> ConfigWatcher::stamp() const {
  struct stat st {};
  if (::stat(path_.c_str(), &st) != 0) return std::nullopt;
  Stamp s;
  s.mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  s.size = static_cast<std::int64_t>(st.st_size);
  s.inode = static_cast<std::uint64_t>(st.st_ino);
  return s;
}

void ConfigWatcher::rebase() {
  seen_ = stamp();
}

void ConfigWatcher::stop() {
  stopping_ = true;
  timer_.cancel();
}

asio::awaitable<void> ConfigWatcher::run() {
  std::optional<Stamp> changed;  // the state the file changed to, while waiting for it to settle
  auto settled_at = std::chrono::steady_clock::now();
  while (!stopping_) {
    timer_.expires_after(changed ? std::min(kPollInterval, debounce_ + std::chrono::milliseconds(1)) : kPollInterval);
    boost::system::error_code ec;
    co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (stopping_) break;
    const auto now = stamp();
    if (!enabled_) {
      seen_ = now;
      changed.reset();
      continue;
    }
    if (!now) continue;  // missing for a moment while an editor replaces it
    if (now == seen_ && !changed) continue;
    if (!changed || !(*changed == *now)) {
      changed = now;  // still being written: wait until it stays the same for the debounce
      settled_at = std::chrono::steady_clock::now();
      continue;
    }
    if (std::chrono::steady_clock::now() - settled_at < debounce_) continue;
    seen_ = now;
    changed.reset();
    on_change_();
  }
}

}  // namespace mmclaw::app

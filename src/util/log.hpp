#pragma once
// The one logging interface of mmclaw, over spdlog. Every message is redacted with
// util::SecretRegistry before it becomes a line (ARCHITECTURE.md, rule 10). Lines go to stderr,
// one per entry, as text (`2026-11-21T19:55:00.123Z INFO  [monitor] connected as @bot`) or JSON
// (`{"ts":"...","level":"info","component":"monitor","msg":"..."}`). All functions are
// thread-safe. Logging works before init() (text, info, stderr).

#include <fmt/core.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mmclaw::log {

enum class Level { trace, debug, info, warn, error, off };
enum class Format { text, json };

// "trace", "debug", "info", "warn" (or "warning"), "error", "off"; case-insensitive.
std::optional<Level> parse_level(std::string_view name);
// "text" or "json"; case-insensitive.
std::optional<Format> parse_format(std::string_view name);
std::string_view to_string(Level level) noexcept;
std::string_view to_string(Format format) noexcept;

struct Options {
  Level level = Level::info;
  Format format = Format::text;
};

// Sets level and format; may be called again (e.g. on reload).
void init(const Options& options);
void set_level(Level level) noexcept;
Level level() noexcept;
void set_format(Format format) noexcept;
Format format() noexcept;
// False for Level::off and for levels below the current one.
bool enabled(Level level) noexcept;

// Redacts `message`, then emits one line if `level` is enabled. Never throws.
void write(Level level, std::string_view component, std::string_view message) noexcept;

// One line without its newline, for a message that is already redacted. Text lines escape control
// characters (`\n`, `\r`, `\x1b`) so that one entry is always one line; JSON lines escape what JSON
// requires and replace invalid UTF-8 with U+FFFD.
std::string format_line(Format format, std::chrono::system_clock::time_point time, Level level,
                        std::string_view component, std::string_view message);

namespace detail {
void vwrite(Level level, std::string_view component, fmt::string_view format, fmt::format_args args) noexcept;
}  // namespace detail

// Formats only when `level` is enabled: a disabled call costs one atomic load.
template <class... Args>
void log(Level level, std::string_view component, fmt::format_string<Args...> format, Args&&... args) {
  if (!enabled(level)) return;
  detail::vwrite(level, component, format, fmt::make_format_args(args...));
}

template <class... Args>
void trace(std::string_view component, fmt::format_string<Args...> format, Args&&... args) {
  log(Level::trace, component, format, std::forward<Args>(args)...);
}
template <class... Args>
void debug(std::string_view component, fmt::format_string<Args...> format, Args&&... args) {
  log(Level::debug, component, format, std::forward<Args>(args)...);
}
template <class... Args>
void info(std::string_view component, fmt::format_string<Args...> format, Args&&... args) {
  log(Level::info, component, format, std::forward<Args>(args)...);
}
template <class... Args>
void warn(std::string_view component, fmt::format_string<Args...> format, Args&&... args) {
  log(Level::warn, component, format, std::forward<Args>(args)...);
}
template <class... Args>
void error(std::string_view component, fmt::format_string<Args...> format, Args&&... args) {
  log(Level::error, component, format, std::forward<Args>(args)...);
}

// While alive, lines are collected here instead of going to stderr (level and format still
// apply). For tests and for CLI commands that report log output themselves. Instances nest: the
// newest one receives the lines, and destroying it restores the previous destination. Create and
// destroy them on one thread, in stack order; lines() may be called from any thread.
class CaptureSink {
 public:
  CaptureSink();
  ~CaptureSink();
  CaptureSink(const CaptureSink&) = delete;
  CaptureSink& operator=(const CaptureSink&) = delete;

  // Captured lines, without their newlines.
  std::vector<std::string> lines() const;
  void clear();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mmclaw::log

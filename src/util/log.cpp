#include "util/log.hpp"

#include <fmt/format.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <array>
#include <atomic>
#include <mutex>

#include "util/redact.hpp"
#include "util/utf8.hpp"

namespace mmclaw::log {

namespace {

// Lines are built here, so spdlog only moves finished lines to their sink under its own lock.
struct State {
  std::atomic<Level> level{Level::info};
  std::atomic<Format> format{Format::text};
  std::mutex mutex;
  std::shared_ptr<spdlog::logger> stderr_logger;  // created on first use
  std::shared_ptr<spdlog::logger> capture;        // the newest CaptureSink's, or null
};

// Never destroyed, so logging from static destructors and exiting threads stays safe.
State& state() {
  static auto* s = new State();
  return *s;
}

std::shared_ptr<spdlog::logger> destination() {
  auto& s = state();
  const std::lock_guard lock(s.mutex);
  if (s.capture) return s.capture;
  if (!s.stderr_logger) {
    auto logger =
        std::make_shared<spdlog::logger>("mmclaw", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    logger->set_level(spdlog::level::trace);
    logger->set_pattern("%v");
    s.stderr_logger = std::move(logger);
  }
  return s.stderr_logger;
}

spdlog::level::level_enum to_spdlog(Level level) noexcept {
  switch (level) {
    case Level::trace:
      return spdlog::level::trace;
    case Level::debug:
      return spdlog::level::debug;
    case Level::info:
      return spdlog::level::info;
    case Level::warn:
      return spdlog::level::warn;
    case Level::error:
      return spdlog::level::err;
    case Level::off:
      break;
  }
  return spdlog::level::off;
}

std::string_view upper_name(Level level) noexcept {
  switch (level) {
    case Level::trace:
      return "TRACE";
    case Level::debug:
      return "DEBUG";
    case Level::info:
      return "INFO";
    case Level::warn:
      return "WARN";
    case Level::error:
      return "ERROR";
    case Level::off:
      break;
  }
  return "OFF";
}

char lower_ascii(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view lower) noexcept {
  if (a.size() != lower.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower_ascii(a[i]) != lower[i]) return false;
  }
  return true;
}

// UTC, milliseconds: 2026-11-21T19:55:00.123Z.
void append_timestamp(std::string& out, std::chrono::system_clock::time_point time) {
  using namespace std::chrono;
  const auto ms = floor<milliseconds>(time);
  const auto day = floor<days>(ms);
  const year_month_day ymd{day};
  const hh_mm_ss hms{ms - day};
  fmt::format_to(std::back_inserter(out), "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
                 static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                 static_cast<unsigned>(ymd.day()), hms.hours().count(), hms.minutes().count(),
                 hms.seconds().count(), hms.subseconds().count());
}

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      const auto step = util::utf8_step(s, i);
      if (const auto len = step.length) {
        out.append(s.substr(i, len));
        i += len;
      } else {
        out += util::kReplacementChar;
        i += step.invalid;
      }
      continue;
    }
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          fmt::format_to(std::back_inserter(out), "\\u{:04x}", c);
        } else {
          out += static_cast<char>(c);
        }
    }
    ++i;
  }
  out += '"';
}

// Keeps one entry on one line and terminal escapes out of the terminal; tabs stay.
void append_text(std::string& out, std::string_view s) {
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if ((c < 0x20 && c != '\t') || c == 0x7f) {
      fmt::format_to(std::back_inserter(out), "\\x{:02x}", c);
    } else {
      out += ch;
    }
  }
}

struct LineStore {
  mutable std::mutex mutex;
  std::vector<std::string> lines;
};

class LineSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit LineSink(std::shared_ptr<LineStore> store) : store_(std::move(store)) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    const std::lock_guard lock(store_->mutex);
    store_->lines.emplace_back(msg.payload.data(), msg.payload.size());
  }
  void flush_() override {}

 private:
  std::shared_ptr<LineStore> store_;
};

}  // namespace

std::optional<Level> parse_level(std::string_view name) {
  static constexpr std::array<std::pair<std::string_view, Level>, 7> kNames = {{
      {"trace", Level::trace},
      {"debug", Level::debug},
      {"info", Level::info},
      {"warn", Level::warn},
      {"warning", Level::warn},
      {"error", Level::error},
      {"off", Level::off},
  }};
  for (const auto& [n, level] : kNames) {
    if (iequals(name, n)) return level;
  }
  return std::nullopt;
}

std::optional<Format> parse_format(std::string_view name) {
  if (iequals(name, "text")) return Format::text;
  if (iequals(name, "json")) return Format::json;
  return std::nullopt;
}

std::string_view to_string(Level level) noexcept {
  switch (level) {
    case Level::trace:
      return "trace";
    case Level::debug:
      return "debug";
    case Level::info:
      return "info";
    case Level::warn:
      return "warn";
    case Level::error:
      return "error";
    case Level::off:
      break;
  }
  return "off";
}

std::string_view to_string(Format format) noexcept { return format == Format::json ? "json" : "text"; }

void init(const Options& options) {
  set_level(options.level);
  set_format(options.format);
}

void set_level(Level level) noexcept { state().level.store(level, std::memory_order_relaxed); }
Level level() noexcept { return state().level.load(std::memory_order_relaxed); }
void set_format(Format format) noexcept { state().format.store(format, std::memory_order_relaxed); }
Format format() noexcept { return state().format.load(std::memory_order_relaxed); }

bool enabled(Level level) noexcept {
  return level != Level::off && level >= state().level.load(std::memory_order_relaxed);
}

std::string format_line(Format format, std::chrono::system_clock::time_point time, Level level,
                        std::string_view component, std::string_view message) {
  std::string line;
  line.reserve(message.size() + component.size() + 64);
  if (format == Format::json) {
    line += "{\"ts\":\"";
    append_timestamp(line, time);
    line += "\",\"level\":\"";
    line += to_string(level);
    line += "\",\"component\":";
    append_json_string(line, component);
    line += ",\"msg\":";
    append_json_string(line, message);
    line += '}';
    return line;
  }
  append_timestamp(line, time);
  fmt::format_to(std::back_inserter(line), " {:<5} [", upper_name(level));
  append_text(line, component);
  line += "] ";
  append_text(line, message);
  return line;
}

void write(Level level, std::string_view component, std::string_view message) noexcept {
  if (!enabled(level)) return;
  try {
    const auto redacted = util::SecretRegistry::instance().redact(message);
    const auto line = format_line(format(), std::chrono::system_clock::now(), level, component, redacted);
    destination()->log(to_spdlog(level), spdlog::string_view_t(line.data(), line.size()));
  } catch (...) {
    // Logging must not take the caller down; spdlog reports its own sink errors.
  }
}

void detail::vwrite(Level level, std::string_view component, fmt::string_view format,
                    fmt::format_args args) noexcept {
  std::string message;
  try {
    message = fmt::vformat(format, args);
  } catch (const std::exception& e) {
    // Only a custom formatter can fail here (the format string is checked at compile time).
    message = fmt::format("(log message could not be formatted: {}) {}", e.what(),
                          std::string_view(format.data(), format.size()));
  } catch (...) {
    return;
  }
  write(level, component, message);
}

struct CaptureSink::Impl {
  std::shared_ptr<LineStore> store = std::make_shared<LineStore>();
  std::shared_ptr<spdlog::logger> logger;
  std::shared_ptr<spdlog::logger> previous;
};

CaptureSink::CaptureSink() : impl_(std::make_unique<Impl>()) {
  impl_->logger = std::make_shared<spdlog::logger>("capture", std::make_shared<LineSink>(impl_->store));
  impl_->logger->set_level(spdlog::level::trace);
  auto& s = state();
  const std::lock_guard lock(s.mutex);
  impl_->previous = std::exchange(s.capture, impl_->logger);
}

CaptureSink::~CaptureSink() {
  auto& s = state();
  const std::lock_guard lock(s.mutex);
  s.capture = std::move(impl_->previous);
}

std::vector<std::string> CaptureSink::lines() const {
  const std::lock_guard lock(impl_->store->mutex);
  return impl_->store->lines;
}

void CaptureSink::clear() {
  const std::lock_guard lock(impl_->store->mutex);
  impl_->store->lines.clear();
}

}  // namespace mmclaw::log

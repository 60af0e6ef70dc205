#include "util/log.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "util/redact.hpp"

namespace {

// Counts how often it is formatted, to show that disabled levels do not format.
struct Counted {
  int* calls;
};

// Fails when formatted, as a broken custom formatter would.
struct Throwing {};

}  // namespace

template <>
struct fmt::formatter<Counted> : fmt::formatter<std::string_view> {
  auto format(const Counted& c, fmt::format_context& ctx) const {
    ++*c.calls;
    return fmt::formatter<std::string_view>::format("counted", ctx);
  }
};

template <>
struct fmt::formatter<Throwing> : fmt::formatter<std::string_view> {
  auto format(const Throwing&, fmt::format_context& ctx) const -> decltype(ctx.out()) {
    throw std::runtime_error("no format for you");
  }
};

namespace mmclaw::log {
namespace {

using namespace std::chrono;

const system_clock::time_point kTime = sys_days{2026y / 11 / 21} + 19h + 55min + 0s + 123ms;

// Every test starts from the defaults and leaves them behind.
class Log : public ::testing::Test {
 protected:
  void SetUp() override { init({}); }
  void TearDown() override { init({}); }
};

// Text lines start with a 24-character timestamp; the rest is exact.
std::string without_timestamp(const std::string& line) {
  EXPECT_GE(line.size(), 24U);
  EXPECT_EQ(line[10], 'T');
  EXPECT_EQ(line[23], 'Z');
  return line.substr(24);
}

// JSON lines: {"ts":"<24 characters>"...
std::string json_without_timestamp(const std::string& line) {
  EXPECT_EQ(line.substr(0, 7), R"({"ts":")");
  EXPECT_GE(line.size(), 31U);
  return line.substr(31);
}

TEST(LogNames, ParseLevel) {
  EXPECT_EQ(parse_level("trace"), Level::trace);
  EXPECT_EQ(parse_level("DEBUG"), Level::debug);
  EXPECT_EQ(parse_level("Info"), Level::info);
  EXPECT_EQ(parse_level("warn"), Level::warn);
  EXPECT_EQ(parse_level("WARNING"), Level::warn);
  EXPECT_EQ(parse_level("error"), Level::error);
  EXPECT_EQ(parse_level("off"), Level::off);
  EXPECT_EQ(parse_level("verbose"), std::nullopt);
  EXPECT_EQ(parse_level(""), std::nullopt);
  EXPECT_EQ(parse_level("info "), std::nullopt);
}

TEST(LogNames, ParseFormatAndNames) {
  EXPECT_EQ(parse_format("text"), Format::text);
  EXPECT_EQ(parse_format("JSON"), Format::json);
  EXPECT_EQ(parse_format("yaml"), std::nullopt);
  EXPECT_EQ(to_string(Level::warn), "warn");
  EXPECT_EQ(to_string(Level::off), "off");
  EXPECT_EQ(to_string(Format::json), "json");
}

TEST(LogFormat, TextLine) {
  EXPECT_EQ(format_line(Format::text, kTime, Level::info, "monitor", "connected as @bot"),
            "2026-11-21T19:55:00.123Z INFO  [monitor] connected as @bot");
  EXPECT_EQ(format_line(Format::text, kTime, Level::error, "api", "x"),
            "2026-11-21T19:55:00.123Z ERROR [api] x");
  EXPECT_EQ(format_line(Format::text, kTime, Level::trace, "a", "x"), "2026-11-21T19:55:00.123Z TRACE [a] x");
  EXPECT_EQ(format_line(Format::text, kTime, Level::warn, "a", "x"), "2026-11-21T19:55:00.123Z WARN  [a] x");
}

TEST(LogFormat, TextLineKeepsOneEntryOnOneLine) {
  EXPECT_EQ(format_line(Format::text, kTime, Level::debug, "a\nb", "l1\nl2\r\tx\x1b[31m\x7f é\xff"),
            "2026-11-21T19:55:00.123Z DEBUG [a\\nb] l1\\nl2\\r\tx\\x1b[31m\\x7f é\xff");
}

TEST(LogFormat, TimestampIsUtcWithMilliseconds) {
  const auto early = sys_days{1970y / 1 / 1} + 5ms;
  EXPECT_EQ(format_line(Format::text, early, Level::info, "c", "m"), "1970-01-01T00:00:00.005Z INFO  [c] m");
  const auto late = sys_days{2030y / 12 / 31} + 23h + 59min + 59s + 999ms + 999us;
  EXPECT_EQ(format_line(Format::text, late, Level::info, "c", "m"), "2030-12-31T23:59:59.999Z INFO  [c] m");
}

TEST(LogFormat, JsonLine) {
  EXPECT_EQ(
      format_line(Format::json, kTime, Level::info, "monitor", "connected as @bot"),
      R"({"ts":"2026-11-21T19:55:00.123Z","level":"info","component":"monitor","msg":"connected as @bot"})");
  EXPECT_EQ(format_line(Format::json, kTime, Level::warn, "", ""),
            R"({"ts":"2026-11-21T19:55:00.123Z","level":"warn","component":"","msg":""})");
}

TEST(LogFormat, JsonEscaping) {
  const std::string msg = std::string("q\"b\\s/\n\r\t\b\f\x01\x1f\x7f") + '\0' + "é€😀";
  EXPECT_EQ(format_line(Format::json, kTime, Level::error, "c\"", msg),
            R"({"ts":"2026-11-21T19:55:00.123Z","level":"error","component":"c\"","msg":)"
            R"("q\"b\\s/\n\r\t\b\f\u0001\u001f)"
            "\x7f"
            R"(\u0000é€😀"})");
}

TEST(LogFormat, JsonReplacesInvalidUtf8) {
  const auto msg_of = [](std::string_view msg) {
    const auto line = format_line(Format::json, kTime, Level::info, "c", msg);
    const auto prefix =
        std::string(R"({"ts":"2026-11-21T19:55:00.123Z","level":"info","component":"c","msg":")");
    EXPECT_EQ(line.substr(0, prefix.size()), prefix);
    return line.substr(prefix.size(), line.size() - prefix.size() - 2);
  };
  const std::string r = "\xef\xbf\xbd";
  EXPECT_EQ(msg_of("a\xff"
                   "b"),
            "a" + r + "b");
  EXPECT_EQ(msg_of("\xc3("), r + "(");                        // missing continuation
  EXPECT_EQ(msg_of("x\xe2\x82"), "x" + r);                    // truncated at the end: one U+FFFD
  EXPECT_EQ(msg_of("\xc0\xaf"), r + r);                       // overlong
  EXPECT_EQ(msg_of("\xed\xa0\x80"), r + r + r);               // surrogate
  EXPECT_EQ(msg_of("\xf4\x90\x80\x80"), r + r + r + r);       // above U+10FFFF
  EXPECT_EQ(msg_of("\xf0\x9f\x98"), r);                       // truncated 4-byte sequence
  EXPECT_EQ(msg_of("\xf4\x8f\xbf\xbf"), "\xf4\x8f\xbf\xbf");  // U+10FFFF is valid
}

TEST_F(Log, CaptureSinkCollectsTextLines) {
  CaptureSink capture;
  info("monitor", "connected as @{} after {} tries", "bot", 3);
  write(Level::warn, "api", "plain {} braces");
  const auto lines = capture.lines();
  ASSERT_EQ(lines.size(), 2U);
  EXPECT_EQ(without_timestamp(lines[0]), " INFO  [monitor] connected as @bot after 3 tries");
  EXPECT_EQ(without_timestamp(lines[1]), " WARN  [api] plain {} braces");
  capture.clear();
  EXPECT_TRUE(capture.lines().empty());
}

TEST_F(Log, CaptureSinkCollectsJsonLines) {
  init({Level::debug, Format::json});
  CaptureSink capture;
  debug("gating", "dropped post {} ({})", "p1", "not_mentioned");
  const auto lines = capture.lines();
  ASSERT_EQ(lines.size(), 1U);
  EXPECT_EQ(json_without_timestamp(lines[0]),
            R"x(","level":"debug","component":"gating","msg":"dropped post p1 (not_mentioned)"})x");
}

TEST_F(Log, LevelsFilter) {
  init({Level::warn, Format::text});
  EXPECT_FALSE(enabled(Level::info));
  EXPECT_TRUE(enabled(Level::warn));
  EXPECT_TRUE(enabled(Level::error));
  EXPECT_FALSE(enabled(Level::off));
  CaptureSink capture;
  trace("c", "t");
  debug("c", "d");
  info("c", "i");
  warn("c", "w");
  error("c", "e");
  write(Level::off, "c", "never");
  const auto lines = capture.lines();
  ASSERT_EQ(lines.size(), 2U);
  EXPECT_EQ(without_timestamp(lines[0]), " WARN  [c] w");
  EXPECT_EQ(without_timestamp(lines[1]), " ERROR [c] e");

  set_level(Level::off);
  EXPECT_EQ(level(), Level::off);
  error("c", "silenced");
  EXPECT_EQ(capture.lines().size(), 2U);
}

TEST_F(Log, DisabledLevelsDoNotFormat) {
  int calls = 0;
  CaptureSink capture;
  set_level(Level::info);
  debug("c", "value {}", Counted{&calls});
  EXPECT_EQ(calls, 0);
  info("c", "value {}", Counted{&calls});
  EXPECT_EQ(calls, 1);
  ASSERT_EQ(capture.lines().size(), 1U);
  EXPECT_EQ(without_timestamp(capture.lines()[0]), " INFO  [c] value counted");
}

TEST_F(Log, RedactsARegisteredSecretInBothFormats) {
  util::SecretRegistry::instance().add("tok-registered-4f9a8b7c");
  for (const auto fmt_kind : {Format::text, Format::json}) {
    set_format(fmt_kind);
    CaptureSink capture;
    info("api", "using {} for {}", "tok-registered-4f9a8b7c", "bot");
    write(Level::warn, "http", "sent Authorization: Bearer x to the server");
    const auto lines = capture.lines();
    ASSERT_EQ(lines.size(), 2U);
    if (fmt_kind == Format::text) {
      EXPECT_EQ(without_timestamp(lines[0]), " INFO  [api] using *** for bot");
      EXPECT_EQ(without_timestamp(lines[1]), " WARN  [http] sent Authorization: Bearer *** to the server");
    } else {
      EXPECT_EQ(json_without_timestamp(lines[0]),
                R"(","level":"info","component":"api","msg":"using *** for bot"})");
      EXPECT_EQ(
          json_without_timestamp(lines[1]),
          R"(","level":"warn","component":"http","msg":"sent Authorization: Bearer *** to the server"})");
    }
  }
}

TEST_F(Log, RedactsBeforeJsonEscaping) {
  // A secret containing a quote must match the raw message, not its escaped form.
  util::SecretRegistry::instance().add("quo\"ted-secret");
  set_format(Format::json);
  CaptureSink capture;
  info("c", "k={}", "quo\"ted-secret");
  ASSERT_EQ(capture.lines().size(), 1U);
  EXPECT_EQ(json_without_timestamp(capture.lines()[0]), R"(","level":"info","component":"c","msg":"k=***"})");
}

TEST_F(Log, FailingFormatterStillLogsSomething) {
  CaptureSink capture;
  error("c", "value {}", Throwing{});
  ASSERT_EQ(capture.lines().size(), 1U);
  EXPECT_EQ(without_timestamp(capture.lines()[0]),
            " ERROR [c] (log message could not be formatted: no format for you) value {}");
}

TEST_F(Log, NestedCaptureSinks) {
  CaptureSink outer;
  info("c", "one");
  {
    CaptureSink inner;
    info("c", "two");
    ASSERT_EQ(inner.lines().size(), 1U);
    EXPECT_EQ(without_timestamp(inner.lines()[0]), " INFO  [c] two");
  }
  info("c", "three");
  const auto lines = outer.lines();
  ASSERT_EQ(lines.size(), 2U);
  EXPECT_EQ(without_timestamp(lines[0]), " INFO  [c] one");
  EXPECT_EQ(without_timestamp(lines[1]), " INFO  [c] three");
}

TEST_F(Log, ManyThreadsProduceWholeLines) {
  CaptureSink capture;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t] {
      for (int i = 0; i < 100; ++i) info("worker", "thread {} line {}", t, i);
    });
  }
  for (auto& thread : threads) thread.join();
  std::vector<std::string> got;
  for (const auto& line : capture.lines()) got.push_back(without_timestamp(line));
  std::vector<std::string> expected;
  for (int t = 0; t < 4; ++t) {
    for (int i = 0; i < 100; ++i) expected.push_back(fmt::format(" INFO  [worker] thread {} line {}", t, i));
  }
  std::ranges::sort(got);
  std::ranges::sort(expected);
  EXPECT_EQ(got, expected);
}

}  // namespace
}  // namespace mmclaw::log

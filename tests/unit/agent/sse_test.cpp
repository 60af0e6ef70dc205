#include "agent/sse.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace mmclaw::agent {

static void PrintTo(const SseEvent& e, std::ostream* os) {
  *os << "SseEvent{" << e.type << ", \"" << e.data << "\", id " << e.last_event_id << "}";
}
static void PrintTo(const SseEnd& e, std::ostream* os) {
  *os << "SseEnd{mid_event " << e.mid_event << ", failed " << e.failed << "}";
}

namespace {

SseEvent ev(std::string data, std::string type = "message", std::string id = "") {
  return SseEvent{std::move(type), std::move(data), std::move(id)};
}

std::vector<SseEvent> parse_whole(std::string_view stream, SseLimits limits = {}) {
  SseParser parser(limits);
  auto events = parser.feed(stream);
  parser.finish();
  return events;
}

std::vector<SseEvent> parse_in_pieces(std::string_view stream, const std::vector<std::size_t>& sizes) {
  SseParser parser;
  std::vector<SseEvent> events;
  std::size_t pos = 0;
  std::size_t i = 0;
  while (pos < stream.size()) {
    const std::size_t n = sizes.empty() ? 1 : sizes[i++ % sizes.size()];
    for (auto& e : parser.feed(stream.substr(pos, n))) events.push_back(std::move(e));
    pos += n;
  }
  return events;
}

// A small deterministic generator: the same chunking on every platform.
struct Lcg {
  std::uint64_t state;
  std::size_t next(std::size_t bound) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<std::size_t>((state >> 33) % bound);
  }
};

// A stream with every feature, its lines ended by `eol`.
std::string sample_stream(std::string_view eol) {
  std::string s;
  const auto line = [&](std::string_view text) {
    s += text;
    s += eol;
  };
  line(": keep-alive comment");
  line("data: {\"a\":1}");
  line("");
  line("event: content_block_delta");
  line("id: 7");
  line("data: first");
  line("data:second");
  line("data:  third");
  line("");
  line("retry: 1500");
  line("data: caf\xC3\xA9 \xF0\x9F\x98\x80");  // é and an emoji: split points fall inside them
  line("");
  line("event: only-type");
  line("");
  line("data: [DONE]");
  line("");
  return s;
}

std::vector<SseEvent> sample_events() {
  return {ev("{\"a\":1}"), ev("first\nsecond\n third", "content_block_delta", "7"),
          ev("caf\xC3\xA9 \xF0\x9F\x98\x80", "message", "7"), ev("[DONE]", "message", "7")};
}

TEST(SseParser, ParsesEveryFeatureWithEachLineEnding) {
  for (const std::string_view eol : {"\n", "\r", "\r\n"}) {
    SCOPED_TRACE(testing::Message() << "eol size " << eol.size() << " first " << int(eol[0]));
    SseParser parser;
    EXPECT_EQ(parser.feed(sample_stream(eol)), sample_events());
    EXPECT_EQ(parser.retry_ms(), 1500u);
    EXPECT_EQ(parser.last_event_id(), "7");
    EXPECT_EQ(parser.finish(), (SseEnd{false, false}));
  }
}

TEST(SseParser, MixedLineEndingsInOneStream) {
  const std::string stream = "data: a\r\ndata: b\rdata: c\n\r\ndata: d\r\r";
  EXPECT_EQ(parse_whole(stream), (std::vector<SseEvent>{ev("a\nb\nc"), ev("d")}));
}

TEST(SseParser, SameEventsForEverySplitPosition) {
  for (const std::string_view eol : {"\n", "\r", "\r\n"}) {
    const std::string stream = sample_stream(eol);
    for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
      SseParser parser;
      auto events = parser.feed(std::string_view(stream).substr(0, cut));
      for (auto& e : parser.feed(std::string_view(stream).substr(cut))) events.push_back(std::move(e));
      ASSERT_EQ(events, sample_events()) << "cut at " << cut << " eol size " << eol.size();
      EXPECT_FALSE(parser.finish().mid_event);
    }
  }
}

TEST(SseParser, SameEventsFedByteByByte) {
  for (const std::string_view eol : {"\n", "\r", "\r\n"}) {
    EXPECT_EQ(parse_in_pieces(sample_stream(eol), {1}), sample_events());
  }
}

TEST(SseParser, SameEventsInRandomChunks) {
  Lcg rng{42};
  for (const std::string_view eol : {"\n", "\r", "\r\n"}) {
    const std::string stream = sample_stream(eol) + sample_stream(eol) + sample_stream(eol);
    auto expected = sample_events();
    auto again = sample_events();
    again[0].last_event_id = "7";  // the id is sticky across the repeats
    expected.insert(expected.end(), again.begin(), again.end());
    expected.insert(expected.end(), again.begin(), again.end());
    for (int round = 0; round < 200; ++round) {
      std::vector<std::size_t> sizes;
      for (int i = 0; i < 16; ++i) sizes.push_back(1 + rng.next(12));
      ASSERT_EQ(parse_in_pieces(stream, sizes), expected) << "round " << round;
    }
  }
}

TEST(SseParser, CrAtTheEndOfAChunkAndLfAtTheStartOfTheNextAreOneLineEnd) {
  SseParser parser;
  EXPECT_TRUE(parser.feed("data: a\r").empty());
  EXPECT_TRUE(parser.feed("\ndata: b\r").empty());
  EXPECT_EQ(parser.feed("\n\r\n"), (std::vector<SseEvent>{ev("a\nb")}));
}

TEST(SseParser, FieldValueRules) {
  struct Case {
    std::string_view stream;
    std::vector<SseEvent> events;
  };
  const std::vector<Case> cases = {
      {"data\n\n", {ev("")}},                // a field name alone: empty value
      {"data:\n\n", {ev("")}},               // empty data is still an event
      {"data:\ndata:\n\n", {ev("\n")}},      // two empty lines joined
      {"data:x\n\n", {ev("x")}},             // no space after the colon
      {"data:  x \n\n", {ev(" x ")}},        // only one leading space is stripped
      {"data: a:b:c\n\n", {ev("a:b:c")}},    // colons in the value stay
      {"DATA: x\n\n", {}},                   // field names are case-sensitive
      {"data : x\n\n", {}},                  // "data " is another field
      {"foo: bar\ndata: x\n\n", {ev("x")}},  // unknown fields are ignored
      {"event: a\nevent: b\ndata: x\n\n", {ev("x", "b")}},
      {"event:\ndata: x\n\n", {ev("x")}},  // an empty type means "message"
      {"event: ping\n\n", {}},             // no data: not dispatched
      {"id: 1\n\n", {}},
      {"\n\n\n", {}},
      {":\n: comment\n:data: x\n\n", {}},  // comments never make events
      {"data: x\n\n\n\n", {ev("x")}},
      {"event: e\n\ndata: x\n\n", {ev("x")}},  // the type is reset even when nothing dispatches
  };
  for (const auto& c : cases) {
    EXPECT_EQ(parse_whole(c.stream), c.events) << c.stream;
  }
}

TEST(SseParser, TheEventIdIsStickyAndSetEvenWithoutData) {
  SseParser parser;
  auto events = parser.feed("id: 1\ndata: a\n\ndata: b\n\nid: 2\n\ndata: c\n\nid\ndata: d\n\n");
  EXPECT_EQ(events, (std::vector<SseEvent>{ev("a", "message", "1"), ev("b", "message", "1"),
                                           ev("c", "message", "2"), ev("d", "message", "")}));
  EXPECT_EQ(parser.last_event_id(), "");
}

TEST(SseParser, AnIdWithNulIsIgnored) {
  using namespace std::string_literals;
  EXPECT_EQ(parse_whole("id: 5\ndata: a\n\nid: x\0y\ndata: b\n\n"s),
            (std::vector<SseEvent>{ev("a", "message", "5"), ev("b", "message", "5")}));
}

TEST(SseParser, RetryTakesDigitsOnly) {
  SseParser parser;
  parser.feed("retry: 100\n\n");
  EXPECT_EQ(parser.retry_ms(), 100u);
  parser.feed("retry: 1.5\nretry: -3\nretry: 10s\nretry:\n\n");
  EXPECT_EQ(parser.retry_ms(), 100u);
  parser.feed("retry: 99999999999999999999999\n\n");
  EXPECT_EQ(parser.retry_ms(), UINT64_MAX);
}

TEST(SseParser, ALeadingBomIsSkippedEvenWhenSplit) {
  const std::string stream =
      "\xEF\xBB\xBF"
      "data: x\n\n";
  EXPECT_EQ(parse_whole(stream), (std::vector<SseEvent>{ev("x")}));
  EXPECT_EQ(parse_in_pieces(stream, {1}), (std::vector<SseEvent>{ev("x")}));
  EXPECT_EQ(parse_in_pieces(stream, {2}), (std::vector<SseEvent>{ev("x")}));
}

TEST(SseParser, OnlyTheFirstBomIsSkipped) {
  // A second BOM makes the first field name "\uFEFFdata", which is not "data".
  EXPECT_TRUE(parse_whole("\xEF\xBB\xBF\xEF\xBB\xBF"
                          "data: x\n\n")
                  .empty());
  EXPECT_EQ(parse_whole("data: \xEF\xBB\xBFx\n\n"), (std::vector<SseEvent>{ev("\xEF\xBB\xBFx")}));
}

TEST(SseParser, APartialBomFollowedByTextIsText) {
  SseParser parser;
  EXPECT_TRUE(parser.feed("\xEF\xBB").empty());
  // "\xEF\xBB" + "data" is a field named "\uFFFDdata" after decoding: ignored, as a browser would.
  EXPECT_TRUE(parser.feed("data: x\n\n").empty());
  EXPECT_EQ(parser.feed("data: y\n\n"), (std::vector<SseEvent>{ev("y")}));
}

TEST(SseParser, InvalidUtf8BecomesReplacementCharacters) {
  const std::string fffd = "\xEF\xBF\xBD";
  struct Case {
    std::string in;
    std::string out;
  };
  const std::vector<Case> cases = {
      {"a\xFFz", "a" + fffd + "z"},
      {"\xC3", fffd},                                   // a truncated sequence
      {"\xE2\x82z", fffd + "z"},                        // a maximal subpart is one replacement
      {"\xED\xA0\x80", fffd + fffd + fffd},             // a surrogate is three invalid bytes
      {"\xC0\xAF", fffd + fffd},                        // overlong
      {"\xF4\x90\x80\x80", fffd + fffd + fffd + fffd},  // above U+10FFFF
      {"ok \xE2\x82\xAC", "ok \xE2\x82\xAC"},           // valid text is unchanged
  };
  for (const auto& c : cases) {
    EXPECT_EQ(parse_whole("data: " + c.in + "\n\n"), (std::vector<SseEvent>{ev(c.out)})) << c.in;
  }
}

TEST(SseParser, FinishDropsATrailingEventAndSaysSo) {
  struct Case {
    std::string_view stream;
    bool mid_event;
  };
  const std::vector<Case> cases = {
      {"", false},
      {"data: a\n\n", false},
      {"data: a\n\n: trailing comment\n", false},
      {"data: a\n\ndata: b\n", true},  // the last blank line never came
      {"data: a\n\ndata: b", true},    // cut inside a line
      {"data: a\n\nevent: x\n", true},
      {"data: a\n\nda", true},
      {"\xEF\xBB", true},
  };
  for (const auto& c : cases) {
    SseParser parser;
    const auto events = parser.feed(c.stream);
    EXPECT_EQ(parser.finish(), (SseEnd{c.mid_event, false})) << c.stream;
    EXPECT_LE(events.size(), 1u);
  }
}

TEST(SseParser, FinishResetsForTheNextStreamButKeepsTheEventId) {
  SseParser parser;
  parser.feed("id: 9\ndata: a\n\ndata: half");
  EXPECT_TRUE(parser.finish().mid_event);
  EXPECT_EQ(parser.feed("\xEF\xBB\xBF"
                        "data: b\n\n"),
            (std::vector<SseEvent>{ev("b", "message", "9")}));
}

TEST(SseParser, ALineLongerThanTheLimitIsAnError) {
  SseParser parser(SseLimits{1024, 16});
  EXPECT_EQ(parser.feed("data: 0123456789\n\n"), (std::vector<SseEvent>{ev("0123456789")}));  // 16 bytes
  EXPECT_TRUE(parser.feed("data: 01234567").empty());
  EXPECT_FALSE(parser.failed());
  EXPECT_TRUE(parser.feed("89X").empty());  // 17 bytes without a line end
  EXPECT_TRUE(parser.failed());
  EXPECT_EQ(parser.error(), "SSE line longer than 16 bytes");
  EXPECT_TRUE(parser.feed("\n\ndata: y\n\n").empty());  // sticky
  EXPECT_EQ(parser.finish(), (SseEnd{false, true}));
}

TEST(SseParser, ALongCommentIsBoundedToo) {
  SseParser parser(SseLimits{1024, 64});
  parser.feed(":" + std::string(100, 'x'));
  EXPECT_TRUE(parser.failed());
}

TEST(SseParser, AnEventLargerThanTheLimitIsAnError) {
  SseParser parser(SseLimits{10, 1024});
  EXPECT_EQ(parser.feed("data: 01234\ndata: 5678\n\n"),
            (std::vector<SseEvent>{ev("01234\n5678")}));  // exactly 10 bytes
  EXPECT_TRUE(parser.feed("data: 01234\ndata: 56789\n\n").empty());
  EXPECT_TRUE(parser.failed());
  EXPECT_EQ(parser.error(), "SSE event larger than 10 bytes");
}

TEST(SseParser, ManyEmptyDataLinesCannotGrowWithoutBound) {
  SseParser parser(SseLimits{100, 1024});
  std::string stream;
  for (int i = 0; i < 200; ++i) stream += "data\n";
  parser.feed(stream);
  EXPECT_TRUE(parser.failed());
}

TEST(SseParser, ParsesWhatLlmsimSendsForOpenAi) {
  const std::string stream =
      "data: {\"id\":\"chatcmpl-llmsim-1\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\","
      "\"content\":\"\"},\"logprobs\":null,\"finish_reason\":null}]}\n\n"
      "data: {\"id\":\"chatcmpl-llmsim-1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"echo: \"},"
      "\"logprobs\":null,\"finish_reason\":null}]}\n\n"
      "data: [DONE]\n\n";
  const auto events = parse_in_pieces(stream, {7, 3, 11});
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[2], ev("[DONE]"));
}

TEST(SseParser, ParsesWhatLlmsimSendsForAnthropic) {
  const std::string stream =
      "event: message_start\ndata: {\"type\":\"message_start\"}\n\n"
      "event: ping\ndata: {\"type\":\"ping\"}\n\n"
      "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
  EXPECT_EQ(parse_in_pieces(stream, {5}),
            (std::vector<SseEvent>{ev("{\"type\":\"message_start\"}", "message_start"),
                                   ev("{\"type\":\"ping\"}", "ping"),
                                   ev("{\"type\":\"message_stop\"}", "message_stop")}));
}

TEST(SseParser, SurvivesRandomBytesWithinItsBounds) {
  Lcg rng{2024};
  static constexpr char kAlphabet[] = "data: event:id:retry:\r\n\n\n:\xEF\xBB\xBF\xC3\xFF\0x";
  const std::string alphabet(kAlphabet, sizeof kAlphabet - 1);
  for (int round = 0; round < 500; ++round) {
    SseParser parser(SseLimits{256, 64});
    for (int piece = 0; piece < 40; ++piece) {
      std::string bytes;
      const std::size_t n = rng.next(32);
      for (std::size_t i = 0; i < n; ++i) bytes += alphabet[rng.next(alphabet.size())];
      for (const auto& e : parser.feed(bytes)) {
        EXPECT_LE(e.data.size(), 256u * 3);  // replacement characters may widen invalid bytes
      }
    }
    parser.finish();
  }
}

TEST(SseParser, LargeEventsFedInSmallPiecesStayLinear) {
  // 2 MiB of data fed 1 KiB at a time: completes quickly and intact.
  std::string payload(2 * 1024 * 1024, 'a');
  const std::string stream = "data: " + payload + "\n\n";
  SseParser parser;
  std::vector<SseEvent> events;
  for (std::size_t pos = 0; pos < stream.size(); pos += 1024) {
    for (auto& e : parser.feed(std::string_view(stream).substr(pos, 1024))) events.push_back(std::move(e));
  }
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data.size(), payload.size());
}

}  // namespace
}  // namespace mmclaw::agent

// The reply stream's state machine (gateway/reply_stream, channel-behaviour §6 and §5.6): scripted
// delta sequences, clocks and server answers in, Mattermost actions out.
#include "gateway/reply_stream.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <map>
#include <ostream>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "util/utf8.hpp"

namespace mmclaw::gateway {

// gtest prints actions readably (found by argument-dependent lookup).
inline void PrintTo(const StreamAction& a, std::ostream* os) {
  static constexpr const char* kKinds[] = {"create", "patch", "remove"};
  *os << kKinds[static_cast<int>(a.kind)] << "(#" << a.handle;
  if (!a.post_id.empty()) *os << " id=" << a.post_id;
  if (a.kind != StreamAction::Kind::remove) *os << " \"" << a.message << '"';
  if (a.final) *os << " final";
  if (a.first_of_reply) *os << " first";
  *os << ')';
}

namespace {

using config::StreamingMode;
using Kind = StreamAction::Kind;
using Status = ActionResult::Status;
using Actions = std::vector<StreamAction>;

const std::string kTool = "\U0001F6E0\uFE0F";  // the tool line's icon
const std::string kThinking = "Thinking\u2026";

StreamClock t(std::int64_t ms) {
  return StreamClock{ms};
}

// Splits every `n` code points: a simple stand-in for mattermost::chunk_text.
std::vector<std::string> split_every(std::string_view text, std::size_t n) {
  std::vector<std::string> chunks;
  std::string current;
  std::size_t chars = 0;
  for (std::size_t i = 0; i < text.size();) {
    const auto step = util::utf8_step(text, i);
    const std::size_t len = step.length > 0 ? step.length : std::max<std::size_t>(step.invalid, 1);
    current.append(text.substr(i, len));
    i += len;
    if (++chars == n) {
      chunks.push_back(std::move(current));
      current.clear();
      chars = 0;
    }
  }
  if (!current.empty()) chunks.push_back(std::move(current));
  return chunks;
}

ReplyStreamOptions options(StreamingMode mode, std::size_t chunk_chars = 4000) {
  ReplyStreamOptions o;
  o.mode = mode;
  o.chunk = [chunk_chars](std::string_view text) { return split_every(text, chunk_chars); };
  return o;
}

agent::Delta text(std::string s) {
  return agent::TextDelta{std::move(s)};
}
agent::Delta reasoning(std::string s) {
  return agent::ReasoningDelta{std::move(s)};
}
agent::Delta tool(std::string id, std::string name) {
  agent::ToolActivity a;
  a.id = std::move(id);
  a.name = std::move(name);
  return a;
}

FinalReply answer(std::string s) {
  FinalReply r;
  r.text = std::move(s);
  return r;
}
FinalReply error_reply(std::string s) {
  FinalReply r = answer(std::move(s));
  r.is_error = true;
  return r;
}

std::string id_of(std::uint32_t handle) {
  return "p" + std::to_string(handle);
}

ActionResult result(Status status, std::string post_id = {}) {
  ActionResult r;
  r.status = status;
  r.post_id = std::move(post_id);
  r.error = status == Status::ok ? "" : "boom";
  return r;
}
ActionResult ok_for(const StreamAction& a) {
  return a.kind == Kind::create ? result(Status::ok, id_of(a.handle)) : result(Status::ok);
}

StreamAction create(std::uint32_t handle, std::string message, bool final = false, bool first = false) {
  StreamAction a;
  a.kind = Kind::create;
  a.handle = handle;
  a.message = std::move(message);
  a.final = final;
  a.first_of_reply = first;
  return a;
}
StreamAction patch(std::uint32_t handle, std::string message, bool final = false, bool first = false) {
  StreamAction a = create(handle, std::move(message), final, first);
  a.kind = Kind::patch;
  a.post_id = id_of(handle);
  return a;
}
StreamAction remove(std::uint32_t handle) {
  StreamAction a;
  a.kind = Kind::remove;
  a.handle = handle;
  a.post_id = id_of(handle);
  return a;
}

// Runs every action due at `now`, each answered ok; returns them in order.
Actions run(ReplyStream& s, StreamClock now) {
  Actions out;
  while (auto a = s.next(now)) {
    out.push_back(*a);
    s.done(ok_for(*a), now);
  }
  return out;
}

// --- partial: the draft and its throttle ---------------------------------------------------------

TEST(ReplyStreamPartial, FirstUpdateIsACreateSentAtOnce) {
  ReplyStream s(options(StreamingMode::partial));
  s.on_delta(text("Hel"), t(0));
  const auto a = s.next(t(0));
  ASSERT_TRUE(a);
  EXPECT_EQ(*a, create(1, "Hel"));
  EXPECT_TRUE(s.in_flight());
  EXPECT_FALSE(s.next(t(0)));  // one action out at a time
  EXPECT_FALSE(s.wake_at());
  s.done(ok_for(*a), t(10));
  EXPECT_FALSE(s.in_flight());
  EXPECT_EQ(s.outcome().preview_updates, 1u);
}

TEST(ReplyStreamPartial, LaterUpdatesWaitForTheThrottle) {
  ReplyStream s(options(StreamingMode::partial));
  s.on_delta(text("Hel"), t(0));
  EXPECT_EQ(run(s, t(0)), (Actions{create(1, "Hel")}));
  EXPECT_FALSE(s.wake_at());
  s.on_delta(text("lo"), t(100));
  EXPECT_EQ(run(s, t(100)), Actions{});
  EXPECT_EQ(s.wake_at(), t(1200));
  EXPECT_EQ(run(s, t(1199)), Actions{});
  EXPECT_EQ(run(s, t(1200)), (Actions{patch(1, "Hello")}));
  s.on_delta(text(" world"), t(1300));
  EXPECT_EQ(s.wake_at(), t(2400));
  EXPECT_EQ(run(s, t(2400)), (Actions{patch(1, "Hello world")}));
  EXPECT_EQ(s.outcome().preview_updates, 3u);
}

TEST(ReplyStreamPartial, ThrottleIsClampedTo250ms) {
  auto o = options(StreamingMode::partial);
  o.throttle = std::chrono::milliseconds(10);
  ReplyStream s(std::move(o));
  s.on_delta(text("a"), t(0));
  run(s, t(0));
  s.on_delta(text("b"), t(5));
  EXPECT_EQ(s.wake_at(), t(250));
  EXPECT_EQ(run(s, t(249)), Actions{});
  EXPECT_EQ(run(s, t(250)), (Actions{patch(1, "ab")}));
}

TEST(ReplyStreamPartial, CustomThrottleAboveTheMinimumIsKept) {
  auto o = options(StreamingMode::partial);
  o.throttle = std::chrono::milliseconds(400);
  ReplyStream s(std::move(o));
  s.on_delta(text("a"), t(1000));
  run(s, t(1000));
  s.on_delta(text("b"), t(1001));
  EXPECT_EQ(s.wake_at(), t(1400));
}

TEST(ReplyStreamPartial, WakeAtIsNothingWhileInFlightOrWithNothingPending) {
  ReplyStream s(options(StreamingMode::partial));
  EXPECT_FALSE(s.wake_at());
  s.on_delta(text("a"), t(0));
  EXPECT_EQ(s.wake_at(), t(0));  // due at once
  const auto a = s.next(t(0));
  ASSERT_TRUE(a);
  s.on_delta(text("b"), t(10));
  EXPECT_FALSE(s.wake_at());  // in flight
  s.done(ok_for(*a), t(20));
  EXPECT_EQ(s.wake_at(), t(1200));
}

TEST(ReplyStreamPartial, BlankUpdatesAreNotSent) {
  ReplyStream s(options(StreamingMode::partial));
  s.on_delta(text("  \n\t "), t(0));
  EXPECT_EQ(run(s, t(0)), Actions{});
  EXPECT_FALSE(s.wake_at());
  s.close(t(1));
  EXPECT_TRUE(s.finished());
}

TEST(ReplyStreamPartial, IdenticalUpdatesAreNotSent) {
  ReplyStream s(options(StreamingMode::partial));
  s.on_delta(text("Hello"), t(0));
  run(s, t(0));
  s.on_delta(text("  \n"), t(100));  // trimmed: the same text
  EXPECT_FALSE(s.wake_at());
  EXPECT_EQ(run(s, t(5000)), Actions{});
}

TEST(ReplyStreamPartial, ShorterPrefixUpdatesAreNotSent) {
  ReplyStream s(options(StreamingMode::partial));
  s.on_delta(text("Hello world"), t(0));
  run(s, t(0));
  s.end_message(t(100));  // the next message's text replaces the preview's...
  s.on_delta(text("Hello"), t(200));
  EXPECT_EQ(run(s, t(5000)), Actions{});  // ...but not while it is a shorter prefix of it
  s.on_delta(text(" there"), t(5100));
  EXPECT_EQ(run(s, t(5100)), (Actions{patch(1, "Hello there")}));
}

TEST(ReplyStreamPartial, LongPreviewIsCutTo3997CharactersAndDots) {
  ReplyStream s(options(StreamingMode::partial, 8000));
  s.on_delta(text(std::string(5000, 'a')), t(0));
  const auto actions = run(s, t(0));
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_EQ(actions[0].message, std::string(3997, 'a') + "...");
  s.on_delta(text("bbb"), t(100));  // beyond the cut: the preview would not change
  EXPECT_FALSE(s.wake_at());
}

TEST(ReplyStreamPartial, PreviewExactlyAtTheLimitIsNotCut) {
  auto o = options(StreamingMode::partial);
  o.preview_max_chars = 10;
  ReplyStream s(std::move(o));
  s.on_delta(text("0123456789"), t(0));
  EXPECT_EQ(run(s, t(0)), (Actions{create(1, "0123456789")}));
}

TEST(ReplyStreamPartial, PreviewCutCountsCharactersAndNeverSplitsOne) {
  struct Case {
    std::string text;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"日本語のテキストです。長い", "日本語のテキス..."},
      {"😀😀😀😀😀😀😀😀😀😀😀😀", "😀😀😀😀😀😀😀..."},
      {"ab日本😀cdefghijk", "ab日本😀cd..."},
  };
  for (const auto& c : cases) {
    auto o = options(StreamingMode::partial);
    o.preview_max_chars = 10;
    ReplyStream s(std::move(o));
    s.on_delta(text(c.text), t(0));
    const auto actions = run(s, t(0));
    ASSERT_EQ(actions.size(), 1u) << c.text;
    EXPECT_EQ(actions[0].message, c.expected);
    EXPECT_EQ(util::find_invalid_utf8(actions[0].message), std::string_view::npos);
  }
}

TEST(ReplyStreamPartial, ThinkingWhileOnlyReasoningThenTheText) {
  ReplyStream s(options(StreamingMode::partial));
  s.on_delta(reasoning("The user asks"), t(0));
  EXPECT_EQ(run(s, t(0)), (Actions{create(1, kThinking)}));
  s.on_delta(reasoning(" about the weather"), t(100));
  EXPECT_FALSE(s.wake_at());  // still `Thinking…`
  s.on_delta(text("It is sunny"), t(200));
  EXPECT_EQ(run(s, t(1200)), (Actions{patch(1, "It is sunny")}));
  s.on_delta(reasoning("more"), t(1300));  // reasoning after text: the text stays
  EXPECT_FALSE(s.wake_at());
}

TEST(ReplyStreamPartial, ToolLinesAppearBelowTheText) {
  ReplyStream s(options(StreamingMode::partial));
  s.on_delta(text("Let me check."), t(0));
  s.on_delta(tool("c1", "web_search"), t(0));
  EXPECT_EQ(run(s, t(0)), (Actions{create(1, "Let me check.\n\n" + kTool + " `web_search`")}));
  s.on_delta(tool("c1", "web_search"), t(10));  // the same call, complete: no second line
  EXPECT_FALSE(s.wake_at());
  s.on_delta(tool("c2", "read_file"), t(20));
  EXPECT_EQ(run(s, t(1200)),
            (Actions{patch(1, "Let me check.\n\n" + kTool + " `web_search`\n" + kTool + " `read_file`")}));
}

TEST(ReplyStreamPartial, ToolLinesAloneOrAfterThinking) {
  ReplyStream s(options(StreamingMode::partial));
  s.on_delta(tool("c1", "search"), t(0));
  EXPECT_EQ(run(s, t(0)), (Actions{create(1, kTool + " `search`")}));
  s.on_delta(reasoning("hmm"), t(100));
  EXPECT_EQ(run(s, t(1200)), (Actions{patch(1, kThinking + "\n\n" + kTool + " `search`")}));
}

TEST(ReplyStreamPartial, ToolLinesCanBeSwitchedOff) {
  auto o = options(StreamingMode::partial);
  o.preview_tool_progress = false;
  ReplyStream s(std::move(o));
  s.on_delta(tool("c1", "search"), t(0));
  EXPECT_EQ(run(s, t(0)), Actions{});
  s.on_delta(text("Found"), t(10));
  EXPECT_EQ(run(s, t(10)), (Actions{create(1, "Found")}));
}

TEST(ReplyStreamPartial, UpdatesCoalesceWhileAnActionIsOut) {
  ReplyStream s(options(StreamingMode::partial));
  s.on_delta(text("0"), t(0));
  run(s, t(0));
  s.on_delta(text("1"), t(1300));
  const auto edit = s.next(t(1300));
  ASSERT_TRUE(edit);
  EXPECT_EQ(*edit, patch(1, "01"));
  // A 429 pause: the edit stays out for seconds while the model keeps streaming.
  std::string expected = "01";
  for (int i = 2; i < 60; ++i) {
    s.on_delta(text(std::to_string(i % 10)), t(1300 + i * 50));
    expected += std::to_string(i % 10);
    EXPECT_FALSE(s.next(t(1300 + i * 50)));
  }
  s.done(ok_for(*edit), t(6000));
  EXPECT_EQ(run(s, t(6000)), (Actions{patch(1, expected)}));  // exactly one, with the newest text
  EXPECT_FALSE(s.wake_at());
  EXPECT_EQ(s.outcome().preview_updates, 3u);
}

TEST(ReplyStreamPartial, TheNextEditWaitsForTheThrottleAfterASlowOne) {
  ReplyStream s(options(StreamingMode::partial));
  s.on_delta(text("a"), t(0));
  run(s, t(0));
  s.on_delta(text("b"), t(1300));
  const auto edit = s.next(t(1300));
  ASSERT_TRUE(edit);
  s.on_delta(text("c"), t(1350));
  s.done(ok_for(*edit), t(1400));
  EXPECT_FALSE(s.next(t(1400)));
  EXPECT_EQ(s.wake_at(), t(2500));
  EXPECT_EQ(run(s, t(2500)), (Actions{patch(1, "abc")}));
}

TEST(ReplyStreamPartial, CloseDeletesADraftNoFinalTookOver) {
  // The answer came another way (a `send`) or not at all: the draft shows only progress.
  ReplyStream s(options(StreamingMode::partial));
  s.on_delta(text("Hel"), t(0));
  run(s, t(0));
  s.on_delta(text("lo"), t(100));
  s.close(t(200));
  EXPECT_FALSE(s.finished());
  EXPECT_EQ(s.wake_at(), t(200));
  const auto flush = s.next(t(200));
  ASSERT_TRUE(flush);
  EXPECT_EQ(*flush, remove(1));
  EXPECT_FALSE(s.finished());  // still out
  s.done(ok_for(*flush), t(250));
  EXPECT_TRUE(s.finished());
  s.on_delta(text(" more"), t(300));  // nothing follows a close
  EXPECT_TRUE(s.finished());
}

// --- partial: finalisation ----------------------------------------------------------------------

TEST(ReplyStreamPartial, FinalIsWrittenIntoThePreviewInPlace) {
  ReplyStream s(options(StreamingMode::partial));
  s.on_delta(text("Hel"), t(0));
  run(s, t(0));
  s.on_delta(text("lo wor"), t(100));  // pending, throttled: dropped by the final
  s.deliver(answer("Hello world"), t(200));
  EXPECT_EQ(s.wake_at(), t(200));
  EXPECT_EQ(run(s, t(200)), (Actions{patch(1, "Hello world", true, true)}));
  EXPECT_EQ(run(s, t(5000)), Actions{});
  s.close(t(5000));
  EXPECT_TRUE(s.finished());
  const auto& out = s.outcome();
  EXPECT_EQ(out.final_post_ids, (std::vector<std::string>{"p1"}));
  EXPECT_EQ(out.finals_delivered, 1u);
  EXPECT_EQ(out.finals_failed, 0u);
  EXPECT_EQ(out.preview_updates, 1u);
  EXPECT_FALSE(out.preview_error);
}

TEST(ReplyStreamPartial, FinalIdenticalToThePreviewIsStillMarkedFinal) {
  ReplyStream s(options(StreamingMode::partial));
  s.on_delta(text("Done."), t(0));
  run(s, t(0));
  s.deliver(answer("Done."), t(100));
  EXPECT_EQ(run(s, t(100)), (Actions{patch(1, "Done.", true, true)}));
}

TEST(ReplyStreamPartial, FinalWithoutPreviewIsPostedNew) {
  ReplyStream s(options(StreamingMode::partial, 5));
  s.deliver(answer("Hello world"), t(0));
  EXPECT_EQ(run(s, t(0)),
            (Actions{create(1, "Hello", true, true), create(2, " worl", true), create(3, "d", true)}));
  EXPECT_EQ(s.outcome().final_post_ids, (std::vector<std::string>{"p1", "p2", "p3"}));
  EXPECT_EQ(s.outcome().finals_delivered, 1u);
}

TEST(ReplyStreamPartial, MultiChunkFinalIsCreatedThenThePreviewRemoved) {
  ReplyStream s(options(StreamingMode::partial, 6));
  s.on_delta(text("Hello"), t(0));
  run(s, t(0));
  s.deliver(answer("Hello world"), t(100));
  EXPECT_EQ(run(s, t(100)), (Actions{create(2, "Hello ", true, true), create(3, "world", true), remove(1)}));
  EXPECT_EQ(s.outcome().final_post_ids, (std::vector<std::string>{"p2", "p3"}));
}

TEST(ReplyStreamPartial, FinalsThatCannotBeMergedReplaceThePreview) {
  struct Case {
    const char* name;
    FinalReply reply;
  };
  FinalReply media = answer("Here is the chart");
  media.has_media = true;
  FinalReply buttons = answer("Pick one");
  buttons.has_buttons = true;
  const std::vector<Case> cases = {
      {"media", media},
      {"buttons", buttons},
      {"shorter prefix of the preview", answer("Here")},
      {"error", error_reply("Something went wrong")},
  };
  for (const auto& c : cases) {
    ReplyStream s(options(StreamingMode::partial));
    s.on_delta(text("Here is the chart you asked"), t(0));
    run(s, t(0));
    s.deliver(c.reply, t(100));
    EXPECT_EQ(run(s, t(100)), (Actions{create(2, c.reply.text, true, true), remove(1)})) << c.name;
    EXPECT_EQ(s.outcome().finals_delivered, 1u) << c.name;
  }
}

TEST(ReplyStreamPartial, ErrorAfterAnInPlaceFinalNeverTouchesTheFinalisedPost) {
  ReplyStream s(options(StreamingMode::partial));
  s.on_delta(text("Answer"), t(0));
  run(s, t(0));
  s.deliver(answer("Answer."), t(100));
  s.deliver(error_reply("The tool crashed"), t(100));
  EXPECT_EQ(run(s, t(100)), (Actions{patch(1, "Answer.", true, true), create(2, "The tool crashed", true)}));
  EXPECT_EQ(s.outcome().final_post_ids, (std::vector<std::string>{"p1", "p2"}));
  EXPECT_EQ(s.outcome().finals_delivered, 2u);
}

TEST(ReplyStreamPartial, ErrorDoesNotFlushThePendingPreview) {
  ReplyStream s(options(StreamingMode::partial));
  s.on_delta(text("Par"), t(0));
  run(s, t(0));
  s.on_delta(text("tial answer"), t(100));
  s.deliver(error_reply("Model overloaded"), t(200));
  EXPECT_EQ(run(s, t(5000)), (Actions{create(2, "Model overloaded", true, true), remove(1)}));
}

TEST(ReplyStreamPartial, ReasoningFinalIsSuppressed) {
  ReplyStream s(options(StreamingMode::partial));
  s.on_delta(text("Hi"), t(0));
  run(s, t(0));
  FinalReply r = answer("Reasoning: the user greets me");
  r.is_reasoning = true;
  s.deliver(r, t(100));
  EXPECT_EQ(run(s, t(100)), Actions{});
  s.on_delta(text(" there"), t(200));  // the preview goes on untouched
  EXPECT_EQ(run(s, t(1200)), (Actions{patch(1, "Hi there")}));
  EXPECT_EQ(s.outcome().finals_suppressed, 1u);
  EXPECT_EQ(s.outcome().finals_delivered, 0u);
  EXPECT_TRUE(s.outcome().final_post_ids.empty());
}

TEST(ReplyStreamPartial, BlankFinalSendsNothing) {
  ReplyStream s(options(StreamingMode::partial));
  s.on_delta(text("Hi"), t(0));
  run(s, t(0));
  s.deliver(answer(" \n "), t(100));
  EXPECT_EQ(run(s, t(100)), Actions{});
  s.close(t(100));
  EXPECT_EQ(run(s, t(100)), Actions{remove(1)}) << "the draft no final took over goes";
  EXPECT_TRUE(s.finished());
  const auto& out = s.outcome();
  EXPECT_EQ(out.finals_delivered + out.finals_failed + out.finals_suppressed, 0u);
}

TEST(ReplyStreamPartial, FinalWhileThePreviewCreateIsOutWaitsForItsId) {
  ReplyStream s(options(StreamingMode::partial));
  s.on_delta(text("Hel"), t(0));
  const auto first = s.next(t(0));
  ASSERT_TRUE(first);
  s.deliver(answer("Hello"), t(50));
  EXPECT_FALSE(s.next(t(50)));
  EXPECT_FALSE(s.wake_at());
  s.done(result(Status::ok, "srv-1"), t(300));
  auto fin = patch(1, "Hello", true, true);
  fin.post_id = "srv-1";
  EXPECT_EQ(run(s, t(300)), (Actions{fin}));
  EXPECT_EQ(s.outcome().final_post_ids, (std::vector<std::string>{"srv-1"}));
}

TEST(ReplyStreamPartial, FinalWhileThePreviewCreateIsOutThatFails) {
  ReplyStream s(options(StreamingMode::partial));
  s.on_delta(text("Hel"), t(0));
  ASSERT_TRUE(s.next(t(0)));
  s.deliver(answer("Hello"), t(50));
  s.done(result(Status::failed), t(300));
  EXPECT_EQ(run(s, t(300)), (Actions{create(2, "Hello", true, true)}));
  EXPECT_TRUE(s.outcome().preview_error);
}

TEST(ReplyStreamPartial, NewPreviewAfterAnInPlaceFinal) {
  ReplyStream s(options(StreamingMode::partial));
  s.on_delta(text("Let me look"), t(0));
  run(s, t(0));
  s.deliver(answer("Let me look."), t(100));
  run(s, t(100));
  s.end_message(t(100));
  s.on_delta(text("Found it"), t(3000));
  EXPECT_EQ(run(s, t(3000)), (Actions{create(2, "Found it")}));
  s.deliver(answer("Found it."), t(3100));
  EXPECT_EQ(run(s, t(3100)), (Actions{patch(2, "Found it.", true)}));  // not the first any more
  EXPECT_EQ(s.outcome().final_post_ids, (std::vector<std::string>{"p1", "p2"}));
}

TEST(ReplyStreamPartial, FirstOfReplyIsOnExactlyOnePost) {
  ReplyStream s(options(StreamingMode::partial, 3));
  s.deliver(answer("abcdef"), t(0));
  s.deliver(answer("ghi"), t(0));
  const auto actions = run(s, t(0));
  ASSERT_EQ(actions.size(), 3u);
  EXPECT_EQ(std::ranges::count_if(actions, [](const StreamAction& a) { return a.first_of_reply; }), 1);
  EXPECT_TRUE(actions[0].first_of_reply);
}

// --- the response prefix ------------------------------------------------------------------------

TEST(ReplyStreamPrefix, OnTheFirstPreviewAndKeptWhenItIsFinalisedInPlace) {
  auto o = options(StreamingMode::partial);
  o.response_prefix = "[bot] ";
  ReplyStream s(std::move(o));
  s.on_delta(text("Hi"), t(0));
  EXPECT_EQ(run(s, t(0)), (Actions{create(1, "[bot] Hi")}));
  s.deliver(answer("Hi there"), t(100));
  EXPECT_EQ(run(s, t(100)), (Actions{patch(1, "[bot] Hi there", true, true)}));
  s.on_delta(text("More"), t(200));
  EXPECT_EQ(run(s, t(200)), (Actions{create(2, "More")}));
  s.deliver(answer("More text"), t(300));
  EXPECT_EQ(run(s, t(300)), (Actions{patch(2, "More text", true)}));
}

TEST(ReplyStreamPrefix, OnTheFirstFinalChunkWhenThereWasNoPreview) {
  auto o = options(StreamingMode::off, 8);
  o.response_prefix = "> ";
  ReplyStream s(std::move(o));
  s.deliver(answer("abcdefghij"), t(0));
  s.deliver(answer("second"), t(0));
  EXPECT_EQ(run(s, t(0)),
            (Actions{create(1, "> abcdef", true, true), create(2, "ghij", true), create(3, "second", true)}));
}

TEST(ReplyStreamPrefix, MovesToTheFinalThatReplacesThePreview) {
  auto o = options(StreamingMode::partial, 10);
  o.response_prefix = "> ";
  ReplyStream s(std::move(o));
  s.on_delta(text("Hi"), t(0));
  run(s, t(0));
  s.deliver(answer("Hello world!"), t(100));  // two chunks: new posts, preview removed
  EXPECT_EQ(run(s, t(100)),
            (Actions{create(2, "> Hello wo", true, true), create(3, "rld!", true), remove(1)}));
}

// --- preview failures -----------------------------------------------------------------------------

TEST(ReplyStreamFailures, PreviewDeletedMidStreamThenTheFinalIsAFreshPost) {
  ReplyStream s(options(StreamingMode::partial));
  s.on_delta(text("a"), t(0));
  run(s, t(0));
  s.on_delta(text("b"), t(100));
  const auto edit = s.next(t(1200));
  ASSERT_TRUE(edit);
  s.done(result(Status::gone), t(1250));
  s.on_delta(text("c"), t(1300));
  EXPECT_EQ(run(s, t(9000)), Actions{});  // stopped
  EXPECT_FALSE(s.wake_at());
  s.deliver(answer("abc"), t(9000));
  EXPECT_EQ(run(s, t(9000)), (Actions{create(2, "abc", true, true)}));  // nothing to delete
  EXPECT_TRUE(s.outcome().preview_error);
}

TEST(ReplyStreamFailures, PreviewEditFailureStopsItAndTheFinalReplacesIt) {
  ReplyStream s(options(StreamingMode::partial));
  s.on_delta(text("a"), t(0));
  run(s, t(0));
  s.on_delta(text("b"), t(100));
  const auto edit = s.next(t(1200));
  ASSERT_TRUE(edit);
  ActionResult failed = result(Status::failed);
  failed.error = "403 forbidden";
  s.done(failed, t(1250));
  ASSERT_TRUE(s.outcome().preview_error);
  EXPECT_NE(s.outcome().preview_error->find("403 forbidden"), std::string::npos);
  s.on_delta(text("c"), t(1300));
  EXPECT_EQ(run(s, t(9000)), Actions{});
  s.deliver(answer("abc"), t(9000));
  EXPECT_EQ(run(s, t(9000)), (Actions{create(2, "abc", true, true), remove(1)}));
}

TEST(ReplyStreamFailures, PreviewCreateFailureStopsThePreview) {
  ReplyStream s(options(StreamingMode::partial));
  s.on_delta(text("a"), t(0));
  const auto a = s.next(t(0));
  ASSERT_TRUE(a);
  s.done(result(Status::failed), t(10));
  s.on_delta(text("b"), t(2000));
  EXPECT_EQ(run(s, t(2000)), Actions{});
  s.deliver(answer("ab"), t(2000));
  EXPECT_EQ(run(s, t(2000)), (Actions{create(2, "ab", true, true)}));
  EXPECT_EQ(s.outcome().preview_updates, 1u);
}

TEST(ReplyStreamFailures, RetryOnAPreviewActionStopsThePreview) {
  ReplyStream s(options(StreamingMode::partial));
  s.on_delta(text("a"), t(0));
  run(s, t(0));
  s.on_delta(text("b"), t(100));
  ASSERT_TRUE(s.next(t(1200)));
  s.done(result(Status::retry), t(1300));
  s.on_delta(text("c"), t(1400));
  EXPECT_EQ(run(s, t(9000)), Actions{});  // never retried, never blocks the answer
  EXPECT_TRUE(s.outcome().preview_error);
  s.deliver(answer("abc"), t(9000));
  EXPECT_EQ(run(s, t(9000)), (Actions{create(2, "abc", true, true), remove(1)}));
}

TEST(ReplyStreamFailures, LostPreviewReceiptIsTerminalAndNeverDeleted) {
  ReplyStream s(options(StreamingMode::partial));
  s.on_delta(text("a"), t(0));
  const auto a = s.next(t(0));
  ASSERT_TRUE(a);
  s.done(result(Status::receipt_lost), t(10));
  EXPECT_TRUE(s.outcome().preview_error);
  s.on_delta(text("b"), t(2000));
  EXPECT_EQ(run(s, t(2000)), Actions{});
  s.deliver(answer("ab"), t(2000));
  EXPECT_EQ(run(s, t(2000)), (Actions{create(2, "ab", true, true)}));
}

TEST(ReplyStreamFailures, FailedInPlaceEditFallsBackToAFreshPostThenDeletesThePreview) {
  ReplyStream s(options(StreamingMode::partial));
  s.on_delta(text("Hel"), t(0));
  run(s, t(0));
  s.deliver(answer("Hello"), t(100));
  const auto edit = s.next(t(100));
  ASSERT_TRUE(edit);
  EXPECT_EQ(*edit, patch(1, "Hello", true, true));
  s.done(result(Status::failed), t(150));
  const auto fresh = s.next(t(150));
  ASSERT_TRUE(fresh);
  EXPECT_EQ(*fresh, create(2, "Hello", true, true));
  s.done(ok_for(*fresh), t(160));
  const auto drop = s.next(t(160));
  ASSERT_TRUE(drop);
  EXPECT_EQ(*drop, remove(1));
  s.done(result(Status::failed), t(170));  // best effort: ignored
  EXPECT_FALSE(s.next(t(170)));
  s.close(t(170));
  EXPECT_TRUE(s.finished());
  EXPECT_EQ(s.outcome().final_post_ids, (std::vector<std::string>{"p2"}));
  EXPECT_EQ(s.outcome().finals_delivered, 1u);
}

TEST(ReplyStreamFailures, InPlaceEditOfADeletedPreviewFallsBackWithoutDelete) {
  ReplyStream s(options(StreamingMode::partial));
  s.on_delta(text("Hel"), t(0));
  run(s, t(0));
  s.deliver(answer("Hello"), t(100));
  ASSERT_TRUE(s.next(t(100)));
  s.done(result(Status::gone), t(150));
  EXPECT_EQ(run(s, t(150)), (Actions{create(2, "Hello", true, true)}));
}

TEST(ReplyStreamFailures, RetriedFinalCreateIsReturnedIdentically) {
  ReplyStream s(options(StreamingMode::off));
  s.deliver(answer("Hi"), t(0));
  const auto a = s.next(t(0));
  ASSERT_TRUE(a);
  EXPECT_EQ(*a, create(1, "Hi", true, true));
  for (int attempt = 1; attempt <= 3; ++attempt) {
    s.done(result(Status::retry), t(attempt * 1000));
    EXPECT_FALSE(s.in_flight());
    const auto again = s.next(t(attempt * 1000));
    ASSERT_TRUE(again);
    EXPECT_EQ(*again, *a);
  }
  s.done(ok_for(*a), t(5000));
  EXPECT_EQ(s.outcome().final_post_ids, (std::vector<std::string>{"p1"}));
}

TEST(ReplyStreamFailures, RetriedInPlaceEditIsReturnedIdentically) {
  ReplyStream s(options(StreamingMode::partial));
  s.on_delta(text("Hel"), t(0));
  run(s, t(0));
  s.deliver(answer("Hello"), t(100));
  const auto a = s.next(t(100));
  ASSERT_TRUE(a);
  s.done(result(Status::retry), t(200));
  const auto again = s.next(t(2000));
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, *a);
}

TEST(ReplyStreamFailures, LostFinalReceiptCountsAsDelivered) {
  ReplyStream s(options(StreamingMode::off));
  s.deliver(answer("Hi"), t(0));
  ASSERT_TRUE(s.next(t(0)));
  s.done(result(Status::receipt_lost), t(10));
  s.close(t(10));
  EXPECT_TRUE(s.finished());
  EXPECT_EQ(s.outcome().final_post_ids, (std::vector<std::string>{""}));
  EXPECT_EQ(s.outcome().finals_delivered, 1u);
}

TEST(ReplyStreamFailures, FailedFinalLeavesThePreviewAsItIs) {
  ReplyStream s(options(StreamingMode::partial, 3));
  s.on_delta(text("abc"), t(0));
  run(s, t(0));
  s.deliver(answer("abcdef"), t(100));
  const auto first = s.next(t(100));
  ASSERT_TRUE(first);
  EXPECT_EQ(*first, create(2, "abc", true, true));
  s.done(result(Status::failed), t(110));
  const auto second = s.next(t(110));  // the rest still goes out
  ASSERT_TRUE(second);
  EXPECT_EQ(*second, create(3, "def", true, true));  // the first final post of the turn after all
  s.done(ok_for(*second), t(120));
  EXPECT_FALSE(s.next(t(120)));  // no remove of the preview
  const auto& out = s.outcome();
  EXPECT_EQ(out.finals_failed, 1u);
  EXPECT_EQ(out.finals_delivered, 0u);
  EXPECT_EQ(out.final_post_ids, (std::vector<std::string>{"p3"}));
}

TEST(ReplyStreamFailures, FinishedWaitsForEveryFinalAction) {
  ReplyStream s(options(StreamingMode::off));
  s.deliver(answer("Hi"), t(0));
  s.close(t(0));
  EXPECT_FALSE(s.finished());
  const auto a = s.next(t(0));
  ASSERT_TRUE(a);
  EXPECT_FALSE(s.finished());
  s.done(result(Status::retry), t(10));
  EXPECT_FALSE(s.finished());
  ASSERT_TRUE(s.next(t(1000)));
  s.done(result(Status::failed), t(1010));
  EXPECT_TRUE(s.finished());  // given up on
  EXPECT_EQ(s.outcome().finals_failed, 1u);
}

// --- block ----------------------------------------------------------------------------------------

TEST(ReplyStreamBlock, TextToolTextSealsEachBlockAndTheFinalSendsTheRest) {
  ReplyStream s(options(StreamingMode::block));
  s.on_delta(text("Let me look."), t(0));
  EXPECT_EQ(run(s, t(0)), (Actions{create(1, "Let me look.")}));
  s.on_delta(tool("c1", "search"), t(100));
  EXPECT_EQ(run(s, t(100)), (Actions{patch(1, "Let me look.", true, true), create(2, kTool + " `search`")}));
  s.on_delta(text("Found it"), t(200));
  EXPECT_EQ(run(s, t(200)), (Actions{create(3, "Found it")}));
  s.on_delta(text(", done."), t(300));
  s.deliver(answer("Let me look.\n\nFound it, done."), t(400));
  EXPECT_EQ(run(s, t(400)), (Actions{patch(3, "Found it, done.", true)}));
  const auto& out = s.outcome();
  EXPECT_EQ(out.final_post_ids, (std::vector<std::string>{"p1", "p3"}));
  EXPECT_EQ(out.finals_delivered, 1u);
}

TEST(ReplyStreamBlock, SealBringsThePostToItsFullText) {
  ReplyStream s(options(StreamingMode::block));
  s.on_delta(text("A"), t(0));
  run(s, t(0));
  s.on_delta(text(" B"), t(100));  // throttled, never shown as a preview
  s.on_delta(reasoning("next step"), t(200));
  EXPECT_EQ(run(s, t(200)), (Actions{patch(1, "A B", true, true), create(2, kThinking)}));
}

TEST(ReplyStreamBlock, EndMessageSealsAndTheFinalHasNothingLeft) {
  ReplyStream s(options(StreamingMode::block));
  s.on_delta(text("The answer"), t(0));
  run(s, t(0));
  s.end_message(t(100));
  EXPECT_EQ(run(s, t(100)), (Actions{patch(1, "The answer", true, true)}));
  s.deliver(answer("The answer"), t(200));
  EXPECT_EQ(run(s, t(200)), Actions{});
  s.close(t(200));
  EXPECT_TRUE(s.finished());
  EXPECT_EQ(s.outcome().finals_delivered, 1u);
  EXPECT_EQ(s.outcome().final_post_ids, (std::vector<std::string>{"p1"}));
}

TEST(ReplyStreamBlock, LongBlockIsSealedAsSeveralPosts) {
  ReplyStream s(options(StreamingMode::block, 5));
  s.on_delta(text("abcdefgh"), t(0));
  EXPECT_EQ(run(s, t(0)), (Actions{create(1, "abcdefgh")}));
  s.end_message(t(100));
  EXPECT_EQ(run(s, t(100)), (Actions{patch(1, "abcde", true, true), create(2, "fgh", true)}));
}

TEST(ReplyStreamBlock, ToolCallsShareOnePostBroughtUpToDateWhenTheBlockEnds) {
  ReplyStream s(options(StreamingMode::block));
  s.on_delta(tool("c1", "a"), t(0));
  EXPECT_EQ(run(s, t(0)), (Actions{create(1, kTool + " `a`")}));
  s.on_delta(tool("c1", "a"), t(50));
  s.on_delta(tool("c2", "b"), t(100));  // throttled
  s.on_delta(text("Done"), t(200));
  EXPECT_EQ(run(s, t(200)), (Actions{patch(1, kTool + " `a`\n" + kTool + " `b`"), create(2, "Done")}));
}

TEST(ReplyStreamBlock, ToolPostIsKeptWhenTheFinalArrives) {
  ReplyStream s(options(StreamingMode::block));
  s.on_delta(tool("c1", "a"), t(0));
  run(s, t(0));
  s.deliver(answer("Result"), t(100));
  EXPECT_EQ(run(s, t(100)), (Actions{create(2, "Result", true, true)}));
}

TEST(ReplyStreamBlock, ThinkingPlaceholderIsTakenOverByTheNextBlock) {
  ReplyStream s(options(StreamingMode::block));
  s.on_delta(reasoning("hmm"), t(0));
  EXPECT_EQ(run(s, t(0)), (Actions{create(1, kThinking)}));
  s.on_delta(text("Hi"), t(2000));
  EXPECT_EQ(run(s, t(2000)), (Actions{patch(1, "Hi")}));
  s.deliver(answer("Hi"), t(2100));
  EXPECT_EQ(run(s, t(2100)), (Actions{patch(1, "Hi", true, true)}));
}

TEST(ReplyStreamBlock, ToolActivitySealsEvenWithToolLinesOff) {
  auto o = options(StreamingMode::block);
  o.preview_tool_progress = false;
  ReplyStream s(std::move(o));
  s.on_delta(text("A"), t(0));
  run(s, t(0));
  s.on_delta(tool("c1", "x"), t(100));
  EXPECT_EQ(run(s, t(100)), (Actions{patch(1, "A", true, true)}));
  s.on_delta(text("B"), t(200));
  EXPECT_EQ(run(s, t(200)), (Actions{create(2, "B")}));
}

TEST(ReplyStreamBlock, ErrorFinalIsPostedWholeAndTheLiveBlockDeleted) {
  ReplyStream s(options(StreamingMode::block));
  s.on_delta(text("Partial"), t(0));
  run(s, t(0));
  s.deliver(error_reply("Oops"), t(100));
  EXPECT_EQ(run(s, t(100)), (Actions{create(2, "Oops", true, true), remove(1)}));
}

TEST(ReplyStreamBlock, FinalTextNoBlockStartsIsSentWhole) {
  ReplyStream s(options(StreamingMode::block));
  s.on_delta(text("one"), t(0));
  run(s, t(0));
  s.end_message(t(10));
  run(s, t(10));
  s.deliver(answer("something else"), t(20));
  EXPECT_EQ(run(s, t(20)), (Actions{create(2, "something else", true)}));
}

TEST(ReplyStreamBlock, BlocksAreMatchedOnlyByTheNextFinal) {
  ReplyStream s(options(StreamingMode::block));
  s.on_delta(text("x"), t(0));
  s.end_message(t(0));
  EXPECT_EQ(run(s, t(0)), (Actions{create(1, "x", true, true)}));
  s.deliver(error_reply("failed"), t(10));  // never merged: "x" is not its text
  EXPECT_EQ(run(s, t(10)), (Actions{create(2, "failed", true)}));
  s.on_delta(text("x and more"), t(20));
  s.end_message(t(20));
  s.deliver(answer("x and more"), t(20));  // sealed whole, not "x" again and " and more"
  EXPECT_EQ(run(s, t(20)), (Actions{create(3, "x and more", true)}));
  s.deliver(answer("x"), t(30));  // no block of its own: sent
  EXPECT_EQ(run(s, t(30)), (Actions{create(4, "x", true)}));
}

TEST(ReplyStreamBlock, ReasoningFinalTouchesNeitherTheBlocksNorTheDraft) {
  ReplyStream s(options(StreamingMode::block));
  s.on_delta(text("A"), t(0));
  s.on_delta(tool("c1", "x"), t(0));
  s.on_delta(text("B"), t(0));
  EXPECT_EQ(run(s, t(0)), (Actions{create(1, "A", true, true), create(2, "B")}));
  FinalReply thought = answer("Reasoning: A then B");
  thought.is_reasoning = true;
  s.deliver(thought, t(10));
  EXPECT_EQ(run(s, t(10)), Actions{});
  s.deliver(answer("A\nB"), t(20));
  EXPECT_EQ(run(s, t(20)), (Actions{patch(2, "B", true)}));
  EXPECT_EQ(s.outcome().finals_suppressed, 1u);
}

TEST(ReplyStreamBlock, SealWhilePreviewStoppedPostsTheBlockNew) {
  ReplyStream s(options(StreamingMode::block));
  s.on_delta(text("A"), t(0));
  ASSERT_TRUE(s.next(t(0)));
  s.done(result(Status::failed), t(10));
  s.on_delta(tool("c1", "x"), t(100));
  EXPECT_EQ(run(s, t(100)), (Actions{create(2, "A", true, true)}));
  s.on_delta(text("B"), t(200));
  EXPECT_EQ(run(s, t(200)), Actions{});  // no previews any more
  s.deliver(answer("A B"), t(300));
  EXPECT_EQ(run(s, t(300)), (Actions{create(3, "B", true)}));
}

TEST(ReplyStreamBlock, FailedSealIsSentAgainByTheFinal) {
  ReplyStream s(options(StreamingMode::block));
  s.on_delta(text("A"), t(0));
  run(s, t(0));
  s.end_message(t(100));
  ASSERT_TRUE(s.next(t(100)));           // the seal's in-place edit
  s.done(result(Status::gone), t(110));  // the user deleted the post
  const auto fresh = s.next(t(110));
  ASSERT_TRUE(fresh);
  EXPECT_EQ(*fresh, create(2, "A", true, true));
  s.done(result(Status::failed), t(120));
  EXPECT_FALSE(s.next(t(120)));
  s.deliver(answer("A"), t(200));
  EXPECT_EQ(run(s, t(200)), (Actions{create(3, "A", true, true)}));
}

// --- progress -------------------------------------------------------------------------------------

TEST(ReplyStreamProgress, LabelAndTheLastSentenceOfReasoning) {
  ReplyStream s(options(StreamingMode::progress));
  s.on_delta(reasoning("I should check the weather. Let me search"), t(0));
  EXPECT_EQ(run(s, t(0)), (Actions{create(1, "Working\n_Thinking: Let me search_")}));
  s.on_delta(reasoning(" for Paris."), t(100));
  EXPECT_EQ(run(s, t(1200)), (Actions{patch(1, "Working\n_Thinking: Let me search for Paris._")}));
  s.on_delta(reasoning("\nNext line here"), t(1300));
  EXPECT_EQ(run(s, t(2400)), (Actions{patch(1, "Working\n_Thinking: Next line here_")}));
}

TEST(ReplyStreamProgress, NeverShowsAnswerText) {
  ReplyStream s(options(StreamingMode::progress));
  s.on_delta(text("The secret answer"), t(0));
  EXPECT_EQ(run(s, t(0)), (Actions{create(1, "Working")}));
  s.on_delta(text(" goes on"), t(100));
  EXPECT_FALSE(s.wake_at());
}

TEST(ReplyStreamProgress, EachReasoningRunAndToolGetsALine) {
  auto o = options(StreamingMode::progress);
  o.progress_tool_progress = true;
  ReplyStream s(std::move(o));
  s.on_delta(reasoning("First."), t(0));
  s.on_delta(tool("c1", "search"), t(0));
  s.on_delta(tool("c1", "search"), t(0));
  s.on_delta(reasoning("Second."), t(0));
  EXPECT_EQ(run(s, t(0)),
            (Actions{create(1, "Working\n_Thinking: First._\n" + kTool + " `search`\n_Thinking: Second._")}));
}

TEST(ReplyStreamProgress, ToolLinesOnlyWhenAskedFor) {
  ReplyStream s(options(StreamingMode::progress));  // progress_tool_progress defaults to false
  s.on_delta(tool("c1", "search"), t(0));
  EXPECT_EQ(run(s, t(0)), (Actions{create(1, "Working")}));
}

TEST(ReplyStreamProgress, KeepsTheNewestLines) {
  auto o = options(StreamingMode::progress);
  o.progress_tool_progress = true;
  o.progress_max_lines = 3;
  ReplyStream s(std::move(o));
  for (const char* name : {"a", "b", "c", "d", "e"}) s.on_delta(tool(name, name), t(0));
  EXPECT_EQ(run(s, t(0)),
            (Actions{create(1, "Working\n" + kTool + " `c`\n" + kTool + " `d`\n" + kTool + " `e`")}));
}

TEST(ReplyStreamProgress, LongLinesAreCutWithAnEllipsis) {
  auto o = options(StreamingMode::progress);
  o.progress_tool_progress = true;
  o.progress_max_line_chars = 20;
  ReplyStream s(std::move(o));
  s.on_delta(reasoning("abcdefghijklmnopqrstuvwxyz"), t(0));
  s.on_delta(tool("c1", "a_very_long_tool_name"), t(0));
  const auto actions = run(s, t(0));
  ASSERT_EQ(actions.size(), 1u);
  // 11 characters of frame, 8 of snippet (7 and the ellipsis), the closing underscore.
  EXPECT_EQ(actions[0].message, "Working\n_Thinking: abcdefg\u2026_\n" + kTool + " `a_very_long_too\u2026");
}

TEST(ReplyStreamProgress, HiddenLabel) {
  auto o = options(StreamingMode::progress);
  o.progress_label = std::nullopt;
  o.progress_tool_progress = true;
  ReplyStream s(std::move(o));
  s.on_delta(text("answer text"), t(0));
  EXPECT_EQ(run(s, t(0)), Actions{});  // nothing to show without a label
  s.on_delta(tool("c1", "search"), t(10));
  EXPECT_EQ(run(s, t(10)), (Actions{create(1, kTool + " `search`")}));
}

TEST(ReplyStreamProgress, FinalIsWrittenIntoTheStatusPost) {
  ReplyStream s(options(StreamingMode::progress));
  s.on_delta(reasoning("Thinking hard."), t(0));
  run(s, t(0));
  s.deliver(answer("The answer is 42."), t(500));
  EXPECT_EQ(run(s, t(500)), (Actions{patch(1, "The answer is 42.", true, true)}));
  s.on_delta(reasoning("Another round."), t(600));  // a new status post, fresh lines
  EXPECT_EQ(run(s, t(600)), (Actions{create(2, "Working\n_Thinking: Another round._")}));
}

// --- off ------------------------------------------------------------------------------------------

TEST(ReplyStreamOff, NoPreviewAndFinalsArePostedNew) {
  ReplyStream s(options(StreamingMode::off, 3));
  s.on_delta(reasoning("hmm"), t(0));
  s.on_delta(text("Hello"), t(0));
  s.on_delta(tool("c1", "x"), t(0));
  s.end_message(t(0));
  EXPECT_EQ(run(s, t(0)), Actions{});
  EXPECT_FALSE(s.wake_at());
  s.deliver(answer("Hello"), t(10));
  EXPECT_EQ(run(s, t(10)), (Actions{create(1, "Hel", true, true), create(2, "lo", true)}));
  s.close(t(10));
  EXPECT_TRUE(s.finished());
  EXPECT_EQ(s.outcome().preview_updates, 0u);
}

TEST(ReplyStreamOff, MovedStreamKeepsItsState) {
  ReplyStream a(options(StreamingMode::off));
  a.deliver(answer("Hi"), t(0));
  ReplyStream b(std::move(a));
  EXPECT_EQ(run(b, t(0)), (Actions{create(1, "Hi", true, true)}));
}

// --- randomised invariants ------------------------------------------------------------------------

// A server that remembers what each post shows, for the invariants below.
struct FakeServer {
  struct Post {
    std::string text;
    bool final = false;
  };
  std::map<std::string, Post> posts;         // by id
  std::map<std::uint32_t, std::string> ids;  // handle → id given
  std::set<std::uint32_t> finalised;         // handles finalised
  std::vector<std::string> final_texts;      // confirmed final messages, in order
  std::set<std::string> failed_finals;       // final messages reported failed or gone
};

std::string strip_spaces(std::string_view s) {
  std::string out;
  for (const char c : s) {
    if (c != ' ' && c != '\n' && c != '\t') out += c;
  }
  return out;
}

TEST(ReplyStreamRandom, InvariantsHoldForRandomStreamsAndAnswers) {
  std::mt19937 rng(20240611);
  const auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  const std::vector<std::string> words = {"alpha ", "beta", " gamma.", "\n\n", "日本語", "😀 ", "x", "  "};
  const StreamingMode modes[] = {StreamingMode::partial, StreamingMode::block, StreamingMode::progress,
                                 StreamingMode::off};

  for (int iteration = 0; iteration < 1000; ++iteration) {
    const StreamingMode mode = modes[iteration % 4];
    const std::size_t chunk_chars = 3 + static_cast<std::size_t>(pick(10));
    auto o = options(mode, chunk_chars);
    o.preview_max_chars = 5 + static_cast<std::size_t>(pick(40));
    o.progress_tool_progress = pick(2) == 0;
    o.preview_tool_progress = pick(3) != 0;
    ReplyStream s(std::move(o));
    FakeServer server;
    std::int64_t now = 0;
    int lost = 0;
    std::vector<FinalReply> checked;  // finals whose text must reach the user
    std::size_t suppressed = 0;
    bool closing = false;
    const int failure_rate = std::array{0, 10, 30}[static_cast<std::size_t>(pick(3))];  // percent

    const auto answer_one = [&](const StreamAction& a) {
      SCOPED_TRACE(::testing::PrintToString(a));
      // One action out at a time.
      EXPECT_TRUE(s.in_flight());
      EXPECT_FALSE(s.next(t(now)));
      EXPECT_FALSE(s.wake_at());
      // A finalised post is never touched again; edits and deletes name the post the server made.
      EXPECT_FALSE(server.finalised.contains(a.handle));
      if (a.kind == Kind::create) {
        EXPECT_FALSE(server.ids.contains(a.handle));
      } else {
        ASSERT_TRUE(server.ids.contains(a.handle));
        EXPECT_EQ(a.post_id, server.ids[a.handle]);
      }
      // Past the success rate, the failures share the rest evenly; once the turn closes, every answer
      // is a success so that the drain terminates.
      const int roll = closing ? 0 : pick(100);
      const int failure = (roll - (100 - failure_rate)) * 4 / std::max(failure_rate, 1);
      const Status status = roll < 100 - failure_rate ? Status::ok
                            : failure == 0            ? Status::retry
                            : failure == 1            ? Status::failed
                            : failure == 2            ? Status::gone
                                                      : Status::receipt_lost;
      ActionResult r = result(status);
      // A lost receipt only makes sense for a create; the stream must cope with it anywhere.
      const bool success = status == Status::ok || (a.kind == Kind::create && status == Status::receipt_lost);
      if (a.kind == Kind::create && success) {
        r.post_id = status == Status::ok ? id_of(a.handle) : "";
        const std::string id = status == Status::ok ? id_of(a.handle) : "lost" + std::to_string(++lost);
        if (status == Status::ok) server.ids[a.handle] = id;
        server.posts[id] = FakeServer::Post{a.message, a.final};
      } else if (a.kind == Kind::patch && status == Status::ok) {
        server.posts[a.post_id].text = a.message;
        server.posts[a.post_id].final = a.final;
      } else if (status == Status::gone || (a.kind == Kind::remove && status == Status::ok)) {
        server.posts.erase(a.post_id);
      }
      if (a.final && success) {
        server.finalised.insert(a.handle);
        server.final_texts.push_back(a.message);
      }
      if (a.final && !success && status != Status::retry) server.failed_finals.insert(a.message);
      s.done(r, t(now));
      if (status == Status::retry && a.final) {  // stays at the head, identical
        const auto again = s.next(t(now));
        EXPECT_TRUE(again && *again == a);
        if (again) s.done(result(Status::retry), t(now));
      }
    };
    const auto serve = [&](int budget) {
      for (int i = 0; i < budget; ++i) {
        const auto a = s.next(t(now));
        if (!a) break;
        answer_one(*a);
      }
    };

    const int messages = 1 + pick(4);
    for (int m = 0; m < messages; ++m) {
      std::string message_text;
      const int events = pick(20);
      for (int e = 0; e < events; ++e) {
        now += pick(700);
        switch (pick(5)) {
          case 0:
          case 1: {
            const auto& w = words[static_cast<std::size_t>(pick(static_cast<int>(words.size())))];
            message_text += w;
            s.on_delta(text(w), t(now));
            break;
          }
          case 2: s.on_delta(reasoning("step " + std::to_string(e) + ". more"), t(now)); break;
          case 3:
            s.on_delta(tool("c" + std::to_string(pick(3)), "tool" + std::to_string(pick(3))), t(now));
            break;
          default: break;
        }
        serve(pick(4));
      }
      const bool end_first = pick(2) == 0 && m + 1 < messages;
      if (end_first) s.end_message(t(now));
      FinalReply reply = answer(message_text);
      switch (pick(10)) {
        case 0: reply = error_reply("error " + std::to_string(m)); break;
        case 1: {  // a reasoning payload of the message, before its answer: suppressed
          FinalReply thought = answer("Reasoning: " + message_text);
          thought.is_reasoning = true;
          s.deliver(thought, t(now));
          ++suppressed;
          break;
        }
        case 2: reply.has_media = true; break;
        case 3: reply.has_buttons = true; break;
        default: break;
      }
      s.deliver(reply, t(now));
      if (!reply.is_reasoning && !strip_spaces(reply.text).empty()) checked.push_back(reply);
      if (!end_first && m + 1 < messages) s.end_message(t(now));
      serve(pick(6));
    }
    s.close(t(now));
    closing = true;
    for (int guard = 0; guard < 1000 && !s.finished(); ++guard) {
      now += 300;
      serve(1000);
    }
    ASSERT_TRUE(s.finished()) << "iteration " << iteration;
    EXPECT_EQ(s.outcome().finals_delivered + s.outcome().finals_failed, checked.size());
    EXPECT_EQ(s.outcome().finals_suppressed, suppressed);
    EXPECT_EQ(s.outcome().final_post_ids.size(), server.final_texts.size());

    // Every final's text reached the user, unless a post of it was reported failed.
    if (mode == StreamingMode::block) {
      if (!server.failed_finals.empty()) continue;
      std::string shown;
      for (const auto& m : server.final_texts) shown += strip_spaces(m);
      for (const auto& reply : checked) {
        EXPECT_NE(shown.find(strip_spaces(reply.text)), std::string::npos)
            << "iteration " << iteration << ": " << reply.text;
      }
      continue;
    }
    for (const auto& reply : checked) {
      std::string trimmed(reply.text);
      trimmed.erase(0, trimmed.find_first_not_of(" \n\t"));
      trimmed.erase(trimmed.find_last_not_of(" \n\t") + 1);
      for (const auto& chunk : split_every(trimmed, chunk_chars)) {
        if (strip_spaces(chunk).empty()) continue;
        const bool shown = std::ranges::find(server.final_texts, chunk) != server.final_texts.end();
        EXPECT_TRUE(shown || server.failed_finals.contains(chunk))
            << "iteration " << iteration << ": chunk \"" << chunk << "\" of \"" << reply.text << '"';
      }
    }
  }
}


TEST(ReplyStreamPartial, ARestartedMessageReplacesWhatTheFailedCallStreamed) {
  ReplyStream s(options(StreamingMode::partial));
  s.on_delta(text("half an ans"), t(0));
  EXPECT_EQ(run(s, t(0)), (Actions{create(1, "half an ans")}));
  s.restart_message(t(100));
  s.on_delta(text("half an answer, whole"), t(200));
  EXPECT_EQ(run(s, t(1200)), (Actions{patch(1, "half an answer, whole")}));
}

TEST(ReplyStreamPartial, TheFirstDraftWaitsForTheFirstPreviewDelay) {
  auto o = options(StreamingMode::partial);
  o.first_preview_delay = std::chrono::milliseconds(250);
  ReplyStream s(o);
  s.on_delta(text("quick"), t(1000));
  EXPECT_FALSE(s.next(t(1100)));
  EXPECT_EQ(s.wake_at(), t(1250));
  // An answer complete before then is posted once, with no draft.
  s.on_delta(text(" answer"), t(1150));
  s.deliver(answer("quick answer"), t(1160));
  s.close(t(1160));
  const auto actions = run(s, t(1160));
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_EQ(actions[0].kind, StreamAction::Kind::create);
  EXPECT_TRUE(actions[0].final);
  EXPECT_EQ(actions[0].message, "quick answer");
  EXPECT_TRUE(s.finished());
}

TEST(ReplyStreamPartial, ACappedPreviewIsLeftAloneWhileTextIsAppended) {
  auto o = options(StreamingMode::partial);
  o.preview_max_chars = 10;
  ReplyStream s(o);
  s.on_delta(text("0123456789abc"), t(0));
  EXPECT_EQ(run(s, t(0)), (Actions{create(1, "0123456...")}));
  s.on_delta(text("def"), t(100));
  EXPECT_FALSE(s.next(t(5000)));
  EXPECT_FALSE(s.wake_at());
  // A call asked again starts the message over: the preview follows again.
  s.restart_message(t(5000));
  s.on_delta(text("short"), t(5100));
  EXPECT_EQ(run(s, t(6300)), (Actions{patch(1, "short")}));
}

}  // namespace
}  // namespace mmclaw::gateway

#include "agent/command_protocol.hpp"

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace mmclaw::agent {

static void PrintTo(const TextDelta& d, std::ostream* os) {
  *os << "Text{\"" << d.text << "\"}";
}
static void PrintTo(const ReasoningDelta& d, std::ostream* os) {
  *os << "Reasoning{\"" << d.text << "\"}";
}
static void PrintTo(const ToolActivity& d, std::ostream* os) {
  *os << "ToolActivity{" << d.id << ", " << d.name << "}";
}
static void PrintTo(const FinalDelta& d, std::ostream* os) {
  *os << "Final{reason " << static_cast<int>(d.reason) << ", " << d.tool_calls.size() << " calls}";
}
static void PrintTo(const ErrorDelta& d, std::ostream* os) {
  *os << "Error{\"" << d.message << "\", retryable " << d.retryable << "}";
}

namespace {

namespace json = boost::json;

using Deltas = std::vector<Delta>;

void append(Deltas& to, Deltas from) {
  for (auto& d : from) to.push_back(std::move(d));
}

// Feeds `output` in pieces of the given sizes (cycled), then finishes.
Deltas decode(std::string_view output, const std::vector<std::size_t>& sizes = {}, int exit_code = 0,
              bool killed = false, std::string_view reason = {}, CommandOutputLimits limits = {}) {
  CommandOutputDecoder decoder(limits);
  Deltas out;
  std::size_t pos = 0;
  std::size_t i = 0;
  while (pos < output.size()) {
    const std::size_t n = sizes.empty() ? output.size() : sizes[i++ % sizes.size()];
    append(out, decoder.feed(output.substr(pos, n)));
    pos += n;
  }
  append(out, decoder.finish(exit_code, killed, reason));
  return out;
}

// Texts joined, and everything else kept in order (adjacent text pieces merged).
Deltas merged(const Deltas& deltas) {
  Deltas out;
  for (const auto& d : deltas) {
    if (const auto* text = std::get_if<TextDelta>(&d); text && !out.empty()) {
      if (auto* previous = std::get_if<TextDelta>(&out.back())) {
        previous->text += text->text;
        continue;
      }
    }
    out.push_back(d);
  }
  return out;
}

FinalDelta stop() {
  FinalDelta f;
  f.reason = FinishReason::stop;
  return f;
}

ErrorDelta error(std::string message) {
  return ErrorDelta{std::move(message), false, std::nullopt};
}

int count_ends(const Deltas& deltas) {
  int n = 0;
  for (const auto& d : deltas)
    n += std::holds_alternative<FinalDelta>(d) || std::holds_alternative<ErrorDelta>(d) ? 1 : 0;
  return n;
}

// --- The turn ------------------------------------------------------------------------------------

TEST(CommandTurnJson, CarriesTheWholeRequest) {
  ModelRequest request;
  request.model = "llama3";
  request.messages.push_back({Role::system, "be brief", {}, {}, {}, {}});
  ChatMessage user{Role::user, "what is this?", {ImagePart{"image/png", "abc"}}, {}, {}, {}};
  request.messages.push_back(user);
  ChatMessage asked{Role::assistant, "", {}, {ToolCall{"c1", "message", R"({"action":"react"})"}}, {}, {}};
  request.messages.push_back(asked);
  request.messages.push_back({Role::tool, "ok", {}, {}, "c1", "message"});
  request.tools.push_back(ToolSpec{"message", "send or react", json::object{{"type", "object"}}});
  request.max_tokens = 512;
  request.think = ThinkLevel::medium;

  const auto doc = json::parse(command_turn_json(request, "local/llama3"));
  const auto expected = json::parse(R"({
    "version": 1, "model": "local/llama3", "model_id": "llama3",
    "messages": [
      {"role": "system", "content": "be brief"},
      {"role": "user", "content": "what is this?", "images": [{"mime_type": "image/png", "data_base64": "YWJj"}]},
      {"role": "assistant", "content": "", "tool_calls": [{"id": "c1", "name": "message", "arguments": "{\"action\":\"react\"}"}]},
      {"role": "tool", "content": "ok", "tool_call_id": "c1", "name": "message"}
    ],
    "tools": [{"name": "message", "description": "send or react", "parameters": {"type": "object"}}],
    "max_tokens": 512, "think": "medium"})");
  EXPECT_EQ(doc, expected) << json::serialize(doc);
}

TEST(CommandTurnJson, OptionalFieldsStayOut) {
  ModelRequest request;
  request.model = "m";
  request.messages.push_back({Role::user, "hi", {}, {}, {}, {}});
  const auto doc = json::parse(command_turn_json(request, "")).as_object();
  EXPECT_EQ(doc.at("model"), "m");  // no reference: the id
  EXPECT_TRUE(doc.at("tools").as_array().empty());
  EXPECT_FALSE(doc.contains("max_tokens"));
  EXPECT_FALSE(doc.contains("think"));
  EXPECT_EQ(doc.at("messages").as_array().at(0), json::parse(R"({"role":"user","content":"hi"})"));
}

TEST(CommandTurnJson, IsOneLineOfCompactJson) {
  ModelRequest request;
  request.messages.push_back({Role::user, "line one\nline two \"quoted\"", {}, {}, {}, {}});
  const auto text = command_turn_json(request, "p/m");
  EXPECT_EQ(text.find('\n'), std::string::npos);
  EXPECT_EQ(json::parse(text).at("messages").at(0).at("content"), "line one\nline two \"quoted\"");
}

// --- Plain text ----------------------------------------------------------------------------------

TEST(CommandOutputDecoder, PlainTextStreamsAsItArrives) {
  CommandOutputDecoder decoder;
  EXPECT_EQ(decoder.feed("Hello"), (Deltas{TextDelta{"Hello"}}));
  EXPECT_EQ(decoder.mode(), CommandOutputDecoder::Mode::text);
  EXPECT_EQ(decoder.feed(", world\n"), (Deltas{TextDelta{", world\n"}}));
  EXPECT_EQ(decoder.finish(0, false, ""), (Deltas{stop()}));
  EXPECT_TRUE(decoder.done());
  EXPECT_TRUE(decoder.feed("more").empty());
  EXPECT_TRUE(decoder.finish(0, false, "").empty());
}

TEST(CommandOutputDecoder, PlainTextInEverySplitGivesTheSameText) {
  const std::string output = "  \n\nThe answer: 42 — “quoted” ✓ 😀\n{not json}\n{\"type\":\"text\"}\nend";
  const Deltas expected{TextDelta{output}, stop()};
  for (const std::vector<std::size_t>& sizes :
       {std::vector<std::size_t>{}, {1}, {2}, {3}, {5, 1}, {7, 2, 1}, {13}}) {
    const auto deltas = decode(output, sizes);
    EXPECT_EQ(merged(deltas), expected) << "split " << sizes.size();
    // Every piece is valid UTF-8 on its own: a split sequence waits for its end.
    for (const auto& d : deltas) {
      if (const auto* text = std::get_if<TextDelta>(&d)) {
        EXPECT_NO_THROW((void)json::parse(json::serialize(json::value(text->text))));
      }
    }
  }
}

TEST(CommandOutputDecoder, SplitUtf8WaitsForItsEnd) {
  CommandOutputDecoder decoder;
  EXPECT_EQ(decoder.feed("a\xE2\x9C"), (Deltas{TextDelta{"a"}}));
  EXPECT_EQ(decoder.feed("\x93 b"), (Deltas{TextDelta{"\xE2\x9C\x93 b"}}));
}

TEST(CommandOutputDecoder, InvalidUtf8BecomesReplacementCharacters) {
  EXPECT_EQ(merged(decode("a\xFF"
                          "b\xC3(c")),
            (Deltas{TextDelta{"a\xEF\xBF\xBD"
                              "b\xEF\xBF\xBD(c"},
                    stop()}));
  // A sequence cut by the end of the output.
  EXPECT_EQ(merged(decode("ok\xE2\x9C")), (Deltas{TextDelta{"ok\xEF\xBF\xBD"}, stop()}));
}

TEST(CommandOutputDecoder, PlainTextFailureKeepsTheText) {
  EXPECT_EQ(merged(decode("partial answer", {}, 3)),
            (Deltas{TextDelta{"partial answer"}, error("the command failed with exit code 3")}));
}

TEST(CommandOutputDecoder, KilledEndsWithTheReason) {
  EXPECT_EQ(merged(decode("thinking...", {}, -1, true, "the command did not answer in time")),
            (Deltas{TextDelta{"thinking..."}, error("the command did not answer in time")}));
  EXPECT_EQ(decode("", {}, -1, true, ""), (Deltas{error("the command was stopped")}));
}

TEST(CommandOutputDecoder, NoOutputAtAll) {
  EXPECT_EQ(decode(""), (Deltas{stop()}));
  EXPECT_EQ(decode("", {}, 1), (Deltas{error("the command failed with exit code 1")}));
}

TEST(CommandOutputDecoder, WhitespaceWaitsForTheDecidingLine) {
  CommandOutputDecoder decoder;
  EXPECT_TRUE(decoder.feed("\n  \n").empty());
  EXPECT_EQ(decoder.mode(), CommandOutputDecoder::Mode::undecided);
  EXPECT_EQ(decoder.feed("hi"), (Deltas{TextDelta{"\n  \nhi"}}));
  // Only whitespace, then the end: it is the text.
  EXPECT_EQ(merged(decode(" \n")), (Deltas{TextDelta{" \n"}, stop()}));
}

TEST(CommandOutputDecoder, AJsonLineThatIsNotTheProtocolIsText) {
  for (const std::string output : {R"({"answer": 42})"
                                   "\n",
                                   R"({"type":"progress"})"
                                   "\nrest",
                                   R"({"type":7})"
                                   "\n",
                                   "{broken\nrest",
                                   R"(["type","text"])"
                                   "\n"}) {
    EXPECT_EQ(merged(decode(output, {4})), (Deltas{TextDelta{output}, stop()})) << output;
  }
}

TEST(CommandOutputDecoder, AnOpeningBraceWaitsForTheEndOfItsLine) {
  CommandOutputDecoder decoder;
  EXPECT_TRUE(decoder.feed(R"({"type":"te)").empty());
  EXPECT_EQ(decoder.mode(), CommandOutputDecoder::Mode::undecided);
  EXPECT_EQ(decoder.feed(R"(xt","text":"hi"})"
                         "\n"),
            (Deltas{TextDelta{"hi"}}));
  EXPECT_EQ(decoder.mode(), CommandOutputDecoder::Mode::json_lines);
}

// --- JSON lines ----------------------------------------------------------------------------------

TEST(CommandOutputDecoder, JsonLinesOfEveryType) {
  const std::string output =
      "\n"
      R"({"type":"reasoning","text":"Let me think."})"
      "\n"
      R"({"type":"text","text":"Hello"})"
      "\r\n"
      "\n"
      R"({"type":"text","text":", world"})"
      "\n"
      R"({"type":"something-new","x":1})"
      "\n"
      R"({"type":"final","text":"!","usage":{"input_tokens":10,"output_tokens":3}})"
      "\n"
      R"({"type":"text","text":"after the end"})"
      "\n";
  FinalDelta final = stop();
  final.usage = Usage{10, 3, std::nullopt};
  const Deltas expected{ReasoningDelta{"Let me think."}, TextDelta{"Hello"}, TextDelta{", world"},
                        TextDelta{"!"}, final};
  for (const std::vector<std::size_t>& sizes : {std::vector<std::size_t>{}, {1}, {3}, {17, 5}}) {
    EXPECT_EQ(decode(output, sizes, 1), expected)
        << "split " << sizes.size();  // the exit code no longer matters
  }
}

TEST(CommandOutputDecoder, ToolCallsEndWithReasonToolCalls) {
  const std::string output =
      R"({"type":"tool_call","id":"c1","name":"message","arguments":"{\"action\":\"react\"}"})"
      "\n"
      R"({"type":"tool_call","name":"message","arguments":{"action":"send","text":"hi"}})"
      "\n"
      R"({"type":"tool_call","name":"lookup"})"
      "\n";
  FinalDelta final;
  final.reason = FinishReason::tool_calls;
  final.tool_calls = {ToolCall{"c1", "message", R"({"action":"react"})"},
                      ToolCall{"call_2", "message", R"({"action":"send","text":"hi"})"},
                      ToolCall{"call_3", "lookup", "{}"}};
  const Deltas expected{ToolActivity{"c1", "message", true}, ToolActivity{"call_2", "message", true},
                        ToolActivity{"call_3", "lookup", true}, final};
  EXPECT_EQ(decode(output), expected);  // no final line: exit 0 ends it
  EXPECT_EQ(decode(output + R"({"type":"final"})"
                            "\n",
                   {}, 0),
            expected);
}

TEST(CommandOutputDecoder, ErrorLineEndsTheStream) {
  EXPECT_EQ(decode(R"({"type":"text","text":"a"})"
                   "\n"
                   R"({"type":"error","message":"model not loaded"})"
                   "\n"
                   R"({"type":"text","text":"b"})"
                   "\n"),
            (Deltas{TextDelta{"a"}, error("model not loaded")}));
  EXPECT_EQ(decode(R"({"type":"error"})"
                   "\n"),
            (Deltas{error("the command reported an error")}));
  const auto long_message = decode(R"({"type":"error","message":")" + std::string(5000, 'x') + "\"}\n");
  ASSERT_EQ(long_message.size(), 1u);
  EXPECT_LT(std::get<ErrorDelta>(long_message[0]).message.size(), 1100u);
}

TEST(CommandOutputDecoder, JsonModeWithoutFinal) {
  EXPECT_EQ(decode(R"({"type":"text","text":"a"})"
                   "\n"),
            (Deltas{TextDelta{"a"}, stop()}));
  EXPECT_EQ(decode(R"({"type":"text","text":"a"})"
                   "\n",
                   {}, 2),
            (Deltas{TextDelta{"a"}, error("the command failed with exit code 2")}));
  EXPECT_EQ(decode(R"({"type":"text","text":"a"})"
                   "\n",
                   {}, -1, true, "the command's output stalled"),
            (Deltas{TextDelta{"a"}, error("the command's output stalled")}));
}

TEST(CommandOutputDecoder, LastLineWithoutNewlineCounts) {
  EXPECT_EQ(decode(R"({"type":"final","text":"done"})"), (Deltas{TextDelta{"done"}, stop()}));
  EXPECT_EQ(decode(R"({"type":"text","text":"a"})"
                   "\n"
                   R"({"type":"text","text":"b"})",
                   {3}),
            (Deltas{TextDelta{"a"}, TextDelta{"b"}, stop()}));
  // Killed while writing it: the half line is dropped, the reason stays.
  EXPECT_EQ(decode(R"({"type":"text","text":"a"})"
                   "\n"
                   R"({"type":"text","te)",
                   {}, -1, true, "stopped"),
            (Deltas{TextDelta{"a"}, error("stopped")}));
}

TEST(CommandOutputDecoder, MalformedLinesInJsonMode) {
  const std::string first = R"({"type":"text","text":"a"})"
                            "\n";
  EXPECT_EQ(decode(first + "this is not json\n"
                           R"({"type":"text","text":"b"})"
                           "\n"),
            (Deltas{TextDelta{"a"}, error("the command wrote a line that is not JSON: this is not json")}));
  EXPECT_EQ(decode(first + R"({"text":"no type"})"
                           "\n"),
            (Deltas{TextDelta{"a"},
                    error(R"(the command wrote a JSON line without a "type": {"text":"no type"})")}));
  EXPECT_EQ(decode(first + "[1,2]\n"),
            (Deltas{TextDelta{"a"}, error(R"(the command wrote a JSON line without a "type": [1,2])")}));
  EXPECT_EQ(decode(first + R"({"type":"text","text":5})"
                           "\n"),
            (Deltas{TextDelta{"a"},
                    error(R"(the command wrote an invalid "text" line: {"type":"text","text":5})")}));
  EXPECT_EQ(decode(first + R"({"type":"tool_call","arguments":"{}"})"
                           "\n")
                .back(),
            Delta(error(
                R"(the command wrote an invalid "tool_call" line: {"type":"tool_call","arguments":"{}"})")));
  EXPECT_EQ(decode(first + R"({"type":"tool_call","name":"x","arguments":5})"
                           "\n")
                .size(),
            2u);
  EXPECT_EQ(decode(first + R"({"type":"final","text":["x"]})"
                           "\n")
                .back(),
            Delta(error(R"(the command wrote an invalid "final" line: {"type":"final","text":["x"]})")));
}

TEST(CommandOutputDecoder, MalformedLinePreviewIsShortAndValidUtf8) {
  const std::string junk = std::string(200, 'z') + "\xFF";
  const auto deltas = decode(R"({"type":"text","text":"a"})"
                             "\n" +
                             junk + "\n");
  ASSERT_EQ(deltas.size(), 2u);
  const auto& message = std::get<ErrorDelta>(deltas[1]).message;
  EXPECT_EQ(message, "the command wrote a line that is not JSON: " + std::string(80, 'z') + "…");
}

// --- Bounds --------------------------------------------------------------------------------------

TEST(CommandOutputDecoder, LongJsonLineIsAnError) {
  CommandOutputLimits limits;
  limits.max_line_bytes = 64;
  const std::string first = R"({"type":"text","text":"a"})"
                            "\n";
  const std::string long_line = R"({"type":"text","text":")" + std::string(100, 'x') + "\"}\n";
  const Deltas expected{TextDelta{"a"}, error("the command wrote a line longer than 64 bytes")};
  EXPECT_EQ(decode(first + long_line, {}, 0, false, {}, limits), expected);
  // Also while the line is still arriving, before its end.
  CommandOutputDecoder decoder(limits);
  EXPECT_EQ(decoder.feed(first), (Deltas{TextDelta{"a"}}));
  EXPECT_TRUE(decoder.feed(long_line.substr(0, 60)).empty());
  EXPECT_EQ(decoder.feed(long_line.substr(60, 10)), (Deltas{expected[1]}));
  EXPECT_TRUE(decoder.done());
  // The default bound is 1 MiB.
  EXPECT_EQ(decode(first + R"({"type":"text","text":")" + std::string(1 << 20, 'x') + "\"}\n").back(),
            Delta(error("the command wrote a line longer than 1 MiB")));
}

TEST(CommandOutputDecoder, LongFirstLineIsText) {
  CommandOutputLimits limits;
  limits.max_line_bytes = 32;
  const std::string line = R"({"type":"text","text":")" + std::string(40, 'x') + "\"}";
  EXPECT_EQ(merged(decode(line + "\n", {5}, 0, false, {}, limits)), (Deltas{TextDelta{line + "\n"}, stop()}));
}

TEST(CommandOutputDecoder, TotalOutputIsBounded) {
  CommandOutputLimits limits;
  limits.max_total_bytes = 100;
  const auto deltas = decode(std::string(150, 'a'), {40}, 0, false, {}, limits);
  EXPECT_EQ(merged(deltas),
            (Deltas{TextDelta{std::string(80, 'a')}, error("the command wrote more than 100 bytes")}));
  EXPECT_EQ(count_ends(deltas), 1);
  // 16 MiB by default.
  CommandOutputDecoder decoder;
  const std::string mib(1 << 20, 'b');
  for (int i = 0; i < 16; ++i) EXPECT_FALSE(decoder.feed(mib).empty());
  EXPECT_EQ(decoder.feed("c"), (Deltas{error("the command wrote more than 16 MiB")}));
}

TEST(CommandOutputDecoder, ExactlyOneEndWhateverHappens) {
  const std::vector<std::string> outputs = {"",
                                            "text",
                                            R"({"type":"final"})"
                                            "\n",
                                            R"({"type":"error","message":"x"})"
                                            "\n",
                                            R"({"type":"text","text":"a"})"
                                            "\nnot json\n",
                                            R"({"type":"tool_call","name":"t"})"};
  for (const auto& output : outputs)
    for (const int exit_code : {0, 1})
      for (const bool killed : {false, true}) {
        EXPECT_EQ(count_ends(decode(output, {2}, exit_code, killed, "killed")), 1) << output;
      }
}

}  // namespace
}  // namespace mmclaw::agent

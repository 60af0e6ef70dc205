#include "agent/tool_calls.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <boost/json/parse.hpp>

namespace mmclaw::agent {
namespace {

namespace json = boost::json;

// Feeds each JSON text (one chunk's `delta.tool_calls` array) and collects the activities.
std::vector<ToolActivity> feed_all(ToolCallAssembler& assembler, const std::vector<std::string>& chunks) {
  std::vector<ToolActivity> all;
  for (const auto& chunk : chunks) {
    for (auto& a : assembler.add_openai_deltas(json::parse(chunk).as_array())) all.push_back(std::move(a));
  }
  return all;
}

std::vector<ToolCall> calls_of(const ToolCallAssembler& assembler) {
  auto result = assembler.finish();
  EXPECT_TRUE(result.has_value()) << (result ? "" : result.error());
  return result ? *result : std::vector<ToolCall>{};
}

ToolActivity started(std::string id, std::string name) {
  return ToolActivity{std::move(id), std::move(name), false};
}

struct ServerShape {
  std::string server;
  std::vector<std::string> chunks;
  std::vector<ToolActivity> activities;
  std::vector<ToolCall> calls;
};

TEST(ToolCallAssembler, AssemblesEachServersChunkShape) {
  const std::vector<ServerShape> shapes = {
      {"OpenAI (and llmsim): id, type and name first with empty arguments, then index-only pieces",
       {R"([{"index":0,"id":"call_a","type":"function","function":{"name":"get_weather","arguments":""}}])",
        R"([{"index":0,"function":{"arguments":"{\"loc"}}])",
        R"([{"index":0,"function":{"arguments":"ation\":\"Paris\"}"}}])",
        R"([{"index":1,"id":"call_b","type":"function","function":{"name":"get_time","arguments":""}}])",
        R"([{"index":1,"function":{"arguments":"{}"}}])"},
       {started("call_a", "get_weather"), started("call_b", "get_time")},
       {{"call_a", "get_weather", R"({"location":"Paris"})"}, {"call_b", "get_time", "{}"}}},
      {"vLLM: the first piece has no arguments member",
       {R"([{"index":0,"id":"chatcmpl-tool-1f","type":"function","function":{"name":"search"}}])",
        R"([{"index":0,"function":{"arguments":"{\"q\": "}}])",
        R"([{"index":0,"function":{"arguments":"\"mattermost\"}"}}])"},
       {started("chatcmpl-tool-1f", "search")},
       {{"chatcmpl-tool-1f", "search", R"({"q": "mattermost"})"}}},
      {"llama.cpp: id in the first piece, type repeated",
       {R"([{"index":0,"id":"Xq1","type":"function","function":{"name":"react","arguments":"{"}}])",
        R"([{"index":0,"type":"function","function":{"arguments":"\"emoji\":\"tada\"}"}}])"},
       {started("Xq1", "react")},
       {{"Xq1", "react", R"({"emoji":"tada"})"}}},
      {"Ollama: the whole call in one chunk",
       {R"([{"id":"call_o1","index":0,"type":"function","function":{"name":"send","arguments":"{\"text\":\"hi\"}"}}])"},
       {started("call_o1", "send")},
       {{"call_o1", "send", R"({"text":"hi"})"}}},
      {"older Ollama: whole calls without index in one chunk",
       {R"([{"id":"call_1","type":"function","function":{"name":"a","arguments":"{\"x\":1}"}},)"
        R"({"id":"call_2","type":"function","function":{"name":"b","arguments":"{\"y\":2}"}}])"},
       {started("call_1", "a"), started("call_2", "b")},
       {{"call_1", "a", R"({"x":1})"}, {"call_2", "b", R"({"y":2})"}}},
      {"a single call without index, in pieces",
       {R"([{"id":"c1","type":"function","function":{"name":"f","arguments":""}}])",
        R"([{"function":{"arguments":"{\"k\":"}}])", R"([{"function":{"arguments":"true}"}}])"},
       {started("c1", "f")},
       {{"c1", "f", R"({"k":true})"}}},
      {"the id and name repeated in every piece",
       {R"([{"index":0,"id":"r1","type":"function","function":{"name":"f","arguments":"{\"a\""}}])",
        R"([{"index":0,"id":"r1","type":"function","function":{"name":"f","arguments":":1}"}}])"},
       {started("r1", "f")},
       {{"r1", "f", R"({"a":1})"}}},
      {"a proxy that numbers every parallel call 0",
       {R"([{"index":0,"id":"g1","type":"function","function":{"name":"a","arguments":"{}"}}])",
        R"([{"index":0,"id":"g2","type":"function","function":{"name":"b","arguments":"{\"z\":"}}])",
        R"([{"index":0,"function":{"arguments":"0}"}}])"},
       {started("g1", "a"), started("g2", "b")},
       {{"g1", "a", "{}"}, {"g2", "b", R"({"z":0})"}}},
      {"arguments sent as an object",
       {R"([{"index":0,"id":"o1","function":{"name":"f","arguments":{"n":1}}}])"},
       {started("o1", "f")},
       {{"o1", "f", R"({"n":1})"}}},
      {"interleaved pieces of two calls, indexes out of order",
       {R"([{"index":1,"id":"second","function":{"name":"b","arguments":"{\"b\""}}])",
        R"([{"index":0,"id":"first","function":{"name":"a","arguments":"{\"a\""}}])",
        R"([{"index":1,"function":{"arguments":":2}"}},{"index":0,"function":{"arguments":":1}"}}])"},
       {started("second", "b"), started("first", "a")},
       {{"first", "a", R"({"a":1})"}, {"second", "b", R"({"b":2})"}}},
      {"the name arrives after the id",
       {R"([{"index":0,"id":"late","type":"function","function":{"arguments":""}}])",
        R"([{"index":0,"function":{"name":"f"}}])", R"([{"index":0,"function":{"arguments":"{}"}}])"},
       {started("late", "f")},
       {{"late", "f", "{}"}}},
      {"a float index",
       {R"([{"index":0.0,"id":"fl","function":{"name":"f","arguments":"{}"}}])"},
       {started("fl", "f")},
       {{"fl", "f", "{}"}}},
  };
  for (const auto& shape : shapes) {
    SCOPED_TRACE(shape.server);
    ToolCallAssembler assembler;
    EXPECT_EQ(feed_all(assembler, shape.chunks), shape.activities);
    EXPECT_EQ(calls_of(assembler), shape.calls);
  }
}

TEST(ToolCallAssembler, EveryPieceSplitGivesTheSameCall) {
  const std::string arguments = R"({"message":"héllo, wörld","n":[1,2,3]})";
  for (std::size_t cut = 0; cut <= arguments.size(); ++cut) {
    ToolCallAssembler assembler;
    assembler.add_openai_deltas(
        json::parse(R"([{"index":0,"id":"c","function":{"name":"f","arguments":""}}])").as_array());
    for (const auto& piece : {arguments.substr(0, cut), arguments.substr(cut)}) {
      json::array delta{json::object{{"index", 0}, {"function", json::object{{"arguments", piece}}}}};
      assembler.add_openai_deltas(delta);
    }
    ASSERT_EQ(calls_of(assembler), (std::vector<ToolCall>{{"c", "f", arguments}})) << cut;
  }
}

TEST(ToolCallAssembler, ACallWithoutIdGetsOne) {
  ToolCallAssembler assembler;
  const auto activities = feed_all(assembler, {R"([{"index":0,"function":{"name":"f","arguments":"{}"}}])",
                                               R"([{"index":1,"function":{"name":"g"}}])"});
  EXPECT_EQ(activities, (std::vector<ToolActivity>{started("call_0", "f"), started("call_1", "g")}));
  EXPECT_EQ(calls_of(assembler), (std::vector<ToolCall>{{"call_0", "f", "{}"}, {"call_1", "g", "{}"}}));
}

TEST(ToolCallAssembler, ARealIdArrivingLateReplacesTheMadeUpOne) {
  ToolCallAssembler assembler;
  feed_all(assembler, {R"([{"index":0,"function":{"name":"f"}}])", R"([{"index":0,"id":"real"}])"});
  EXPECT_EQ(calls_of(assembler), (std::vector<ToolCall>{{"real", "f", "{}"}}));
}

TEST(ToolCallAssembler, EmptyArgumentsBecomeAnEmptyObject) {
  ToolCallAssembler assembler;
  feed_all(assembler, {R"([{"index":0,"id":"c","function":{"name":"now","arguments":""}}])"});
  EXPECT_EQ(calls_of(assembler), (std::vector<ToolCall>{{"c", "now", "{}"}}));
}

TEST(ToolCallAssembler, BrokenArgumentsArePassedOnAsWritten) {
  ToolCallAssembler assembler;
  feed_all(assembler, {R"([{"index":0,"id":"c","function":{"name":"f","arguments":"{\"a\":"}}])"});
  EXPECT_EQ(calls_of(assembler), (std::vector<ToolCall>{{"c", "f", R"({"a":)"}}));
}

TEST(ToolCallAssembler, AnEmptyTrailingEntryIsDropped) {
  ToolCallAssembler assembler;
  feed_all(assembler, {R"([{"index":0,"id":"c","function":{"name":"f","arguments":"{}"}}])",
                       R"([{"index":1,"function":{"arguments":""}}])"});
  EXPECT_EQ(calls_of(assembler), (std::vector<ToolCall>{{"c", "f", "{}"}}));
}

TEST(ToolCallAssembler, ArgumentsWithoutANameAreAnError) {
  ToolCallAssembler assembler;
  feed_all(assembler, {R"([{"index":0,"id":"c","function":{"arguments":"{\"a\":1}"}}])"});
  const auto result = assembler.finish();
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error(), "the model sent a tool call without a name");
}

TEST(ToolCallAssembler, IgnoresEntriesThatAreNotObjects) {
  ToolCallAssembler assembler;
  feed_all(assembler, {R"([null, 3, "x", {"index":0,"id":"c","function":{"name":"f","arguments":"{}"}}])",
                       R"([{"index":0,"function":null}])"});
  EXPECT_EQ(calls_of(assembler), (std::vector<ToolCall>{{"c", "f", "{}"}}));
}

TEST(ToolCallAssembler, AtMostSixtyFourCalls) {
  ToolCallAssembler assembler;
  for (int i = 0; i < 64; ++i) {
    json::array delta{json::object{{"index", i},
                                   {"id", "c" + std::to_string(i)},
                                   {"function", json::object{{"name", "f"}, {"arguments", "{}"}}}}};
    assembler.add_openai_deltas(delta);
  }
  EXPECT_FALSE(assembler.failed());
  EXPECT_EQ(calls_of(assembler).size(), 64u);
  json::array one_more{json::object{{"index", 64}, {"id", "c64"}, {"function", json::object{{"name", "f"}}}}};
  EXPECT_TRUE(assembler.add_openai_deltas(one_more).empty());
  EXPECT_TRUE(assembler.failed());
  EXPECT_EQ(assembler.error(), "the model asked for more than 64 tool calls");
  EXPECT_EQ(assembler.finish().error(), "the model asked for more than 64 tool calls");
}

TEST(ToolCallAssembler, ArgumentsAreBounded) {
  ToolCallAssembler assembler(ToolCallLimits{4, 16, 1024});
  assembler.start(0, "c", "f");
  assembler.append(0, std::string(16, 'x'));
  EXPECT_FALSE(assembler.failed());
  assembler.append(0, "y");
  EXPECT_TRUE(assembler.failed());
  EXPECT_EQ(assembler.error(), "a tool call's arguments are larger than 16 bytes");
  // Sticky: nothing more is taken.
  EXPECT_FALSE(assembler.start(1, "d", "g").has_value());
  EXPECT_FALSE(assembler.finish().has_value());
}

TEST(ToolCallAssembler, TheDefaultArgumentLimitIsOneMebibyte) {
  ToolCallAssembler assembler;
  assembler.start(0, "c", "f");
  assembler.append(0, std::string(1024 * 1024, 'a'));
  EXPECT_FALSE(assembler.failed());
  assembler.append(0, "a");
  EXPECT_TRUE(assembler.failed());
}

TEST(ToolCallAssembler, AnAbsurdNameIsAnError) {
  ToolCallAssembler assembler;
  json::array delta{json::object{{"index", 0}, {"function", json::object{{"name", std::string(2000, 'n')}}}}};
  assembler.add_openai_deltas(delta);
  EXPECT_TRUE(assembler.failed());
}

TEST(ToolCallAssembler, AnthropicBlocksThroughTheNeutralApi) {
  ToolCallAssembler assembler;
  // Block 0 is text (never reaches the assembler); tool_use blocks 1 and 2.
  EXPECT_EQ(assembler.start(1, "toolu_1", "message"), started("toolu_1", "message"));
  assembler.append(1, "");
  assembler.append(1, "{\"action\": \"re");
  assembler.append(1, "act\"}");
  EXPECT_EQ(assembler.start(2, "toolu_2", "now"), started("toolu_2", "now"));
  EXPECT_EQ(calls_of(assembler), (std::vector<ToolCall>{{"toolu_1", "message", R"({"action": "react"})"},
                                                        {"toolu_2", "now", "{}"}}));
}

TEST(ToolCallAssembler, NeutralApiProtocolErrors) {
  {
    ToolCallAssembler assembler;
    assembler.append(3, "{}");
    EXPECT_EQ(assembler.error(), "tool call block 3 was never started");
  }
  {
    ToolCallAssembler assembler;
    assembler.start(1, "a", "f");
    assembler.start(1, "b", "g");
    EXPECT_EQ(assembler.error(), "tool call block 1 started twice");
  }
}

TEST(ToolCallAssembler, ABlockWithoutNameOrArgumentsIsDropped) {
  ToolCallAssembler assembler;
  EXPECT_FALSE(assembler.start(0, "x", "").has_value());
  EXPECT_EQ(assembler.size(), 1u);
  ASSERT_TRUE(assembler.finish().has_value());
  EXPECT_TRUE(assembler.finish()->empty());
}

TEST(ToolCallAssembler, FinishCanBeCalledAgain) {
  ToolCallAssembler assembler;
  assembler.start(0, "a", "f");
  EXPECT_EQ(calls_of(assembler), calls_of(assembler));
  EXPECT_TRUE(ToolCallAssembler().finish()->empty());
}

}  // namespace
}  // namespace mmclaw::agent

// llmsim conformance: the real executable as a process on 127.0.0.1 (port 0), driven over
// sockets with the test client. Every wait is bounded.

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "support/http_test_client.hpp"
#include "util/child_process.hpp"
#include "util/subprocess.hpp"

namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using mmclaw::test::Headers;
using mmclaw::test::HttpReply;
using mmclaw::test::HttpTestClient;
using mmclaw::util::ChildOptions;
using mmclaw::util::ChildProcess;
using mmclaw::util::Stream;

constexpr std::string_view kReadyPrefix = "llmsim listening on http://127.0.0.1:";

// One llmsim process; stopped with SIGTERM (and checked to exit 0) at the end.
class Llmsim {
 public:
  explicit Llmsim(std::vector<std::string> extra_args = {}) {
    ChildOptions options;
    options.argv = {LLMSIM_BINARY, "--port", "0", "--log-level", "warn", "--exit-with-parent"};
    options.argv.insert(options.argv.end(), extra_args.begin(), extra_args.end());
    auto child = ChildProcess::spawn(options);
    if (!child) throw std::runtime_error(child.error().message);
    child_.emplace(std::move(*child));
    auto line = child_->wait_for_line(Stream::out, kReadyPrefix, 20s);
    if (!line)
      throw std::runtime_error("llmsim did not start: " + line.error().message + "\n" +
                               child_->output(Stream::err));
    port_ = static_cast<std::uint16_t>(std::stoi(line->substr(line->rfind(':') + 1)));
  }
  ~Llmsim() {
    if (child_) (void)child_->terminate(5s);
  }
  Llmsim(const Llmsim&) = delete;
  Llmsim& operator=(const Llmsim&) = delete;

  [[nodiscard]] std::uint16_t port() const { return port_; }
  ChildProcess& child() { return *child_; }

 private:
  std::optional<ChildProcess> child_;
  std::uint16_t port_ = 0;
};

std::string openai_body(std::string_view user_text, bool stream = false, std::string_view extra = "") {
  json::object body{{"model", "sim-chat"},
                    {"messages", json::array{json::object{{"role", "user"}, {"content", user_text}}}}};
  if (stream) body["stream"] = true;
  std::string text = json::serialize(body);
  if (!extra.empty()) text.insert(text.size() - 1, std::string(",") + std::string(extra));
  return text;
}

std::string anthropic_body(std::string_view user_text, bool stream = false) {
  json::object body{{"model", "claude-sim"},
                    {"max_tokens", 1024},
                    {"messages", json::array{json::object{{"role", "user"}, {"content", user_text}}}}};
  if (stream) body["stream"] = true;
  return json::serialize(body);
}

const Headers kJson{{"Content-Type", "application/json"}, {"Authorization", "Bearer sk-test-key-123456"}};
const Headers kAnthropic{{"Content-Type", "application/json"},
                         {"anthropic-version", "2023-06-01"},
                         {"x-api-key", "sk-ant-test-key"}};

// Reads a whole SSE body line by line and checks OpenAI framing: every event is exactly
// `data: <payload>` followed by a blank line, and the last payload is [DONE]. Returns the payloads.
std::vector<std::string> read_openai_frames(HttpTestClient& client) {
  std::vector<std::string> payloads;
  while (true) {
    auto line = client.read_line(5s);
    if (!line) {
      ADD_FAILURE() << line.error().message;
      return payloads;
    }
    if (!*line) break;
    EXPECT_TRUE((*line)->starts_with("data: ")) << **line;
    payloads.push_back((*line)->substr(6));
    auto blank = client.read_line(5s);
    if (!blank || !*blank) {
      ADD_FAILURE() << "a frame must end with a blank line";
      return payloads;
    }
    EXPECT_EQ(**blank, "");
  }
  EXPECT_FALSE(payloads.empty());
  if (!payloads.empty()) {
    EXPECT_EQ(payloads.back(), "[DONE]");
  }
  return payloads;
}

struct AnthropicEvent {
  std::string name;
  json::object data;
};

// Anthropic framing: `event: <name>`, `data: <json>` whose type is <name>, blank line.
std::vector<AnthropicEvent> read_anthropic_events(HttpTestClient& client) {
  std::vector<AnthropicEvent> events;
  while (true) {
    auto line = client.read_line(5s);
    if (!line) {
      ADD_FAILURE() << line.error().message;
      return events;
    }
    if (!*line) break;
    EXPECT_TRUE((*line)->starts_with("event: ")) << **line;
    auto data = client.read_line(5s);
    auto blank = client.read_line(5s);
    if (!data || !*data || !blank || !*blank) {
      ADD_FAILURE() << "an event needs a data line and a blank line";
      return events;
    }
    EXPECT_TRUE((*data)->starts_with("data: ")) << **data;
    EXPECT_EQ(**blank, "");
    AnthropicEvent event{(*line)->substr(7), json::parse((*data)->substr(6)).as_object()};
    EXPECT_EQ(event.data.at("type").as_string(), event.name);
    events.push_back(std::move(event));
  }
  return events;
}

struct OpenAiStream {
  std::string reasoning;
  std::string content;
  std::vector<std::string> order;        // "reasoning" / "content" / "tool", one entry per run
  std::vector<json::object> tool_calls;  // reassembled: id, name, arguments
  std::string finish_reason;
  std::optional<json::object> usage;
};

OpenAiStream reassemble(const std::vector<std::string>& payloads) {
  OpenAiStream out;
  const auto note = [&out](const char* kind) {
    if (out.order.empty() || out.order.back() != kind) out.order.emplace_back(kind);
  };
  for (const auto& payload : payloads) {
    if (payload == "[DONE]") continue;
    const auto chunk = json::parse(payload).as_object();
    EXPECT_EQ(chunk.at("object").as_string(), "chat.completion.chunk");
    if (const auto* usage = chunk.if_contains("usage")) out.usage = usage->as_object();
    for (const auto& choice : chunk.at("choices").as_array()) {
      const auto& delta = choice.at("delta").as_object();
      if (const auto* r = delta.if_contains("reasoning_content")) {
        note("reasoning");
        out.reasoning += r->as_string();
      }
      if (const auto* c = delta.if_contains("content"); c && !c->is_null() && !c->as_string().empty()) {
        note("content");
        out.content += c->as_string();
      }
      if (const auto* calls = delta.if_contains("tool_calls")) {
        note("tool");
        for (const auto& call : calls->as_array()) {
          const auto index = call.at("index").to_number<std::size_t>();
          if (out.tool_calls.size() <= index)
            out.tool_calls.resize(index + 1, json::object{{"arguments", ""}});
          auto& target = out.tool_calls[index];
          if (const auto* id = call.as_object().if_contains("id")) target["id"] = *id;
          const auto& function = call.at("function").as_object();
          if (const auto* name = function.if_contains("name")) target["name"] = *name;
          if (const auto* args = function.if_contains("arguments")) {
            target["arguments"].as_string().append(args->as_string());
          }
        }
      }
      if (!choice.at("finish_reason").is_null()) out.finish_reason = choice.at("finish_reason").as_string();
    }
  }
  return out;
}

json::object parse_body(const HttpReply& reply) {
  return json::parse(reply.body).as_object();
}

class LlmsimConformance : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { sim_ = new Llmsim(); }
  static void TearDownTestSuite() {
    delete sim_;
    sim_ = nullptr;
  }
  void SetUp() override {
    HttpTestClient control(port());
    auto reset = control.request("POST", "/_control/reset");
    ASSERT_TRUE(reset && reset->status == 200u);
  }
  static std::uint16_t port() { return sim_->port(); }

  static HttpReply post(std::string_view target, const Headers& headers, std::string_view body) {
    HttpTestClient client(port());
    auto reply = client.request("POST", target, headers, body);
    EXPECT_TRUE(reply) << reply.error().message;
    return reply ? *reply : HttpReply{};
  }
  static HttpReply get(std::string_view target, const Headers& headers = {}) {
    HttpTestClient client(port());
    auto reply = client.request("GET", target, headers);
    EXPECT_TRUE(reply) << reply.error().message;
    return reply ? *reply : HttpReply{};
  }

  static Llmsim* sim_;
};

Llmsim* LlmsimConformance::sim_ = nullptr;

TEST_F(LlmsimConformance, OpenAiEchoWhole) {
  const auto reply = post("/v1/chat/completions", kJson, openai_body("hello world"));
  EXPECT_EQ(reply.status, 200u);
  EXPECT_EQ(reply.header("Content-Type"), "application/json");
  const auto body = parse_body(reply);
  EXPECT_TRUE(body.at("id").as_string().starts_with("chatcmpl-"));
  EXPECT_EQ(body.at("object").as_string(), "chat.completion");
  EXPECT_TRUE(body.at("created").is_int64() || body.at("created").is_uint64());
  EXPECT_EQ(body.at("model").as_string(), "sim-chat");
  const auto& choice = body.at("choices").at(0).as_object();
  EXPECT_EQ(choice.at("index").to_number<int>(), 0);
  EXPECT_EQ(choice.at("message").at("role").as_string(), "assistant");
  EXPECT_EQ(choice.at("message").at("content").as_string(), "echo: hello world");
  EXPECT_EQ(choice.at("finish_reason").as_string(), "stop");
  const auto& usage = body.at("usage").as_object();
  EXPECT_EQ(usage.at("prompt_tokens").to_number<int>(), 2);
  EXPECT_EQ(usage.at("completion_tokens").to_number<int>(), 3);
  EXPECT_EQ(usage.at("total_tokens").to_number<int>(), 5);
}

TEST_F(LlmsimConformance, OpenAiEchoStreamFraming) {
  HttpTestClient client(port());
  auto head = client.start("POST", "/v1/chat/completions", kJson,
                           openai_body("stream me", true, R"("stream_options":{"include_usage":true})"));
  ASSERT_TRUE(head) << head.error().message;
  EXPECT_EQ(head->status, 200u);
  EXPECT_TRUE(head->header("Content-Type").starts_with("text/event-stream"));
  const auto payloads = read_openai_frames(client);
  ASSERT_GE(payloads.size(), 4u);
  const auto first = json::parse(payloads.front()).as_object();
  EXPECT_EQ(first.at("choices").at(0).at("delta").at("role").as_string(), "assistant");
  const auto stream = reassemble(payloads);
  EXPECT_EQ(stream.content, "echo: stream me");
  EXPECT_EQ(stream.finish_reason, "stop");
  ASSERT_TRUE(stream.usage);
  EXPECT_EQ(stream.usage->at("total_tokens").to_number<int>(), 2 + 3);
  // The usage chunk comes after the finish and has no choices.
  EXPECT_TRUE(json::parse(payloads[payloads.size() - 2]).at("choices").as_array().empty());

  // The connection is kept for the next request.
  auto again = client.request("POST", "/v1/chat/completions", kJson, openai_body("again"));
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(client.connections_opened(), 1);
}

TEST_F(LlmsimConformance, AnthropicEchoWhole) {
  const auto reply = post("/v1/messages", kAnthropic, anthropic_body("hi claude"));
  EXPECT_EQ(reply.status, 200u);
  const auto body = parse_body(reply);
  EXPECT_TRUE(body.at("id").as_string().starts_with("msg_"));
  EXPECT_EQ(body.at("type").as_string(), "message");
  EXPECT_EQ(body.at("role").as_string(), "assistant");
  EXPECT_EQ(body.at("model").as_string(), "claude-sim");
  EXPECT_EQ(body.at("content").at(0).at("type").as_string(), "text");
  EXPECT_EQ(body.at("content").at(0).at("text").as_string(), "echo: hi claude");
  EXPECT_EQ(body.at("stop_reason").as_string(), "end_turn");
  EXPECT_TRUE(body.at("stop_sequence").is_null());
  EXPECT_EQ(body.at("usage").at("input_tokens").to_number<int>(), 2);
  EXPECT_EQ(body.at("usage").at("output_tokens").to_number<int>(), 3);
}

TEST_F(LlmsimConformance, AnthropicStreamEventOrder) {
  HttpTestClient client(port());
  auto head = client.start("POST", "/v1/messages", kAnthropic, anthropic_body("order please", true));
  ASSERT_TRUE(head) << head.error().message;
  EXPECT_EQ(head->status, 200u);
  EXPECT_TRUE(head->header("Content-Type").starts_with("text/event-stream"));
  const auto events = read_anthropic_events(client);
  std::vector<std::string> names;
  std::string text;
  for (const auto& event : events) {
    if (names.empty() || names.back() != event.name || event.name != "content_block_delta")
      names.push_back(event.name);
    if (event.name == "content_block_delta") text += event.data.at("delta").at("text").as_string();
  }
  EXPECT_EQ(names,
            (std::vector<std::string>{"message_start", "ping", "content_block_start", "content_block_delta",
                                      "content_block_stop", "message_delta", "message_stop"}));
  EXPECT_EQ(text, "echo: order please");
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.front().data.at("message").at("role").as_string(), "assistant");
  const auto& message_delta = events[events.size() - 2].data;
  EXPECT_EQ(message_delta.at("delta").at("stop_reason").as_string(), "end_turn");
  EXPECT_EQ(message_delta.at("usage").at("output_tokens").to_number<int>(), 3);
}

TEST_F(LlmsimConformance, OpenAiToolCallDeltasReassemble) {
  HttpTestClient client(port());
  const std::string args =
      R"({"action":"send","message":"Hello from the tool — with ünïcode","target":"channel:town"})";
  auto head = client.start("POST", "/v1/chat/completions", kJson,
                           openai_body("@llmsim {\"tool\":[{\"name\":\"message\",\"arguments\":" + args +
                                           "},{\"name\":\"react\",\"arguments\":{\"emoji\":\"thumbsup\"}}]}",
                                       true));
  ASSERT_TRUE(head) << head.error().message;
  const auto stream = reassemble(read_openai_frames(client));
  ASSERT_EQ(stream.tool_calls.size(), 2u);
  EXPECT_TRUE(stream.tool_calls[0].at("id").as_string().starts_with("call_"));
  EXPECT_NE(stream.tool_calls[0].at("id"), stream.tool_calls[1].at("id"));
  EXPECT_EQ(stream.tool_calls[0].at("name").as_string(), "message");
  EXPECT_EQ(json::parse(stream.tool_calls[0].at("arguments").as_string()), json::parse(args));
  EXPECT_EQ(stream.tool_calls[1].at("name").as_string(), "react");
  EXPECT_EQ(json::parse(stream.tool_calls[1].at("arguments").as_string()),
            json::parse(R"({"emoji":"thumbsup"})"));
  EXPECT_EQ(stream.finish_reason, "tool_calls");
  EXPECT_EQ(stream.content, "");
}

TEST_F(LlmsimConformance, AnthropicToolUseDeltasReassemble) {
  HttpTestClient client(port());
  auto head = client.start("POST", "/v1/messages", kAnthropic,
                           anthropic_body(
                               R"(@llmsim {"reply":"Sending.",
                      "tool":{"name":"message","arguments":{"text":"a fairly long text"}}})",
                               true));
  ASSERT_TRUE(head) << head.error().message;
  const auto events = read_anthropic_events(client);
  std::string partial;
  std::string name;
  std::string stop_reason;
  for (const auto& event : events) {
    if (event.name == "content_block_start" &&
        event.data.at("content_block").at("type").as_string() == "tool_use") {
      name = event.data.at("content_block").at("name").as_string();
      EXPECT_TRUE(event.data.at("content_block").at("id").as_string().starts_with("toolu_"));
    }
    if (event.name == "content_block_delta" &&
        event.data.at("delta").at("type").as_string() == "input_json_delta") {
      partial += event.data.at("delta").at("partial_json").as_string();
    }
    if (event.name == "message_delta") stop_reason = event.data.at("delta").at("stop_reason").as_string();
  }
  EXPECT_EQ(name, "message");
  EXPECT_EQ(json::parse(partial), json::parse(R"({"text":"a fairly long text"})"));
  EXPECT_EQ(stop_reason, "tool_use");
}

TEST_F(LlmsimConformance, ReasoningComesBeforeContent) {
  HttpTestClient client(port());
  auto head = client.start(
      "POST", "/v1/chat/completions", kJson,
      openai_body(R"(@llmsim {"think":"Let me think about this.","reply":"Done thinking."})", true));
  ASSERT_TRUE(head);
  const auto stream = reassemble(read_openai_frames(client));
  EXPECT_EQ(stream.reasoning, "Let me think about this.");
  EXPECT_EQ(stream.content, "Done thinking.");
  EXPECT_EQ(stream.order, (std::vector<std::string>{"reasoning", "content"}));

  HttpTestClient anthropic(port());
  ASSERT_TRUE(
      anthropic.start("POST", "/v1/messages", kAnthropic, anthropic_body(R"(@llmsim {"think":5})", true)));
  std::vector<std::string> blocks;
  for (const auto& event : read_anthropic_events(anthropic)) {
    if (event.name == "content_block_start")
      blocks.emplace_back(event.data.at("content_block").at("type").as_string());
  }
  EXPECT_EQ(blocks, (std::vector<std::string>{"thinking", "text"}));

  const auto whole =
      parse_body(post("/v1/chat/completions", kJson, openai_body(R"(@llmsim {"think":"hm"})")));
  EXPECT_EQ(whole.at("choices").at(0).at("message").at("reasoning_content").as_string(), "hm");
}

TEST_F(LlmsimConformance, RateLimitWith429AndRetryAfter) {
  const auto limited = post("/v1/chat/completions", kJson,
                            openai_body(R"(@llmsim {"fail":{"status":429,"retry_after":7}})", true));
  EXPECT_EQ(limited.status, 429u);
  EXPECT_EQ(limited.header("Retry-After"), "7");
  EXPECT_EQ(limited.header("Content-Type"), "application/json");  // before streaming: a plain error
  const auto error = parse_body(limited).at("error").as_object();
  EXPECT_EQ(error.at("type").as_string(), "rate_limit_error");
  EXPECT_EQ(error.at("code").as_string(), "rate_limit_exceeded");
  EXPECT_FALSE(error.at("message").as_string().empty());

  const auto anthropic = post("/v1/messages", kAnthropic, anthropic_body(R"(@llmsim {"fail":429})"));
  EXPECT_EQ(anthropic.status, 429u);
  EXPECT_EQ(anthropic.header("Retry-After"), "1");
  EXPECT_EQ(parse_body(anthropic).at("type").as_string(), "error");
  EXPECT_EQ(parse_body(anthropic).at("error").at("type").as_string(), "rate_limit_error");

  for (const unsigned status : {500u, 503u}) {
    const auto failed =
        post("/v1/chat/completions", kJson, openai_body("@llmsim {\"fail\":" + std::to_string(status) + "}"));
    EXPECT_EQ(failed.status, status);
    EXPECT_FALSE(failed.has_header("Retry-After"));
    EXPECT_EQ(parse_body(failed).at("error").at("type").as_string(), "server_error");
  }

  // `times`: the same directive fails once, then goes through (a retry succeeds).
  const auto once = openai_body(R"(@llmsim {"fail":{"status":503,"times":1},"reply":"second try"})");
  EXPECT_EQ(post("/v1/chat/completions", kJson, once).status, 503u);
  const auto retried = post("/v1/chat/completions", kJson, once);
  EXPECT_EQ(retried.status, 200u);
  EXPECT_EQ(parse_body(retried).at("choices").at(0).at("message").at("content").as_string(), "second try");
}

TEST_F(LlmsimConformance, ForcedFailuresFromTheControlEndpoint) {
  const auto set =
      post("/_control/settings", kJson, R"({"fail_next":{"count":2,"status":503,"retry_after":2}})");
  ASSERT_EQ(set.status, 200u);
  EXPECT_EQ(parse_body(set).at("fail_next").at("count").to_number<int>(), 2);
  const auto first = post("/v1/chat/completions", kJson, openai_body("x"));
  EXPECT_EQ(first.status, 503u);
  EXPECT_EQ(first.header("Retry-After"), "2");
  EXPECT_EQ(post("/v1/messages", kAnthropic, anthropic_body("x")).status, 503u);
  EXPECT_EQ(post("/v1/chat/completions", kJson, openai_body("x")).status, 200u);
}

TEST_F(LlmsimConformance, SettingsDefaultsApplyUnderDirectives) {
  ASSERT_EQ(
      post("/_control/settings", kJson, R"({"defaults":{"reply":"from settings"},"models":["m1","m2"]})")
          .status,
      200u);
  const auto plain = parse_body(post("/v1/chat/completions", kJson, openai_body("anything")));
  EXPECT_EQ(plain.at("choices").at(0).at("message").at("content").as_string(), "from settings");
  const auto overridden =
      parse_body(post("/v1/chat/completions", kJson, openai_body(R"(@llmsim {"reply":"mine"})")));
  EXPECT_EQ(overridden.at("choices").at(0).at("message").at("content").as_string(), "mine");
  const auto shown = parse_body(get("/_control/settings"));
  EXPECT_EQ(shown.at("defaults").at("reply").as_string(), "from settings");
  const auto models = parse_body(get("/v1/models"));
  EXPECT_EQ(models.at("data").at(1).at("id").as_string(), "m2");
  EXPECT_EQ(post("/_control/settings", kJson, R"({"bogus":true})").status, 400u);
}

TEST_F(LlmsimConformance, ModelsListsInBothFormats) {
  const auto openai = parse_body(get("/v1/models"));
  EXPECT_EQ(openai.at("object").as_string(), "list");
  EXPECT_EQ(openai.at("data").at(0).at("id").as_string(), "sim-chat");
  EXPECT_EQ(openai.at("data").at(0).at("object").as_string(), "model");
  const auto anthropic = parse_body(get("/v1/models", {{"anthropic-version", "2023-06-01"}}));
  EXPECT_EQ(anthropic.at("data").at(0).at("type").as_string(), "model");
  EXPECT_FALSE(anthropic.at("has_more").as_bool());
  // Any model name is accepted in requests.
  const auto other = post("/v1/chat/completions", kJson,
                          R"({"model":"whatever/you-like:7b","messages":[{"role":"user","content":"x"}]})");
  EXPECT_EQ(other.status, 200u);
  EXPECT_EQ(parse_body(other).at("model").as_string(), "whatever/you-like:7b");
}

TEST_F(LlmsimConformance, StallIsDetectableAndEnds) {
  HttpTestClient client(port());
  auto head = client.start("POST", "/v1/chat/completions", kJson,
                           openai_body(R"(@llmsim {"tokens":10,"stall":{"after":3}})", true));
  ASSERT_TRUE(head) << head.error().message;
  // Role chunk and three tokens arrive, then nothing while the socket stays open.
  for (int i = 0; i < 4; ++i) {
    auto line = client.read_line(5s);
    ASSERT_TRUE(line && *line) << (line ? "end of body" : line.error().message);
    EXPECT_TRUE((*line)->starts_with("data: "));
    ASSERT_TRUE(client.read_line(5s));
  }
  auto nothing = client.read_line(400ms);
  ASSERT_FALSE(nothing);
  EXPECT_TRUE(mmclaw::test::is_timeout(nothing.error()));
  EXPECT_TRUE(client.connected());
  client.close();

  // A stall with a duration resumes and completes.
  HttpTestClient resumed(port());
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(
      resumed.start("POST", "/v1/chat/completions", kJson,
                    openai_body(R"(@llmsim {"reply":"a b c d","stall":{"after":2,"ms":300}})", true)));
  const auto stream = reassemble(read_openai_frames(resumed));
  EXPECT_EQ(stream.content, "a b c d");
  EXPECT_GE(std::chrono::steady_clock::now() - start, 280ms);
}

TEST_F(LlmsimConformance, DelaysAreHonoured) {
  // Only lower bounds on time: a slow machine makes a test slower, never red.
  HttpTestClient client(port());
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(
      client.start("POST", "/v1/chat/completions", kJson,
                   openai_body(R"(@llmsim {"tokens":5,"delay_ms":50,"first_token_delay_ms":200})", true)));
  ASSERT_TRUE(client.read_line(5s));  // role chunk
  ASSERT_TRUE(client.read_line(5s));
  auto first_token = client.read_line(5s);
  ASSERT_TRUE(first_token && *first_token);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 200ms);
  EXPECT_EQ(json::parse((*first_token)->substr(6)).at("choices").at(0).at("delta").at("content").as_string(),
            "lorem ");
  ASSERT_TRUE(client.read_rest(5s));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 400ms);  // 200 + 4 x 50

  // The header and the role chunk do not wait for the first token.
  HttpTestClient waiting(port());
  ASSERT_TRUE(waiting.start("POST", "/v1/chat/completions", kJson,
                            openai_body(R"(@llmsim {"first_token_delay_ms":60000})", true)));
  auto role = waiting.read_line(5s);
  ASSERT_TRUE(role && *role);
  EXPECT_NE((*role)->find("\"role\":\"assistant\""), std::string::npos);
  ASSERT_TRUE(waiting.read_line(5s));
  auto token = waiting.read_line(300ms);
  ASSERT_FALSE(token);
  EXPECT_TRUE(mmclaw::test::is_timeout(token.error()));
  waiting.close();

  // A whole answer waits as long as the stream would have taken.
  const auto whole_start = std::chrono::steady_clock::now();
  EXPECT_EQ(post("/v1/chat/completions", kJson, openai_body(R"(@llmsim {"tokens":3,"delay_ms":100})")).status,
            200u);
  EXPECT_GE(std::chrono::steady_clock::now() - whole_start, 200ms);
}

TEST_F(LlmsimConformance, DropAfterCutsTheStream) {
  HttpTestClient client(port());
  ASSERT_TRUE(
      client.send_raw("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                      "Content-Length: " +
                      std::to_string(openai_body(R"(@llmsim {"tokens":10,"drop_after":2})", true).size()) +
                      "\r\n\r\n" + openai_body(R"(@llmsim {"tokens":10,"drop_after":2})", true)));
  auto bytes = client.read_until_closed(5s);
  ASSERT_TRUE(bytes) << bytes.error().message;
  EXPECT_NE(bytes->find("ipsum "), std::string::npos);
  EXPECT_EQ(bytes->find("dolor "), std::string::npos);
  EXPECT_EQ(bytes->find("[DONE]"), std::string::npos);
  EXPECT_EQ(bytes->find("\r\n0\r\n\r\n"), std::string::npos);  // no last chunk: the body was cut
}

TEST_F(LlmsimConformance, LongAnswersWithCodeFences) {
  HttpTestClient client(port());
  ASSERT_TRUE(
      client.start("POST", "/v1/chat/completions", kJson, openai_body(R"(@llmsim {"lorem":20000})", true)));
  const auto stream = reassemble(read_openai_frames(client));
  EXPECT_EQ(stream.content.size(), 20000u);
  EXPECT_NE(stream.content.find("```cpp\n"), std::string::npos);
  const auto whole =
      parse_body(post("/v1/messages", kAnthropic, anthropic_body(R"(@llmsim {"lorem":5000})")));
  EXPECT_EQ(whole.at("content").at(0).at("text").as_string().size(), 5000u);
}

TEST_F(LlmsimConformance, AfterAToolResultItAnswers) {
  const auto body = R"({"model":"m","messages":[
      {"role":"user","content":"@llmsim {\"tool\":{\"name\":\"message\"},\"after_tool\":\"sent it\"}"},
      {"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function",
        "function":{"name":"message","arguments":"{}"}}]},
      {"role":"tool","tool_call_id":"c1","content":"ok"}]})";
  const auto reply = parse_body(post("/v1/chat/completions", kJson, body));
  const auto& message = reply.at("choices").at(0).at("message").as_object();
  EXPECT_EQ(message.at("content").as_string(), "sent it");
  EXPECT_FALSE(message.contains("tool_calls"));
}

TEST_F(LlmsimConformance, RequestsAreReadableThroughControl) {
  post("/v1/chat/completions", kJson, openai_body("first"));
  post("/v1/messages", kAnthropic, anthropic_body("second"));
  const auto log = parse_body(get("/_control/requests"));
  const auto& requests = log.at("requests").as_array();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].at("path").as_string(), "/v1/chat/completions");
  EXPECT_EQ(requests[0].at("method").as_string(), "POST");
  EXPECT_EQ(requests[0].at("json").at("messages").at(0).at("content").as_string(), "first");
  EXPECT_EQ(requests[0].at("headers").at("authorization").as_string(), "[redacted]");
  EXPECT_EQ(requests[1].at("path").as_string(), "/v1/messages");
  EXPECT_EQ(requests[1].at("headers").at("x-api-key").as_string(), "[redacted]");
  EXPECT_EQ(requests[1].at("headers").at("anthropic-version").as_string(), "2023-06-01");
  EXPECT_TRUE(requests[1].at("time").as_string().ends_with("Z"));
  const auto log_text = get("/_control/requests").body;
  EXPECT_EQ(log_text.find("sk-test-key"), std::string::npos);
  EXPECT_EQ(log_text.find("sk-ant-test-key"), std::string::npos);
  const auto since = requests[0].at("seq").to_number<std::uint64_t>();
  EXPECT_EQ(
      parse_body(get("/_control/requests?since=" + std::to_string(since))).at("requests").as_array().size(),
      1u);
  EXPECT_EQ(get("/_control/requests?since=abc").status, 400u);
  EXPECT_EQ(parse_body(get("/_control/health")).at("status").as_string(), "ok");
  ASSERT_EQ(post("/_control/reset", {}, "").status, 200u);
  EXPECT_TRUE(parse_body(get("/_control/requests")).at("requests").as_array().empty());
}

TEST_F(LlmsimConformance, InvalidRequestsGetApiErrors) {
  const auto missing = post("/v1/chat/completions", kJson, R"({"model":"m"})");
  EXPECT_EQ(missing.status, 400u);
  const auto error = parse_body(missing).at("error").as_object();
  EXPECT_EQ(error.at("type").as_string(), "invalid_request_error");
  EXPECT_EQ(error.at("param").as_string(), "messages");
  EXPECT_TRUE(error.contains("code"));
  EXPECT_FALSE(error.at("message").as_string().empty());

  const auto no_version = post("/v1/messages", kJson, anthropic_body("x"));
  EXPECT_EQ(no_version.status, 400u);
  EXPECT_EQ(parse_body(no_version).at("type").as_string(), "error");
  EXPECT_NE(parse_body(no_version).at("error").at("message").as_string().find("anthropic-version"),
            std::string::npos);

  const auto bad_directive = post("/v1/chat/completions", kJson, openai_body(R"(@llmsim {"tokens":"many"})"));
  EXPECT_EQ(bad_directive.status, 400u);
  EXPECT_NE(parse_body(bad_directive).at("error").at("message").as_string().find("llmsim directive"),
            std::string::npos);

  const auto unknown = get("/v2/nothing");
  EXPECT_EQ(unknown.status, 404u);
  EXPECT_EQ(parse_body(unknown).at("error").at("type").as_string(), "invalid_request_error");
}

TEST_F(LlmsimConformance, GarbageToEveryRouteNeverHurts) {
  struct Route {
    std::string target;
    std::string method;  // the right one
  };
  const std::vector<Route> routes{
      {"/v1/chat/completions", "POST"}, {"/v1/messages", "POST"},    {"/v1/models", "GET"},
      {"/_control/requests", "GET"},    {"/_control/reset", "POST"}, {"/_control/settings", "POST"},
      {"/_control/health", "GET"},      {"/no/such/route", "GET"}};
  for (const auto& route : routes) {
    SCOPED_TRACE(route.target);
    // Malformed JSON: a 4xx for routes that read JSON, never a 5xx or a dead connection.
    const auto malformed = post(route.target, kAnthropic, "{\"model\": [unterminated");
    if (route.target == "/_control/reset") {
      EXPECT_EQ(malformed.status, 200u);  // reset reads no body
    } else {
      EXPECT_GE(malformed.status, 400u);
      EXPECT_LT(malformed.status, 500u);
    }
    if (route.target == "/v1/chat/completions" || route.target == "/v1/messages" ||
        route.target == "/_control/settings") {
      EXPECT_EQ(malformed.status, 400u);
    }
    // Wrong method.
    HttpTestClient client(port());
    auto wrong = client.request(route.method == "POST" ? "PUT" : "DELETE", route.target);
    ASSERT_TRUE(wrong) << wrong.error().message;
    EXPECT_EQ(wrong->status, route.target == "/no/such/route" ? 404u : 405u);
    if (wrong->status == 405u) {
      EXPECT_FALSE(wrong->header("Allow").empty());
    }

    // Oversized body (only the header is sent: the 413 comes first).
    HttpTestClient big(port());
    ASSERT_TRUE(
        big.send_raw("POST " + route.target + " HTTP/1.1\r\nHost: x\r\nContent-Length: 5000000\r\n\r\n"));
    auto too_big = big.read_reply(5s);
    ASSERT_TRUE(too_big) << too_big.error().message;
    EXPECT_EQ(too_big->status, 413u);

    // Truncated request, then the client goes away.
    HttpTestClient truncated(port());
    ASSERT_TRUE(truncated.send_raw("POST " + route.target +
                                   " HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"mo"));
    truncated.close();

    // Binary bytes.
    HttpTestClient binary(port());
    std::string noise = "\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03";
    noise += std::string("\x00\xff\xfe", 3) + route.target + "\r\n\r\n";
    ASSERT_TRUE(binary.send_raw(noise));
    auto answer = binary.read_until_closed(5s);
    ASSERT_TRUE(answer) << answer.error().message;
    EXPECT_TRUE(answer->starts_with("HTTP/1.1 400")) << *answer;

    // Binary bytes as a body.
    const auto binary_body = post(route.target, kAnthropic, std::string("\x00\x01\x02\xff\xfe{", 6));
    EXPECT_LT(binary_body.status, 500u);
  }
  // Still alive and answering.
  EXPECT_TRUE(sim_->child().running());
  EXPECT_EQ(get("/_control/health").status, 200u);
  EXPECT_EQ(post("/v1/chat/completions", kJson, openai_body("still here")).status, 200u);
}

TEST(LlmsimProcess, ControlTokenGuardsTheControlEndpoint) {
  Llmsim sim({"--control-token", "control-secret-42"});
  HttpTestClient client(sim.port());
  auto denied = client.request("GET", "/_control/requests");
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->status, 401u);
  auto wrong = client.request("GET", "/_control/health", {{"Authorization", "Bearer control-secret-41"}});
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 401u);
  auto allowed = client.request("GET", "/_control/health", {{"Authorization", "Bearer control-secret-42"}});
  ASSERT_TRUE(allowed);
  EXPECT_EQ(allowed->status, 200u);
  // The model API does not need it.
  auto chat = client.request("POST", "/v1/chat/completions", kJson, openai_body("x"));
  ASSERT_TRUE(chat);
  EXPECT_EQ(chat->status, 200u);
}

TEST(LlmsimProcess, SigtermStopsGracefullyWithExitZero) {
  Llmsim sim;
  // A stream stalled for good must not keep the process alive past its grace.
  HttpTestClient client(sim.port());
  ASSERT_TRUE(
      client.start("POST", "/v1/chat/completions", kJson, openai_body(R"(@llmsim {"stall":0})", true)));
  const auto start = std::chrono::steady_clock::now();
  auto status = sim.child().terminate(10s);
  ASSERT_TRUE(status) << status.error().message;
  EXPECT_EQ(*status, 0) << sim.child().output(Stream::err);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 8s);
  EXPECT_TRUE(client.wait_closed(2s));
}

TEST(LlmsimProcess, SigintStopsToo) {
  Llmsim sim;
  ASSERT_EQ(::kill(sim.child().pid(), SIGINT), 0);
  auto status = sim.child().wait(10s);
  ASSERT_TRUE(status) << status.error().message;
  EXPECT_EQ(*status, 0) << sim.child().output(Stream::err);
}

TEST(LlmsimProcess, UsageErrorsExitWithTwo) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"--port", "abc"}, std::vector<std::string>{"--log-level", "loud"},
        std::vector<std::string>{"--bogus"}}) {
    mmclaw::util::SubprocessOptions options;
    options.argv = {LLMSIM_BINARY};
    options.argv.insert(options.argv.end(), args.begin(), args.end());
    options.timeout = 10s;
    auto run = mmclaw::util::run_subprocess(options);
    ASSERT_TRUE(run) << run.error().message;
    EXPECT_EQ(run->exit_code, 2) << args.front() << ": " << run->stderr_data;
  }
  mmclaw::util::SubprocessOptions help;
  help.argv = {LLMSIM_BINARY, "--help"};
  auto run = mmclaw::util::run_subprocess(help);
  ASSERT_TRUE(run);
  EXPECT_EQ(run->exit_code, 0);
  EXPECT_NE(run->stdout_data.find("--control-token"), std::string::npos);
}

TEST(LlmsimProcess, BusyPortIsAnError) {
  Llmsim first;
  mmclaw::util::SubprocessOptions options;
  options.argv = {LLMSIM_BINARY, "--port", std::to_string(first.port())};
  options.timeout = 10s;
  auto run = mmclaw::util::run_subprocess(options);
  ASSERT_TRUE(run) << run.error().message;
  EXPECT_EQ(run->exit_code, 1);
  EXPECT_NE(run->stderr_data.find(std::to_string(first.port())), std::string::npos) << run->stderr_data;
}

}  // namespace

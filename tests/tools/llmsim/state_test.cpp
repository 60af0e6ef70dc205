#include "llmsim/state.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

namespace llmsim {
namespace {

namespace json = boost::json;

RecordedRequest request(std::string body, std::string target = "/v1/chat/completions") {
  RecordedRequest r;
  r.time = std::chrono::system_clock::time_point(std::chrono::milliseconds(1700000000123));
  r.method = "POST";
  r.target = std::move(target);
  r.headers = {{"Content-Type", "application/json"},
               {"Authorization", "Bearer sk-secret-value"},
               {"x-api-key", "another-secret"},
               {"X-Trace", "a"},
               {"x-trace", "b"}};
  r.body = std::move(body);
  return r;
}

json::array requests_of(const State& state, std::uint64_t since = 0) {
  return json::parse(state.requests_json(since)).at("requests").as_array();
}

TEST(LlmsimState, RecordsRequestsInOrderWithoutSecrets) {
  State state;
  state.record(request(R"({"model":"m"})", "/v1/chat/completions?x=1"));
  state.record(request("not json"));
  const auto list = requests_of(state);
  ASSERT_EQ(list.size(), 2u);
  const auto& first = list[0].as_object();
  EXPECT_EQ(first.at("seq").to_number<std::uint64_t>(), 1u);
  EXPECT_EQ(first.at("time").as_string(), "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(first.at("method").as_string(), "POST");
  EXPECT_EQ(first.at("target").as_string(), "/v1/chat/completions?x=1");
  EXPECT_EQ(first.at("path").as_string(), "/v1/chat/completions");
  EXPECT_EQ(first.at("body").as_string(), R"({"model":"m"})");
  EXPECT_EQ(first.at("json").at("model").as_string(), "m");
  const auto& headers = first.at("headers").as_object();
  EXPECT_EQ(headers.at("content-type").as_string(), "application/json");
  EXPECT_EQ(headers.at("authorization").as_string(), "[redacted]");
  EXPECT_EQ(headers.at("x-api-key").as_string(), "[redacted]");
  EXPECT_EQ(headers.at("x-trace").as_string(), "a, b");
  EXPECT_EQ(state.requests_json().find("secret"), std::string::npos);
  EXPECT_FALSE(list[1].as_object().contains("json"));
  EXPECT_EQ(requests_of(state, 1).size(), 1u);
  EXPECT_EQ(requests_of(state, 2).size(), 0u);
}

TEST(LlmsimState, KeepsABoundedNumberOfRequestsAndBytes) {
  State by_count(3);
  for (int i = 0; i < 5; ++i) by_count.record(request(std::to_string(i)));
  const auto list = requests_of(by_count);
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0].at("body").as_string(), "2");
  EXPECT_EQ(json::parse(by_count.requests_json()).at("dropped").to_number<std::uint64_t>(), 2u);

  State by_bytes(100, 10);
  by_bytes.record(request("aaaaaa"));
  by_bytes.record(request("bbbbbb"));
  ASSERT_EQ(requests_of(by_bytes).size(), 1u);
  EXPECT_EQ(requests_of(by_bytes)[0].at("body").as_string(), "bbbbbb");
  by_bytes.record(request(std::string(50, 'c')));  // the newest stays even when it alone is over
  EXPECT_EQ(requests_of(by_bytes).size(), 1u);
}

TEST(LlmsimState, SettingsApplyAndReadBack) {
  State state;
  ASSERT_TRUE(state.apply_settings(R"({"defaults":{"delay_ms":15},"models":["a","b"]})"));
  EXPECT_EQ(state.settings().defaults.delay,
            std::optional<std::chrono::milliseconds>(std::chrono::milliseconds(15)));
  EXPECT_EQ(state.settings().models, (std::vector<std::string>{"a", "b"}));
  const auto shown = json::parse(state.settings_json()).as_object();
  EXPECT_EQ(shown.at("defaults").at("delay_ms").as_int64(), 15);
  EXPECT_TRUE(shown.at("fail_next").is_null());
  EXPECT_EQ(shown.at("models").as_array().size(), 2u);

  // Keys not given keep their value; a bad body changes nothing.
  ASSERT_TRUE(state.apply_settings(R"({"fail_next":{"count":2,"status":503,"retry_after":4}})"));
  EXPECT_EQ(state.settings().models.size(), 2u);
  EXPECT_EQ(json::parse(state.settings_json()).at("fail_next").at("count").as_int64(), 2);
  for (const std::string_view bad :
       {R"({"nope":1})", R"({"defaults":{"tokenz":1}})", R"({"models":[]})", R"({"models":[1]})",
        R"({"fail_next":{"status":200}})", R"({"fail_next":{"count":-1}})", R"({"fail_next":{"times":2}})",
        "[]", "{"}) {
    auto applied = state.apply_settings(bad);
    EXPECT_FALSE(applied) << bad;
    if (!applied) {
      EXPECT_TRUE(applied.error().message.starts_with("settings: ")) << applied.error().message;
    }
  }
  EXPECT_EQ(state.settings().defaults.delay,
            std::optional<std::chrono::milliseconds>(std::chrono::milliseconds(15)));
}

TEST(LlmsimState, ForcedFailuresComeFirstAndRunOut) {
  State state;
  ASSERT_TRUE(state.apply_settings(R"({"fail_next":{"count":2,"status":503}})"));
  const Directive none;
  auto first = state.take_failure(none, "");
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 503u);
  EXPECT_TRUE(state.take_failure(none, ""));
  EXPECT_FALSE(state.take_failure(none, ""));
  EXPECT_TRUE(json::parse(state.settings_json()).at("fail_next").is_null());
}

TEST(LlmsimState, DirectiveFailuresCountPerDirective) {
  State state;
  Directive twice;
  twice.fail = FailSpec{429, 2, "", 2};
  EXPECT_TRUE(state.take_failure(twice, "{\"fail\":...a}"));
  EXPECT_TRUE(state.take_failure(twice, "{\"fail\":...a}"));
  EXPECT_FALSE(state.take_failure(twice, "{\"fail\":...a}"));
  EXPECT_TRUE(state.take_failure(twice, "{\"fail\":...b}"));  // another directive counts on its own

  Directive always;
  always.fail = FailSpec{500, std::nullopt, "", 0};
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(state.take_failure(always, "x"));

  state.reset();
  EXPECT_TRUE(state.take_failure(twice, "{\"fail\":...a}"));  // counters cleared
}

TEST(LlmsimState, ResetStartsOver) {
  State state;
  state.record(request("{}"));
  ASSERT_TRUE(state.apply_settings(R"({"models":["z"],"defaults":{"reply":"r"}})"));
  state.reset();
  EXPECT_EQ(state.request_count(), 0u);
  EXPECT_EQ(state.settings().models, (std::vector<std::string>{"sim-chat"}));
  EXPECT_FALSE(state.settings().defaults.reply);
  state.record(request("{}"));
  // Sequence numbers keep growing across a reset, so `since` never sees an old number again.
  EXPECT_EQ(requests_of(state)[0].at("seq").to_number<std::uint64_t>(), 2u);
}

TEST(LlmsimState, SecretHeaderNames) {
  EXPECT_TRUE(is_secret_header("Authorization"));
  EXPECT_TRUE(is_secret_header("X-API-KEY"));
  EXPECT_TRUE(is_secret_header("cookie"));
  EXPECT_FALSE(is_secret_header("anthropic-version"));
}

}  // namespace
}  // namespace llmsim

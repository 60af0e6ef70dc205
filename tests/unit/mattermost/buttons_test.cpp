// Interactive buttons (mattermost/buttons, channel-behaviour §8). Expected canonical strings and
// tokens were computed under Node 20 (ICU 78) with the reference algorithm.
#include "mattermost/buttons.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "config/snapshot.hpp"

namespace mmclaw::mattermost {
namespace {

namespace json = boost::json;

constexpr std::string_view kBotTokenSecret =
    "ebe04baa7fc070e311b2be051459153500e1d32f0b9f05368e8c953da68d6f0e";

// ---- §8.2 test vectors ---------------------------------------------------------------------------

TEST(InteractionHmac, SecretForBotToken) {
  EXPECT_EQ(interaction_secret("bot-token"), kBotTokenSecret);
  EXPECT_NE(interaction_secret("other-token"), kBotTokenSecret);
}

TEST(InteractionHmac, FirstVector) {
  const json::object context{{"action_id", "approve"},
                             {"__openclaw_channel_id", "chanopen000000000000000001"}};
  EXPECT_EQ(canonical_json(context),
            R"({"__openclaw_channel_id":"chanopen000000000000000001","action_id":"approve"})");
  EXPECT_EQ(interaction_token(kBotTokenSecret, context),
            "310ea4561d52319b42b2141ef46d175432b9ab2868cb38f245deeea86cd83a8a");
}

TEST(InteractionHmac, SecondVector) {
  const json::object context{
      {"action_id", "x"},
      {"Zeta", 1},
      {"alpha", json::object{{"b", 2}, {"A", json::array{json::object{{"d", 1}, {"c", 2}}}}}},
      {"label", "caf\u00e9"}};
  EXPECT_EQ(canonical_json(context),
            R"({"action_id":"x","alpha":{"A":[{"c":2,"d":1}],"b":2},"label":"café","Zeta":1})");
  EXPECT_EQ(interaction_token(kBotTokenSecret, context),
            "b1e23f3b5b0dfb3eccc9e8a485cd99067e728d1674a8afd797be9230b5174c02");
}

TEST(InteractionHmac, TokenLeavesOutTopLevelToken) {
  json::object context{{"action_id", "approve"}, {"__openclaw_channel_id", "chanopen000000000000000001"}};
  const std::string token = interaction_token(kBotTokenSecret, context);
  context["_token"] = token;
  EXPECT_EQ(interaction_token(kBotTokenSecret, context), token);
}

TEST(InteractionHmac, SecretsArePerAccount) {
  const json::object context{{"action_id", "approve"}};
  EXPECT_NE(interaction_token(interaction_secret("token-a"), context),
            interaction_token(interaction_secret("token-b"), context));
}

// ---- canonical_json ------------------------------------------------------------------------------

struct CanonicalCase {
  std::string_view name;
  std::string_view input;  // JSON text
  std::string_view expected;
};

class CanonicalJson : public ::testing::TestWithParam<CanonicalCase> {};

TEST_P(CanonicalJson, MatchesNode) {
  EXPECT_EQ(canonical_json(json::parse(GetParam().input)), GetParam().expected) << GetParam().name;
}

INSTANTIATE_TEST_SUITE_P(
    KeyOrder, CanonicalJson,
    ::testing::Values(
        // `_` before `-` before letters; case is tertiary: a < A < b < B.
        CanonicalCase{"punctuation_and_case", R"({"b":1,"a":2,"_z":3,"-y":4,"__x":5,"A":6,"B":7})",
                      R"({"__x":5,"_z":3,"-y":4,"a":2,"A":6,"b":1,"B":7})"},
        // Accents are secondary: e < E < é < É < è, and a primary difference later wins (éa < eb).
        CanonicalCase{"accents", R"({"f":1,"é":2,"e":3,"E":4,"É":5,"ea":6,"éa":7,"eb":8,"è":9})",
                      R"({"e":3,"E":4,"é":2,"É":5,"è":9,"ea":6,"éa":7,"eb":8,"f":1})"},
        // Array-index keys first in numeric order (a JavaScript object), then punctuation, digits,
        // letters; `_` < `-` < `.` < digits inside a key.
        CanonicalCase{"digits",
                      R"({"a":1,"10":2,"9":3,"1a":4,"_1":5,"01":6,"a1":7,"a-1":8,"a_1":9,"a.1":10})",
                      R"({"9":3,"10":2,"_1":5,"01":6,"1a":4,"a":1,"a_1":9,"a-1":8,"a.1":10,"a1":7})"},
        CanonicalCase{"case_pairs", R"({"AB":4,"Ab":3,"aB":2,"ab":1})", R"({"ab":1,"aB":2,"Ab":3,"AB":4})"},
        CanonicalCase{"nested_arrays_of_objects",
                      R"({"z":[{"b":1,"a":[{"d":1,"c":2}]},3,[{"y":1,"x":2}]],"y":{"B":1,"b":2}})",
                      R"({"y":{"b":2,"B":1},"z":[{"a":[{"c":2,"d":1}],"b":1},3,[{"x":2,"y":1}]]})"},
        CanonicalCase{"scalars", R"([null,true,false,"s",{}, []])", R"([null,true,false,"s",{},[]])"}),
    [](const auto& test_info) { return std::string(test_info.param.name); });

TEST(CanonicalJson, NumbersAsJavaScript) {
  const json::array numbers{2,
                            -0.0,
                            1.5,
                            1e21,
                            0.1,
                            1e-7,
                            std::int64_t{123456789012},
                            2.0,
                            1e20,
                            0.000001,
                            -1e-7,
                            5e-324,
                            std::uint64_t{9007199254740993u},  // 2^53 + 1 reads as 2^53 in JavaScript
                            1.7976931348623157e308,
                            123e25};
  EXPECT_EQ(canonical_json(numbers),
            "[2,0,1.5,1e+21,0.1,1e-7,123456789012,2,100000000000000000000,0.000001,-1e-7,5e-324,"
            "9007199254740992,1.7976931348623157e+308,1.23e+27]");
}

TEST(CanonicalJson, ParsedNumbersAsJavaScript) {
  EXPECT_EQ(
      canonical_json(json::parse(R"({"n":[2,-0,1.5,1e21,0.1,1e-7,123456789012,2.0,9007199254740994]})")),
      R"({"n":[2,0,1.5,1e+21,0.1,1e-7,123456789012,2,9007199254740994]})");
}

TEST(CanonicalJson, NonFiniteIsNull) {
  EXPECT_EQ(canonical_json(json::array{std::numeric_limits<double>::infinity(),
                                       std::numeric_limits<double>::quiet_NaN()}),
            "[null,null]");
}

TEST(CanonicalJson, StringEscapingAsJsonStringify) {
  const json::value s = json::string("\"\\\b\f\n\r\t\x01\x1f\x7f/\u00e9\U0001F600\u2028");
  // Only `"`, `\` and control characters are escaped; DEL, `/`, U+2028 and non-ASCII stay as they are.
  EXPECT_EQ(canonical_json(s), "\"\\\"\\\\\\b\\f\\n\\r\\t\\u0001\\u001f\x7f/\u00e9\U0001F600\u2028\"");
  EXPECT_EQ(canonical_json(json::object{{"k\n\x02", "v"}}), "{\"k\\n\\u0002\":\"v\"}");
}

// ---- locale_compare ------------------------------------------------------------------------------

TEST(LocaleCompare, IcuRootOrder) {
  const std::vector<std::string> sorted{" a",     "_",   "__openclaw_channel_id",
                                        "__x",    "_1",  "_a",
                                        "-",      "-1",  "-a",
                                        ".a",     "@",   "+a",
                                        "=a",     "~a",  "$a",
                                        "0",      "1",   "10",
                                        "9",      "a",   "A",
                                        "a b",    "a_b", "a-b",
                                        "a.b",    "a@b", "a~",
                                        "a$",     "a0",  "A0",
                                        "a1",     "ab",  "aB",
                                        "Ab",     "AB",  "action_id",
                                        "alpha",  "b",   "B",
                                        "e",      "E",   "\u00e9",
                                        "\u00c9", "ea",  "\u00e9a",
                                        "eb",     "f",   "label",
                                        "z",      "Z",   "Zeta"};
  for (std::size_t i = 0; i + 1 < sorted.size(); ++i) {
    EXPECT_LT(locale_compare(sorted[i], sorted[i + 1]), 0) << sorted[i] << " < " << sorted[i + 1];
    EXPECT_GT(locale_compare(sorted[i + 1], sorted[i]), 0) << sorted[i + 1] << " > " << sorted[i];
  }
  EXPECT_EQ(locale_compare("abc", "abc"), 0);
}

TEST(LocaleCompare, DecomposedEqualsPrecomposedThenCodePoint) {
  // e + U+0301 and é weigh the same in ICU; the tie is broken by code point (0x65 < 0xC3).
  EXPECT_LT(locale_compare("e\u0301", "\u00e9"), 0);
  // Accent marks are reordered canonically (cedilla before acute): both orders weigh the same, so
  // the later primary difference decides, and a full tie falls back to code points (U+0301 first).
  EXPECT_LT(locale_compare("c\u0301\u0327x", "c\u0327\u0301y"), 0);
  EXPECT_GT(locale_compare("c\u0327\u0301", "c\u0301\u0327"), 0);
  // Control characters are ignored: "a\x01c" weighs as "ac".
  EXPECT_GT(locale_compare("a\x01"
                           "c",
                           "ab"),
            0);
  EXPECT_LT(locale_compare("a\x01"
                           "b",
                           "ab"),
            0);  // tie, then code point
  // Code points the collation does not model come after every letter.
  EXPECT_LT(locale_compare("z", "\u03b1"), 0);
}

// ---- tokens_equal, sanitize_action_id ------------------------------------------------------------

TEST(TokensEqual, ComparesWholeTokens) {
  EXPECT_TRUE(tokens_equal("", ""));
  EXPECT_TRUE(tokens_equal(kBotTokenSecret, std::string(kBotTokenSecret)));
  std::string last = std::string(kBotTokenSecret);
  last.back() = 'f';
  EXPECT_FALSE(tokens_equal(kBotTokenSecret, last));
  EXPECT_FALSE(tokens_equal(kBotTokenSecret, kBotTokenSecret.substr(0, 63)));
  EXPECT_FALSE(tokens_equal("abc", "abcd"));
  EXPECT_FALSE(tokens_equal("", "a"));
}

TEST(SanitizeActionId, KeepsAsciiLettersAndDigits) {
  EXPECT_EQ(sanitize_action_id("approve-plan_1"), "approveplan1");
  EXPECT_EQ(sanitize_action_id("a.b c/d:E"), "abcdE");
  EXPECT_EQ(sanitize_action_id("\u00dcn\u00efcode"), "ncode");
  EXPECT_EQ(sanitize_action_id("---"), "");
}

TEST(SanitizeActionId, AgreesWithReferenceRuleOnAgentIds) {
  for (const std::string id : {"yes", "no_thanks", "opt-2", "__x--y__", "ABC_def-123", "a"}) {
    std::string reference;
    for (const char c : id) {
      if (c != '-' && c != '_') reference.push_back(c);
    }
    EXPECT_EQ(sanitize_action_id(id), reference) << id;
  }
}

// ---- button_attachments_props, buttons_from_rows -------------------------------------------------

constexpr std::string_view kUrl = "https://gw.example.com/mattermost/interactions/default";

TEST(ButtonProps, TwoButtonsExactly) {
  std::vector<ButtonSpec> buttons;
  buttons.push_back(
      {"approve-plan_1", "Approve", "primary", json::object{{"callback_data", "approve-plan_1"}}});
  buttons.push_back({"  ", "Dropped: blank id", "default", {}});
  buttons.push_back({"no-name", "", "default", {}});
  buttons.push_back({"reject", " Reject ", "danger", json::object{{"reason", "no"}, {"n", 2}}});
  const json::object props = button_attachments_props(buttons, "Pick one", "chan1", kUrl, kBotTokenSecret);
  EXPECT_EQ(
      json::serialize(props),
      R"({"attachments":[{"text":"Pick one","actions":[)"
      R"({"id":"approveplan1","type":"button","name":"Approve","style":"primary","integration":{)"
      R"("url":"https://gw.example.com/mattermost/interactions/default","context":{"action_id":"approveplan1",)"
      R"("callback_data":"approve-plan_1","__openclaw_channel_id":"chan1",)"
      R"("_token":"de1e4a5b7a94baf468a50afd0b58123b85113ce17f2d55910f8c5083fece3bb9"}}},)"
      R"({"id":"reject","type":"button","name":"Reject","style":"danger","integration":{)"
      R"("url":"https://gw.example.com/mattermost/interactions/default","context":{"action_id":"reject",)"
      R"("reason":"no","n":2,"__openclaw_channel_id":"chan1",)"
      R"("_token":"588e5b799af43abbd028e4ede87212afc9e9fd4826bd69a57f77a6e3b1b2a98e"}}}]}]})");
}

TEST(ButtonProps, TokensVerifyAgainstTheReturnedContext) {
  const std::vector<ButtonSpec> buttons{{"ok", "OK", "default", {}}};
  const json::object props = button_attachments_props(buttons, "", "chan9", kUrl, kBotTokenSecret);
  const json::object& context = props.at("attachments")
                                    .as_array()
                                    .at(0)
                                    .as_object()
                                    .at("actions")
                                    .as_array()
                                    .at(0)
                                    .at("integration")
                                    .at("context")
                                    .as_object();
  EXPECT_EQ(props.at("attachments").as_array().at(0).at("text").as_string(), "");
  EXPECT_TRUE(tokens_equal(context.at("_token").as_string(), interaction_token(kBotTokenSecret, context)));
  EXPECT_FALSE(tokens_equal(context.at("_token").as_string(),
                            interaction_token(interaction_secret("other"), context)));
}

TEST(ButtonProps, ContextOverlayOrder) {
  // A context `action_id` overrides the sanitised id in place; the channel id always wins; a
  // `_token` in the context is replaced by the real one.
  const std::vector<ButtonSpec> buttons{
      {"a-b", "AB", "",
       json::object{{"x", 1}, {"__openclaw_channel_id", "spoof"}, {"action_id", "custom"}, {"_token", "t"}}}};
  const json::object props = button_attachments_props(buttons, "t", "chan1", kUrl, kBotTokenSecret);
  const json::object& action =
      props.at("attachments").as_array().at(0).at("actions").as_array().at(0).as_object();
  EXPECT_EQ(action.at("id").as_string(), "ab");
  EXPECT_EQ(action.at("style").as_string(), "default");
  const json::object& context = action.at("integration").at("context").as_object();
  json::object unsigned_context{{"action_id", "custom"}, {"x", 1}, {"__openclaw_channel_id", "chan1"}};
  std::string keys;
  for (const auto& member : context) keys += std::string(member.key()) + ",";
  EXPECT_EQ(keys, "action_id,x,__openclaw_channel_id,_token,");
  EXPECT_EQ(context.at("action_id").as_string(), "custom");
  EXPECT_EQ(context.at("__openclaw_channel_id").as_string(), "chan1");
  EXPECT_EQ(context.at("_token").as_string(), interaction_token(kBotTokenSecret, unsigned_context));
}

TEST(ButtonProps, NoButtonLeftGivesNoProps) {
  const std::vector<ButtonSpec> buttons{{"", "Name", "default", {}}, {"id", " ", "default", {}}};
  EXPECT_TRUE(button_attachments_props(buttons, "text", "chan1", kUrl, kBotTokenSecret).empty());
  EXPECT_TRUE(button_attachments_props({}, "text", "chan1", kUrl, kBotTokenSecret).empty());
}

TEST(ButtonsFromRows, FlattensRowsInOrder) {
  const std::vector<std::vector<agent::MessageButton>> rows{
      {{"Yes", "answer_yes", "primary"}, {"No", "answer-no", "danger"}}, {}, {{"Later", "later", "default"}}};
  const std::vector<ButtonSpec> buttons = buttons_from_rows(rows);
  ASSERT_EQ(buttons.size(), 3u);
  EXPECT_EQ(buttons[0],
            (ButtonSpec{"answer_yes", "Yes", "primary", json::object{{"callback_data", "answer_yes"}}}));
  EXPECT_EQ(buttons[1],
            (ButtonSpec{"answer-no", "No", "danger", json::object{{"callback_data", "answer-no"}}}));
  EXPECT_EQ(buttons[2], (ButtonSpec{"later", "Later", "default", json::object{{"callback_data", "later"}}}));
  const json::object props = button_attachments_props(buttons, "", "c", kUrl, kBotTokenSecret);
  const json::array& actions = props.at("attachments").as_array().at(0).at("actions").as_array();
  ASSERT_EQ(actions.size(), 3u);
  EXPECT_EQ(actions[0].at("id").as_string(), "answeryes");
  EXPECT_EQ(actions[1].at("id").as_string(), "answerno");
  EXPECT_EQ(actions[2].at("id").as_string(), "later");
}

// ---- interaction_callback_url --------------------------------------------------------------------

struct UrlCase {
  std::string_view name;
  std::optional<std::string> base;
  std::optional<std::string> host;
  int port;
  std::string_view expected;
};

class CallbackUrl : public ::testing::TestWithParam<UrlCase> {};

TEST_P(CallbackUrl, Derives) {
  const UrlCase& c = GetParam();
  EXPECT_EQ(interaction_callback_url(c.base, "acct", c.host, c.port), c.expected) << c.name;
}

const int kConfigDefaultPort = config::GatewayConfig{}.port;

INSTANTIATE_TEST_SUITE_P(
    Cases, CallbackUrl,
    ::testing::Values(UrlCase{"base_trailing_slash", "https://gw.example.com/hooks/", std::nullopt, 18789,
                              "https://gw.example.com/hooks/mattermost/interactions/acct"},
                      UrlCase{"base_many_slashes_and_blanks", "  https://gw.example.com///  ", "10.0.0.5",
                              9000, "https://gw.example.com/mattermost/interactions/acct"},
                      UrlCase{"base_blank_is_absent", "   ", "gw.internal", 8080,
                              "http://gw.internal:8080/mattermost/interactions/acct"},
                      UrlCase{"default_port_no_host", std::nullopt, std::nullopt, kConfigDefaultPort,
                              "http://localhost:18789/mattermost/interactions/acct"},
                      UrlCase{"invalid_port", std::nullopt, std::nullopt, 0,
                              "http://localhost:18789/mattermost/interactions/acct"},
                      UrlCase{"wildcard_v4", std::nullopt, "0.0.0.0", 18789,
                              "http://localhost:18789/mattermost/interactions/acct"},
                      UrlCase{"wildcard_v6", std::nullopt, "::", 18789,
                              "http://localhost:18789/mattermost/interactions/acct"},
                      UrlCase{"wildcard_v6_bracketed", std::nullopt, "[::]", 18789,
                              "http://localhost:18789/mattermost/interactions/acct"},
                      UrlCase{"wildcard_v6_long", std::nullopt, "0:0:0:0:0:0:0:0", 18789,
                              "http://localhost:18789/mattermost/interactions/acct"},
                      UrlCase{"wildcard_v6_zero", std::nullopt, " ::0 ", 18789,
                              "http://localhost:18789/mattermost/interactions/acct"},
                      UrlCase{"blank_host", std::nullopt, "  ", 18789,
                              "http://localhost:18789/mattermost/interactions/acct"},
                      UrlCase{"ipv6_literal", std::nullopt, "fd00::5", 18789,
                              "http://[fd00::5]:18789/mattermost/interactions/acct"},
                      UrlCase{"ipv6_bracketed", std::nullopt, "[::1]", 18789,
                              "http://[::1]:18789/mattermost/interactions/acct"},
                      UrlCase{"ipv4_host", std::nullopt, "192.168.1.10", 8080,
                              "http://192.168.1.10:8080/mattermost/interactions/acct"}),
    [](const auto& test_info) { return std::string(test_info.param.name); });

}  // namespace
}  // namespace mmclaw::mattermost

// The `message` tool (agent/message_tool): its JSON Schema, the parser of a call's arguments and
// the result texts (channel-behaviour §5.1, §5.4, §5.5, §5.7).
#include "agent/message_tool.hpp"

#include <set>

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace mmclaw::agent {
namespace {

namespace json = boost::json;

const MessageToolOptions kDefault{};
const MessageToolOptions kWithRead{.reactions_enabled = true, .read_enabled = true};
const MessageToolOptions kNoReactions{.reactions_enabled = false, .read_enabled = false};

const std::string kId1 = "abcdefghijklmnopqrstuvwxyz";  // 26 characters: a Mattermost id
const std::string kId2 = "0123456789abcdefghijklmnop";

// --- The schema ----------------------------------------------------------------------------------

std::vector<std::string> strings(const json::value& v) {
  std::vector<std::string> out;
  for (const auto& item : v.as_array()) out.emplace_back(item.as_string());
  return out;
}

// The subset of JSON Schema that function-calling APIs accept: every schema has a known `type`,
// objects list `properties` and only require what they define, arrays have `items`, enums are
// non-empty lists of distinct strings.
void expect_schema_shape(const json::value& schema, const std::string& where) {
  ASSERT_TRUE(schema.is_object()) << where;
  const auto& o = schema.as_object();
  static const std::set<std::string> kTypes{"object", "array", "string", "integer", "number", "boolean"};
  ASSERT_TRUE(o.contains("type") && o.at("type").is_string()) << where;
  const std::string type(o.at("type").as_string());
  EXPECT_TRUE(kTypes.contains(type)) << where << ": " << type;
  for (const auto& [key, value] : o) {
    const std::string k(key);
    EXPECT_TRUE((std::set<std::string>{"type", "properties", "required", "items", "enum", "description",
                                       "maxItems", "minimum", "maximum"}
                     .contains(k)))
        << where << ": unexpected keyword " << k;
    if (k == "description") {
      EXPECT_TRUE(value.is_string() && !value.as_string().empty()) << where;
    }
    if (k == "maxItems" || k == "minimum" || k == "maximum") {
      EXPECT_TRUE(value.is_number()) << where << "." << k;
    }
  }
  if (o.contains("enum")) {
    const auto values = strings(o.at("enum"));
    EXPECT_FALSE(values.empty()) << where;
    EXPECT_EQ(std::set<std::string>(values.begin(), values.end()).size(), values.size()) << where;
  }
  if (type == "object") {
    ASSERT_TRUE(o.contains("properties") && o.at("properties").is_object()) << where;
    const auto& properties = o.at("properties").as_object();
    for (const auto& [key, value] : properties) expect_schema_shape(value, where + "." + std::string(key));
    if (o.contains("required")) {
      for (const auto& name : strings(o.at("required"))) {
        EXPECT_TRUE(properties.contains(name)) << where << ": " << name;
      }
    }
  }
  if (type == "array") {
    ASSERT_TRUE(o.contains("items")) << where;
    expect_schema_shape(o.at("items"), where + "[]");
  }
}

std::set<std::string> property_names(const ToolSpec& spec) {
  std::set<std::string> out;
  for (const auto& [key, value] : spec.parameters.at("properties").as_object()) out.emplace(key);
  return out;
}

TEST(MessageToolSchema, DefaultOffersSendAndReact) {
  const ToolSpec spec = message_tool_spec(kDefault);
  EXPECT_EQ(spec.name, "message");
  EXPECT_NE(spec.description.find("react:"), std::string::npos);
  EXPECT_EQ(spec.description.find("read:"), std::string::npos);
  expect_schema_shape(spec.parameters, "parameters");
  EXPECT_EQ(strings(spec.parameters.at("required")), std::vector<std::string>{"action"});
  const auto& properties = spec.parameters.at("properties").as_object();
  EXPECT_EQ(strings(properties.at("action").at("enum")), (std::vector<std::string>{"send", "react"}));
  EXPECT_EQ(property_names(spec),
            (std::set<std::string>{"action", "to", "text", "replyToId", "threadId", "buttons", "attachmentText",
                                   "path", "messageId", "emoji", "remove"}));
  EXPECT_EQ(properties.at("remove").at("type"), "boolean");
  // buttons: at most 5 rows of at most 5 {text, callback_data, style}.
  const auto& buttons = properties.at("buttons").as_object();
  EXPECT_EQ(buttons.at("maxItems").to_number<int>(), 5);
  EXPECT_EQ(buttons.at("items").at("maxItems").to_number<int>(), 5);
  const auto& button = buttons.at("items").at("items").as_object();
  EXPECT_EQ(strings(button.at("required")), (std::vector<std::string>{"text", "callback_data"}));
  EXPECT_EQ(strings(button.at("properties").at("style").at("enum")),
            (std::vector<std::string>{"default", "primary", "success", "good", "warning", "danger"}));
  // It survives a round trip through JSON text (what the wire formats send).
  EXPECT_EQ(json::parse(json::serialize(spec.parameters)), json::value(spec.parameters));
}

TEST(MessageToolSchema, ReadOnlyWhenEnabled) {
  const ToolSpec spec = message_tool_spec(kWithRead);
  expect_schema_shape(spec.parameters, "parameters");
  EXPECT_EQ(strings(spec.parameters.at("properties").at("action").at("enum")),
            (std::vector<std::string>{"send", "react", "read"}));
  const auto names = property_names(spec);
  EXPECT_TRUE(names.contains("limit") && names.contains("before") && names.contains("after"));
  EXPECT_EQ(spec.parameters.at("properties").at("limit").at("type"), "integer");
  EXPECT_EQ(spec.parameters.at("properties").at("limit").at("maximum").to_number<int>(), 200);
  EXPECT_NE(spec.description.find("read:"), std::string::npos);
}

TEST(MessageToolSchema, NoReactWhenReactionsDisabled) {
  const ToolSpec spec = message_tool_spec(kNoReactions);
  expect_schema_shape(spec.parameters, "parameters");
  EXPECT_EQ(strings(spec.parameters.at("properties").at("action").at("enum")),
            std::vector<std::string>{"send"});
  const auto names = property_names(spec);
  EXPECT_FALSE(names.contains("messageId") || names.contains("emoji") || names.contains("remove"));
  EXPECT_EQ(spec.description.find("react:"), std::string::npos);
}

// --- Errors --------------------------------------------------------------------------------------

struct ErrorCase {
  std::string_view name;
  std::string arguments;
  MessageToolOptions options;
  std::string error;
};

template <typename Case>
std::string case_name(const ::testing::TestParamInfo<Case>& param) {
  return std::string(param.param.name);
}

class MessageToolError : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(MessageToolError, Rejects) {
  const auto& c = GetParam();
  const auto result = parse_message_tool_call(c.arguments, c.options);
  ASSERT_FALSE(result.has_value()) << c.arguments;
  EXPECT_EQ(result.error(), c.error) << c.arguments;
}

const std::string kOneAttachment =
    "Mattermost send supports one attachment per message; split multiple mediaUrls or attachments[] entries "
    "into "
    "separate sends.";
const std::string kNoBuffers =
    "Mattermost send attachments require media, mediaUrl, path, filePath, fileUrl, mediaUrls, or "
    "attachments[] "
    "with one of those fields; buffer/base64 payloads are not supported.";
const std::string kStyles =
    "Mattermost send button style must be default, primary, success, good, warning or danger";

std::string button_rows(int rows, int per_row) {
  std::string out = "[";
  for (int r = 0; r < rows; ++r) {
    out += r > 0 ? ",[" : "[";
    for (int b = 0; b < per_row; ++b)
      out += std::string(b > 0 ? "," : "") + R"({"text":"t","callback_data":"d"})";
    out += "]";
  }
  return out + "]";
}

std::string send_with(std::string_view extra) {
  return R"({"action":"send","text":"hi",)" + std::string(extra) + "}";
}

INSTANTIATE_TEST_SUITE_P(
    MessageTool, MessageToolError,
    ::testing::Values(
        // Envelope and action.
        ErrorCase{"array", "[]", kDefault, "Invalid message tool arguments: expected a JSON object"},
        ErrorCase{"string", R"("send")", kDefault, "Invalid message tool arguments: expected a JSON object"},
        ErrorCase{"empty", "", kDefault, "The message tool requires action: send or react"},
        ErrorCase{"no_action", "{}", kDefault, "The message tool requires action: send or react"},
        ErrorCase{"no_action_read", "{}", kWithRead, "The message tool requires action: send, react or read"},
        ErrorCase{"no_action_send_only", "{}", kNoReactions, "The message tool requires action: send"},
        ErrorCase{"action_number", R"({"action":5})", kDefault,
                  "The message tool requires action: send or react"},
        ErrorCase{"action_blank", R"({"action":"  "})", kDefault,
                  "The message tool requires action: send or react"},
        ErrorCase{"unknown_action", R"({"action":"delete"})", kDefault,
                  "Unknown message action \"delete\": use send or react"},
        ErrorCase{"read_disabled", R"({"action":"read"})", kDefault,
                  "Mattermost read is disabled in config (actions.messages)"},
        // react (§5.7).
        ErrorCase{"react_disabled", R"({"action":"react","messageId":"p","emoji":"x"})", kNoReactions,
                  "Mattermost reactions are disabled in config"},
        ErrorCase{"react_no_id", R"({"action":"react","emoji":"tada"})", kDefault,
                  "Mattermost react requires messageId (post id)"},
        ErrorCase{"react_blank_id", R"({"action":"react","messageId":" ","emoji":"tada"})", kDefault,
                  "Mattermost react requires messageId (post id)"},
        ErrorCase{"react_number_id", R"({"action":"react","messageId":12,"emoji":"tada"})", kDefault,
                  "Mattermost react requires messageId (post id)"},
        ErrorCase{"react_no_emoji", R"({"action":"react","messageId":"p"})", kDefault,
                  "Mattermost react requires emoji"},
        ErrorCase{"react_colon_emoji", R"({"action":"react","messageId":"p","emoji":"::"})", kDefault,
                  "Mattermost react requires emoji"},
        ErrorCase{"react_number_emoji", R"({"action":"react","messageId":"p","emoji":100})", kDefault,
                  "Mattermost react requires emoji"},
        ErrorCase{"react_name_target",
                  R"({"action":"react","messageId":"p","emoji":"x","to":"#town-square"})", kDefault,
                  "Mattermost delegated reactions require a canonical authorized conversation target."},
        ErrorCase{"react_short_id_target",
                  R"({"action":"react","messageId":"p","emoji":"x","to":"channel:abc"})", kDefault,
                  "Mattermost delegated reactions require a canonical authorized conversation target."},
        ErrorCase{"react_number_target", R"({"action":"react","messageId":"p","emoji":"x","to":1})", kDefault,
                  "Mattermost delegated reactions require a canonical authorized conversation target."},
        // send: text and targets (§5.1, §5.4).
        ErrorCase{"send_empty", R"({"action":"send"})", kDefault, "Mattermost message is empty"},
        ErrorCase{"send_blank", R"({"action":"send","text":" \n "})", kDefault,
                  "Mattermost message is empty"},
        ErrorCase{"send_buttons_only", R"({"action":"send","buttons":[[{"text":"a","callback_data":"b"}]]})",
                  kDefault, "Mattermost message is empty"},
        ErrorCase{"send_text_number", R"({"action":"send","text":5})", kDefault,
                  "Mattermost send: text must be a string"},
        ErrorCase{"send_message_number", R"({"action":"send","message":true})", kDefault,
                  "Mattermost send: message must be a string"},
        ErrorCase{"send_too_long", R"({"action":"send","text":")" + std::string(65537, 'a') + R"("})",
                  kDefault, "Mattermost send text is too long: 65537 bytes (at most 65536)"},
        ErrorCase{"send_to_number", send_with(R"("to":5)"), kDefault, "Mattermost send: to must be a string"},
        ErrorCase{"send_target_number", send_with(R"("target":[])"), kDefault,
                  "Mattermost send: target must be a string"},
        ErrorCase{"send_to_channel", send_with(R"("to":"channel:")"), kDefault,
                  "Channel id is required for Mattermost sends"},
        ErrorCase{"send_to_group", send_with(R"("to":"GROUP: ")"), kDefault,
                  "Channel id is required for Mattermost sends"},
        ErrorCase{"send_to_channel_hash", send_with(R"("to":"channel:#")"), kDefault,
                  "Channel name is required for Mattermost sends"},
        ErrorCase{"send_to_hash", send_with(R"("to":" # ")"), kDefault,
                  "Channel name is required for Mattermost sends"},
        ErrorCase{"send_to_user", send_with(R"("to":"user:")"), kDefault,
                  "User id is required for Mattermost sends"},
        ErrorCase{"send_to_mattermost", send_with(R"("to":"Mattermost:")"), kDefault,
                  "User id is required for Mattermost sends"},
        ErrorCase{"send_to_at", send_with(R"("to":"@")"), kDefault,
                  "Username is required for Mattermost sends"},
        ErrorCase{"send_reply_number", send_with(R"("replyToId":7)"), kDefault,
                  "Mattermost send: replyToId must be a string"},
        ErrorCase{"send_thread_object", send_with(R"("threadId":{})"), kDefault,
                  "Mattermost send: threadId must be a string"},
        // send: buttons.
        ErrorCase{"buttons_object", send_with(R"("buttons":{"text":"a"})"), kDefault,
                  "Mattermost send: buttons must be an array of button rows"},
        ErrorCase{"buttons_row_string", send_with(R"("buttons":["a"])"), kDefault,
                  "Mattermost send: buttons must be an array of button rows"},
        ErrorCase{"buttons_item_string", send_with(R"("buttons":[["a"]])"), kDefault,
                  "Mattermost send: each button must be an object with text and callback_data"},
        ErrorCase{"buttons_6_rows", send_with(R"("buttons":)" + button_rows(6, 1)), kDefault,
                  "Mattermost send supports at most 5 button rows"},
        ErrorCase{"buttons_6_per_row", send_with(R"("buttons":)" + button_rows(1, 6)), kDefault,
                  "Mattermost send supports at most 5 buttons per row"},
        ErrorCase{"button_no_text", send_with(R"("buttons":[[{"callback_data":"d"}]])"), kDefault,
                  "Mattermost send button requires text"},
        ErrorCase{"button_blank_text", send_with(R"("buttons":[[{"text":" ","callback_data":"d"}]])"),
                  kDefault, "Mattermost send button requires text"},
        ErrorCase{"button_no_data", send_with(R"("buttons":[[{"text":"t"}]])"), kDefault,
                  "Mattermost send button requires callback_data"},
        ErrorCase{"button_number_data", send_with(R"("buttons":[[{"text":"t","callback_data":3}]])"),
                  kDefault, "Mattermost send button requires callback_data"},
        ErrorCase{"button_style",
                  send_with(R"("buttons":[[{"text":"t","callback_data":"d","style":"red"}]])"), kDefault,
                  kStyles},
        ErrorCase{"button_style_number",
                  send_with(R"("buttons":[[{"text":"t","callback_data":"d","style":1}]])"), kDefault,
                  kStyles},
        ErrorCase{
            "button_text_long",
            send_with(R"("buttons":[[{"text":")" + std::string(257, 'x') + R"(","callback_data":"d"}]])"),
            kDefault, "Mattermost send button text is too long (at most 256 bytes)"},
        ErrorCase{
            "button_data_long",
            send_with(R"("buttons":[[{"text":"t","callback_data":")" + std::string(1025, 'x') + R"("}]])"),
            kDefault, "Mattermost send button callback_data is too long (at most 1024 bytes)"},
        // send: one file (§5.4).
        ErrorCase{"two_files", send_with(R"("path":"/a.png","mediaUrl":"https://x/b.png")"), kDefault,
                  kOneAttachment},
        ErrorCase{"two_media_urls", send_with(R"("mediaUrls":["/a","/b"])"), kDefault, kOneAttachment},
        ErrorCase{"two_attachments", send_with(R"("attachments":[{"path":"/a"},{"media":"/b"}])"), kDefault,
                  kOneAttachment},
        ErrorCase{"buffer", send_with(R"("buffer":"AAAA")"), kDefault, kNoBuffers},
        ErrorCase{"path_and_media_urls", send_with(R"("path":"/a","mediaUrls":["/b"])"), kDefault,
                  kOneAttachment},
        ErrorCase{"attachment_and_file_url",
                  send_with(R"("fileUrl":"https://x/a","attachments":[{"path":"/b"}])"), kDefault,
                  kOneAttachment},
        ErrorCase{"attachment_with_buffer", send_with(R"("attachments":[{"path":"/a","buffer":"AAAA"}])"),
                  kDefault, kNoBuffers},
        ErrorCase{"attachments_object", send_with(R"("attachments":{"path":"/a"})"), kDefault, kNoBuffers},
        ErrorCase{"base64", send_with(R"("base64":"AAAA")"), kDefault, kNoBuffers},
        ErrorCase{"attachment_base64", send_with(R"("attachments":[{"base64":"AAAA"}])"), kDefault,
                  kNoBuffers},
        ErrorCase{"attachment_no_field", send_with(R"("attachments":[{"name":"a.png"}])"), kDefault,
                  kNoBuffers},
        ErrorCase{"attachment_string", send_with(R"("attachments":["/a"])"), kDefault, kNoBuffers},
        ErrorCase{"path_number", send_with(R"("path":1)"), kDefault,
                  "Mattermost send: path must be a string"},
        ErrorCase{"media_urls_string", send_with(R"("mediaUrls":"/a")"), kDefault,
                  "Mattermost send: mediaUrls must be an array of strings"},
        ErrorCase{"media_urls_number_item", send_with(R"("mediaUrls":[1])"), kDefault,
                  "Mattermost send: mediaUrls must be an array of strings"},
        // read (§5.7).
        ErrorCase{"read_user", R"({"action":"read","to":"user:)" + kId1 + R"("})", kWithRead,
                  "Mattermost read target must be a channel: channel:<id> or #name"},
        ErrorCase{"read_at", R"({"action":"read","target":"@bob"})", kWithRead,
                  "Mattermost read target must be a channel: channel:<id> or #name"},
        ErrorCase{"read_empty_channel", R"({"action":"read","channelId":"channel: "})", kWithRead,
                  "Mattermost read target must be a channel: channel:<id> or #name"},
        ErrorCase{"read_to_number", R"({"action":"read","to":3})", kWithRead,
                  "Mattermost read: to must be a string"},
        ErrorCase{"read_limit_zero", R"({"action":"read","limit":0})", kWithRead,
                  "Mattermost read limit must be a positive integer"},
        ErrorCase{"read_limit_negative", R"({"action":"read","limit":-5})", kWithRead,
                  "Mattermost read limit must be a positive integer"},
        ErrorCase{"read_limit_fraction", R"({"action":"read","limit":1.5})", kWithRead,
                  "Mattermost read limit must be a positive integer"},
        ErrorCase{"read_limit_string", R"({"action":"read","limit":"10"})", kWithRead,
                  "Mattermost read limit must be a positive integer"},
        ErrorCase{"read_before_after", R"({"action":"read","before":"a","after":"b"})", kWithRead,
                  "Mattermost read accepts before or after, not both"},
        ErrorCase{"read_before_number", R"({"action":"read","before":1})", kWithRead,
                  "Mattermost read: before must be a string"}),
    case_name<ErrorCase>);

TEST(MessageToolErrors, MalformedJson) {
  for (const std::string_view bad : {"{", R"({"action":"send",})", "not json", R"({"action":"send"} x)"}) {
    const auto result = parse_message_tool_call(bad, kDefault);
    ASSERT_FALSE(result.has_value()) << bad;
    EXPECT_TRUE(result.error().starts_with("Invalid message tool arguments: malformed JSON ("))
        << result.error();
  }
}

TEST(MessageToolErrors, TooLarge) {
  const std::string huge = R"({"action":"send","text":")" + std::string(1024 * 1024, 'a') + R"("})";
  EXPECT_EQ(parse_message_tool_call(huge, kDefault).error(),
            "Invalid message tool arguments: larger than 1048576 bytes");
}

TEST(MessageToolErrors, UnknownActionIsCutShort) {
  const std::string action(100, 'z');
  EXPECT_EQ(parse_message_tool_call(R"({"action":")" + action + R"("})", kDefault).error(),
            "Unknown message action \"" + std::string(48, 'z') + "…\": use send or react");
}

// --- Valid calls ---------------------------------------------------------------------------------

struct ValidCase {
  std::string_view name;
  std::string arguments;
  MessageToolOptions options;
  MessageToolCall expected;
};

class MessageToolValid : public ::testing::TestWithParam<ValidCase> {};

TEST_P(MessageToolValid, Parses) {
  const auto& c = GetParam();
  const auto result = parse_message_tool_call(c.arguments, c.options);
  ASSERT_TRUE(result.has_value()) << c.arguments << ": " << result.error();
  EXPECT_EQ(*result, c.expected) << c.arguments;
}

SendCall send_call(std::string text) {
  SendCall call;
  call.text = std::move(text);
  return call;
}

template <typename F>
SendCall send_call(std::string text, F&& edit) {
  SendCall call = send_call(std::move(text));
  edit(call);
  return call;
}

ReactCall react_call(std::string post_id, std::string emoji, bool remove = false,
                     std::optional<std::string> to = {}) {
  return ReactCall{std::move(to), std::move(post_id), std::move(emoji), remove};
}

ReadCall read_call(std::optional<std::string> channel = {}, int limit = 60,
                   std::optional<std::string> before = {}, std::optional<std::string> after = {}) {
  return ReadCall{std::move(channel), limit, std::move(before), std::move(after)};
}

INSTANTIATE_TEST_SUITE_P(
    MessageTool, MessageToolValid,
    ::testing::Values(
        // send
        ValidCase{"text", R"({"action":"send","text":"hello"})", kDefault, send_call("hello")},
        ValidCase{"action_case", R"({"action":" SEND ","text":"hello"})", kDefault, send_call("hello")},
        ValidCase{"message_alias", R"({"action":"send","message":"hello"})", kDefault, send_call("hello")},
        ValidCase{"text_kept_verbatim", R"({"action":"send","text":"  **hi**\n"})", kDefault,
                  send_call("  **hi**\n")},
        ValidCase{"unknown_keys_ignored", R"({"action":"send","text":"x","silent":true,"extra":{}})",
                  kDefault, send_call("x")},
        ValidCase{"max_text", R"({"action":"send","text":")" + std::string(65536, 'a') + R"("})", kDefault,
                  send_call(std::string(65536, 'a'))},
        ValidCase{"to_trimmed", R"({"action":"send","text":"x","to":" channel:)" + kId1 + R"( "})", kDefault,
                  send_call("x", [](SendCall& c) { c.to = "channel:" + kId1; })},
        ValidCase{"target_alias", R"({"action":"send","text":"x","target":"@alice"})", kDefault,
                  send_call("x", [](SendCall& c) { c.to = "@alice"; })},
        ValidCase{"to_blank_is_current", R"({"action":"send","text":"x","to":"  "})", kDefault,
                  send_call("x")},
        ValidCase{"to_name", R"({"action":"send","text":"x","to":"#town-square"})", kDefault,
                  send_call("x", [](SendCall& c) { c.to = "#town-square"; })},
        ValidCase{"reply_to_wins",
                  R"({"action":"send","text":"x","replyToId":"r1","threadId":"t1","replyTo":"g1"})", kDefault,
                  send_call("x", [](SendCall& c) { c.reply_to = "r1"; })},
        ValidCase{"thread_when_reply_blank",
                  R"({"action":"send","text":"x","replyToId":" ","threadId":"t1"})", kDefault,
                  send_call("x", [](SendCall& c) { c.reply_to = "t1"; })},
        ValidCase{"generic_reply_to", R"({"action":"send","text":"x","replyTo":"g1"})", kDefault,
                  send_call("x", [](SendCall& c) { c.reply_to = "g1"; })},
        ValidCase{"top_level", R"({"action":"send","text":"x","topLevel":true})", kDefault,
                  send_call("x", [](SendCall& c) { c.top_level = true; })},
        ValidCase{"top_level_not_bool", R"({"action":"send","text":"x","topLevel":"true"})", kDefault,
                  send_call("x")},
        ValidCase{"thread_null", R"({"action":"send","text":"x","threadId":null})", kDefault,
                  send_call("x", [](SendCall& c) { c.top_level = true; })},
        ValidCase{
            "buttons",
            R"({"action":"send","text":"Pick","buttons":[[{"text":"Yes","callback_data":"y","style":"Primary"},)"
            R"({"text":" No ","callback_data":"n"}],[],{"text":"Later","callback_data":"l","style":"danger"}]})",
            kDefault,
            send_call(
                "Pick",
                [](SendCall& c) {
                  c.buttons = {{{"Yes", "y", "primary"}, {"No", "n", "default"}}, {{"Later", "l", "danger"}}};
                })},
        ValidCase{
            "buttons_5x5", R"({"action":"send","text":"x","buttons":)" + button_rows(5, 5) + "}", kDefault,
            send_call(
                "x",
                [](SendCall& c) {
                  c.buttons.assign(5, std::vector<MessageButton>(5, MessageButton{"t", "d", "default"}));
                })},
        ValidCase{"buttons_null", R"({"action":"send","text":"x","buttons":null})", kDefault, send_call("x")},
        ValidCase{"file_only", R"({"action":"send","path":" /tmp/report.pdf "})", kDefault,
                  send_call("", [](SendCall& c) { c.file = "/tmp/report.pdf"; })},
        ValidCase{"media_url", R"({"action":"send","text":"see","mediaUrl":"https://x/a.png"})", kDefault,
                  send_call("see", [](SendCall& c) { c.file = "https://x/a.png"; })},
        ValidCase{"file_path", R"({"action":"send","text":"x","filePath":"/a"})", kDefault,
                  send_call("x", [](SendCall& c) { c.file = "/a"; })},
        ValidCase{"media_urls_one", R"({"action":"send","text":"x","mediaUrls":["/a"]})", kDefault,
                  send_call("x", [](SendCall& c) { c.file = "/a"; })},
        ValidCase{"attachments_one",
                  R"({"action":"send","text":"x","attachments":[{"fileUrl":"https://x/a"}]})", kDefault,
                  send_call("x", [](SendCall& c) { c.file = "https://x/a"; })},
        ValidCase{"same_file_twice",
                  R"({"action":"send","text":"x","path":"/a","media":"/a","mediaUrls":["/a"]})", kDefault,
                  send_call("x", [](SendCall& c) { c.file = "/a"; })},
        ValidCase{"blank_path", R"({"action":"send","text":"x","path":""})", kDefault, send_call("x")},
        // §5.4: every parameter name the reference accepts names the one file.
        ValidCase{"media", R"({"action":"send","media":"/srv/a.png"})", kDefault,
                  send_call("", [](SendCall& c) { c.file = "/srv/a.png"; })},
        ValidCase{"file_url", R"({"action":"send","text":"x","fileUrl":"https://x/a.pdf"})", kDefault,
                  send_call("x", [](SendCall& c) { c.file = "https://x/a.pdf"; })},
        ValidCase{"attachments_path", R"({"action":"send","attachments":[{"path":"/srv/a.txt"}]})", kDefault,
                  send_call("", [](SendCall& c) { c.file = "/srv/a.txt"; })},
        ValidCase{"attachments_file_path",
                  R"({"action":"send","text":"x","attachments":[{"filePath":"/a"}]})", kDefault,
                  send_call("x", [](SendCall& c) { c.file = "/a"; })},
        ValidCase{"attachments_media", R"({"action":"send","text":"x","attachments":[{"media":"/a"}]})",
                  kDefault, send_call("x", [](SendCall& c) { c.file = "/a"; })},
        ValidCase{"attachments_media_url",
                  R"({"action":"send","text":"x","attachments":[{"mediaUrl":"https://x/a"}]})", kDefault,
                  send_call("x", [](SendCall& c) { c.file = "https://x/a"; })},
        ValidCase{
            "file_with_buttons",
            R"({"action":"send","text":"x","path":"/a","buttons":[[{"text":"Ok","callback_data":"ok"}]]})",
            kDefault,
            send_call("x",
                      [](SendCall& c) {
                        c.file = "/a";
                        c.buttons = {{{"Ok", "ok", "default"}}};
                      })},
        ValidCase{"empty_media_urls_with_text", R"({"action":"send","text":"x","mediaUrls":[]})", kDefault,
                  send_call("x")},
        ValidCase{"send_when_reactions_off", R"({"action":"send","text":"x"})", kNoReactions, send_call("x")},
        // react
        ValidCase{"react", R"({"action":"react","messageId":"p1","emoji":"tada"})", kDefault,
                  react_call("p1", "tada")},
        ValidCase{"react_post_id", R"({"action":"react","postId":" p1 ","emoji":":white_check_mark:"})",
                  kDefault, react_call("p1", "white_check_mark")},
        ValidCase{"react_glyph", R"({"action":"react","messageId":"p1","emoji":"👍🏽"})", kDefault,
                  react_call("p1", "thumbsup_medium_skin_tone")},
        ValidCase{"react_selector", R"({"action":"react","messageId":"p1","emoji":"❤️"})", kDefault,
                  react_call("p1", "heart")},
        ValidCase{"react_plus_one", R"({"action":"react","messageId":"p1","emoji":":+1:"})", kDefault,
                  react_call("p1", "+1")},
        ValidCase{"react_remove", R"({"action":"react","messageId":"p1","emoji":"x","remove":true})",
                  kDefault, react_call("p1", "x", true)},
        ValidCase{"react_remove_false", R"({"action":"react","messageId":"p1","emoji":"x","remove":false})",
                  kDefault, react_call("p1", "x", false)},
        ValidCase{"react_remove_string", R"({"action":"react","messageId":"p1","emoji":"x","remove":"true"})",
                  kDefault, react_call("p1", "x", false)},
        ValidCase{"react_remove_one", R"({"action":"react","messageId":"p1","emoji":"x","remove":1})",
                  kDefault, react_call("p1", "x", false)},
        ValidCase{"react_channel_target",
                  R"({"action":"react","messageId":"p1","emoji":"x","to":"channel:)" + kId1 + R"("})",
                  kDefault, react_call("p1", "x", false, "channel:" + kId1)},
        ValidCase{"react_user_target",
                  R"({"action":"react","messageId":"p1","emoji":"x","to":"user:)" + kId2 + R"("})", kDefault,
                  react_call("p1", "x", false, "user:" + kId2)},
        ValidCase{"react_null_target", R"({"action":"react","messageId":"p1","emoji":"x","to":null})",
                  kDefault, react_call("p1", "x")},
        // read
        ValidCase{"read_defaults", R"({"action":"read"})", kWithRead, read_call()},
        ValidCase{"read_to", R"({"action":"read","to":"channel:)" + kId1 + R"(","limit":10})", kWithRead,
                  read_call("channel:" + kId1, 10)},
        ValidCase{"read_channel_id", R"({"action":"read","channelId":")" + kId1 + R"("})", kWithRead,
                  read_call(kId1)},
        ValidCase{"read_target_name", R"({"action":"read","target":"#town-square"})", kWithRead,
                  read_call("#town-square")},
        ValidCase{"read_limit_capped", R"({"action":"read","limit":500})", kWithRead, read_call({}, 200)},
        ValidCase{"read_limit_huge", R"({"action":"read","limit":18446744073709551615})", kWithRead,
                  read_call({}, 200)},
        ValidCase{"read_limit_double", R"({"action":"read","limit":10.0})", kWithRead, read_call({}, 10)},
        ValidCase{"read_limit_null", R"({"action":"read","limit":null})", kWithRead, read_call()},
        ValidCase{"read_before", R"({"action":"read","before":"p9"})", kWithRead, read_call({}, 60, "p9")},
        ValidCase{"read_after", R"({"action":"read","after":"p9","before":" "})", kWithRead,
                  read_call({}, 60, std::nullopt, "p9")}),
    case_name<ValidCase>);

// --- attachmentText and the buttons parameter on its own ---------------------------------------

TEST(MessageToolSend, AttachmentTextIsTakenAsItIsAndMustBeAString) {
  const auto call = parse_message_tool_call(
      R"({"action":"send","text":"Deploy?","buttons":[[{"text":"Yes","callback_data":"y"}]],"attachmentText":"Pick one"})",
      kDefault);
  ASSERT_TRUE(call) << call.error();
  EXPECT_EQ(std::get<SendCall>(*call).attachment_text, "Pick one");
  const auto wrong = parse_message_tool_call(R"({"action":"send","text":"x","attachmentText":3})", kDefault);
  ASSERT_FALSE(wrong);
  EXPECT_NE(wrong.error().find("attachmentText"), std::string::npos) << wrong.error();
}

TEST(MessageButtons, ParsedOnTheirOwnWithTheToolsRulesAndTexts) {
  const auto rows = parse_message_buttons(boost::json::parse(
      R"([[{"text":"Yes","callback_data":"y","style":"Primary"}], {"text":"No","callback_data":"n"}])"));
  ASSERT_TRUE(rows) << rows.error();
  ASSERT_EQ(rows->size(), 2u) << "a bare button is a row of one";
  EXPECT_EQ((*rows)[0][0], (MessageButton{"Yes", "y", "primary"}));
  EXPECT_EQ((*rows)[1][0], (MessageButton{"No", "n", "default"}));
  EXPECT_EQ(parse_message_buttons(boost::json::parse(R"([[{"callback_data":"y"}]])")).error(),
            "Mattermost send button requires text");
  EXPECT_EQ(parse_message_buttons(boost::json::parse(R"([[{"text":"a","callback_data":"y","style":"loud"}]])")).error(),
            kStyles);
  EXPECT_FALSE(parse_message_buttons(boost::json::parse(R"("not rows")")));
  EXPECT_EQ(parse_message_buttons(boost::json::parse("[[],[]]"))->size(), 0u) << "empty rows are dropped";
}

// --- Result texts --------------------------------------------------------------------------------

TEST(MessageToolResult, ReactionTexts) {
  EXPECT_EQ(reaction_result_text("tada", "p1", false), "Reacted with :tada: on p1");
  EXPECT_EQ(reaction_result_text("thumbsup", "p1", true), "Removed reaction :thumbsup: from p1");
}

}  // namespace
}  // namespace mmclaw::agent

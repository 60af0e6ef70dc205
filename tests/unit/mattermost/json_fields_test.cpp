#include "mattermost/json_fields.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <boost/json/parse.hpp>

#include "mattermost/events.hpp"

namespace mmclaw::mattermost {
namespace {

namespace json = boost::json;

json::object parse_object(std::string_view text) {
  return json::parse(text).as_object();
}

TEST(JsonFields, AbsentAndNullKeepDefaults) {
  const json::object object = parse_object(R"({"s":null,"i":null,"b":null,"a":null,"o":null,"f":null})");
  JsonFields fields(object, "thing");
  for (const std::string_view key : {"s", "missing"}) {
    EXPECT_EQ(fields.text(key), "");
    EXPECT_EQ(fields.integer(key), 0);
    EXPECT_EQ(fields.optional_integer(key), std::nullopt);
    EXPECT_FALSE(fields.boolean(key));
    EXPECT_TRUE(fields.boolean(key, true));
    EXPECT_FALSE(fields.string_flag(key));
    EXPECT_TRUE(fields.strings(key).empty());
    EXPECT_TRUE(fields.object(key).empty());
    EXPECT_EQ(fields.find(key), nullptr);
  }
  EXPECT_FALSE(fields.failed());
}

TEST(JsonFields, ReadsEachType) {
  const json::object object = parse_object(
      R"({"s":"hi","i":-3,"u":9223372036854775807,"b":true,"a":["x","y"],"o":{"k":1},"f1":"true","f2":"no","f3":true})");
  JsonFields fields(object, "thing");
  EXPECT_EQ(fields.text("s"), "hi");
  EXPECT_EQ(fields.integer("i"), -3);
  EXPECT_EQ(fields.optional_integer("u"), std::optional<std::int64_t>(9223372036854775807));
  EXPECT_TRUE(fields.boolean("b"));
  EXPECT_EQ(fields.strings("a"), (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(fields.object("o").at("k").as_int64(), 1);
  EXPECT_TRUE(fields.string_flag("f1"));
  EXPECT_FALSE(fields.string_flag("f2"));
  EXPECT_TRUE(fields.string_flag("f3"));
  EXPECT_FALSE(fields.failed());
}

TEST(JsonFields, RemembersTheFirstWrongFieldAsData) {
  const json::object object = parse_object(R"({"token":"secret","n":"12","b":1})");
  JsonFields fields(object, "command");
  EXPECT_EQ(fields.integer("token"), 0);
  EXPECT_TRUE(fields.boolean("b", true));  // wrong too, but not the first: the fallback
  EXPECT_EQ(fields.text("n"), "12");
  ASSERT_TRUE(fields.failed());
  EXPECT_EQ(fields.error(), (FieldTypeError{"command", "token", FieldType::integer, json::kind::string}));
}

TEST(JsonFields, WrongTypesNameTheExpectedTypeAndTheActualKind) {
  struct Case {
    std::string_view body;
    FieldType expected;
    json::kind actual;
  };
  const Case cases[] = {
      {R"({"k":1})", FieldType::string, json::kind::int64},
      {R"({"k":1.5})", FieldType::integer, json::kind::double_},
      {R"({"k":18446744073709551615})", FieldType::integer, json::kind::uint64},
      {R"({"k":"true"})", FieldType::boolean, json::kind::string},
      {R"({"k":[]})", FieldType::object, json::kind::array},
      {R"({"k":{}})", FieldType::array, json::kind::object},
      {R"({"k":["a",2]})", FieldType::array_of_strings, json::kind::int64},
      {R"({"k":3})", FieldType::string, json::kind::int64},  // string_flag
  };
  for (std::size_t i = 0; i < std::size(cases); ++i) {
    const json::object object = parse_object(cases[i].body);
    JsonFields fields(object, "x");
    switch (i) {
      case 0: fields.text("k"); break;
      case 1:
      case 2: EXPECT_EQ(fields.optional_integer("k"), std::nullopt); break;
      case 3: EXPECT_TRUE(fields.boolean("k", true)); break;
      case 4: fields.object("k"); break;
      case 5:
      case 6: EXPECT_TRUE(fields.strings("k").empty()); break;
      case 7: fields.string_flag("k"); break;
    }
    ASSERT_TRUE(fields.failed()) << cases[i].body;
    EXPECT_EQ(fields.error(), (FieldTypeError{"x", "k", cases[i].expected, cases[i].actual}))
        << cases[i].body;
  }
}

TEST(JsonFields, TypeAndKindNames) {
  EXPECT_EQ(to_string(FieldType::string), "string");
  EXPECT_EQ(to_string(FieldType::integer), "int64");
  EXPECT_EQ(to_string(FieldType::boolean), "bool");
  EXPECT_EQ(to_string(FieldType::object), "object");
  EXPECT_EQ(to_string(FieldType::array), "array");
  EXPECT_EQ(to_string(FieldType::array_of_strings), "array of strings");
  EXPECT_EQ(json_kind_name(json::kind::uint64), "integer");
  EXPECT_EQ(json_kind_name(json::kind::double_), "number");
  EXPECT_EQ(json_kind_name(json::kind::bool_), "bool");
}

// The Malformed of a field reader carries the same facts as its detail text.
TEST(JsonFields, MalformedCarriesTheFieldError) {
  const auto post = post_from_json(parse_object(R"({"id":"p1","file_ids":["f",{"k":"secret"}]})"));
  ASSERT_FALSE(post);
  EXPECT_EQ(post.error().reason, MalformedReason::bad_field_type);
  EXPECT_EQ(post.error().detail, "post.file_ids: expected array of strings, got object");
  EXPECT_EQ(post.error().field,
            (FieldTypeError{"post", "file_ids", FieldType::array_of_strings, json::kind::object}));

  const DecodeResult frame = decode_frame(R"({"event":"typing","data":{"user_id":7},"seq":3})");
  const auto* bad = std::get_if<Malformed>(&frame);
  ASSERT_NE(bad, nullptr);
  EXPECT_EQ(bad->detail, "data.user_id: expected string, got integer");
  EXPECT_EQ(bad->field, (FieldTypeError{"data", "user_id", FieldType::string, json::kind::int64}));
  EXPECT_EQ(bad->event, "typing");
  EXPECT_EQ(bad->seq, 3);

  // Errors that are not about one field of an object carry no field.
  const DecodeResult top = decode_frame(R"({"event":7})");
  ASSERT_NE(std::get_if<Malformed>(&top), nullptr);
  EXPECT_EQ(std::get<Malformed>(top).field, std::nullopt);
}

}  // namespace
}  // namespace mmclaw::mattermost

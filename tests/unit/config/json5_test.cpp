#include "config/json5.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <string_view>
#include <utility>

using mmclaw::config::Json5Document;
using mmclaw::config::Json5Limits;
using mmclaw::config::json_pointer_append;
using mmclaw::config::parse_json5;
using mmclaw::config::SourcePos;

namespace {

std::string pos_str(SourcePos pos) {
  return std::to_string(pos.line) + ":" + std::to_string(pos.column);
}

// "line:column: message" of a failed parse, or a marker when it unexpectedly succeeded.
std::string error_of(std::string_view text, const Json5Limits& limits = {}) {
  const auto result = parse_json5(text, limits);
  if (result) return "parsed: " + boost::json::serialize(result->root);
  return pos_str(result.error().pos) + ": " + result.error().message;
}

Json5Document parse_ok(std::string_view text, const Json5Limits& limits = {}) {
  auto result = parse_json5(text, limits);
  if (!result) {
    ADD_FAILURE() << "parse failed: " << pos_str(result.error().pos) << ": " << result.error().message
                  << "\ninput: " << text;
    return {};
  }
  return std::move(*result);
}

boost::json::value value_of(std::string_view text) {
  return parse_ok(text).root;
}

// Position of `pointer` as "line:column", or "none".
std::string pos_of(const Json5Document& doc, std::string_view pointer) {
  const auto pos = doc.position_of(pointer);
  return pos ? pos_str(*pos) : "none";
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------
// Values

TEST(Json5, TopLevelScalars) {
  EXPECT_EQ(value_of("true"), boost::json::value(true));
  EXPECT_EQ(value_of("false"), boost::json::value(false));
  EXPECT_TRUE(value_of("null").is_null());
  EXPECT_EQ(value_of("  42  "), boost::json::value(42));
  EXPECT_EQ(value_of("'text'"), boost::json::value("text"));
  EXPECT_EQ(value_of("\"text\""), boost::json::value("text"));
}

TEST(Json5, ObjectsAndArrays) {
  const auto v = value_of("{a: 1, 'b': [true, null, \"x\", [], {}], \"c\": {d: -2.5}}");
  EXPECT_EQ(v, boost::json::parse(R"({"a":1,"b":[true,null,"x",[],{}],"c":{"d":-2.5}})"));
  EXPECT_EQ(value_of("{}"), boost::json::value(boost::json::object()));
  EXPECT_EQ(value_of("[]"), boost::json::value(boost::json::array()));
  EXPECT_EQ(value_of("[[[]]]"), boost::json::parse("[[[]]]"));
}

TEST(Json5, PlainJsonMatchesBoostJson) {
  const std::string_view json =
      R"({"name":"mmclaw","n":[0,-1,1.5,-0.25,1e10,12345678901234,true,false,null],)"
      R"("nested":{"a":{"b":{"c":[1,[2,[3]]]}}},"s":"\u00e9\n\t\"\\\/","empty":""})";
  EXPECT_EQ(value_of(json), boost::json::parse(json));
}

TEST(Json5, KeyOrderIsKept) {
  const auto v = value_of("{z: 1, a: 2, m: 3}");
  std::string keys;
  for (const auto& member : v.as_object()) keys += member.key();
  EXPECT_EQ(keys, "zam");
}

TEST(Json5, Comments) {
  EXPECT_EQ(value_of("// leading\n{/* inside */a: /* before value */ 1 // trailing\n, b: 2} /* after */"),
            boost::json::parse(R"({"a":1,"b":2})"));
  EXPECT_EQ(value_of("[1, /* multi\nline\n comment */ 2]"), boost::json::parse("[1,2]"));
  EXPECT_EQ(value_of("1 // comment without a newline at the end"), boost::json::value(1));
  EXPECT_EQ(value_of("1 /**/"), boost::json::value(1));
  EXPECT_EQ(value_of("/***/ 1 /* ** / */"), boost::json::value(1));
  // A single-line comment also ends at CR, U+2028 and U+2029.
  EXPECT_EQ(value_of("[1, // c\r2, // c\xE2\x80\xA8"
                     "3, // c\xE2\x80\xA9"
                     "4]"),
            boost::json::parse("[1,2,3,4]"));
}

TEST(Json5, TrailingCommas) {
  EXPECT_EQ(value_of("{a: 1,}"), boost::json::parse(R"({"a":1})"));
  EXPECT_EQ(value_of("[1, 2,]"), boost::json::parse("[1,2]"));
  EXPECT_EQ(value_of("[[],{},]"), boost::json::parse("[[],{}]"));
  EXPECT_EQ(error_of("[,]"), "1:2: expected a value or ']', found ','");
  EXPECT_EQ(error_of("[1,,]"), "1:4: expected a value or ']', found ','");
  EXPECT_EQ(error_of("{,}"), "1:2: expected a key or '}', found ','");
  EXPECT_EQ(error_of("{a: 1,,}"), "1:7: expected a key or '}', found ','");
}

TEST(Json5, UnquotedKeys) {
  EXPECT_EQ(value_of("{$: 1, _: 2, a1: 3, $_x9: 4, A: 5}"),
            boost::json::parse(R"({"$":1,"_":2,"a1":3,"$_x9":4,"A":5})"));
  EXPECT_EQ(value_of("{\\u0061b: 1, c\\u0064: 2, \\u00e9t\\u00E9: 3}"),
            boost::json::parse(R"({"ab":1,"cd":2,"été":3})"));
  EXPECT_EQ(value_of("{ключ: 1, été: 2, 名前: 3}"), boost::json::parse(R"({"ключ":1,"été":2,"名前":3})"));
  EXPECT_EQ(value_of("{true: 1, null: 2, Infinity: 3, NaN: 4}"),
            boost::json::parse(R"({"true":1,"null":2,"Infinity":3,"NaN":4})"));
  // A non-ASCII space ends the key instead of becoming part of it.
  EXPECT_EQ(value_of("{a\xC2\xA0: 1}"), boost::json::parse(R"({"a":1})"));
}

TEST(Json5, UnquotedKeyErrors) {
  EXPECT_EQ(error_of("{1a: 1}"),
            "1:2: expected a key or '}', found '1a' (keys that start with a digit must be quoted)");
  EXPECT_EQ(error_of("{a-b: 1}"), "1:3: expected ':' after the key, found '-'");
  EXPECT_EQ(error_of("{a\\x41: 1}"),
            "1:3: invalid escape \\x in an unquoted key (only \\uXXXX escapes are allowed there)");
  EXPECT_EQ(error_of("{a\\u0020b: 1}"),
            "1:3: the escape \\u0020 is not allowed in an unquoted key (it is not an identifier character)");
  EXPECT_EQ(error_of("{\\u0031: 1}"),
            "1:2: the escape \\u0031 is not allowed in an unquoted key (it is not an identifier character)");
  EXPECT_EQ(error_of("{a\\u00G0: 1}"), "1:3: invalid escape \\u00 in an unquoted key");
  EXPECT_EQ(error_of("{a\\uD800: 1}"),
            "1:3: invalid escape \\uD800 in an unquoted key (a lone UTF-16 surrogate)");
  EXPECT_EQ(error_of("{a b: 1}"), "1:4: expected ':' after the key, found 'b'");
  EXPECT_EQ(
      error_of("{\xE2\x80\x9C"
               "a\xE2\x80\x9D: 1}"),
      "1:2: expected a key or '}', found '\xE2\x80\x9C' (U+201C; strings need straight quotes \" or ')");
  EXPECT_EQ(
      error_of("{a\xE2\x80\x99s: 1}"),
      "1:3: expected ':' after the key, found '\xE2\x80\x99' (U+2019; strings need straight quotes \" or ')");
}

TEST(Json5, Strings) {
  EXPECT_EQ(value_of(R"('it\'s "quoted"')"), boost::json::value("it's \"quoted\""));
  EXPECT_EQ(value_of(R"("it's \"quoted\"")"), boost::json::value("it's \"quoted\""));
  EXPECT_EQ(value_of(R"("\b\f\n\r\t\v\\\/")"), boost::json::value("\b\f\n\r\t\v\\/"));
  EXPECT_EQ(value_of(R"("a\0b")").as_string(), boost::json::string(std::string_view("a\0b", 3)));
  EXPECT_EQ(value_of(R"("\x41\x7a\xe9")"), boost::json::value("Az\xC3\xA9"));
  EXPECT_EQ(value_of(R"("\u0041\u00e9\u20AC")"), boost::json::value("A\xC3\xA9\xE2\x82\xAC"));
  EXPECT_EQ(value_of(R"("\uD83D\uDE00")"), boost::json::value("\xF0\x9F\x98\x80"));
  EXPECT_EQ(value_of(R"("\q\A\ \é")"), boost::json::value("qA \xC3\xA9"));
  EXPECT_EQ(value_of("'tab\there'"), boost::json::value("tab\there"));
  EXPECT_EQ(value_of("''"), boost::json::value(""));
  // Raw U+2028 and U+2029 are allowed inside strings.
  EXPECT_EQ(value_of("'a\xE2\x80\xA8"
                     "b\xE2\x80\xA9'"),
            boost::json::value("a\xE2\x80\xA8"
                               "b\xE2\x80\xA9"));
}

TEST(Json5, LineContinuations) {
  EXPECT_EQ(value_of("'one \\\ntwo'"), boost::json::value("one two"));
  EXPECT_EQ(value_of("'one \\\rtwo'"), boost::json::value("one two"));
  EXPECT_EQ(value_of("'one \\\r\ntwo'"), boost::json::value("one two"));
  EXPECT_EQ(value_of("'one \\\xE2\x80\xA8two'"), boost::json::value("one two"));
  EXPECT_EQ(value_of("'one \\\xE2\x80\xA9two'"), boost::json::value("one two"));
  const auto doc = parse_ok("['a\\\nb', 'c']");
  EXPECT_EQ(doc.root, boost::json::parse(R"(["ab","c"])"));
  EXPECT_EQ(pos_of(doc, "/1"), "2:5");
}

TEST(Json5, StringErrors) {
  EXPECT_EQ(error_of("\"abc"), "1:1: unexpected end of input inside a string (missing closing \")");
  EXPECT_EQ(error_of("[1, 'abc"), "1:5: unexpected end of input inside a string (missing closing ')");
  EXPECT_EQ(error_of("'abc\\"), "1:1: unexpected end of input inside a string (missing closing ')");
  EXPECT_EQ(error_of("'ab\\x4"), "1:1: unexpected end of input inside a string (missing closing ')");
  EXPECT_EQ(error_of("{a: \"abc\n}"), "1:9: unexpected line break inside a string (missing closing \"?)");
  EXPECT_EQ(error_of("'abc\r'"), "1:5: unexpected line break inside a string (missing closing '?)");
  EXPECT_EQ(error_of("'a\\x4g'"), "1:3: invalid escape \\x4 in string");
  EXPECT_EQ(error_of("'\\xg'"), "1:2: invalid escape \\x in string");
  EXPECT_EQ(error_of("'\\u12x4'"), "1:2: invalid escape \\u12 in string");
  EXPECT_EQ(error_of("'\\1'"), "1:2: invalid escape \\1 in string");
  EXPECT_EQ(error_of("'\\01'"), "1:2: invalid escape \\01 in string");
  EXPECT_EQ(error_of("'\\uD83D'"), "1:2: invalid escape \\uD83D in string (a lone UTF-16 surrogate)");
  EXPECT_EQ(error_of("'\\uD83Dx'"), "1:2: invalid escape \\uD83D in string (a lone UTF-16 surrogate)");
  EXPECT_EQ(error_of("'\\ud83d\\u0041'"), "1:2: invalid escape \\ud83d in string (a lone UTF-16 surrogate)");
  EXPECT_EQ(error_of("'x\\uDE00'"), "1:3: invalid escape \\uDE00 in string (a lone UTF-16 surrogate)");
  EXPECT_EQ(error_of("'\\uD83D\\u12'"), "1:8: invalid escape \\u12 in string");
}

TEST(Json5, Integers) {
  EXPECT_EQ(value_of("0").kind(), boost::json::kind::int64);
  EXPECT_EQ(value_of("-0").as_int64(), 0);
  EXPECT_EQ(value_of("+7").as_int64(), 7);
  EXPECT_EQ(value_of("-42").as_int64(), -42);
  EXPECT_EQ(value_of("9223372036854775807").as_int64(), std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(value_of("-9223372036854775808").as_int64(), std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(value_of("9223372036854775808").as_uint64(), 9223372036854775808ULL);
  EXPECT_EQ(value_of("18446744073709551615").as_uint64(), std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(value_of("18446744073709551616").as_double(), 18446744073709551616.0);
  EXPECT_EQ(value_of("-9223372036854775809").as_double(), -9223372036854775809.0);
  EXPECT_EQ(value_of("123456789012345678901234567890").as_double(), 1.2345678901234568e29);
}

TEST(Json5, HexNumbers) {
  EXPECT_EQ(value_of("0x1F").as_int64(), 31);
  EXPECT_EQ(value_of("0XaBc").as_int64(), 0xABC);
  EXPECT_EQ(value_of("-0x10").as_int64(), -16);
  EXPECT_EQ(value_of("+0x10").as_int64(), 16);
  EXPECT_EQ(value_of("0x7FFFFFFFFFFFFFFF").as_int64(), std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(value_of("-0x8000000000000000").as_int64(), std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(value_of("0xFFFFFFFFFFFFFFFF").as_uint64(), std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(value_of("0x10000000000000000").as_double(), 18446744073709551616.0);
  EXPECT_EQ(value_of("-0x10000000000000000").as_double(), -18446744073709551616.0);
}

TEST(Json5, Doubles) {
  EXPECT_EQ(value_of(".5").as_double(), 0.5);
  EXPECT_EQ(value_of("5.").as_double(), 5.0);
  EXPECT_EQ(value_of("-.5").as_double(), -0.5);
  EXPECT_EQ(value_of("+1.5e+2").as_double(), 150.0);
  EXPECT_EQ(value_of("1e3").as_double(), 1000.0);
  EXPECT_EQ(value_of("1E-2").as_double(), 0.01);
  EXPECT_EQ(value_of("5.e1").as_double(), 50.0);
  EXPECT_EQ(value_of("0.0").kind(), boost::json::kind::double_);
  EXPECT_EQ(value_of("0e5").as_double(), 0.0);
  EXPECT_EQ(value_of("1e400").as_double(), std::numeric_limits<double>::infinity());
  EXPECT_EQ(value_of("-1e400").as_double(), -std::numeric_limits<double>::infinity());
  EXPECT_EQ(value_of("1e-400").as_double(), 0.0);
  EXPECT_EQ(value_of("0.00001e-400").as_double(), 0.0);
  EXPECT_EQ(value_of("123.4e307").as_double(), std::numeric_limits<double>::infinity());
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(value_of("Infinity").as_double(), inf);
  EXPECT_EQ(value_of("+Infinity").as_double(), inf);
  EXPECT_EQ(value_of("-Infinity").as_double(), -inf);
  EXPECT_TRUE(std::isnan(value_of("NaN").as_double()));
  EXPECT_TRUE(std::isnan(value_of("-NaN").as_double()));
  EXPECT_TRUE(std::isnan(value_of("+NaN").as_double()));
  EXPECT_EQ(value_of("[Infinity,-Infinity]"), boost::json::value({inf, -inf}));
}

TEST(Json5, NumberErrors) {
  EXPECT_EQ(error_of("01"), "1:1: leading zeros are not allowed in numbers");
  EXPECT_EQ(error_of("[1, -007]"), "1:5: leading zeros are not allowed in numbers");
  EXPECT_EQ(error_of("00.5"), "1:1: leading zeros are not allowed in numbers");
  EXPECT_EQ(error_of("0x"), "1:3: expected a hex digit after '0x', found end of input");
  EXPECT_EQ(error_of("[0Xg]"), "1:4: expected a hex digit after '0X', found 'g'");
  EXPECT_EQ(error_of("1e"), "1:3: expected a digit in the exponent, found end of input");
  EXPECT_EQ(error_of("[1e+]"), "1:5: expected a digit in the exponent, found ']'");
  EXPECT_EQ(error_of("."), "1:2: expected a digit after '.', found end of input");
  EXPECT_EQ(error_of("[-]"), "1:3: expected a digit, 'Infinity' or 'NaN' after '-', found ']'");
  EXPECT_EQ(error_of("[- 1]"), "1:3: expected a digit, 'Infinity' or 'NaN' after '-', found a space");
  EXPECT_EQ(error_of("[1e\t1]"), "1:4: expected a digit in the exponent, found a tab");
  EXPECT_EQ(error_of("+Inf"), "1:2: expected a digit, 'Infinity' or 'NaN' after '+', found 'Inf'");
  EXPECT_EQ(error_of("{port: 80a}"), "1:8: invalid number '80a'");
  EXPECT_EQ(error_of("1.2.3"), "1:1: invalid number '1.2.3'");
  EXPECT_EQ(error_of("0x1G"), "1:1: invalid number '0x1G'");
  EXPECT_EQ(error_of("0b101"), "1:1: invalid number '0b101'");
  EXPECT_EQ(error_of("1_000"), "1:1: invalid number '1_000'");
  EXPECT_EQ(error_of("Infinityx"), "1:1: expected a value, found 'Infinityx' (strings must be quoted)");
  EXPECT_EQ(error_of("[1 2]"), "1:4: expected ',' or ']' after an array element, found '2'");
}

TEST(Json5, Whitespace) {
  // space, tab, LF, CR, VT, FF, NBSP, BOM, U+2028, U+2029, U+1680, U+2000, U+200A, U+202F, U+205F, U+3000
  const std::string ws =
      " \t\n\r\v\f\xC2\xA0\xEF\xBB\xBF\xE2\x80\xA8\xE2\x80\xA9\xE1\x9A\x80\xE2\x80\x80\xE2\x80\x8A"
      "\xE2\x80\xAF\xE2\x81\x9F\xE3\x80\x80";
  EXPECT_EQ(value_of(ws + "[" + ws + "1" + ws + "," + ws + "{" + ws + "a" + ws + ":" + ws + "2" + ws + "}" +
                     ws + "]" + ws),
            boost::json::parse(R"([1,{"a":2}])"));
  // U+200B (zero width space) is not whitespace.
  EXPECT_EQ(error_of("[1]\xE2\x80\x8B"),
            "1:4: expected end of input after the top-level value, found '\xE2\x80\x8B' (U+200B)");
}

TEST(Json5, StructuralErrors) {
  EXPECT_EQ(error_of(""), "1:1: expected a value, found end of input");
  EXPECT_EQ(error_of("  \n  "), "2:3: expected a value, found end of input");
  EXPECT_EQ(error_of("// only a comment\n"), "2:1: expected a value, found end of input");
  EXPECT_EQ(error_of("{} x"), "1:4: expected end of input after the top-level value, found 'x'");
  EXPECT_EQ(error_of("1 2"), "1:3: expected end of input after the top-level value, found '2'");
  EXPECT_EQ(error_of("{\"a\": 1 x}"), "1:9: expected ',' or '}' after an object member, found 'x'");
  EXPECT_EQ(error_of("{\n  a: 1\n  b: 2\n}"), "3:3: expected ',' or '}' after an object member, found 'b'");
  EXPECT_EQ(error_of("{a 1}"), "1:4: expected ':' after the key, found '1'");
  EXPECT_EQ(error_of("{a: }"), "1:5: expected a value, found '}'");
  EXPECT_EQ(error_of("[1}"), "1:3: expected ',' or ']' after an array element, found '}'");
  EXPECT_EQ(error_of("{]"), "1:2: expected a key or '}', found ']'");
  EXPECT_EQ(error_of("]"), "1:1: expected a value, found ']'");
  EXPECT_EQ(error_of("{'a': 1 /x}"), "1:9: expected ',' or '}' after an object member, found '/'");
  EXPECT_EQ(error_of("\x01"), "1:1: expected a value, found control character U+0001");
  EXPECT_EQ(error_of("[\"a\" 'b']"), "1:6: expected ',' or ']' after an array element, found \"'\"");
}

TEST(Json5, UnterminatedContainers) {
  EXPECT_EQ(error_of("{a: 1"),
            "1:1: unexpected end of input inside an object (missing '}' for the '{' opened here)");
  EXPECT_EQ(error_of("{a: 1,"),
            "1:1: unexpected end of input inside an object (missing '}' for the '{' opened here)");
  EXPECT_EQ(error_of("{a"),
            "1:1: unexpected end of input inside an object (missing '}' for the '{' opened here)");
  EXPECT_EQ(error_of("{a:"),
            "1:1: unexpected end of input inside an object (missing '}' for the '{' opened here)");
  EXPECT_EQ(error_of("{\n  list: [1, 2\n"),
            "2:9: unexpected end of input inside an array (missing ']' for the '[' opened here)");
  EXPECT_EQ(error_of("[[], ["),
            "1:6: unexpected end of input inside an array (missing ']' for the '[' opened here)");
  EXPECT_EQ(error_of("[1, /* note\n  more"), "1:5: unterminated block comment (opened here)");
  EXPECT_EQ(error_of("/*/"), "1:1: unterminated block comment (opened here)");
}

TEST(Json5, FriendlyHints) {
  EXPECT_EQ(error_of("{mode: fast}"), "1:8: expected a value, found 'fast' (strings must be quoted)");
  EXPECT_EQ(error_of("[1, abc]"), "1:5: expected a value or ']', found 'abc' (strings must be quoted)");
  EXPECT_EQ(error_of("{a: True}"), "1:5: expected a value, found 'True' (did you mean true?)");
  EXPECT_EQ(error_of("NULL"), "1:1: expected a value, found 'NULL' (did you mean null?)");
  EXPECT_EQ(error_of("{a: trueish}"), "1:5: expected a value, found 'trueish' (strings must be quoted)");
  EXPECT_EQ(error_of("{a: \xE2\x80\x9Chi\xE2\x80\x9D}"),
            "1:5: expected a value, found '\xE2\x80\x9C' (U+201C; strings need straight quotes \" or ')");
  const std::string long_word(60, 'w');
  EXPECT_EQ(error_of("[" + long_word + "]"),
            "1:2: expected a value or ']', found '" + std::string(40, 'w') + "...' (strings must be quoted)");
}

TEST(Json5, InvalidUtf8) {
  EXPECT_EQ(error_of("\xFF"), "1:1: invalid UTF-8 byte 0xFF (the file must be saved as UTF-8)");
  // Latin-1 "é" in a string on line 2, after a multi-byte character that counts as one column.
  EXPECT_EQ(error_of("{\n  \xC3\xA9t\xC3\xA9: 'caf\xE9'}"),
            "2:12: invalid UTF-8 byte 0xE9 (the file must be saved as UTF-8)");
  EXPECT_EQ(error_of("'\xC0\x80'"),
            "1:2: invalid UTF-8 byte 0xC0 (the file must be saved as UTF-8)");  // overlong
  EXPECT_EQ(error_of("'\xED\xA0\x80'"),
            "1:2: invalid UTF-8 byte 0xED (the file must be saved as UTF-8)");  // surrogate
  EXPECT_EQ(error_of("'\xF4\x90\x80\x80'"), "1:2: invalid UTF-8 byte 0xF4 (the file must be saved as UTF-8)");
  EXPECT_EQ(error_of("'ab\xE2\x82"),
            "1:4: invalid UTF-8 byte 0xE2 (the file must be saved as UTF-8)");  // truncated
  EXPECT_EQ(error_of("// \x80\n1"),
            "1:4: invalid UTF-8 byte 0x80 (the file must be saved as UTF-8)");  // in a comment
}

// ---------------------------------------------------------------------------------------------------------
// Positions

TEST(Json5Positions, NestedKeysAndElements) {
  const auto doc = parse_ok(
      "{\n"                                // 1
      "  server: {\n"                      // 2
      "    url: 'https://x',\n"            // 3
      "    ports: [80,\n"                  // 4
      "      443, {tls: true}],\n"         // 5
      "  },\n"                             // 6
      "  'a/b': 1, \"m~n\": {'~/': 2},\n"  // 7
      "}\n");
  EXPECT_EQ(pos_of(doc, ""), "1:1");
  EXPECT_EQ(pos_of(doc, "/server"), "2:3");
  EXPECT_EQ(pos_of(doc, "/server/url"), "3:5");
  EXPECT_EQ(pos_of(doc, "/server/ports"), "4:5");
  EXPECT_EQ(pos_of(doc, "/server/ports/0"), "4:13");
  EXPECT_EQ(pos_of(doc, "/server/ports/1"), "5:7");
  EXPECT_EQ(pos_of(doc, "/server/ports/2"), "5:12");
  EXPECT_EQ(pos_of(doc, "/server/ports/2/tls"), "5:13");
  EXPECT_EQ(pos_of(doc, "/a~1b"), "7:3");
  EXPECT_EQ(pos_of(doc, "/m~0n"), "7:13");
  EXPECT_EQ(pos_of(doc, "/m~0n/~0~1"), "7:21");
  EXPECT_EQ(pos_of(doc, "/server/ports/3"), "none");
  EXPECT_EQ(pos_of(doc, "/a/b"), "none");
  EXPECT_EQ(doc.positions.size(), 11U);
  EXPECT_TRUE(doc.warnings.empty());
}

TEST(Json5Positions, RootScalarAndArray) {
  EXPECT_EQ(pos_of(parse_ok("  \n  42"), ""), "2:3");
  const auto doc = parse_ok("[ [1], [ 2 ] ]");
  EXPECT_EQ(pos_of(doc, ""), "1:1");
  EXPECT_EQ(pos_of(doc, "/0"), "1:3");
  EXPECT_EQ(pos_of(doc, "/0/0"), "1:4");
  EXPECT_EQ(pos_of(doc, "/1"), "1:8");
  EXPECT_EQ(pos_of(doc, "/1/0"), "1:10");
}

TEST(Json5Positions, LineBreaksTabsAndMultiByteColumns) {
  // CRLF and lone CR are one line break each; a tab and a multi-byte character are one column each.
  const auto doc = parse_ok("{\r\n\ta: 1,\r\n\t\xC3\xA9t\xC3\xA9: 2,\r  \xF0\x9F\x98\x80: 3, b: 4}");
  EXPECT_EQ(pos_of(doc, "/a"), "2:2");
  EXPECT_EQ(pos_of(doc, "/\xC3\xA9t\xC3\xA9"), "3:2");
  EXPECT_EQ(pos_of(doc, "/\xF0\x9F\x98\x80"), "4:3");
  EXPECT_EQ(pos_of(doc, "/b"), "4:9");
  EXPECT_EQ(error_of("{\r\n\r\n  a: x\r\n}"), "3:6: expected a value, found 'x' (strings must be quoted)");
}

TEST(Json5Positions, ByteOrderMarkTakesNoColumn) {
  const auto doc = parse_ok("\xEF\xBB\xBF{a: 1}");
  EXPECT_EQ(pos_of(doc, ""), "1:1");
  EXPECT_EQ(pos_of(doc, "/a"), "1:2");
  EXPECT_EQ(error_of("\xEF\xBB\xBF{a: }"), "1:5: expected a value, found '}'");
}

TEST(Json5Positions, ErrorAfterMultilineString) {
  EXPECT_EQ(error_of("['a\\\nbc' x]"), "2:5: expected ',' or ']' after an array element, found 'x'");
}

TEST(Json5Positions, PositionOfMissingPointer) {
  const auto doc = parse_ok("{a: [1]}");
  EXPECT_FALSE(doc.position_of("/b").has_value());
  EXPECT_FALSE(doc.position_of("/a/1").has_value());
  EXPECT_FALSE(doc.position_of("a").has_value());
  ASSERT_TRUE(doc.position_of("/a/0").has_value());
  EXPECT_EQ(*doc.position_of("/a/0"), (SourcePos{1, 6}));
}

TEST(Json5Pointer, AppendEscapesTokens) {
  EXPECT_EQ(json_pointer_append("", "a"), "/a");
  EXPECT_EQ(json_pointer_append("/a", "b/c"), "/a/b~1c");
  EXPECT_EQ(json_pointer_append("/a", "m~n"), "/a/m~0n");
  EXPECT_EQ(json_pointer_append("/a", "~/~1"), "/a/~0~1~01");
  EXPECT_EQ(json_pointer_append("/a", ""), "/a/");
  EXPECT_EQ(json_pointer_append("", "0"), "/0");
}

// ---------------------------------------------------------------------------------------------------------
// Duplicate keys

TEST(Json5Duplicates, LaterValueWinsWithWarning) {
  const auto doc = parse_ok("{\n  a: 1,\n  b: 2,\n  'a': 3,\n}");
  EXPECT_EQ(doc.root, boost::json::parse(R"({"a":3,"b":2})"));
  ASSERT_EQ(doc.warnings.size(), 1U);
  EXPECT_EQ(doc.warnings[0].message, "duplicate key \"a\"; the later value is used");
  EXPECT_EQ(pos_str(doc.warnings[0].pos), "4:3");
  EXPECT_EQ(pos_of(doc, "/a"), "4:3");
  EXPECT_EQ(pos_of(doc, "/b"), "3:3");
}

TEST(Json5Duplicates, ReplacedSubtreeIsForgotten) {
  const auto doc = parse_ok("{a: {x: 1, y: [1, 2]}, b: 0, a: {x: 2}}");
  EXPECT_EQ(doc.root, boost::json::parse(R"({"a":{"x":2},"b":0})"));
  // Only "a" is a duplicate; "x" inside the replacement is new, not a duplicate of the old "x".
  ASSERT_EQ(doc.warnings.size(), 1U);
  EXPECT_EQ(doc.warnings[0].message, "duplicate key \"a\"; the later value is used");
  EXPECT_EQ(pos_str(doc.warnings[0].pos), "1:30");
  EXPECT_EQ(pos_of(doc, "/a"), "1:30");
  EXPECT_EQ(pos_of(doc, "/a/x"), "1:34");
  EXPECT_EQ(pos_of(doc, "/a/y"), "none");
  EXPECT_EQ(pos_of(doc, "/a/y/0"), "none");
  EXPECT_EQ(pos_of(doc, "/b"), "1:24");
  EXPECT_EQ(doc.positions.size(), 4U);
}

TEST(Json5Duplicates, RepeatedAndNested) {
  const auto doc = parse_ok("{k: 1, k: 2, k: {k: 3, k: 4}}");
  EXPECT_EQ(doc.root, boost::json::parse(R"({"k":{"k":4}})"));
  ASSERT_EQ(doc.warnings.size(), 3U);
  EXPECT_EQ(pos_str(doc.warnings[0].pos), "1:8");
  EXPECT_EQ(pos_str(doc.warnings[1].pos), "1:14");
  EXPECT_EQ(pos_str(doc.warnings[2].pos), "1:24");
  EXPECT_EQ(pos_of(doc, "/k"), "1:14");
  EXPECT_EQ(pos_of(doc, "/k/k"), "1:24");
  EXPECT_EQ(doc.positions.size(), 3U);
  // Same key in sibling objects is not a duplicate.
  EXPECT_TRUE(parse_ok("[{a: 1}, {a: 2}]").warnings.empty());
  EXPECT_TRUE(parse_ok("{a: {a: {a: 1}}}").warnings.empty());
}

TEST(Json5Duplicates, OddKeysAreQuotedInTheWarning) {
  const auto doc = parse_ok(R"({"say \"hi\"\n": 1, 'say "hi"\n': 2})");
  ASSERT_EQ(doc.warnings.size(), 1U);
  EXPECT_EQ(doc.warnings[0].message, R"(duplicate key "say \"hi\"\u000a"; the later value is used)");
}

// ---------------------------------------------------------------------------------------------------------
// Limits

TEST(Json5Limits, Size) {
  Json5Limits limits;
  limits.max_bytes = 8;
  EXPECT_TRUE(parse_json5("[1,2,3] ", limits).has_value());
  EXPECT_EQ(error_of("[1,2,3]  ", limits), "0:0: the file is larger than 8 bytes");
  limits.max_bytes = 1;
  EXPECT_EQ(error_of("12", limits), "0:0: the file is larger than 1 byte");
  limits.max_bytes = 2 * 1024 * 1024;
  const std::string big = "'" + std::string(2 * 1024 * 1024, 'x') + "'";
  EXPECT_EQ(error_of(big, limits), "0:0: the file is larger than 2 MiB");
  // The size is checked before anything else, even invalid UTF-8.
  EXPECT_EQ(error_of("\xFF" + std::string(4 * 1024 * 1024, ' ')), "0:0: the file is larger than 4 MiB");
  const std::string just_fits = "'" + std::string(4 * 1024 * 1024 - 2, 'x') + "'";
  const auto doc = parse_ok(just_fits);
  EXPECT_EQ(doc.root.as_string().size(), 4U * 1024 * 1024 - 2);
}

TEST(Json5Limits, DepthAtTheLimit) {
  const std::string ok = std::string(64, '[') + std::string(64, ']');
  EXPECT_TRUE(parse_json5(ok).has_value());
  const std::string too_deep = std::string(65, '[') + std::string(65, ']');
  EXPECT_EQ(error_of(too_deep), "1:65: nesting is deeper than 64 levels");
  std::string objects;
  for (int i = 0; i < 65; ++i) objects += "{a:";
  EXPECT_EQ(error_of(objects), "1:193: nesting is deeper than 64 levels");
}

TEST(Json5Limits, CustomDepth) {
  Json5Limits limits;
  limits.max_depth = 2;
  EXPECT_TRUE(parse_json5("[{a: 1}, []]", limits).has_value());
  EXPECT_EQ(error_of("[{a: [1]}]", limits), "1:6: nesting is deeper than 2 levels");
  limits.max_depth = 1;
  EXPECT_EQ(error_of("[[]]", limits), "1:2: nesting is deeper than 1 level");
  limits.max_depth = 0;
  EXPECT_TRUE(parse_json5("1", limits).has_value());
  EXPECT_EQ(error_of("{}", limits), "1:1: nesting is deeper than 0 levels");
}

TEST(Json5Limits, VeryDeepInputDoesNotCrash) {
  EXPECT_EQ(error_of(std::string(100000, '[')), "1:65: nesting is deeper than 64 levels");
  EXPECT_EQ(error_of(std::string(100000, '{')), "1:2: expected a key or '}', found '{'");
  // A raised depth limit is handled without recursion too.
  Json5Limits limits;
  limits.max_depth = 100000;
  EXPECT_EQ(error_of(std::string(10000, '['), limits),
            "1:10000: unexpected end of input inside an array (missing ']' for the '[' opened here)");
  const auto doc = parse_ok(std::string(10000, '[') + std::string(10000, ']'), limits);
  EXPECT_EQ(pos_of(doc, "/0/0/0"), "1:4");
  // So deep that the pointers of all values (2 bytes per level each) exceed 32 x max_bytes (128 MiB) in
  // total: n(n + 1) > 2^27 first holds at level 11585, the '[' in column 11586.
  EXPECT_EQ(error_of(std::string(100000, '['), limits),
            "1:11586: the file is too complex to index (very long keys above very many or very deeply nested "
            "values)");
}

TEST(Json5Limits, PointerBudget) {
  // The budget is 32 x max_bytes (1 MiB here): each element's pointer repeats the 256 KiB key, and
  // element 126 takes the total over 32 MiB.
  Json5Limits limits;
  limits.max_bytes = 1024 * 1024;
  const std::string key(256 * 1024, 'k');
  std::string text = "{'" + key + "': [";
  for (int i = 0; i < 130; ++i) text += "0,";
  text += "]}";
  EXPECT_EQ(
      error_of(text, limits),
      "1:262403: the file is too complex to index (very long keys above very many or very deeply nested "
      "values)");
  // A raised size limit raises the budget with it.
  limits.max_bytes = 2 * 1024 * 1024;
  const auto doc = parse_ok(text, limits);
  EXPECT_EQ(doc.root.at(key).as_array().size(), 130U);
}

// ---------------------------------------------------------------------------------------------------------
// Robustness

TEST(Json5Robustness, MutatedDocumentsNeverCrash) {
  const std::string seeds[] = {
      "{\n  // comment\n  server: {url: 'https://chat.example.com', port: 8065, tls: true},\n"
      "  bots: [{name: \"a\\u00e9\", model: 'x', temp: .5, max: 0x10, big: 1e400}, ],\n"
      "  /* block */ 'k/~': [Infinity, -NaN, null, +1.5e-3,],\n}\n",
      "[1, 'two\\\nlines', \"\\x41\\uD83D\\uDE00\", {\\u0061b: [[[]]]}, '\xC3\xA9t\xC3\xA9']",
      "{a: 1, a: {b: 2, b: [3]}, \"c\": '\xE2\x80\xA8', d: -0x7fffffffffffffff}",
  };
  constexpr std::string_view kInteresting = "{}[],:'\"\\/*\n\r0x.e+-\xC3\x80\xFF";
  std::mt19937 rng(20240607);
  int parsed = 0;
  int failed = 0;
  for (const std::string& seed : seeds) {
    ASSERT_TRUE(parse_json5(seed).has_value()) << seed;
    for (int round = 0; round < 1500; ++round) {
      std::string text = seed;
      const int mutations = 1 + static_cast<int>(rng() % 4);
      for (int m = 0; m < mutations && !text.empty(); ++m) {
        const std::size_t at = rng() % text.size();
        switch (rng() % 5) {
          case 0:  // flip one bit
            text[at] = static_cast<char>(text[at] ^ (1 << (rng() % 8)));
            break;
          case 1:  // truncate
            text.resize(at);
            break;
          case 2:  // insert a structural or otherwise interesting byte
            text.insert(at, 1, kInteresting[rng() % kInteresting.size()]);
            break;
          case 3:  // delete a byte
            text.erase(at, 1);
            break;
          default:  // insert a random byte
            text.insert(at, 1, static_cast<char>(rng() % 256));
            break;
        }
      }
      const auto result = parse_json5(text);
      if (result) {
        ++parsed;
        // Every position is within the text and every pointer resolves in the parsed value.
        for (const auto& [pointer, pos] : result->positions) {
          EXPECT_GE(pos.line, 1U);
          EXPECT_GE(pos.column, 1U);
          boost::system::error_code ec;
          EXPECT_NE(result->root.find_pointer(pointer, ec), nullptr) << pointer << " in " << text;
        }
      } else {
        ++failed;
        EXPECT_FALSE(result.error().message.empty());
        EXPECT_GE(result.error().pos.line, 1U) << result.error().message;
        EXPECT_GE(result.error().pos.column, 1U) << result.error().message;
      }
    }
  }
  EXPECT_EQ(parsed + failed, 4500);
  EXPECT_GT(parsed, 0);
  EXPECT_GT(failed, 0);
}

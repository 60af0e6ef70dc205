#pragma once
// JSON5 reader for user configuration files (openclaw.json). It keeps the source position of every
// value so that later stages (schema checks, secrets, legacy migration) can point users at the exact
// line and column of a problem, and its own error messages are written for the people editing the file.

#include <boost/json/value.hpp>

#include <cstddef>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace mmclaw::config {

struct SourcePos {
  std::uint32_t line = 0;    // 1-based; 0 = unknown
  std::uint32_t column = 0;  // 1-based, in Unicode code points (a tab is one column); 0 = unknown

  friend bool operator==(const SourcePos&, const SourcePos&) = default;
};

struct Json5Limits {
  std::size_t max_bytes = 4 * 1024 * 1024;
  std::size_t max_depth = 64;  // nested objects/arrays; the root container is level 1
};

struct Json5Warning {
  std::string message;
  SourcePos pos;
};

struct Json5Document {
  boost::json::value root;
  // Position of every value in the document keyed by its JSON Pointer (RFC 6901; "" is the root).
  // For an object member it is the position of the member's KEY; for an array element, of the element.
  std::unordered_map<std::string, SourcePos> positions;
  std::vector<Json5Warning> warnings;  // e.g. duplicate keys
  std::optional<SourcePos> position_of(std::string_view pointer) const;
};

struct Json5Error {
  std::string message;  // no file name or position: the caller prints `file:line:column: message`
  SourcePos pos;
};

// Parses a complete JSON5 document (https://spec.json5.org). Never throws except std::bad_alloc.
// An error's pos is the offending character, except for an unterminated string, block comment, object or
// array, where it is the opening quote, comment or bracket; it is {0, 0} when the file is over max_bytes.
// The positions index is capped at 32 x max(max_bytes, 1 MiB) bytes of pointers, so pathological files
// (a huge key above a huge array) fail with an error instead of exhausting memory.
std::expected<Json5Document, Json5Error> parse_json5(std::string_view text, const Json5Limits& limits = {});

// Appends one escaped reference token to a JSON pointer: ("/a", "b/c") -> "/a/b~1c"; '~' -> "~0".
std::string json_pointer_append(std::string_view base, std::string_view token);

}  // namespace mmclaw::config

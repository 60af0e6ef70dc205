#pragma once
// A reader of the typed fields of one JSON object, shared by the WebSocket event decoder
// (events.cpp) and the REST body decoders (rest_types.cpp). Pure: no I/O, no logging, no throwing
// of its own. Absent and null fields keep their defaults; the first field of the wrong JSON type is
// remembered as a FieldTypeError (object, key, expected type, actual kind) and never with the
// field's value, so each caller can word its own error without risk of quoting a secret.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/kind.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

namespace mmclaw::mattermost {

// The JSON type a field was read as.
enum class FieldType {
  string,
  integer,  // a JSON integer that fits an int64
  boolean,
  object,
  array,
  array_of_strings,  // an array whose items are not all strings
};

// Stable short name: "string", "int64", "bool", "object", "array", "array of strings".
std::string_view to_string(FieldType type) noexcept;

// A JSON kind for messages: "null", "bool", "integer", "number", "string", "array", "object".
std::string_view json_kind_name(boost::json::kind kind) noexcept;

// The first field of a JSON object that had the wrong type. `actual` is the kind of the value
// (for array_of_strings, the kind of the first item that is not a string).
struct FieldTypeError {
  std::string object;  // the reader's name for the object ("post", "data", "user", ...)
  std::string key;
  FieldType expected = FieldType::string;
  boost::json::kind actual = boost::json::kind::null;

  bool operator==(const FieldTypeError&) const = default;
};

// Reads typed fields of one JSON object; both the object and the name must outlive the reader.
class JsonFields {
 public:
  JsonFields(const boost::json::object& object, std::string_view name) : object_(object), name_(name) {}

  // The field's value, or nullptr when it is absent or null.
  [[nodiscard]] const boost::json::value* find(std::string_view key) const;

  std::string text(std::string_view key);
  std::int64_t integer(std::string_view key);
  std::optional<std::int64_t> optional_integer(std::string_view key);
  bool boolean(std::string_view key, bool fallback = false);
  // A flag the server sends as the string "true" (posted.data.image); a bool is accepted too.
  bool string_flag(std::string_view key);
  std::vector<std::string> strings(std::string_view key);
  boost::json::object object(std::string_view key);

  [[nodiscard]] bool failed() const { return error_.has_value(); }
  [[nodiscard]] const FieldTypeError& error() const { return *error_; }
  FieldTypeError take_error() { return std::move(*error_); }

 private:
  void wrong_type(std::string_view key, FieldType expected, const boost::json::value& got);

  const boost::json::object& object_;
  std::string_view name_;
  std::optional<FieldTypeError> error_;
};

}  // namespace mmclaw::mattermost

#include "mattermost/json_fields.hpp"

#include <limits>
#include <utility>

namespace mmclaw::mattermost {

namespace json = boost::json;

std::string_view to_string(FieldType type) noexcept {
  switch (type) {
    case FieldType::string: return "string";
    case FieldType::integer: return "int64";
    case FieldType::boolean: return "bool";
    case FieldType::object: return "object";
    case FieldType::array: return "array";
    case FieldType::array_of_strings: return "array of strings";
  }
  return "unknown";
}

std::string_view json_kind_name(json::kind kind) noexcept {
  switch (kind) {
    case json::kind::null: return "null";
    case json::kind::bool_: return "bool";
    case json::kind::int64:
    case json::kind::uint64: return "integer";
    case json::kind::double_: return "number";
    case json::kind::string: return "string";
    case json::kind::array: return "array";
    case json::kind::object: return "object";
  }
  return "unknown";
}

const json::value* JsonFields::find(std::string_view key) const {
  const json::value* value = object_.if_contains(key);
  return value != nullptr && !value->is_null() ? value : nullptr;
}

std::string JsonFields::text(std::string_view key) {
  const json::value* value = find(key);
  if (value == nullptr) return {};
  if (!value->is_string()) return wrong_type(key, FieldType::string, *value), std::string();
  return std::string(value->get_string());
}

std::int64_t JsonFields::integer(std::string_view key) {
  const json::value* value = find(key);
  if (value == nullptr) return 0;
  if (value->is_int64()) return value->get_int64();
  if (value->is_uint64() && value->get_uint64() <= std::numeric_limits<std::int64_t>::max()) {
    return static_cast<std::int64_t>(value->get_uint64());
  }
  wrong_type(key, FieldType::integer, *value);
  return 0;
}

std::optional<std::int64_t> JsonFields::optional_integer(std::string_view key) {
  if (find(key) == nullptr) return std::nullopt;
  const std::int64_t result = integer(key);
  return failed() ? std::nullopt : std::optional<std::int64_t>(result);
}

bool JsonFields::boolean(std::string_view key, bool fallback) {
  const json::value* value = find(key);
  if (value == nullptr) return fallback;
  if (!value->is_bool()) return wrong_type(key, FieldType::boolean, *value), fallback;
  return value->get_bool();
}

bool JsonFields::string_flag(std::string_view key) {
  const json::value* value = find(key);
  if (value == nullptr) return false;
  if (value->is_bool()) return value->get_bool();
  if (!value->is_string()) return wrong_type(key, FieldType::string, *value), false;
  return value->get_string() == "true";
}

std::vector<std::string> JsonFields::strings(std::string_view key) {
  const json::value* value = find(key);
  if (value == nullptr) return {};
  if (!value->is_array()) return wrong_type(key, FieldType::array, *value), std::vector<std::string>();
  std::vector<std::string> out;
  out.reserve(value->get_array().size());
  for (const json::value& item : value->get_array()) {
    if (!item.is_string()) {
      return wrong_type(key, FieldType::array_of_strings, item), std::vector<std::string>();
    }
    out.emplace_back(item.get_string());
  }
  return out;
}

json::object JsonFields::object(std::string_view key) {
  const json::value* value = find(key);
  if (value == nullptr) return {};
  if (!value->is_object()) return wrong_type(key, FieldType::object, *value), json::object();
  return value->get_object();
}

void JsonFields::wrong_type(std::string_view key, FieldType expected, const json::value& got) {
  if (error_) return;
  error_ = FieldTypeError{std::string(name_), std::string(key), expected, got.kind()};
}

}  // namespace mmclaw::mattermost

#include "config/schema.hpp"

#include <cmath>
#include <limits>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "util/strings.hpp"

namespace mmclaw::config {

namespace json = boost::json;

const Field* SchemaNode::field(std::string_view name) const {
  for (const auto& f : fields)
    if (f.name == name) return &f;
  return nullptr;
}

namespace {

std::string format_number(double v) {
  if (std::floor(v) == v && std::fabs(v) < 1e15) return fmt::format("{}", static_cast<long long>(v));
  return fmt::format("{}", v);
}

std::string quoted_list(const std::vector<std::string>& values) {
  std::string out;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i != 0) out += i + 1 == values.size() ? " or " : ", ";
    out += fmt::format("\"{}\"", values[i]);
  }
  return out;
}

std::string range_text(const SchemaNode& node) {
  if (node.min && node.max)
    return fmt::format(" from {} to {}", format_number(*node.min), format_number(*node.max));
  if (node.min)
    return node.min_exclusive ? fmt::format(" greater than {}", format_number(*node.min))
                              : fmt::format(" of at least {}", format_number(*node.min));
  if (node.max) return fmt::format(" of at most {}", format_number(*node.max));
  return "";
}

std::string short_value(const json::value& v) {
  std::string text = v.is_double() ? fmt::format("{}", v.get_double()) : json::serialize(v);
  if (text.size() > 40) text = text.substr(0, 37) + "...";
  return text;
}

bool json_type_matches(const SchemaNode& node, const json::value& v) {
  switch (node.kind) {
    case NodeKind::any: return true;
    case NodeKind::boolean: return v.is_bool();
    case NodeKind::integer:
    case NodeKind::number: return v.is_number();
    case NodeKind::string:
    case NodeKind::enumeration: return v.is_string();
    case NodeKind::array: return v.is_array();
    case NodeKind::object:
    case NodeKind::map: return v.is_object();
    case NodeKind::one_of: return false;
  }
  return false;
}

std::optional<double> as_double(const json::value& v) {
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  if (v.is_uint64()) return static_cast<double>(v.get_uint64());
  if (v.is_double()) return v.get_double();
  return std::nullopt;
}

void validate_number(const json::value& v, const SchemaNode& node, const KeyPath& path, IssueList& issues) {
  const auto d = as_double(v);
  if (!d) {
    issues.error(path, fmt::format("must be {} (got {})", node.describe(), describe_json_type(v)));
    return;
  }
  if (!std::isfinite(*d)) {
    issues.error(path, fmt::format("must be a finite number (got {})", short_value(v)));
    return;
  }
  if (node.kind == NodeKind::integer && std::floor(*d) != *d) {
    issues.error(path, fmt::format("must be a whole number (got {})", short_value(v)));
    return;
  }
  const bool below = node.min && (node.min_exclusive ? *d <= *node.min : *d < *node.min);
  const bool above = node.max && *d > *node.max;
  if (below || above) issues.error(path, fmt::format("must be {} (got {})", node.describe(), short_value(v)));
}

void validate_object(const json::object& obj, const SchemaNode& node, const KeyPath& path,
                     IssueList& issues) {
  std::vector<std::string> known;
  for (const auto& f : node.fields)
    if (f.role != FieldRole::legacy) known.push_back(f.name);

  for (const auto& member : obj) {
    const std::string_view key = member.key();
    const KeyPath child = path.child(key);
    const Field* f = node.field(key);
    if (f == nullptr) {
      const auto suggestion = util::closest_match(key, known);
      const std::string hint = suggestion ? fmt::format(" (did you mean `{}`?)", *suggestion) : "";
      if (node.unknown == UnknownKeys::reject) {
        issues.error(child, fmt::format("unknown key `{}`{}", key, hint));
      } else if (node.unknown == UnknownKeys::shared && suggestion) {
        issues.error(child, fmt::format("unknown key `{}`{}", key, hint));
      }
      continue;
    }
    switch (f->role) {
      case FieldRole::legacy: issues.error(child, f->note); continue;
      case FieldRole::deprecated: issues.warning(child, f->note); break;
      case FieldRole::ignored: continue;
      case FieldRole::normal: break;
    }
    validate(member.value(), *f->node, child, issues);
  }
  if (node.object_check) node.object_check(obj, path, issues);
}

}  // namespace

std::string describe_json_type(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null: return "null";
    case json::kind::bool_: return v.get_bool() ? "true" : "false";
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_: return fmt::format("the number {}", short_value(v));
    case json::kind::string: return fmt::format("the string {}", short_value(v));
    case json::kind::array: return "an array";
    case json::kind::object: return "an object";
  }
  return "a value";
}

std::string SchemaNode::describe() const {
  switch (kind) {
    case NodeKind::any: return "any value";
    case NodeKind::boolean: return "true or false";
    case NodeKind::integer: return "a whole number" + range_text(*this);
    case NodeKind::number: return "a number" + range_text(*this);
    case NodeKind::string: return non_empty ? "a non-empty string" : "a string";
    case NodeKind::enumeration:
      return values.size() == 1 ? fmt::format("\"{}\"", values[0]) : "one of " + quoted_list(values);
    case NodeKind::array: return "an array";
    case NodeKind::object:
    case NodeKind::map: return "an object";
    case NodeKind::one_of: {
      std::string out;
      for (std::size_t i = 0; i < alternatives.size(); ++i) {
        if (i != 0) out += i + 1 == alternatives.size() ? " or " : ", ";
        out += alternatives[i]->describe();
      }
      return out;
    }
  }
  return "a value";
}

void validate(const json::value& v, const SchemaNode& node, const KeyPath& path, IssueList& issues) {
  switch (node.kind) {
    case NodeKind::any: return;
    case NodeKind::boolean:
      if (!v.is_bool())
        issues.error(path, fmt::format("must be true or false (got {})", describe_json_type(v)));
      return;
    case NodeKind::integer:
    case NodeKind::number: validate_number(v, node, path, issues); return;
    case NodeKind::string: {
      if (!v.is_string()) {
        issues.error(path, fmt::format("must be {} (got {})", node.describe(), describe_json_type(v)));
        return;
      }
      const std::string_view s = v.get_string();
      if (node.non_empty && util::trim(s).empty()) {
        issues.error(path, "must not be empty");
        return;
      }
      if (node.string_check)
        if (auto problem = node.string_check(s)) issues.error(path, *problem);
      return;
    }
    case NodeKind::enumeration: {
      if (!v.is_string()) {
        issues.error(path, fmt::format("must be {} (got {})", node.describe(), describe_json_type(v)));
        return;
      }
      const std::string_view s = v.get_string();
      for (const auto& allowed : node.values)
        if (s == allowed) return;
      const auto suggestion = util::closest_match(s, node.values);
      issues.error(path, fmt::format("must be {} (got \"{}\"{})", node.describe(), s,
                                     suggestion ? fmt::format("; did you mean \"{}\"?", *suggestion) : ""));
      return;
    }
    case NodeKind::array: {
      if (!v.is_array()) {
        issues.error(path, fmt::format("must be an array (got {})", describe_json_type(v)));
        return;
      }
      const auto& arr = v.get_array();
      for (std::size_t i = 0; i < arr.size(); ++i) validate(arr[i], *node.element, path.index(i), issues);
      return;
    }
    case NodeKind::object: {
      if (!v.is_object()) {
        issues.error(path, fmt::format("must be an object (got {})", describe_json_type(v)));
        return;
      }
      validate_object(v.get_object(), node, path, issues);
      return;
    }
    case NodeKind::map: {
      if (!v.is_object()) {
        issues.error(path, fmt::format("must be an object (got {})", describe_json_type(v)));
        return;
      }
      for (const auto& member : v.get_object()) {
        const KeyPath child = path.child(member.key());
        if (node.key_check)
          if (auto problem = node.key_check(member.key())) {
            issues.error(child, *problem);
            continue;
          }
        validate(member.value(), *node.element, child, issues);
      }
      return;
    }
    case NodeKind::one_of: {
      for (const auto& alternative : node.alternatives) {
        if (json_type_matches(*alternative, v)) {
          validate(v, *alternative, path, issues);
          return;
        }
      }
      issues.error(path, fmt::format("must be {} (got {})", node.describe(), describe_json_type(v)));
      return;
    }
  }
}

std::vector<std::string> schema_key_paths(const SchemaNode& node, const std::string& prefix) {
  std::vector<std::string> out;
  const auto join = [&](std::string_view name) {
    return prefix.empty() ? std::string(name) : prefix + "." + std::string(name);
  };
  switch (node.kind) {
    case NodeKind::object:
      for (const auto& f : node.fields) {
        const std::string path = join(f.name);
        out.push_back(path);
        auto nested = schema_key_paths(*f.node, path);
        out.insert(out.end(), nested.begin(), nested.end());
      }
      break;
    case NodeKind::map: {
      auto nested = schema_key_paths(*node.element, prefix + ".<id>");
      out.insert(out.end(), nested.begin(), nested.end());
      break;
    }
    case NodeKind::array: {
      auto nested = schema_key_paths(*node.element, prefix + "[]");
      out.insert(out.end(), nested.begin(), nested.end());
      break;
    }
    case NodeKind::one_of:
      for (const auto& alternative : node.alternatives) {
        auto nested = schema_key_paths(*alternative, prefix);
        out.insert(out.end(), nested.begin(), nested.end());
      }
      break;
    default: break;
  }
  return out;
}

namespace schema {

namespace {
std::shared_ptr<SchemaNode> make(NodeKind kind) {
  auto node = std::make_shared<SchemaNode>();
  node->kind = kind;
  return node;
}
}  // namespace

NodePtr any() {
  return make(NodeKind::any);
}
NodePtr boolean() {
  return make(NodeKind::boolean);
}

NodePtr integer(std::optional<double> min, std::optional<double> max) {
  auto node = make(NodeKind::integer);
  node->min = min;
  node->max = max;
  return node;
}

NodePtr number(std::optional<double> min, std::optional<double> max, bool min_exclusive) {
  auto node = make(NodeKind::number);
  node->min = min;
  node->max = max;
  node->min_exclusive = min_exclusive;
  return node;
}

NodePtr string(bool non_empty, StringCheck check) {
  auto node = make(NodeKind::string);
  node->non_empty = non_empty;
  node->string_check = std::move(check);
  return node;
}

NodePtr enumeration(std::vector<std::string> values) {
  auto node = make(NodeKind::enumeration);
  node->values = std::move(values);
  return node;
}

NodePtr array(NodePtr element) {
  auto node = make(NodeKind::array);
  node->element = std::move(element);
  return node;
}

NodePtr object(std::vector<Field> fields, UnknownKeys unknown, ObjectCheck check) {
  auto node = make(NodeKind::object);
  node->fields = std::move(fields);
  node->unknown = unknown;
  node->object_check = std::move(check);
  return node;
}

NodePtr map(NodePtr value, StringCheck key_check) {
  auto node = make(NodeKind::map);
  node->element = std::move(value);
  node->key_check = std::move(key_check);
  return node;
}

NodePtr one_of(std::vector<NodePtr> alternatives) {
  auto node = make(NodeKind::one_of);
  node->alternatives = std::move(alternatives);
  return node;
}

}  // namespace schema

}  // namespace mmclaw::config

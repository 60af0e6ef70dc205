#include "config/env_subst.hpp"

#include <cstdlib>

#include <fmt/format.h>
#include <boost/json.hpp>

namespace mmclaw::config {

namespace json = boost::json;

EnvLookup process_env() {
  return [](std::string_view name) -> std::optional<std::string> {
    const std::string key(name);
    if (const char* value = std::getenv(key.c_str())) return std::string(value);
    return std::nullopt;
  };
}

namespace {

bool is_name_start(char c) {
  return (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_name_char(char c) {
  return is_name_start(c) || (c >= '0' && c <= '9');
}

// Length of a `${NAME}` reference starting at text[pos] (pointing at '$'), or 0.
std::size_t reference_length(std::string_view text, std::size_t pos) {
  if (pos + 4 > text.size() || text.substr(pos, 2) != "${") return 0;  // shortest: ${A}
  std::size_t i = pos + 2;
  if (i >= text.size() || !is_name_start(text[i])) return 0;
  while (i < text.size() && is_name_char(text[i])) ++i;
  if (i >= text.size() || text[i] != '}') return 0;
  return i + 1 - pos;
}

void walk(json::value& v, const SchemaNode& node, const KeyPath& path, const EnvLookup& env,
          IssueList& issues, std::set<std::string>& substituted) {
  switch (node.kind) {
    case NodeKind::string:
    case NodeKind::enumeration: {
      if (!v.is_string()) return;
      auto expanded = expand_env_refs(v.get_string(), env);
      if (!expanded) {
        issues.error(path, expanded.error());
        return;
      }
      if (expanded->substituted) {
        v = json::string(expanded->text);
        substituted.insert(path.pointer());
      } else if (expanded->text != std::string_view(v.get_string())) {
        v = json::string(expanded->text);  // only escapes ($${X}) were rewritten
      }
      return;
    }
    case NodeKind::array:
      if (!v.is_array()) return;
      for (std::size_t i = 0; i < v.get_array().size(); ++i)
        walk(v.get_array()[i], *node.element, path.index(i), env, issues, substituted);
      return;
    case NodeKind::map:
      if (!v.is_object()) return;
      for (auto& member : v.get_object())
        walk(member.value(), *node.element, path.child(member.key()), env, issues, substituted);
      return;
    case NodeKind::object:
      if (!v.is_object()) return;
      for (auto& member : v.get_object()) {
        const Field* f = node.field(member.key());
        if (f == nullptr || f->role == FieldRole::ignored || f->role == FieldRole::legacy) continue;
        walk(member.value(), *f->node, path.child(member.key()), env, issues, substituted);
      }
      return;
    case NodeKind::one_of:
      for (const auto& alternative : node.alternatives) {
        const bool matches =
            (v.is_string() &&
             (alternative->kind == NodeKind::string || alternative->kind == NodeKind::enumeration)) ||
            (v.is_object() &&
             (alternative->kind == NodeKind::object || alternative->kind == NodeKind::map)) ||
            (v.is_array() && alternative->kind == NodeKind::array);
        if (matches) {
          walk(v, *alternative, path, env, issues, substituted);
          return;
        }
      }
      return;
    default: return;
  }
}

}  // namespace

std::expected<ExpandedString, std::string> expand_env_refs(std::string_view text, const EnvLookup& env) {
  ExpandedString out;
  out.text.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] != '$') {
      out.text += text[i++];
      continue;
    }
    // `$${NAME}` is the escape for a literal `${NAME}`.
    if (i + 1 < text.size() && text[i + 1] == '$') {
      if (const auto len = reference_length(text, i + 1)) {
        out.text.append(text.substr(i + 1, len));
        i += 1 + len;
        continue;
      }
    }
    if (const auto len = reference_length(text, i)) {
      const std::string_view name = text.substr(i + 2, len - 3);
      const auto value = env(name);
      if (!value)
        return std::unexpected(
            fmt::format("environment variable {} is not set (referenced as ${{{}}})", name, name));
      if (value->empty())
        return std::unexpected(
            fmt::format("environment variable {} is empty (referenced as ${{{}}})", name, name));
      out.text += *value;
      out.substituted = true;
      i += len;
      continue;
    }
    out.text += text[i++];
  }
  return out;
}

std::set<std::string> substitute_env(json::value& root, const SchemaNode& schema, const EnvLookup& env,
                                     IssueList& issues) {
  std::set<std::string> substituted;
  walk(root, schema, KeyPath{}, env, issues, substituted);
  return substituted;
}

}  // namespace mmclaw::config

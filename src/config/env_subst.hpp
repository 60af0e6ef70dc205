#pragma once
// `${VAR}` references in string values (OpenClaw's convention): replaced by the environment
// variable's value; `$${VAR}` stands for a literal `${VAR}`. Only upper-case names are
// references. A missing or empty variable is an error naming the key.

#include <expected>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include <boost/json/fwd.hpp>

#include "config/issues.hpp"
#include "config/schema.hpp"

namespace mmclaw::config {

using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;
EnvLookup process_env();  // reads the real environment

struct ExpandedString {
  std::string text;
  bool substituted = false;  // at least one ${VAR} was replaced
};
// Error text names the variable: "environment variable FOO is not set (referenced as ${FOO})".
std::expected<ExpandedString, std::string> expand_env_refs(std::string_view text, const EnvLookup& env);

// Expands references in every string the schema knows (other sections of an openclaw.json are
// left alone). Returns the JSON pointers of the values that took text from the environment.
std::set<std::string> substitute_env(boost::json::value& root, const SchemaNode& schema, const EnvLookup& env,
                                     IssueList& issues);

}  // namespace mmclaw::config

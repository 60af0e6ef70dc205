#pragma once
// Secret inputs (`botToken`, `apiKey`): a plain string, the shorthand "$NAME", or a SecretRef
// `{source, provider, id}` resolved through `secrets.providers` as OpenClaw's SecretRef contract
// describes: env (built-in or with an allowlist), file (a private JSON or single-value file),
// exec (a resolver program speaking protocol version 1 on stdin/stdout). `store` refs read
// OpenClaw's own database, which mmclaw does not have: they are refused with a clear error.
// Error texts name the reference, never a secret value.

#include <expected>
#include <filesystem>
#include <map>
#include <string>

#include <boost/json/fwd.hpp>

#include "config/env_subst.hpp"
#include "config/snapshot.hpp"

namespace mmclaw::config {

class SecretResolver {
 public:
  // `secrets_section` is the validated `secrets` object of the file, or nullptr. Relative file
  // paths start at `base_dir` (the config file's folder).
  SecretResolver(const boost::json::object* secrets_section, EnvLookup env, std::filesystem::path home,
                 std::filesystem::path base_dir = {});

  // `from_env_substitution`: the string took its text from ${VAR} (reported as source env).
  std::expected<Secret, std::string> resolve(const boost::json::value& input, bool from_env_substitution);

  // The source a secret input would have, without resolving it (for lenient reporting).
  static ValueSource declared_source(const boost::json::value& input, bool from_env_substitution);

 private:
  std::expected<Secret, std::string> resolve_env(std::string_view provider, std::string_view id);
  std::expected<Secret, std::string> resolve_file(std::string_view provider, std::string_view id);
  std::expected<Secret, std::string> resolve_exec(std::string_view provider, std::string_view id);
  const boost::json::object* provider_entry(std::string_view name) const;
  std::string default_alias(std::string_view source) const;

  const boost::json::object* secrets_;
  EnvLookup env_;
  std::filesystem::path home_;
  std::filesystem::path base_dir_;
  std::map<std::string, Secret> cache_;  // "source:provider:id" -> resolved, so a resolver runs once per load
};

}  // namespace mmclaw::config

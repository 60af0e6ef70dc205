#include "config/load.hpp"

#include <boost/json.hpp>

#include "config/build_snapshot.hpp"
#include "config/json5.hpp"
#include "config/schema_openclaw.hpp"
#include "config/source_file.hpp"
#include "util/paths.hpp"
#include "util/strings.hpp"

namespace mmclaw::config {

namespace {

EnvLookup env_of(const LoadOptions& options) {
  return options.env ? options.env : process_env();
}

std::filesystem::path home_of(const LoadOptions& options, const EnvLookup& env) {
  return options.home ? *options.home : util::home_directory(env("HOME"));
}

}  // namespace

LoadedConfig load_config_text(std::string_view text, const std::filesystem::path& path,
                              const LoadOptions& options) {
  LoadedConfig out;
  out.path = path;
  const EnvLookup env = env_of(options);

  // An empty file is an empty configuration (reported below as "no account configured").
  const std::string_view body = util::trim(text).empty() ? std::string_view("{}") : text;
  auto parsed = parse_json5(body);
  if (!parsed) {
    out.issues.add({Severity::error, "", "", parsed.error().message, parsed.error().pos});
    return out;
  }
  Json5Document& doc = *parsed;
  for (const auto& warning : doc.warnings)
    out.issues.add({Severity::warning, "", "", warning.message, warning.pos});
  if (!doc.root.is_object()) {
    out.issues.add({Severity::error, "", "", "the configuration must be a JSON object", SourcePos{1, 1}});
    return out;
  }

  const SchemaNode& schema = openclaw_schema();
  BuildInputs inputs;
  inputs.env_substituted = substitute_env(doc.root, schema, env, out.issues);
  validate(doc.root, schema, KeyPath{}, out.issues);
  if (!out.issues.has_errors()) {
    inputs.root = &doc.root;
    inputs.env = env;
    inputs.source_path = path;
    inputs.home = home_of(options, env);
    inputs.resolve_secrets = options.resolve_secrets;
    if (auto snapshot = build_snapshot(inputs, out.issues))
      out.snapshot = std::make_shared<const Snapshot>(std::move(*snapshot));
  }
  out.issues.locate(doc);
  out.issues.sort_by_position();
  return out;
}

LoadedConfig load_config(const LoadOptions& options) {
  const EnvLookup env = env_of(options);
  std::error_code ec;
  auto path = locate_config_file(options.config_flag, env, home_of(options, env));
  if (auto absolute = std::filesystem::absolute(path, ec); !ec) path = absolute.lexically_normal();
  auto text = read_config_file(path);
  if (!text) {
    LoadedConfig out;
    out.path = path;
    out.file_error = text.error().message;
    out.issues.add({Severity::error, "", "", text.error().message, std::nullopt});
    return out;
  }
  return load_config_text(*text, path, options);
}

}  // namespace mmclaw::config

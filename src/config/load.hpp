#pragma once
// The whole configuration pipeline: locate and read the file, parse JSON5, expand ${VAR},
// validate against the schema, build the snapshot. Used by every command that needs config.

#include <filesystem>
#include <memory>
#include <optional>

#include "config/env_subst.hpp"
#include "config/issues.hpp"
#include "config/snapshot.hpp"

namespace mmclaw::config {

struct LoadOptions {
  std::optional<std::filesystem::path> config_flag;  // --config
  EnvLookup env;                                     // defaults to the process environment
  std::optional<std::filesystem::path> home;         // defaults to $HOME / the user's home
  bool resolve_secrets = true;
};

struct LoadedConfig {
  std::filesystem::path path;
  std::shared_ptr<const Snapshot> snapshot;  // null when there were errors
  IssueList issues;
  std::optional<std::string>
      file_error;  // the file could not be read at all (missing, unreadable, too large)
  [[nodiscard]] bool ok() const { return snapshot != nullptr; }
};

LoadedConfig load_config(const LoadOptions& options);

// Parse and build from text already in memory (used by tests and by reload's diff).
LoadedConfig load_config_text(std::string_view text, const std::filesystem::path& path,
                              const LoadOptions& options);

}  // namespace mmclaw::config

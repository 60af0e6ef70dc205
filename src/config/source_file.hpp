#pragma once
// Finding and reading the configuration file.

#include <filesystem>
#include <optional>
#include <string>

#include "config/env_subst.hpp"
#include "util/error.hpp"

namespace mmclaw::config {

inline constexpr std::size_t kMaxConfigBytes = 4 * 1024 * 1024;

// --config PATH, else $OPENCLAW_CONFIG_PATH, else ~/.openclaw/openclaw.json.
std::filesystem::path locate_config_file(const std::optional<std::filesystem::path>& flag,
                                         const EnvLookup& env, const std::filesystem::path& home);

// The file's text. Errors (invalid_input / not_found) say what is wrong and name the path.
Result<std::string> read_config_file(const std::filesystem::path& path,
                                     std::size_t max_bytes = kMaxConfigBytes);

}  // namespace mmclaw::config

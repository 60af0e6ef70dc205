#pragma once
// Home directory and `~/` expansion for paths in the config and on the command line.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace mmclaw::util {

// $HOME when given and non-empty, else the password database entry of the current user.
std::filesystem::path home_directory(const std::optional<std::string>& home_env);

// "~" and "~/x" become paths under `home`; anything else is returned unchanged.
std::filesystem::path expand_home(std::string_view path, const std::filesystem::path& home);

}  // namespace mmclaw::util

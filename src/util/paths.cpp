#include "util/paths.hpp"

#include <pwd.h>
#include <unistd.h>

namespace mmclaw::util {

std::filesystem::path home_directory(const std::optional<std::string>& home_env) {
  if (home_env && !home_env->empty()) return *home_env;
  if (const passwd* pw = getpwuid(getuid()); pw != nullptr && pw->pw_dir != nullptr) return pw->pw_dir;
  return "/";
}

std::filesystem::path expand_home(std::string_view path, const std::filesystem::path& home) {
  if (path == "~") return home;
  if (path.starts_with("~/")) return home / std::filesystem::path(path.substr(2));
  return std::filesystem::path(path);
}

}  // namespace mmclaw::util

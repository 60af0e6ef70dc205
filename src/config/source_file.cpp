#include "config/source_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "util/paths.hpp"

namespace mmclaw::config {

std::filesystem::path locate_config_file(const std::optional<std::filesystem::path>& flag,
                                         const EnvLookup& env, const std::filesystem::path& home) {
  if (flag && !flag->empty()) return util::expand_home(flag->string(), home);
  if (auto from_env = env("OPENCLAW_CONFIG_PATH"); from_env && !from_env->empty())
    return util::expand_home(*from_env, home);
  return home / ".openclaw" / "openclaw.json";
}

Result<std::string> read_config_file(const std::filesystem::path& path, std::size_t max_bytes) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    if (err == ENOENT)
      return fail(Error::not_found(fmt::format(
          "config file not found: {} (pass --config PATH or set OPENCLAW_CONFIG_PATH)", path.string())));
    return fail(Error::invalid_input(
        fmt::format("cannot read config file {}: {}", path.string(), std::strerror(err))));
  }
  struct FdGuard {
    int fd;
    ~FdGuard() { ::close(fd); }
  } guard{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0)
    return fail(Error::invalid_input(
        fmt::format("cannot read config file {}: {}", path.string(), std::strerror(errno))));
  if (S_ISDIR(st.st_mode))
    return fail(
        Error::invalid_input(fmt::format("config path {} is a directory, not a file", path.string())));
  if (static_cast<std::size_t>(st.st_size) > max_bytes)
    return fail(Error::invalid_input(fmt::format("config file {} is larger than {} MiB ({} bytes)",
                                                 path.string(), max_bytes / (1024 * 1024), st.st_size)));
  std::string text;
  char buffer[65536];
  while (true) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(Error::invalid_input(
          fmt::format("cannot read config file {}: {}", path.string(), std::strerror(errno))));
    }
    if (n == 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
    if (text.size() > max_bytes)  // the file grew while we read it, or it is a pipe
      return fail(Error::invalid_input(
          fmt::format("config file {} is larger than {} MiB", path.string(), max_bytes / (1024 * 1024))));
  }
  return text;
}

}  // namespace mmclaw::config

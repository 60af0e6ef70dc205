#include "app/media_files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <system_error>
#include <utility>

#include <fmt/format.h>
#include <boost/url/parse.hpp>

#include "util/strings.hpp"

namespace mmclaw::app {
namespace {

namespace fs = std::filesystem;
using Error = std::unexpected<std::string>;

struct MimeEntry {
  std::string_view extension;
  std::string_view mime_type;
};

// The first entry of a type gives its usual extension (jpg, not jpeg).
constexpr std::array<MimeEntry, 38> kMimeTypes{{
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"gif", "image/gif"},
    {"webp", "image/webp"},
    {"bmp", "image/bmp"},
    {"svg", "image/svg+xml"},
    {"tif", "image/tiff"},
    {"tiff", "image/tiff"},
    {"heic", "image/heic"},
    {"ico", "image/x-icon"},
    {"pdf", "application/pdf"},
    {"txt", "text/plain"},
    {"log", "text/plain"},
    {"md", "text/markdown"},
    {"markdown", "text/markdown"},
    {"csv", "text/csv"},
    {"tsv", "text/tab-separated-values"},
    {"html", "text/html"},
    {"htm", "text/html"},
    {"json", "application/json"},
    {"xml", "application/xml"},
    {"yaml", "application/yaml"},
    {"yml", "application/yaml"},
    {"zip", "application/zip"},
    {"gz", "application/gzip"},
    {"tar", "application/x-tar"},
    {"7z", "application/x-7z-compressed"},
    {"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
    {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    {"pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"},
    {"odt", "application/vnd.oasis.opendocument.text"},
    {"mp3", "audio/mpeg"},
    {"wav", "audio/wav"},
    {"ogg", "audio/ogg"},
    {"mp4", "video/mp4"},
    {"webm", "video/webm"},
    {"mov", "video/quicktime"},
}};

constexpr std::string_view kOctetStream = "application/octet-stream";
constexpr std::size_t kEchoLimit = 200;

// A path or URL as it may appear in an error text: bounded, control characters dropped.
std::string echo(std::string_view s) {
  std::string out;
  for (const char c : s.substr(0, kEchoLimit))
    if (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f) out += c;
  if (s.size() > kEchoLimit) out += "…";
  return out;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      const int hi = util::hex_digit_value(s[i + 1]);
      const int lo = util::hex_digit_value(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

// A name fit for an upload: no directory part, no control characters; "" when nothing is left.
std::string clean_file_name(std::string_view name) {
  std::string out;
  for (const char c : name) {
    if (c == '/' || c == '\\') {
      out.clear();  // only what follows the last separator
      continue;
    }
    if (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f) out += c;
  }
  const std::string_view trimmed = util::trim(out);
  if (trimmed == "." || trimmed == "..") return {};
  return std::string(trimmed);
}

// `dir` as a comparable absolute path: normalised, without a trailing separator.
fs::path normal_dir(const fs::path& dir) {
  fs::path out = dir.lexically_normal();
  if (!out.has_filename() && out != out.root_path()) out = out.parent_path();
  return out;
}

// True when `path` is strictly inside `dir` (both absolute and normalised), by components.
bool is_inside(const fs::path& path, const fs::path& dir) {
  auto p = path.begin();
  for (auto d = dir.begin(); d != dir.end(); ++d, ++p) {
    if (d->empty()) continue;  // a root directory's trailing element
    if (p == path.end() || *p != *d) return false;
  }
  return p != path.end();
}

bool inside_any(const fs::path& path, std::span<const fs::path> dirs) {
  return std::any_of(dirs.begin(), dirs.end(), [&](const fs::path& dir) { return is_inside(path, dir); });
}

std::string dir_list(std::span<const std::filesystem::path> dirs) {
  std::string out;
  for (const auto& dir : dirs) {
    if (!out.empty()) out += ", ";
    out += dir.string();
  }
  return out;
}

// The local path a reference names: the reference itself, or the path of a `file://` URL.
std::optional<std::string> local_path_of(std::string_view reference) {
  constexpr std::string_view kFileScheme = "file://";
  if (!util::starts_with_icase(reference, kFileScheme)) return std::string(reference);
  std::string_view rest = reference.substr(kFileScheme.size());
  if (util::starts_with_icase(rest, "localhost/")) rest.remove_prefix(std::string_view("localhost").size());
  if (!rest.starts_with('/')) return std::nullopt;  // another host's file
  rest = rest.substr(0, rest.find_first_of("?#"));
  return percent_decode(rest);
}

std::string too_large(std::string_view what, std::uint64_t size, std::uint64_t max_bytes) {
  return fmt::format("{} is too large: {} (the limit is {}; channels.mattermost.mediaMaxMb sets it)", what,
                     describe_size(size), describe_size(max_bytes));
}

// Closes a file descriptor at scope exit.
struct FileDescriptor {
  int fd = -1;
  ~FileDescriptor() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

std::uint64_t media_max_bytes(std::optional<double> media_max_mb) noexcept {
  if (!media_max_mb || !std::isfinite(*media_max_mb) || *media_max_mb <= 0) return kDefaultMediaMaxBytes;
  constexpr double kMiB = 1024.0 * 1024.0;
  constexpr double kCeiling = 1024.0 * 1024.0 * 1024.0 * 1024.0;  // far beyond anything a post takes
  const double bytes = std::floor(std::min(*media_max_mb * kMiB, kCeiling));
  return std::max<std::uint64_t>(1, static_cast<std::uint64_t>(bytes));
}

bool is_http_url(std::string_view reference) noexcept {
  reference = util::trim(reference);
  return util::starts_with_icase(reference, "http://") || util::starts_with_icase(reference, "https://");
}

std::string_view mime_type_for_name(std::string_view file_name) noexcept {
  const auto slash = file_name.find_last_of("/\\");
  if (slash != std::string_view::npos) file_name.remove_prefix(slash + 1);
  const auto dot = file_name.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == file_name.size()) return kOctetStream;
  const std::string_view extension = file_name.substr(dot + 1);
  for (const auto& entry : kMimeTypes)
    if (util::iequals(entry.extension, extension)) return entry.mime_type;
  return kOctetStream;
}

std::string_view extension_for_mime_type(std::string_view mime_type) noexcept {
  mime_type = util::trim(mime_type.substr(0, mime_type.find(';')));
  for (const auto& entry : kMimeTypes)
    if (util::iequals(entry.mime_type, mime_type)) return entry.extension;
  return "bin";
}

std::string upload_file_name(std::string_view name, std::string_view mime_type) {
  const std::string cleaned = clean_file_name(name);
  if (!cleaned.empty()) return cleaned;
  return fmt::format("upload.{}", extension_for_mime_type(mime_type));
}

std::expected<MediaFile, std::string> load_local_media(std::string_view reference,
                                                       std::span<const std::filesystem::path> allowed_dirs,
                                                       std::uint64_t max_bytes) {
  reference = util::trim(reference);
  if (allowed_dirs.empty())
    return Error(
        fmt::format("sending local files is off; the operator allows it by listing the directories "
                    "files may be sent from in {}",
                    kMediaAllowedDirsKey));
  const auto local = local_path_of(reference);
  if (!local || local->empty() || local->find('\0') != std::string::npos)
    return Error(fmt::format("\"{}\" is not a local file path", echo(reference)));
  const fs::path requested(*local);
  if (!requested.is_absolute())
    return Error(fmt::format("the path \"{}\" is not absolute; give the full path of a file in {}",
                             echo(*local), dir_list(allowed_dirs)));

  // The directories as written and as they resolve (a directory may itself be reached through a
  // symbolic link); one that does not exist is kept as written and can contain nothing.
  std::vector<fs::path> lexical_dirs;
  std::vector<fs::path> real_dirs;
  for (const auto& dir : allowed_dirs) {
    lexical_dirs.push_back(normal_dir(dir));
    std::error_code ec;
    const fs::path real = fs::weakly_canonical(dir, ec);
    real_dirs.push_back(normal_dir(ec ? dir : real));
  }
  const std::string outside = fmt::format("\"{}\" is outside the directories files may be sent from ({}: {})",
                                          echo(*local), kMediaAllowedDirsKey, dir_list(allowed_dirs));
  // First as written (`..` applied), so nothing outside is even looked at...
  const fs::path normal = requested.lexically_normal();
  if (!inside_any(normal, lexical_dirs) && !inside_any(normal, real_dirs)) return Error(outside);
  // ...then as it resolves, so a symbolic link cannot lead out.
  std::error_code ec;
  const fs::path real = fs::canonical(requested, ec);
  if (ec) return Error(fmt::format("cannot open \"{}\": {}", echo(*local), ec.message()));
  if (!inside_any(real, real_dirs))
    return Error(fmt::format("\"{}\" leads outside the directories files may be sent from ({}: {})",
                             echo(*local), kMediaAllowedDirsKey, dir_list(allowed_dirs)));

  const auto status = fs::status(real, ec);
  if (ec) return Error(fmt::format("cannot open \"{}\": {}", echo(*local), ec.message()));
  if (!fs::is_regular_file(status)) return Error(fmt::format("\"{}\" is not a regular file", echo(*local)));
  const auto size = fs::file_size(real, ec);
  if (ec) return Error(fmt::format("cannot open \"{}\": {}", echo(*local), ec.message()));
  if (size > max_bytes) return Error(too_large(fmt::format("\"{}\"", echo(*local)), size, max_bytes));

  // O_NOFOLLOW and O_NONBLOCK: the resolved path is opened as checked (a link swapped in since is
  // refused, a FIFO never blocks), and the descriptor is checked again.
  FileDescriptor file{::open(real.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)};
  if (file.fd < 0) return Error(fmt::format("cannot open \"{}\": {}", echo(*local), std::strerror(errno)));
  struct stat info {};
  if (::fstat(file.fd, &info) != 0 || !S_ISREG(info.st_mode))
    return Error(fmt::format("\"{}\" is not a regular file", echo(*local)));
  if (static_cast<std::uint64_t>(info.st_size) > max_bytes)
    return Error(
        too_large(fmt::format("\"{}\"", echo(*local)), static_cast<std::uint64_t>(info.st_size), max_bytes));

  MediaFile media;
  media.content.reserve(static_cast<std::size_t>(info.st_size));
  std::array<char, 64 * 1024> buffer{};
  while (true) {
    const ssize_t n = ::read(file.fd, buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error(fmt::format("cannot read \"{}\": {}", echo(*local), std::strerror(errno)));
    }
    if (n == 0) break;
    media.content.append(buffer.data(), static_cast<std::size_t>(n));
    if (media.content.size() > max_bytes)  // the file grew while it was read
      return Error(too_large(fmt::format("\"{}\"", echo(*local)), media.content.size(), max_bytes));
  }
  const std::string name = requested.filename().string();
  media.content_type = std::string(mime_type_for_name(name));
  media.name = upload_file_name(name, media.content_type);
  return media;
}

std::expected<MediaFile, std::string> media_from_download(std::string_view url, std::string_view content_type,
                                                          std::string body, std::uint64_t max_bytes) {
  if (body.size() > max_bytes) return Error(too_large("the download", body.size(), max_bytes));
  std::string name;
  if (auto parsed = boost::urls::parse_uri_reference(util::trim(url))) {
    const std::string_view path = parsed->encoded_path();
    const auto slash = path.rfind('/');
    name = clean_file_name(percent_decode(slash == std::string_view::npos ? path : path.substr(slash + 1)));
  }
  std::string type = util::to_lower(util::trim(content_type.substr(0, content_type.find(';'))));
  if (type.empty() || type == kOctetStream || type == "binary/octet-stream" ||
      type.find('/') == std::string::npos)
    type = std::string(mime_type_for_name(name));
  MediaFile media;
  media.content_type = std::move(type);
  media.name = upload_file_name(name, media.content_type);
  media.content = std::move(body);
  return media;
}

std::string describe_size(std::uint64_t bytes) {
  constexpr double kKiB = 1024.0;
  constexpr double kMiB = 1024.0 * 1024.0;
  if (bytes >= 1024ULL * 1024)
    return fmt::format("{:.3g} MiB ({} bytes)", static_cast<double>(bytes) / kMiB, bytes);
  if (bytes >= 1024) return fmt::format("{:.3g} KiB ({} bytes)", static_cast<double>(bytes) / kKiB, bytes);
  return fmt::format("{} byte{}", bytes, bytes == 1 ? "" : "s");
}

}  // namespace mmclaw::app

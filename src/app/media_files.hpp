#pragma once
// Outbound media (channel-behaviour §5.4): the one file a message-tool send attaches. A local file
// is read only from the directories `mmclaw.media.allowedDirs` names (after every symbolic link
// and `..` is resolved), within the account's media limit; the pieces of an http(s) download that
// need no socket (its name and type, the limit) live here too, the download itself is the
// caller's (app/account_tools.cpp, through an SSRF-guarded client).
//
// No Asio: reading a local file is plain blocking I/O, bounded by the limit. Errors are values:
// texts for the model, which the caller puts after `Mattermost media upload failed: `.

#include <cstdint>
#include <expected>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace mmclaw::app {

// The config key naming the directories local files may be sent from; error texts name it.
inline constexpr std::string_view kMediaAllowedDirsKey = "mmclaw.media.allowedDirs";
// The limit when the account sets no `mediaMaxMb` (the reference's inbound fallback, §1.2).
inline constexpr std::uint64_t kDefaultMediaMaxBytes = 8ULL * 1024 * 1024;

struct MediaFile {
  std::string name;          // the upload's file name: never empty
  std::string content_type;  // a MIME type: never empty
  std::string content;       // the bytes
};

// The size limit in bytes: `mediaMaxMb` MiB (rounded down, at least 1 byte) when it is set and
// positive, else kDefaultMediaMaxBytes.
std::uint64_t media_max_bytes(std::optional<double> media_max_mb) noexcept;

// `http://` or `https://` (ASCII case-insensitive): a download, not a local file.
bool is_http_url(std::string_view reference) noexcept;

// The MIME type for a file name's extension (ASCII case-insensitive) from a small table of common
// types; `application/octet-stream` for anything else.
std::string_view mime_type_for_name(std::string_view file_name) noexcept;

// The usual extension (no dot) for a MIME type of that table (parameters and case ignored);
// `bin` for anything else.
std::string_view extension_for_mime_type(std::string_view mime_type) noexcept;

// `name` when it is not blank, else `upload.<extension for mime_type>` (§5.4).
std::string upload_file_name(std::string_view name, std::string_view mime_type);

// A local file to upload. `reference` is an absolute path (or a `file://` URL of one); it must
// resolve (symbolic links followed, `..` applied) to a regular file inside one of `allowed_dirs`
// (absolute paths; none = sending local files is off) of at most `max_bytes`, checked before
// reading and while reading. The name is the path's file name; the type comes from its extension.
std::expected<MediaFile, std::string> load_local_media(std::string_view reference,
                                                       std::span<const std::filesystem::path> allowed_dirs,
                                                       std::uint64_t max_bytes);

// A downloaded file to upload: named after the last segment of the URL's path (percent-decoded;
// `upload.<ext>` when there is none), typed by the response's Content-Type (parameters dropped)
// unless that is missing or generic (`application/octet-stream`, `binary/octet-stream`), then by
// the name. An error when `body` is larger than `max_bytes`.
std::expected<MediaFile, std::string> media_from_download(std::string_view url, std::string_view content_type,
                                                          std::string body, std::uint64_t max_bytes);

// "1.5 MiB", "300 KiB", "12 bytes": for error texts.
std::string describe_size(std::uint64_t bytes);

}  // namespace mmclaw::app

#include "mmsim/model/mime.hpp"

#include <cstdint>
#include <utility>

namespace mmsim {

std::string mime_for_extension(std::string_view extension_lower) {
  static constexpr std::pair<std::string_view, std::string_view> kTypes[] = {
      {"avif", "image/avif"},
      {"css", "text/css; charset=utf-8"},
      {"csv", "text/csv; charset=utf-8"},
      {"gif", "image/gif"},
      {"gz", "application/gzip"},
      {"htm", "text/html; charset=utf-8"},
      {"html", "text/html; charset=utf-8"},
      {"jpeg", "image/jpeg"},
      {"jpg", "image/jpeg"},
      {"js", "text/javascript; charset=utf-8"},
      {"json", "application/json"},
      {"md", "text/markdown; charset=utf-8"},
      {"mjs", "text/javascript; charset=utf-8"},
      {"mp3", "audio/mpeg"},
      {"mp4", "video/mp4"},
      {"pdf", "application/pdf"},
      {"png", "image/png"},
      {"svg", "image/svg+xml"},
      {"tar", "application/x-tar"},
      {"txt", "text/plain; charset=utf-8"},
      {"wasm", "application/wasm"},
      {"webm", "video/webm"},
      {"webp", "image/webp"},
      {"xml", "text/xml; charset=utf-8"},
      {"zip", "application/zip"},
  };
  for (const auto& [extension, type] : kTypes) {
    if (extension == extension_lower) return std::string(type);
  }
  return {};
}

namespace {

std::uint32_t be16(std::string_view b, std::size_t at) {
  return (static_cast<std::uint32_t>(static_cast<unsigned char>(b[at])) << 8) |
         static_cast<unsigned char>(b[at + 1]);
}

std::uint32_t be32(std::string_view b, std::size_t at) {
  return (be16(b, at) << 16) | be16(b, at + 2);
}

std::uint32_t le16(std::string_view b, std::size_t at) {
  return (static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + 1])) << 8) |
         static_cast<unsigned char>(b[at]);
}

std::optional<ImageSize> jpeg_size(std::string_view b) {
  std::size_t pos = 2;
  while (pos + 9 < b.size()) {
    if (static_cast<unsigned char>(b[pos]) != 0xff) return std::nullopt;
    const auto marker = static_cast<unsigned char>(b[pos + 1]);
    if (marker == 0xff) {
      ++pos;
      continue;
    }
    const std::uint32_t length = be16(b, pos + 2);
    const bool start_of_frame =
        marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc;
    if (start_of_frame) {
      return ImageSize{static_cast<int>(be16(b, pos + 7)), static_cast<int>(be16(b, pos + 5))};
    }
    if (length < 2) return std::nullopt;
    pos += 2 + length;
  }
  return std::nullopt;
}

}  // namespace

std::optional<ImageSize> image_size(std::string_view b) {
  if (b.size() >= 24 && b.substr(0, 8) == std::string_view("\x89PNG\r\n\x1a\n", 8) &&
      b.substr(12, 4) == "IHDR") {
    return ImageSize{static_cast<int>(be32(b, 16)), static_cast<int>(be32(b, 20))};
  }
  if (b.size() >= 10 && (b.substr(0, 6) == "GIF87a" || b.substr(0, 6) == "GIF89a")) {
    return ImageSize{static_cast<int>(le16(b, 6)), static_cast<int>(le16(b, 8))};
  }
  if (b.size() >= 4 && static_cast<unsigned char>(b[0]) == 0xff && static_cast<unsigned char>(b[1]) == 0xd8) {
    return jpeg_size(b);
  }
  return std::nullopt;
}

bool is_inline_type(std::string_view mime) {
  if (mime == "image/svg+xml") return false;
  return mime.starts_with("image/") || mime.starts_with("video/") || mime.starts_with("audio/") ||
         mime == "application/pdf";
}

}  // namespace mmsim

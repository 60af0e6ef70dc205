#pragma once
// File types for FileInfo: MIME type by extension (Go's mime.TypeByExtension table plus the
// common system types), image dimensions from PNG/GIF/JPEG headers, and which types are safe to
// serve inline.

#include <optional>
#include <string>
#include <string_view>

namespace mmsim {

std::string mime_for_extension(std::string_view extension_lower);

struct ImageSize {
  int width = 0;
  int height = 0;
};
std::optional<ImageSize> image_size(std::string_view bytes);

// Served with its own Content-Type and `inline`; others are downloads.
bool is_inline_type(std::string_view mime);

}  // namespace mmsim

#pragma once
// A small multipart/form-data parser for POST /files (whole body in memory).

#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mmsim {

struct MultipartPart {
  std::string name;
  std::optional<std::string> filename;  // set for file parts
  std::string content_type;
  std::string body;
};

// The boundary parameter of a multipart/form-data Content-Type, if it is one.
std::optional<std::string> multipart_boundary(std::string_view content_type);

// Splits the body into parts; the error says what is malformed.
std::expected<std::vector<MultipartPart>, std::string> parse_multipart(std::string_view body,
                                                                       std::string_view boundary);

}  // namespace mmsim

#include "mmsim/model/multipart.hpp"

#include "mmsim/model/text.hpp"

namespace mmsim {

namespace {

// The value of `key` in "form-data; name=\"files\"; filename=\"a.txt\"".
std::optional<std::string> header_param(std::string_view header, std::string_view key) {
  const std::size_t size = header.size();
  std::size_t i = header.find(';');
  while (i != std::string_view::npos && i < size) {
    ++i;  // the ';'
    const std::size_t name_start = i;
    while (i < size && header[i] != '=' && header[i] != ';') ++i;
    const std::string_view name = trim_ascii(header.substr(name_start, i - name_start));
    std::string value;
    if (i < size && header[i] == '=') {
      ++i;
      while (i < size && (header[i] == ' ' || header[i] == '\t')) ++i;
      if (i < size && header[i] == '"') {
        ++i;
        while (i < size && header[i] != '"') {
          if (header[i] == '\\' && i + 1 < size) ++i;
          value.push_back(header[i]);
          ++i;
        }
        while (i < size && header[i] != ';') ++i;
      } else {
        const std::size_t value_start = i;
        while (i < size && header[i] != ';') ++i;
        value = std::string(trim_ascii(header.substr(value_start, i - value_start)));
      }
    }
    if (iequals_ascii(name, key)) return value;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> multipart_boundary(std::string_view content_type) {
  if (!starts_with_icase(trim_ascii(content_type), "multipart/form-data")) return std::nullopt;
  auto boundary = header_param(content_type, "boundary");
  if (!boundary || boundary->empty() || boundary->size() > 200) return std::nullopt;
  return boundary;
}

std::expected<std::vector<MultipartPart>, std::string> parse_multipart(std::string_view body,
                                                                       std::string_view boundary) {
  const std::string delimiter = "--" + std::string(boundary);
  std::vector<MultipartPart> parts;
  std::size_t pos = body.find(delimiter);
  if (pos == std::string_view::npos) return std::unexpected("no boundary in body");
  while (true) {
    pos += delimiter.size();
    if (body.substr(pos, 2) == "--") return parts;  // closing delimiter
    // The rest of the delimiter line.
    const std::size_t line_end = body.find('\n', pos);
    if (line_end == std::string_view::npos) return std::unexpected("truncated part");
    pos = line_end + 1;
    MultipartPart part;
    bool disposition = false;
    while (true) {
      const std::size_t end = body.find('\n', pos);
      if (end == std::string_view::npos) return std::unexpected("truncated part headers");
      std::string_view line = body.substr(pos, end - pos);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      pos = end + 1;
      if (line.empty()) break;
      const std::size_t colon = line.find(':');
      if (colon == std::string_view::npos) return std::unexpected("bad part header");
      const std::string_view name = trim_ascii(line.substr(0, colon));
      const std::string_view value = trim_ascii(line.substr(colon + 1));
      if (iequals_ascii(name, "content-disposition")) {
        disposition = true;
        part.name = header_param(value, "name").value_or("");
        part.filename = header_param(value, "filename");
      } else if (iequals_ascii(name, "content-type")) {
        part.content_type = value;
      }
    }
    if (!disposition) return std::unexpected("part without Content-Disposition");
    const std::size_t next = body.find(delimiter, pos);
    if (next == std::string_view::npos) return std::unexpected("missing closing boundary");
    std::size_t content_end = next;
    if (content_end > pos && body[content_end - 1] == '\n') --content_end;
    if (content_end > pos && body[content_end - 1] == '\r') --content_end;
    part.body = std::string(body.substr(pos, content_end - pos));
    parts.push_back(std::move(part));
    pos = next;
  }
}

}  // namespace mmsim

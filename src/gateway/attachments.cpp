#include "gateway/attachments.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <span>

#include "util/strings.hpp"
#include "util/utf8.hpp"

namespace mmclaw::gateway {

namespace {

constexpr std::size_t kMaxDisplayNameChars = 200;
constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";
constexpr std::string_view kEllipsis = "\xE2\x80\xA6";  // U+2026

// Documents, data and common source code.
constexpr std::string_view kTextExtensions[] = {
    "txt",   "text",  "md",    "markdown",   "mdx",   "rst",  "adoc",      "org",          "csv",
    "tsv",   "json",  "jsonl", "ndjson",     "json5", "yaml", "yml",       "xml",          "html",
    "htm",   "xhtml", "css",   "scss",       "sass",  "less", "log",       "ini",          "cfg",
    "conf",  "toml",  "env",   "properties", "tex",   "bib",  "diff",      "patch",        "c",
    "h",     "cpp",   "hpp",   "cc",         "hh",    "cxx",  "hxx",       "ipp",          "inl",
    "py",    "pyi",   "js",    "mjs",        "cjs",   "jsx",  "ts",        "tsx",          "mts",
    "cts",   "go",    "rs",    "java",       "kt",    "kts",  "scala",     "groovy",       "gradle",
    "rb",    "php",   "pl",    "pm",         "sh",    "bash", "zsh",       "fish",         "ps1",
    "bat",   "cmd",   "sql",   "swift",      "m",     "mm",   "cs",        "fs",           "fsx",
    "vb",    "r",     "lua",   "dart",       "ex",    "exs",  "erl",       "hrl",          "hs",
    "ml",    "mli",   "clj",   "cljs",       "elm",   "vue",  "svelte",    "graphql",      "gql",
    "proto", "cmake", "mk",    "tf",         "hcl",   "nix",  "zig",       "nim",          "jl",
    "asm",   "s",     "el",    "vim",        "lisp",  "scm",  "gitignore", "editorconfig", "dockerfile",
};

// Names without an extension that are text.
constexpr std::string_view kTextNames[] = {
    "makefile", "dockerfile", "containerfile", "readme",      "license",     "changelog",
    "gemfile",  "rakefile",   "procfile",      "vagrantfile", "jenkinsfile", "authors",
};

constexpr std::string_view kTextMimeTypes[] = {
    "application/json",     "application/xml",        "application/yaml",          "application/x-yaml",
    "application/toml",     "application/javascript", "application/x-javascript",  "application/ecmascript",
    "application/sql",      "application/x-sh",       "application/x-shellscript", "application/x-ndjson",
    "application/x-python", "application/x-ruby",     "application/x-perl",
};

bool contains(std::span<const std::string_view> list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

bool is_generic_mime(std::string_view bare) {
  return bare.empty() || bare == "application/octet-stream" || bare == "binary/octet-stream";
}

// One of the four image types models take, spelled as the wires expect; "" otherwise.
std::string_view model_image_type(std::string_view bare) {
  if (bare == "image/png") return "image/png";
  if (bare == "image/jpeg" || bare == "image/jpg") return "image/jpeg";
  if (bare == "image/gif") return "image/gif";
  if (bare == "image/webp") return "image/webp";
  return {};
}

std::string_view image_type_of_extension(std::string_view extension) {
  if (extension == "png") return "image/png";
  if (extension == "jpg" || extension == "jpeg") return "image/jpeg";
  if (extension == "gif") return "image/gif";
  if (extension == "webp") return "image/webp";
  return {};
}

bool is_text_mime(std::string_view bare) {
  if (bare.starts_with("text/")) return true;
  if (contains(kTextMimeTypes, bare)) return true;
  if (bare.starts_with("application/") && (bare.ends_with("+json") || bare.ends_with("+xml"))) return true;
  return false;
}

// The name after its last path separator (uploaders may send paths).
std::string_view base_name(std::string_view name) {
  const auto slash = name.find_last_of("/\\");
  return slash == std::string_view::npos ? name : name.substr(slash + 1);
}

// Bidirectional overrides and isolates: a name must not reorder the text around it.
bool is_bidi_control(char32_t c) {
  return (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069) || c == 0x200E || c == 0x200F;
}

char32_t decode(std::string_view s) {
  const auto b = [&](std::size_t i) { return static_cast<char32_t>(static_cast<unsigned char>(s[i])); };
  switch (s.size()) {
    case 1: return b(0);
    case 2: return ((b(0) & 0x1F) << 6) | (b(1) & 0x3F);
    case 3: return ((b(0) & 0x0F) << 12) | ((b(1) & 0x3F) << 6) | (b(2) & 0x3F);
    default: return ((b(0) & 0x07) << 18) | ((b(1) & 0x3F) << 12) | ((b(2) & 0x3F) << 6) | (b(3) & 0x3F);
  }
}

// `text` (valid UTF-8) without control characters; whitespace controls become spaces, runs of
// spaces one space, trimmed; at most `max_chars` characters.
std::string sanitize(std::string_view text, std::size_t max_chars) {
  const std::string valid = util::to_valid_utf8(text);
  std::string out;
  std::size_t chars = 0;
  bool pending_space = false;
  for (std::size_t i = 0; i < valid.size();) {
    const auto step = util::utf8_step(valid, i);
    const std::size_t length = step.length == 0 ? 1 : step.length;
    const std::string_view piece(valid.data() + i, length);
    i += length;
    const char32_t c = decode(piece);
    const bool space = c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == 0x0B || c == 0x0C ||
                       c == 0x85 || c == 0x2028 || c == 0x2029;
    if (space) {
      pending_space = !out.empty();
      continue;
    }
    if (c < 0x20 || c == 0x7F || (c >= 0x80 && c <= 0x9F) || is_bidi_control(c)) continue;
    const std::size_t need = pending_space ? 2 : 1;
    if (chars + need > max_chars) break;
    if (pending_space) {
      out.push_back(' ');
      ++chars;
      pending_space = false;
    }
    out.append(piece);
    ++chars;
  }
  return out;
}

std::size_t count_chars(std::string_view valid) {
  std::size_t n = 0;
  for (const char c : valid)
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  return n;
}

// The longest prefix of `valid` of at most `max_chars` characters.
std::string_view prefix_chars(std::string_view valid, std::size_t max_chars) {
  std::size_t chars = 0;
  for (std::size_t i = 0; i < valid.size(); ++i) {
    if ((static_cast<unsigned char>(valid[i]) & 0xC0) == 0x80) continue;
    if (chars == max_chars) return valid.substr(0, i);
    ++chars;
  }
  return valid;
}

// The largest cut ≤ max_bytes that does not split a character of `valid`.
std::size_t boundary_at_most(std::string_view valid, std::size_t max_bytes) {
  if (max_bytes >= valid.size()) return valid.size();
  std::size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(valid[cut]) & 0xC0) == 0x80) --cut;
  return cut;
}

std::string json_quoted(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

// A code fence longer than any run of backticks in `text`.
std::string fence_for(std::string_view text) {
  std::size_t longest = 0;
  std::size_t run = 0;
  for (const char c : text) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  return std::string(std::max<std::size_t>(3, longest + 1), '`');
}

// The fence's info string: the extension when it is a plain word.
std::string fence_language(std::string_view name) {
  const std::string extension = file_extension(name);
  if (extension.empty() || extension.size() > 16) return {};
  for (const char c : extension)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '-')) return {};
  if (extension == "txt" || extension == "text" || extension == "log") return {};
  return extension;
}

std::string shown_name(const InboundFile& file) {
  std::string name = display_file_name(file.name);
  return name.empty() ? std::string("attachment") : name;
}

std::string inline_text(const InboundFile& file, std::size_t& used, const MediaTextLimits& limits) {
  const std::string header = file_placeholder(file);
  if (file.content.find('\0') != std::string::npos)
    return header + "\n[The file's content is not text; it is not shown.]";
  std::string text = util::to_valid_utf8(file.content);
  if (std::string_view(text).starts_with(kUtf8Bom)) text.erase(0, kUtf8Bom.size());
  const std::size_t remaining = limits.total_bytes > used ? limits.total_bytes - used : 0;
  if (remaining == 0 && !text.empty())
    return header + "\n[Not shown: the attachments' text limit was reached.]";
  const std::size_t allowed = std::min(limits.per_file_bytes, remaining);
  const std::size_t cut = boundary_at_most(text, allowed);
  const bool truncated = cut < text.size();
  const std::string_view shown(text.data(), cut);
  const std::string fence = fence_for(shown);
  std::string out = header;
  out += "\n" + fence + fence_language(file.name) + "\n";
  out += shown;
  if (!shown.empty() && shown.back() != '\n') out += "\n";
  out += fence;
  if (truncated)
    out += fmt::format("\n[{} was cut: the first {} of {} are shown.]", shown_name(file),
                       human_size(static_cast<std::int64_t>(cut)),
                       human_size(static_cast<std::int64_t>(text.size())));
  used += cut;
  return out;
}

}  // namespace

std::int64_t media_max_bytes(std::optional<double> media_max_mb) noexcept {
  if (!media_max_mb || !std::isfinite(*media_max_mb) || *media_max_mb <= 0) return kDefaultMediaMaxBytes;
  const double bytes = std::floor(*media_max_mb * 1024.0 * 1024.0);
  if (bytes >= 9.0e18) return std::numeric_limits<std::int64_t>::max();
  return std::max<std::int64_t>(1, static_cast<std::int64_t>(bytes));
}

bool is_safe_file_id(std::string_view id) noexcept {
  if (id.size() != 26) return false;
  return std::all_of(id.begin(), id.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); });
}

std::string bare_mime_type(std::string_view mime_type) {
  const auto semicolon = mime_type.find(';');
  if (semicolon != std::string_view::npos) mime_type = mime_type.substr(0, semicolon);
  return util::to_lower(util::trim(mime_type));
}

std::string file_extension(std::string_view name) {
  name = base_name(name);
  const auto dot = name.rfind('.');
  if (dot == std::string_view::npos || dot + 1 == name.size()) return {};
  return util::to_lower(name.substr(dot + 1));
}

AttachmentKind classify_attachment(std::string_view name, std::string_view mime_type) {
  const std::string bare = bare_mime_type(mime_type);
  const std::string extension = file_extension(name);
  if (!model_image_type(bare).empty()) return AttachmentKind::image;
  if (is_generic_mime(bare) && !image_type_of_extension(extension).empty()) return AttachmentKind::image;
  if (contains(kTextExtensions, extension)) return AttachmentKind::text;
  if (extension.empty() && contains(kTextNames, util::to_lower(util::trim(base_name(name)))))
    return AttachmentKind::text;
  if (is_text_mime(bare)) return AttachmentKind::text;
  return AttachmentKind::other;
}

std::string image_mime_type(std::string_view name, std::string_view mime_type) {
  const std::string bare = bare_mime_type(mime_type);
  if (const auto type = model_image_type(bare); !type.empty()) return std::string(type);
  return std::string(image_type_of_extension(file_extension(name)));
}

std::string sniff_image_mime_type(std::string_view bytes) {
  if (bytes.starts_with("\x89PNG\r\n\x1A\n")) return "image/png";
  if (bytes.starts_with("\xFF\xD8\xFF")) return "image/jpeg";
  if (bytes.starts_with("GIF87a") || bytes.starts_with("GIF89a")) return "image/gif";
  if (bytes.size() >= 12 && bytes.starts_with("RIFF") && bytes.substr(8, 4) == "WEBP") return "image/webp";
  return {};
}

std::string display_file_name(std::string_view name) {
  return sanitize(name, kMaxDisplayNameChars);
}

std::string human_size(std::int64_t bytes) {
  if (bytes < 0) bytes = 0;
  if (bytes < 1024) return fmt::format("{} B", bytes);
  if (bytes < 1024 * 1024) return fmt::format("{} KB", (bytes + 1023) / 1024);
  return fmt::format("{:.1f} MB", static_cast<double>(bytes) / (1024.0 * 1024.0));
}

std::string file_placeholder(const InboundFile& file) {
  const std::string bare = bare_mime_type(file.mime_type);
  const std::int64_t size =
      file.size > 0 || file.content.empty() ? file.size : static_cast<std::int64_t>(file.content.size());
  return fmt::format("[{}: {} ({}, {})]", file.kind == AttachmentKind::image ? "image" : "file",
                     shown_name(file), bare.empty() ? std::string("unknown type") : sanitize(bare, 100),
                     human_size(size));
}

std::string unavailable_notice(std::size_t count, const std::vector<std::string>& names) {
  if (count == 0) return {};
  std::string notice = count == 1 ? std::string("[mattermost attachment unavailable]")
                                  : fmt::format("[mattermost {} attachments unavailable]", count);
  std::string list;
  for (const auto& name : names) {
    const std::string clean = sanitize(name, kMaxNoticeNamesChars + 1);
    if (clean.empty()) continue;
    list += (list.empty() ? "" : ", ") + clean;
    if (count_chars(list) > kMaxNoticeNamesChars) break;
  }
  if (list.empty()) return notice;
  if (count_chars(list) > kMaxNoticeNamesChars) {
    list = std::string(prefix_chars(list, kMaxNoticeNamesChars - 1));
    list += kEllipsis;
  }
  return notice + " " + json_quoted(list);
}

std::string media_placeholder(std::size_t count) {
  if (count == 0) return {};
  if (count == 1) return "<media:attachment>";
  return fmt::format("<media:attachment> ({} attachments)", count);
}

std::string media_text_for_model(const InboundMedia& media, bool model_takes_images) {
  return media_text_for_model(media, model_takes_images, MediaTextLimits{});
}

std::string media_text_for_model(const InboundMedia& media, bool model_takes_images,
                                 const MediaTextLimits& limits) {
  std::vector<std::string> parts;
  std::size_t unavailable = 0;
  std::vector<std::string> names;
  std::size_t used = 0;
  for (const InboundFile& file : media.files) {
    if (!file.available) {
      ++unavailable;
      names.push_back(file.name);
      continue;
    }
    switch (file.kind) {
      case AttachmentKind::text: parts.push_back(inline_text(file, used, limits)); break;
      case AttachmentKind::image: {
        std::string placeholder = file_placeholder(file);
        // The image itself goes as image input; the line names it, so the model can refer to it.
        if (model_takes_images && !file.content.empty())
          placeholder.insert(placeholder.size() - 1, ", attached");
        parts.push_back(std::move(placeholder));
        break;
      }
      case AttachmentKind::other: parts.push_back(file_placeholder(file)); break;
    }
  }
  std::string out = unavailable_notice(unavailable, names);
  for (const auto& part : parts) out += (out.empty() ? "" : "\n\n") + part;
  return out;
}

std::vector<agent::ImagePart> media_images(const InboundMedia& media) {
  std::vector<agent::ImagePart> images;
  for (const InboundFile& file : media.files) {
    if (!file.available || file.kind != AttachmentKind::image || file.content.empty()) continue;
    std::string type = image_mime_type(file.name, file.mime_type);
    if (type.empty()) type = sniff_image_mime_type(file.content);
    if (type.empty()) continue;
    images.push_back(agent::ImagePart{std::move(type), file.content});
  }
  return images;
}

}  // namespace mmclaw::gateway

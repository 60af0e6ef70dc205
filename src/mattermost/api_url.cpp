#include "mattermost/api_url.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "util/strings.hpp"

namespace mmclaw::mattermost {

namespace {

bool is_continuation(unsigned char c) noexcept {
  return (c & 0xC0U) == 0x80U;
}

// Well-formed UTF-8 as decodeURIComponent requires: no overlongs, no surrogates, ≤ U+10FFFF.
bool valid_utf8(std::string_view s) noexcept {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = 0;
    unsigned char lo = 0x80;
    unsigned char hi = 0xBF;
    if (c < 0x80) {
      ++i;
      continue;
    }
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return false;
    }
    if (i + len > s.size()) return false;
    const auto second = static_cast<unsigned char>(s[i + 1]);
    if (second < lo || second > hi) return false;
    for (std::size_t k = 2; k < len; ++k)
      if (!is_continuation(static_cast<unsigned char>(s[i + k]))) return false;
    i += len;
  }
  return true;
}

// Percent-decodes `s`; nullopt on a malformed escape or a result that is not valid UTF-8.
std::optional<std::string> percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out.push_back(s[i]);
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    const int high = mmclaw::util::hex_digit_value(s[i + 1]);
    const int low = mmclaw::util::hex_digit_value(s[i + 2]);
    if (high < 0 || low < 0) return std::nullopt;
    out.push_back(static_cast<char>(high * 16 + low));
    i += 2;
  }
  if (!valid_utf8(out)) return std::nullopt;
  return out;
}

// Tabs, CR and LF removed (a URL parser drops them, so `.\n.` would become `..`), `\` read as `/`.
std::string normalise_separators(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (const char c : s) {
    if (c == '\t' || c == '\r' || c == '\n') continue;
    out.push_back(c == '\\' ? '/' : c);
  }
  return out;
}

bool is_dot_segment(std::string_view piece) noexcept {
  return piece == "." || piece == "..";
}

}  // namespace

bool is_safe_api_path(std::string_view path) {
  const auto end = path.find_first_of("?#");
  if (end != std::string_view::npos) path = path.substr(0, end);
  const std::string cleaned = normalise_separators(path);
  for (const auto segment : util::split(cleaned, '/')) {
    const auto decoded = percent_decode(segment);
    if (!decoded) return false;
    // A decoded segment may carry its own separators or line breaks (`..%2Fx`, `.%0A.`).
    const std::string again = normalise_separators(*decoded);
    for (const auto piece : util::split(again, '/'))
      if (is_dot_segment(piece)) return false;
  }
  return true;
}

Result<std::string> api_url(std::string_view base_url, std::string_view path) {
  if (!is_safe_api_path(path)) return fail(Error::invalid_input(std::string(kUnsafeApiPathMessage)));
  std::string url(base_url);
  url += "/api/v4";
  if (path.empty() || path.front() != '/') url += '/';
  url += path;
  return url;
}

std::string encode_path_segment(std::string_view segment) {
  static constexpr std::string_view kHex = "0123456789ABCDEF";
  static constexpr std::string_view kKeep = "-_.!~*'()";
  std::string out;
  out.reserve(segment.size());
  for (const char c : segment) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (alnum || kKeep.find(c) != std::string_view::npos) {
      out.push_back(c);
      continue;
    }
    const auto byte = static_cast<unsigned char>(c);
    out.push_back('%');
    out.push_back(kHex[byte >> 4U]);
    out.push_back(kHex[byte & 0x0FU]);
  }
  return out;
}

bool is_mattermost_id(std::string_view s) noexcept {
  if (s.size() != 26) return false;
  for (const char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return false;
  return true;
}

Result<std::string> websocket_url(std::string_view base_url, const std::optional<WebSocketResume>& resume) {
  std::string url;
  if (util::starts_with_icase(base_url, "https://")) {
    url = "wss://";
    url += base_url.substr(8);
  } else if (util::starts_with_icase(base_url, "http://")) {
    url = "ws://";
    url += base_url.substr(7);
  } else {
    return fail(Error::invalid_input("Mattermost base URL must start with http:// or https://"));
  }
  url += "/api/v4/websocket";
  if (resume && !resume->connection_id.empty()) {
    url += "?connection_id=";
    url += encode_path_segment(resume->connection_id);
    url += "&sequence_number=";
    url += std::to_string(resume->sequence_number);
  }
  return url;
}

std::string route_template(std::string_view path) {
  if (const auto query = path.find('?'); query != std::string_view::npos) path = path.substr(0, query);
  std::string out;
  std::string_view previous;
  while (!path.empty()) {
    if (path.front() == '/') {
      out += '/';
      path.remove_prefix(1);
      continue;
    }
    const auto slash = path.find('/');
    const std::string_view segment = path.substr(0, slash);
    path = slash == std::string_view::npos ? std::string_view() : path.substr(slash);
    if (is_mattermost_id(segment))
      out += "{id}";
    else if (previous == "username")
      out += "{username}";
    else if (previous == "name")
      out += "{name}";
    else if (previous == "reactions")
      out += "{emoji}";
    else if (previous == "email")
      out += "{email}";
    else
      out += segment;
    previous = segment;
  }
  return out;
}

}  // namespace mmclaw::mattermost

#include "mmsim/model/text.hpp"

#include "util/strings.hpp"

#include <openssl/sha.h>

#include <algorithm>
#include <charconv>
#include <map>

namespace mmsim {

std::string_view trim_ascii(std::string_view s) noexcept {
  const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

std::string to_lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool iequals_ascii(std::string_view a, std::string_view b) noexcept { return mmclaw::util::iequals(a, b); }

bool starts_with_icase(std::string_view s, std::string_view prefix) noexcept {
  return mmclaw::util::starts_with_icase(s, prefix);
}

std::string url_decode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '%' && i + 2 < s.size()) {
      const int hi = mmclaw::util::hex_digit_value(s[i + 1]);
      const int lo = mmclaw::util::hex_digit_value(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(plus_is_space && c == '+' ? ' ' : c);
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> parse_query(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    std::string_view part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (part.empty()) continue;
    const std::size_t eq = part.find('=');
    std::string key = url_decode(part.substr(0, eq), true);
    std::string value = eq == std::string_view::npos ? std::string{} : url_decode(part.substr(eq + 1), true);
    out.emplace_back(std::move(key), std::move(value));
  }
  return out;
}

std::string query_param(std::string_view query, std::string_view name) {
  for (auto& [key, value] : parse_query(query)) {
    if (key == name) return value;
  }
  return {};
}

bool has_query_param(std::string_view query, std::string_view name) {
  for (const auto& entry : parse_query(query)) {
    if (entry.first == name) return true;
  }
  return false;
}

std::string query_escape(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    const bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                            c == '-' || c == '_' || c == '.' || c == '~';
    if (unreserved) {
      out.push_back(c);
    } else if (c == ' ') {
      out.push_back('+');
    } else {
      const auto byte = static_cast<unsigned char>(c);
      out.push_back('%');
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0x0f]);
    }
  }
  return out;
}

std::string encode_form(const std::vector<std::pair<std::string, std::string>>& values) {
  std::map<std::string, std::vector<std::string>> by_key;
  for (const auto& [key, value] : values) by_key[key].push_back(value);
  std::string out;
  for (const auto& [key, list] : by_key) {
    for (const auto& value : list) {
      if (!out.empty()) out.push_back('&');
      out += query_escape(key);
      out.push_back('=');
      out += query_escape(value);
    }
  }
  return out;
}

std::size_t rune_count(std::string_view s) noexcept {
  std::size_t count = 0;
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    std::size_t len = 1;
    if (b >= 0xc2 && b <= 0xdf) {
      len = 2;
    } else if (b >= 0xe0 && b <= 0xef) {
      len = 3;
    } else if (b >= 0xf0 && b <= 0xf4) {
      len = 4;
    }
    bool valid = i + len <= s.size();
    for (std::size_t k = 1; valid && k < len; ++k) {
      valid = (static_cast<unsigned char>(s[i + k]) & 0xc0) == 0x80;
    }
    i += valid ? len : 1;
    ++count;
  }
  return count;
}

std::optional<bool> parse_go_bool(std::string_view s) noexcept {
  if (s == "1" || s == "t" || s == "T" || s == "true" || s == "TRUE" || s == "True") return true;
  if (s == "0" || s == "f" || s == "F" || s == "false" || s == "FALSE" || s == "False") return false;
  return std::nullopt;
}

std::optional<std::int64_t> parse_go_int(std::string_view s) noexcept {
  if (s.empty()) return std::nullopt;
  std::string_view digits = s;
  if (digits.front() == '+') {
    digits.remove_prefix(1);
    if (digits.empty() || digits.front() < '0' || digits.front() > '9') return std::nullopt;
  }
  std::int64_t value = 0;
  const char* end = digits.data() + digits.size();
  auto [ptr, ec] = std::from_chars(digits.data(), end, value);
  if (ec != std::errc{} || ptr != end) return std::nullopt;
  return value;
}

std::string base64_encode(std::string_view bytes) {
  static constexpr char kTable[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  while (i + 2 < bytes.size()) {
    const std::uint32_t v = (static_cast<unsigned char>(bytes[i]) << 16) |
                            (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                            static_cast<unsigned char>(bytes[i + 2]);
    out.push_back(kTable[(v >> 18) & 63]);
    out.push_back(kTable[(v >> 12) & 63]);
    out.push_back(kTable[(v >> 6) & 63]);
    out.push_back(kTable[v & 63]);
    i += 3;
  }
  if (i < bytes.size()) {
    std::uint32_t v = static_cast<unsigned char>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out.push_back(kTable[(v >> 18) & 63]);
    out.push_back(kTable[(v >> 12) & 63]);
    out.push_back(i + 1 < bytes.size() ? kTable[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

std::string sha1_hex(std::string_view bytes) {
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * SHA_DIGEST_LENGTH);
  for (unsigned char b : digest) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0x0f]);
  }
  return out;
}

namespace {

bool is_word_byte(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}

bool is_username_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
         c == '_';
}

}  // namespace

std::string parse_hashtags(std::string_view message) {
  // A word starting with '#', then a letter, then letters/digits/'_'/'-'/'.', trailing
  // punctuation trimmed; at least 3 characters including the '#'.
  std::string out;
  std::size_t i = 0;
  while (i < message.size()) {
    while (i < message.size() && (message[i] == ' ' || message[i] == '\n' || message[i] == '\t')) ++i;
    std::size_t start = i;
    while (i < message.size() && message[i] != ' ' && message[i] != '\n' && message[i] != '\t') ++i;
    std::string_view word = message.substr(start, i - start);
    while (!word.empty() && (word.back() == '.' || word.back() == ',' || word.back() == '!' ||
                             word.back() == '?' || word.back() == ':' || word.back() == ';')) {
      word.remove_suffix(1);
    }
    if (word.size() < 3 || word[0] != '#') continue;
    const char first = word[1];
    if (!((first >= 'a' && first <= 'z') || (first >= 'A' && first <= 'Z'))) continue;
    bool ok = true;
    for (char c : word.substr(1)) ok = ok && (is_username_char(c));
    if (!ok) continue;
    if (rune_count(out) + word.size() + 1 > 1000) break;
    if (!out.empty()) out.push_back(' ');
    out += word;
  }
  return out;
}

std::vector<std::string> at_mentions(std::string_view message) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < message.size(); ++i) {
    if (message[i] != '@') continue;
    if (i > 0 && (is_word_byte(message[i - 1]) || message[i - 1] == '@')) continue;
    std::size_t end = i + 1;
    while (end < message.size() && is_username_char(message[end])) ++end;
    if (end == i + 1) continue;
    out.push_back(to_lower_ascii(message.substr(i + 1, end - i - 1)));
    i = end - 1;
  }
  return out;
}

}  // namespace mmsim

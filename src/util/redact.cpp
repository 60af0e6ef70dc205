#include "util/redact.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <utility>

namespace mmclaw::util {

namespace {

struct Range {
  std::size_t begin;
  std::size_t end;
};

char lower_ascii(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
bool is_alpha(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
bool is_blank(char c) noexcept { return c == ' ' || c == '\t'; }
bool is_json_space(char c) noexcept { return is_blank(c) || c == '\n' || c == '\r'; }

// Characters of a key name (`access_token`, `X-Api-Key`) and of an `sk-` key.
bool is_key_char(char c) noexcept { return is_alpha(c) || is_digit(c) || c == '_' || c == '-'; }

// Characters of a bearer token or header value. Bytes >= 0x80 count: stopping at them would leak
// the rest of a non-ASCII value.
bool is_token_char(char c) noexcept {
  const auto u = static_cast<unsigned char>(c);
  if (u <= 0x20 || u == 0x7f) return false;
  return std::string_view("\"'`,;()<>[]{}\\").find(c) == std::string_view::npos;
}

// Characters of an unquoted query/form parameter value; `&` starts the next parameter.
bool is_param_char(char c) noexcept { return c != '&' && is_token_char(c); }

// `b` must be lower case.
bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower_ascii(x) == y; });
}

// `suffix` must be lower case.
bool iends_with(std::string_view s, std::string_view suffix) noexcept {
  return s.size() >= suffix.size() && iequals(s.substr(s.size() - suffix.size()), suffix);
}

bool is_auth_key(std::string_view key) noexcept {
  return iequals(key, "authorization") || iequals(key, "proxy-authorization");
}

// Keys whose value is a credential. Suffixes rather than exact names so that `access_token`,
// `botToken`, `client_secret` and `apiKey` are all covered; plural `max_tokens` is not.
bool is_secret_key(std::string_view key) noexcept {
  static constexpr std::array<std::string_view, 7> kSuffixes = {"token",  "secret",  "password", "passwd",
                                                                "apikey", "api_key", "api-key"};
  return std::ranges::any_of(kSuffixes, [&](std::string_view s) { return iends_with(key, s); });
}

std::size_t skip(std::string_view text, std::size_t i, bool (*pred)(char) noexcept) {
  while (i < text.size() && pred(text[i])) ++i;
  return i;
}

// A bearer-style token at `i`, possibly empty.
Range token_at(std::string_view text, std::size_t i) { return {i, skip(text, i, is_token_char)}; }

// An Authorization value at `i`: `<scheme> <credentials>` keeps the scheme, anything else is all
// credentials.
std::optional<Range> auth_value_at(std::string_view text, std::size_t i) {
  const auto scheme_end = skip(text, i, is_alpha);
  if (scheme_end > i) {
    const auto cred_begin = skip(text, scheme_end, is_blank);
    if (cred_begin > scheme_end) {
      const auto cred = token_at(text, cred_begin);
      if (cred.end > cred.begin) return cred;
    }
  }
  const auto whole = token_at(text, i);
  if (whole.end > whole.begin) return whole;
  return std::nullopt;
}

// `sk-` followed by 20+ key characters, at a key boundary (`i` is one).
std::optional<std::size_t> sk_key_end(std::string_view text, std::size_t i) {
  if (text.substr(i, 3) != "sk-") return std::nullopt;
  const auto end = skip(text, i + 3, is_key_char);
  if (end - (i + 3) < 20) return std::nullopt;
  return end;
}

// The contents of a JSON string whose opening quote ends just before `i`. `escaped` means the JSON
// is itself inside a JSON string (Mattermost posts are JSON inside JSON), so every quote and
// backslash of the inner document appears escaped once more. An unterminated string runs to the end.
Range json_string_at(std::string_view text, std::size_t i, bool escaped) {
  bool inner_escape = false;
  std::size_t q = i;
  while (q < text.size()) {
    const auto unit_begin = q;
    char c = text[q++];
    if (escaped && c == '\\' && q < text.size()) c = text[q++];
    if (inner_escape) {
      inner_escape = false;
    } else if (c == '\\') {
      inner_escape = true;
    } else if (c == '"') {
      return {i, unit_begin};
    }
  }
  return {i, text.size()};
}

// Matches a quote (`"`, or `\"` when escaped) at `i`; returns the index after it.
std::optional<std::size_t> quote_at(std::string_view text, std::size_t i, bool escaped) {
  if (escaped) {
    if (i + 1 < text.size() && text[i] == '\\' && text[i + 1] == '"') return i + 2;
    return std::nullopt;
  }
  if (i < text.size() && text[i] == '"') return i + 1;
  return std::nullopt;
}

// `"key": "value"` with the key at [kb, ke).
std::optional<Range> json_member_value(std::string_view text, std::size_t kb, std::size_t ke) {
  if (kb == 0 || text[kb - 1] != '"') return std::nullopt;
  const bool escaped = kb >= 2 && text[kb - 2] == '\\';
  auto p = quote_at(text, ke, escaped);
  if (!p) return std::nullopt;
  std::size_t i = skip(text, *p, is_json_space);
  if (i >= text.size() || text[i] != ':') return std::nullopt;
  i = skip(text, i + 1, is_json_space);
  p = quote_at(text, i, escaped);
  if (!p) return std::nullopt;
  auto value = json_string_at(text, *p, escaped);
  if (value.end == value.begin) return std::nullopt;
  if (is_auth_key(text.substr(kb, ke - kb))) {
    // Keep the scheme when the value reads `<scheme> <credentials>`.
    const auto scheme_end = skip(text, value.begin, is_alpha);
    const auto cred_begin = skip(text, scheme_end, is_blank);
    if (scheme_end > value.begin && cred_begin > scheme_end && cred_begin < value.end) {
      value.begin = cred_begin;
    }
  }
  return value;
}

// `key=value`, the value optionally quoted (logfmt style).
std::optional<Range> param_value(std::string_view text, std::size_t ke, bool auth) {
  if (ke >= text.size() || text[ke] != '=') return std::nullopt;
  const auto v = ke + 1;
  if (v < text.size() && (text[v] == '"' || text[v] == '\'')) {
    const auto close = text.find(text[v], v + 1);
    const Range r{v + 1, close == std::string_view::npos ? text.size() : close};
    if (r.end == r.begin) return std::nullopt;
    return r;
  }
  if (auth) return auth_value_at(text, v);
  const Range r{v, skip(text, v, is_param_char)};
  if (r.end == r.begin) return std::nullopt;
  return r;
}

// `Header: value`.
std::optional<Range> header_value(std::string_view text, std::size_t ke, bool auth) {
  auto i = skip(text, ke, is_blank);
  if (i >= text.size() || text[i] != ':') return std::nullopt;
  i = skip(text, i + 1, is_blank);
  if (auth) return auth_value_at(text, i);
  const auto r = token_at(text, i);
  if (r.end == r.begin) return std::nullopt;
  return r;
}

// Whether a word after `Token ` is a credential rather than prose ("Token expired").
bool looks_like_credential(std::string_view word) {
  const bool has_digit = std::ranges::any_of(word, is_digit);
  return (word.size() >= 8 && has_digit) || word.size() >= 20;
}

// `Bearer <tok>` / `Token <tok>`.
std::optional<Range> scheme_value(std::string_view text, std::string_view key, std::size_t ke) {
  const bool bearer = iequals(key, "bearer");
  if (!bearer && !iequals(key, "token")) return std::nullopt;
  const auto i = skip(text, ke, is_blank);
  if (i == ke) return std::nullopt;
  const auto r = token_at(text, i);
  if (r.end == r.begin) return std::nullopt;
  const auto word = text.substr(r.begin, r.end - r.begin);
  if (bearer) {
    // "missing bearer token" is prose, not a credential.
    static constexpr std::array<std::string_view, 5> kProse = {"token", "tokens", "auth", "authentication",
                                                               "authorization"};
    if (std::ranges::any_of(kProse, [&](std::string_view p) { return iequals(word, p); }))
      return std::nullopt;
    return r;
  }
  if (!looks_like_credential(word)) return std::nullopt;
  return r;
}

std::optional<Range> key_value(std::string_view text, std::size_t kb, std::size_t ke) {
  const auto key = text.substr(kb, ke - kb);
  const bool auth = is_auth_key(key);
  const bool secret = is_secret_key(key);
  if (auth || secret) {
    if (auto r = json_member_value(text, kb, ke)) return r;
    if (auto r = param_value(text, ke, auth)) return r;
    // Header style only for header-like names: "invalid token: expired" stays readable.
    if (auth || key.find('-') != std::string_view::npos) {
      if (auto r = header_value(text, ke, auth)) return r;
    }
  }
  return scheme_value(text, key, ke);
}

}  // namespace

std::string redact_patterns(std::string_view text) {
  std::string out;
  std::size_t copied = 0;
  auto replace = [&](Range r) {
    if (out.empty()) out.reserve(text.size());
    out.append(text.substr(copied, r.begin - copied));
    out += kRedacted;
    copied = r.end;
  };

  std::size_t i = 0;
  while (i < text.size()) {
    if (!is_key_char(text[i]) || (i > 0 && is_key_char(text[i - 1]))) {
      ++i;
      continue;
    }
    if (const auto end = sk_key_end(text, i)) {
      replace({i, *end});
      i = *end;
      continue;
    }
    const auto ke = skip(text, i, is_key_char);
    if (const auto r = key_value(text, i, ke)) {
      replace(*r);
      i = r->end;
      continue;
    }
    i = ke;
  }
  if (copied == 0) return std::string(text);
  out.append(text.substr(copied));
  return out;
}

std::string redact(std::string_view text, std::span<const std::string> secrets) {
  std::vector<Range> hits;
  for (const auto& secret : secrets) {
    if (secret.size() < kMinSecretLength) continue;
    // Step by one so that overlapping occurrences of one secret are all covered.
    for (auto pos = text.find(secret); pos != std::string_view::npos; pos = text.find(secret, pos + 1)) {
      hits.push_back({pos, pos + secret.size()});
    }
  }
  if (hits.empty()) return redact_patterns(text);

  std::ranges::sort(hits, {}, &Range::begin);
  std::string out;
  out.reserve(text.size());
  std::size_t copied = 0;
  std::size_t i = 0;
  while (i < hits.size()) {
    const auto begin = hits[i].begin;
    auto end = hits[i].end;
    for (++i; i < hits.size() && hits[i].begin <= end; ++i) end = std::max(end, hits[i].end);
    out.append(text.substr(copied, begin - copied));
    out += kRedacted;
    copied = end;
  }
  out.append(text.substr(copied));
  return redact_patterns(out);
}

SecretRegistry::SecretRegistry() : secrets_(std::make_shared<const std::vector<std::string>>()) {}

SecretRegistry& SecretRegistry::instance() {
  static auto* registry = new SecretRegistry();
  return *registry;
}

void SecretRegistry::add(std::string secret) {
  if (secret.size() < kMinSecretLength) return;
  const std::lock_guard lock(mutex_);
  if (std::ranges::find(*secrets_, secret) != secrets_->end()) return;
  auto next = std::make_shared<std::vector<std::string>>(*secrets_);
  next->push_back(std::move(secret));
  secrets_ = std::move(next);
}

SecretRegistry::Snapshot SecretRegistry::snapshot() const {
  const std::lock_guard lock(mutex_);
  return secrets_;
}

std::string SecretRegistry::redact(std::string_view text) const {
  const auto secrets = snapshot();
  return util::redact(text, *secrets);
}

}  // namespace mmclaw::util

#include "mattermost/buttons.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <string_view>

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <boost/json/array.hpp>
#include <boost/json/string.hpp>
#include <boost/url/ipv4_address.hpp>
#include <boost/url/ipv6_address.hpp>

#include "util/strings.hpp"

namespace mmclaw::mattermost {
namespace {

// ---- HMAC ---------------------------------------------------------------------------------------

std::string hmac_sha256_hex(std::string_view key, std::string_view message) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  // An empty message still needs a valid pointer.
  static constexpr unsigned char kEmpty = 0;
  const auto* data = message.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(message.data());
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), data, message.size(), digest.data(),
           &length) == nullptr) {
    throw std::runtime_error("HMAC-SHA256 failed");  // only on allocation failure: a bug or OOM
  }
  static constexpr std::string_view kHex = "0123456789abcdef";
  std::string hex;
  hex.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    hex.push_back(kHex[digest[i] >> 4]);
    hex.push_back(kHex[digest[i] & 0x0F]);
  }
  return hex;
}

// ---- Collation (locale_compare) -----------------------------------------------------------------

// One collation element: primary (base character), secondary (accent), tertiary (case). A zero
// weight is skipped at its level.
struct CollationElement {
  std::uint32_t primary;
  std::uint16_t secondary;
  std::uint8_t tertiary;
};

constexpr std::uint16_t kCommonSecondary = 1;
constexpr std::uint8_t kLower = 1;
constexpr std::uint8_t kUpper = 2;

// ICU root order of the non-ignorable ASCII characters before the letters.
constexpr std::string_view kAsciiBeforeLetters = "\t\n\v\f\r _-,;:!?.'\"()[]{}@*/\\&#%`^+<=>|~$0123456789";
constexpr std::uint32_t kFirstLetterPrimary = kAsciiBeforeLetters.size() + 1;
constexpr std::uint32_t kUnknownPrimaryBase = 0x1000;             // + code point: after every letter
constexpr std::uint32_t kInvalidUtf8Primary = 0x1000 + 0x110000;  // + byte: after everything

// The supported combining marks, in ICU's secondary order (low to high), with their canonical
// combining class.
struct Mark {
  char32_t code_point;
  std::uint8_t combining_class;
};
constexpr std::array<Mark, 13> kMarks{{
    {0x0301, 230},  // acute
    {0x0300, 230},  // grave
    {0x0306, 230},  // breve
    {0x0302, 230},  // circumflex
    {0x030C, 230},  // caron
    {0x030A, 230},  // ring above
    {0x0308, 230},  // diaeresis
    {0x030B, 230},  // double acute
    {0x0303, 230},  // tilde
    {0x0307, 230},  // dot above
    {0x0327, 202},  // cedilla
    {0x0328, 202},  // ogonek
    {0x0304, 230},  // macron
}};

// Index into kMarks, or -1.
int mark_index(char32_t cp) {
  for (std::size_t i = 0; i < kMarks.size(); ++i) {
    if (kMarks[i].code_point == cp) return static_cast<int>(i);
  }
  return -1;
}

// Canonical decompositions of U+00C0..U+017F into an ASCII letter and one supported mark; a zero
// base means "no such decomposition".
struct Decomposition {
  char base;
  char32_t mark;
};

constexpr Decomposition kNone{0, 0};

Decomposition decompose_latin(char32_t cp) {
  // U+00C0..U+00FF.
  static constexpr std::array<Decomposition, 64> kLatin1{{
      {'A', 0x300}, {'A', 0x301}, {'A', 0x302}, {'A', 0x303}, {'A', 0x308}, {'A', 0x30A}, kNone,
      {'C', 0x327}, {'E', 0x300}, {'E', 0x301}, {'E', 0x302}, {'E', 0x308}, {'I', 0x300}, {'I', 0x301},
      {'I', 0x302}, {'I', 0x308}, kNone,        {'N', 0x303}, {'O', 0x300}, {'O', 0x301}, {'O', 0x302},
      {'O', 0x303}, {'O', 0x308}, kNone,        kNone,        {'U', 0x300}, {'U', 0x301}, {'U', 0x302},
      {'U', 0x308}, {'Y', 0x301}, kNone,        kNone,        {'a', 0x300}, {'a', 0x301}, {'a', 0x302},
      {'a', 0x303}, {'a', 0x308}, {'a', 0x30A}, kNone,        {'c', 0x327}, {'e', 0x300}, {'e', 0x301},
      {'e', 0x302}, {'e', 0x308}, {'i', 0x300}, {'i', 0x301}, {'i', 0x302}, {'i', 0x308}, kNone,
      {'n', 0x303}, {'o', 0x300}, {'o', 0x301}, {'o', 0x302}, {'o', 0x303}, {'o', 0x308}, kNone,
      kNone,        {'u', 0x300}, {'u', 0x301}, {'u', 0x302}, {'u', 0x308}, {'y', 0x301}, kNone,
      {'y', 0x308},
  }};
  // U+0100..U+017F: upper/lower pairs share the mark; the base is given in upper case.
  static constexpr std::array<Decomposition, 128> kExtendedA{{
      {'A', 0x304}, {'A', 0x304}, {'A', 0x306}, {'A', 0x306}, {'A', 0x328}, {'A', 0x328},  // 0100
      {'C', 0x301}, {'C', 0x301}, {'C', 0x302}, {'C', 0x302}, {'C', 0x307}, {'C', 0x307},  // 0106
      {'C', 0x30C}, {'C', 0x30C}, {'D', 0x30C}, {'D', 0x30C}, kNone,        kNone,         // 010C
      {'E', 0x304}, {'E', 0x304}, {'E', 0x306}, {'E', 0x306}, {'E', 0x307}, {'E', 0x307},  // 0112
      {'E', 0x328}, {'E', 0x328}, {'E', 0x30C}, {'E', 0x30C}, {'G', 0x302}, {'G', 0x302},  // 0118
      {'G', 0x306}, {'G', 0x306}, {'G', 0x307}, {'G', 0x307}, {'G', 0x327}, {'G', 0x327},  // 011E
      {'H', 0x302}, {'H', 0x302}, kNone,        kNone,        {'I', 0x303}, {'I', 0x303},  // 0124
      {'I', 0x304}, {'I', 0x304}, {'I', 0x306}, {'I', 0x306}, {'I', 0x328}, {'I', 0x328},  // 012A
      {'I', 0x307}, kNone,        kNone,        kNone,        {'J', 0x302}, {'J', 0x302},  // 0130
      {'K', 0x327}, {'K', 0x327}, kNone,        {'L', 0x301}, {'L', 0x301}, {'L', 0x327},  // 0136
      {'L', 0x327}, {'L', 0x30C}, {'L', 0x30C}, kNone,        kNone,        kNone,         // 013C
      kNone,        {'N', 0x301}, {'N', 0x301}, {'N', 0x327}, {'N', 0x327}, {'N', 0x30C},  // 0142
      {'N', 0x30C}, kNone,        kNone,        kNone,        {'O', 0x304}, {'O', 0x304},  // 0148
      {'O', 0x306}, {'O', 0x306}, {'O', 0x30B}, {'O', 0x30B}, kNone,        kNone,         // 014E
      {'R', 0x301}, {'R', 0x301}, {'R', 0x327}, {'R', 0x327}, {'R', 0x30C}, {'R', 0x30C},  // 0154
      {'S', 0x301}, {'S', 0x301}, {'S', 0x302}, {'S', 0x302}, {'S', 0x327}, {'S', 0x327},  // 015A
      {'S', 0x30C}, {'S', 0x30C}, {'T', 0x327}, {'T', 0x327}, {'T', 0x30C}, {'T', 0x30C},  // 0160
      kNone,        kNone,        {'U', 0x303}, {'U', 0x303}, {'U', 0x304}, {'U', 0x304},  // 0166
      {'U', 0x306}, {'U', 0x306}, {'U', 0x30A}, {'U', 0x30A}, {'U', 0x30B}, {'U', 0x30B},  // 016C
      {'U', 0x328}, {'U', 0x328}, {'W', 0x302}, {'W', 0x302}, {'Y', 0x302}, {'Y', 0x302},  // 0172
      {'Y', 0x308}, {'Z', 0x301}, {'Z', 0x301}, {'Z', 0x307}, {'Z', 0x307}, {'Z', 0x30C},  // 0178
      {'Z', 0x30C}, kNone,                                                                 // 017E
  }};
  if (cp >= 0xC0 && cp <= 0xFF) return kLatin1[cp - 0xC0];
  if (cp >= 0x100 && cp <= 0x17F) {
    Decomposition d = kExtendedA[cp - 0x100];
    if (d.base == 0) return d;
    // In Latin Extended-A the even code point is the capital, except U+0130 (İ, no pair), U+0139..
    // U+0148 (odd capitals) and U+0178..U+017E (Ÿ, then odd capitals).
    bool upper = (cp % 2) == 0;
    if ((cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17E)) upper = !upper;
    if (cp == 0x130 || cp == 0x178) upper = true;
    if (!upper) d.base = static_cast<char>(d.base - 'A' + 'a');
    return d;
  }
  return kNone;
}

// One decoded character: a code point, or an invalid UTF-8 byte.
struct Decoded {
  char32_t value;
  bool invalid;
};

std::vector<Decoded> decode_utf8(std::string_view s) {
  std::vector<Decoded> out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    std::size_t length = 0;
    char32_t cp = 0;
    char32_t minimum = 0;
    if (b0 < 0x80) {
      length = 1;
      cp = b0;
    } else if ((b0 & 0xE0) == 0xC0) {
      length = 2;
      cp = b0 & 0x1F;
      minimum = 0x80;
    } else if ((b0 & 0xF0) == 0xE0) {
      length = 3;
      cp = b0 & 0x0F;
      minimum = 0x800;
    } else if ((b0 & 0xF8) == 0xF0) {
      length = 4;
      cp = b0 & 0x07;
      minimum = 0x10000;
    }
    bool valid = length != 0 && i + length <= s.size();
    for (std::size_t k = 1; valid && k < length; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      if ((b & 0xC0) != 0x80) valid = false;
      cp = (cp << 6) | (b & 0x3F);
    }
    if (valid && (cp < minimum || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))) valid = false;
    if (!valid) {
      out.push_back({b0, true});
      ++i;
      continue;
    }
    out.push_back({cp, false});
    i += length;
  }
  return out;
}

std::vector<CollationElement> collation_elements(std::string_view s) {
  // Decompose the supported precomposed letters, then put each run of supported marks in
  // canonical order (a stable sort by combining class), as ICU's normalisation would.
  std::vector<Decoded> chars;
  for (const Decoded& d : decode_utf8(s)) {
    if (!d.invalid) {
      if (const Decomposition dec = decompose_latin(d.value); dec.base != 0) {
        chars.push_back({static_cast<char32_t>(dec.base), false});
        chars.push_back({dec.mark, false});
        continue;
      }
    }
    chars.push_back(d);
  }
  auto is_mark = [](const Decoded& d) { return !d.invalid && mark_index(d.value) >= 0; };
  for (auto it = chars.begin(); it != chars.end();) {
    if (!is_mark(*it)) {
      ++it;
      continue;
    }
    auto end = std::find_if_not(it, chars.end(), is_mark);
    std::stable_sort(it, end, [](const Decoded& x, const Decoded& y) {
      return kMarks[static_cast<std::size_t>(mark_index(x.value))].combining_class <
             kMarks[static_cast<std::size_t>(mark_index(y.value))].combining_class;
    });
    it = end;
  }

  std::vector<CollationElement> elements;
  elements.reserve(chars.size());
  for (const Decoded& d : chars) {
    if (d.invalid) {
      elements.push_back({kInvalidUtf8Primary + d.value, kCommonSecondary, kLower});
      continue;
    }
    const char32_t cp = d.value;
    if (cp < 0x80) {
      const char c = static_cast<char>(cp);
      if (c >= 'a' && c <= 'z') {
        elements.push_back(
            {kFirstLetterPrimary + static_cast<std::uint32_t>(c - 'a'), kCommonSecondary, kLower});
      } else if (c >= 'A' && c <= 'Z') {
        elements.push_back(
            {kFirstLetterPrimary + static_cast<std::uint32_t>(c - 'A'), kCommonSecondary, kUpper});
      } else if (const auto pos = kAsciiBeforeLetters.find(c); pos != std::string_view::npos) {
        elements.push_back({static_cast<std::uint32_t>(pos) + 1, kCommonSecondary, kLower});
      }
      // Anything else in ASCII is a control character ICU ignores.
      continue;
    }
    if (const int mark = mark_index(cp); mark >= 0) {
      elements.push_back({0, static_cast<std::uint16_t>(kCommonSecondary + 1 + mark), kLower});
      continue;
    }
    elements.push_back({kUnknownPrimaryBase + cp, kCommonSecondary, kLower});
  }
  return elements;
}

template <typename Weight>
int compare_level(const std::vector<CollationElement>& a, const std::vector<CollationElement>& b,
                  Weight weight) {
  std::size_t i = 0;
  std::size_t j = 0;
  while (true) {
    while (i < a.size() && weight(a[i]) == 0) ++i;
    while (j < b.size() && weight(b[j]) == 0) ++j;
    if (i == a.size() || j == b.size()) return (i == a.size() ? 0 : 1) - (j == b.size() ? 0 : 1);
    const auto wa = weight(a[i]);
    const auto wb = weight(b[j]);
    if (wa != wb) return wa < wb ? -1 : 1;
    ++i;
    ++j;
  }
}

// ---- JSON.stringify -----------------------------------------------------------------------------

void append_js_string(std::string& out, std::string_view s) {
  out.push_back('"');
  for (const char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += fmt::format("\\u{:04x}", static_cast<unsigned>(static_cast<unsigned char>(c)));
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

// Number::toString(v) (ECMAScript 6.1.6.1.20) for radix 10.
void append_js_number(std::string& out, double v) {
  if (!std::isfinite(v)) {
    out += "null";  // JSON.stringify(NaN) and of ±Infinity
    return;
  }
  if (v == 0) {
    out.push_back('0');  // also -0
    return;
  }
  // Shortest round-trip digits, the closest to v among them: what ECMAScript asks for.
  std::array<char, 64> buffer{};
  const auto result =
      std::to_chars(buffer.data(), buffer.data() + buffer.size(), v, std::chars_format::scientific);
  const std::string_view text(buffer.data(), static_cast<std::size_t>(result.ptr - buffer.data()));
  std::string_view mantissa = text.substr(0, text.find('e'));
  const int exponent = std::atoi(std::string(text.substr(text.find('e') + 1)).c_str());
  if (mantissa.front() == '-') {
    out.push_back('-');
    mantissa.remove_prefix(1);
  }
  std::string digits;
  for (const char c : mantissa) {
    if (c != '.') digits.push_back(c);
  }
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  const int k = static_cast<int>(digits.size());
  const int n = exponent + 1;  // v = 0.digits × 10^n
  if (k <= n && n <= 21) {
    out += digits;
    out.append(static_cast<std::size_t>(n - k), '0');
  } else if (0 < n && n <= 21) {
    out.append(digits, 0, static_cast<std::size_t>(n));
    out.push_back('.');
    out.append(digits, static_cast<std::size_t>(n));
  } else if (-6 < n && n <= 0) {
    out += "0.";
    out.append(static_cast<std::size_t>(-n), '0');
    out += digits;
  } else {
    out.push_back(digits[0]);
    if (k > 1) {
      out.push_back('.');
      out.append(digits, 1);
    }
    out += fmt::format("e{}{}", n - 1 >= 0 ? "+" : "-", std::abs(n - 1));
  }
}

// The value of a JavaScript array-index property name: the canonical decimal form of an integer in
// 0 .. 2^32 - 2 ("0", "42"; not "01", "-1" or "4294967295").
std::optional<std::uint32_t> array_index(std::string_view key) {
  if (key.empty() || key.size() > 10 || (key.size() > 1 && key.front() == '0')) return std::nullopt;
  std::uint64_t value = 0;
  for (const char c : key) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (value > 0xFFFFFFFEu) return std::nullopt;
  return static_cast<std::uint32_t>(value);
}

void append_canonical(std::string& out, const boost::json::value& value) {
  switch (value.kind()) {
    case boost::json::kind::null: out += "null"; break;
    case boost::json::kind::bool_: out += value.get_bool() ? "true" : "false"; break;
    case boost::json::kind::int64: append_js_number(out, static_cast<double>(value.get_int64())); break;
    case boost::json::kind::uint64: append_js_number(out, static_cast<double>(value.get_uint64())); break;
    case boost::json::kind::double_: append_js_number(out, value.get_double()); break;
    case boost::json::kind::string: append_js_string(out, value.get_string()); break;
    case boost::json::kind::array: {
      out.push_back('[');
      bool first = true;
      for (const auto& element : value.get_array()) {
        if (!first) out.push_back(',');
        first = false;
        append_canonical(out, element);
      }
      out.push_back(']');
      break;
    }
    case boost::json::kind::object: {
      const auto& object = value.get_object();
      std::vector<const boost::json::key_value_pair*> members;
      members.reserve(object.size());
      for (const auto& member : object) members.push_back(&member);
      // The keys sorted by localeCompare go into a new JavaScript object, which lists array-index
      // keys first in numeric order whatever the insertion order was.
      std::sort(members.begin(), members.end(), [](const auto* x, const auto* y) {
        const auto ix = array_index(x->key());
        const auto iy = array_index(y->key());
        if (ix || iy) return ix && iy ? *ix < *iy : ix.has_value();
        return locale_compare(x->key(), y->key()) < 0;
      });
      out.push_back('{');
      bool first = true;
      for (const auto* member : members) {
        if (!first) out.push_back(',');
        first = false;
        append_js_string(out, member->key());
        out.push_back(':');
        append_canonical(out, member->value());
      }
      out.push_back('}');
      break;
    }
  }
}

// ---- Callback URL -------------------------------------------------------------------------------

bool is_unspecified_address(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (auto v4 = boost::urls::parse_ipv4_address(host); v4) return v4->to_uint() == 0;
  if (auto v6 = boost::urls::parse_ipv6_address(host); v6) return v6->is_unspecified();
  return false;
}

}  // namespace

std::string interaction_secret(std::string_view bot_token) {
  return hmac_sha256_hex(kInteractionSecretKey, bot_token);
}

std::string interaction_token(std::string_view secret, const boost::json::object& context_without_token) {
  if (context_without_token.contains(kTokenKey)) {
    boost::json::object copy = context_without_token;
    copy.erase(kTokenKey);
    return hmac_sha256_hex(secret, canonical_json(copy));
  }
  return hmac_sha256_hex(secret, canonical_json(context_without_token));
}

std::string canonical_json(const boost::json::value& value) {
  std::string out;
  append_canonical(out, value);
  return out;
}

int locale_compare(std::string_view a, std::string_view b) {
  if (a == b) return 0;
  const auto ea = collation_elements(a);
  const auto eb = collation_elements(b);
  if (int c = compare_level(ea, eb, [](const CollationElement& e) { return e.primary; }); c != 0) return c;
  if (int c = compare_level(ea, eb, [](const CollationElement& e) { return e.secondary; }); c != 0) return c;
  if (int c = compare_level(ea, eb, [](const CollationElement& e) { return e.tertiary; }); c != 0) return c;
  return a < b ? -1 : 1;  // byte order of UTF-8 = code-point order
}

bool tokens_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string sanitize_action_id(std::string_view id) {
  std::string out;
  out.reserve(id.size());
  for (const char c : id) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) out.push_back(c);
  }
  return out;
}

std::vector<ButtonSpec> buttons_from_rows(const std::vector<std::vector<agent::MessageButton>>& rows) {
  std::vector<ButtonSpec> buttons;
  for (const auto& row : rows) {
    for (const auto& button : row) {
      ButtonSpec spec;
      spec.id = button.callback_data;
      spec.name = button.text;
      spec.style = button.style;
      spec.context["callback_data"] = button.callback_data;
      buttons.push_back(std::move(spec));
    }
  }
  return buttons;
}

boost::json::object button_attachments_props(std::span<const ButtonSpec> buttons,
                                             std::string_view attachment_text, std::string_view channel_id,
                                             std::string_view callback_url, std::string_view secret) {
  boost::json::array actions;
  for (const ButtonSpec& button : buttons) {
    const std::string_view id = util::trim(button.id);
    const std::string_view name = util::trim(button.name);
    if (id.empty() || name.empty()) continue;
    const std::string action_id = sanitize_action_id(id);
    boost::json::object context;
    context[kActionIdKey] = action_id;
    for (const auto& member : button.context) context.insert_or_assign(member.key(), member.value());
    context.insert_or_assign(kChannelIdKey, channel_id);
    context.erase(kTokenKey);
    const std::string token = interaction_token(secret, context);
    context[kTokenKey] = token;

    boost::json::object action;
    action["id"] = action_id;
    action["type"] = "button";
    action["name"] = name;
    action["style"] = button.style.empty() ? std::string_view("default") : std::string_view(button.style);
    boost::json::object integration;
    integration["url"] = callback_url;
    integration["context"] = std::move(context);
    action["integration"] = std::move(integration);
    actions.push_back(std::move(action));
  }
  if (actions.empty()) return {};
  boost::json::object attachment;
  attachment["text"] = attachment_text;
  attachment["actions"] = std::move(actions);
  boost::json::object props;
  props["attachments"] = boost::json::array{std::move(attachment)};
  return props;
}

std::string interaction_callback_url(std::optional<std::string> callback_base_url,
                                     std::string_view account_id, std::optional<std::string> custom_bind_host,
                                     int port) {
  if (callback_base_url) {
    std::string_view base = util::trim(*callback_base_url);
    if (!base.empty()) {
      while (!base.empty() && base.back() == '/') base.remove_suffix(1);
      return fmt::format("{}{}{}", base, kInteractionsPathPrefix, account_id);
    }
  }
  return fmt::format("{}{}{}", gateway_base_url(std::move(custom_bind_host), port), kInteractionsPathPrefix,
                     account_id);
}

std::string gateway_base_url(std::optional<std::string> custom_bind_host, int port) {
  std::string host = custom_bind_host ? std::string(util::trim(*custom_bind_host)) : std::string();
  if (host.empty() || is_unspecified_address(host)) {
    host = "localhost";
  } else if (host.find(':') != std::string::npos && host.front() != '[') {
    host = fmt::format("[{}]", host);
  }
  if (port < 1 || port > 65535) port = kDefaultGatewayPort;
  return fmt::format("http://{}:{}", host, port);
}

}  // namespace mmclaw::mattermost

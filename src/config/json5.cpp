#include "config/json5.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value_stack.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <utility>

#include "util/utf8.hpp"

namespace mmclaw::config {
namespace {

// ---------------------------------------------------------------------------------------------------------
// Characters

struct CodePoint {
  char32_t value = 0;
  std::size_t size = 0;  // bytes
};

// The whole input is validated as UTF-8 before parsing starts, so decoding can trust lead bytes and
// only has to guard against running off the end.
CodePoint decode_utf8(const char* p, const char* end) {
  const auto byte = [&](std::size_t i) { return static_cast<char32_t>(static_cast<unsigned char>(p[i])); };
  const char32_t c = byte(0);
  if (c < 0x80) return {c, 1};
  if (c < 0xE0 && end - p >= 2) return {((c & 0x1F) << 6) | (byte(1) & 0x3F), 2};
  if (c < 0xF0 && end - p >= 3) return {((c & 0x0F) << 12) | ((byte(1) & 0x3F) << 6) | (byte(2) & 0x3F), 3};
  if (end - p >= 4) {
    return {((c & 0x07) << 18) | ((byte(1) & 0x3F) << 12) | ((byte(2) & 0x3F) << 6) | (byte(3) & 0x3F), 4};
  }
  return {c, 1};
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// JSON5 WhiteSpace beyond ASCII: NBSP, BOM, the line/paragraph separators and the other Zs spaces.
bool is_unicode_space(char32_t cp) {
  return cp == 0x00A0 || cp == 0xFEFF || cp == 0x2028 || cp == 0x2029 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200A) || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_ascii_id_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$';
}

bool is_ascii_id_part(char c) {
  return is_ascii_id_start(c) || is_digit(c);
}

// ECMAScript's ID_Start/ID_Continue tables are large; any code point outside ASCII is close enough for
// config keys and keeps the tables out of the binary. Spaces must still end a key, and curly quotes
// (U+2018-U+201F, never identifier characters) are excluded so that `{“a”: 1}` gets a clear error
// instead of a key that includes the quotes.
bool is_non_ascii_id_char(char32_t cp) {
  return cp >= 0x80 && !is_unicode_space(cp) && !(cp >= 0x2018 && cp <= 0x201F);
}

bool is_id_char_at(const char* p, const char* end) {
  if (p >= end) return false;
  if (static_cast<unsigned char>(*p) < 0x80) return is_ascii_id_part(*p);
  return is_non_ascii_id_char(decode_utf8(p, end).value);
}

std::string hex_code(char32_t cp) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out = "U+";
  const int digits = cp > 0xFFFF ? (cp > 0xFFFFF ? 6 : 5) : 4;
  for (int i = digits - 1; i >= 0; --i) out.push_back(kHex[(cp >> (4 * i)) & 0xF]);
  return out;
}

// Extent of a word-like token for messages: identifier characters plus the characters a mistyped number
// is made of, capped so a message stays one line.
const char* scan_word(const char* p, const char* end, bool number_chars) {
  constexpr int kMaxCodePoints = 40;
  for (int n = 0; p < end && n < kMaxCodePoints; ++n) {
    if (is_id_char_at(p, end)) {
      p += decode_utf8(p, end).size;
    } else if (number_chars && (*p == '.' || *p == '+' || *p == '-')) {
      ++p;
    } else {
      break;
    }
  }
  return p;
}

std::string quote_token(std::string_view token, bool truncated) {
  std::string out = "'";
  out += token;
  if (truncated) out += "...";
  out += "'";
  return out;
}

// What a message says it found at `p`: a whole word when one starts there, so `{mode: fast}` reports
// 'fast' rather than 'f'.
std::string describe_found(const char* p, const char* end) {
  if (p >= end) return "end of input";
  const char c = *p;
  if (is_ascii_id_start(c) || is_digit(c)) {
    const char* word_end = scan_word(p, end, is_digit(c));
    return quote_token({p, word_end}, is_id_char_at(word_end, end));
  }
  if (c == '\'') return "\"'\"";
  if (c == '\n' || c == '\r') return "a line break";
  if (c == ' ') return "a space";
  if (c == '\t') return "a tab";
  const auto uc = static_cast<unsigned char>(c);
  if (uc < 0x20 || uc == 0x7F) return "control character " + hex_code(uc);
  if (uc < 0x80) return quote_token({p, 1}, false);
  const CodePoint cp = decode_utf8(p, end);
  std::string out = quote_token({p, cp.size}, false) + " (" + hex_code(cp.value);
  if (cp.value == 0x201C || cp.value == 0x201D || cp.value == 0x2018 || cp.value == 0x2019) {
    out += "; strings need straight quotes \" or '";
  }
  return out + ")";
}

// Keys in messages are quoted like JSON strings so that odd characters stay visible.
std::string quote_key(std::string_view key) {
  std::string out = "\"";
  for (const char c : key) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += "\\u00";
      out.push_back("0123456789abcdef"[(c >> 4) & 0xF]);
      out.push_back("0123456789abcdef"[c & 0xF]);
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
  return out;
}

void append_pointer_token(std::string& pointer, std::string_view token) {
  pointer.push_back('/');
  for (const char c : token) {
    if (c == '~') {
      pointer += "~0";
    } else if (c == '/') {
      pointer += "~1";
    } else {
      pointer.push_back(c);
    }
  }
}

std::string describe_size(std::size_t bytes) {
  constexpr std::size_t kMiB = 1024 * 1024;
  if (bytes != 0 && bytes % kMiB == 0) return std::to_string(bytes / kMiB) + " MiB";
  return std::to_string(bytes) + (bytes == 1 ? " byte" : " bytes");
}

// ---------------------------------------------------------------------------------------------------------
// Positions

// Turns byte offsets into line/column. Values are recorded in source order, so each call usually
// continues from the previous one and the whole document is scanned once; only error positions that
// point back (an opening quote or bracket) restart from the top.
class LineCounter {
 public:
  explicit LineCounter(std::string_view text) : text_(text) { restart(); }

  SourcePos at(std::size_t offset) {
    if (offset < offset_) restart();
    offset = std::min(offset, text_.size());
    for (; offset_ < offset; ++offset_) {
      const char c = text_[offset_];
      if (c == '\n') {
        ++line_;
        column_ = 1;
      } else if (c == '\r') {
        // CRLF is one line break: the LF that follows does the counting.
        if (offset_ + 1 >= text_.size() || text_[offset_ + 1] != '\n') {
          ++line_;
          column_ = 1;
        }
      } else if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
        ++column_;
      }
    }
    return {line_, column_};
  }

 private:
  void restart() {
    // Editors do not show a byte order mark, so it does not take a column.
    offset_ = text_.starts_with("\xEF\xBB\xBF") ? 3 : 0;
    line_ = 1;
    column_ = 1;
  }

  std::string_view text_;
  std::size_t offset_ = 0;
  std::uint32_t line_ = 1;
  std::uint32_t column_ = 1;
};

// ---------------------------------------------------------------------------------------------------------
// Parser

// Iterative, with an explicit stack of open containers, so deeply nested input cannot exhaust the
// machine stack whatever max_depth is set to. Values go straight into a boost::json::value_stack, which
// builds each container with one allocation once its size is known.
class Parser {
 public:
  Parser(std::string_view text, const Json5Limits& limits)
      : text_(text),
        p_(text.data()),
        end_(text.data() + text.size()),
        limits_(limits),
        lines_(text),
        stack_(boost::json::storage_ptr(), temp_, sizeof(temp_)) {
    constexpr std::size_t kFactor = 32;
    const std::size_t base = std::max<std::size_t>(limits.max_bytes, 1024 * 1024);
    pointer_budget_ = base > std::numeric_limits<std::size_t>::max() / kFactor
                          ? std::numeric_limits<std::size_t>::max()
                          : base * kFactor;
  }

  std::expected<Json5Document, Json5Error> run() {
    if (text_.size() > limits_.max_bytes) {
      return std::unexpected(Json5Error{"the file is larger than " + describe_size(limits_.max_bytes), {}});
    }
    if (const std::size_t bad = util::find_invalid_utf8(text_); bad != std::string_view::npos) {
      static constexpr char kHex[] = "0123456789ABCDEF";
      const auto byte = static_cast<unsigned char>(text_[bad]);
      std::string message = "invalid UTF-8 byte 0x";
      message.push_back(kHex[byte >> 4]);
      message.push_back(kHex[byte & 0xF]);
      message += " (the file must be saved as UTF-8)";
      return std::unexpected(Json5Error{std::move(message), lines_.at(bad)});
    }
    // Rehashing a large positions table costs more than the rest of the parse; configs hold a value
    // every 15-30 bytes, so this usually avoids rehashing without over-reserving much.
    doc_.positions.reserve(text_.size() / 16 + 8);
    stack_.reset();
    if (!parse()) return std::unexpected(Json5Error{std::move(error_message_), lines_.at(error_offset_)});
    doc_.root = stack_.release();
    return std::move(doc_);
  }

 private:
  struct Frame {
    bool object = false;
    std::uint32_t count = 0;       // members or elements completed so far
    std::size_t pointer_size = 0;  // pointer_.size() for the container itself
    std::size_t order_index = 0;   // the container's entry in order_
    const char* open = nullptr;    // its bracket, for "unterminated" errors
  };

  // One per recorded position, in source order (so sorted by position). A duplicate key has to forget
  // the positions of everything under the value it replaces; `end` finds that subtree.
  struct OrderEntry {
    SourcePos pos;
    std::size_t end = 0;                   // one past the last entry of this value's subtree
    const std::string* pointer = nullptr;  // key in doc_.positions; null once forgotten
  };

  enum class State { value, element, member, after_value };

  bool fail(std::string message, const char* at) {
    error_message_ = std::move(message);
    error_offset_ = static_cast<std::size_t>(at - text_.data());
    return false;
  }

  bool fail_found(std::string_view expected, const char* at) {
    return fail("expected " + std::string(expected) + ", found " + describe_found(at, end_), at);
  }

  bool fail_unterminated(const Frame& frame) {
    return fail(frame.object
                    ? "unexpected end of input inside an object (missing '}' for the '{' opened here)"
                    : "unexpected end of input inside an array (missing ']' for the '[' opened here)",
                frame.open);
  }

  bool fail_unterminated_string(const char* open) {
    return fail(std::string("unexpected end of input inside a string (missing closing ") + *open + ")", open);
  }

  bool parse() {
    if (!skip_space()) return false;
    if (p_ == end_) return fail("expected a value, found end of input", p_);
    if (!record(p_)) return false;
    State state = State::value;
    std::string_view value_expected = "a value";
    for (;;) {
      switch (state) {
        case State::value:
          if (*p_ == '{' || *p_ == '[') {
            if (frames_.size() >= limits_.max_depth) {
              return fail("nesting is deeper than " + std::to_string(limits_.max_depth) +
                              (limits_.max_depth == 1 ? " level" : " levels"),
                          p_);
            }
            frames_.push_back({*p_ == '{', 0, pointer_.size(), order_.size() - 1, p_});
            state = *p_ == '{' ? State::member : State::element;
            ++p_;
          } else {
            if (!parse_scalar(value_expected)) return false;
            state = State::after_value;
          }
          break;

        case State::element: {
          Frame& frame = frames_.back();
          if (!skip_space()) return false;
          if (p_ == end_) return fail_unterminated(frame);
          if (*p_ == ']') {
            close();
            state = State::after_value;
            break;
          }
          pointer_.resize(frame.pointer_size);
          pointer_.push_back('/');
          char digits[24];
          const auto converted = std::to_chars(digits, digits + sizeof(digits), frame.count);
          pointer_.append(digits, converted.ptr);
          if (!record(p_)) return false;
          value_expected = "a value or ']'";
          state = State::value;
          break;
        }

        case State::member: {
          Frame& frame = frames_.back();
          if (!skip_space()) return false;
          if (p_ == end_) return fail_unterminated(frame);
          if (*p_ == '}') {
            close();
            state = State::after_value;
            break;
          }
          const char* key_start = p_;
          std::string_view key;
          if (!parse_key(key)) return false;
          pointer_.resize(frame.pointer_size);
          append_pointer_token(pointer_, key);
          if (!record_key(key_start, key)) return false;
          stack_.push_key(key);
          if (!skip_space()) return false;
          if (p_ == end_) return fail_unterminated(frame);
          if (*p_ != ':') return fail_found("':' after the key", p_);
          ++p_;
          if (!skip_space()) return false;
          if (p_ == end_) return fail_unterminated(frame);
          value_expected = "a value";
          state = State::value;
          break;
        }

        case State::after_value: {
          if (!skip_space()) return false;
          if (frames_.empty()) {
            if (p_ != end_) return fail_found("end of input after the top-level value", p_);
            return true;
          }
          Frame& frame = frames_.back();
          ++frame.count;
          if (p_ == end_) return fail_unterminated(frame);
          const char closer = frame.object ? '}' : ']';
          if (*p_ == ',') {
            ++p_;
            state = frame.object ? State::member : State::element;
          } else if (*p_ == closer) {
            close();
          } else {
            return fail_found(
                frame.object ? "',' or '}' after an object member" : "',' or ']' after an array element", p_);
          }
          break;
        }
      }
    }
  }

  // Consumes the closing bracket of the innermost container.
  void close() {
    const Frame& frame = frames_.back();
    ++p_;
    if (frame.object) {
      stack_.push_object(frame.count);
    } else {
      stack_.push_array(frame.count);
    }
    order_[frame.order_index].end = order_.size();
    pointer_.resize(frame.pointer_size);
    frames_.pop_back();
  }

  bool record(const char* at) {
    if (!charge_pointer(at)) return false;
    const SourcePos pos = lines_.at(static_cast<std::size_t>(at - text_.data()));
    const auto it = doc_.positions.emplace(pointer_, pos).first;
    order_.push_back({pos, order_.size() + 1, &it->first});
    return true;
  }

  bool record_key(const char* at, std::string_view key) {
    if (!charge_pointer(at)) return false;
    const SourcePos pos = lines_.at(static_cast<std::size_t>(at - text_.data()));
    auto [it, inserted] = doc_.positions.try_emplace(pointer_, pos);
    if (!inserted) {
      doc_.warnings.push_back({"duplicate key " + quote_key(key) + "; the later value is used", pos});
      forget_subtree(it->second);
      it = doc_.positions.emplace(pointer_, pos).first;
    }
    order_.push_back({pos, order_.size() + 1, &it->first});
    return true;
  }

  // Every value's full pointer is stored, so a long key above many values costs key length times value
  // count: a 4 MiB file with a 2 MiB key over a million-element array would ask for terabytes. Real configs
  // use a few times their own size; the budget only stops such files before they exhaust memory.
  bool charge_pointer(const char* at) {
    pointer_bytes_ += pointer_.size();
    if (pointer_bytes_ <= pointer_budget_) return true;
    return fail(
        "the file is too complex to index (very long keys above very many or very deeply nested values)", at);
  }

  // Drops the positions of the value recorded at `pos` and of everything inside it. Each entry is
  // forgotten at most once, so repeated duplicates stay linear overall.
  void forget_subtree(SourcePos pos) {
    const auto before = [](const OrderEntry& e, SourcePos p) {
      return e.pos.line < p.line || (e.pos.line == p.line && e.pos.column < p.column);
    };
    const auto first = static_cast<std::size_t>(std::lower_bound(order_.begin(), order_.end(), pos, before) -
                                                order_.begin());
    const std::size_t last = first < order_.size() ? order_[first].end : first;
    for (std::size_t i = first; i < last; ++i) {
      if (order_[i].pointer == nullptr) continue;
      doc_.positions.erase(doc_.positions.find(*order_[i].pointer));
      order_[i].pointer = nullptr;
    }
  }

  // Skips whitespace and comments. Fails only on an unterminated block comment; a lone '/' is left for
  // the caller to report as unexpected.
  bool skip_space() {
    while (p_ < end_) {
      const char c = *p_;
      switch (c) {
        case ' ':
        case '\t':
        case '\n':
        case '\r':
        case '\v':
        case '\f': ++p_; continue;
        case '/':
          if (end_ - p_ >= 2 && p_[1] == '/') {
            p_ += 2;
            while (p_ < end_ && *p_ != '\n' && *p_ != '\r' && !is_unicode_line_break(p_)) ++p_;
            continue;
          }
          if (end_ - p_ >= 2 && p_[1] == '*') {
            const std::size_t offset = static_cast<std::size_t>(p_ - text_.data());
            const std::size_t close_at = text_.find("*/", offset + 2);
            if (close_at == std::string_view::npos)
              return fail("unterminated block comment (opened here)", p_);
            p_ = text_.data() + close_at + 2;
            continue;
          }
          return true;
        default:
          if (static_cast<unsigned char>(c) >= 0x80) {
            const CodePoint cp = decode_utf8(p_, end_);
            if (is_unicode_space(cp.value)) {
              p_ += cp.size;
              continue;
            }
          }
          return true;
      }
    }
    return true;
  }

  // U+2028 or U+2029, which end a single-line comment and may continue a string line.
  bool is_unicode_line_break(const char* p) const {
    return end_ - p >= 3 && p[0] == '\xE2' && p[1] == '\x80' && (p[2] == '\xA8' || p[2] == '\xA9');
  }

  bool parse_scalar(std::string_view expected) {
    const char c = *p_;
    if (c == '"' || c == '\'') {
      std::string_view s;
      if (!parse_string(s)) return false;
      stack_.push_string(s);
      return true;
    }
    if (is_digit(c) || c == '-' || c == '+' || c == '.') return parse_number();
    if (is_ascii_id_start(c)) {
      const char* word_end = scan_word(p_, end_, false);
      const std::string_view word(p_, static_cast<std::size_t>(word_end - p_));
      if (!is_id_char_at(word_end, end_)) {
        if (word == "true" || word == "false") {
          stack_.push_bool(word == "true");
          p_ = word_end;
          return true;
        }
        if (word == "null") {
          stack_.push_null();
          p_ = word_end;
          return true;
        }
        if (word == "Infinity" || word == "NaN") return parse_number();
      }
      std::string message = "expected " + std::string(expected) + ", found " + describe_found(p_, end_);
      if (const char* literal = literal_in_other_case(word)) {
        message += " (did you mean ";
        message += literal;
        message += "?)";
      } else {
        message += " (strings must be quoted)";
      }
      return fail(std::move(message), p_);
    }
    return fail_found(expected, p_);
  }

  static const char* literal_in_other_case(std::string_view word) {
    for (const char* literal : {"true", "false", "null"}) {
      const std::string_view lit(literal);
      if (word.size() == lit.size() && std::equal(word.begin(), word.end(), lit.begin(), [](char a, char b) {
            return (a >= 'A' && a <= 'Z' ? static_cast<char>(a - 'A' + 'a') : a) == b;
          })) {
        return literal;
      }
    }
    return nullptr;
  }

  bool parse_number() {
    const char* start = p_;
    const char* q = p_;
    bool negative = false;
    if (*q == '+' || *q == '-') {
      negative = *q == '-';
      ++q;
    }
    const char* body = q;

    if (q < end_ && is_ascii_id_start(*q)) {
      const char* word_end = scan_word(q, end_, false);
      const std::string_view word(q, static_cast<std::size_t>(word_end - q));
      double value = 0;
      if (word == "Infinity") {
        value = std::numeric_limits<double>::infinity();
      } else if (word == "NaN") {
        value = std::numeric_limits<double>::quiet_NaN();
      } else {
        return fail_after_sign(start, q);
      }
      stack_.push_double(negative ? -value : value);
      p_ = word_end;
      return true;
    }

    if (end_ - q >= 2 && q[0] == '0' && (q[1] == 'x' || q[1] == 'X')) {
      q += 2;
      const char* digits = q;
      std::uint64_t value = 0;
      double approx = 0;  // used once the value no longer fits 64 bits
      bool overflow = false;
      for (; q < end_ && hex_value(*q) >= 0; ++q) {
        const int d = hex_value(*q);
        approx = approx * 16 + d;
        if (value > (std::numeric_limits<std::uint64_t>::max() >> 4)) overflow = true;
        value = (value << 4) | static_cast<std::uint64_t>(d);
      }
      if (q == digits) return fail_found(std::string("a hex digit after '") + body[0] + body[1] + "'", q);
      if (!check_number_end(start, q)) return false;
      p_ = q;
      if (overflow) {
        stack_.push_double(negative ? -approx : approx);
      } else {
        push_integer(value, negative);
      }
      return true;
    }

    const char* int_begin = q;
    while (q < end_ && is_digit(*q)) ++q;
    const auto int_digits = static_cast<std::size_t>(q - int_begin);
    if (int_digits > 1 && *int_begin == '0') return fail("leading zeros are not allowed in numbers", start);
    bool integer = true;
    std::size_t frac_digits = 0;
    const char* dot = nullptr;
    if (q < end_ && *q == '.') {
      integer = false;
      dot = q++;
      const char* frac_begin = q;
      while (q < end_ && is_digit(*q)) ++q;
      frac_digits = static_cast<std::size_t>(q - frac_begin);
    }
    if (int_digits == 0 && frac_digits == 0) {
      if (dot != nullptr) return fail_found("a digit after '.'", q);
      return fail_after_sign(start, q);
    }
    const char* mantissa_end = q;
    if (q < end_ && (*q == 'e' || *q == 'E')) {
      integer = false;
      ++q;
      if (q < end_ && (*q == '+' || *q == '-')) ++q;
      const char* exp_digits = q;
      while (q < end_ && is_digit(*q)) ++q;
      if (q == exp_digits) return fail_found("a digit in the exponent", q);
    }
    if (!check_number_end(start, q)) return false;
    p_ = q;

    if (integer) {
      std::uint64_t value = 0;
      bool overflow = false;
      for (const char* d = int_begin; d < mantissa_end; ++d) {
        const auto digit = static_cast<std::uint64_t>(*d - '0');
        if (value > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) {
          overflow = true;
          break;
        }
        value = value * 10 + digit;
      }
      if (!overflow) {
        push_integer(value, negative);
        return true;
      }
    }
    double value = 0;
    const auto result = std::from_chars(body, q, value);
    if (result.ec == std::errc::result_out_of_range) {
      value = overflows(int_begin, mantissa_end, q) ? std::numeric_limits<double>::infinity() : 0.0;
    }
    stack_.push_double(negative ? -value : value);
    return true;
  }

  bool fail_after_sign(const char* sign, const char* at) {
    return fail_found(std::string("a digit, 'Infinity' or 'NaN' after '") + *sign + "'", at);
  }

  // A number must not run into letters, digits or another '.': `80a` and `1.2.3` are typos, not a number
  // followed by something else.
  bool check_number_end(const char* start, const char* q) {
    if (q >= end_ || (!is_id_char_at(q, end_) && *q != '.')) return true;
    const char* token_end = scan_word(q, end_, true);
    return fail("invalid number " + quote_token({start, static_cast<std::size_t>(token_end - start)},
                                                is_id_char_at(token_end, end_)),
                start);
  }

  // from_chars reports out-of-range without a value; JSON5 (like JavaScript) rounds to infinity or zero.
  // The decimal magnitude decides which.
  static bool overflows(const char* mantissa, const char* mantissa_end, const char* end) {
    long long magnitude = 0;
    bool seen_dot = false;
    bool found = false;
    long long int_digits = 0;
    long long leading_frac_zeros = 0;
    for (const char* p = mantissa; p < mantissa_end; ++p) {
      if (*p == '.') {
        seen_dot = true;
      } else if (!seen_dot) {
        if (found || *p != '0') {
          found = true;
          ++int_digits;
        }
      } else if (!found) {
        if (*p != '0') {
          found = true;
        } else {
          ++leading_frac_zeros;
        }
      }
    }
    magnitude = int_digits > 0 ? int_digits : -leading_frac_zeros;
    long long exponent = 0;
    const char* p = mantissa_end;
    if (p < end) {
      ++p;  // 'e'
      bool negative = false;
      if (*p == '+' || *p == '-') negative = *p++ == '-';
      for (; p < end && exponent < 1'000'000'000; ++p) exponent = exponent * 10 + (*p - '0');
      if (negative) exponent = -exponent;
    }
    return magnitude + exponent > 0;
  }

  void push_integer(std::uint64_t value, bool negative) {
    constexpr auto kMaxInt64 = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    if (!negative) {
      if (value <= kMaxInt64) {
        stack_.push_int64(static_cast<std::int64_t>(value));
      } else {
        stack_.push_uint64(value);
      }
    } else if (value <= kMaxInt64 + 1) {
      // Two's complement negation; well defined for 2^63 too since C++20's modular conversion.
      stack_.push_int64(static_cast<std::int64_t>(~value + 1));
    } else {
      stack_.push_double(-static_cast<double>(value));
    }
  }

  // A quoted string. `out` views the input when there are no escapes, else buffer_.
  bool parse_string(std::string_view& out) {
    const char* open = p_;
    const char quote = *p_++;
    const char* run = p_;
    while (p_ < end_ && *p_ != quote && *p_ != '\\' && *p_ != '\n' && *p_ != '\r') ++p_;
    if (p_ < end_ && *p_ == quote) {
      out = {run, static_cast<std::size_t>(p_ - run)};
      ++p_;
      return true;
    }
    buffer_.assign(run, p_);
    for (;;) {
      if (p_ == end_) return fail_unterminated_string(open);
      const char c = *p_;
      if (c == quote) {
        ++p_;
        out = buffer_;
        return true;
      }
      if (c == '\n' || c == '\r') {
        return fail(std::string("unexpected line break inside a string (missing closing ") + quote + "?)",
                    p_);
      }
      if (c == '\\') {
        if (!parse_escape(open)) return false;
        continue;
      }
      run = p_;
      while (p_ < end_ && *p_ != quote && *p_ != '\\' && *p_ != '\n' && *p_ != '\r') ++p_;
      buffer_.append(run, p_);
    }
  }

  bool fail_escape(const char* backslash, const char* end, std::string_view where,
                   std::string_view why = {}) {
    std::string message = "invalid escape ";
    message.append(backslash, end);
    message += " in ";
    message += where;
    message += why;
    return fail(std::move(message), backslash);
  }

  // A string escape at p_ (the backslash), appended to buffer_.
  bool parse_escape(const char* open) {
    const char* backslash = p_++;
    if (p_ == end_) return fail_unterminated_string(open);
    const char c = *p_;
    switch (c) {
      case 'b': buffer_.push_back('\b'); break;
      case 'f': buffer_.push_back('\f'); break;
      case 'n': buffer_.push_back('\n'); break;
      case 'r': buffer_.push_back('\r'); break;
      case 't': buffer_.push_back('\t'); break;
      case 'v': buffer_.push_back('\v'); break;
      case '0':
        if (end_ - p_ >= 2 && is_digit(p_[1])) return fail_escape(backslash, p_ + 2, "string");
        buffer_.push_back('\0');
        break;
      case 'x': {
        ++p_;
        int value = 0;
        for (int i = 0; i < 2; ++i, ++p_) {
          if (p_ == end_) return fail_unterminated_string(open);
          const int d = hex_value(*p_);
          if (d < 0) return fail_escape(backslash, p_, "string");
          value = value * 16 + d;
        }
        append_utf8(buffer_, static_cast<char32_t>(value));
        return true;
      }
      case 'u': {
        p_ = backslash;
        char32_t cp = 0;
        if (!parse_unicode_escape(cp, open, "string")) return false;
        append_utf8(buffer_, cp);
        return true;
      }
      case '\r':
        ++p_;
        if (p_ < end_ && *p_ == '\n') ++p_;
        return true;
      case '\n': break;  // a line continuation: nothing is appended
      default: {
        if (c >= '1' && c <= '9') return fail_escape(backslash, p_ + 1, "string");
        const CodePoint cp = decode_utf8(p_, end_);
        if (cp.value != 0x2028 && cp.value != 0x2029) buffer_.append(p_, cp.size);
        p_ += cp.size;
        return true;
      }
    }
    ++p_;
    return true;
  }

  // \uXXXX at p_, combining a surrogate pair into one code point. `open` is the string's opening quote,
  // or null in an unquoted key.
  bool parse_unicode_escape(char32_t& cp, const char* open, std::string_view where) {
    const char* backslash = p_;
    if (!read_hex4(cp, open, where)) return false;
    if (cp >= 0xDC00 && cp <= 0xDFFF) {
      return fail_escape(backslash, p_, where, " (a lone UTF-16 surrogate)");
    }
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      const char* high_end = p_;
      if (end_ - p_ >= 2 && p_[0] == '\\' && p_[1] == 'u') {
        char32_t low = 0;
        if (!read_hex4(low, open, where)) return false;
        if (low >= 0xDC00 && low <= 0xDFFF) {
          cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          return true;
        }
      }
      return fail_escape(backslash, high_end, where, " (a lone UTF-16 surrogate)");
    }
    return true;
  }

  // Reads `\uXXXX` at p_.
  bool read_hex4(char32_t& cp, const char* open, std::string_view where) {
    const char* backslash = p_;
    p_ += 2;
    cp = 0;
    for (int i = 0; i < 4; ++i, ++p_) {
      if (p_ == end_ && open != nullptr) return fail_unterminated_string(open);
      const int d = p_ == end_ ? -1 : hex_value(*p_);
      if (d < 0) return fail_escape(backslash, p_, where);
      cp = cp * 16 + static_cast<char32_t>(d);
    }
    return true;
  }

  // A member name: a quoted string or an ECMAScript IdentifierName. `out` views the input or key_buffer_.
  bool parse_key(std::string_view& out) {
    const char c = *p_;
    if (c == '"' || c == '\'') {
      return parse_string(out);
    }
    const bool id_start = is_ascii_id_start(c) || c == '\\' ||
                          (static_cast<unsigned char>(c) >= 0x80 && is_id_char_at(p_, end_));
    if (!id_start) {
      std::string message = "expected a key or '}', found " + describe_found(p_, end_);
      if (is_digit(c)) message += " (keys that start with a digit must be quoted)";
      return fail(std::move(message), p_);
    }
    const char* start = p_;
    bool escaped = false;
    while (p_ < end_) {
      if (*p_ == '\\') {
        if (!escaped) {
          key_buffer_.assign(start, p_);
          escaped = true;
        }
        const char* backslash = p_;
        if (end_ - p_ < 2 || p_[1] != 'u') {
          return fail_escape(backslash, std::min(p_ + 2, end_), "an unquoted key",
                             " (only \\uXXXX escapes are allowed there)");
        }
        char32_t cp = 0;
        if (!parse_unicode_escape(cp, nullptr, "an unquoted key")) return false;
        const bool first = backslash == start;
        const bool valid = cp < 0x80 ? (first ? is_ascii_id_start(static_cast<char>(cp))
                                              : is_ascii_id_part(static_cast<char>(cp)))
                                     : is_non_ascii_id_char(cp);
        if (!valid) {
          return fail("the escape " + std::string(backslash, p_) +
                          " is not allowed in an unquoted key (it is not an identifier character)",
                      backslash);
        }
        append_utf8(key_buffer_, cp);
        continue;
      }
      const char* char_start = p_;
      if (static_cast<unsigned char>(*p_) < 0x80) {
        if (!is_ascii_id_part(*p_)) break;
        ++p_;
      } else {
        const CodePoint cp = decode_utf8(p_, end_);
        if (!is_non_ascii_id_char(cp.value)) break;
        p_ += cp.size;
      }
      if (escaped) key_buffer_.append(char_start, p_);
    }
    out = escaped ? std::string_view(key_buffer_)
                  : std::string_view(start, static_cast<std::size_t>(p_ - start));
    return true;
  }

  std::string_view text_;
  const char* p_;
  const char* end_;
  const Json5Limits& limits_;
  LineCounter lines_;
  unsigned char temp_[1024];
  boost::json::value_stack stack_;
  Json5Document doc_;
  std::vector<Frame> frames_;
  std::vector<OrderEntry> order_;
  std::string pointer_;
  std::string buffer_;
  std::string key_buffer_;
  std::string error_message_;
  std::size_t error_offset_ = 0;
  std::size_t pointer_bytes_ = 0;
  std::size_t pointer_budget_ = 0;
};

}  // namespace

std::optional<SourcePos> Json5Document::position_of(std::string_view pointer) const {
  const auto it = positions.find(std::string(pointer));
  if (it == positions.end()) return std::nullopt;
  return it->second;
}

std::expected<Json5Document, Json5Error> parse_json5(std::string_view text, const Json5Limits& limits) {
  try {
    return Parser(text, limits).run();
  } catch (const std::length_error&) {
    // Boost.JSON's own size caps (about 2^31 elements or characters); only reachable with raised limits.
    return std::unexpected(Json5Error{"the document is too large to load", {}});
  }
}

std::string json_pointer_append(std::string_view base, std::string_view token) {
  std::string out;
  out.reserve(base.size() + token.size() + 1);
  out.append(base);
  append_pointer_token(out, token);
  return out;
}

}  // namespace mmclaw::config

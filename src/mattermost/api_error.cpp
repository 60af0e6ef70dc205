#include "mattermost/api_error.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <string>
#include <system_error>

#include "util/redact.hpp"
#include "util/strings.hpp"

namespace mmclaw::mattermost {

namespace {

constexpr std::string_view kUnknownError = "unknown error";
constexpr std::string_view kEllipsis = "\xE2\x80\xA6";  // …

// Finds `needle` (lower-case ASCII) in `haystack`, ignoring ASCII case.
std::size_t find_icase(std::string_view haystack, std::string_view needle, std::size_t from = 0) {
  if (needle.size() > haystack.size()) return std::string_view::npos;
  for (std::size_t i = from; i + needle.size() <= haystack.size(); ++i)
    if (util::iequals(haystack.substr(i, needle.size()), needle)) return i;
  return std::string_view::npos;
}

bool is_word_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

// Every status named as `Mattermost API <ddd>` (not followed by a word character).
template <class Visit>
void for_each_status(std::string_view text, Visit visit) {
  constexpr std::string_view kPrefix = "mattermost api ";
  for (std::size_t at = find_icase(text, kPrefix); at != std::string_view::npos;
       at = find_icase(text, kPrefix, at + 1)) {
    const std::size_t d = at + kPrefix.size();
    if (d + 3 > text.size() || !is_digit(text[d]) || !is_digit(text[d + 1]) || !is_digit(text[d + 2]))
      continue;
    if (d + 3 < text.size() && is_word_char(text[d + 3])) continue;
    const int status = (text[d] - '0') * 100 + (text[d + 1] - '0') * 10 + (text[d + 2] - '0');
    if (!visit(status)) return;
  }
}

// A cut at `max` bytes that does not split a UTF-8 sequence.
std::string_view utf8_prefix(std::string_view s, std::size_t max) noexcept {
  if (s.size() <= max) return s;
  std::size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0U) == 0x80U) --cut;
  return s.substr(0, cut);
}

// One line: control characters become spaces, runs of blanks one space, ends trimmed.
std::string one_line(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (const char c : s) {
    const bool blank = static_cast<unsigned char>(c) < 0x20 || c == ' ' || c == '\x7f';
    if (blank) {
      if (!out.empty() && out.back() != ' ') out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

// A body cut at kMaxErrorBodyBytes may end with the first part of a secret, which redact() cannot
// recognise; such a tail (4+ characters) is replaced too.
void redact_cut_secret(std::string& text, std::span<const std::string> secrets) {
  constexpr std::size_t kMinTail = 4;
  for (const auto& secret : secrets) {
    if (secret.size() <= kMinTail) continue;
    for (std::size_t k = std::min(secret.size() - 1, text.size()); k >= kMinTail; --k) {
      if (std::string_view(text).ends_with(std::string_view(secret).substr(0, k))) {
        text.resize(text.size() - k);
        text += util::kRedacted;
        break;
      }
    }
  }
}

bool looks_like_html(std::string_view body) {
  const auto trimmed = util::trim(body);
  if (trimmed.empty() || trimmed.front() != '<') return false;
  const auto head = trimmed.substr(0, 512);
  return find_icase(head, "<!doctype html") != std::string_view::npos ||
         find_icase(head, "<html") != std::string_view::npos ||
         find_icase(head, "<head") != std::string_view::npos ||
         find_icase(head, "<body") != std::string_view::npos;
}

std::string html_detail(std::string_view body) {
  std::string detail = "HTML error page";
  const auto open = find_icase(body, "<title");
  if (open == std::string_view::npos) return detail;
  const auto gt = body.find('>', open);
  if (gt == std::string_view::npos) return detail;
  const auto close = find_icase(body, "</title", gt + 1);
  if (close == std::string_view::npos) return detail;
  const std::string title = one_line(body.substr(gt + 1, close - gt - 1));
  if (!title.empty()) detail += ": " + title;
  return detail;
}

struct AppErrorFields {
  std::string id;
  std::string message;
  std::string request_id;
};

std::optional<AppErrorFields> decode_app_error(std::string_view body) {
  std::error_code ec;
  const boost::json::value value = boost::json::parse(body, ec);
  if (ec || !value.is_object()) return std::nullopt;
  const auto& obj = value.get_object();
  const auto text = [&](std::string_view key) {
    const auto* v = obj.if_contains(key);
    return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
  };
  return AppErrorFields{text("id"), text("message"), text("request_id")};
}

std::string finish_detail(std::string detail, std::span<const std::string> secrets, bool body_was_cut) {
  std::string redacted = util::redact(detail, secrets);
  if (body_was_cut) redact_cut_secret(redacted, secrets);
  std::string line = one_line(redacted);
  if (line.size() > kMaxErrorDetailBytes) {
    line = std::string(utf8_prefix(line, kMaxErrorDetailBytes));
    line += kEllipsis;
  }
  return line.empty() ? std::string(kUnknownError) : line;
}

}  // namespace

ErrorKind error_kind_for_status(int status) noexcept {
  if (status == 401) return ErrorKind::auth;
  if (status == 404) return ErrorKind::not_found;
  if (status == 429) return ErrorKind::rate_limited;
  if (status == 408 || (status >= 500 && status <= 599)) return ErrorKind::transient;
  return ErrorKind::permanent;
}

std::string_view status_text(int status) noexcept {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Payload Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "";
  }
}

ApiError api_error_from_response(int status, HeaderList headers, std::string_view body,
                                 std::span<const std::string> secrets, TimeMs now_ms) {
  const bool cut = body.size() > kMaxErrorBodyBytes;
  body = body.substr(0, kMaxErrorBodyBytes);

  ApiError result;
  std::string detail;
  if (const auto app = decode_app_error(body)) {
    result.app_error_id = app->id;
    result.request_id = app->request_id;
    detail = app->message.empty() ? std::string(body) : app->message;
  } else if (looks_like_html(body)) {
    detail = html_detail(body);
  } else {
    detail = std::string(body);
  }
  if (result.request_id.empty()) {
    if (const auto header = find_header(headers, "X-Request-Id")) result.request_id = std::string(*header);
  }
  if (status == 429) {
    auto wait = retry_after_ms(headers, now_ms);
    if (!wait) wait = ratelimit_reset_ms(headers, now_ms);
    if (wait) result.retry_after = std::chrono::milliseconds(*wait);
  }

  std::string message = "Mattermost API " + std::to_string(status);
  if (const auto text = status_text(status); !text.empty()) {
    message += ' ';
    message += text;
  }
  message += ": ";
  message += finish_detail(std::move(detail), secrets, cut);
  result.error = Error{error_kind_for_status(status), status, std::move(message)};
  return result;
}

ApiError api_error_from_transport(const Error& error, std::span<const std::string> secrets) {
  ApiError result;
  std::string message = "Mattermost API request failed: ";
  message += finish_detail(error.message, secrets, false);
  result.error = Error{error.kind, 0, std::move(message)};
  return result;
}

std::optional<int> status_from_error_text(std::string_view text) {
  std::optional<int> found;
  for_each_status(text, [&](int status) {
    found = status;
    return false;
  });
  return found;
}

std::vector<int> statuses_in_error_text(std::string_view text) {
  std::vector<int> out;
  for_each_status(text, [&](int status) {
    out.push_back(status);
    return true;
  });
  return out;
}

}  // namespace mmclaw::mattermost

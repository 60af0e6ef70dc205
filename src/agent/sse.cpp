#include "agent/sse.hpp"

#include <fmt/format.h>

#include <limits>
#include <utility>

#include "util/utf8.hpp"

namespace mmclaw::agent {

namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

// The value as the spec's UTF-8 decoder would give it (WHATWG Encoding, "UTF-8 decoder").
std::string field_value(std::string_view s) {
  return util::to_valid_utf8(s);
}

}  // namespace

SseParser::SseParser(SseLimits limits) : limits_(limits) {}

void SseParser::fail(std::string message) {
  if (error_.empty()) error_ = std::move(message);
  line_.clear();
  line_.shrink_to_fit();
  data_.clear();
  data_.shrink_to_fit();
}

std::vector<SseEvent> SseParser::feed(std::string_view bytes) {
  std::vector<SseEvent> out;
  if (failed()) return out;

  if (!bom_done_) {
    while (!bytes.empty() && bom_seen_ < kBom.size() && bytes.front() == kBom[bom_seen_]) {
      ++bom_seen_;
      bytes.remove_prefix(1);
    }
    if (bom_seen_ == kBom.size()) {
      bom_done_ = true;
    } else if (bytes.empty()) {
      return out;  // what came so far may still be a BOM
    } else {
      line_.append(kBom.substr(0, bom_seen_));  // it was not one: those bytes are text
      bom_done_ = true;
    }
  }

  std::size_t pos = 0;
  while (pos < bytes.size() && !failed()) {
    if (skip_lf_) {
      skip_lf_ = false;
      if (bytes[pos] == '\n') {
        ++pos;
        continue;
      }
    }
    const auto end = bytes.find_first_of("\r\n", pos);
    const auto piece = bytes.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
    if (line_.size() + piece.size() > limits_.max_line_bytes) {
      fail(fmt::format("SSE line longer than {} bytes", limits_.max_line_bytes));
      break;
    }
    if (end == std::string_view::npos) {
      line_.append(piece);
      break;
    }
    if (line_.empty()) {
      process_line(piece, out);
    } else {
      line_.append(piece);
      process_line(line_, out);
      line_.clear();
    }
    if (bytes[end] == '\r') skip_lf_ = true;
    pos = end + 1;
  }
  return out;
}

void SseParser::process_line(std::string_view line, std::vector<SseEvent>& out) {
  if (line.empty()) {
    dispatch(out);
    return;
  }
  if (line.front() == ':') return;  // a comment (keep-alives such as ": OPENROUTER PROCESSING")
  std::string_view field = line;
  std::string_view value;
  if (const auto colon = line.find(':'); colon != std::string_view::npos) {
    field = line.substr(0, colon);
    value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }
  if (field == "data") {
    if (data_.size() + value.size() > limits_.max_event_bytes) {
      fail(fmt::format("SSE event larger than {} bytes", limits_.max_event_bytes));
      return;
    }
    data_.append(value);
    data_ += '\n';
    event_started_ = true;
  } else if (field == "event") {
    event_type_.assign(value);
    event_started_ = true;
  } else if (field == "id") {
    if (value.find('\0') == std::string_view::npos) id_buffer_.assign(value);
    event_started_ = true;
  } else if (field == "retry") {
    if (value.empty()) return;
    std::uint64_t ms = 0;
    for (const char c : value) {
      if (c < '0' || c > '9') return;
      const auto digit = static_cast<std::uint64_t>(c - '0');
      constexpr auto kMax = std::numeric_limits<std::uint64_t>::max();
      ms = ms > (kMax - digit) / 10 ? kMax : ms * 10 + digit;  // saturates
    }
    retry_ms_ = ms;
    event_started_ = true;
  }
  // Any other field is ignored, as the spec says.
}

void SseParser::dispatch(std::vector<SseEvent>& out) {
  last_event_id_ = id_buffer_;
  event_started_ = false;
  if (data_.empty()) {
    event_type_.clear();
    return;
  }
  data_.pop_back();  // the "\n" after the last line
  SseEvent event;
  event.type = event_type_.empty() ? std::string("message") : field_value(event_type_);
  event.data = field_value(data_);
  event.last_event_id = field_value(last_event_id_);
  out.push_back(std::move(event));
  data_.clear();
  event_type_.clear();
}

SseEnd SseParser::finish() {
  SseEnd end;
  end.failed = failed();
  end.mid_event = !end.failed && (event_started_ || !line_.empty() || (!bom_done_ && bom_seen_ > 0));
  line_.clear();
  data_.clear();
  event_type_.clear();
  id_buffer_ = last_event_id_;
  error_.clear();
  bom_seen_ = 0;
  bom_done_ = false;
  skip_lf_ = false;
  event_started_ = false;
  return end;
}

}  // namespace mmclaw::agent

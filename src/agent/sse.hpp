#pragma once
// An incremental Server-Sent Events parser (WHATWG HTML "Server-sent events", §9.2.6 "Interpreting
// an event stream"), the framing under every streaming model API. Pure: bytes in, events out.
//
// The bytes may be split anywhere (inside a UTF-8 sequence, between the CR and LF of a CRLF).
// Lines end in LF, CR or CRLF; a UTF-8 BOM at the very start is skipped; `data:` lines are joined
// with "\n"; `event:`, `id:` (ignored when it contains NUL) and `retry:` (digits only) are kept;
// lines starting with `:` are comments; one space after the colon is stripped; a blank line
// dispatches the event, unless no `data` line was seen. Invalid UTF-8 in a field value becomes
// U+FFFD, as the spec's decoder does. Memory is bounded: a line longer than max_line_bytes or an
// event whose data grows past max_event_bytes puts the parser in a sticky error state.
// Not thread-safe; one parser per response body.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mmclaw::agent {

struct SseEvent {
  std::string type;           // the `event:` field, or "message" when there was none
  std::string data;           // the `data:` lines joined with "\n"
  std::string last_event_id;  // the last `id:` seen so far (sticky across events, per the spec)
  bool operator==(const SseEvent&) const = default;
};

struct SseLimits {
  std::size_t max_event_bytes = 4 * 1024 * 1024;  // an event's data (joined lines)
  std::size_t max_line_bytes = 4 * 1024 * 1024;   // one line, without its terminator
};

// How the stream ended, from finish().
struct SseEnd {
  // Bytes of an event had arrived without the blank line that dispatches it: a partial line, or
  // `data`/`event`/`id`/`retry` lines since the last dispatch. The event is dropped (per spec);
  // the caller decides whether that makes the stream broken.
  bool mid_event = false;
  bool failed = false;  // the parser was in its error state (see SseParser::error())
  bool operator==(const SseEnd&) const = default;
};

class SseParser {
 public:
  explicit SseParser(SseLimits limits = {});

  // Consumes the next bytes and returns the events they completed, in order. After an error
  // (failed()), returns nothing and ignores its input.
  std::vector<SseEvent> feed(std::string_view bytes);

  // The end of the stream. An event not ended by a blank line is not dispatched. The parser is
  // reset for reuse afterwards except for last_event_id() and retry_ms().
  SseEnd finish();

  bool failed() const noexcept { return !error_.empty(); }
  // Why the parser stopped ("SSE line longer than 4194304 bytes"), or "".
  const std::string& error() const noexcept { return error_; }

  const std::string& last_event_id() const noexcept { return last_event_id_; }
  // The last valid `retry:` value (the reconnection time the server asks for, in ms).
  std::optional<std::uint64_t> retry_ms() const noexcept { return retry_ms_; }
  const SseLimits& limits() const noexcept { return limits_; }

 private:
  void process_line(std::string_view line, std::vector<SseEvent>& out);
  void dispatch(std::vector<SseEvent>& out);
  void fail(std::string message);

  SseLimits limits_;
  std::string line_;           // the current line, not yet terminated
  std::string data_;           // the data buffer of the event being built (each line + "\n")
  std::string event_type_;     // the event type buffer
  std::string id_buffer_;      // the last event ID buffer
  std::string last_event_id_;  // set on dispatch
  std::optional<std::uint64_t> retry_ms_;
  std::string error_;
  std::size_t bom_seen_ = 0;    // bytes of a leading BOM matched so far
  bool bom_done_ = false;       // past the point where a BOM may appear
  bool skip_lf_ = false;        // the previous byte was a CR that ended a line
  bool event_started_ = false;  // a field line arrived since the last dispatch
};

}  // namespace mmclaw::agent

#pragma once
// llmsim's run state, read and changed through the control endpoint: the settings (defaults under
// every directive, forced failures, the model list), the log of requests received (bounded), and
// the counters behind `fail.times`. Pure code, no I/O; time is passed in. Not thread-safe (the
// server runs on one thread).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "llmsim/directive.hpp"

namespace llmsim {

struct Settings {
  Directive defaults;                 // under every message's directive
  std::optional<FailSpec> fail_next;  // forced failures for the next `fail_next_count` model requests
  unsigned fail_next_count = 0;
  std::vector<std::string> models{"sim-chat"};
};

struct RecordedRequest {
  std::uint64_t seq = 0;  // assigned by record()
  std::chrono::system_clock::time_point time;
  std::string method;
  std::string target;
  std::vector<std::pair<std::string, std::string>> headers;  // secrets already redacted
  std::string body;
};

class State {
 public:
  // Keeps at most `max_requests` requests and `max_body_bytes` of their bodies, dropping the oldest.
  explicit State(std::size_t max_requests = 1000, std::size_t max_body_bytes = 64 * 1024 * 1024);

  void record(RecordedRequest request);
  // {"requests":[{seq,time,method,target,path,headers{},body,json?}], "dropped": N}: requests with
  // seq > since, oldest first; `json` holds the parsed body when it is JSON.
  [[nodiscard]] std::string requests_json(std::uint64_t since = 0) const;
  [[nodiscard]] std::size_t request_count() const { return requests_.size(); }

  // Settings: a JSON object with any of "defaults" (a directive object; replaces the defaults),
  // "fail_next" ({"count", "status", "retry_after", "message"}; count 0 clears) and "models" (a
  // non-empty list of ids). Keys not given keep their value. Errors name the key.
  Result<void> apply_settings(std::string_view json_text);
  [[nodiscard]] std::string settings_json() const;
  [[nodiscard]] const Settings& settings() const { return settings_; }

  // Back to the start: no requests, default settings, counters cleared.
  void reset();

  // Whether this model request fails, and how: a forced failure (settings.fail_next) first, then
  // the directive's own. A directive failure with `times` fails the first N requests that carry
  // the same directive text (`directive_source`), then lets them through.
  std::optional<FailSpec> take_failure(const Directive& merged, std::string_view directive_source);

  // Numbers responses (for ids), from 1.
  std::uint64_t next_response_seq() { return ++response_seq_; }

 private:
  std::size_t max_requests_;
  std::size_t max_body_bytes_;
  Settings settings_;
  std::deque<RecordedRequest> requests_;
  std::size_t body_bytes_ = 0;
  std::uint64_t next_seq_ = 1;
  std::uint64_t dropped_ = 0;
  std::uint64_t response_seq_ = 0;
  std::map<std::string, unsigned, std::less<>> failures_seen_;
};

// Header names whose values never go into the request log.
bool is_secret_header(std::string_view name);

}  // namespace llmsim

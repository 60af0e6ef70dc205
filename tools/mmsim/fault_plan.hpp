#pragma once
// Route faults for mmsim's control API: fail the next N calls of a route with a status (and
// Retry-After), or delay a route. Pure: the server asks for a decision per request and applies it.
//
// Route patterns match the request path segment by segment: `*` matches one segment, `**` the
// rest of the path; "GET /api/v4/posts/*" or "* /api/v4/users/**". A method of "*" matches any.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mmsim {

struct FaultDecision {
  std::optional<int> fail_status;          // answer with this status instead of handling the request
  std::optional<int> retry_after_seconds;  // with `Retry-After` (429 and 503 in practice)
  std::chrono::milliseconds delay{0};      // wait this long before handling (or failing)
};

class FaultPlan {
 public:
  // Fails the next `count` matching requests. Returns false when the pattern is malformed.
  bool fail_next(std::string_view method, std::string_view path_pattern, int count, int status,
                 std::optional<int> retry_after_seconds = std::nullopt);
  // Delays matching requests; `count` < 0 means until cleared.
  bool delay(std::string_view method, std::string_view path_pattern, std::chrono::milliseconds delay,
             int count = -1);
  void clear();

  // The decision for one request; consumes one use of each matching rule.
  FaultDecision on_request(std::string_view method, std::string_view path);

  [[nodiscard]] std::size_t active_rules() const { return rules_.size(); }

 private:
  struct Rule {
    std::string method;
    std::vector<std::string> pattern;
    int remaining = 0;  // < 0 = unlimited
    std::optional<int> fail_status;
    std::optional<int> retry_after_seconds;
    std::chrono::milliseconds delay{0};
  };
  bool add(Rule rule, std::string_view path_pattern);

  std::vector<Rule> rules_;
};

// Whether `path` matches the segment pattern (exposed for tests).
bool route_matches(const std::vector<std::string>& pattern, std::string_view path);

}  // namespace mmsim

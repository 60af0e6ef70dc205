#include "mmsim/fault_plan.hpp"

#include <algorithm>

namespace mmsim {

namespace {

std::vector<std::string_view> segments(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t start = path.starts_with('/') ? 1 : 0;
  while (start <= path.size()) {
    const auto slash = path.find('/', start);
    const auto end = slash == std::string_view::npos ? path.size() : slash;
    out.push_back(path.substr(start, end - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return out;
}

bool method_matches(std::string_view rule, std::string_view method) {
  return rule == "*" || rule == method;
}

}  // namespace

bool route_matches(const std::vector<std::string>& pattern, std::string_view path) {
  const auto parts = segments(path);
  std::size_t i = 0;
  for (; i < pattern.size(); ++i) {
    if (pattern[i] == "**") return true;
    if (i >= parts.size()) return false;
    if (pattern[i] != "*" && pattern[i] != parts[i]) return false;
  }
  return i == parts.size();
}

bool FaultPlan::add(Rule rule, std::string_view path_pattern) {
  if (!path_pattern.starts_with('/') || rule.method.empty()) return false;
  for (auto part : segments(path_pattern)) {
    if (part.empty() && part.data() != path_pattern.data() + path_pattern.size()) return false;
    rule.pattern.emplace_back(part);
  }
  // `**` is only meaningful as the last segment.
  const auto globstar = std::find(rule.pattern.begin(), rule.pattern.end(), "**");
  if (globstar != rule.pattern.end() && globstar + 1 != rule.pattern.end()) return false;
  rules_.push_back(std::move(rule));
  return true;
}

bool FaultPlan::fail_next(std::string_view method, std::string_view path_pattern, int count, int status,
                          std::optional<int> retry_after_seconds) {
  if (count <= 0 || status < 100 || status > 599) return false;
  Rule rule;
  rule.method = std::string(method);
  rule.remaining = count;
  rule.fail_status = status;
  rule.retry_after_seconds = retry_after_seconds;
  return add(std::move(rule), path_pattern);
}

bool FaultPlan::delay(std::string_view method, std::string_view path_pattern, std::chrono::milliseconds delay,
                      int count) {
  if (delay.count() < 0 || count == 0) return false;
  Rule rule;
  rule.method = std::string(method);
  rule.remaining = count;
  rule.delay = delay;
  return add(std::move(rule), path_pattern);
}

void FaultPlan::clear() {
  rules_.clear();
}

FaultDecision FaultPlan::on_request(std::string_view method, std::string_view path) {
  FaultDecision decision;
  for (auto& rule : rules_) {
    if (rule.remaining == 0 || !method_matches(rule.method, method) || !route_matches(rule.pattern, path))
      continue;
    if (rule.fail_status && !decision.fail_status) {
      decision.fail_status = rule.fail_status;
      decision.retry_after_seconds = rule.retry_after_seconds;
    } else if (rule.fail_status) {
      continue;  // one failure per request; a later rule keeps its count
    }
    decision.delay += rule.delay;
    if (rule.remaining > 0) --rule.remaining;
  }
  std::erase_if(rules_, [](const Rule& r) { return r.remaining == 0; });
  return decision;
}

}  // namespace mmsim

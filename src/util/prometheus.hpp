#pragma once
// The Prometheus text exposition format (version 0.0.4), written by hand: `# HELP` and `# TYPE`
// lines per family, samples with escaped labels, histograms with cumulative `_bucket{le=...}`,
// `_sum` and `_count`. Pure; the gateway's /metrics fills it from its counters. Label values are
// escaped, never trusted: no message text or secret belongs in one (the caller's rule).

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mmclaw::util {

using MetricLabels = std::vector<std::pair<std::string, std::string>>;

enum class MetricType { counter, gauge, histogram };

// Observations counted into fixed buckets (upper bounds, ascending; +Inf is implicit).
struct Histogram {
  explicit Histogram(std::vector<double> upper_bounds);
  void observe(double value);
  std::vector<double> bounds;
  std::vector<std::uint64_t> counts;  // per bucket, not cumulative; one more for +Inf
  double sum = 0;
  std::uint64_t count = 0;
};

// `\` → `\\`, `"` → `\"`, newline → `\n`.
std::string escape_label_value(std::string_view value);
// Whole numbers without a fraction (`3`), others shortest round-trip (`0.25`), `+Inf`, `-Inf`, `NaN`.
std::string format_metric_value(double value);
// [a-zA-Z_:][a-zA-Z0-9_:]* (metric names) — label names must also not contain `:`.
bool valid_metric_name(std::string_view name);

class PrometheusText {
 public:
  // Starts a family: its HELP (escaped: `\` and newline) and TYPE lines. Throws
  // std::invalid_argument for an invalid name (a bug, not an input).
  void family(std::string_view name, MetricType type, std::string_view help);
  // A counter or gauge sample of the current family.
  void sample(const MetricLabels& labels, double value);
  // A histogram of the current family: cumulative buckets, then _sum and _count.
  void histogram(const MetricLabels& labels, const Histogram& histogram);

  const std::string& text() const { return out_; }

 private:
  void line(std::string_view suffix, const MetricLabels& labels, std::string_view extra_label,
            std::string_view extra_value, double value);
  std::string out_;
  std::string current_;
};

}  // namespace mmclaw::util

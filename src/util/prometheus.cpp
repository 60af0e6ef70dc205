#include "util/prometheus.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

namespace mmclaw::util {

namespace {

bool name_char(char c, bool first, bool allow_colon) {
  const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  if (letter || (allow_colon && c == ':')) return true;
  return !first && c >= '0' && c <= '9';
}

bool valid_label_name(std::string_view name) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i)
    if (!name_char(name[i], i == 0, false)) return false;
  return true;
}

std::string escape_help(std::string_view help) {
  std::string out;
  for (const char c : help) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string_view type_name(MetricType type) {
  switch (type) {
    case MetricType::counter: return "counter";
    case MetricType::gauge: return "gauge";
    case MetricType::histogram: return "histogram";
  }
  return "untyped";
}

}  // namespace

Histogram::Histogram(std::vector<double> upper_bounds) : bounds(std::move(upper_bounds)), counts(bounds.size() + 1, 0) {
  std::sort(bounds.begin(), bounds.end());
}

void Histogram::observe(double value) {
  const auto at = std::lower_bound(bounds.begin(), bounds.end(), value);
  ++counts[static_cast<std::size_t>(at - bounds.begin())];
  sum += value;
  ++count;
}

std::string escape_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string format_metric_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value == std::floor(value) && std::fabs(value) < 1e15) return fmt::format("{}", static_cast<long long>(value));
  return fmt::format("{}", value);
}

bool valid_metric_name(std::string_view name) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i)
    if (!name_char(name[i], i == 0, true)) return false;
  return true;
}

void PrometheusText::family(std::string_view name, MetricType type, std::string_view help) {
  if (!valid_metric_name(name)) throw std::invalid_argument(fmt::format("invalid metric name \"{}\"", name));
  current_ = std::string(name);
  out_ += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, escape_help(help), name, type_name(type));
}

void PrometheusText::line(std::string_view suffix, const MetricLabels& labels, std::string_view extra_label,
                          std::string_view extra_value, double value) {
  out_ += current_;
  out_ += suffix;
  if (!labels.empty() || !extra_label.empty()) {
    out_ += '{';
    bool first = true;
    for (const auto& [name, label_value] : labels) {
      if (!valid_label_name(name)) throw std::invalid_argument(fmt::format("invalid label name \"{}\"", name));
      out_ += fmt::format("{}{}=\"{}\"", first ? "" : ",", name, escape_label_value(label_value));
      first = false;
    }
    if (!extra_label.empty()) out_ += fmt::format("{}{}=\"{}\"", first ? "" : ",", extra_label, extra_value);
    out_ += '}';
  }
  out_ += ' ';
  out_ += format_metric_value(value);
  out_ += '\n';
}

void PrometheusText::sample(const MetricLabels& labels, double value) {
  line("", labels, "", "", value);
}

void PrometheusText::histogram(const MetricLabels& labels, const Histogram& histogram) {
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < histogram.bounds.size(); ++i) {
    cumulative += histogram.counts[i];
    line("_bucket", labels, "le", format_metric_value(histogram.bounds[i]), static_cast<double>(cumulative));
  }
  line("_bucket", labels, "le", "+Inf", static_cast<double>(histogram.count));
  line("_sum", labels, "", "", histogram.sum);
  line("_count", labels, "", "", static_cast<double>(histogram.count));
}

}  // namespace mmclaw::util

// The Prometheus text format writer (util/prometheus): families, escaping, values, histograms.

#include "util/prometheus.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <stdexcept>

namespace mmclaw::util {
namespace {

TEST(PrometheusText, CounterAndGaugeFamiliesWithLabels) {
  PrometheusText text;
  text.family("mmclaw_turns_total", MetricType::counter, "Turns by outcome.");
  text.sample({{"account", "default"}, {"outcome", "answered"}}, 3);
  text.sample({{"account", "default"}, {"outcome", "failed"}}, 0);
  text.family("mmclaw_up", MetricType::gauge, "1 while the process runs.");
  text.sample({}, 1);
  EXPECT_EQ(text.text(),
            "# HELP mmclaw_turns_total Turns by outcome.\n"
            "# TYPE mmclaw_turns_total counter\n"
            "mmclaw_turns_total{account=\"default\",outcome=\"answered\"} 3\n"
            "mmclaw_turns_total{account=\"default\",outcome=\"failed\"} 0\n"
            "# HELP mmclaw_up 1 while the process runs.\n"
            "# TYPE mmclaw_up gauge\n"
            "mmclaw_up 1\n");
}

TEST(PrometheusText, LabelValuesAndHelpAreEscaped) {
  EXPECT_EQ(escape_label_value("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
  PrometheusText text;
  text.family("x", MetricType::gauge, "two\nlines \\ here");
  text.sample({{"route", "/api/v4/posts/{id}"}}, 2);
  EXPECT_EQ(text.text(), "# HELP x two\\nlines \\\\ here\n# TYPE x gauge\nx{route=\"/api/v4/posts/{id}\"} 2\n");
}

TEST(PrometheusText, ValuesAreWrittenAsPrometheusReadsThem) {
  EXPECT_EQ(format_metric_value(0), "0");
  EXPECT_EQ(format_metric_value(12345), "12345");
  EXPECT_EQ(format_metric_value(-2), "-2");
  EXPECT_EQ(format_metric_value(0.25), "0.25");
  EXPECT_EQ(format_metric_value(1e20), "1e+20");
  EXPECT_EQ(format_metric_value(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(format_metric_value(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(format_metric_value(std::nan("")), "NaN");
}

TEST(PrometheusText, HistogramBucketsAreCumulativeWithSumAndCount) {
  Histogram h({0.5, 0.1, 1});
  EXPECT_EQ(h.bounds, (std::vector<double>{0.1, 0.5, 1}));
  for (const double v : {0.0625, 0.5, 0.25, 2.0}) h.observe(v);  // 0.5 counts in le="0.5"
  PrometheusText text;
  text.family("mmclaw_model_first_token_seconds", MetricType::histogram, "Time to the first token.");
  text.histogram({{"model", "llmsim/alpha"}}, h);
  EXPECT_EQ(text.text(),
            "# HELP mmclaw_model_first_token_seconds Time to the first token.\n"
            "# TYPE mmclaw_model_first_token_seconds histogram\n"
            "mmclaw_model_first_token_seconds_bucket{model=\"llmsim/alpha\",le=\"0.1\"} 1\n"
            "mmclaw_model_first_token_seconds_bucket{model=\"llmsim/alpha\",le=\"0.5\"} 3\n"
            "mmclaw_model_first_token_seconds_bucket{model=\"llmsim/alpha\",le=\"1\"} 3\n"
            "mmclaw_model_first_token_seconds_bucket{model=\"llmsim/alpha\",le=\"+Inf\"} 4\n"
            "mmclaw_model_first_token_seconds_sum{model=\"llmsim/alpha\"} 2.8125\n"
            "mmclaw_model_first_token_seconds_count{model=\"llmsim/alpha\"} 4\n");
}

TEST(PrometheusText, InvalidNamesAreBugs) {
  EXPECT_TRUE(valid_metric_name("mmclaw:rest_calls_total"));
  EXPECT_FALSE(valid_metric_name("1abc"));
  EXPECT_FALSE(valid_metric_name("a-b"));
  EXPECT_FALSE(valid_metric_name(""));
  PrometheusText text;
  EXPECT_THROW(text.family("bad-name", MetricType::counter, ""), std::invalid_argument);
  text.family("ok", MetricType::counter, "");
  EXPECT_THROW(text.sample({{"bad:label", "v"}}, 1), std::invalid_argument);
}

}  // namespace
}  // namespace mmclaw::util

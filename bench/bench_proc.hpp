#pragma once
// Small helpers the process benchmarks share: percentiles of a sample and a process's memory
// figures from /proc.

#include <sys/types.h>

#include <algorithm>
#include <cstddef>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

namespace mmclaw::bench {

// The p-quantile (0..1) of `values`, nearest rank; 0 for no values.
inline double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const auto index = static_cast<std::size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(index, values.size() - 1)];
}

// A "Vm..." (or other "Key:  N kB") line of /proc/<pid>/status, in KiB; -1 when absent.
inline long status_kib(pid_t pid, std::string_view key) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.starts_with(key) && line.size() > key.size() && line[key.size()] == ':')
      return std::stol(line.substr(key.size() + 1));
  return -1;
}

}  // namespace mmclaw::bench

#pragma once
// Command-line options of the process benchmarks: `--name value` pairs, integers or strings.

#include <initializer_list>
#include <iostream>
#include <stdexcept>
#include <string>
#include <string_view>

namespace mmclaw::bench {

struct IntOption {
  std::string_view name;
  int* target;
};
struct StringOption {
  std::string_view name;
  std::string* target;
};

// Fills the targets from argv; on an unknown option, a missing or bad value, or an integer below
// 1, prints why and `usage` to stderr and returns false.
inline bool parse_options(int argc, char** argv, std::initializer_list<IntOption> ints,
                          std::initializer_list<StringOption> strings, std::string_view program,
                          std::string_view usage) {
  try {
    for (int i = 1; i < argc; ++i) {
      const std::string_view arg = argv[i];
      if (i + 1 >= argc) throw std::invalid_argument(std::string(arg) + " needs a value");
      const std::string value = argv[++i];
      bool known = false;
      for (const auto& option : ints)
        if (option.name == arg) {
          *option.target = std::stoi(value);
          if (*option.target < 1) throw std::invalid_argument(std::string(arg) + " must be at least 1");
          known = true;
        }
      for (const auto& option : strings)
        if (option.name == arg) {
          *option.target = value;
          known = true;
        }
      if (!known) throw std::invalid_argument("unknown option " + std::string(arg));
    }
    return true;
  } catch (const std::exception& e) {
    std::cerr << program << ": " << e.what() << "\nusage: " << usage << "\n";
    return false;
  }
}

}  // namespace mmclaw::bench

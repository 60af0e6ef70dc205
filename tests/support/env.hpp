#pragma once
// A fixed environment for config code under test: only the variables given exist.

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "config/env_subst.hpp"

namespace mmclaw::test {

inline config::EnvLookup env_of(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    if (auto it = vars.find(std::string(name)); it != vars.end()) return it->second;
    return std::nullopt;
  };
}

}  // namespace mmclaw::test

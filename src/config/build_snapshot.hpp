#pragma once
// Builds the immutable Snapshot from a validated configuration tree and the environment:
// account listing and merge, defaults, third-party key mapping, secret resolution, and the
// checks that need the resolved values (§1.3 start-up errors, §1.5 dmPolicy/allowFrom rule).

#include <filesystem>
#include <optional>
#include <set>
#include <string>

#include <boost/json/fwd.hpp>

#include "config/env_subst.hpp"
#include "config/issues.hpp"
#include "config/snapshot.hpp"

namespace mmclaw::config {

struct BuildInputs {
  const boost::json::value* root = nullptr;  // validated, env-substituted
  std::set<std::string> env_substituted;     // pointers that took text from ${VAR}
  EnvLookup env;
  std::filesystem::path source_path;  // the config file (relative store paths start at its folder)
  std::filesystem::path home;
  // Strict: every enabled account's secrets must resolve (gateway, `config check`). Lenient
  // (`config show` of a broken file): unresolved secrets are reported and left empty.
  bool resolve_secrets = true;
};

// Returns the snapshot, or nullopt when `issues` gained errors.
std::optional<Snapshot> build_snapshot(const BuildInputs& inputs, IssueList& issues);

}  // namespace mmclaw::config

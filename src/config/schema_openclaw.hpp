#pragma once
// The schema of the openclaw.json sections mmclaw reads. The defaults live with the snapshot
// builder (build_snapshot.cpp); docs/configuration.md documents both, and a unit test checks that
// every key here appears in the docs.

#include "config/schema.hpp"

namespace mmclaw::config {

const SchemaNode& openclaw_schema();            // the whole file
const SchemaNode& mattermost_account_schema();  // one account object (also the top level's base)

// Grammar checks shared with secret resolution (OpenClaw's SecretRef contract).
bool is_secret_provider_name(std::string_view name);
bool is_env_var_name(std::string_view name);  // ^[A-Z][A-Z0-9_]{0,127}$

}  // namespace mmclaw::config

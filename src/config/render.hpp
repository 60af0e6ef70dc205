#pragma once
// Human and JSON views of a resolved snapshot: the one-line summaries of `mmclaw config check`
// and the JSON of `mmclaw config show`. Secrets appear only as "***" with their source.

#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "config/snapshot.hpp"

namespace mmclaw::config {

std::string_view to_string(ValueSource source) noexcept;
std::string_view to_string(DmPolicy v) noexcept;
std::string_view to_string(GroupPolicy v) noexcept;
std::string_view to_string(ChatMode v) noexcept;
std::string_view to_string(StreamingMode v) noexcept;

// `account "ops": enabled, https://chat.example.com (config), token from env, dmPolicy=pairing, ...`
std::string summarize_account(const AccountConfig& account, bool is_default);

boost::json::object render_account(const AccountConfig& account);
boost::json::object render_snapshot(const Snapshot& snapshot);

}  // namespace mmclaw::config

#include "mattermost/targets.hpp"

#include <fmt/format.h>

#include "util/strings.hpp"

namespace mmclaw::mattermost {

namespace {

constexpr std::size_t kIdLength = 26;

bool is_ascii_alnum(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// 26 ASCII letters or digits, either case.
bool is_alnum26(std::string_view s) noexcept {
  if (s.size() != kIdLength) return false;
  for (const char c : s) {
    if (!is_ascii_alnum(c)) return false;
  }
  return true;
}

// The trimmed value after `prefix` (matched case-insensitively), or nullopt without the prefix.
std::optional<std::string_view> value_after(std::string_view s, std::string_view prefix) noexcept {
  if (!util::starts_with_icase(s, prefix)) return std::nullopt;
  return util::trim(s.substr(prefix.size()));
}

std::expected<Target, std::string> parse_channel_value(std::string_view value) {
  if (value.empty()) return std::unexpected(std::string(kChannelIdRequired));
  if (value.front() == '#') {
    const std::string_view name = util::trim(value.substr(1));
    if (name.empty()) return std::unexpected(std::string(kChannelNameRequired));
    return Target{Target::Kind::channel_name, std::string(name)};
  }
  if (is_mattermost_id(value)) return Target{Target::Kind::channel_id, std::string(value)};
  return Target{Target::Kind::channel_name, std::string(value)};
}

}  // namespace

bool looks_like_target_id(std::string_view raw) noexcept {
  const std::string_view s = util::trim(raw);
  if (s.empty()) return false;
  for (const std::string_view prefix : {"user:", "channel:", "group:", "mattermost:"}) {
    if (util::starts_with_icase(s, prefix)) return true;
  }
  if (s.front() == '@') return true;
  if (is_alnum26(s)) return true;
  return s.size() == 2 * kIdLength + 2 && is_alnum26(s.substr(0, kIdLength)) &&
         s.substr(kIdLength, 2) == "__" && is_alnum26(s.substr(kIdLength + 2));
}

std::optional<std::string> normalize_target(std::string_view raw) {
  const std::string_view s = util::trim(raw);
  if (s.empty()) return std::nullopt;
  struct Form {
    std::string_view prefix;
    std::string_view canonical;
  };
  static constexpr Form kForms[] = {
      {"channel:", "channel:"},
      {"group:", "channel:"},
      {"user:", "user:"},
      {"mattermost:", "user:"},
  };
  for (const Form& form : kForms) {
    if (const auto value = value_after(s, form.prefix)) {
      if (value->empty()) return std::nullopt;
      return fmt::format("{}{}", form.canonical, *value);
    }
  }
  if (s.front() == '@') {
    const std::string_view name = util::trim(s.substr(1));
    if (name.empty()) return std::nullopt;
    return fmt::format("@{}", name);
  }
  // `#name` and bare names or ids need the directory (or the probe): not normalisable.
  return std::nullopt;
}

std::expected<Target, std::string> parse_target(std::string_view raw) {
  const std::string_view s = util::trim(raw);
  if (s.empty()) return std::unexpected(std::string(kRecipientRequired));

  if (const auto value = value_after(s, "channel:")) return parse_channel_value(*value);
  if (const auto value = value_after(s, "group:")) return parse_channel_value(*value);
  for (const std::string_view prefix : {"user:", "mattermost:"}) {
    if (const auto value = value_after(s, prefix)) {
      if (value->empty()) return std::unexpected(std::string(kUserIdRequired));
      return Target{Target::Kind::user_id, std::string(*value)};
    }
  }
  if (s.front() == '@') {
    const std::string_view name = util::trim(s.substr(1));
    if (name.empty()) return std::unexpected(std::string(kUsernameRequired));
    return Target{Target::Kind::username, std::string(name)};
  }
  if (s.front() == '#') {
    const std::string_view name = util::trim(s.substr(1));
    if (name.empty()) return std::unexpected(std::string(kChannelNameRequired));
    return Target{Target::Kind::channel_name, std::string(name)};
  }
  if (is_mattermost_id(s)) return Target{Target::Kind::opaque_id, std::string(s)};
  return Target{Target::Kind::channel_name, std::string(s)};
}

std::string channel_not_found_error(std::string_view name) {
  return fmt::format("Mattermost channel \"#{}\" not found in any team the bot belongs to", name);
}

ProbeStep after_user_probe(ProbeResult result) noexcept {
  switch (result) {
    case ProbeResult::found: return {ProbeStep::Action::resolved, OpaqueTargetKind::user, true};
    case ProbeResult::not_found: return {ProbeStep::Action::probe_channel, OpaqueTargetKind::channel, false};
    case ProbeResult::failed: break;
  }
  return {ProbeStep::Action::resolved, OpaqueTargetKind::channel, false};
}

ProbeStep after_channel_probe(ProbeResult result, std::optional<ChannelType> channel_type) noexcept {
  if (result != ProbeResult::found) {
    return {ProbeStep::Action::resolved, OpaqueTargetKind::channel, false};
  }
  const bool group = channel_type == ChannelType::group || channel_type == ChannelType::private_team;
  return {ProbeStep::Action::resolved, group ? OpaqueTargetKind::group : OpaqueTargetKind::channel, true};
}

std::string opaque_target_string(OpaqueTargetKind kind, std::string_view id) {
  return fmt::format("{}{}", kind == OpaqueTargetKind::user ? "user:" : "channel:", id);
}

}  // namespace mmclaw::mattermost

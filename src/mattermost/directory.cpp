#include "mattermost/directory.hpp"

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "util/strings.hpp"
#include "util/utf8.hpp"

namespace mmclaw::mattermost {

namespace {

bool seen_before(std::vector<std::string>& seen, const std::string& id) {
  if (std::find(seen.begin(), seen.end(), id) != seen.end()) return true;
  seen.push_back(id);
  return false;
}

bool limit_reached(std::size_t count, std::size_t limit) {
  return limit != 0 && count >= limit;
}

// Code points, so a display name with accents does not push its column out of line.
std::size_t display_width(std::string_view text) {
  std::size_t width = 0;
  for (std::size_t i = 0; i < text.size(); ++width) {
    const auto step = util::utf8_step(text, i);
    i += step.length != 0 ? step.length : std::max<std::size_t>(step.invalid, 1);
  }
  return width;
}

}  // namespace

std::string_view to_string(DirectoryEntry::Kind kind) noexcept {
  switch (kind) {
    case DirectoryEntry::Kind::channel: return "channel";
    case DirectoryEntry::Kind::group: return "group";
    case DirectoryEntry::Kind::user: return "user";
  }
  return "";
}

std::string normalize_directory_query(std::string_view query) {
  return util::to_lower(util::trim(query));
}

bool matches_directory_query(std::string_view query, std::string_view name, std::string_view display_name) {
  if (query.empty()) return true;
  return util::to_lower(name).find(query) != std::string::npos ||
         util::to_lower(display_name).find(query) != std::string::npos;
}

std::string user_handle(const User& user) {
  const std::string_view first = util::trim(user.first_name);
  const std::string_view last = util::trim(user.last_name);
  if (!first.empty() && !last.empty()) return fmt::format("{} {}", first, last);
  if (!first.empty() || !last.empty()) return std::string(first.empty() ? last : first);
  return std::string(util::trim(user.nickname));
}

std::optional<DirectoryEntry> channel_entry(const Channel& channel) {
  if (channel.delete_at != 0 || !channel.type) return std::nullopt;
  DirectoryEntry entry;
  switch (*channel.type) {
    case ChannelType::open: entry.kind = DirectoryEntry::Kind::channel; break;
    case ChannelType::private_team: entry.kind = DirectoryEntry::Kind::group; break;
    case ChannelType::direct:
    case ChannelType::group: return std::nullopt;
  }
  entry.id = "channel:" + channel.id;
  entry.name = channel.name;
  entry.handle = channel.display_name;
  return entry;
}

DirectoryEntry user_entry(const User& user) {
  DirectoryEntry entry;
  entry.kind = DirectoryEntry::Kind::user;
  entry.id = "user:" + user.id;
  entry.name = user.username;
  entry.handle = user_handle(user);
  return entry;
}

std::vector<DirectoryEntry> channel_entries(std::span<const Channel> channels, std::string_view query,
                                            std::size_t limit) {
  const std::string needle = normalize_directory_query(query);
  std::vector<DirectoryEntry> out;
  std::vector<std::string> seen;
  for (const auto& channel : channels) {
    if (limit_reached(out.size(), limit)) break;
    auto entry = channel_entry(channel);
    if (!entry || !matches_directory_query(needle, channel.name, channel.display_name)) continue;
    if (seen_before(seen, channel.id)) continue;
    out.push_back(std::move(*entry));
  }
  return out;
}

std::vector<DirectoryEntry> user_entries(std::span<const User> users, std::string_view self_id,
                                         std::size_t limit) {
  std::vector<DirectoryEntry> out;
  std::vector<std::string> seen;
  for (const auto& user : users) {
    if (limit_reached(out.size(), limit)) break;
    if (user.id == self_id || user.delete_at != 0 || seen_before(seen, user.id)) continue;
    out.push_back(user_entry(user));
  }
  return out;
}

std::vector<std::string> member_ids_to_fetch(std::span<const TeamMember> members, std::string_view self_id,
                                             std::vector<std::string>& seen) {
  std::vector<std::string> out;
  for (const auto& member : members) {
    if (member.user_id == self_id || member.delete_at != 0 || seen_before(seen, member.user_id)) continue;
    out.push_back(member.user_id);
  }
  return out;
}

boost::json::object to_json(const DirectoryEntry& entry) {
  boost::json::object object;
  object["kind"] = to_string(entry.kind);
  object["id"] = entry.id;
  object["name"] = entry.name;
  object["handle"] = entry.handle;
  return object;
}

boost::json::array to_json(std::span<const DirectoryEntry> entries) {
  boost::json::array array;
  array.reserve(entries.size());
  for (const auto& entry : entries) array.push_back(to_json(entry));
  return array;
}

std::string directory_table(std::span<const DirectoryEntry> entries, std::string_view empty_text) {
  if (entries.empty()) return fmt::format("{}\n", empty_text);
  using Row = std::array<std::string_view, 4>;
  std::vector<Row> rows;
  rows.push_back({"KIND", "ID", "NAME", "HANDLE"});
  for (const auto& entry : entries)
    rows.push_back({to_string(entry.kind), entry.id, entry.name, entry.handle});
  std::array<std::size_t, 4> widths{};
  for (const auto& row : rows)
    for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], display_width(row[i]));
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line.append(widths[i] - display_width(row[i]) + 2, ' ');
    }
    // An empty last column (a user without a handle) leaves no trailing blanks.
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line;
    out += '\n';
  }
  return out;
}

}  // namespace mmclaw::mattermost

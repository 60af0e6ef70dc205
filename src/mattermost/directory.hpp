#pragma once
// The directory adapter's pure part (channel-behaviour §11): Mattermost channels and users turned
// into directory entries (what `mmclaw directory` prints and what a send target can be built from),
// the query filter, de-duplication, the limit, and the JSON and table renderings. The lookups over
// the REST client are in api_directory.hpp. Pure: no I/O.

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "mattermost/rest_types.hpp"

namespace mmclaw::mattermost {

struct DirectoryEntry {
  // channel: a public channel (O); group: a private channel (P), which mmclaw routes as a group
  // (§4.3); user: a person (or another bot) of the bot's team.
  enum class Kind { channel, group, user };
  Kind kind = Kind::channel;
  std::string id;      // a send target: `channel:<id>` or `user:<id>`
  std::string name;    // the channel's name or the username
  std::string handle;  // the channel's display name; a user's "First Last", else nickname, else ""
  bool operator==(const DirectoryEntry&) const = default;
};

// "channel", "group", "user".
std::string_view to_string(DirectoryEntry::Kind kind) noexcept;

// The query as it is matched and searched for: trimmed, ASCII lower case ("" = everything).
std::string normalize_directory_query(std::string_view query);

// Whether a channel named `name` / `display_name` matches `query` (normalised): a case-insensitive
// substring of either; an empty query matches everything.
bool matches_directory_query(std::string_view query, std::string_view name, std::string_view display_name);

// A user's handle: first and last name joined by a space (either may be missing), else the
// nickname, else "".
std::string user_handle(const User& user);

// The entry of a channel: nullopt unless it is a live (delete_at 0) public or private channel; DMs
// and group messages are not in the directory.
std::optional<DirectoryEntry> channel_entry(const Channel& channel);
DirectoryEntry user_entry(const User& user);

// Channels → entries in the server's order: O/P only, not deleted, matching `query` (raw; it is
// normalised here), each channel id once, at most `limit` entries (0 = no limit).
std::vector<DirectoryEntry> channel_entries(std::span<const Channel> channels, std::string_view query,
                                            std::size_t limit);

// Users → entries in the server's order: without the bot itself (`self_id`), deleted users and
// repeated ids, at most `limit` entries (0 = no limit). No query filter: users are filtered by the
// server's search (POST /users/search), which also matches first names, last names and nicknames.
std::vector<DirectoryEntry> user_entries(std::span<const User> users, std::string_view self_id,
                                         std::size_t limit);

// The user ids of one page of team members worth fetching: not the bot, not removed from the team
// (delete_at != 0), not already in `seen` (ids are added to it).
std::vector<std::string> member_ids_to_fetch(std::span<const TeamMember> members, std::string_view self_id,
                                             std::vector<std::string>& seen);

// {"kind", "id", "name", "handle"}; every value a string ("" when absent).
boost::json::object to_json(const DirectoryEntry& entry);
boost::json::array to_json(std::span<const DirectoryEntry> entries);

// A plain-text table: a header line (KIND, ID, NAME, HANDLE), then one line per entry, columns
// padded to the widest value (counted in code points); `empty_text` and a newline when there are
// no entries.
std::string directory_table(std::span<const DirectoryEntry> entries, std::string_view empty_text);

}  // namespace mmclaw::mattermost

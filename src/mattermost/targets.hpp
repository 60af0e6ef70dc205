#pragma once
// Outbound target grammar (channel-behaviour §5.1): parsing a send target into what must be looked
// up, normalising messaging target strings, and the decisions of the bare-id probe (users first,
// then channels) so the I/O resolver only follows them. Pure: no I/O, no clock. Whitespace trimming
// is ASCII (space, tab, CR, LF, FF, VT), like util::trim.

#include <chrono>
#include <cstddef>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include "mattermost/api_url.hpp"  // is_mattermost_id: exactly 26 of [a-z0-9]
#include "mattermost/types.hpp"

namespace mmclaw::mattermost {

// §5.1 error texts, byte for byte.
inline constexpr std::string_view kRecipientRequired = "Recipient is required for Mattermost sends";
inline constexpr std::string_view kChannelIdRequired = "Channel id is required for Mattermost sends";
inline constexpr std::string_view kChannelNameRequired = "Channel name is required for Mattermost sends";
inline constexpr std::string_view kUserIdRequired = "User id is required for Mattermost sends";
inline constexpr std::string_view kUsernameRequired = "Username is required for Mattermost sends";

// How long a classification of a bare id (user, channel or group) is remembered, and how many
// classifications are kept (oldest dropped first).
inline constexpr std::chrono::minutes kOpaqueTargetCacheTtl{5};
inline constexpr std::size_t kOpaqueTargetCacheMaxEntries = 1024;

// §5.1 "looks like an id" (the trimmed input): a `channel:`/`group:`/`user:`/`mattermost:` prefix
// (case-insensitive, even with nothing after it), a leading `@`, 26 ASCII letters/digits, or a DM
// channel name `<26>__<26>`. Letters may be of either case here ("26-char alnum", as the reference
// does): this only says "no directory lookup needed", not "is a valid id". `#name` does not.
bool looks_like_target_id(std::string_view raw) noexcept;

// §5.1 normalised messaging target: `channel:<v>`, `group:<v>` → `channel:<v>`, `user:<v>`,
// `mattermost:<v>` → `user:<v>`, `@<v>` kept; prefixes matched case-insensitively and written in
// lower case, input and value trimmed, the value's case kept. nullopt for an empty input or value,
// `#name` and anything bare (bare names and bare ids need the directory or the probe).
std::optional<std::string> normalize_target(std::string_view raw);

// A parsed send target: what the resolver must look up.
struct Target {
  enum class Kind {
    opaque_id,     // bare 26-char id: probe GET /users/<id>, then GET /channels/<id>
    channel_id,    // channel:<id> / group:<id> with a 26-char id: post there directly
    channel_name,  // #name, channel:#name, channel:<non-id>, bare non-id: look up in the bot's teams
    user_id,       // user:<v> / mattermost:<v>: DM with that user (value not checked to be an id)
    username,      // @name: GET /users/username/<name>, then DM
  };
  Kind kind = Kind::opaque_id;
  std::string value;  // the id or the name, trimmed, without its prefix, `#` or `@`
  bool operator==(const Target&) const = default;
};

// §5.1 parse. Error texts are the k*Required constants above.
//  * The input is trimmed; empty → kRecipientRequired.
//  * `channel:` (case-insensitive; value trimmed): empty → kChannelIdRequired; `#name` →
//    channel_name (empty name → kChannelNameRequired); a 26-char id → channel_id; else →
//    channel_name (the value as it is).
//  * `group:` parses exactly like `channel:` (normalize_target maps it to `channel:`); the
//    reference parser has no `group:` and would take the whole string as a channel name.
//  * `user:` / `mattermost:` → user_id (empty → kUserIdRequired).
//  * `@name` → username (empty → kUsernameRequired).
//  * `#name` → channel_name (empty → kChannelNameRequired).
//  * bare 26-char id → opaque_id; any other bare text → channel_name (the whole trimmed input).
// Nothing is lower-cased: names keep their case (Mattermost stores usernames and channel names
// in lower case; lower-casing, if wanted, is the resolver's call), and an upper-case id is not an
// id (so `channel:<UPPER26>` is a channel name).
std::expected<Target, std::string> parse_target(std::string_view raw);

// The text for a channel name found in none of the bot's teams:
// `Mattermost channel "#<name>" not found in any team the bot belongs to`.
std::string channel_not_found_error(std::string_view name);

// ---- The bare-id probe (§5.1 step 2) -------------------------------------------------------------

// The outcome of one lookup: the object exists, the server said 404, or anything else went wrong
// (another HTTP status, a network error, a timeout).
enum class ProbeResult { found, not_found, failed };

// What a bare id turned out to be. `to` for user is `user:<id>`, for channel and group
// `channel:<id>` (see opaque_target_string).
enum class OpaqueTargetKind { user, channel, group };

// The next step after a probe: either look the id up as a channel, or it is resolved as `kind`,
// remembered for kOpaqueTargetCacheTtl only when `cache` is true.
struct ProbeStep {
  enum class Action { probe_channel, resolved };
  Action action = Action::resolved;
  OpaqueTargetKind kind = OpaqueTargetKind::channel;  // meaningful when resolved
  bool cache = false;
  bool operator==(const ProbeStep&) const = default;
};

// After GET /users/<id>: found → user (cached); 404 → probe the channel; any other failure →
// channel, not cached (a transient error must not fix the classification).
ProbeStep after_user_probe(ProbeResult result) noexcept;

// After GET /channels/<id>: found → group when the channel's type is G or P (§4.3's mapping, so the
// session is the same as for inbound posts), channel for O, D or an unknown type; cached. Any
// failure (404 included) → channel, not cached.
ProbeStep after_channel_probe(ProbeResult result, std::optional<ChannelType> channel_type) noexcept;

// The normalised target a classified bare id sends to: `user:<id>` or `channel:<id>`.
std::string opaque_target_string(OpaqueTargetKind kind, std::string_view id);

}  // namespace mmclaw::mattermost

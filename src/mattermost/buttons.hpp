#pragma once
// Interactive buttons (channel-behaviour §8): the post props that carry them (§8.1), the HMAC that
// signs each button's context and the canonical JSON it is computed over (§8.2), and the callback
// URL Mattermost posts clicks to (§8.4). Pure: no I/O, no clock.

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "agent/message_tool.hpp"

namespace mmclaw::mattermost {

// The HMAC key that turns a bot token into an account's interaction secret (§8.2).
inline constexpr std::string_view kInteractionSecretKey = "openclaw-mattermost-interactions";
// Context keys of a signed button (§8.1, §8.2).
inline constexpr std::string_view kActionIdKey = "action_id";
inline constexpr std::string_view kChannelIdKey = "__openclaw_channel_id";
inline constexpr std::string_view kTokenKey = "_token";
// §8.4: the callback route and the port used when `gateway.port` is not a valid port.
inline constexpr std::string_view kInteractionsPathPrefix = "/mattermost/interactions/";
inline constexpr int kDefaultGatewayPort = 18789;

// The account's secret: lower-case hex of HMAC-SHA256(key = kInteractionSecretKey, message = bot
// token). Treat it as a secret (never log it).
std::string interaction_secret(std::string_view bot_token);

// Lower-case hex of HMAC-SHA256(key = the secret's hex string, message = canonical_json(context)).
// A top-level `_token` in `context_without_token` is left out, so a received context can be passed
// as it is.
std::string interaction_token(std::string_view secret, const boost::json::object& context_without_token);

// JavaScript `JSON.stringify(value)` with the keys of every object (also inside arrays) sorted by
// locale_compare and put back into an object, which in JavaScript lists array-index keys (`0`,
// `42`, ... up to 2^32 - 2, no leading zero) first, in numeric order. Compact, arrays in order,
// strings escape only `"`, `\` and U+0000..U+001F (`\b \f \n \r \t`, else `\u00xx` lower-case);
// everything else, non-ASCII included, is copied byte for byte. Every number is rendered as the
// JavaScript Number it would be: integers are converted to double (exact up to 2^53, larger ones
// rounded as JSON.parse would), then printed as Number.prototype.toString does (`2`, `0` for -0,
// `1.5`, `0.1`, `1e+21`, `1e-7`, shortest round-trip digits); NaN and infinities print `null`.
std::string canonical_json(const boost::json::value& value);

// `a.localeCompare(b)` under Node's default collation (ICU root, tertiary strength, punctuation not
// ignorable) for the characters keys are made of; <0, 0 (only for equal strings) or >0.
// Implemented exactly:
//  * U+0000..U+0008, U+000E..U+001F and U+007F are ignored.
//  * Every other ASCII character has its own primary weight, in this order: TAB LF VT FF CR space
//    _ - , ; : ! ? . ' " ( ) [ ] { } @ * / \ & # % ` ^ + < = > | ~ $ 0..9 a..z; a letter and its
//    capital share a weight (so `_`/`-` keys sort before digits, digits before letters, `a_b` <
//    `a-b` < `ab`, `10` < `9`).
//  * The 13 combining marks of Latin-1 and Latin Extended-A (U+0300..0304, 0306..0308, 030A..030C,
//    0327, 0328) have no primary weight and these secondary weights, low to high: acute, grave,
//    breve, circumflex, caron, ring, diaeresis, double acute, tilde, dot above, cedilla, ogonek,
//    macron. Precomposed letters of U+00C0..U+017F that decompose (NFD) into an ASCII letter and
//    one of these marks are compared as that decomposition (so é = e + acute, after e); runs of
//    marks are put in canonical order (cedilla/ogonek first).
//  * Any other code point (Greek, CJK, emoji, non-ASCII punctuation, and letters such as ø, æ, ß,
//    ı that ICU gives special weights) gets a primary weight after `z`, in code-point order.
//    ICU places non-ASCII punctuation and symbols before the digits instead; keys do not use them.
//  * Comparison is by levels: primary weights, then secondary (accents, forward), then tertiary
//    (lower case before upper case: `a` < `A`, `ab` < `aB` < `Ab` < `AB`).
//  * Strings equal on all three levels (only those differing in ignored characters or in the
//    order/composition of marks) are ordered by code point, where ICU says 0 and Node's stable
//    sort keeps insertion order.
int locale_compare(std::string_view a, std::string_view b);

// Constant-time equality of two tokens (lengths compared first; a length is not a secret).
bool tokens_equal(std::string_view a, std::string_view b);

// The action id Mattermost sees: only ASCII letters and digits kept. §8.1 removes every `-` and
// `_`; for ids made of [A-Za-z0-9_-] (callback data as the agent writes it) both rules agree.
std::string sanitize_action_id(std::string_view id);

// One button to attach. `context` is echoed back (signed) when the button is clicked.
struct ButtonSpec {
  std::string id;
  std::string name;
  std::string style = "default";
  boost::json::object context;
  bool operator==(const ButtonSpec&) const = default;
};

// The agent's rows flattened in order: id = callback_data, name = text, style, context =
// `{callback_data}` (the reference's presentation buttons carry it, §8.1).
std::vector<ButtonSpec> buttons_from_rows(const std::vector<std::vector<agent::MessageButton>>& rows);

// Post props `{attachments:[{text, actions:[...]}]}` (§8.1). Ids and names are trimmed; buttons
// with an empty id or name are dropped; an empty style becomes `default`. Each action is `{id: sanitised id,
// type: "button", name, style, integration: {url: callback_url, context}}` where context = `{action_id:
// sanitised id}`, overlaid by the button's context, then `__openclaw_channel_id: channel_id`, then `_token`
// (interaction_token of everything before it, with `secret`; a `_token` in the button's context is
// replaced, never signed). Keys keep that insertion order (a context key `action_id` overrides the
// value in place). When no button survives the result is empty: attach no props.
boost::json::object button_attachments_props(std::span<const ButtonSpec> buttons,
                                             std::string_view attachment_text, std::string_view channel_id,
                                             std::string_view callback_url, std::string_view secret);

// §8.4: `callback_base_url` (trimmed; blank counts as absent) without trailing `/`, else
// `http://<host>:<port>`, followed by `/mattermost/interactions/<account_id>`. host =
// `custom_bind_host` trimmed; blank or an unspecified address (`0.0.0.0`, `::`, `::0`,
// `0:0:0:0:0:0:0:0`, any spelling of it, bracketed or not) → `localhost`; an IPv6 literal is
// bracketed (kept as is when it already is). A port outside 1..65535 → kDefaultGatewayPort.
// `http://<host>:<port>` with the host and port rules of interaction_callback_url: where Mattermost
// reaches the gateway when no callback URL is configured (also for slash commands, §9.2).
std::string gateway_base_url(std::optional<std::string> custom_bind_host, int port);

std::string interaction_callback_url(std::optional<std::string> callback_base_url,
                                     std::string_view account_id, std::optional<std::string> custom_bind_host,
                                     int port);

}  // namespace mmclaw::mattermost

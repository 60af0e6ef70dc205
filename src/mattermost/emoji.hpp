#pragma once
// Emoji names for reactions (channel-behaviour §7). Pure.

#include <string>
#include <string_view>

namespace mmclaw::mattermost {

// The Mattermost emoji name for what a model or a user wrote: surrounding whitespace and `:` are
// stripped (`:tada:` → `tada`); a glyph of the §7 table, with its variation selectors (U+FE0E,
// U+FE0F) ignored, becomes its name (`👍` → `thumbsup`, `❤️` → `heart`); a skin-tone modifier adds
// `_light_skin_tone` ... `_dark_skin_tone` for thumbsup, thumbsdown, pray, wave and raised_hands
// only. Anything else is returned as it is after the stripping (`+1`, `🦄`, `🔥🏻`).
std::string normalize_emoji(std::string_view emoji);

}  // namespace mmclaw::mattermost

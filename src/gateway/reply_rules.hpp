#pragma once
// The delivery rules of channel-behaviour §5.6 that are about text. Pure.

#include <string_view>

namespace mmclaw::gateway {

// True when a final's text is reasoning and must not be posted: after trimming, lower-casing and
// stripping leading `>` quote markers (and the whitespace between them), it starts with
// `reasoning:`, or with `thinking` followed by 0–3 dots, optional whitespace/`>`, and `_`.
// Text that merely contains "Reasoning:" later is not reasoning.
bool is_reasoning_text(std::string_view text);

}  // namespace mmclaw::gateway

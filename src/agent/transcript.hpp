#pragma once
// A session's transcript on its way into a model request (PRODUCT.md "The agent runtime",
// Sessions): approximate token counts, conversions between ChatMessage and the store's
// TranscriptEntry, and trimming the history from its oldest end to the model's context budget.
// Pure: no I/O, no clock.
//
// Counts are estimates, not a tokenizer: a real one is per model and large, and the budget only
// needs to keep a request comfortably inside the window. They err on the generous side for text
// that tokenizes badly (CJK), and the answer reserve absorbs the rest.

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

#include "agent/model_types.hpp"
#include "store/store.hpp"

namespace mmclaw::agent {

// What one message costs beyond its text: the role and the wire's framing (OpenAI documents 3-4
// tokens per message for its chat format).
inline constexpr int kMessageOverheadTokens = 4;
// What one tool call costs beyond its id, name and arguments (the JSON framing around them).
inline constexpr int kToolCallOverheadTokens = 4;
// One image of a user message: between OpenAI's 765 (1024x1024, high detail) and Anthropic's
// ~1,600 (1.15 megapixels), rounded.
inline constexpr int kImageTokens = 1000;

// When the model's `contextWindow` is not configured: what small local models (Llama 3 at Ollama's
// defaults and up) can be relied on to take.
inline constexpr int kDefaultContextWindow = 8192;
// When `maxTokens` is not configured, a quarter of the window is kept for the answer, at most this.
inline constexpr int kMaxDefaultAnswerReserve = 4096;
// context_budget never answers less: the newest message must fit somewhere, and a request a little
// over a tiny window fails visibly at the server rather than silently here.
inline constexpr int kMinContextBudget = 512;
// A newest user message cut to fit keeps at least this much of its text (see trim_to_budget).
inline constexpr int kMinKeptUserTextTokens = 256;
// Put before what is left of a newest user message cut from the front.
inline constexpr std::string_view kTruncationMarker =
    "[The beginning of this message was cut to fit the model's context window.]\n";

// About 4 bytes of UTF-8 per token, rounded up: English and code run at about 4 characters per
// token in the GPT and Llama tokenizers, and other alphabets (2 bytes per letter in UTF-8) about
// half a token per letter, which the byte count gives without knowing the script. CJK ideographs,
// kana and Hangul syllables (3 bytes each) are often a token or more apiece, so each counts a
// whole token: tokens = ceil((bytes + CJK characters) / 4). Invalid UTF-8 counts by bytes.
[[nodiscard]] int approx_tokens(std::string_view text) noexcept;
// The text, plus kMessageOverheadTokens, plus per tool call its id, name and arguments and
// kToolCallOverheadTokens, plus a tool message's call id and tool name, plus kImageTokens per
// image. Saturates at INT_MAX.
[[nodiscard]] int approx_tokens(const ChatMessage& message) noexcept;

// The message as the store keeps it, with approx_tokens computed for what is kept. Images are not
// kept (the store holds text; the post they came with stays in Mattermost), so a later turn sees
// the message's text only. seq and created_at are the store's to set.
[[nodiscard]] store::TranscriptEntry to_transcript_entry(const ChatMessage& message,
                                                         std::string_view post_id = {});
[[nodiscard]] ChatMessage to_chat_message(const store::TranscriptEntry& entry);
[[nodiscard]] std::vector<ChatMessage> to_chat_messages(const std::vector<store::TranscriptEntry>& entries);

struct TrimResult {
  std::vector<ChatMessage> messages;  // what to send after the system prompt, oldest first
  int tokens = 0;                     // approx_tokens summed over `messages`
  std::size_t dropped = 0;            // messages dropped from the oldest end
  bool truncated = false;             // the newest user message's text was cut from the front
  bool over_budget = false;           // `tokens` is still more than the budget (see below)
  bool operator==(const TrimResult&) const = default;
};

// Drops messages from the oldest end of `history` (the transcript and the current turn, without
// the system prompt: context_budget has set its room aside) until the rest fits `budget_tokens`.
// - An assistant message with tool calls and the tool messages that follow it go or stay together,
//   so a request never holds a call without its results or results without their call.
// - The result never starts with a tool message (an orphan left by pruning is dropped too).
// - Dropping is contiguous: once a message does not fit, nothing older is kept, even if it would.
// - The newest user message and everything after it (the current turn's tool rounds) always stay.
//   When they alone exceed the budget, the user message's text is cut from the FRONT, keeping its
//   end (after a pasted log or document, the question usually comes last, and the end is the
//   newest text), behind kTruncationMarker, and keeping at least kMinKeptUserTextTokens of it;
//   when even that does not fit (large tool results of the current turn), over_budget is set and
//   the caller decides (end the tool rounds, or send and let the server refuse visibly).
// - Without a user message, the newest message that is not a tool message is the one kept.
[[nodiscard]] TrimResult trim_to_budget(std::vector<ChatMessage> history, int budget_tokens);

// The room for history in one request: the window (kDefaultContextWindow when unknown or not
// positive) minus the answer's reserve (max_tokens when known, at most half the window, so a model
// configured with maxTokens == contextWindow still gets a history; else a quarter of the window, at
// most kMaxDefaultAnswerReserve) minus system_tokens (the system prompt, channel context and tool
// schemas, as approx_tokens counts them; negative counts as 0), and never less than
// kMinContextBudget.
[[nodiscard]] int context_budget(std::optional<int> context_window, std::optional<int> max_tokens,
                                 int system_tokens) noexcept;

}  // namespace mmclaw::agent

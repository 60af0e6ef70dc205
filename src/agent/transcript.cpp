#include "agent/transcript.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>

namespace mmclaw::agent {
namespace {

constexpr std::int64_t kIntMax = std::numeric_limits<int>::max();

int saturate(std::int64_t value) noexcept {
  return static_cast<int>(std::clamp<std::int64_t>(value, 0, kIntMax));
}

// CJK ideographs, kana, Hangul and their punctuation and full-width forms: the 3-byte code points
// that count a whole token. Radicals to unified ideographs (U+2E80-U+9FFF, with kana, bopomofo and
// extension A), Hangul syllables, compatibility ideographs, half- and full-width forms.
bool is_cjk(char32_t cp) noexcept {
  return (cp >= 0x2E80 && cp <= 0x9FFF) || (cp >= 0xAC00 && cp <= 0xD7AF) || (cp >= 0xF900 && cp <= 0xFAFF) ||
         (cp >= 0xFF00 && cp <= 0xFFEF);
}

bool is_continuation(unsigned char c) noexcept {
  return (c & 0xC0) == 0x80;
}

// One code point (or one stray byte) at `i`: its length in bytes and its cost in quarter tokens
// (its bytes, plus one for a CJK character).
struct Step {
  std::size_t length = 1;
  std::int64_t quarters = 1;
};

Step step_at(std::string_view text, std::size_t i) noexcept {
  const auto lead = static_cast<unsigned char>(text[i]);
  std::size_t length = 1;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
  }
  if (length == 1 || i + length > text.size()) return {};
  for (std::size_t k = 1; k < length; ++k) {
    if (!is_continuation(static_cast<unsigned char>(text[i + k]))) return {};
  }
  Step step{length, static_cast<std::int64_t>(length)};
  if (length == 3) {
    const char32_t cp = (static_cast<char32_t>(lead & 0x0F) << 12) |
                        (static_cast<char32_t>(static_cast<unsigned char>(text[i + 1]) & 0x3F) << 6) |
                        static_cast<char32_t>(static_cast<unsigned char>(text[i + 2]) & 0x3F);
    if (is_cjk(cp)) step.quarters += 1;
  }
  return step;
}

std::int64_t quarters_of(std::string_view text) noexcept {
  std::int64_t quarters = 0;
  for (std::size_t i = 0; i < text.size();) {
    const Step step = step_at(text, i);
    quarters += step.quarters;
    i += step.length;
  }
  return quarters;
}

std::int64_t tokens_of(std::string_view text) noexcept {
  return (quarters_of(text) + 3) / 4;
}

// The first code point boundary from which the rest of `text` costs at most `tokens`.
std::size_t tail_start_within(std::string_view text, std::int64_t tokens) noexcept {
  const std::int64_t limit = tokens * 4;
  std::int64_t remaining = quarters_of(text);
  std::size_t i = 0;
  while (i < text.size() && remaining > limit) {
    const Step step = step_at(text, i);
    remaining -= step.quarters;
    i += step.length;
  }
  return i;
}

std::int64_t message_tokens(const ChatMessage& message) noexcept {
  std::int64_t tokens = kMessageOverheadTokens + tokens_of(message.text);
  for (const ToolCall& call : message.tool_calls) {
    tokens += kToolCallOverheadTokens + tokens_of(call.id) + tokens_of(call.name) + tokens_of(call.arguments);
  }
  tokens += tokens_of(message.tool_call_id) + tokens_of(message.tool_name);
  tokens += static_cast<std::int64_t>(message.images.size()) * kImageTokens;
  return tokens;
}

Role to_role(store::TranscriptRole role) noexcept {
  switch (role) {
    case store::TranscriptRole::system: return Role::system;
    case store::TranscriptRole::user: return Role::user;
    case store::TranscriptRole::assistant: return Role::assistant;
    case store::TranscriptRole::tool: return Role::tool;
  }
  return Role::user;
}

store::TranscriptRole to_transcript_role(Role role) noexcept {
  switch (role) {
    case Role::system: return store::TranscriptRole::system;
    case Role::user: return store::TranscriptRole::user;
    case Role::assistant: return store::TranscriptRole::assistant;
    case Role::tool: return store::TranscriptRole::tool;
  }
  return store::TranscriptRole::user;
}

// Messages [begin, end) that go or stay together.
struct Unit {
  std::size_t begin = 0;
  std::size_t end = 0;
  std::int64_t tokens = 0;
};

std::vector<Unit> units_of(const std::vector<ChatMessage>& history, const std::vector<std::int64_t>& tokens) {
  std::vector<Unit> units;
  for (std::size_t i = 0; i < history.size();) {
    std::size_t end = i + 1;
    if (history[i].role == Role::assistant && !history[i].tool_calls.empty()) {
      while (end < history.size() && history[end].role == Role::tool) ++end;
    }
    Unit unit{i, end, 0};
    for (std::size_t k = i; k < end; ++k) unit.tokens += tokens[k];
    units.push_back(unit);
    i = end;
  }
  return units;
}

}  // namespace

int approx_tokens(std::string_view text) noexcept {
  return saturate(tokens_of(text));
}

int approx_tokens(const ChatMessage& message) noexcept {
  return saturate(message_tokens(message));
}

store::TranscriptEntry to_transcript_entry(const ChatMessage& message, std::string_view post_id) {
  store::TranscriptEntry entry;
  entry.role = to_transcript_role(message.role);
  entry.text = message.text;
  entry.tool_calls.reserve(message.tool_calls.size());
  for (const ToolCall& call : message.tool_calls) {
    entry.tool_calls.push_back(store::TranscriptToolCall{call.id, call.name, call.arguments});
  }
  entry.tool_call_id = message.tool_call_id;
  entry.tool_name = message.tool_name;
  entry.post_id = std::string(post_id);
  // What a later turn will send: the message without its images.
  entry.approx_tokens =
      saturate(message_tokens(message) - static_cast<std::int64_t>(message.images.size()) * kImageTokens);
  return entry;
}

ChatMessage to_chat_message(const store::TranscriptEntry& entry) {
  ChatMessage message;
  message.role = to_role(entry.role);
  message.text = entry.text;
  message.tool_calls.reserve(entry.tool_calls.size());
  for (const store::TranscriptToolCall& call : entry.tool_calls) {
    message.tool_calls.push_back(ToolCall{call.id, call.name, call.arguments});
  }
  message.tool_call_id = entry.tool_call_id;
  message.tool_name = entry.tool_name;
  return message;
}

std::vector<ChatMessage> to_chat_messages(const std::vector<store::TranscriptEntry>& entries) {
  std::vector<ChatMessage> messages;
  messages.reserve(entries.size());
  for (const store::TranscriptEntry& entry : entries) messages.push_back(to_chat_message(entry));
  return messages;
}

TrimResult trim_to_budget(std::vector<ChatMessage> history, int budget_tokens) {
  TrimResult result;
  const std::int64_t budget = std::max(budget_tokens, 0);
  std::vector<std::int64_t> tokens;
  tokens.reserve(history.size());
  for (const ChatMessage& message : history) tokens.push_back(message_tokens(message));
  const std::vector<Unit> units = units_of(history, tokens);

  // The unit that must stay, with everything after it: the newest user message's, else the newest
  // unit that does not start with a tool message.
  std::optional<std::size_t> anchor;
  for (std::size_t u = units.size(); u-- > 0;) {
    if (history[units[u].begin].role == Role::user) {
      anchor = u;
      break;
    }
  }
  if (!anchor) {
    for (std::size_t u = units.size(); u-- > 0;) {
      if (history[units[u].begin].role != Role::tool) {
        anchor = u;
        break;
      }
    }
  }
  if (!anchor) {
    result.dropped = history.size();
    return result;
  }

  std::int64_t kept = 0;
  for (std::size_t u = *anchor; u < units.size(); ++u) kept += units[u].tokens;

  std::size_t first = *anchor;
  if (kept > budget) {
    // Only the anchor's own message can give way; it is a user message unless there is none.
    const std::size_t index = units[*anchor].begin;
    ChatMessage& message = history[index];
    if (message.role == Role::user) {
      const std::int64_t text_tokens = tokens_of(message.text);
      const std::int64_t others = kept - text_tokens;
      const std::int64_t room =
          std::max<std::int64_t>(budget - others - tokens_of(kTruncationMarker),
                                 std::min<std::int64_t>(kMinKeptUserTextTokens, text_tokens));
      if (room < text_tokens) {
        std::string cut(kTruncationMarker);
        cut.append(message.text, tail_start_within(message.text, room));
        message.text = std::move(cut);
        result.truncated = true;
        kept = kept - tokens[index];
        tokens[index] = message_tokens(message);
        kept += tokens[index];
      }
    }
  } else {
    while (first > 0 && kept + units[first - 1].tokens <= budget) {
      --first;
      kept += units[first].tokens;
    }
    // A tool message whose call was dropped (or pruned away) cannot lead.
    while (first < *anchor && history[units[first].begin].role == Role::tool) {
      kept -= units[first].tokens;
      ++first;
    }
  }

  const std::size_t begin = units[first].begin;
  result.dropped = begin;
  result.messages.assign(std::make_move_iterator(history.begin() + static_cast<std::ptrdiff_t>(begin)),
                         std::make_move_iterator(history.end()));
  result.tokens = saturate(kept);
  result.over_budget = kept > budget;
  return result;
}

int context_budget(std::optional<int> context_window, std::optional<int> max_tokens,
                   int system_tokens) noexcept {
  const std::int64_t window = context_window && *context_window > 0 ? *context_window : kDefaultContextWindow;
  const std::int64_t reserve = max_tokens && *max_tokens > 0
                                   ? std::min<std::int64_t>(*max_tokens, window / 2)
                                   : std::min<std::int64_t>(window / 4, kMaxDefaultAnswerReserve);
  const std::int64_t budget = window - reserve - std::max(system_tokens, 0);
  return saturate(std::max<std::int64_t>(budget, kMinContextBudget));
}

}  // namespace mmclaw::agent

#include "gateway/reply_rules.hpp"

#include <cstddef>

#include "util/strings.hpp"

namespace mmclaw::gateway {

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string_view skip_spaces(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size() && is_space(s[i])) ++i;
  return s.substr(i);
}

// Drops the leading `>` quote markers, and the whitespace between and after them: a reasoning
// block quoted by the model ("> > Reasoning: ...") is still reasoning.
std::string_view strip_quote_markers(std::string_view s) {
  s = skip_spaces(s);
  while (!s.empty() && s.front() == '>') s = skip_spaces(s.substr(1));
  return s;
}

// `thinking`, 0–3 dots, optional whitespace or `>`, then `_`: the italic thinking block that some
// backends put in the answer text ("Thinking... _weighing the options_").
bool is_thinking_block(std::string_view s) {
  constexpr std::string_view kWord = "thinking";
  if (!util::starts_with_icase(s, kWord)) return false;
  s.remove_prefix(kWord.size());
  std::size_t dots = 0;
  while (dots < s.size() && s[dots] == '.') ++dots;
  if (dots > 3) return false;
  s.remove_prefix(dots);
  while (!s.empty() && (is_space(s.front()) || s.front() == '>')) s.remove_prefix(1);
  return s.starts_with('_');
}

}  // namespace

bool is_reasoning_text(std::string_view text) {
  // The prefixes are ASCII, so an ASCII case-insensitive comparison is the spec's lower-casing.
  const std::string_view body = strip_quote_markers(util::trim(text));
  return util::starts_with_icase(body, "reasoning:") || is_thinking_block(body);
}

}  // namespace mmclaw::gateway

#include "gateway/gating.hpp"

#include <array>
#include <vector>

#include <fmt/format.h>

#include "util/strings.hpp"

namespace mmclaw::gateway {

namespace {

bool is_word_char(char c) noexcept {
  const auto u = static_cast<unsigned char>(c);
  return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || c == '_';
}

bool is_trailing_punct(char c) noexcept {
  return c == '.' || c == ':' || c == '-';
}

bool is_blank(char c) noexcept {
  return c == ' ' || c == '\t';
}

// The text outside code: fenced blocks (``` or ~~~ at the start of a line) and inline code spans
// (a run of N backticks closed by a run of exactly N) are blanked with spaces, so offsets and word
// boundaries stay as they were.
std::string without_code(std::string_view message) {
  std::string out(message);
  std::size_t i = 0;
  bool line_start = true;
  while (i < out.size()) {
    if (line_start) {
      std::size_t j = i;
      while (j < out.size() && j - i < 4 && out[j] == ' ') ++j;
      if (j + 2 < out.size() && (out[j] == '`' || out[j] == '~') && out[j + 1] == out[j] &&
          out[j + 2] == out[j]) {
        const char fence = out[j];
        std::size_t run = 0;
        while (j + run < out.size() && out[j + run] == fence) ++run;
        // Blank until a closing fence line of at least `run` fence characters, or the end.
        std::size_t k = out.find('\n', j);
        std::size_t block_end = out.size();
        while (k != std::string::npos) {
          std::size_t line = k + 1;
          std::size_t m = line;
          while (m < out.size() && m - line < 4 && out[m] == ' ') ++m;
          std::size_t close = 0;
          while (m + close < out.size() && out[m + close] == fence) ++close;
          if (close >= run) {
            const std::size_t eol = out.find('\n', m + close);
            block_end = eol == std::string::npos ? out.size() : eol;
            break;
          }
          k = out.find('\n', line);
        }
        for (std::size_t p = i; p < block_end; ++p)
          if (out[p] != '\n') out[p] = ' ';
        i = block_end;
        line_start = false;
        continue;
      }
    }
    if (out[i] == '\n') {
      line_start = true;
      ++i;
      continue;
    }
    line_start = false;
    if (out[i] == '`') {
      std::size_t run = 0;
      while (i + run < out.size() && out[i + run] == '`') ++run;
      // Find a closing run of exactly `run` backticks.
      std::size_t k = i + run;
      std::size_t close = std::string::npos;
      while (k < out.size()) {
        if (out[k] == '`') {
          std::size_t r = 0;
          while (k + r < out.size() && out[k + r] == '`') ++r;
          if (r == run) {
            close = k;
            break;
          }
          k += r;
        } else {
          ++k;
        }
      }
      if (close == std::string::npos) {
        i += run;  // an unclosed run is literal text
        continue;
      }
      for (std::size_t p = i; p < close + run; ++p)
        if (out[p] != '\n') out[p] = ' ';
      i = close + run;
      continue;
    }
    ++i;
  }
  return out;
}

struct Span {
  std::size_t begin;  // the '@'
  std::size_t end;    // one past the name
};

// Every mention of `@username` in `text`, found in its code-blanked copy.
std::vector<Span> find_mentions(std::string_view message, std::string_view username) {
  std::vector<Span> spans;
  if (username.empty() || message.size() <= username.size()) return spans;
  const std::string text = without_code(message);
  const std::string_view view(text);
  std::size_t at = view.find('@');
  while (at != std::string_view::npos) {
    const bool preceded = at > 0 && is_word_char(view[at - 1]);
    const std::size_t name_begin = at + 1;
    if (!preceded && view.size() - name_begin >= username.size() &&
        util::iequals(view.substr(name_begin, username.size()), username)) {
      const std::size_t after = name_begin + username.size();
      bool continues = after < view.size() && is_word_char(view[after]);
      if (!continues) {
        std::size_t p = after;
        while (p < view.size() && is_trailing_punct(view[p])) ++p;
        continues = p > after && p < view.size() && is_word_char(view[p]);
      }
      if (!continues) spans.push_back(Span{at, after});
    }
    at = view.find('@', at + 1);
  }
  return spans;
}

// One line with its mentions (offsets relative to the line) removed; see strip_bot_mention.
std::string strip_line(std::string_view line, std::span<const Span> spans) {
  std::string l(line);
  for (auto it = spans.rbegin(); it != spans.rend(); ++it) {
    const std::size_t a = it->begin;
    const std::size_t b = it->end;
    bool leading = true;
    for (std::size_t p = 0; p < a && leading; ++p) leading = is_blank(l[p]);
    bool trailing = true;
    {
      std::size_t p = b;
      while (p < l.size() && (is_trailing_punct(l[p]) || l[p] == ',' || l[p] == '!' || l[p] == '?')) ++p;
      for (; p < l.size() && trailing; ++p) trailing = is_blank(l[p]) || l[p] == '\r';
    }
    if (leading) {
      std::size_t e = b;
      if (e < l.size() && (l[e] == ',' || l[e] == ':')) ++e;
      while (e < l.size() && is_blank(l[e])) ++e;
      l.erase(a, e - a);
    } else if (trailing) {
      std::size_t s = a;
      while (s > 0 && is_blank(l[s - 1])) --s;
      l.erase(s, b - s);
    } else {
      l.erase(a, b - a);
      if (a > 0 && is_blank(l[a - 1])) {
        std::size_t e = a;
        while (e < l.size() && is_blank(l[e])) ++e;
        l.erase(a, e - a);
      }
    }
  }
  return l;
}

bool is_blank_line(std::string_view line) {
  for (const char c : line)
    if (!is_blank(c) && c != '\r') return false;
  return true;
}

// Whether `text` has a character that shows: not ASCII whitespace or control, and not one of the
// Unicode spaces and zero-width characters.
bool has_visible_char(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      if (c > 0x20 && c != 0x7f) return true;
      ++i;
      continue;
    }
    std::size_t len = 1;
    char32_t cp = 0;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return true;  // not UTF-8; treat as visible
    }
    if (i + len > text.size()) return true;
    for (std::size_t k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
    const bool invisible = cp == 0x85 || cp == 0xA0 || cp == 0xAD || cp == 0x1680 ||
                           (cp >= 0x2000 && cp <= 0x200F) || (cp >= 0x2028 && cp <= 0x202F) ||
                           (cp >= 0x205F && cp <= 0x2064) || cp == 0x3000 || cp == 0xFEFF;
    if (!invisible) return true;
    i += len;
  }
  return false;
}

// A post that is exactly one `@username`, with spaces or tabs around it (§4.7 wake-up).
bool is_bare_mention(std::string_view message, std::string_view username) {
  while (!message.empty() && is_blank(message.front())) message.remove_prefix(1);
  while (!message.empty() && is_blank(message.back())) message.remove_suffix(1);
  return !username.empty() && message.size() == username.size() + 1 && message.front() == '@' &&
         util::iequals(message.substr(1), username);
}

}  // namespace

bool mentions_username(std::string_view message, std::string_view username) {
  return !find_mentions(message, username).empty();
}

bool resolve_require_mention(const config::AccountConfig& account, std::string_view channel_id) {
  if (const auto it = account.groups.find(std::string(channel_id));
      it != account.groups.end() && it->second.require_mention)
    return *it->second.require_mention;
  if (const auto it = account.groups.find("*"); it != account.groups.end() && it->second.require_mention)
    return *it->second.require_mention;
  if (account.chatmode) {
    switch (*account.chatmode) {
      case config::ChatMode::oncall: return true;
      case config::ChatMode::onmessage: return false;
      case config::ChatMode::onchar: return true;
    }
  }
  if (account.require_mention) return *account.require_mention;
  return true;
}

OncharMatch match_onchar(std::string_view text, std::span<const std::string> prefixes) {
  static const std::array<std::string, 2> kDefaults{">", "!"};
  bool any = false;
  for (const auto& p : prefixes) any = any || !util::trim(p).empty();
  const std::span<const std::string> list = any ? prefixes : std::span<const std::string>(kDefaults);
  std::string_view body = text;
  while (!body.empty() && (is_blank(body.front()) || body.front() == '\n' || body.front() == '\r'))
    body.remove_prefix(1);
  for (const auto& raw : list) {
    const std::string_view prefix = util::trim(raw);
    if (prefix.empty() || !body.starts_with(prefix)) continue;
    std::string_view rest = body.substr(prefix.size());
    while (!rest.empty() && (is_blank(rest.front()) || rest.front() == '\n' || rest.front() == '\r'))
      rest.remove_prefix(1);
    return OncharMatch{true, rest};
  }
  return OncharMatch{false, text};
}

std::string strip_bot_mention(std::string_view text, std::string_view username) {
  const std::vector<Span> spans = find_mentions(text, username);
  std::vector<std::string> lines;
  bool leading = true;  // still among the leading lines that held only mentions
  std::size_t next = 0;
  std::size_t line_begin = 0;
  while (line_begin <= text.size()) {
    const std::size_t nl = text.find('\n', line_begin);
    const std::size_t line_end = nl == std::string_view::npos ? text.size() : nl;
    std::vector<Span> in_line;
    while (next < spans.size() && spans[next].begin < line_end) {
      in_line.push_back(Span{spans[next].begin - line_begin, spans[next].end - line_begin});
      ++next;
    }
    const std::string_view line = text.substr(line_begin, line_end - line_begin);
    std::string stripped = in_line.empty() ? std::string(line) : strip_line(line, in_line);
    const bool mention_only = !in_line.empty() && is_blank_line(stripped);
    if (!(leading && mention_only)) {
      if (!is_blank_line(stripped)) leading = false;
      if (!in_line.empty())
        while (!stripped.empty() && (is_blank(stripped.back()) || stripped.back() == '\r'))
          stripped.pop_back();
      lines.push_back(std::move(stripped));
    }
    if (nl == std::string_view::npos) break;
    line_begin = nl + 1;
  }
  while (!lines.empty() && is_blank_line(lines.back())) lines.pop_back();
  return std::string(util::trim(util::join(lines, "\n")));
}

std::string_view to_string(GatingDrop reason) noexcept {
  switch (reason) {
    case GatingDrop::no_mention: return "no_mention";
    case GatingDrop::empty_body: return "empty_body";
  }
  return "unknown";
}

GatingDecision gate_post(const GatingInput& input, const config::AccountConfig& account,
                         std::string_view bot_username) {
  GatingDecision decision;
  const bool direct = input.channel_type == mattermost::ChannelType::direct;
  std::string_view text = input.message;
  if (!direct) {
    decision.require_mention = resolve_require_mention(account, input.channel_id);
    if (account.chatmode == config::ChatMode::onchar) {
      const OncharMatch onchar = match_onchar(input.message, account.onchar_prefixes);
      decision.onchar_triggered = onchar.triggered;
      text = onchar.rest;
    }
    const bool explicit_mention = mentions_username(input.message, bot_username);
    const bool implicit_mention =
        (input.bot_replied_in_thread && account.implicit_mentions.thread_participation) ||
        (input.thread_root_by_bot && account.implicit_mentions.reply_to_bot.value_or(true));
    decision.was_mentioned = explicit_mention || implicit_mention || decision.onchar_triggered;
    const bool can_detect = !bot_username.empty();
    if (decision.require_mention && can_detect && !decision.was_mentioned && !input.authorised_command) {
      decision.drop = GatingDrop::no_mention;
      return decision;
    }
  }
  decision.body = strip_bot_mention(text, bot_username);
  if (!input.has_attachments && !has_visible_char(decision.body)) {
    if (is_bare_mention(input.message, bot_username)) {
      decision.body = std::string(util::trim(input.message));
    } else {
      decision.body.clear();
      decision.drop = GatingDrop::empty_body;
      return decision;
    }
  }
  decision.answer = true;
  return decision;
}

bool edit_adds_mention(const PostEdit& edit, std::string_view bot_username) {
  if (edit.previous_user_id != edit.user_id) return false;
  if (edit.previous_message == edit.message) return false;
  return !mentions_username(edit.previous_message, bot_username) &&
         mentions_username(edit.message, bot_username);
}

std::string groups_config_path(std::string_view account_id) {
  if (account_id.empty() || account_id == "default") return "channels.mattermost.groups";
  return fmt::format("channels.mattermost.accounts.{}.groups", account_id);
}

std::string mention_hint(std::string_view groups_path, std::string_view channel_id) {
  return fmt::format(
      "Set {}[\"{}\"].requireMention=false to process messages without a mention "
      "(posts in this channel are skipped unless they mention the bot).",
      groups_path, channel_id);
}

}  // namespace mmclaw::gateway

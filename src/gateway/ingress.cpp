#include "gateway/ingress.hpp"

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

}  // namespace

std::string_view to_string(DropReason reason) noexcept {
  switch (reason) {
    case DropReason::own_post: return "own_post";
    case DropReason::system_post: return "system_post";
    case DropReason::deleted: return "deleted";
    case DropReason::empty: return "empty";
    case DropReason::not_mentioned: return "not_mentioned";
    case DropReason::unknown_channel: return "unknown_channel";
  }
  return "unknown";
}

bool mentions_username(std::string_view message, std::string_view username) {
  if (username.empty() || message.size() <= username.size()) return false;
  const std::string text = without_code(message);
  const std::string_view view(text);
  std::size_t at = view.find('@');
  while (at != std::string_view::npos) {
    const bool preceded = at > 0 && is_word_char(view[at - 1]);
    const std::size_t name_begin = at + 1;
    if (!preceded && view.size() - name_begin >= username.size() &&
        util::iequals(view.substr(name_begin, username.size()), username)) {
      std::size_t after = name_begin + username.size();
      bool continues = after < view.size() && is_word_char(view[after]);
      if (!continues) {
        std::size_t p = after;
        while (p < view.size() && is_trailing_punct(view[p])) ++p;
        continues = p > after && p < view.size() && is_word_char(view[p]);
      }
      if (!continues) return true;
    }
    at = view.find('@', at + 1);
  }
  return false;
}

std::optional<DropReason> screen_post(const InboundPost& inbound, const BotIdentity& bot) {
  const auto& post = *inbound.post;
  if (!bot.id.empty() && post.user_id == bot.id) return DropReason::own_post;
  if (util::starts_with_icase(post.type, "system_")) return DropReason::system_post;
  if (post.delete_at != 0) return DropReason::deleted;
  if (util::trim(post.message).empty() && post.file_ids.empty()) return DropReason::empty;
  if (!inbound.channel_type) return DropReason::unknown_channel;
  switch (*inbound.channel_type) {
    case mattermost::ChannelType::direct:
    case mattermost::ChannelType::group: return std::nullopt;
    case mattermost::ChannelType::open:
    case mattermost::ChannelType::private_team: break;
  }
  if (mentions_username(post.message, bot.username)) return std::nullopt;
  return DropReason::not_mentioned;
}

store::IngressRecord ingress_record(std::string_view account_id, const mattermost::Post& post) {
  store::IngressRecord record;
  record.account_id = std::string(account_id);
  record.post_id = post.id;
  record.channel_id = post.channel_id;
  record.root_id = post.root_id;
  record.create_at = post.create_at;
  record.update_at = post.update_at != 0 ? post.update_at : post.create_at;
  return record;
}

}  // namespace mmclaw::gateway

#include "mattermost/emoji.hpp"

#include <array>
#include <utility>

#include "util/strings.hpp"

namespace mmclaw::mattermost {
namespace {

struct Glyph {
  std::string_view glyph;  // UTF-8, without variation selectors
  std::string_view name;
  bool skin_tones;  // a skin-tone modifier after it adds a suffix
};

// §7, in its order.
constexpr std::array<Glyph, 24> kGlyphs{{
    {"\u2705", "white_check_mark", false},
    {"\u274C", "x", false},
    {"\U0001F44D", "thumbsup", true},
    {"\U0001F44E", "thumbsdown", true},
    {"\U0001F389", "tada", false},
    {"\u2764", "heart", false},
    {"\U0001F604", "smile", false},
    {"\U0001F602", "joy", false},
    {"\U0001F680", "rocket", false},
    {"\U0001F440", "eyes", false},
    {"\U0001F64F", "pray", true},
    {"\U0001F525", "fire", false},
    {"\U0001F4AF", "100", false},
    {"\u26A0", "warning", false},
    {"\u2795", "heavy_plus_sign", false},
    {"\u2796", "heavy_minus_sign", false},
    {"\U0001F914", "thinking_face", false},
    {"\u26A1", "zap", false},
    {"\U0001F310", "globe_with_meridians", false},
    {"\U0001F631", "scream", false},
    {"\U0001F9E0", "brain", false},
    {"\U0001F4BB", "computer", false},
    {"\U0001F44B", "wave", true},
    {"\U0001F64C", "raised_hands", true},
}};

constexpr std::array<std::pair<std::string_view, std::string_view>, 5> kSkinTones{{
    {"\U0001F3FB", "_light_skin_tone"},
    {"\U0001F3FC", "_medium_light_skin_tone"},
    {"\U0001F3FD", "_medium_skin_tone"},
    {"\U0001F3FE", "_medium_dark_skin_tone"},
    {"\U0001F3FF", "_dark_skin_tone"},
}};

constexpr std::string_view kVs15 = "\uFE0E";  // text presentation
constexpr std::string_view kVs16 = "\uFE0F";  // emoji presentation

std::string without_variation_selectors(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  while (!s.empty()) {
    if (s.starts_with(kVs15) || s.starts_with(kVs16)) {
      s.remove_prefix(kVs16.size());
      continue;
    }
    out += s.front();
    s.remove_prefix(1);
  }
  return out;
}

}  // namespace

std::string normalize_emoji(std::string_view emoji) {
  std::string_view s = util::trim(emoji);
  while (!s.empty() && s.front() == ':') s.remove_prefix(1);
  while (!s.empty() && s.back() == ':') s.remove_suffix(1);
  s = util::trim(s);

  const std::string bare = without_variation_selectors(s);
  for (const auto& g : kGlyphs) {
    if (!std::string_view(bare).starts_with(g.glyph)) continue;
    const std::string_view rest = std::string_view(bare).substr(g.glyph.size());
    if (rest.empty()) return std::string(g.name);
    if (!g.skin_tones) continue;
    for (const auto& [modifier, suffix] : kSkinTones)
      if (rest == modifier) return std::string(g.name) + std::string(suffix);
  }
  return std::string(s);
}

}  // namespace mmclaw::mattermost

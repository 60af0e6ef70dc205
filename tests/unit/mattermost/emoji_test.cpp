// Emoji normalisation for reactions (mattermost/emoji, channel-behaviour §7).
#include "mattermost/emoji.hpp"

#include <gtest/gtest.h>

namespace mmclaw::mattermost {
namespace {

struct EmojiCase {
  std::string_view input;
  std::string_view expected;
};

class EmojiNormalize : public ::testing::TestWithParam<EmojiCase> {};

TEST_P(EmojiNormalize, Maps) {
  EXPECT_EQ(normalize_emoji(GetParam().input), GetParam().expected) << GetParam().input;
}

// Every glyph of the §7 table.
INSTANTIATE_TEST_SUITE_P(
    EmojiGlyphs, EmojiNormalize,
    ::testing::Values(EmojiCase{"✅", "white_check_mark"}, EmojiCase{"❌", "x"}, EmojiCase{"👍", "thumbsup"},
                      EmojiCase{"👎", "thumbsdown"}, EmojiCase{"🎉", "tada"}, EmojiCase{"❤", "heart"},
                      EmojiCase{"😄", "smile"}, EmojiCase{"😂", "joy"}, EmojiCase{"🚀", "rocket"},
                      EmojiCase{"👀", "eyes"}, EmojiCase{"🙏", "pray"}, EmojiCase{"🔥", "fire"},
                      EmojiCase{"💯", "100"}, EmojiCase{"⚠", "warning"}, EmojiCase{"➕", "heavy_plus_sign"},
                      EmojiCase{"➖", "heavy_minus_sign"}, EmojiCase{"🤔", "thinking_face"},
                      EmojiCase{"⚡", "zap"}, EmojiCase{"🌐", "globe_with_meridians"}, EmojiCase{"😱", "scream"},
                      EmojiCase{"🧠", "brain"}, EmojiCase{"💻", "computer"}, EmojiCase{"👋", "wave"},
                      EmojiCase{"🙌", "raised_hands"}));

// Variation selectors (U+FE0F emoji presentation, U+FE0E text presentation) are ignored.
INSTANTIATE_TEST_SUITE_P(
    EmojiVariationSelectors, EmojiNormalize,
    ::testing::Values(EmojiCase{"\u2764\uFE0F", "heart"}, EmojiCase{"\u26A0\uFE0F", "warning"},
                      EmojiCase{"\u2764\uFE0E", "heart"}, EmojiCase{"\u26A1\uFE0F", "zap"},
                      EmojiCase{"\u2705\uFE0F", "white_check_mark"},
                      EmojiCase{"\U0001F44D\uFE0F", "thumbsup"},
                      EmojiCase{"\U0001F44D\uFE0F\U0001F3FD", "thumbsup_medium_skin_tone"},
                      EmojiCase{":\u2764\uFE0F:", "heart"}));

// Skin tones for the five that take them.
INSTANTIATE_TEST_SUITE_P(EmojiSkinTones, EmojiNormalize,
                         ::testing::Values(EmojiCase{"👍🏻", "thumbsup_light_skin_tone"},
                                           EmojiCase{"👍🏼", "thumbsup_medium_light_skin_tone"},
                                           EmojiCase{"👍🏽", "thumbsup_medium_skin_tone"},
                                           EmojiCase{"👍🏾", "thumbsup_medium_dark_skin_tone"},
                                           EmojiCase{"👍🏿", "thumbsup_dark_skin_tone"},
                                           EmojiCase{"👎🏻", "thumbsdown_light_skin_tone"},
                                           EmojiCase{"👎🏿", "thumbsdown_dark_skin_tone"},
                                           EmojiCase{"🙏🏼", "pray_medium_light_skin_tone"},
                                           EmojiCase{"🙏🏾", "pray_medium_dark_skin_tone"},
                                           EmojiCase{"👋🏽", "wave_medium_skin_tone"},
                                           EmojiCase{"👋🏻", "wave_light_skin_tone"},
                                           EmojiCase{"🙌🏿", "raised_hands_dark_skin_tone"},
                                           EmojiCase{"🙌🏼", "raised_hands_medium_light_skin_tone"}));

// Colons, whitespace and everything outside the table.
INSTANTIATE_TEST_SUITE_P(
    EmojiPassThrough, EmojiNormalize,
    ::testing::Values(EmojiCase{":tada:", "tada"}, EmojiCase{"tada", "tada"}, EmojiCase{"::tada::", "tada"},
                      EmojiCase{":white_check_mark", "white_check_mark"}, EmojiCase{"eyes:", "eyes"},
                      EmojiCase{" :rocket: ", "rocket"}, EmojiCase{"+1", "+1"}, EmojiCase{":+1:", "+1"},
                      EmojiCase{"thumbsup_dark_skin_tone", "thumbsup_dark_skin_tone"}, EmojiCase{":", ""},
                      EmojiCase{"", ""}, EmojiCase{"  ", ""}, EmojiCase{"🦄", "🦄"},
                      EmojiCase{"🔥🏻", "🔥🏻"},          // no skin tones for fire
                      EmojiCase{"👍👍", "👍👍"},                      // two glyphs are not one
                      EmojiCase{"👍🏻🏻", "👍🏻🏻"},  // nor is a doubled modifier
                      EmojiCase{"\u263A\uFE0F", "\u263A\uFE0F"},  // unknown glyphs keep their selector
                      EmojiCase{"Tada", "Tada"}, EmojiCase{":custom-emoji_1:", "custom-emoji_1"}));

}  // namespace
}  // namespace mmclaw::mattermost

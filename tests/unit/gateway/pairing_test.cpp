// Pairing codes and texts (src/gateway/pairing.*; channel-behaviour.md §4.5, PRODUCT.md).
#include "gateway/pairing.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

namespace mmclaw::gateway {
namespace {

TEST(PairingCode, AlphabetIsThe32UnambiguousSymbols) {
  EXPECT_EQ(kPairingCodeAlphabet, "ABCDEFGHJKLMNPQRSTUVWXYZ23456789");
  EXPECT_EQ(kPairingCodeAlphabet.size(), 32U);
  EXPECT_EQ(std::set<char>(kPairingCodeAlphabet.begin(), kPairingCodeAlphabet.end()).size(), 32U);
  for (char lookalike : {'I', 'O', '0', '1'})
    EXPECT_EQ(kPairingCodeAlphabet.find(lookalike), std::string::npos);
  EXPECT_EQ(kPairingCodeLength, 8U);
  EXPECT_EQ(kPairingTtlMs, 3'600'000);
}

TEST(PairingCode, FromBytesTakesTheLowFiveBitsOfEachByte) {
  const std::array<std::uint8_t, 8> zeros{};
  EXPECT_EQ(pairing_code_from_bytes(zeros), "AAAAAAAA");
  const std::array<std::uint8_t, 8> bytes{0, 1, 31, 32, 33, 255, 224, 24};
  // 0->A 1->B 31->9 32->A 33->B 255(31)->9 224(0)->A 24->2
  EXPECT_EQ(pairing_code_from_bytes(bytes), "AB9AB9A2");
  // Extra bytes are ignored.
  const std::array<std::uint8_t, 10> longer{0, 1, 31, 32, 33, 255, 224, 24, 5, 5};
  EXPECT_EQ(pairing_code_from_bytes(longer), "AB9AB9A2");
}

TEST(PairingCode, FromBytesIsUnbiasedOverAllByteValues) {
  // Every byte value once in each position: every symbol exactly 8 times per position.
  std::map<char, int> counts;
  for (int value = 0; value < 256; ++value) {
    std::array<std::uint8_t, 8> bytes{};
    bytes.fill(static_cast<std::uint8_t>(value));
    for (char c : pairing_code_from_bytes(bytes)) ++counts[c];
  }
  ASSERT_EQ(counts.size(), 32U);
  for (const auto& [symbol, count] : counts) EXPECT_EQ(count, 8 * 8) << symbol;
}

TEST(PairingCode, FromBytesRefusesTooFewBytes) {
  const std::array<std::uint8_t, 7> seven{};
  EXPECT_THROW(std::ignore = pairing_code_from_bytes(seven), std::invalid_argument);
  EXPECT_THROW(std::ignore = pairing_code_from_bytes({}), std::invalid_argument);
}

TEST(PairingCode, RandomCodesAreWellFormedAndVary) {
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) {
    const std::string code = random_pairing_code();
    EXPECT_EQ(code.size(), kPairingCodeLength);
    EXPECT_TRUE(is_pairing_code(code)) << code;
    seen.insert(code);
  }
  // 50 draws from 32^8 codes: a repeat would mean a broken generator.
  EXPECT_EQ(seen.size(), 50U);
}

TEST(PairingCode, NormalizeTrimsAndUpperCases) {
  EXPECT_EQ(normalize_pairing_code("abcd2345"), "ABCD2345");
  EXPECT_EQ(normalize_pairing_code("  AbCd2345\n"), "ABCD2345");
  EXPECT_EQ(normalize_pairing_code(""), "");
  EXPECT_EQ(normalize_pairing_code("ab cd"), "AB CD");  // inner blanks stay: not a code
}

TEST(PairingCode, IsPairingCodeAfterNormalizing) {
  EXPECT_TRUE(is_pairing_code("ABCD2345"));
  EXPECT_TRUE(is_pairing_code("abcd2345"));
  EXPECT_TRUE(is_pairing_code(" wxyz6789 "));
  EXPECT_FALSE(is_pairing_code(""));
  EXPECT_FALSE(is_pairing_code("ABCD234"));    // 7
  EXPECT_FALSE(is_pairing_code("ABCD23456"));  // 9
  EXPECT_FALSE(is_pairing_code("ABCD2341"));   // 1 is not in the alphabet
  EXPECT_FALSE(is_pairing_code("ABCD234O"));   // nor O
  EXPECT_FALSE(is_pairing_code("ABCD234I"));   // nor I
  EXPECT_FALSE(is_pairing_code("ABCD2340"));   // nor 0
  EXPECT_FALSE(is_pairing_code("ABC 2345"));
  EXPECT_FALSE(is_pairing_code("ABCD-345"));
}

TEST(PairingText, ReplyTextIsExact) {
  EXPECT_EQ(pairing_reply_text("u8x3k1", "ABCD2345"),
            "mmclaw: access not configured.\n"
            "\n"
            "Your Mattermost user id: u8x3k1\n"
            "Pairing code:\n"
            "```\n"
            "ABCD2345\n"
            "```\n"
            "\n"
            "Ask the bot owner to approve with:\n"
            "```\n"
            "mmclaw pairing approve ABCD2345\n"
            "```");
}

TEST(PairingText, ApprovedTextIsExact) {
  EXPECT_EQ(pairing_approved_text(), "mmclaw: your access has been approved.");
}

}  // namespace
}  // namespace mmclaw::gateway

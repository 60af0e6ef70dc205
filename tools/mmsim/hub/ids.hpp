#pragma once
// Mattermost ids (protocol reference §0.1): 16 random bytes written in the base32 alphabet
// `ybndrfg8ejkmcpqxot1uwisza345h769`, truncated to 26 characters.

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace mmsim {

std::string encode_id(const std::array<std::uint8_t, 16>& bytes);

// A generator seeded from std::random_device.
std::function<std::string()> random_id_generator();

// The server's IsValidId: 26 bytes, each a letter or a digit (ASCII only here).
bool is_valid_id(std::string_view id) noexcept;

}  // namespace mmsim

#pragma once
// Mattermost ids (protocol reference §0.1): 16 random bytes in a custom base32 alphabet, always
// 26 lower-case characters. The model takes an injectable generator so tests are deterministic.

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace mmsim {

inline constexpr std::string_view kIdAlphabet = "ybndrfg8ejkmcpqxot1uwisza345h769";

// Produces a new 26-character id each call.
using IdGenerator = std::function<std::string()>;

// Encodes 16 bytes the way NewId does (base32, custom alphabet, no padding, 26 chars).
std::string encode_id(const std::array<std::uint8_t, 16>& bytes);

// IsValidId: 26 characters, each an ASCII letter or digit.
bool is_valid_id(std::string_view id) noexcept;

// Ids from OpenSSL's random generator (UUID v4 bytes, like NewId).
IdGenerator random_id_generator();

// Deterministic ids for tests: the n-th call encodes `seed` and n into the 16 bytes.
IdGenerator sequential_id_generator(std::uint64_t seed = 0);

}  // namespace mmsim

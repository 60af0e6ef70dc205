#include "mmsim/model/ids.hpp"

#include <openssl/rand.h>

#include <memory>
#include <stdexcept>

namespace mmsim {

std::string encode_id(const std::array<std::uint8_t, 16>& bytes) {
  // Go's base32 encoder with NoPadding: 128 bits -> 26 symbols (the last one carries 3 bits).
  std::string out;
  out.reserve(26);
  std::uint32_t buffer = 0;
  int bits = 0;
  for (std::uint8_t byte : bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out.push_back(kIdAlphabet[(buffer >> bits) & 0x1f]);
    }
  }
  if (bits > 0) out.push_back(kIdAlphabet[(buffer << (5 - bits)) & 0x1f]);
  return out;
}

bool is_valid_id(std::string_view id) noexcept {
  if (id.size() != 26) return false;
  for (char c : id) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum) return false;
  }
  return true;
}

IdGenerator random_id_generator() {
  return [] {
    std::array<std::uint8_t, 16> bytes{};
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
      throw std::runtime_error("mmsim: RAND_bytes failed");
    }
    bytes[6] = static_cast<std::uint8_t>((bytes[6] & 0x0f) | 0x40);  // UUID v4
    bytes[8] = static_cast<std::uint8_t>((bytes[8] & 0x3f) | 0x80);
    return encode_id(bytes);
  };
}

IdGenerator sequential_id_generator(std::uint64_t seed) {
  auto counter = std::make_shared<std::uint64_t>(0);
  return [seed, counter] {
    const std::uint64_t n = ++*counter;
    std::array<std::uint8_t, 16> bytes{};
    for (int i = 0; i < 8; ++i) {
      bytes[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(seed >> (56 - 8 * i));
      bytes[static_cast<std::size_t>(8 + i)] = static_cast<std::uint8_t>(n >> (56 - 8 * i));
    }
    return encode_id(bytes);
  };
}

}  // namespace mmsim

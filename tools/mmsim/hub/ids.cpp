#include "mmsim/hub/ids.hpp"

#include <memory>
#include <random>

namespace mmsim {

namespace {

constexpr std::string_view kAlphabet = "ybndrfg8ejkmcpqxot1uwisza345h769";
constexpr std::size_t kIdLength = 26;

bool is_ascii_alnum(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

}  // namespace

std::string encode_id(const std::array<std::uint8_t, 16>& bytes) {
  // RFC 4648 bit order: 128 bits give 25 full groups of 5 bits and a 26th holding the last 3.
  std::string out;
  out.reserve(kIdLength);
  std::uint32_t buffer = 0;
  int bits = 0;
  for (std::uint8_t b : bytes) {
    buffer = (buffer << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out.push_back(kAlphabet[(buffer >> (bits - 5)) & 0x1f]);
      bits -= 5;
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(buffer << (5 - bits)) & 0x1f]);
  return out;
}

std::function<std::string()> random_id_generator() {
  auto engine = std::make_shared<std::mt19937_64>(std::random_device{}());
  return [engine] {
    std::array<std::uint8_t, 16> bytes{};
    for (std::size_t i = 0; i < bytes.size(); i += 8) {
      std::uint64_t word = (*engine)();
      for (std::size_t j = 0; j < 8; ++j) bytes[i + j] = static_cast<std::uint8_t>(word >> (8 * j));
    }
    return encode_id(bytes);
  };
}

bool is_valid_id(std::string_view id) noexcept {
  if (id.size() != kIdLength) return false;
  for (char c : id) {
    if (!is_ascii_alnum(c)) return false;
  }
  return true;
}

}  // namespace mmsim

#include "gateway/pairing.hpp"

#include <openssl/rand.h>

#include <array>
#include <stdexcept>

#include "util/strings.hpp"

namespace mmclaw::gateway {

static_assert(kPairingCodeAlphabet.size() == 32, "pairing_code_from_bytes takes 5 bits per symbol");

std::string pairing_code_from_bytes(std::span<const std::uint8_t> bytes) {
  if (bytes.size() < kPairingCodeLength) {
    throw std::invalid_argument("pairing_code_from_bytes needs " + std::to_string(kPairingCodeLength) +
                                " bytes, got " + std::to_string(bytes.size()));
  }
  std::string code;
  code.reserve(kPairingCodeLength);
  for (std::size_t i = 0; i < kPairingCodeLength; ++i) code.push_back(kPairingCodeAlphabet[bytes[i] & 0x1FU]);
  return code;
}

std::string normalize_pairing_code(std::string_view code) {
  std::string normalized(util::trim(code));
  for (char& c : normalized) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return normalized;
}

bool is_pairing_code(std::string_view code) {
  const std::string normalized = normalize_pairing_code(code);
  if (normalized.size() != kPairingCodeLength) return false;
  for (char c : normalized) {
    if (kPairingCodeAlphabet.find(c) == std::string_view::npos) return false;
  }
  return true;
}

std::string pairing_reply_text(std::string_view sender_id, std::string_view code) {
  std::string text;
  text += "mmclaw: access not configured.\n";
  text += "\n";
  text += "Your Mattermost user id: ";
  text += sender_id;
  text += "\n";
  text += "Pairing code:\n";
  text += "```\n";
  text += code;
  text += "\n```\n";
  text += "\n";
  text += "Ask the bot owner to approve with:\n";
  text += "```\n";
  text += "mmclaw pairing approve ";
  text += code;
  text += "\n```";
  return text;
}

std::string pairing_approved_text() {
  return "mmclaw: your access has been approved.";
}

std::string random_pairing_code() {
  std::array<std::uint8_t, kPairingCodeLength> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    throw std::runtime_error("the system random number generator failed; no pairing code issued");
  }
  return pairing_code_from_bytes(bytes);
}

}  // namespace mmclaw::gateway

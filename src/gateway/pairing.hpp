#pragma once
// DM pairing codes and texts (channel-behaviour.md §4.5; PRODUCT.md: mmclaw says `mmclaw` where the
// reference says `OpenClaw`). Pure except random_pairing_code, which draws from OpenSSL. The requests
// themselves live in the store (Store::request_pairing and friends).

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace mmclaw::gateway {

// 32 symbols: A-Z and 2-9 without the look-alikes I, O, 0 and 1.
inline constexpr std::string_view kPairingCodeAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
inline constexpr std::size_t kPairingCodeLength = 8;
inline constexpr std::int64_t kPairingTtlMs = 3'600'000;  // a request is pending for one hour

// One symbol per byte: the byte's low 5 bits index the alphabet. 256 is a multiple of 32, so every
// symbol is equally likely for uniform bytes (no rejection needed). Uses the first
// kPairingCodeLength bytes; throws std::invalid_argument when there are fewer (a bug in the caller).
[[nodiscard]] std::string pairing_code_from_bytes(std::span<const std::uint8_t> bytes);

// Trimmed and upper-cased, as `mmclaw pairing approve` accepts what a user types.
[[nodiscard]] std::string normalize_pairing_code(std::string_view code);

// True when the normalized text is kPairingCodeLength symbols of kPairingCodeAlphabet.
[[nodiscard]] bool is_pairing_code(std::string_view code);

// The DM a sender gets when their pairing request is created (never for a repeat while pending).
[[nodiscard]] std::string pairing_reply_text(std::string_view sender_id, std::string_view code);

// The DM a sender gets once their request is approved.
[[nodiscard]] std::string pairing_approved_text();

// A fresh code from OpenSSL RAND_bytes; throws std::runtime_error when the generator fails, since
// a predictable code would let anyone in.
[[nodiscard]] std::string random_pairing_code();

}  // namespace mmclaw::gateway

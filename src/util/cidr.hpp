#pragma once
// IPv4/IPv6 addresses and CIDR ranges, as used by `gateway.trustedProxies` and
// `interactions.allowedSourceIps`. A plain address is a range of one.

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace mmclaw::util {

struct IpAddress {
  bool v6 = false;
  std::array<std::uint8_t, 16> bytes{};  // IPv4 uses the first 4

  static std::optional<IpAddress> parse(std::string_view text);  // accepts [::1] brackets too
  bool operator==(const IpAddress&) const = default;
};

struct Cidr {
  IpAddress base;
  unsigned prefix = 0;

  static std::optional<Cidr> parse(std::string_view text);  // "10.0.0.0/8", "::1", "127.0.0.1"
  [[nodiscard]] bool contains(const IpAddress& ip) const;
};

}  // namespace mmclaw::util

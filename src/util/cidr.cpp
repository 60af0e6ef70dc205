#include "util/cidr.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <string>

namespace mmclaw::util {

namespace {
// An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is compared as the IPv4 address it carries.
IpAddress unmap(const IpAddress& ip) {
  if (!ip.v6) return ip;
  for (int i = 0; i < 10; ++i)
    if (ip.bytes[static_cast<std::size_t>(i)] != 0) return ip;
  if (ip.bytes[10] != 0xff || ip.bytes[11] != 0xff) return ip;
  IpAddress v4;
  for (std::size_t i = 0; i < 4; ++i) v4.bytes[i] = ip.bytes[12 + i];
  return v4;
}
}  // namespace

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') text = text.substr(1, text.size() - 2);
  if (text.empty() || text.size() > 64) return std::nullopt;
  const std::string s(text);
  IpAddress ip;
  if (inet_pton(AF_INET, s.c_str(), ip.bytes.data()) == 1) return ip;
  if (inet_pton(AF_INET6, s.c_str(), ip.bytes.data()) == 1) {
    ip.v6 = true;
    return ip;
  }
  return std::nullopt;
}

std::optional<Cidr> Cidr::parse(std::string_view text) {
  const auto slash = text.find('/');
  auto ip = IpAddress::parse(text.substr(0, slash));
  if (!ip) return std::nullopt;
  const unsigned max_prefix = ip->v6 ? 128 : 32;
  unsigned prefix = max_prefix;
  if (slash != std::string_view::npos) {
    const auto digits = text.substr(slash + 1);
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
    if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size() || prefix > max_prefix)
      return std::nullopt;
  }
  return Cidr{*ip, prefix};
}

bool Cidr::contains(const IpAddress& candidate) const {
  const IpAddress a = unmap(base);
  const IpAddress b = unmap(candidate);
  if (a.v6 != b.v6) return false;
  unsigned bits = prefix;
  if (base.v6 && !a.v6) bits = bits >= 96 ? bits - 96 : 0;  // a mapped range written in IPv6 form
  for (std::size_t i = 0; bits > 0; ++i) {
    const unsigned take = bits >= 8 ? 8 : bits;
    const auto mask = static_cast<std::uint8_t>(0xff << (8 - take));
    if ((a.bytes[i] & mask) != (b.bytes[i] & mask)) return false;
    bits -= take;
  }
  return true;
}

}  // namespace mmclaw::util

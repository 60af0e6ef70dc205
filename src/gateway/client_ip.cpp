#include "gateway/client_ip.hpp"

#include <vector>

#include "util/strings.hpp"

namespace mmclaw::gateway {

namespace {

// ::ffff:a.b.c.d as a.b.c.d.
util::IpAddress unmapped(util::IpAddress ip) {
  if (!ip.v6) return ip;
  for (std::size_t i = 0; i < 10; ++i)
    if (ip.bytes[i] != 0) return ip;
  if (ip.bytes[10] != 0xff || ip.bytes[11] != 0xff) return ip;
  util::IpAddress v4;
  for (std::size_t i = 0; i < 4; ++i) v4.bytes[i] = ip.bytes[12 + i];
  return v4;
}

std::optional<util::IpAddress> parse(std::string_view text) {
  auto ip = util::IpAddress::parse(util::trim(text));
  if (!ip) return std::nullopt;
  return unmapped(*ip);
}

bool in_any(const util::IpAddress& ip, std::span<const std::string> ranges) {
  for (const auto& entry : ranges)
    if (const auto range = util::Cidr::parse(util::trim(entry)); range && range->contains(ip)) return true;
  return false;
}

}  // namespace

std::optional<util::IpAddress> client_ip(std::string_view socket_ip, std::string_view forwarded_for,
                                         std::string_view real_ip, std::span<const std::string> trusted_proxies,
                                         bool allow_real_ip_fallback) {
  const auto peer = parse(socket_ip);
  if (!peer || !in_any(*peer, trusted_proxies)) return peer;
  std::vector<std::string_view> hops;
  while (!forwarded_for.empty()) {
    const auto comma = forwarded_for.find(',');
    const std::string_view hop = util::trim(forwarded_for.substr(0, comma));
    if (!hop.empty()) hops.push_back(hop);
    forwarded_for = comma == std::string_view::npos ? std::string_view() : forwarded_for.substr(comma + 1);
  }
  if (!hops.empty()) {
    for (auto it = hops.rbegin(); it != hops.rend(); ++it) {
      const auto hop = parse(*it);
      if (!hop) return std::nullopt;  // a forged or broken header decides nothing in the caller's favour
      if (!in_any(*hop, trusted_proxies)) return hop;
    }
    return parse(hops.front());
  }
  if (allow_real_ip_fallback && !util::trim(real_ip).empty()) return parse(real_ip);
  return peer;
}

bool source_allowed(const util::IpAddress& ip, std::span<const std::string> allowed_source_ips) {
  const util::IpAddress address = unmapped(ip);
  if (!allowed_source_ips.empty()) return in_any(address, allowed_source_ips);
  static const std::vector<std::string> loopback{"127.0.0.0/8", "::1"};
  return in_any(address, loopback);
}

}  // namespace mmclaw::gateway

#pragma once
// Who is calling the gateway's callbacks (channel-behaviour §8.3, issue 9), pure: the client
// address of a request (the socket's peer; behind one of `gateway.trustedProxies`, the address the
// proxies forwarded) and the source check of the button callback (`interactions.allowedSourceIps`,
// loopback only when empty).

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "util/cidr.hpp"

namespace mmclaw::gateway {

// The client address:
//  * the socket's peer, when it is not in `trusted_proxies` (addresses or CIDR ranges; entries
//    that cannot be read are ignored);
//  * else the right-most `X-Forwarded-For` entry that is not a trusted proxy itself (entries are
//    comma-separated; blanks ignored); when every entry is a trusted proxy, the left-most one;
//  * else (no usable `X-Forwarded-For`) `X-Real-IP`, only with `allow_real_ip_fallback`;
//  * else the peer.
// IPv4-mapped IPv6 addresses (`::ffff:10.0.0.1`) count as the IPv4 address. nullopt when the
// address that decides cannot be read.
std::optional<util::IpAddress> client_ip(std::string_view socket_ip, std::string_view forwarded_for,
                                         std::string_view real_ip, std::span<const std::string> trusted_proxies,
                                         bool allow_real_ip_fallback);

// Whether `ip` may call the button callback: in one of `allowed_source_ips` (addresses or CIDR
// ranges), or, when that list is empty, a loopback address (127.0.0.0/8, ::1).
bool source_allowed(const util::IpAddress& ip, std::span<const std::string> allowed_source_ips);

}  // namespace mmclaw::gateway

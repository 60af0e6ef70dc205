#pragma once
// The SSRF guard of channel-behaviour §2.3 (field report 16). Every outgoing REST call and file
// download is checked twice: check_host() before resolving (names such as `localhost` or
// `*.internal`, and literal addresses in any form a resolver accepts), and check_resolved() for
// every address the name resolved to, so a public name that resolves to 127.0.0.1 (DNS rebinding)
// is still refused. Pure: no resolver, no sockets. Immutable after construction, so safe to share.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/cidr.hpp"
#include "util/error.hpp"

namespace mmclaw::net {

// The config key that lifts the guard; error texts name it.
inline constexpr std::string_view kAllowPrivateNetworkKey = "network.dangerouslyAllowPrivateNetwork";

enum class AddressClass {
  public_address,
  unspecified,   // 0.0.0.0/8, ::
  loopback,      // 127.0.0.0/8, ::1
  private_use,   // 10/8, 172.16/12, 192.168/16, fc00::/7 (and deprecated fec0::/10)
  shared_cgnat,  // 100.64/10
  link_local,    // 169.254/16, fe80::/10
  multicast,     // 224/4, ff00::/8
  reserved,      // 240/4 (incl. broadcast), 192.0.0/24, 198.18/15, 100::/64
};

// "loopback address", "private address", ... ("public address" for public_address).
std::string_view describe(AddressClass c) noexcept;

// The class of `ip`; IPv4 carried in IPv6 (mapped ::ffff:a.b.c.d, compatible ::a.b.c.d, NAT64
// 64:ff9b::/96, 6to4 2002::/16) is classified as the IPv4 address it carries.
AddressClass classify_address(const util::IpAddress& ip) noexcept;

// A host written as an address: dotted IPv4, IPv6 (brackets allowed), and the shorthand forms a
// resolver also accepts (`127.1`, `2130706433`, `0x7f.0.0.1`, `0177.0.0.1`).
std::optional<util::IpAddress> parse_host_address(std::string_view host);

// `localhost`, `*.localhost`, `*.local`, `*.internal` (and the `ip6-localhost`/`ip6-loopback`
// names of /etc/hosts); ASCII case-insensitive, trailing dots ignored.
bool is_private_host_name(std::string_view host);

struct SsrfPolicy {
  bool allow_private_network = false;  // network.dangerouslyAllowPrivateNetwork
  // Exact host names (or literal addresses) trusted even when they are private: the configured
  // Mattermost host for file downloads. ASCII case-insensitive, trailing dots ignored.
  std::vector<std::string> allowed_hosts;
};

class SsrfGuard {
 public:
  explicit SsrfGuard(SsrfPolicy policy);

  // Before resolving: invalid_input when `host` is empty, a private host name or a literal
  // private address, unless the policy allows it.
  Result<void> check_host(std::string_view host) const;
  // After resolving `host` to `ip`: invalid_input when `ip` is not public, unless the policy
  // allows private networks or `host` is allow-listed.
  Result<void> check_resolved(std::string_view host, const util::IpAddress& ip) const;

  bool allows_private_network() const noexcept { return policy_.allow_private_network; }
  bool is_allowed_host(std::string_view host) const;

 private:
  SsrfPolicy policy_;
};

}  // namespace mmclaw::net

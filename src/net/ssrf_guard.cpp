#include "net/ssrf_guard.hpp"

#include <arpa/inet.h>

#include <array>
#include <cstdint>
#include <utility>

#include "util/strings.hpp"

namespace mmclaw::net {

namespace {

// Trimmed, without brackets or trailing dots, lower-case.
std::string normalise_host(std::string_view host) {
  host = util::trim(host);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  while (!host.empty() && host.back() == '.') host.remove_suffix(1);
  return util::to_lower(host);
}

bool ends_with_label(std::string_view host, std::string_view suffix) {
  return host.size() > suffix.size() && host.ends_with(suffix) &&
         host[host.size() - suffix.size() - 1] == '.';
}

AddressClass classify_v4(std::uint8_t a, std::uint8_t b, std::uint8_t c) noexcept {
  if (a == 0) return AddressClass::unspecified;
  if (a == 10) return AddressClass::private_use;
  if (a == 100 && (b & 0xC0U) == 64) return AddressClass::shared_cgnat;
  if (a == 127) return AddressClass::loopback;
  if (a == 169 && b == 254) return AddressClass::link_local;
  if (a == 172 && (b & 0xF0U) == 16) return AddressClass::private_use;
  if (a == 192 && b == 168) return AddressClass::private_use;
  if (a == 192 && b == 0 && c == 0) return AddressClass::reserved;
  if (a == 198 && (b & 0xFEU) == 18) return AddressClass::reserved;
  if (a >= 224 && a < 240) return AddressClass::multicast;
  if (a >= 240) return AddressClass::reserved;
  return AddressClass::public_address;
}

bool all_zero(const std::array<std::uint8_t, 16>& b, std::size_t from, std::size_t to) noexcept {
  for (std::size_t i = from; i < to; ++i)
    if (b[i] != 0) return false;
  return true;
}

// One part of a shorthand IPv4 address: decimal, 0x hex or leading-0 octal, as inet_aton reads it.
std::optional<std::uint64_t> parse_aton_part(std::string_view s) {
  unsigned base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s.remove_prefix(2);
  } else if (s.size() > 1 && s[0] == '0') {
    base = 8;
    s.remove_prefix(1);
  }
  if (s.empty() || s.size() > 12) return std::nullopt;
  std::uint64_t value = 0;
  for (const char ch : s) {
    unsigned digit = 0;
    if (ch >= '0' && ch <= '9')
      digit = static_cast<unsigned>(ch - '0');
    else if (ch >= 'a' && ch <= 'f')
      digit = static_cast<unsigned>(ch - 'a' + 10);
    else if (ch >= 'A' && ch <= 'F')
      digit = static_cast<unsigned>(ch - 'A' + 10);
    else
      return std::nullopt;
    if (digit >= base) return std::nullopt;
    value = value * base + digit;
  }
  return value;
}

std::optional<util::IpAddress> parse_aton(std::string_view host) {
  const auto parts = util::split(host, '.');
  if (parts.empty() || parts.size() > 4) return std::nullopt;
  std::array<std::uint64_t, 4> values{};
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const auto v = parse_aton_part(parts[i]);
    if (!v) return std::nullopt;
    values[i] = *v;
  }
  const std::size_t last = parts.size() - 1;
  for (std::size_t i = 0; i < last; ++i)
    if (values[i] > 255) return std::nullopt;
  const unsigned tail_bytes = static_cast<unsigned>(4 - last);
  if (values[last] >= (std::uint64_t{1} << (8 * tail_bytes))) return std::nullopt;
  std::uint32_t addr = 0;
  for (std::size_t i = 0; i < last; ++i) addr |= static_cast<std::uint32_t>(values[i]) << (8 * (3 - i));
  addr |= static_cast<std::uint32_t>(values[last]);
  util::IpAddress ip;
  for (std::size_t i = 0; i < 4; ++i) ip.bytes[i] = static_cast<std::uint8_t>(addr >> (8 * (3 - i)));
  return ip;
}

std::string address_text(const util::IpAddress& ip) {
  std::array<char, INET6_ADDRSTRLEN> buf{};
  if (inet_ntop(ip.v6 ? AF_INET6 : AF_INET, ip.bytes.data(), buf.data(), buf.size()) == nullptr) return "?";
  return buf.data();
}

std::string allow_hint() {
  std::string hint = "; set ";
  hint += kAllowPrivateNetworkKey;
  hint += ": true to allow it";
  return hint;
}

Error blocked(std::string_view host, std::string_view reason) {
  std::string message = "Blocked request to \"";
  message += host;
  message += "\": ";
  message += reason;
  message += allow_hint();
  return Error::invalid_input(std::move(message));
}

}  // namespace

std::string_view describe(AddressClass c) noexcept {
  switch (c) {
    case AddressClass::public_address: return "public address";
    case AddressClass::unspecified: return "unspecified address";
    case AddressClass::loopback: return "loopback address";
    case AddressClass::private_use: return "private address";
    case AddressClass::shared_cgnat: return "carrier-grade NAT address";
    case AddressClass::link_local: return "link-local address";
    case AddressClass::multicast: return "multicast address";
    case AddressClass::reserved: return "reserved address";
  }
  return "reserved address";
}

AddressClass classify_address(const util::IpAddress& ip) noexcept {
  const auto& b = ip.bytes;
  if (!ip.v6) return classify_v4(b[0], b[1], b[2]);
  if (all_zero(b, 0, 16)) return AddressClass::unspecified;
  if (all_zero(b, 0, 15) && b[15] == 1) return AddressClass::loopback;
  const bool mapped = all_zero(b, 0, 10) && b[10] == 0xff && b[11] == 0xff;
  const bool compatible = all_zero(b, 0, 12);
  const bool nat64 = b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && all_zero(b, 4, 12);
  if (mapped || compatible || nat64) return classify_v4(b[12], b[13], b[14]);
  if (b[0] == 0x20 && b[1] == 0x02) return classify_v4(b[2], b[3], b[4]);  // 6to4
  if ((b[0] & 0xFEU) == 0xFC) return AddressClass::private_use;
  if (b[0] == 0xFE && (b[1] & 0xC0U) == 0x80) return AddressClass::link_local;
  if (b[0] == 0xFE && (b[1] & 0xC0U) == 0xC0) return AddressClass::private_use;
  if (b[0] == 0xFF) return AddressClass::multicast;
  if (b[0] == 0x01 && b[1] == 0x00 && all_zero(b, 2, 8)) return AddressClass::reserved;
  return AddressClass::public_address;
}

std::optional<util::IpAddress> parse_host_address(std::string_view host) {
  std::string h = normalise_host(host);
  if (h.empty()) return std::nullopt;
  if (h.find(':') != std::string::npos) {
    if (const auto zone = h.find('%'); zone != std::string::npos) h.resize(zone);  // fe80::1%eth0
    return util::IpAddress::parse(h);
  }
  if (auto ip = util::IpAddress::parse(h)) return ip;
  return parse_aton(h);
}

bool is_private_host_name(std::string_view host) {
  const std::string h = normalise_host(host);
  if (h == "localhost" || h == "ip6-localhost" || h == "ip6-loopback") return true;
  return ends_with_label(h, "localhost") || ends_with_label(h, "local") || ends_with_label(h, "internal");
}

SsrfGuard::SsrfGuard(SsrfPolicy policy) : policy_(std::move(policy)) {
  for (auto& host : policy_.allowed_hosts) host = normalise_host(host);
}

bool SsrfGuard::is_allowed_host(std::string_view host) const {
  const std::string h = normalise_host(host);
  if (h.empty()) return false;
  for (const auto& allowed : policy_.allowed_hosts)
    if (allowed == h) return true;
  return false;
}

Result<void> SsrfGuard::check_host(std::string_view host) const {
  if (normalise_host(host).empty()) return fail(Error::invalid_input("Blocked request: the URL has no host"));
  if (policy_.allow_private_network || is_allowed_host(host)) return {};
  if (is_private_host_name(host)) return fail(blocked(host, "private network host name"));
  if (const auto ip = parse_host_address(host)) {
    if (const auto c = classify_address(*ip); c != AddressClass::public_address) {
      std::string reason = address_text(*ip);
      reason += c == AddressClass::unspecified ? " is an " : " is a ";
      reason += describe(c);
      return fail(blocked(host, reason));
    }
  }
  return {};
}

Result<void> SsrfGuard::check_resolved(std::string_view host, const util::IpAddress& ip) const {
  if (policy_.allow_private_network || is_allowed_host(host)) return {};
  if (const auto c = classify_address(ip); c != AddressClass::public_address) {
    std::string reason = "it resolves to ";
    reason += address_text(ip);
    reason += c == AddressClass::unspecified ? ", an " : ", a ";
    reason += describe(c);
    return fail(blocked(host, reason));
  }
  return {};
}

}  // namespace mmclaw::net

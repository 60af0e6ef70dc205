#include "net/ssrf_guard.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace mmclaw::net {
namespace {

util::IpAddress ip(std::string_view text) {
  const auto parsed = util::IpAddress::parse(text);
  EXPECT_TRUE(parsed.has_value()) << text;
  return parsed.value_or(util::IpAddress{});
}

TEST(SsrfGuardTest, ClassifiesAddresses) {
  struct Case {
    std::string_view address;
    AddressClass want;
  };
  const Case cases[] = {
      {"0.0.0.0", AddressClass::unspecified},
      {"0.1.2.3", AddressClass::unspecified},
      {"10.0.0.1", AddressClass::private_use},
      {"10.255.255.255", AddressClass::private_use},
      {"100.64.0.1", AddressClass::shared_cgnat},
      {"100.127.255.255", AddressClass::shared_cgnat},
      {"100.128.0.1", AddressClass::public_address},
      {"100.63.255.255", AddressClass::public_address},
      {"127.0.0.1", AddressClass::loopback},
      {"127.255.0.9", AddressClass::loopback},
      {"169.254.169.254", AddressClass::link_local},
      {"172.16.0.1", AddressClass::private_use},
      {"172.31.255.255", AddressClass::private_use},
      {"172.15.0.1", AddressClass::public_address},
      {"172.32.0.1", AddressClass::public_address},
      {"192.168.1.10", AddressClass::private_use},
      {"192.0.0.8", AddressClass::reserved},
      {"198.18.0.1", AddressClass::reserved},
      {"224.0.0.1", AddressClass::multicast},
      {"239.255.255.250", AddressClass::multicast},
      {"240.0.0.1", AddressClass::reserved},
      {"255.255.255.255", AddressClass::reserved},
      {"8.8.8.8", AddressClass::public_address},
      {"1.1.1.1", AddressClass::public_address},
      {"::", AddressClass::unspecified},
      {"::1", AddressClass::loopback},
      {"fc00::1", AddressClass::private_use},
      {"fd12:3456::1", AddressClass::private_use},
      {"fe80::1", AddressClass::link_local},
      {"febf::1", AddressClass::link_local},
      {"fec0::1", AddressClass::private_use},
      {"ff02::1", AddressClass::multicast},
      {"100::1", AddressClass::reserved},
      {"2606:4700:4700::1111", AddressClass::public_address},
      // IPv4 carried in IPv6.
      {"::ffff:127.0.0.1", AddressClass::loopback},
      {"::ffff:7f00:1", AddressClass::loopback},
      {"::ffff:10.1.2.3", AddressClass::private_use},
      {"::ffff:169.254.169.254", AddressClass::link_local},
      {"::ffff:0.0.0.0", AddressClass::unspecified},
      {"::ffff:100.64.1.1", AddressClass::shared_cgnat},
      {"::ffff:224.0.0.1", AddressClass::multicast},
      {"::ffff:8.8.8.8", AddressClass::public_address},
      {"::127.0.0.1", AddressClass::loopback},
      {"64:ff9b::10.0.0.1", AddressClass::private_use},
      {"64:ff9b::8.8.8.8", AddressClass::public_address},
      {"2002:c0a8:0101::1", AddressClass::private_use},
      {"2002:0808:0808::1", AddressClass::public_address},
  };
  for (const auto& c : cases) EXPECT_EQ(classify_address(ip(c.address)), c.want) << c.address;
}

TEST(SsrfGuardTest, ParsesHostAddressesInEveryResolverForm) {
  struct Case {
    std::string_view host;
    std::string_view address;
  };
  const Case cases[] = {
      {"127.0.0.1", "127.0.0.1"},
      {"127.1", "127.0.0.1"},
      {"2130706433", "127.0.0.1"},
      {"0x7f000001", "127.0.0.1"},
      {"0x7f.0.0.1", "127.0.0.1"},
      {"0177.0.0.1", "127.0.0.1"},
      {"017700000001", "127.0.0.1"},
      {"10.1", "10.0.0.1"},
      {"192.168.257", "192.168.1.1"},
      {"127.0.0.1.", "127.0.0.1"},
      {"[::1]", "::1"},
      {"[fe80::1%eth0]", "fe80::1"},
      {"::FFFF:127.0.0.1", "::ffff:127.0.0.1"},
  };
  for (const auto& c : cases) {
    const auto parsed = parse_host_address(c.host);
    ASSERT_TRUE(parsed.has_value()) << c.host;
    EXPECT_EQ(*parsed, ip(c.address)) << c.host;
  }
  for (const std::string_view name : {"mm.example.com", "", "256.0.0.1", "1.2.3.4.5", "0x", "08.0.0.1",
                                      "1.2.3.256", "4294967296", "example.0x7f", "deadbeef.com"})
    EXPECT_EQ(parse_host_address(name), std::nullopt) << name;
}

TEST(SsrfGuardTest, PrivateHostNames) {
  for (const std::string_view name :
       {"localhost", "LOCALHOST", "localhost.", "app.localhost", "printer.local", "Printer.Local.",
        "mm.internal", "metadata.google.internal", "ip6-localhost", "ip6-loopback", "[localhost]"})
    EXPECT_TRUE(is_private_host_name(name)) << name;
  for (const std::string_view name : {"mm.example.com", "localhost.example.com", "notlocal", "local",
                                      "internal", "mylocalhost", "internal.example.com", "x.localdomain"})
    EXPECT_FALSE(is_private_host_name(name)) << name;
}

TEST(SsrfGuardTest, DefaultPolicyRefusesPrivateHostsBeforeResolving) {
  const SsrfGuard guard(SsrfPolicy{});
  // Every refusal names the host, the reason and the key that lifts the guard.
  constexpr std::string_view kHint = "; set network.dangerouslyAllowPrivateNetwork: true to allow it";
  struct Case {
    std::string_view host;
    std::string_view reason;
  };
  const Case cases[] = {
      {"localhost", "private network host name"},
      {"Mm.Internal.", "private network host name"},
      {"10.0.0.5", "10.0.0.5 is a private address"},
      {"127.1", "127.0.0.1 is a loopback address"},
      {"0.0.0.0", "0.0.0.0 is an unspecified address"},
      {"[::1]", "::1 is a loopback address"},
      {"::ffff:192.168.0.1", "::ffff:192.168.0.1 is a private address"},
      {"169.254.169.254", "169.254.169.254 is a link-local address"},
      {"100.100.1.1", "100.100.1.1 is a carrier-grade NAT address"},
      {"ff02::1", "ff02::1 is a multicast address"},
  };
  for (const auto& c : cases) {
    const auto result = guard.check_host(c.host);
    ASSERT_FALSE(result.has_value()) << c.host;
    EXPECT_EQ(result.error().kind, ErrorKind::invalid_input);
    EXPECT_EQ(result.error().message, "Blocked request to \"" + std::string(c.host) +
                                          "\": " + std::string(c.reason) + std::string(kHint));
  }
  for (const std::string_view host :
       {"mm.example.com", "8.8.8.8", "[2606:4700:4700::1111]", "localhost.example.com"})
    EXPECT_TRUE(guard.check_host(host).has_value()) << host;
  const auto empty = guard.check_host("  ");
  ASSERT_FALSE(empty.has_value());
  EXPECT_EQ(empty.error().message, "Blocked request: the URL has no host");
}

TEST(SsrfGuardTest, ResolvedAddressIsCheckedAgainstDnsRebinding) {
  const SsrfGuard guard(SsrfPolicy{});
  const auto rebound = guard.check_resolved("mm.example.com", ip("127.0.0.1"));
  ASSERT_FALSE(rebound.has_value());
  EXPECT_EQ(rebound.error().kind, ErrorKind::invalid_input);
  EXPECT_EQ(rebound.error().message,
            R"(Blocked request to "mm.example.com": it resolves to 127.0.0.1, a loopback address; set )"
            "network.dangerouslyAllowPrivateNetwork: true to allow it");
  const auto mapped = guard.check_resolved("mm.example.com", ip("::ffff:10.9.8.7"));
  ASSERT_FALSE(mapped.has_value());
  EXPECT_EQ(mapped.error().message,
            R"(Blocked request to "mm.example.com": it resolves to ::ffff:10.9.8.7, a private address; set )"
            "network.dangerouslyAllowPrivateNetwork: true to allow it");
  EXPECT_FALSE(guard.check_resolved("mm.example.com", ip("::")).has_value());
  EXPECT_TRUE(guard.check_resolved("mm.example.com", ip("93.184.216.34")).has_value());
  EXPECT_TRUE(guard.check_resolved("mm.example.com", ip("2606:4700:4700::1111")).has_value());
}

TEST(SsrfGuardTest, OptInLiftsTheGuard) {
  const SsrfGuard guard(SsrfPolicy{true, {}});
  EXPECT_TRUE(guard.allows_private_network());
  for (const std::string_view host : {"localhost", "10.0.0.5", "mm.internal", "[::1]", "169.254.169.254"})
    EXPECT_TRUE(guard.check_host(host).has_value()) << host;
  EXPECT_TRUE(guard.check_resolved("mm.example.com", ip("127.0.0.1")).has_value());
  EXPECT_FALSE(guard.check_host("").has_value());  // still needs a host
}

// Field report 16: a Mattermost server on a private address works with the opt-in, and only then.
TEST(SsrfGuardTest, FieldReport16PrivateMattermostNeedsTheOptIn) {
  const std::string mm_host = "10.20.30.40";
  const SsrfGuard strict(SsrfPolicy{});
  EXPECT_FALSE(strict.check_host(mm_host).has_value());
  const SsrfGuard opted_in(SsrfPolicy{true, {}});
  EXPECT_TRUE(opted_in.check_host(mm_host).has_value());
  EXPECT_TRUE(opted_in.check_resolved(mm_host, ip(mm_host)).has_value());

  // A LAN name that resolves to a private address: same rule.
  EXPECT_FALSE(strict.check_resolved("chat.corp.example", ip("192.168.10.5")).has_value());
  EXPECT_TRUE(opted_in.check_resolved("chat.corp.example", ip("192.168.10.5")).has_value());
}

// Field report 16, second half: file downloads trust the Mattermost host by name, and an arbitrary
// private URL (from a tool or a redirect) is still refused.
TEST(SsrfGuardTest, FieldReport16DownloadsAllowOnlyTheMattermostHost) {
  const SsrfGuard downloads(SsrfPolicy{false, {"MM.Internal.", "10.20.30.40"}});
  EXPECT_TRUE(downloads.is_allowed_host("mm.internal"));
  EXPECT_TRUE(downloads.check_host("mm.internal").has_value());
  EXPECT_TRUE(downloads.check_host("MM.INTERNAL").has_value());
  EXPECT_TRUE(downloads.check_resolved("mm.internal", ip("10.20.30.40")).has_value());
  EXPECT_TRUE(downloads.check_host("10.20.30.40").has_value());

  EXPECT_FALSE(downloads.check_host("other.internal").has_value());
  EXPECT_FALSE(downloads.check_host("10.20.30.41").has_value());
  EXPECT_FALSE(downloads.check_host("localhost").has_value());
  EXPECT_FALSE(downloads.check_host("169.254.169.254").has_value());
  EXPECT_FALSE(downloads.check_resolved("files.example.com", ip("10.20.30.40")).has_value());
  EXPECT_FALSE(downloads.check_host("sub.mm.internal").has_value());  // exact names only
  EXPECT_FALSE(downloads.is_allowed_host(""));
}

TEST(SsrfGuardTest, DescribesEveryClass) {
  EXPECT_EQ(describe(AddressClass::public_address), "public address");
  EXPECT_EQ(describe(AddressClass::unspecified), "unspecified address");
  EXPECT_EQ(describe(AddressClass::loopback), "loopback address");
  EXPECT_EQ(describe(AddressClass::private_use), "private address");
  EXPECT_EQ(describe(AddressClass::shared_cgnat), "carrier-grade NAT address");
  EXPECT_EQ(describe(AddressClass::link_local), "link-local address");
  EXPECT_EQ(describe(AddressClass::multicast), "multicast address");
  EXPECT_EQ(describe(AddressClass::reserved), "reserved address");
}

}  // namespace
}  // namespace mmclaw::net

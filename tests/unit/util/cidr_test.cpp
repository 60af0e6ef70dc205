#include "util/cidr.hpp"

#include <gtest/gtest.h>

using mmclaw::util::Cidr;
using mmclaw::util::IpAddress;

TEST(Cidr, ParsesAddressesAndRanges) {
  EXPECT_TRUE(Cidr::parse("127.0.0.1"));
  EXPECT_TRUE(Cidr::parse("10.0.0.0/8"));
  EXPECT_TRUE(Cidr::parse("::1"));
  EXPECT_TRUE(Cidr::parse("[::1]"));
  EXPECT_TRUE(Cidr::parse("fd00::/8"));
  EXPECT_EQ(Cidr::parse("10.0.0.0/8")->prefix, 8u);
  EXPECT_EQ(Cidr::parse("127.0.0.1")->prefix, 32u);
}

TEST(Cidr, RejectsMalformedInput) {
  for (const char* bad : {"", "10.0.0.0/33", "::/129", "10.0.0/8", "10.0.0.0/", "10.0.0.0/x", "host.example", "1.2.3.4.5",
                          "10.0.0.0/8/8", "fe80::1%eth0"})
    EXPECT_FALSE(Cidr::parse(bad)) << bad;
}

TEST(Cidr, ContainsChecksThePrefixBits) {
  const auto net = *Cidr::parse("10.1.0.0/16");
  EXPECT_TRUE(net.contains(*IpAddress::parse("10.1.255.7")));
  EXPECT_FALSE(net.contains(*IpAddress::parse("10.2.0.1")));
  EXPECT_FALSE(net.contains(*IpAddress::parse("::1")));
  const auto odd = *Cidr::parse("192.168.1.128/25");
  EXPECT_TRUE(odd.contains(*IpAddress::parse("192.168.1.200")));
  EXPECT_FALSE(odd.contains(*IpAddress::parse("192.168.1.127")));
  EXPECT_TRUE(Cidr::parse("0.0.0.0/0")->contains(*IpAddress::parse("8.8.8.8")));
}

TEST(Cidr, MappedIpv4AddressesMatchIpv4Ranges) {
  EXPECT_TRUE(Cidr::parse("127.0.0.1")->contains(*IpAddress::parse("::ffff:127.0.0.1")));
  EXPECT_TRUE(Cidr::parse("::ffff:10.0.0.0/104")->contains(*IpAddress::parse("10.9.9.9")));
  EXPECT_TRUE(Cidr::parse("::1")->contains(*IpAddress::parse("::1")));
  EXPECT_FALSE(Cidr::parse("::1")->contains(*IpAddress::parse("::2")));
}

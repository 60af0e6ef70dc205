// The client address of a callback request and the button callback's source check (§8.3).

#include "gateway/client_ip.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mmclaw::gateway {
namespace {

util::IpAddress ip(std::string_view text) {
  return *util::IpAddress::parse(text);
}

const std::vector<std::string> kProxies{"10.0.0.0/8", "192.168.1.5"};
const std::vector<std::string> kNone;

TEST(ClientIp, ThePeerUnlessItIsATrustedProxy) {
  EXPECT_EQ(client_ip("203.0.113.9", "1.2.3.4", "5.6.7.8", kProxies, true), ip("203.0.113.9"))
      << "headers from an untrusted peer are ignored";
  EXPECT_EQ(client_ip("127.0.0.1", "1.2.3.4", "", kNone, false), ip("127.0.0.1"));
  EXPECT_EQ(client_ip("::ffff:127.0.0.1", "", "", kNone, false), ip("127.0.0.1")) << "IPv4-mapped";
  EXPECT_EQ(client_ip("not an address", "", "", kNone, false), std::nullopt);
}

TEST(ClientIp, BehindTrustedProxiesTheRightMostUntrustedHop) {
  EXPECT_EQ(client_ip("10.1.1.1", "198.51.100.7", "", kProxies, false), ip("198.51.100.7"));
  EXPECT_EQ(client_ip("10.1.1.1", "6.6.6.6, 198.51.100.7, 10.2.2.2", "", kProxies, false), ip("198.51.100.7"))
      << "a client cannot choose its address by sending X-Forwarded-For itself";
  EXPECT_EQ(client_ip("192.168.1.5", " 10.3.3.3 ,10.4.4.4", "", kProxies, false), ip("10.3.3.3"))
      << "every hop a proxy: the left-most";
  EXPECT_EQ(client_ip("10.1.1.1", "198.51.100.7, garbage", "", kProxies, false), std::nullopt);
}

TEST(ClientIp, XRealIpOnlyWithTheFallbackAndWithoutForwardedFor) {
  EXPECT_EQ(client_ip("10.1.1.1", "", "198.51.100.8", kProxies, true), ip("198.51.100.8"));
  EXPECT_EQ(client_ip("10.1.1.1", "", "198.51.100.8", kProxies, false), ip("10.1.1.1"));
  EXPECT_EQ(client_ip("10.1.1.1", "198.51.100.7", "198.51.100.8", kProxies, true), ip("198.51.100.7"));
}

TEST(SourceAllowed, LoopbackOnlyByDefault) {
  EXPECT_TRUE(source_allowed(ip("127.0.0.1"), kNone));
  EXPECT_TRUE(source_allowed(ip("127.8.9.10"), kNone));
  EXPECT_TRUE(source_allowed(ip("::1"), kNone));
  EXPECT_TRUE(source_allowed(ip("::ffff:127.0.0.1"), kNone));
  EXPECT_FALSE(source_allowed(ip("10.0.0.1"), kNone));
  EXPECT_FALSE(source_allowed(ip("::2"), kNone));
}

TEST(SourceAllowed, TheListReplacesLoopback) {
  const std::vector<std::string> allowed{"172.16.0.0/12", " 203.0.113.9 ", "2001:db8::/32", "not-an-ip"};
  EXPECT_TRUE(source_allowed(ip("172.20.1.2"), allowed));
  EXPECT_TRUE(source_allowed(ip("203.0.113.9"), allowed));
  EXPECT_TRUE(source_allowed(ip("2001:db8::7"), allowed));
  EXPECT_FALSE(source_allowed(ip("203.0.113.10"), allowed));
  EXPECT_FALSE(source_allowed(ip("127.0.0.1"), allowed)) << "a list names every allowed source";
}

}  // namespace
}  // namespace mmclaw::gateway

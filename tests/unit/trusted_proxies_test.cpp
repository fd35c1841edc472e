#include "service/trusted_proxies.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace yizhan::service {
namespace {

TEST(TrustedProxies, NoneTrustedKeepsThePeer) {
  const TrustedProxies none;
  EXPECT_TRUE(none.empty());
  EXPECT_EQ(none.client_address("127.0.0.1", "203.0.113.7"), "127.0.0.1");
}

TEST(TrustedProxies, UntrustedPeerCannotChooseItsAddress) {
  const TrustedProxies proxies({"10.0.0.1"});
  EXPECT_EQ(proxies.client_address("198.51.100.4", "203.0.113.7"), "198.51.100.4");
}

TEST(TrustedProxies, TrustedPeerPassesOnTheAddressItSaw) {
  const TrustedProxies proxies({"127.0.0.1"});
  EXPECT_EQ(proxies.client_address("127.0.0.1", "203.0.113.7"), "203.0.113.7");
  EXPECT_EQ(proxies.client_address("127.0.0.1", " 2001:db8::7 "), "2001:db8::7");
}

TEST(TrustedProxies, AddressesAClientPrependsAreIgnored) {
  const TrustedProxies proxies({"127.0.0.1"});
  // The client sent "X-Forwarded-For: 192.0.2.1". A proxy that appends to
  // the header adds the address it saw on the right.
  EXPECT_EQ(proxies.client_address("127.0.0.1", "192.0.2.1, 203.0.113.7"), "203.0.113.7");
}

TEST(TrustedProxies, WalksThroughAChainOfTrustedProxies) {
  const TrustedProxies proxies({"127.0.0.1", "10.0.0.0/8"});
  EXPECT_EQ(proxies.client_address("127.0.0.1", "192.0.2.1, 203.0.113.7, 10.1.2.3"), "203.0.113.7");
  // Every hop trusted: the leftmost one is the client.
  EXPECT_EQ(proxies.client_address("127.0.0.1", "10.9.9.9, 10.1.2.3"), "10.9.9.9");
}

TEST(TrustedProxies, MalformedEntryStopsTheWalk) {
  const TrustedProxies proxies({"127.0.0.1", "10.0.0.0/8"});
  for (const char* header : {"203.0.113.7, garbage", "203.0.113.7, 198.51.100.4:5000", "203.0.113.7,",
                             "unknown", "[2001:db8::1]"}) {
    EXPECT_EQ(proxies.client_address("127.0.0.1", header), "127.0.0.1") << header;
  }
  EXPECT_EQ(proxies.client_address("127.0.0.1", "203.0.113.7, not-an-address, 10.1.2.3"), "10.1.2.3");
}

TEST(TrustedProxies, MissingHeaderLeavesTheProxyAddress) {
  const TrustedProxies proxies({"127.0.0.1"});
  EXPECT_EQ(proxies.client_address("127.0.0.1", ""), "127.0.0.1");
  EXPECT_EQ(proxies.client_address("127.0.0.1", "  "), "127.0.0.1");
}

TEST(TrustedProxies, NetworksMatchByPrefix) {
  const TrustedProxies proxies({"192.168.4.0/22", "fd00::/8"});
  EXPECT_EQ(proxies.client_address("192.168.7.255", "203.0.113.7"), "203.0.113.7");
  EXPECT_EQ(proxies.client_address("192.168.8.0", "203.0.113.7"), "192.168.8.0");
  EXPECT_EQ(proxies.client_address("fd12::1", "203.0.113.7"), "203.0.113.7");
  EXPECT_EQ(proxies.client_address("fe80::1", "203.0.113.7"), "fe80::1");
  // An IPv4 network does not swallow IPv6 addresses whose last bytes match.
  const TrustedProxies v4({"0.0.0.0/0"});
  EXPECT_EQ(v4.client_address("::1", "203.0.113.7"), "::1");
  EXPECT_EQ(v4.client_address("10.0.0.1", "203.0.113.7"), "203.0.113.7");
}

TEST(TrustedProxies, MappedIpv4CountsAsIpv4) {
  const TrustedProxies proxies({"127.0.0.1"});
  EXPECT_EQ(proxies.client_address("::ffff:127.0.0.1", "::ffff:203.0.113.7"), "203.0.113.7");
}

TEST(TrustedProxies, LongChainsAreCutOff) {
  const TrustedProxies proxies({"10.0.0.0/8"});
  std::string header = "203.0.113.7";
  for (int hop = 0; hop < 100; ++hop) header += ", 10.0.0." + std::to_string(hop % 250 + 1);
  const auto client = proxies.client_address("10.0.0.1", header);
  EXPECT_NE(client, "203.0.113.7");
  EXPECT_EQ(client.rfind("10.0.0.", 0), 0u) << client;
}

TEST(TrustedProxies, RejectsWhatIsNotAnAddressOrNetwork) {
  for (const char* entry : {"", "nginx", "10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/8x", "10.0.0.0/-1",
                            "10.0.0.0/-0", "10.0.0.0/+8", "10.0.0.0/0008", "127.0.0.1:80", "127.1", "[::1]",
                            "127.0.0.1 ::1", "a/32/8", "fe80::1%lo", "fe80::%1/64"}) {
    EXPECT_THROW(TrustedProxies({entry}), std::invalid_argument) << entry;
  }
  EXPECT_NO_THROW(TrustedProxies({"::/0", "0.0.0.0/0", "2001:db8::/32", "127.0.0.1/32", "::ffff:10.0.0.0/104"}));
}

TEST(TrustedProxies, RejectsNetworksWithHostBits) {
  for (const char* entry : {"10.0.0.1/8", "192.168.4.0/21", "2001:db8::1/64"}) {
    EXPECT_THROW(TrustedProxies({entry}), std::invalid_argument) << entry;
  }
}

TEST(TrustedProxies, MappedIpv6NetworkMatchesIpv4) {
  const TrustedProxies proxies({"::ffff:10.0.0.0/104"});
  EXPECT_EQ(proxies.client_address("10.1.2.3", "203.0.113.7"), "203.0.113.7");
  EXPECT_EQ(proxies.client_address("11.1.2.3", "203.0.113.7"), "11.1.2.3");
}

TEST(TrustedProxies, ScopeIdsAreDropped) {
  const TrustedProxies proxies({"127.0.0.1"});
  EXPECT_EQ(proxies.client_address("127.0.0.1", "fe80::1%1"), "fe80::1");
  EXPECT_EQ(proxies.client_address("127.0.0.1", "fe80::1%99999"), "fe80::1");
  EXPECT_EQ(proxies.client_address("fe80::7%2", "203.0.113.7"), "fe80::7");
}

TEST(AddressBudgetKey, GroupsIpv6By64) {
  EXPECT_EQ(address_budget_key("203.0.113.7"), "203.0.113.7");
  EXPECT_EQ(address_budget_key("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
  EXPECT_EQ(address_budget_key("2001:db8:1:2:ffff:ffff:ffff:ffff"), "2001:db8:1:2::/64");
  EXPECT_EQ(address_budget_key("2001:db8:1:3::1"), "2001:db8:1:3::/64");
  EXPECT_EQ(address_budget_key("::1"), "::/64");
  EXPECT_EQ(address_budget_key("::ffff:203.0.113.7"), "203.0.113.7");
  EXPECT_EQ(address_budget_key("2002:cb00:7107:1::1"), "203.0.113.7");
  EXPECT_EQ(address_budget_key("2002:cb00:7107:ffff::9"), "203.0.113.7");
  EXPECT_EQ(address_budget_key("2001:db8:1:2::7%3"), "2001:db8:1:2::/64");
  EXPECT_EQ(address_budget_key("unknown"), "unknown");
}

}  // namespace
}  // namespace yizhan::service

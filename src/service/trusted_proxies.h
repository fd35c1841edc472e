// Client addresses. TrustedProxies: the reverse proxies (e.g. nginx) whose
// X-Forwarded-For header yizhan believes, and the client address that
// follows from it. address_budget_key: the key a client address is counted
// under by the per-address rate limits. Behind a proxy the client address
// must be the client's, not the proxy's, and a client must not be able to
// choose it by sending the header itself.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace yizhan::service {

// Returns the key under which a client address is counted: the address
// itself, or for IPv6 its /64 network ("2001:db8:1:2::/64"). One subscriber
// is usually assigned a whole /64, so counting each address would give it a
// fresh budget for every request. IPv4-mapped and 6to4 addresses count as
// the IPv4 address they carry.
std::string address_budget_key(std::string_view address);

class TrustedProxies {
 public:
  TrustedProxies() = default;
  // Each entry is an address ("127.0.0.1", "::1") or a network in prefix
  // notation ("10.0.0.0/8", "fd00::/8"). Throws std::invalid_argument naming
  // the first entry that is neither.
  explicit TrustedProxies(const std::vector<std::string>& entries);

  bool empty() const { return networks_.empty(); }

  // Returns the address of the client behind `peer`, the connection's
  // address. `forwarded_for` is the X-Forwarded-For values in order, joined
  // by commas. Each trusted address in turn is replaced by the entry to its
  // left, the address that proxy saw, and the first untrusted one is the
  // client. An entry that is not a plain address (one with a port, or
  // garbage) stops the walk at the proxy that passed it on. IPv4 addresses
  // mapped into IPv6 are returned as IPv4.
  std::string client_address(std::string_view peer, std::string_view forwarded_for) const;

 private:
  // An address as 16 bytes: IPv4 as an IPv4-mapped IPv6 address, so one
  // comparison serves both families.
  using Bytes = std::array<std::uint8_t, 16>;
  struct Network {
    Bytes bytes;
    int prefix_bits;  // prefix length over all 128 bits
  };

  bool trusts(const Bytes& address) const;

  std::vector<Network> networks_;
};

}  // namespace yizhan::service

#include "service/trusted_proxies.h"

#include <algorithm>
#include <charconv>
#include <optional>
#include <stdexcept>

#include <boost/asio/ip/address.hpp>

namespace yizhan::service {
namespace {

namespace ip = boost::asio::ip;

// Maximum X-Forwarded-For entries read, so a long header costs bounded
// work. When a chain is longer, the last address read counts as the client.
constexpr int kMaxHops = 16;

std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t");
  return text.substr(first, last - first + 1);
}

// Parses an address and drops an IPv6 scope id ("%eth0"), which names an
// interface of the host that wrote it, not a client.
std::optional<ip::address> parse_exact(std::string_view text) {
  boost::system::error_code error;
  const auto address = ip::make_address(std::string(text), error);
  if (error) return std::nullopt;
  if (!address.is_v6()) return address;
  auto v6 = address.to_v6();
  v6.scope_id(0);
  return ip::address(v6);
}

// As parse_exact, with IPv4-mapped IPv6 addresses turned into IPv4.
std::optional<ip::address> parse_address(std::string_view text) {
  const auto address = parse_exact(text);
  if (address && address->is_v6() && address->to_v6().is_v4_mapped()) {
    return ip::address(ip::make_address_v4(ip::v4_mapped, address->to_v6()));
  }
  return address;
}

std::array<std::uint8_t, 16> bytes_of(const ip::address& address) {
  if (address.is_v6()) return address.to_v6().to_bytes();
  return ip::make_address_v6(ip::v4_mapped, address.to_v4()).to_bytes();
}

// Parses the prefix length after a network's slash: one to three digits,
// at most `max_bits`. Returns -1 for anything else ("-0", "+8", "8x", "").
int parse_prefix_bits(std::string_view text, int max_bits) {
  if (text.empty() || text.size() > 3 || text.find_first_not_of("0123456789") != std::string_view::npos) return -1;
  int bits = -1;
  std::from_chars(text.data(), text.data() + text.size(), bits);
  return bits <= max_bits ? bits : -1;
}

}  // namespace

std::string address_budget_key(std::string_view address) {
  // IPv4 as the peer gives it: no parsing on the common path.
  if (address.find(':') == std::string_view::npos) return std::string(address);
  const auto parsed = parse_address(address);
  if (!parsed) return std::string(address);
  if (parsed->is_v4()) return parsed->to_string();
  auto bytes = parsed->to_v6().to_bytes();
  // 6to4 (2002::/16, RFC 3056) gives each IPv4 host the /48 after its
  // address, so such a client counts as that IPv4 address.
  if (bytes[0] == 0x20 && bytes[1] == 0x02) return ip::address_v4({bytes[2], bytes[3], bytes[4], bytes[5]}).to_string();
  std::fill(bytes.begin() + 8, bytes.end(), 0);
  return ip::address_v6(bytes).to_string() + "/64";
}

TrustedProxies::TrustedProxies(const std::vector<std::string>& entries) {
  for (const auto& entry : entries) {
    const std::string_view text(entry);
    if (text.find('%') != std::string_view::npos) {
      throw std::invalid_argument("'" + entry + "' is invalid because it has a scope id (after %). "
                                  "Give the address without it.");
    }
    const auto slash = text.find('/');
    const auto address = parse_exact(text.substr(0, slash));
    const int family_bits = address && address->is_v4() ? 32 : 128;
    const int prefix_bits = slash == std::string_view::npos ? family_bits
                                                            : parse_prefix_bits(text.substr(slash + 1), family_bits);
    if (!address || prefix_bits < 0) {
      throw std::invalid_argument("'" + entry + "' is not a valid IP address or network (such as 10.0.0.0/8)");
    }

    // IPv4 networks sit in the last 32 of the 128 bits.
    const Network network{bytes_of(*address), prefix_bits + (128 - family_bits)};
    Bytes masked{};
    for (int bit = 0; bit < network.prefix_bits; ++bit) {
      masked[bit / 8] |= static_cast<std::uint8_t>(network.bytes[bit / 8] & (0x80 >> (bit % 8)));
    }
    if (masked != network.bytes) {
      throw std::invalid_argument("'" + entry + "' is invalid because it has bits set after its prefix. "
                                  "Give the network's first address, such as 10.0.0.0/8.");
    }
    networks_.push_back(network);
  }
}

bool TrustedProxies::trusts(const Bytes& address) const {
  return std::any_of(networks_.begin(), networks_.end(), [&](const Network& network) {
    const int whole = network.prefix_bits / 8;
    if (!std::equal(address.begin(), address.begin() + whole, network.bytes.begin())) return false;
    const int rest = network.prefix_bits % 8;
    if (rest == 0) return true;
    const auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
    return (address[whole] & mask) == (network.bytes[whole] & mask);
  });
}

std::string TrustedProxies::client_address(std::string_view peer, std::string_view forwarded_for) const {
  auto current = parse_address(peer);
  if (!current) return std::string(peer);
  std::string_view rest = forwarded_for;
  for (int hop = 0; hop < kMaxHops && trusts(bytes_of(*current)); ++hop) {
    if (trim(rest).empty()) break;
    const auto comma = rest.rfind(',');
    const auto entry = trim(comma == std::string_view::npos ? rest : rest.substr(comma + 1));
    const auto next = parse_address(entry);
    if (!next) break;
    current = next;
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(0, comma);
  }
  return current->to_string();
}

}  // namespace yizhan::service

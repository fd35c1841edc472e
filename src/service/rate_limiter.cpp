#include "service/rate_limiter.h"

#include <algorithm>
#include <cmath>

#include <boost/asio/ip/address.hpp>

namespace yizhan::service {

std::string address_budget_key(std::string_view address) {
  if (address.find(':') == std::string_view::npos) return std::string(address);
  boost::system::error_code error;
  const auto parsed = boost::asio::ip::make_address(std::string(address), error);
  if (error || !parsed.is_v6()) return std::string(address);
  const auto v6 = parsed.to_v6();
  if (v6.is_v4_mapped()) return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, v6).to_string();
  auto bytes = v6.to_bytes();
  // 6to4 (2002::/16, RFC 3056) gives each IPv4 host the /48 after its
  // address: count such clients as that IPv4 address.
  if (bytes[0] == 0x20 && bytes[1] == 0x02) {
    return boost::asio::ip::address_v4({bytes[2], bytes[3], bytes[4], bytes[5]}).to_string();
  }
  std::fill(bytes.begin() + 8, bytes.end(), 0);
  return boost::asio::ip::address_v6(bytes).to_string() + "/64";
}

int RateLimiter::acquire(const std::string& key, int per_minute, std::chrono::steady_clock::time_point now) {
  const double capacity = per_minute;
  const double per_second = per_minute / 60.0;
  std::lock_guard lock(mutex_);
  if (buckets_.size() > prune_threshold_ && now - last_prune_ >= std::chrono::seconds(1)) {
    drop_full_buckets(now);
    last_prune_ = now;
  }

  auto [entry, inserted] = buckets_.try_emplace(key, Bucket{capacity, now, per_minute});
  Bucket& bucket = entry->second;
  bucket.per_minute = per_minute;
  if (!inserted) {
    const double elapsed = std::chrono::duration<double>(now - bucket.updated).count();
    bucket.tokens = std::min(capacity, bucket.tokens + elapsed * per_second);
    bucket.updated = now;
  }
  if (bucket.tokens >= 1.0) {
    bucket.tokens -= 1.0;
    return 0;
  }
  return static_cast<int>(std::ceil((1.0 - bucket.tokens) / per_second));
}

void RateLimiter::drop_full_buckets(std::chrono::steady_clock::time_point now) {
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    const Bucket& bucket = it->second;
    const double elapsed = std::chrono::duration<double>(now - bucket.updated).count();
    if (bucket.tokens + elapsed * bucket.per_minute / 60.0 >= bucket.per_minute) {
      it = buckets_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace yizhan::service

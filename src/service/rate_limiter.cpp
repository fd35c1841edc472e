#include "service/rate_limiter.h"

#include <cmath>

namespace yizhan::service {
namespace {

// Above this many tracked keys, buckets that have refilled completely are
// dropped, so that a scan over many addresses cannot grow memory forever.
constexpr std::size_t kPruneThreshold = 100'000;

}  // namespace

int RateLimiter::acquire(const std::string& key, int per_minute, std::chrono::steady_clock::time_point now) {
  const double capacity = per_minute;
  const double per_second = per_minute / 60.0;
  std::lock_guard lock(mutex_);
  if (buckets_.size() > kPruneThreshold) drop_full_buckets(now, per_minute);

  auto [entry, inserted] = buckets_.try_emplace(key, Bucket{capacity, now});
  Bucket& bucket = entry->second;
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

void RateLimiter::drop_full_buckets(std::chrono::steady_clock::time_point now, int per_minute) {
  const double per_second = per_minute / 60.0;
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    const double elapsed = std::chrono::duration<double>(now - it->second.updated).count();
    if (it->second.tokens + elapsed * per_second >= per_minute) {
      it = buckets_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace yizhan::service

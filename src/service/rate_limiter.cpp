#include "service/rate_limiter.h"

#include <cmath>

namespace yizhan::service {

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

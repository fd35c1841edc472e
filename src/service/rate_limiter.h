// RateLimiter: per-key request budgets (e.g. login attempts per client
// address), as token buckets refilled continuously. In-memory, so each
// server process counts on its own. Thread-safe.
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <unordered_map>

namespace yizhan::service {

class RateLimiter {
 public:
  // Above `prune_threshold` tracked keys, buckets that have refilled
  // completely (each at its own rate) are dropped, so a scan over many
  // addresses cannot grow memory forever. Pruning runs at most once a
  // second, so a busy server does not walk every bucket on every request.
  explicit RateLimiter(std::size_t prune_threshold = 100'000) : prune_threshold_(prune_threshold) {}

  // Take one unit from `key`'s bucket, which holds `per_minute` units and
  // refills at that rate. Returns 0 when allowed, otherwise the whole
  // seconds until one unit is available again.
  int acquire(const std::string& key, int per_minute, std::chrono::steady_clock::time_point now);

 private:
  struct Bucket {
    double tokens;
    std::chrono::steady_clock::time_point updated;
    int per_minute;  // the budget of this key's latest request
  };

  void drop_full_buckets(std::chrono::steady_clock::time_point now);

  const std::size_t prune_threshold_;
  std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;  // guarded by mutex_
  std::chrono::steady_clock::time_point last_prune_{};  // guarded by mutex_
};

}  // namespace yizhan::service

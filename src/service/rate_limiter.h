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
  // Take one unit from `key`'s bucket, which holds `per_minute` units and
  // refills at that rate. Returns 0 when allowed, otherwise the whole
  // seconds until one unit is available again.
  int acquire(const std::string& key, int per_minute, std::chrono::steady_clock::time_point now);

 private:
  struct Bucket {
    double tokens;
    std::chrono::steady_clock::time_point updated;
  };

  void drop_full_buckets(std::chrono::steady_clock::time_point now, int per_minute);

  std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;  // guarded by mutex_
};

}  // namespace yizhan::service

// SessionCache: the traveller of a session cookie as read recently, for
// the routes that run on the network threads. Under the rush every booking
// request would otherwise read its session from the store, which is most of
// a sold-out answer's cost.
//
// An entry is used for at most `lifetime` and only while no write request
// has finished in this process since it was read (see note_write), so a
// sign-out, a password change or a staff decision here is seen at once.
// NOTE: changes made by other processes (another server, the command line)
// are seen up to `lifetime` late. Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "store/store.h"

namespace yizhan::web {

class SessionCache {
 public:
  using Clock = std::chrono::steady_clock;

  SessionCache(Clock::duration lifetime, std::size_t max_entries) : lifetime_(lifetime), max_entries_(max_entries) {}

  // The generation to pass to put() for a lookup about to start.
  std::uint64_t generation() const {
    std::lock_guard lock(mutex_);
    return generation_;
  }

  // The cached result for `token` (an account, or nullopt for a session
  // that did not exist), or nothing when it must be read again.
  std::optional<std::optional<store::Account>> get(const std::string& token, Clock::time_point now) const {
    std::lock_guard lock(mutex_);
    const auto found = entries_.find(token);
    if (found == entries_.end() || found->second.generation != generation_ || now - found->second.read_at > lifetime_) {
      return std::nullopt;
    }
    return found->second.account;
  }

  // Stores what a lookup begun at `generation` read, unless a write
  // finished meanwhile.
  void put(const std::string& token, std::optional<store::Account> account, std::uint64_t generation,
           Clock::time_point now) {
    std::lock_guard lock(mutex_);
    if (generation != generation_) return;
    // Dropping everything is crude but bounded and rare: the entries of
    // the last `lifetime` are read again.
    if (entries_.size() >= max_entries_) entries_.clear();
    entries_[token] = Entry{std::move(account), generation, now};
  }

  // Called after every write request finishes in this process: any of
  // them may have changed an account or ended a session.
  void note_write() {
    std::lock_guard lock(mutex_);
    ++generation_;
    entries_.clear();
  }

 private:
  struct Entry {
    std::optional<store::Account> account;
    std::uint64_t generation = 0;
    Clock::time_point read_at;
  };

  const Clock::duration lifetime_;
  const std::size_t max_entries_;
  mutable std::mutex mutex_;
  std::uint64_t generation_ = 0;                     // guarded by mutex_
  std::unordered_map<std::string, Entry> entries_;  // guarded by mutex_
};

}  // namespace yizhan::web

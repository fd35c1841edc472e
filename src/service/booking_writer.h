// BookingWriter: group commit for booking attempts. Callers on many threads
// submit one attempt each; the caller at the head of the queue becomes the
// leader, decides every queued attempt in one store transaction (one disk
// sync for the whole batch), and wakes the others with their outcomes. The
// same pattern as a log writer's group commit: under a rush the batches
// grow, so throughput rises instead of every request waiting for its own
// fsync. Thread-safe.
#pragma once

#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>

#include "store/store.h"

namespace yizhan::service {

class BookingWriter {
 public:
  explicit BookingWriter(store::Store& store, std::size_t max_batch = 128);

  // Decide `attempt` and return its outcome once it is committed. Throws
  // store::StoreError when the batch's transaction failed; then none of the
  // batch's attempts took effect.
  store::BookingOutcome submit(const store::BookingAttempt& attempt);
  // Attempts waiting or being decided now.
  std::size_t queue_length();

 private:
  struct Waiter {
    const store::BookingAttempt* attempt;
    store::BookingOutcome outcome;
    std::exception_ptr error;
    bool done = false;
  };

  store::Store& store_;
  const std::size_t max_batch_;
  std::mutex mutex_;
  std::condition_variable done_;
  std::deque<Waiter*> queue_;  // guarded by mutex_; the front is the leader
};

}  // namespace yizhan::service

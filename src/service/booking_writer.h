// BookingWriter: group commit for booking attempts. Callers on many threads
// hand over one attempt each. The writer's own thread takes every attempt
// queued at that moment (up to a batch limit) and decides them in one store
// transaction, with one disk sync for the whole batch. Then it reports each
// outcome. The same pattern as a log writer's group commit: under a rush the
// batches grow, so throughput rises instead of every request waiting for its
// own sync. Callers need not wait on a thread of their own: submit_async
// reports through a callback, so a network thread can hand an attempt over
// and go on serving. Thread-safe.
#pragma once

#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>

#include "store/store.h"

namespace yizhan::service {

class BookingWriter {
 public:
  // Called on the writer's thread once the attempt's batch is committed,
  // or with `error` set when the batch's transaction failed (then none of
  // the batch's attempts took effect). It should return quickly: the next
  // batch waits for it.
  using Completion = std::function<void(const store::BookingOutcome& outcome, std::exception_ptr error)>;

  explicit BookingWriter(store::Store& store, std::size_t max_batch = 512);
  // Decides what is still queued, then stops the thread.
  ~BookingWriter();
  BookingWriter(const BookingWriter&) = delete;
  BookingWriter& operator=(const BookingWriter&) = delete;

  void submit_async(store::BookingAttempt attempt, Completion done);
  // Decide `attempt` and return its outcome once it is committed; waits on
  // the calling thread. Throws store::StoreError when the batch failed.
  store::BookingOutcome submit(store::BookingAttempt attempt);
  // Attempts waiting or being decided now.
  std::size_t queue_length();

 private:
  struct Queued {
    store::BookingAttempt attempt;
    Completion done;
  };
  void run();

  store::Store& store_;
  const std::size_t max_batch_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Queued> queue_;  // guarded by mutex_
  std::size_t deciding_ = 0;  // guarded by mutex_; the batch in the store now
  bool stopping_ = false;     // guarded by mutex_
  std::thread thread_;        // last: starts after the members above exist
};

}  // namespace yizhan::service

#include "service/booking_writer.h"

#include <vector>

namespace yizhan::service {

BookingWriter::BookingWriter(store::Store& store, std::size_t max_batch) : store_(store), max_batch_(max_batch) {}

store::BookingOutcome BookingWriter::submit(const store::BookingAttempt& attempt) {
  Waiter self{&attempt, {}, nullptr, false};
  std::unique_lock lock(mutex_);
  queue_.push_back(&self);
  // Wait until a leader has decided this attempt, or until it is this
  // attempt's turn to lead.
  done_.wait(lock, [&] { return self.done || queue_.front() == &self; });
  if (self.done) {
    if (self.error) std::rethrow_exception(self.error);
    return self.outcome;
  }

  // Lead: take up to max_batch_ waiters from the front. Attempts queued
  // while the store works wait for the next leader.
  std::vector<Waiter*> batch(queue_.begin(), queue_.begin() + std::min(queue_.size(), max_batch_));
  lock.unlock();

  std::vector<store::BookingAttempt> attempts;
  attempts.reserve(batch.size());
  for (const Waiter* waiter : batch) attempts.push_back(*waiter->attempt);
  std::vector<store::BookingOutcome> outcomes;
  std::exception_ptr error;
  try {
    outcomes = store_.book(attempts);
  } catch (...) {
    error = std::current_exception();
  }

  lock.lock();
  for (std::size_t i = 0; i < batch.size(); ++i) {
    Waiter* waiter = queue_.front();
    queue_.pop_front();
    waiter->error = error;
    if (!error) waiter->outcome = outcomes[i];
    waiter->done = true;
  }
  // Wake the decided waiters and the next leader.
  done_.notify_all();
  if (self.error) std::rethrow_exception(self.error);
  return self.outcome;
}

std::size_t BookingWriter::queue_length() {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

}  // namespace yizhan::service

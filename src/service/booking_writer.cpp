#include "service/booking_writer.h"

#include <spdlog/spdlog.h>

#include <pthread.h>
#include <time.h>

#include <chrono>
#include <future>
#include <vector>

namespace yizhan::service {
namespace {

// CPU time of the calling thread; the gap to the wall time of a batch is
// time spent waiting, mostly for the disk.
double thread_cpu_ms() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) * 1000.0 + static_cast<double>(now.tv_nsec) / 1e6;
}

}  // namespace

BookingWriter::BookingWriter(store::Store& store, std::size_t max_batch)
    : store_(store), max_batch_(max_batch), thread_([this] { run(); }) {}

BookingWriter::~BookingWriter() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void BookingWriter::submit_async(store::BookingAttempt attempt, Completion done) {
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(Queued{std::move(attempt), std::move(done)});
  }
  wake_.notify_one();
}

store::BookingOutcome BookingWriter::submit(store::BookingAttempt attempt) {
  std::promise<store::BookingOutcome> decided;
  auto outcome = decided.get_future();
  submit_async(std::move(attempt), [&decided](const store::BookingOutcome& result, std::exception_ptr error) {
    if (error) {
      decided.set_exception(error);
    } else {
      decided.set_value(result);
    }
  });
  return outcome.get();
}

std::size_t BookingWriter::queue_length() {
  std::lock_guard lock(mutex_);
  return queue_.size() + deciding_;
}

void BookingWriter::run() {
  // Named for top, perf and gdb.
  pthread_setname_np(pthread_self(), "yizhan-writer");
  std::vector<Queued> batch;
  std::vector<store::BookingAttempt> attempts;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and nothing is left to decide
      // Attempts that arrive while this batch is in the store wait for the
      // next one; that is what makes the batches grow under load.
      const std::size_t count = std::min(queue_.size(), max_batch_);
      batch.clear();
      for (std::size_t i = 0; i < count; ++i) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      deciding_ = count;
    }

    attempts.clear();
    for (auto& queued : batch) attempts.push_back(std::move(queued.attempt));
    std::vector<store::BookingOutcome> outcomes;
    std::exception_ptr error;
    const auto started = std::chrono::steady_clock::now();
    const auto cpu_started = thread_cpu_ms();
    try {
      outcomes = store_.book(attempts);
    } catch (...) {
      error = std::current_exception();
    }
    spdlog::debug("event=booking_batch attempts={} ms={:.2f} cpu_ms={:.2f}", attempts.size(),
                  std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count(),
                  thread_cpu_ms() - cpu_started);
    for (std::size_t i = 0; i < batch.size(); ++i) {
      try {
        batch[i].done(error ? store::BookingOutcome{} : outcomes[i], error);
      } catch (const std::exception& failure) {
        // A completion must not stop the writer for everyone else.
        spdlog::error("event=booking_completion_failed error=\"{}\"", failure.what());
      }
    }
    batch.clear();  // frees what the completions captured now, not at the next batch
    std::lock_guard lock(mutex_);
    deciding_ = 0;
  }
}

}  // namespace yizhan::service

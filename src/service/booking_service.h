// BookingService: the booking engine. Availability of the booking window,
// the booking decision (first come, first served, never over the quota),
// the traveller's bookings, cancelling, and the public totals.
//
// The path of one booking, top to bottom, is book(): cheap checks that need
// no lock (time, window, approval, a known sell-out), then the BookingWriter,
// whose store transaction consumes the captcha and decides the attempt. The
// result is returned only after the commit. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_set>
#include <variant>
#include <vector>

#include "domain/booking_rules.h"
#include "domain/error.h"
#include "service/booking_writer.h"
#include "service/captcha_service.h"
#include "service/clock.h"
#include "store/store.h"

namespace yizhan::service {

struct DayAvailability {
  std::string date;
  int quota = 0;
  int booked = 0;
  int remaining = 0;
  bool bookable = false;
  // Why a date cannot be booked: "" when bookable, "full" (約滿) when no room
  // is left, "closed" (未開放) outside the open hours or without a quota.
  std::string state;
};

struct BookingConfirmation {
  store::Booking booking;
  bool replayed = false;  // an earlier request with the same key booked it
};

struct Publicity {
  std::vector<DayAvailability> open_dates;
  std::vector<store::DayTotals> past_days;  // newest first
};

class BookingService {
 public:
  BookingService(store::Store& store, const Clock& clock, const TimeZone& zone, domain::BookingPolicy policy,
                 CaptchaService& captchas, bool test_mode, std::size_t batch_limit = 512);

  std::vector<DayAvailability> availability();
  Publicity publicity(int past_days);

  // Exception thrown by prepare() when `may_wait` is false and the request
  // repeats one of the same account that is still being decided: waiting
  // for it needs a thread that may block, so the caller calls again from
  // one.
  struct WouldWait {};

  // A booking request past every check that needs no lock. It keeps its
  // account's one place for a request in flight until decide() or
  // decide_async() has its outcome, or until it is destroyed undecided.
  class Pending {
   public:
    Pending(Pending&&) noexcept;
    Pending& operator=(Pending&&) = delete;
    ~Pending();

   private:
    friend class BookingService;
    Pending(BookingService& service, const store::Account& account, store::BookingAttempt attempt);
    BookingService* service_;
    store::Account account_;
    store::BookingAttempt attempt_;
  };
  using Prepared = std::variant<Result<BookingConfirmation>, Pending>;
  using Decided = std::function<void(Result<BookingConfirmation>)>;

  // The whole booking decision for `account`; see the class comment. Waits
  // for the writer's commit on the calling thread.
  Result<BookingConfirmation> book(const store::Account& account, const std::string& date,
                                   const std::string& captcha_id, const std::string& captcha_answer,
                                   const std::string& idempotency_key);
  // book() in two steps for callers that must not wait. prepare() returns
  // the result when it needs no writer (a replay, a closed or sold-out
  // date, a refusal), else the attempt for the writer. decide_async() hands
  // that over and calls `done` on the writer's thread after the commit.
  Prepared prepare(const store::Account& account, const std::string& date, const std::string& captcha_id,
                   const std::string& captcha_answer, const std::string& idempotency_key, bool may_wait);
  void decide_async(Pending pending, Decided done);
  Result<BookingConfirmation> decide(Pending pending);

  std::vector<store::Booking> bookings_of(const store::Account& account);
  std::optional<store::Booking> active_booking(std::int64_t account_id);
  Result<store::Booking> cancel(const store::Account& account, const std::string& booking_number);

  // Whether the traveller may cancel `booking` today (confirmed, before D-1).
  bool cancellable(const store::Booking& booking) const;
  std::string last_cancel_date(const store::Booking& booking) const;
  // The next local opening instant, RFC 3339, for "opens at" notices.
  std::string next_opening() const;
  bool open_now() const;
  const domain::BookingPolicy& policy() const { return policy_; }

  // Returns a value that changes whenever availability() or publicity() may
  // return something else: a new snapshot of the counts, or another local
  // minute (open hours and dates turn over on minutes). Callers cache what
  // they render under it.
  std::string public_view_version();

  // For /metrics: attempts in the writer's queue, and accounts with a
  // booking request past the cheap checks.
  std::size_t writer_queue_length() { return writer_.queue_length(); }
  std::size_t requests_in_flight();

  // Forget cached counts, e.g. after an operator changed a quota.
  void invalidate_cache();

 private:
  domain::LocalMoment local_now() const;
  std::vector<std::string> window_dates() const;
  // The applicant and the approved co-residents as the booking will
  // snapshot them, after the group rules for `date` (domain::check_group).
  Result<std::vector<store::BookingMember>> booking_group(const store::Account& account, const store::Profile& profile,
                                                          std::chrono::year_month_day date);
  // Totals per window date, at most a second old: the public pages and the
  // sell-out shortcut read them under load without touching the store.
  // Shared, not copied: under the rush every request reads them.
  using Totals = std::map<std::string, store::DayTotals>;
  std::shared_ptr<const Totals> cached_totals();
  // Maps the writer's outcome to the traveller's result.
  Result<BookingConfirmation> conclude(const store::Account& account, const std::string& outcome_date,
                                      const store::BookingOutcome& outcome);
  // Records in the cached totals that the writer found `date` full.
  void mark_sold_out(const std::string& date);
  void release_in_flight(std::int64_t account_id);

  store::Store& store_;
  const Clock& clock_;
  const TimeZone& zone_;
  const domain::BookingPolicy policy_;
  CaptchaService& captchas_;
  const bool test_mode_;

  // Accounts whose booking request is past the cheap checks: one at a
  // time per account, so a script firing many gains nothing.
  std::mutex in_flight_mutex_;
  std::unordered_set<std::int64_t> in_flight_;  // guarded by in_flight_mutex_
  std::condition_variable in_flight_done_;       // an account left in_flight_

  std::mutex cache_mutex_;
  std::shared_ptr<const Totals> cache_;  // guarded by cache_mutex_
  bool refreshing_ = false;               // guarded by cache_mutex_; a caller is reading the store
  std::chrono::steady_clock::time_point cache_time_{};
  std::string cache_today_;
  std::uint64_t cache_generation_ = 0;  // bumped by every invalidation
  std::uint64_t cache_version_ = 0;     // bumped whenever cache_ is replaced
  std::vector<store::DayTotals> past_cache_;  // guarded by cache_mutex_
  std::string past_cache_key_;
  std::chrono::steady_clock::time_point past_cache_time_{};

  // Last, so that it is destroyed first: its thread finishes the queued
  // attempts, whose completions use the members above.
  BookingWriter writer_;
};

}  // namespace yizhan::service

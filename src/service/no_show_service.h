// NoShowService: closing days, and the bans that consecutive no-shows bring.
// Closing a past day marks its confirmed bookings without an entry as
// no-shows and bans accounts that reach the no-show limit (the store does
// it in one transaction, and a closed day is never closed again). Staff
// lift bans with a reason. Every change is audited. Thread-safe.
//
// NoShowScheduler runs the closing by itself shortly after local midnight.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "domain/error.h"
#include "domain/no_show_rules.h"
#include "service/clock.h"
#include "store/store.h"

namespace yizhan::service {

// Lift reasons are free text of at most this many code points.
inline constexpr std::size_t kMaxLiftReasonCodePoints = 500;
// How far back the automatic job looks for days that were never closed,
// e.g. while the server was down. Older days are closed by hand.
inline constexpr int kCloseLookBackDays = 92;

// The staff member or system job that closes a day or lifts a ban, for the
// audit log. Staff id 0 is the server's own job or the command line, named
// by `username`.
struct Actor {
  std::int64_t staff_id = 0;
  std::string username;
};

struct ClosedDay {
  std::string date;  // YYYY-MM-DD
  int no_shows = 0;  // bookings marked as no-shows by this call
  int bans = 0;      // accounts banned by this call
  bool already_closed = false;
};

// A banned account with what staff need to recognise it.
struct BanSummary {
  store::Account account;
  std::string name;  // from the personal information, "" when none
};

class NoShowService {
 public:
  // REQUIRES: domain::check_no_show_policy(policy) passes.
  NoShowService(store::Store& store, const Clock& clock, const TimeZone& zone, domain::NoShowPolicy policy);

  // Close one day that has ended. Errors: day.date_invalid (field "date"),
  // day.not_over when `date` is today or later in the configured zone.
  // Closing a closed day again changes nothing and returns already_closed.
  Result<ClosedDay> close_day(const Actor& actor, const std::string& date);

  // Close every day before today, back to kCloseLookBackDays, that has
  // bookings and is not closed yet, oldest first, so that consecutive
  // no-shows are counted in date order. Returns the days it closed.
  std::vector<ClosedDay> close_past_days(const Actor& actor);

  // Accounts banned today, the ban ending soonest first.
  std::vector<BanSummary> list_bans();

  // Lift the ban of `account_id` at once. Errors: ban.reason_missing,
  // ban.reason_invalid (field "reason"), ban.account_not_found,
  // ban.not_banned. The audit entry records the ban before and the reason.
  Result<store::Account> lift_ban(const Actor& actor, std::int64_t account_id, const std::string& reason);

  std::string today() const;
  const domain::NoShowPolicy& policy() const { return policy_; }

 private:
  store::AuditEntry audit_entry(const Actor& actor, const std::string& action) const;

  store::Store& store_;
  const Clock& clock_;
  const TimeZone& zone_;
  const domain::NoShowPolicy policy_;
};

// NoShowScheduler: a thread that closes past days once a day, at the first
// check after `close_time` (seconds after local midnight), and at start-up
// when that time has passed already, to catch up after downtime. It checks
// every `check_interval`, so a test clock that jumps is noticed too.
//
// Several servers on one database may all run it: closing a day is
// idempotent in the store. NOTE: with SQLite the write lock serialises the
// closings. A PostgreSQL store will need an advisory lock (or a closed_days
// insert first) inside close_day, so that two servers cannot mark the same
// day at once.
class NoShowScheduler {
 public:
  NoShowScheduler(NoShowService& service, const Clock& clock, const TimeZone& zone, std::chrono::seconds close_time,
                  std::chrono::milliseconds check_interval = std::chrono::seconds(5));
  ~NoShowScheduler();
  NoShowScheduler(const NoShowScheduler&) = delete;
  NoShowScheduler& operator=(const NoShowScheduler&) = delete;

  void start();
  // Wake the thread and wait for it to finish; safe to call twice.
  void stop();

 private:
  void run();
  // Close past days if today's run is due; returns whether it ran.
  bool run_if_due();

  NoShowService& service_;
  const Clock& clock_;
  const TimeZone& zone_;
  const std::chrono::seconds close_time_;
  const std::chrono::milliseconds check_interval_;

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mutex_
  std::thread thread_;
  // Only the scheduler thread touches these.
  std::string last_run_date_;
  std::chrono::steady_clock::time_point retry_after_{};
};

}  // namespace yizhan::service

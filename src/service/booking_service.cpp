#include "service/booking_service.h"

#include <algorithm>

#include "domain/id_document.h"

namespace yizhan::service {
namespace {

using std::chrono::days;
using std::chrono::sys_days;

// How long cached totals are trusted for display and for the sell-out
// shortcut; writes of this process invalidate them at once.
constexpr auto kCacheLifetime = std::chrono::seconds(1);

std::int64_t seconds_of(Instant instant) { return instant.time_since_epoch().count(); }

}  // namespace

BookingService::BookingService(store::Store& store, const Clock& clock, const TimeZone& zone,
                               domain::BookingPolicy policy, CaptchaService& captchas, bool test_mode)
    : store_(store),
      clock_(clock),
      zone_(zone),
      policy_(policy),
      captchas_(captchas),
      test_mode_(test_mode),
      writer_(store) {}

domain::LocalMoment BookingService::local_now() const {
  const auto local = zone_.to_local(clock_.now());
  return domain::LocalMoment{local.date, local.time_of_day};
}

std::vector<std::string> BookingService::window_dates() const {
  const auto today = local_now().date;
  std::vector<std::string> dates;
  for (int offset = 0; offset < policy_.window_days; ++offset) {
    dates.push_back(format_date(std::chrono::year_month_day{sys_days{today} + days{offset}}));
  }
  return dates;
}

void BookingService::invalidate_cache() {
  std::lock_guard lock(cache_mutex_);
  cache_time_ = {};
}

std::map<std::string, store::DayTotals> BookingService::cached_totals() {
  const auto dates = window_dates();
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(cache_mutex_);
    if (cache_today_ == dates.front() && now - cache_time_ < kCacheLifetime) return cache_;
  }
  std::map<std::string, store::DayTotals> totals;
  for (const auto& day : store_.day_totals(dates.front(), dates.back())) totals[day.date] = day;
  std::lock_guard lock(cache_mutex_);
  cache_ = totals;
  cache_time_ = now;
  cache_today_ = dates.front();
  return totals;
}

bool BookingService::open_now() const { return domain::within_open_hours(local_now(), policy_); }

std::string BookingService::next_opening() const {
  const auto opening = domain::next_opening(local_now(), policy_);
  // Local midnight of that date plus the opening time, as an instant: find
  // it by shifting the current instant by the local difference.
  const auto now = local_now();
  const auto delta = (sys_days{opening.date} - sys_days{now.date}) + (opening.time_of_day - now.time_of_day);
  return zone_.format_rfc3339(clock_.now() + std::chrono::duration_cast<std::chrono::seconds>(delta));
}

std::vector<DayAvailability> BookingService::availability() {
  const auto totals = cached_totals();
  const bool open = open_now();
  std::vector<DayAvailability> days_out;
  for (const auto& date : window_dates()) {
    DayAvailability day;
    day.date = date;
    if (const auto found = totals.find(date); found != totals.end()) {
      day.quota = found->second.quota;
      day.booked = found->second.booked;
    }
    day.remaining = std::max(0, day.quota - day.booked);
    if (day.quota == 0 || !open) {
      day.state = "closed";
    } else if (day.remaining == 0) {
      day.state = "full";
    }
    day.bookable = day.state.empty();
    days_out.push_back(day);
  }
  return days_out;
}

Publicity BookingService::publicity(int past_days) {
  Publicity publicity;
  publicity.open_dates = availability();
  const auto today = local_now().date;
  const auto from = format_date(std::chrono::year_month_day{sys_days{today} - days{past_days}});
  const auto yesterday = format_date(std::chrono::year_month_day{sys_days{today} - days{1}});
  publicity.past_days = store_.day_totals(from, yesterday);
  std::reverse(publicity.past_days.begin(), publicity.past_days.end());
  return publicity;
}

Result<BookingConfirmation> BookingService::book(const store::Account& account, const std::string& date_text,
                                                 const std::string& captcha_id, const std::string& captcha_answer,
                                                 const std::string& idempotency_key) {
  // 1. Checks that need nothing but the clock and the request.
  const auto date = parse_date(date_text);
  if (!date) return make_error(ErrorKind::invalid, "booking.date_invalid", "date");
  const auto now = local_now();
  if (auto error = domain::check_booking_time(now, *date, policy_)) {
    if (error->code == "booking.outside_open_hours") error->params["next_opening"] = next_opening();
    return *error;
  }
  if (idempotency_key.size() > 128) return make_error(ErrorKind::invalid, "booking.idempotency_key_invalid");
  if (account.must_change_password) return make_error(ErrorKind::forbidden, "account.password_change_required");

  // 2. Preconditions read from the store without a lock.
  const auto profile = store_.find_profile(account.id);
  if (!profile || profile->status != "approved") {
    return make_error(ErrorKind::forbidden, "booking.profile_not_approved");
  }
  if (captcha_answer.empty()) return make_error(ErrorKind::invalid, "captcha.missing", "captcha_answer");

  // 3. A date known to be full is answered at once: under the rush most
  //    requests end here, and they need neither the captcha nor the writer.
  //    A retry with an idempotency key skips this, so it still finds its
  //    earlier booking.
  if (idempotency_key.empty()) {
    const auto totals = cached_totals();
    const auto found = totals.find(date_text);
    if (found == totals.end() || found->second.booked >= found->second.quota) {
      return make_error(ErrorKind::conflict, "booking.sold_out");
    }
  }

  // 4. The decision, in the writer's transaction: replay, captcha, one
  //    active booking per person, a room, a sequence. Committed on return.
  store::BookingAttempt attempt;
  attempt.account_id = account.id;
  attempt.date = date_text;
  attempt.today = format_date(now.date);
  attempt.now = seconds_of(clock_.now());
  attempt.idempotency_key = idempotency_key;
  attempt.captcha_id = captcha_id;
  attempt.captcha_digest = captchas_.answer_digest_for(captcha_id, captcha_answer);
  attempt.captcha_any_answer = test_mode_ && captchas_.is_test_answer(captcha_answer);
  attempt.name = profile->name;
  attempt.id_type = account.id_type;
  attempt.id_number = account.id_number;
  attempt.destination_code = profile->destination_code;
  const auto outcome = writer_.submit(attempt);

  switch (outcome.result) {
    case store::BookingResult::confirmed:
      invalidate_cache();
      return BookingConfirmation{outcome.booking, false};
    case store::BookingResult::replayed:
      return BookingConfirmation{outcome.booking, true};
    case store::BookingResult::sold_out:
      invalidate_cache();
      return make_error(ErrorKind::conflict, "booking.sold_out");
    case store::BookingResult::already_active: {
      Error error = make_error(ErrorKind::conflict, outcome.booking.account_id == account.id
                                                        ? "booking.already_active"
                                                        : "booking.identity_already_booked");
      if (outcome.booking.account_id == account.id) error.params["booking_number"] = outcome.booking.booking_number;
      return error;
    }
    case store::BookingResult::captcha_expired:
      return make_error(ErrorKind::invalid, "captcha.expired", "captcha_answer");
    case store::BookingResult::captcha_wrong:
      return make_error(ErrorKind::invalid, "captcha.wrong", "captcha_answer");
  }
  return make_error(ErrorKind::unavailable, "service.internal_error");
}

std::vector<store::Booking> BookingService::bookings_of(const store::Account& account) {
  return store_.list_bookings(account.id);
}

std::optional<store::Booking> BookingService::active_booking(std::int64_t account_id) {
  return store_.find_active_booking(account_id, format_date(local_now().date));
}

bool BookingService::cancellable(const store::Booking& booking) const {
  const auto date = parse_date(booking.date);
  return booking.status == "confirmed" && date && !domain::check_cancel_deadline(local_now().date, *date, policy_);
}

std::string BookingService::last_cancel_date(const store::Booking& booking) const {
  const auto date = parse_date(booking.date);
  return date ? format_date(domain::last_cancel_date(*date, policy_)) : std::string();
}

Result<store::Booking> BookingService::cancel(const store::Account& account, const std::string& booking_number) {
  if (!domain::parse_booking_number(booking_number)) {
    return make_error(ErrorKind::not_found, "booking.not_found");
  }
  auto booking = store_.find_booking(booking_number);
  if (!booking || booking->account_id != account.id) return make_error(ErrorKind::not_found, "booking.not_found");
  if (booking->status != "confirmed") return make_error(ErrorKind::conflict, "booking.not_cancellable");
  const auto date = parse_date(booking->date);
  if (auto error = domain::check_cancel_deadline(local_now().date, *date, policy_)) {
    error->params["last_cancel_date"] = last_cancel_date(*booking);
    return *error;
  }
  switch (store_.cancel_booking(booking_number, account.id, seconds_of(clock_.now()))) {
    case store::CancelResult::cancelled:
      invalidate_cache();
      booking->status = "cancelled";
      booking->cancelled_at = seconds_of(clock_.now());
      return *booking;
    case store::CancelResult::not_found:
      return make_error(ErrorKind::not_found, "booking.not_found");
    case store::CancelResult::not_confirmed:
      return make_error(ErrorKind::conflict, "booking.not_cancellable");
  }
  return make_error(ErrorKind::unavailable, "service.internal_error");
}

}  // namespace yizhan::service

#include "service/booking_service.h"

#include <algorithm>
#include <cstdio>
#include <utility>

#include <spdlog/spdlog.h>

#include "domain/co_resident_rules.h"
#include "domain/id_document.h"

namespace yizhan::service {
namespace {

using std::chrono::days;
using std::chrono::sys_days;

// How long cached totals are trusted for display and for the sell-out
// shortcut; writes of this process invalidate them at once.
constexpr auto kCacheLifetime = std::chrono::seconds(1);
// How long a repeated booking request waits for the first one's response.
constexpr auto kRepeatWait = std::chrono::seconds(10);

std::int64_t seconds_of(Instant instant) { return instant.time_since_epoch().count(); }

// "10:00" for 36000 seconds.
std::string format_time_of_day(std::chrono::seconds time) {
  char text[48];
  std::snprintf(text, sizeof text, "%02lld:%02lld", static_cast<long long>(time.count() / 3600),
                static_cast<long long>(time.count() / 60 % 60));
  return text;
}

}  // namespace

BookingService::BookingService(store::Store& store, const Clock& clock, const TimeZone& zone,
                               domain::BookingPolicy policy, CaptchaService& captchas, bool test_mode,
                               std::size_t batch_limit)
    : store_(store),
      clock_(clock),
      zone_(zone),
      policy_(policy),
      captchas_(captchas),
      test_mode_(test_mode),
      writer_(store, batch_limit) {}

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
  ++cache_generation_;
}

void BookingService::mark_sold_out(const std::string& date) {
  std::lock_guard lock(cache_mutex_);
  // A read of the store that began before the writer's outcome may not see
  // the date full, so keep it out of the cache.
  ++cache_generation_;
  if (!cache_) return;
  const auto found = cache_->find(date);
  if (found == cache_->end() || found->second.booked >= found->second.quota) return;
  auto updated = std::make_shared<Totals>(*cache_);
  (*updated)[date].booked = found->second.quota;
  cache_ = std::move(updated);
  ++cache_version_;
}

std::shared_ptr<const BookingService::Totals> BookingService::cached_totals() {
  const std::string today = format_date(local_now().date);
  const auto now = std::chrono::steady_clock::now();
  std::uint64_t generation = 0;
  {
    std::lock_guard lock(cache_mutex_);
    const bool same_day = cache_ && cache_today_ == today;
    if (same_day && now - cache_time_ < kCacheLifetime) return cache_;
    // One caller reads the store at a time. Under the rush every
    // confirmation invalidates the totals, so without this every request of
    // the moment would run the same query. The others use the last totals
    // meanwhile. At worst that sends the writer an attempt that fresh totals
    // would have refused as sold out.
    if (same_day && refreshing_) return cache_;
    refreshing_ = true;
    generation = cache_generation_;
  }
  struct EndRefresh {
    BookingService& service;
    ~EndRefresh() {
      std::lock_guard lock(service.cache_mutex_);
      service.refreshing_ = false;
    }
  } end_refresh{*this};
  const auto dates = window_dates();
  auto totals = std::make_shared<Totals>();
  for (const auto& day : store_.day_totals(dates.front(), dates.back())) (*totals)[day.date] = day;
  std::lock_guard lock(cache_mutex_);
  // A write that invalidated the cache while these totals were read may
  // not be in them; keep them out of the cache then.
  if (generation == cache_generation_) {
    cache_ = totals;
    ++cache_version_;
    cache_time_ = now;
    cache_today_ = dates.front();
  }
  return totals;
}

std::size_t BookingService::requests_in_flight() {
  std::lock_guard lock(in_flight_mutex_);
  return in_flight_.size();
}

std::string BookingService::public_view_version() {
  cached_totals();
  const auto now = local_now();
  const auto minutes = std::chrono::duration_cast<std::chrono::minutes>(now.time_of_day).count();
  std::uint64_t version = 0;
  {
    std::lock_guard lock(cache_mutex_);
    version = cache_version_;
  }
  return std::to_string(version) + "/" + format_date(now.date) + "/" + std::to_string(minutes);
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
    if (const auto found = totals->find(date); found != totals->end()) {
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
  // Past days change only when a day is closed; a minute of caching keeps
  // the public page off the store under load.
  {
    std::lock_guard lock(cache_mutex_);
    const auto now_steady = std::chrono::steady_clock::now();
    if (past_cache_key_ == from + yesterday && now_steady - past_cache_time_ < std::chrono::minutes(1)) {
      publicity.past_days = past_cache_;
      return publicity;
    }
  }
  publicity.past_days = store_.day_totals(from, yesterday);
  std::reverse(publicity.past_days.begin(), publicity.past_days.end());
  std::lock_guard lock(cache_mutex_);
  past_cache_ = publicity.past_days;
  past_cache_key_ = from + yesterday;
  past_cache_time_ = std::chrono::steady_clock::now();
  return publicity;
}

Result<std::vector<store::BookingMember>> BookingService::booking_group(const store::Account& account,
                                                                       const store::Profile& profile,
                                                                       std::chrono::year_month_day date) {
  store::BookingMember applicant;
  applicant.name = profile.name;
  applicant.id_type = account.id_type;
  applicant.id_number = account.id_number;
  applicant.birth_date = profile.birth_date;
  applicant.gender = profile.gender;
  std::vector<store::BookingMember> members{applicant};

  // Pending and rejected co-residents stay at home: only what a reviewer
  // approved goes into the booking.
  std::vector<domain::GroupPerson> group;
  for (const auto& co_resident : store_.list_co_residents(account.id)) {
    if (co_resident.status != "approved") continue;
    store::BookingMember member;
    member.position = static_cast<int>(members.size());
    member.name = co_resident.name;
    member.relation = co_resident.relation;
    member.id_type = co_resident.id_type;
    member.id_number = co_resident.id_number;
    member.birth_date = co_resident.birth_date;
    member.gender = co_resident.gender;
    members.push_back(member);
    if (group.empty()) group.push_back(domain::GroupPerson{applicant.id_type, applicant.id_number,
                                                           parse_date(profile.birth_date).value_or(date), ""});
    group.push_back(domain::GroupPerson{co_resident.id_type, co_resident.id_number,
                                        parse_date(co_resident.birth_date).value_or(date), co_resident.care_reason});
  }
  if (auto error = domain::check_group(group, date)) return *error;
  return members;
}

BookingService::Pending::Pending(BookingService& service, const store::Account& account,
                                 store::BookingAttempt attempt)
    : service_(&service), account_(account), attempt_(std::move(attempt)) {}

BookingService::Pending::Pending(Pending&& other) noexcept
    : service_(std::exchange(other.service_, nullptr)),
      account_(std::move(other.account_)),
      attempt_(std::move(other.attempt_)) {}

BookingService::Pending::~Pending() {
  if (service_) service_->release_in_flight(account_.id);
}

void BookingService::release_in_flight(std::int64_t account_id) {
  {
    std::lock_guard lock(in_flight_mutex_);
    in_flight_.erase(account_id);
  }
  in_flight_done_.notify_all();
}

Result<BookingConfirmation> BookingService::book(const store::Account& account, const std::string& date,
                                                 const std::string& captcha_id, const std::string& captcha_answer,
                                                 const std::string& idempotency_key) {
  auto prepared = prepare(account, date, captcha_id, captcha_answer, idempotency_key, true);
  if (auto* answered = std::get_if<Result<BookingConfirmation>>(&prepared)) return std::move(*answered);
  return decide(std::move(std::get<Pending>(prepared)));
}

BookingService::Prepared BookingService::prepare(const store::Account& account, const std::string& date_text,
                                                 const std::string& captcha_id, const std::string& captcha_answer,
                                                 const std::string& idempotency_key, bool may_wait) {
  // 1. A retry of a request that already booked gets that booking, even if
  //    the retry arrives after closing time or after the date sold out.
  if (idempotency_key.size() > 128) return make_error(ErrorKind::invalid, "booking.idempotency_key_invalid");
  if (!idempotency_key.empty()) {
    if (auto earlier = store_.find_booking_by_key(account.id, idempotency_key)) {
      return BookingConfirmation{*earlier, true};
    }
  }

  // 2. Checks that need nothing but the clock, the request and the account.
  const auto date = parse_date(date_text);
  if (!date) return make_error(ErrorKind::invalid, "booking.date_invalid", "date");
  const auto now = local_now();
  if (auto error = domain::check_booking_time(now, *date, policy_)) {
    error->params["next_opening"] = next_opening();
    error->params["opens_at"] = format_time_of_day(policy_.opens_at);
    error->params["closes_at"] = format_time_of_day(policy_.closes_at);
    error->params["window_days"] = std::to_string(policy_.window_days);
    return *error;
  }
  if (account.must_change_password) return make_error(ErrorKind::forbidden, "account.password_change_required");
  // Two consecutive no-shows bar booking until banned_until (exclusive).
  if (!account.banned_until.empty() && account.banned_until > format_date(now.date)) {
    Error error = make_error(ErrorKind::forbidden, "booking.banned");
    error.params["banned_until"] = account.banned_until;
    return error;
  }

  if (captcha_answer.empty()) return make_error(ErrorKind::invalid, "captcha.missing", "captcha_answer");

  // 3. A date known to be full is answered at once: under the rush most
  //    requests end here, and they need neither the store, the captcha nor
  //    the writer. A date without rooms at all was never opened. Whatever
  //    else would stop this traveller, a full date is reported first.
  {
    const auto totals = cached_totals();
    const auto found = totals->find(date_text);
    if (found == totals->end() || found->second.quota == 0) {
      return make_error(ErrorKind::conflict, "booking.date_not_open", "date");
    }
    if (found->second.booked >= found->second.quota) return make_error(ErrorKind::conflict, "booking.sold_out");
  }

  // One request per account past this point. Others get 429 and should
  // wait for the first one's response, except a repeat of the same request
  // (same idempotency key, e.g. a double click on the confirm page): it
  // waits here for the first and then gets the same booking.
  bool waited = false;
  {
    std::unique_lock lock(in_flight_mutex_);
    if (!idempotency_key.empty() && in_flight_.count(account.id) > 0) {
      if (!may_wait) throw WouldWait{};
      waited = true;
      in_flight_done_.wait_for(lock, kRepeatWait, [&] { return in_flight_.count(account.id) == 0; });
    }
    if (!in_flight_.insert(account.id).second) {
      Error error = make_error(ErrorKind::rate_limited, "booking.in_flight");
      error.retry_after_seconds = 1;
      return error;
    }
  }
  // From here on the account's place is released when `pending` is
  // destroyed: after the writer's outcome, or at an early return below.
  Pending pending(*this, account, {});
  if (waited) {
    if (auto earlier = store_.find_booking_by_key(account.id, idempotency_key)) {
      return BookingConfirmation{*earlier, true};
    }
  }

  // 4. Preconditions read from the store without a lock.
  const auto profile = store_.find_profile(account.id);
  if (!profile || profile->status != "approved") {
    return make_error(ErrorKind::forbidden, "booking.profile_not_approved");
  }
  auto members = booking_group(account, *profile, *date);
  if (!members) return members.error();

  // 5. What the writer's transaction decides: replay, captcha, one active
  //    booking per person, a room, a sequence.
  store::BookingAttempt& attempt = pending.attempt_;
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
  attempt.members = std::move(members.value());
  return pending;
}

Result<BookingConfirmation> BookingService::decide(Pending pending) {
  const std::string date = pending.attempt_.date;
  const auto outcome = writer_.submit(std::move(pending.attempt_));
  return conclude(pending.account_, date, outcome);
}

void BookingService::decide_async(Pending pending, Decided done) {
  // The completion owns the Pending, so the account's place is released
  // only once the outcome is known.
  auto owned = std::make_shared<Pending>(std::move(pending));
  store::BookingAttempt attempt = std::move(owned->attempt_);
  owned->attempt_.date = attempt.date;  // conclude() needs it after the move
  writer_.submit_async(std::move(attempt), [this, owned, done = std::move(done)](
                                               const store::BookingOutcome& outcome, std::exception_ptr error) {
    std::optional<Result<BookingConfirmation>> result;
    if (!error) {
      result = conclude(owned->account_, owned->attempt_.date, outcome);
    } else {
      // As for any store failure: 503, try again shortly.
      try {
        std::rethrow_exception(error);
      } catch (const std::exception& failure) {
        spdlog::error("event=store_error route=booking_writer account={} error=\"{}\"", owned->account_.id,
                      failure.what());
      } catch (...) {
      }
      Error unavailable = make_error(ErrorKind::unavailable, "service.unavailable");
      unavailable.retry_after_seconds = 5;
      result = std::move(unavailable);
    }
    // Free the account's place before the answer goes out, so that the
    // traveller's next request is not refused as still in flight.
    { const Pending finished(std::move(*owned)); }
    done(std::move(*result));
  });
}

Result<BookingConfirmation> BookingService::conclude(const store::Account& account, const std::string& outcome_date,
                                                     const store::BookingOutcome& outcome) {
  switch (outcome.result) {
    case store::BookingResult::confirmed:
      invalidate_cache();
      return BookingConfirmation{outcome.booking, false};
    case store::BookingResult::replayed:
      return BookingConfirmation{outcome.booking, true};
    case store::BookingResult::sold_out:
      // Known now without reading the store: every request after this one
      // gets the sold-out answer from the cache at once.
      mark_sold_out(outcome_date);
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
    error->params["days"] = std::to_string(policy_.cancel_days_before);
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

#include "service/no_show_service.h"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <cassert>

#include "domain/text.h"

namespace yizhan::service {
namespace {

using std::chrono::days;
using std::chrono::sys_days;
using std::chrono::year_month_day;

// After a failed run (e.g. the database was locked or full), wait this long
// before the next attempt.
constexpr std::chrono::minutes kRetryDelay{5};

std::string trim(const std::string& text) {
  constexpr std::string_view kSpace = " \t\r\n";
  const auto first = text.find_first_not_of(kSpace);
  if (first == std::string::npos) return {};
  const auto last = text.find_last_not_of(kSpace);
  return text.substr(first, last - first + 1);
}

nlohmann::json nullable(const std::string& text) { return text.empty() ? nlohmann::json(nullptr) : nlohmann::json(text); }

}  // namespace

NoShowService::NoShowService(store::Store& store, const Clock& clock, const TimeZone& zone,
                             domain::NoShowPolicy policy)
    : store_(store), clock_(clock), zone_(zone), policy_(policy) {
  assert(!domain::check_no_show_policy(policy_));
}

std::string NoShowService::today() const { return format_date(zone_.to_local(clock_.now()).date); }

store::AuditEntry NoShowService::audit_entry(const Actor& actor, const std::string& action) const {
  store::AuditEntry audit;
  audit.at = clock_.now().time_since_epoch().count();
  audit.staff_id = actor.staff_id;
  audit.staff_username = actor.username;
  audit.action = action;
  return audit;
}

Result<ClosedDay> NoShowService::close_day(const Actor& actor, const std::string& date_text) {
  const auto date = parse_date(date_text);
  if (!date) return make_error(ErrorKind::invalid, "day.date_invalid", "date");
  const auto local_today = zone_.to_local(clock_.now()).date;
  if (!domain::day_is_over(*date, local_today)) {
    Error error = make_error(ErrorKind::conflict, "day.not_over", "date");
    error.params["date"] = date_text;
    return error;
  }

  const auto now = clock_.now().time_since_epoch().count();
  const auto outcome = store_.close_day(date_text, now, policy_.limit, policy_.ban_days);
  ClosedDay closed{date_text, outcome.no_shows, outcome.bans, outcome.already_closed};
  if (closed.already_closed) return closed;

  // The store call has no audit parameter, so the entry follows the closing
  // in its own transaction.
  auto audit = audit_entry(actor, "day.close");
  audit.target_type = "day";
  audit.target_id = date_text;
  audit.after_json = nlohmann::json{{"no_shows", closed.no_shows},
                                    {"bans", closed.bans},
                                    {"no_show_limit", policy_.limit},
                                    {"ban_days", policy_.ban_days}}
                         .dump();
  store_.append_audit(audit);
  spdlog::info("event=day_closed date={} no_shows={} bans={} by={}", date_text, closed.no_shows, closed.bans,
               actor.username);
  return closed;
}

std::vector<ClosedDay> NoShowService::close_past_days(const Actor& actor) {
  const auto local_today = zone_.to_local(clock_.now()).date;
  const std::string from = format_date(year_month_day{sys_days{local_today} - days{kCloseLookBackDays}});
  const std::string yesterday = format_date(year_month_day{sys_days{local_today} - days{1}});

  std::vector<ClosedDay> closed;
  // day_totals comes in date order; `booked` counts every booking that was
  // not cancelled, so a day without one has nothing to mark.
  for (const auto& day : store_.day_totals(from, yesterday)) {
    if (day.booked == 0 || store_.is_day_closed(day.date)) continue;
    auto result = close_day(actor, day.date);
    if (result && !result.value().already_closed) closed.push_back(result.value());
  }
  return closed;
}

std::vector<BanSummary> NoShowService::list_bans() {
  std::vector<BanSummary> bans;
  for (auto& account : store_.list_banned(today())) {
    const auto profile = store_.find_profile(account.id);
    bans.push_back(BanSummary{std::move(account), profile ? profile->name : std::string()});
  }
  return bans;
}

Result<store::Account> NoShowService::lift_ban(const Actor& actor, std::int64_t account_id, const std::string& reason) {
  const std::string text = trim(reason);
  if (text.empty()) return make_error(ErrorKind::invalid, "ban.reason_missing", "reason");
  if (!domain::is_valid_utf8(text) || domain::count_code_points(text) > kMaxLiftReasonCodePoints) {
    Error error = make_error(ErrorKind::invalid, "ban.reason_invalid", "reason");
    error.params["max"] = std::to_string(kMaxLiftReasonCodePoints);
    return error;
  }

  const auto account = store_.find_account_by_id(account_id);
  if (!account) return make_error(ErrorKind::not_found, "ban.account_not_found");
  if (!domain::is_banned_on(account->banned_until, today())) return make_error(ErrorKind::conflict, "ban.not_banned");

  auto audit = audit_entry(actor, "ban.lift");
  audit.target_type = "account";
  audit.target_id = std::to_string(account_id);
  audit.before_json = nlohmann::json{{"banned_until", nullable(account->banned_until)},
                                     {"consecutive_no_shows", account->consecutive_no_shows},
                                     {"total_no_shows", account->total_no_shows}}
                          .dump();
  audit.after_json = nlohmann::json{{"banned_until", nullptr}, {"reason", text}}.dump();
  // False when the ban was lifted by someone else in the meantime.
  if (!store_.lift_ban(account_id, audit)) return make_error(ErrorKind::conflict, "ban.not_banned");
  spdlog::info("event=ban_lifted account_id={} was_banned_until={} by={}", account_id, account->banned_until,
               actor.username);

  auto lifted = store_.find_account_by_id(account_id);
  if (!lifted) return make_error(ErrorKind::not_found, "ban.account_not_found");
  return *lifted;
}

NoShowScheduler::NoShowScheduler(NoShowService& service, const Clock& clock, const TimeZone& zone,
                                 std::chrono::seconds close_time, std::chrono::milliseconds check_interval)
    : service_(service), clock_(clock), zone_(zone), close_time_(close_time), check_interval_(check_interval) {}

NoShowScheduler::~NoShowScheduler() { stop(); }

void NoShowScheduler::start() {
  assert(!thread_.joinable());
  thread_ = std::thread([this] { run(); });
  spdlog::info("event=close_days_scheduler_started at={:02}:{:02} zone={}", close_time_.count() / 3600,
               close_time_.count() / 60 % 60, zone_.name());
}

void NoShowScheduler::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
    spdlog::info("event=close_days_scheduler_stopped");
  }
}

void NoShowScheduler::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    run_if_due();
    lock.lock();
    wake_.wait_for(lock, check_interval_, [this] { return stopping_; });
  }
}

bool NoShowScheduler::run_if_due() {
  const auto local = zone_.to_local(clock_.now());
  const std::string today = format_date(local.date);
  if (today == last_run_date_ || local.time_of_day < close_time_) return false;
  if (std::chrono::steady_clock::now() < retry_after_) return false;

  try {
    const auto closed = service_.close_past_days(Actor{0, "system:scheduler"});
    last_run_date_ = today;
    spdlog::info("event=close_days_run today={} days_closed={}", today, closed.size());
    return true;
  } catch (const std::exception& error) {
    // The next attempt waits, so a broken database is not hammered.
    retry_after_ = std::chrono::steady_clock::now() + kRetryDelay;
    spdlog::error("event=close_days_failed today={} retry_in_seconds={} error=\"{}\"", today,
                  std::chrono::seconds(kRetryDelay).count(), error.what());
    return false;
  }
}

}  // namespace yizhan::service

#include "service/staff_admin_service.h"

#include <date/tz.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <string_view>

#include "domain/password_rules.h"
#include "domain/staff_role.h"
#include "domain/text.h"
#include "service/crypto.h"

namespace yizhan::service {
namespace {

std::int64_t seconds(Instant instant) { return instant.time_since_epoch().count(); }

std::string dump(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

nlohmann::json staff_state(const store::Staff& staff) {
  return {{"username", staff.username}, {"role", staff.role}, {"disabled", staff.disabled}};
}

bool is_enabled_admin(const store::Staff& staff) { return staff.role == "admin" && !staff.disabled; }

std::string trim_spaces(std::string_view text) {
  const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return std::string(text);
}

// The first instant of local date `date` in `zone`. A date whose midnight a
// daylight-saving change skips starts at the earliest instant that exists.
std::int64_t start_of_local_day(const TimeZone& zone, std::chrono::year_month_day date) {
  const date::local_seconds local{std::chrono::sys_days{date}.time_since_epoch()};
  const auto instant = date::locate_zone(zone.name())->to_sys(local, date::choose::earliest);
  return instant.time_since_epoch().count();
}

}  // namespace

std::string generate_one_time_password() {
  constexpr std::string_view kAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZabcdefghjkmnpqrstuvwxyz23456789";
  for (;;) {
    std::string password;
    for (std::size_t i = 0; i < kOneTimePasswordLength; ++i) {
      password.push_back(kAlphabet[random_below(static_cast<std::uint32_t>(kAlphabet.size()))]);
    }
    // A draw without a letter or without a digit is rare; drawing again
    // keeps every character uniformly random.
    if (!domain::validate_password(password)) return password;
  }
}

StaffAdminService::StaffAdminService(store::Store& store, const Clock& clock, const TimeZone& zone,
                                     const Config& config)
    : store_(store), clock_(clock), zone_(zone), config_(config) {}

store::AuditEntry StaffAdminService::audit_entry(const store::Staff& actor, std::string action,
                                                 std::string target_type, std::string target_id) const {
  store::AuditEntry entry;
  entry.at = seconds(clock_.now());
  entry.staff_id = actor.id;
  entry.staff_username = actor.username;
  entry.action = std::move(action);
  entry.target_type = std::move(target_type);
  entry.target_id = std::move(target_id);
  return entry;
}

std::string StaffAdminService::hash(const std::string& password) const {
  return hash_password(password, PasswordHashCost{config_.password_memory_kib, config_.password_passes});
}

std::vector<store::Staff> StaffAdminService::list_staff() { return store_.list_staff(); }

Result<store::Staff> StaffAdminService::add_staff(const store::Staff& actor, const std::string& username,
                                                  const std::string& role, const std::string& password) {
  if (auto error = domain::validate_staff_username(username)) return *error;
  if (!domain::parse_staff_role(role)) return make_error(ErrorKind::invalid, "staff.role_invalid", "role");
  if (auto error = domain::validate_password(password)) return *error;

  store::NewStaff staff;
  staff.username = username;
  staff.password_hash = hash(password);
  staff.role = role;
  staff.created_at = seconds(clock_.now());

  store::Staff added;
  added.username = username;
  added.role = role;
  auto audit = audit_entry(actor, "staff.add", "staff", "");
  audit.after_json = dump(staff_state(added));
  if (store_.insert_staff_audited(staff, added.id, audit) == store::InsertOutcome::duplicate) {
    return make_error(ErrorKind::conflict, "staff.username_taken", "username");
  }
  return added;
}

Result<store::Staff> StaffAdminService::update_staff(const store::Staff& actor, std::int64_t staff_id,
                                                     const std::optional<std::string>& role,
                                                     std::optional<bool> disabled) {
  if (role && !domain::parse_staff_role(*role)) {
    return make_error(ErrorKind::invalid, "staff.role_invalid", "role");
  }

  std::lock_guard lock(staff_changes_);
  const auto current = store_.find_staff_by_id(staff_id);
  if (!current) return make_error(ErrorKind::not_found, "staff.not_found");
  store::Staff changed = *current;
  if (role) changed.role = *role;
  if (disabled) changed.disabled = *disabled;
  if (changed.role == current->role && changed.disabled == current->disabled) return changed;

  if (is_enabled_admin(*current) && !is_enabled_admin(changed)) {
    const auto all = store_.list_staff();
    const auto enabled_admins = std::count_if(all.begin(), all.end(), is_enabled_admin);
    if (enabled_admins <= 1) return make_error(ErrorKind::conflict, "staff.last_admin");
    if (current->id == actor.id) return make_error(ErrorKind::invalid, "staff.cannot_change_self");
  }

  auto audit = audit_entry(actor, "staff.update", "staff", std::to_string(staff_id));
  audit.before_json = dump(staff_state(*current));
  audit.after_json = dump(staff_state(changed));
  store_.update_staff(staff_id, changed.role, changed.disabled, audit);
  return changed;
}

Check StaffAdminService::set_staff_password(const store::Staff& actor, std::int64_t staff_id,
                                            const std::string& password) {
  const auto target = store_.find_staff_by_id(staff_id);
  if (!target) return make_error(ErrorKind::not_found, "staff.not_found");
  if (auto error = domain::validate_password(password)) return error;

  auto audit = audit_entry(actor, "staff.password_set", "staff", std::to_string(staff_id));
  audit.before_json = dump({{"username", target->username}});
  audit.after_json = dump({{"username", target->username}, {"password_changed", true}, {"sessions_ended", true}});
  store_.set_staff_password(staff_id, hash(password), audit);
  return std::nullopt;
}

Result<std::vector<TravellerSummary>> StaffAdminService::search_travellers(const std::string& typed) {
  if (!domain::is_valid_utf8(typed)) return make_error(ErrorKind::malformed, "request.invalid_utf8", "q");
  const std::string query = trim_spaces(typed);
  if (query.empty()) return make_error(ErrorKind::invalid, "traveller.query_missing", "q");
  const std::size_t length = domain::count_code_points(query);
  if (length < kTravellerQueryMinCodePoints) {
    Error error = make_error(ErrorKind::invalid, "traveller.query_too_short", "q");
    error.params["min"] = std::to_string(kTravellerQueryMinCodePoints);
    return error;
  }
  if (length > kTravellerQueryMaxCodePoints) {
    Error error = make_error(ErrorKind::invalid, "traveller.query_too_long", "q");
    error.params["max"] = std::to_string(kTravellerQueryMaxCodePoints);
    return error;
  }

  // ID numbers are stored normalized (upper case, no spaces) but names are
  // stored as typed, so both spellings of the query are searched.
  std::map<std::int64_t, store::Account, std::greater<>> found;
  for (const auto& account : store_.search_accounts(query, kTravellerSearchLimit)) found.emplace(account.id, account);
  const std::string normalized = domain::normalize_id_number(query);
  if (!normalized.empty() && normalized != query) {
    for (const auto& account : store_.search_accounts(normalized, kTravellerSearchLimit)) {
      found.emplace(account.id, account);
    }
  }

  std::vector<TravellerSummary> travellers;
  for (auto& [id, account] : found) {
    if (travellers.size() == static_cast<std::size_t>(kTravellerSearchLimit)) break;
    TravellerSummary summary;
    summary.review_status = "none";
    if (const auto profile = store_.find_profile(id)) {
      summary.name = profile->name;
      summary.review_status = profile->status;
    }
    summary.account = std::move(account);
    travellers.push_back(std::move(summary));
  }
  return travellers;
}

Result<std::string> StaffAdminService::reset_traveller_password(const store::Staff& actor,
                                                                std::int64_t account_id) {
  const auto account = store_.find_account_by_id(account_id);
  if (!account) return make_error(ErrorKind::not_found, "traveller.not_found");

  std::string password = generate_one_time_password();
  auto audit = audit_entry(actor, "traveller.password_reset", "account", std::to_string(account_id));
  audit.before_json = dump({{"must_change_password", account->must_change_password}});
  audit.after_json = dump({{"must_change_password", true}, {"sessions_ended", true}});
  store_.set_account_password(account_id, hash(password), true, &audit);
  return password;
}

Result<std::vector<store::AuditEntry>> StaffAdminService::read_audit(const AuditQuery& query) {
  store::AuditFilter filter;
  filter.staff_username = query.staff_username;
  filter.action = query.action;
  filter.target_type = query.target_type;
  filter.target_id = query.target_id;
  filter.limit = query.limit;
  filter.offset = query.offset;

  std::optional<std::chrono::year_month_day> from;
  std::optional<std::chrono::year_month_day> to;
  if (!query.from.empty()) {
    from = parse_date(query.from);
    if (!from) return make_error(ErrorKind::invalid, "audit.date_invalid", "from");
    filter.from = start_of_local_day(zone_, *from);
  }
  if (!query.to.empty()) {
    to = parse_date(query.to);
    if (!to) return make_error(ErrorKind::invalid, "audit.date_invalid", "to");
    // The filter's upper bound is exclusive, so an inclusive end date
    // becomes the start of the next day.
    filter.to = start_of_local_day(zone_, std::chrono::year_month_day{std::chrono::sys_days{*to} + std::chrono::days{1}});
  }
  if (from && to && *to < *from) return make_error(ErrorKind::invalid, "audit.range_invalid", "to");
  return store_.list_audit(filter);
}

}  // namespace yizhan::service

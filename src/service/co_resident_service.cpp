#include "service/co_resident_service.h"

#include <spdlog/spdlog.h>

namespace yizhan::service {
namespace {

std::int64_t seconds(Instant instant) { return instant.time_since_epoch().count(); }

Error conflict(std::string code, std::string field = {}) {
  return make_error(ErrorKind::conflict, std::move(code), std::move(field));
}

}  // namespace

CoResidentService::CoResidentService(store::Store& store, const Clock& clock, const TimeZone& zone)
    : store_(store), clock_(clock), zone_(zone) {}

std::chrono::year_month_day CoResidentService::today() const { return zone_.to_local(clock_.now()).date; }

std::vector<store::CoResident> CoResidentService::list(const store::Account& account) {
  return store_.list_co_residents(account.id);
}

bool CoResidentService::locked(const store::Account& account) {
  return store_.find_active_booking(account.id, format_date(today())).has_value();
}

CoResidentOutcome CoResidentService::add(const store::Account& account, domain::CoResidentInput input) {
  CoResidentOutcome outcome;
  domain::normalize_co_resident(input);
  outcome.errors = domain::validate_co_resident(input, today());
  if (!outcome.ok()) return outcome;

  // The reviewer judges a co-resident next to the traveller's own submitted
  // information, and the review queue lists accounts by their profile. A
  // draft counts when an earlier version was approved.
  const auto profile = store_.find_profile(account.id);
  if (!profile || (profile->status == "draft" && profile->approved_json.empty())) {
    outcome.errors.push_back(conflict("co_resident.profile_not_submitted"));
    return outcome;
  }
  if (locked(account)) {
    outcome.errors.push_back(conflict("co_resident.locked_by_booking"));
    return outcome;
  }
  if (input.id_type == account.id_type && input.id_number == account.id_number) {
    outcome.errors.push_back(conflict("co_resident.same_as_applicant", "id_number"));
    return outcome;
  }
  // NOTE: two adds sent at the same moment can both pass this count and
  // store a 4th co-resident; booking still rejects such a group
  // (booking.group_too_large).
  if (store_.list_co_residents(account.id).size() >= static_cast<std::size_t>(domain::kMaxCoResidents)) {
    Error error = conflict("co_resident.limit_reached");
    error.params["max"] = std::to_string(domain::kMaxCoResidents);
    outcome.errors.push_back(std::move(error));
    return outcome;
  }

  store::CoResident co_resident;
  co_resident.account_id = account.id;
  co_resident.name = input.name;
  co_resident.relation = input.relation;
  co_resident.id_type = input.id_type;
  co_resident.id_number = input.id_number;
  co_resident.birth_date = input.birth_date;
  co_resident.gender = input.gender;
  co_resident.care_reason = input.care_reason;
  co_resident.care_note = input.care_note;
  co_resident.status = "pending";
  co_resident.created_at = seconds(clock_.now());
  co_resident.updated_at = co_resident.created_at;
  if (store_.insert_co_resident(co_resident, co_resident.id) == store::InsertOutcome::duplicate) {
    outcome.errors.push_back(conflict("co_resident.duplicate", "id_number"));
    return outcome;
  }
  spdlog::info("event=co_resident_added account_id={} co_resident_id={} relation={}", account.id, co_resident.id,
               co_resident.relation);
  outcome.co_resident = std::move(co_resident);
  return outcome;
}

std::optional<Error> CoResidentService::remove(const store::Account& account, std::int64_t id) {
  if (locked(account)) return conflict("co_resident.locked_by_booking");
  if (!store_.delete_co_resident(account.id, id)) return make_error(ErrorKind::not_found, "co_resident.not_found");
  spdlog::info("event=co_resident_removed account_id={} co_resident_id={}", account.id, id);
  return std::nullopt;
}

}  // namespace yizhan::service

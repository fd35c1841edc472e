#include "service/quota_service.h"

#include <nlohmann/json.hpp>

#include <algorithm>

#include "domain/text.h"

namespace yizhan::service {
namespace {

using std::chrono::days;
using std::chrono::sys_days;

nlohmann::json station_json(const StationInput& station) {
  return {{"name", station.name},
          {"address", station.address},
          {"district", station.district},
          {"rooms", station.rooms},
          {"active", station.active}};
}

}  // namespace

QuotaService::QuotaService(store::Store& store, const Clock& clock) : store_(store), clock_(clock) {}

std::vector<store::Station> QuotaService::stations() { return store_.list_stations(); }

Result<int> QuotaService::set_quota(const store::Staff& staff, const std::string& from_text, const std::string& to_text,
                                    std::int64_t station_id, int quota) {
  const auto from = parse_date(from_text);
  const auto to = parse_date(to_text.empty() ? from_text : to_text);
  if (!from) return make_error(ErrorKind::invalid, "quota.date_invalid", "date");
  if (!to || sys_days{*to} < sys_days{*from}) return make_error(ErrorKind::invalid, "quota.range_invalid", "to");
  if ((sys_days{*to} - sys_days{*from}).count() >= kMaxQuotaRangeDays) {
    return make_error(ErrorKind::invalid, "quota.range_too_long", "to");
  }
  if (quota < 0 || quota > kMaxQuota) return make_error(ErrorKind::invalid, "quota.value_invalid", "quota");

  if (station_id == 0) {
    const auto all = store_.list_stations();
    if (all.size() != 1) return make_error(ErrorKind::invalid, "quota.station_required", "station_id");
    station_id = all.front().id;
  }

  // Check every date first, so a refusal changes nothing.
  const auto existing = store_.list_quotas(format_date(*from), format_date(*to));
  for (const auto& day : existing) {
    if (day.station_id == station_id && quota < day.booked) {
      Error error = make_error(ErrorKind::conflict, "quota.below_booked", "quota");
      error.params["date"] = day.date;
      error.params["booked"] = std::to_string(day.booked);
      return error;
    }
  }

  std::vector<std::string> dates;
  std::vector<store::AuditEntry> audits;
  for (auto day = sys_days{*from}; day <= sys_days{*to}; day += days{1}) {
    const std::string date = format_date(std::chrono::year_month_day{day});
    int before = -1;
    for (const auto& quota_row : existing) {
      if (quota_row.date == date && quota_row.station_id == station_id) before = quota_row.quota;
    }
    store::AuditEntry audit;
    audit.at = clock_.now().time_since_epoch().count();
    audit.staff_id = staff.id;
    audit.staff_username = staff.username;
    audit.action = "quota.set";
    audit.target_type = "day_quota";
    audit.target_id = date + "/" + std::to_string(station_id);
    audit.before_json = before < 0 ? "" : nlohmann::json{{"quota", before}}.dump();
    audit.after_json = nlohmann::json{{"quota", quota}}.dump();
    dates.push_back(date);
    audits.push_back(std::move(audit));
  }
  // One transaction for the whole range: a booking that lands after the
  // check above still cannot leave the range half set.
  store::DayQuota refused;
  switch (store_.set_quotas(dates, station_id, quota, audits, refused)) {
    case store::QuotaResult::set:
      return static_cast<int>(dates.size());
    case store::QuotaResult::unknown_station:
      return make_error(ErrorKind::not_found, "quota.station_not_found", "station_id");
    case store::QuotaResult::below_booked: {
      Error error = make_error(ErrorKind::conflict, "quota.below_booked", "quota");
      error.params["date"] = refused.date;
      error.params["booked"] = std::to_string(refused.booked);
      return error;
    }
  }
  return make_error(ErrorKind::unavailable, "service.internal_error");
}

Check QuotaService::validate_station(StationInput& input) const {
  const std::pair<std::string*, const char*> texts[] = {
      {&input.name, "name"}, {&input.address, "address"}, {&input.district, "district"}};
  for (auto& [text, field] : texts) {
    // Surrounding spaces are not part of a name; control characters never are.
    const auto first = text->find_first_not_of(" \t");
    *text = first == std::string::npos ? std::string() : text->substr(first, text->find_last_not_of(" \t") - first + 1);
    const bool has_control = std::any_of(text->begin(), text->end(), [](char c) {
      return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
    });
    if (!domain::is_valid_utf8(*text) || text->size() > 200 || has_control) {
      return make_error(ErrorKind::invalid, "station.text_invalid", field);
    }
  }
  if (input.name.empty()) return make_error(ErrorKind::invalid, "station.name_missing", "name");
  if (input.rooms < 0 || input.rooms > 100000) return make_error(ErrorKind::invalid, "station.rooms_invalid", "rooms");
  return std::nullopt;
}

Result<std::int64_t> QuotaService::add_station(const store::Staff& staff, StationInput input) {
  if (auto error = validate_station(input)) return *error;
  store::Station station{0, input.name, input.address, input.district, input.rooms, input.active};
  store::AuditEntry audit;
  audit.at = clock_.now().time_since_epoch().count();
  audit.staff_id = staff.id;
  audit.staff_username = staff.username;
  audit.action = "station.add";
  audit.target_type = "station";
  audit.after_json = station_json(input).dump();
  return store_.insert_station(station, audit);
}

Check QuotaService::update_station(const store::Staff& staff, std::int64_t id, StationInput input) {
  if (auto error = validate_station(input)) return *error;
  const auto all = store_.list_stations();
  const auto current = std::find_if(all.begin(), all.end(), [&](const store::Station& s) { return s.id == id; });
  if (current == all.end()) return make_error(ErrorKind::not_found, "station.not_found");
  store::AuditEntry audit;
  audit.at = clock_.now().time_since_epoch().count();
  audit.staff_id = staff.id;
  audit.staff_username = staff.username;
  audit.action = "station.update";
  audit.target_type = "station";
  audit.target_id = std::to_string(id);
  audit.before_json =
      station_json(StationInput{current->name, current->address, current->district, current->rooms, current->active})
          .dump();
  audit.after_json = station_json(input).dump();
  store_.update_station(store::Station{id, input.name, input.address, input.district, input.rooms, input.active},
                        audit);
  return std::nullopt;
}

}  // namespace yizhan::service

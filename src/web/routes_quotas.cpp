// Operators' API for stations and daily quotas.
#include <charconv>

#include "service/quota_service.h"
#include "web/app.h"
#include "web/json_input.h"

namespace yizhan::web {
namespace {

nlohmann::json station_json(const store::Station& station) {
  return {{"id", station.id},           {"name", station.name},   {"address", station.address},
          {"district", station.district}, {"rooms", station.rooms}, {"active", station.active}};
}

std::optional<service::StationInput> read_station(const nlohmann::json& body) {
  service::StationInput input;
  input.name = string_member(body, "name");
  input.address = string_member(body, "address");
  input.district = string_member(body, "district");
  if (body.contains("rooms") && body["rooms"].is_number_integer()) {
    const auto rooms = body["rooms"].get<std::int64_t>();
    input.rooms = rooms < 0 || rooms > 100000 ? -1 : static_cast<int>(rooms);
  }
  if (body.contains("active") && body["active"].is_boolean()) input.active = body["active"].get<bool>();
  return input;
}

const std::vector<JsonField> kStationFields = {{"name", JsonType::string, true},
                                               {"address", JsonType::string, false},
                                               {"district", JsonType::string, false},
                                               {"rooms", JsonType::integer, false},
                                               {"active", JsonType::boolean, false}};

// An integer member within [min, max], or -1.
std::int64_t bounded_integer(const nlohmann::json& body, const char* name, std::int64_t min, std::int64_t max) {
  if (!body.contains(name) || !body[name].is_number_integer()) return -1;
  const auto value = body[name].get<std::int64_t>();
  return value < min || value > max ? -1 : value;
}

}  // namespace

void register_quota_routes(App& app) {
  auto quotas = std::make_shared<service::QuotaService>(app.store(), app.clock());

  // The fixed route: one date. `station_id` may be left out while there is
  // exactly one station.
  app.add_route(http::verb::put, "/api/v1/staff/quotas/{date}", [&app, quotas](RequestContext& context) {
    Response refusal;
    const auto staff = app.staff_with(context, domain::Permission::manage_quotas, refusal);
    if (!staff) return refusal;
    auto body = read_json_object(context.request.body(),
                                 {{"quota", JsonType::integer, true}, {"station_id", JsonType::integer, false}});
    if (!body) return app.json_error(context, body.error());
    const auto quota = bounded_integer(body.value(), "quota", 0, service::kMaxQuota);
    if (quota < 0) return app.json_error(context, make_error(ErrorKind::invalid, "quota.value_invalid", "quota"));
    const auto station = body.value().contains("station_id") && !body.value()["station_id"].is_null()
                             ? bounded_integer(body.value(), "station_id", 1, INT64_MAX)
                             : 0;
    if (station < 0) return app.json_error(context, make_error(ErrorKind::not_found, "quota.station_not_found", "station_id"));
    const std::string date = context.params["date"];
    auto set = quotas->set_quota(*staff, date, date, station, static_cast<int>(quota));
    if (!set) return app.json_error(context, set.error());
    app.bookings().invalidate_cache();
    return app.json(context, http::status::ok, {{"date", date}, {"quota", quota}, {"days_set", set.value()}});
  });

  // A range of dates at once (extension).
  app.add_route(http::verb::post, "/api/v1/staff/quotas", [&app, quotas](RequestContext& context) {
    Response refusal;
    const auto staff = app.staff_with(context, domain::Permission::manage_quotas, refusal);
    if (!staff) return refusal;
    auto body = read_json_object(context.request.body(), {{"from", JsonType::string, true},
                                                          {"to", JsonType::string, true},
                                                          {"quota", JsonType::integer, true},
                                                          {"station_id", JsonType::integer, false}});
    if (!body) return app.json_error(context, body.error());
    const auto quota = bounded_integer(body.value(), "quota", 0, service::kMaxQuota);
    if (quota < 0) return app.json_error(context, make_error(ErrorKind::invalid, "quota.value_invalid", "quota"));
    const auto station = body.value().contains("station_id") && !body.value()["station_id"].is_null()
                             ? bounded_integer(body.value(), "station_id", 1, INT64_MAX)
                             : 0;
    if (station < 0) return app.json_error(context, make_error(ErrorKind::not_found, "quota.station_not_found", "station_id"));
    auto set = quotas->set_quota(*staff, string_member(body.value(), "from"), string_member(body.value(), "to"),
                                 station, static_cast<int>(quota));
    if (!set) return app.json_error(context, set.error());
    app.bookings().invalidate_cache();
    return app.json(context, http::status::ok, {{"days_set", set.value()}});
  });

  app.add_route(http::verb::get, "/api/v1/staff/quotas", [&app](RequestContext& context) {
    Response refusal;
    if (!app.staff_with(context, domain::Permission::manage_quotas, refusal)) return refusal;
    const auto from = service::parse_date(context.query["from"]);
    const auto to = service::parse_date(context.query["to"]);
    if (!from || !to) return app.json_error(context, make_error(ErrorKind::invalid, "quota.range_invalid", "from"));
    nlohmann::json list = nlohmann::json::array();
    for (const auto& day : app.store().list_quotas(service::format_date(*from), service::format_date(*to))) {
      list.push_back({{"date", day.date},
                      {"station_id", day.station_id},
                      {"quota", day.quota},
                      {"booked", day.booked},
                      {"remaining", day.quota - day.booked}});
    }
    return app.json(context, http::status::ok, list);
  });

  app.add_route(http::verb::get, "/api/v1/staff/stations", [&app, quotas](RequestContext& context) {
    Response refusal;
    if (!app.staff_with(context, domain::Permission::manage_quotas, refusal)) return refusal;
    nlohmann::json list = nlohmann::json::array();
    for (const auto& station : quotas->stations()) list.push_back(station_json(station));
    return app.json(context, http::status::ok, list);
  });

  app.add_route(http::verb::post, "/api/v1/staff/stations", [&app, quotas](RequestContext& context) {
    Response refusal;
    const auto staff = app.staff_with(context, domain::Permission::manage_quotas, refusal);
    if (!staff) return refusal;
    auto body = read_json_object(context.request.body(), kStationFields);
    if (!body) return app.json_error(context, body.error());
    auto added = quotas->add_station(*staff, *read_station(body.value()));
    if (!added) return app.json_error(context, added.error());
    return app.json(context, http::status::created, {{"id", added.value()}});
  });

  app.add_route(http::verb::put, "/api/v1/staff/stations/{id}", [&app, quotas](RequestContext& context) {
    Response refusal;
    const auto staff = app.staff_with(context, domain::Permission::manage_quotas, refusal);
    if (!staff) return refusal;
    auto body = read_json_object(context.request.body(), kStationFields);
    if (!body) return app.json_error(context, body.error());
    const std::string& id_text = context.params["id"];
    std::int64_t id = 0;
    const auto [end, parse_error] = std::from_chars(id_text.data(), id_text.data() + id_text.size(), id);
    if (parse_error != std::errc() || end != id_text.data() + id_text.size() || id <= 0) {
      return app.json_error(context, make_error(ErrorKind::not_found, "station.not_found"));
    }
    // Members left out keep their current values.
    service::StationInput input;
    for (const auto& station : quotas->stations()) {
      if (station.id == id) {
        input = service::StationInput{station.name, station.address, station.district, station.rooms, station.active};
      }
    }
    const auto& json = body.value();
    input.name = string_member(json, "name");
    if (json.contains("address") && json["address"].is_string()) input.address = json["address"].get<std::string>();
    if (json.contains("district") && json["district"].is_string()) input.district = json["district"].get<std::string>();
    if (json.contains("rooms") && json["rooms"].is_number_integer()) {
      const auto rooms = json["rooms"].get<std::int64_t>();
      input.rooms = rooms < 0 || rooms > 100000 ? -1 : static_cast<int>(rooms);
    }
    if (json.contains("active") && json["active"].is_boolean()) input.active = json["active"].get<bool>();
    if (auto error = quotas->update_station(*staff, id, input)) {
      return app.json_error(context, *error);
    }
    return app.json(context, http::status::ok, {{"id", id}});
  });
}

}  // namespace yizhan::web

// Port verification (口岸核驗) and station arrivals (驛站).
//
// Port officers check a slip by its token or by booking number plus ID
// number: POST /api/v1/staff/checkins and the page /admin/port. A valid
// check records the entry once. Station staff see the confirmed and entered
// bookings of their station for a date, record check-in and room numbers,
// and export the day as CSV; the CSV carries full ID numbers because the
// staff check documents against it. Administrators see every station and
// assign station staff to a station.
#include <chrono>
#include <cstdio>
#include <memory>

#include "domain/id_document.h"
#include "domain/staff_role.h"
#include "service/slip_service.h"
#include "web/app.h"
#include "web/json_input.h"

namespace yizhan::web {
namespace {

using domain::Permission;
using kainjow::mustache::data;

const std::string& ui(App& app, const RequestContext& context, const std::string& key) {
  return app.catalogs().text(context.language, key);
}

std::string query_value(const RequestContext& context, const std::string& name) {
  const auto found = context.query.find(name);
  return found == context.query.end() ? std::string() : found->second;
}

std::optional<std::int64_t> parse_id(const std::string& text) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  std::int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

std::string rfc3339(App& app, std::int64_t seconds) {
  return app.zone().format_rfc3339(service::Instant{std::chrono::seconds(seconds)});
}

// "YYYY-MM-DD HH:MM:SS" in the configured zone.
std::string local_timestamp(App& app, std::int64_t seconds) {
  const auto local = app.zone().to_local(service::Instant{std::chrono::seconds(seconds)});
  const long total = static_cast<long>(local.time_of_day.count());
  char text[48];
  std::snprintf(text, sizeof text, " %02ld:%02ld:%02ld", total / 3600, total / 60 % 60, total % 60);
  return service::format_date(local.date) + text;
}

// The reader's message for an INVALID verdict, with when and by whom for
// an earlier entry.
std::string reason_text(App& app, RequestContext& context, const service::PortVerdict& verdict) {
  Error error = make_error(ErrorKind::invalid, verdict.reason);
  if (verdict.booking.entered_at) error.params["entered_at"] = local_timestamp(app, verdict.booking.entered_at);
  error.params["entered_by"] = verdict.entered_by_username;
  error.params["date"] = verdict.booking.date;
  return app.error_text(context, error);
}

nlohmann::json verdict_json(App& app, RequestContext& context, const service::PortVerdict& verdict) {
  const auto& booking = verdict.booking;
  nlohmann::json body = {
      {"verdict", verdict.valid ? "valid" : "invalid"},
      {"reason", verdict.valid ? nlohmann::json(nullptr) : nlohmann::json(verdict.reason)},
      {"message", verdict.valid ? ui(app, context, "port_verdict_valid") : reason_text(app, context, verdict)},
      {"booking_number", verdict.found ? nlohmann::json(booking.booking_number) : nlohmann::json(nullptr)},
      {"date", verdict.found ? nlohmann::json(booking.date) : nlohmann::json(nullptr)},
      {"names", verdict.names},
      {"group_size", verdict.found ? nlohmann::json(booking.group_size) : nlohmann::json(nullptr)},
      {"entered_at", booking.entered_at ? nlohmann::json(rfc3339(app, booking.entered_at)) : nlohmann::json(nullptr)},
      {"entered_by", verdict.entered_by_username.empty() ? nlohmann::json(nullptr)
                                                         : nlohmann::json(verdict.entered_by_username)},
  };
  return body;
}

// The station whose arrivals `staff` works on: their own for station staff,
// the requested one (or the first) for administrators.
Result<std::int64_t> station_for(App& app, const store::Staff& staff, const std::string& requested) {
  if (staff.role == "station_staff") {
    if (staff.station_id == 0) return make_error(ErrorKind::forbidden, "arrival.station_not_assigned");
    return staff.station_id;
  }
  if (!requested.empty()) {
    const auto id = parse_id(requested);
    if (!id) return make_error(ErrorKind::invalid, "station.not_found", "station_id");
    return *id;
  }
  const auto stations = app.store().list_stations();
  if (stations.empty()) return make_error(ErrorKind::not_found, "station.not_found", "station_id");
  return stations.front().id;
}

// The date of an arrivals request: `date`, or today when absent.
std::string arrivals_date(const RequestContext& context, const service::SlipService& slips) {
  const std::string date = query_value(context, "date");
  return date.empty() ? slips.today() : date;
}

nlohmann::json arrival_json(App& app, const store::Booking& booking, const std::vector<std::string>& names) {
  return {{"booking_number", booking.booking_number},
          {"date", booking.date},
          {"status", booking.status},
          {"name", booking.name},
          {"names", names},
          {"id_type", booking.id_type},
          {"id_number", booking.id_number},
          {"group_size", booking.group_size},
          {"entered_at", booking.entered_at ? nlohmann::json(rfc3339(app, booking.entered_at)) : nlohmann::json(nullptr)},
          {"checked_in_at",
           booking.checked_in_at ? nlohmann::json(rfc3339(app, booking.checked_in_at)) : nlohmann::json(nullptr)},
          {"room_number", booking.room_number}};
}

std::vector<std::string> names_of(service::SlipService& slips, const store::Booking& booking) {
  std::vector<std::string> names;
  for (const auto& member : slips.members_of(booking)) names.push_back(member.name);
  return names;
}

std::string join(const std::vector<std::string>& parts, const std::string& separator) {
  std::string text;
  for (const auto& part : parts) text += (text.empty() ? "" : separator) + part;
  return text;
}

// One CSV field (RFC 4180). A leading = + - @ is prefixed with ' so that a
// spreadsheet does not run a name as a formula.
std::string csv_field(std::string value) {
  if (!value.empty() && (value[0] == '=' || value[0] == '+' || value[0] == '-' || value[0] == '@')) {
    value.insert(0, "'");
  }
  if (value.find_first_of(",\"\r\n") == std::string::npos) return value;
  std::string quoted = "\"";
  for (char c : value) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

// ---------------------------------------------------------------------------
// Pages

Response render_port(App& app, RequestContext& context, const store::Staff& staff,
                     const std::optional<service::PortVerdict>& verdict, const std::optional<Error>& error) {
  data page;
  page.set("menu", admin_menu(app, context, staff));
  if (error) page.set("error", app.error_text(context, *error));
  if (verdict) {
    data result;
    result.set("valid", verdict->valid);
    result.set("label", ui(app, context, verdict->valid ? "port_valid" : "port_invalid"));
    result.set("reason_code", verdict->reason);
    result.set("message", verdict->valid ? ui(app, context, "port_verdict_valid") : reason_text(app, context, *verdict));
    if (verdict->found) {
      result.set("found", true);
      result.set("booking_number", verdict->booking.booking_number);
      result.set("date", verdict->booking.date);
      result.set("group_size", std::to_string(verdict->booking.group_size));
      data names{data::type::list};
      for (const auto& name : verdict->names) names.push_back(data("name", name));
      result.set("names", names);
      if (verdict->booking.entered_at) {
        result.set("entered_at", local_timestamp(app, verdict->booking.entered_at));
        result.set("entered_by", verdict->entered_by_username);
      }
    }
    page.set("verdict", result);
  }
  return app.page(context, "port", "port_title", page);
}

Response render_arrivals(App& app, RequestContext& context, service::SlipService& slips, const store::Staff& staff,
                         const std::string& notice, const std::optional<Error>& error,
                         http::status status = http::status::ok) {
  data page;
  page.set("menu", admin_menu(app, context, staff));
  const std::string date = arrivals_date(context, slips);
  page.set("date", date);
  if (!notice.empty()) page.set("notice", notice);
  if (error) page.set("error", app.error_text(context, *error));

  const auto station = station_for(app, staff, query_value(context, "station"));
  if (!station) {
    page.set("error", app.error_text(context, station.error()));
    return app.page(context, "station_arrivals", "arrivals_title", page, http::status::forbidden);
  }
  if (staff.role != "station_staff") {
    data stations{data::type::list};
    for (const auto& item : app.store().list_stations()) {
      data option;
      option.set("id", std::to_string(item.id));
      option.set("name", item.name);
      option.set("selected", item.id == station.value());
      stations.push_back(option);
    }
    page.set("stations", stations);
    page.set("choose_station", true);
  }
  for (const auto& item : app.store().list_stations()) {
    if (item.id == station.value()) page.set("station_name", item.name);
  }
  page.set("station_id", std::to_string(station.value()));

  const auto arrivals = slips.arrivals(station.value(), date);
  if (!arrivals) {
    page.set("error", app.error_text(context, arrivals.error()));
    return app.page(context, "station_arrivals", "arrivals_title", page, http::status::unprocessable_entity);
  }
  data rows{data::type::list};
  for (const auto& booking : arrivals.value()) {
    data row;
    row.set("booking_number", booking.booking_number);
    row.set("names", join(names_of(slips, booking), "、"));
    row.set("group_size", std::to_string(booking.group_size));
    row.set("id_type_label", ui(app, context, "id_type_" + booking.id_type));
    row.set("id_number", booking.id_number);
    row.set("status_label", ui(app, context, booking.status == "entered" ? "arrivals_status_entered"
                                                                           : "arrivals_status_expected"));
    row.set("entered", booking.status == "entered");
    if (booking.entered_at) row.set("entered_at", local_timestamp(app, booking.entered_at));
    if (booking.checked_in_at) row.set("checked_in_at", local_timestamp(app, booking.checked_in_at));
    row.set("room_number", booking.room_number);
    rows.push_back(row);
  }
  page.set("arrivals", rows);
  page.set("empty", arrivals.value().empty());
  page.set("csv_href", "/admin/arrivals.csv?date=" + date + "&station=" + std::to_string(station.value()));
  return app.page(context, "station_arrivals", "arrivals_title", page, status);
}

}  // namespace

void register_port_routes(App& app) {
  auto slips = std::make_shared<service::SlipService>(
      app.store(), app.clock(), app.zone(),
      app.slip_keys());

  // Port verification.

  app.add_route(http::verb::post, "/api/v1/staff/checkins", [&app, slips](RequestContext& context) {
    Response refusal;
    const auto officer = app.staff_with(context, Permission::verify_slips, refusal);
    if (!officer) return refusal;
    auto body = read_json_object(context.request.body(), {{"token", JsonType::string, false},
                                                          {"booking_number", JsonType::string, false},
                                                          {"id_number", JsonType::string, false}});
    if (!body) return app.json_error(context, body.error());
    const std::string token = string_member(body.value(), "token");
    const std::string number = string_member(body.value(), "booking_number");
    const std::string id_number = string_member(body.value(), "id_number");
    service::PortVerdict verdict;
    if (!token.empty()) {
      verdict = slips->check_token(*officer, token);
    } else if (!number.empty() && !id_number.empty()) {
      verdict = slips->check_number(*officer, number, id_number);
    } else {
      return app.json_error(context, make_error(ErrorKind::invalid, "checkin.input_missing",
                                                number.empty() ? "token" : "id_number"));
    }
    return app.json(context, http::status::ok, verdict_json(app, context, verdict));
  });

  app.add_route(http::verb::get, "/admin/port", [&app](RequestContext& context) {
    Response refusal;
    const auto officer = app.staff_with(context, Permission::verify_slips, refusal);
    if (!officer) return refusal;
    return render_port(app, context, *officer, std::nullopt, std::nullopt);
  });

  app.add_route(http::verb::post, "/admin/port", [&app, slips](RequestContext& context) {
    Response refusal;
    const auto officer = app.staff_with(context, Permission::verify_slips, refusal);
    if (!officer) return refusal;
    const std::string token = context.form_value("token");
    const std::string number = context.form_value("booking_number");
    const std::string id_number = context.form_value("id_number");
    // Scanners and copy-paste add line breaks and spaces around a token.
    std::string trimmed;
    for (char c : token) {
      if (c != ' ' && c != '\n' && c != '\r' && c != '\t') trimmed += c;
    }
    if (!trimmed.empty()) return render_port(app, context, *officer, slips->check_token(*officer, trimmed), std::nullopt);
    if (!number.empty() && !id_number.empty()) {
      return render_port(app, context, *officer, slips->check_number(*officer, number, id_number), std::nullopt);
    }
    return render_port(app, context, *officer, std::nullopt,
                       make_error(ErrorKind::invalid, "checkin.input_missing", number.empty() ? "token" : "id_number"));
  });

  // Station arrivals.

  app.add_route(http::verb::get, "/api/v1/staff/arrivals", [&app, slips](RequestContext& context) {
    Response refusal;
    const auto staff = app.staff_with(context, Permission::station_arrivals, refusal);
    if (!staff) return refusal;
    const auto station = station_for(app, *staff, query_value(context, "station_id"));
    if (!station) return app.json_error(context, station.error());
    const auto arrivals = slips->arrivals(station.value(), arrivals_date(context, *slips));
    if (!arrivals) return app.json_error(context, arrivals.error());
    nlohmann::json list = nlohmann::json::array();
    for (const auto& booking : arrivals.value()) list.push_back(arrival_json(app, booking, names_of(*slips, booking)));
    return app.json(context, http::status::ok, {{"station_id", station.value()}, {"arrivals", list}});
  });

  app.add_route(http::verb::post, "/api/v1/staff/arrivals/{booking_number}/checkin",
                [&app, slips](RequestContext& context) {
                  Response refusal;
                  const auto staff = app.staff_with(context, Permission::station_arrivals, refusal);
                  if (!staff) return refusal;
                  auto body = read_json_object(context.request.body(), {{"room_number", JsonType::string, true}});
                  if (!body) return app.json_error(context, body.error());
                  const auto booking = app.store().find_booking(context.params["booking_number"]);
                  const auto station = station_for(app, *staff, booking ? std::to_string(booking->station_id) : "");
                  if (!station) return app.json_error(context, station.error());
                  auto checked = slips->check_in(*staff, station.value(), context.params["booking_number"],
                                                 string_member(body.value(), "room_number"));
                  if (!checked) return app.json_error(context, checked.error());
                  return app.json(context, http::status::ok,
                                  arrival_json(app, checked.value(), names_of(*slips, checked.value())));
                });

  app.add_route(http::verb::get, "/admin/arrivals", [&app, slips](RequestContext& context) {
    Response refusal;
    const auto staff = app.staff_with(context, Permission::station_arrivals, refusal);
    if (!staff) return refusal;
    std::string notice;
    if (const auto room = query_value(context, "checked_in"); !room.empty()) {
      notice = ui(app, context, "arrivals_checked_in_notice");
      const auto at = notice.find("{number}");
      if (at != std::string::npos) notice.replace(at, 8, room);
    }
    return render_arrivals(app, context, *slips, *staff, notice, std::nullopt);
  });

  app.add_route(http::verb::post, "/admin/arrivals/{booking_number}/checkin", [&app, slips](RequestContext& context) {
    Response refusal;
    const auto staff = app.staff_with(context, Permission::station_arrivals, refusal);
    if (!staff) return refusal;
    const std::string requested_station = context.form_value("station");
    context.query["date"] = context.form_value("date");
    context.query["station"] = requested_station;
    const auto station = station_for(app, *staff, requested_station);
    if (!station) return render_arrivals(app, context, *slips, *staff, "", station.error(), http::status::forbidden);
    const std::string& number = context.params["booking_number"];
    auto checked = slips->check_in(*staff, station.value(), number, context.form_value("room_number"));
    if (!checked) {
      return render_arrivals(app, context, *slips, *staff, "", checked.error(),
                             checked.error().kind == ErrorKind::not_found ? http::status::not_found
                             : checked.error().kind == ErrorKind::conflict ? http::status::conflict
                                                                             : http::status::unprocessable_entity);
    }
    return app.redirect(context, "/admin/arrivals?date=" + checked.value().date +
                                     "&station=" + std::to_string(station.value()) + "&checked_in=" + number);
  });

  app.add_route(http::verb::get, "/admin/arrivals.csv", [&app, slips](RequestContext& context) {
    Response refusal;
    const auto staff = app.staff_with(context, Permission::station_arrivals, refusal);
    if (!staff) return refusal;
    const auto station = station_for(app, *staff, query_value(context, "station"));
    if (!station) return app.json_error(context, station.error());
    const std::string date = arrivals_date(context, *slips);
    const auto arrivals = slips->arrivals(station.value(), date);
    if (!arrivals) return app.json_error(context, arrivals.error());

    std::string csv = "booking_number,date,status,names,group_size,id_type,id_number,entered_at,checked_in_at,"
                      "room_number\r\n";
    for (const auto& booking : arrivals.value()) {
      csv += csv_field(booking.booking_number) + "," + csv_field(booking.date) + "," + csv_field(booking.status) + "," +
             csv_field(join(names_of(*slips, booking), "; ")) + "," + std::to_string(booking.group_size) + "," +
             csv_field(booking.id_type) + "," + csv_field(booking.id_number) + "," +
             (booking.entered_at ? rfc3339(app, booking.entered_at) : "") + "," +
             (booking.checked_in_at ? rfc3339(app, booking.checked_in_at) : "") + "," +
             csv_field(booking.room_number) + "\r\n";
    }
    Response response{http::status::ok, 11};
    response.set(http::field::content_type, "text/csv; charset=utf-8");
    response.set(http::field::content_disposition,
                 "attachment; filename=\"arrivals-" + date + "-station-" + std::to_string(station.value()) + ".csv\"");
    response.set(http::field::cache_control, "no-store");
    response.body() = csv;
    return response;
  });

  // Assigning station staff to a station (administrators).

  app.add_route(http::verb::put, "/api/v1/staff/accounts/{id}/station", [&app, slips](RequestContext& context) {
    Response refusal;
    const auto admin = app.staff_with(context, Permission::manage_staff, refusal);
    if (!admin) return refusal;
    const auto id = parse_id(context.params["id"]);
    if (!id || *id <= 0) return app.json_error(context, make_error(ErrorKind::not_found, "staff.not_found"));
    auto body = read_json_object(context.request.body(), {{"station_id", JsonType::integer, true}});
    if (!body) return app.json_error(context, body.error());
    const auto station_id = body.value()["station_id"].get<std::int64_t>();
    if (station_id < 0) return app.json_error(context, make_error(ErrorKind::invalid, "station.not_found", "station_id"));
    auto assigned = slips->assign_station(*admin, *id, station_id);
    if (!assigned) return app.json_error(context, assigned.error());
    return app.json(context, http::status::ok,
                    {{"id", assigned.value().id},
                     {"username", assigned.value().username},
                     {"role", assigned.value().role},
                     {"station_id", assigned.value().station_id == 0 ? nlohmann::json(nullptr)
                                                                     : nlohmann::json(assigned.value().station_id)}});
  });
}

}  // namespace yizhan::web

// Operators' pages for stations and daily quotas: /admin/stations lists,
// adds and edits stations, and /admin/quotas shows a grid of dates by
// station and sets the quota of one date or a range. The pages are
// server-rendered and work without JavaScript. Every handler checks the
// manage_quotas permission (operators and administrators) before it reads
// anything else of the request. The JSON API for the same work is in
// routes_quotas.cpp.
#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "domain/staff_role.h"
#include "service/quota_service.h"
#include "web/app.h"

namespace yizhan::web {

namespace {

using domain::Permission;
using kainjow::mustache::data;
using std::chrono::days;
using std::chrono::sys_days;
using std::chrono::year_month_day;

constexpr std::string_view kStationsPath = "/admin/stations";
constexpr std::string_view kQuotasPath = "/admin/quotas";

constexpr int kDefaultWeeks = 2;
// 14 weeks show every date of the longest range that one form can set.
constexpr int kMaxWeeks = (service::kMaxQuotaRangeDays + 6) / 7;

// ---------------------------------------------------------------------------
// Request reading

std::string query_value(const RequestContext& context, const std::string& name) {
  const auto found = context.query.find(name);
  return found == context.query.end() ? std::string() : found->second;
}

// `text` without leading and trailing ASCII spaces, tabs and line breaks.
std::string trim(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n";
  const auto first = text.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(kSpace);
  return std::string(text.substr(first, last - first + 1));
}

// A whole decimal number in [0, max] written with digits only, or nullopt.
std::optional<int> parse_count(std::string_view text, int max) {
  if (text.empty() || text.size() > 9) return std::nullopt;
  int value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  if (value > max) return std::nullopt;
  return value;
}

// The {id} segment of the path as a positive database id, or nullopt.
std::optional<std::int64_t> path_id(const RequestContext& context) {
  const auto found = context.params.find("id");
  if (found == context.params.end()) return std::nullopt;
  const auto value = parse_count(found->second, 999999999);
  if (!value || *value <= 0) return std::nullopt;
  return *value;
}

http::status status_of(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::malformed: return http::status::bad_request;
    case ErrorKind::forbidden: return http::status::forbidden;
    case ErrorKind::not_found: return http::status::not_found;
    case ErrorKind::conflict: return http::status::conflict;
    default: return http::status::unprocessable_entity;
  }
}

// ---------------------------------------------------------------------------
// Shared page parts

const std::string& ui(App& app, const RequestContext& context, const std::string& key) {
  return app.catalogs().text(context.language, key);
}

// A ui text with its {name} placeholders filled in.
std::string ui_with(App& app, const RequestContext& context, const std::string& key,
                    std::initializer_list<std::pair<std::string_view, std::string>> values) {
  std::string text = ui(app, context, key);
  for (const auto& [name, value] : values) {
    const std::string placeholder = "{" + std::string(name) + "}";
    if (const auto at = text.find(placeholder); at != std::string::npos) text.replace(at, placeholder.size(), value);
  }
  return text;
}

// The back-office menu with the entry of `current` marked as the open page.
data menu_for(App& app, RequestContext& context, const store::Staff& staff, std::string_view current) {
  const data shared = admin_menu(app, context, staff);
  data menu{data::type::list};
  for (const data& entry : shared.list_value()) {
    data item = entry;
    const data* href = entry.get("href");
    item.set("current", href && href->is_string() && href->string_value() == current);
    menu.push_back(item);
  }
  return menu;
}

data base_page(App& app, RequestContext& context, const store::Staff& staff, std::string_view current,
               const std::string& notice, const std::string& error) {
  data page;
  page.set("menu", menu_for(app, context, staff, current));
  if (!notice.empty()) page.set("notice", notice);
  if (!error.empty()) page.set("error", error);
  return page;
}

std::string add_days(year_month_day date, int count) {
  return service::format_date(year_month_day{sys_days{date} + days{count}});
}

year_month_day today(App& app) { return app.zone().to_local(app.clock().now()).date; }

// ---------------------------------------------------------------------------
// Stations

// The values of a station form as typed, shown again after an error.
struct StationForm {
  std::string name;
  std::string address;
  std::string district;
  std::string rooms;
  bool active = true;
};

// The station form of this request, or nullopt when its "active" field
// contains anything but the checkbox's value "1".
std::optional<StationForm> read_station_form(const RequestContext& context) {
  StationForm form;
  form.name = trim(context.form_value("name"));
  form.address = trim(context.form_value("address"));
  form.district = trim(context.form_value("district"));
  form.rooms = trim(context.form_value("rooms"));
  const auto active = context.form.find("active");
  if (active != context.form.end() && active->second != "1") return std::nullopt;
  form.active = active != context.form.end();
  return form;
}

// An empty rooms field means 0, as in the API where "rooms" is optional.
// Text that is not a count up to 100000 (the service's limit) becomes -1,
// which the service rejects as station.rooms_invalid after its text checks.
service::StationInput station_input(const StationForm& form) {
  service::StationInput input;
  input.name = form.name;
  input.address = form.address;
  input.district = form.district;
  if (form.rooms.empty()) {
    input.rooms = 0;
  } else {
    input.rooms = parse_count(form.rooms, 100000).value_or(-1);
  }
  input.active = form.active;
  return input;
}

data station_form_data(const StationForm& form) {
  data values;
  values.set("name", form.name);
  values.set("address", form.address);
  values.set("district", form.district);
  values.set("rooms", form.rooms);
  values.set("active", form.active);
  return values;
}

StationForm form_of(const store::Station& station) {
  return StationForm{station.name, station.address, station.district, std::to_string(station.rooms), station.active};
}

// A form that failed and is shown again: station 0 is the add form.
struct FailedStationForm {
  std::int64_t station_id = 0;
  StationForm values;
};

Response render_stations(App& app, service::QuotaService& quotas, RequestContext& context,
                         const store::Staff& staff, const std::string& notice_key, const std::optional<Error>& error,
                         const std::optional<FailedStationForm>& failed, http::status status = http::status::ok) {
  data page = base_page(app, context, staff, kStationsPath, notice_key.empty() ? "" : ui(app, context, notice_key),
                        error ? app.error_text(context, *error) : "");

  data rows{data::type::list};
  const auto stations = quotas.stations();
  for (const auto& station : stations) {
    const std::string id = std::to_string(station.id);
    data row;
    row.set("station_id", id);
    row.set("name", station.name);
    row.set("address", station.address);
    row.set("district", station.district);
    row.set("rooms", std::to_string(station.rooms));
    row.set("active", station.active);
    const bool failed_here = failed && failed->station_id == station.id;
    row.set("open", failed_here);
    row.set("form", station_form_data(failed_here ? failed->values : form_of(station)));
    rows.push_back(row);
  }
  page.set("stations", rows);
  page.set("empty", stations.empty());

  const bool failed_add = failed && failed->station_id == 0;
  page.set("new_station", station_form_data(failed_add ? failed->values : StationForm{}));
  return app.page(context, "admin_stations", "admin_stations_title", page, status);
}

// ---------------------------------------------------------------------------
// Quotas

// The dates the grid shows: `weeks` weeks from `from`.
struct GridView {
  year_month_day from;
  int weeks = kDefaultWeeks;
};

// The values of the quota form as typed, shown again after an error.
struct QuotaForm {
  std::string from;
  std::string to;
  std::string station_id;
  std::string quota;
};

// Whether every date of `weeks` weeks from `from` has the four-digit year
// that YYYY-MM-DD dates are written with.
bool view_fits(sys_days from, int weeks) {
  using namespace std::chrono;
  return from >= sys_days{year{1} / January / 1} && from + days{weeks * 7 - 1} <= sys_days{year{9999} / December / 31};
}

// The grid view named by `from_text` and `weeks_text` (empty means today
// and two weeks). On a bad value the default view is returned together with
// the message to show.
std::pair<GridView, std::string> read_view(App& app, RequestContext& context, const std::string& from_text,
                                           const std::string& weeks_text) {
  const GridView fallback{today(app), kDefaultWeeks};
  GridView view = fallback;
  if (!weeks_text.empty()) {
    const auto weeks = parse_count(weeks_text, kMaxWeeks);
    if (!weeks || *weeks < 1) {
      return {fallback, ui_with(app, context, "admin_quotas_weeks_invalid", {{"max", std::to_string(kMaxWeeks)}})};
    }
    view.weeks = *weeks;
  }
  if (!from_text.empty()) {
    const auto from = service::parse_date(from_text);
    if (!from || !view_fits(sys_days{*from}, view.weeks)) {
      return {fallback, app.error_text(context, make_error(ErrorKind::malformed, "quota.date_invalid", "from"))};
    }
    view.from = *from;
  }
  return {view, ""};
}

std::string view_href(year_month_day from, int weeks) {
  return std::string(kQuotasPath) + "?from=" + service::format_date(from) + "&weeks=" + std::to_string(weeks);
}

// One cell of the grid: quota / booked / remaining, or unset.
data quota_cell(const std::string& date, bool is_today, std::optional<std::pair<int, int>> quota_and_booked) {
  data cell;
  cell.set("date", date);
  cell.set("today", is_today);
  cell.set("set", quota_and_booked.has_value());
  if (quota_and_booked) {
    const auto [quota, booked] = *quota_and_booked;
    cell.set("quota", std::to_string(quota));
    cell.set("booked", std::to_string(booked));
    cell.set("remaining", std::to_string(quota - booked));
    cell.set("full", quota > 0 && booked >= quota);
  }
  return cell;
}

// The grid as one table per week: a column per date, a row per station and
// a totals row over all stations.
data grid_weeks(App& app, RequestContext& context, const std::vector<store::Station>& stations,
                const GridView& view) {
  const std::string first = service::format_date(view.from);
  const std::string last = add_days(view.from, view.weeks * 7 - 1);
  std::map<std::pair<std::string, std::int64_t>, std::pair<int, int>> cells;
  for (const auto& day : app.store().list_quotas(first, last)) {
    cells[{day.date, day.station_id}] = {day.quota, day.booked};
  }
  std::map<std::string, std::pair<int, int>> totals;
  for (const auto& day : app.store().day_totals(first, last)) totals[day.date] = {day.quota, day.booked};

  const std::string today_text = service::format_date(today(app));
  data weeks{data::type::list};
  for (int week = 0; week < view.weeks; ++week) {
    std::vector<std::string> dates;
    for (int offset = 0; offset < 7; ++offset) dates.push_back(add_days(view.from, week * 7 + offset));

    data columns{data::type::list};
    for (const auto& date : dates) {
      const auto weekday = std::chrono::weekday{sys_days{*service::parse_date(date)}}.c_encoding();
      data column;
      column.set("date", date);
      column.set("weekday", ui(app, context, "booking_weekday_" + std::to_string(weekday)));
      column.set("today", date == today_text);
      columns.push_back(column);
    }

    data rows{data::type::list};
    for (const auto& station : stations) {
      data row;
      row.set("station_id", std::to_string(station.id));
      row.set("name", station.name);
      row.set("inactive", !station.active);
      row.set("rooms_text", ui_with(app, context, "admin_quotas_rooms", {{"rooms", std::to_string(station.rooms)}}));
      data row_cells{data::type::list};
      for (const auto& date : dates) {
        const auto found = cells.find({date, station.id});
        row_cells.push_back(quota_cell(date, date == today_text,
                                       found == cells.end() ? std::nullopt : std::optional(found->second)));
      }
      row.set("cells", row_cells);
      rows.push_back(row);
    }

    data total_cells{data::type::list};
    for (const auto& date : dates) {
      const auto found = totals.find(date);
      total_cells.push_back(quota_cell(date, date == today_text,
                                       found == totals.end() ? std::nullopt : std::optional(found->second)));
    }

    data table;
    table.set("caption", ui_with(app, context, "admin_quotas_week_caption",
                                 {{"first", dates.front()}, {"last", dates.back()}}));
    table.set("columns", columns);
    table.set("rows", rows);
    table.set("totals", total_cells);
    weeks.push_back(table);
  }
  return weeks;
}

data station_options(App& app, RequestContext& context, const std::vector<store::Station>& stations,
                     const std::string& selected) {
  data options{data::type::list};
  for (const auto& station : stations) {
    const std::string id = std::to_string(station.id);
    data option;
    option.set("value", id);
    option.set("label", station.active ? station.name : station.name + " " + ui(app, context, "admin_quotas_inactive"));
    // A single station is chosen already, as the API does when station_id is left out.
    option.set("selected", selected.empty() ? stations.size() == 1 : id == selected);
    options.push_back(option);
  }
  return options;
}

Response render_quotas(App& app, service::QuotaService& quotas, RequestContext& context, const store::Staff& staff,
                       const GridView& view, const QuotaForm& form, const std::string& notice,
                       const std::string& error, http::status status = http::status::ok) {
  data page = base_page(app, context, staff, kQuotasPath, notice, error);
  const auto stations = quotas.stations();
  page.set("no_stations", stations.empty());
  page.set("weeks", grid_weeks(app, context, stations, view));

  page.set("view_from", service::format_date(view.from));
  page.set("view_weeks", std::to_string(view.weeks));
  page.set("max_weeks", std::to_string(kMaxWeeks));
  const auto period = days{view.weeks * 7};
  const sys_days previous = sys_days{view.from} - period;
  const sys_days next = sys_days{view.from} + period;
  if (view_fits(previous, view.weeks)) page.set("previous_href", view_href(year_month_day{previous}, view.weeks));
  if (view_fits(next, view.weeks)) page.set("next_href", view_href(year_month_day{next}, view.weeks));
  page.set("today_href", view_href(today(app), view.weeks));

  page.set("form_from", form.from);
  page.set("form_to", form.to);
  page.set("form_quota", form.quota);
  page.set("station_options", station_options(app, context, stations, form.station_id));
  page.set("choose_station", stations.size() != 1);
  page.set("max_quota", std::to_string(service::kMaxQuota));
  return app.page(context, "admin_quotas", "admin_quotas_title", page, status);
}

// The notice after a successful save, read from the redirect's query.
std::string saved_notice(App& app, RequestContext& context) {
  const auto count = parse_count(query_value(context, "saved"), service::kMaxQuotaRangeDays);
  if (!count || *count < 1) return {};
  if (*count == 1) return ui(app, context, "admin_quotas_notice_one");
  return ui_with(app, context, "admin_quotas_notice_many", {{"count", std::to_string(*count)}});
}

// ---------------------------------------------------------------------------
// Route groups

void register_station_pages(App& app, const std::shared_ptr<service::QuotaService>& quotas) {
  app.add_route(http::verb::get, std::string(kStationsPath), [&app, quotas](RequestContext& context) {
    Response refusal;
    const auto staff = app.staff_with(context, Permission::manage_quotas, refusal);
    if (!staff) return refusal;
    const std::string notice = query_value(context, "notice");
    std::string notice_key;
    if (notice == "added") notice_key = "admin_stations_notice_added";
    if (notice == "updated") notice_key = "admin_stations_notice_updated";
    return render_stations(app, *quotas, context, *staff, notice_key, std::nullopt, std::nullopt);
  });

  app.add_route(http::verb::post, std::string(kStationsPath), [&app, quotas](RequestContext& context) {
    Response refusal;
    const auto staff = app.staff_with(context, Permission::manage_quotas, refusal);
    if (!staff) return refusal;
    const auto form = read_station_form(context);
    if (!form) return app.json_error(context, make_error(ErrorKind::malformed, "request.malformed_form"));
    auto added = quotas->add_station(*staff, station_input(*form));
    if (!added) {
      return render_stations(app, *quotas, context, *staff, "", added.error(), FailedStationForm{0, *form},
                             status_of(added.error().kind));
    }
    return app.redirect(context, std::string(kStationsPath) + "?notice=added#station-" +
                                     std::to_string(added.value()));
  });

  app.add_route(http::verb::post, std::string(kStationsPath) + "/{id}", [&app, quotas](RequestContext& context) {
    Response refusal;
    const auto staff = app.staff_with(context, Permission::manage_quotas, refusal);
    if (!staff) return refusal;
    const auto id = path_id(context);
    const auto form = read_station_form(context);
    if (!form) return app.json_error(context, make_error(ErrorKind::malformed, "request.malformed_form"));
    const Error not_found = make_error(ErrorKind::not_found, "station.not_found");
    if (!id) {
      return render_stations(app, *quotas, context, *staff, "", not_found, std::nullopt, http::status::not_found);
    }
    if (auto error = quotas->update_station(*staff, *id, station_input(*form))) {
      std::optional<FailedStationForm> failed;
      if (error->kind != ErrorKind::not_found) failed = FailedStationForm{*id, *form};
      return render_stations(app, *quotas, context, *staff, "", *error, failed, status_of(error->kind));
    }
    return app.redirect(context, std::string(kStationsPath) + "?notice=updated#station-" + std::to_string(*id));
  });
}

void register_quota_grid_pages(App& app, const std::shared_ptr<service::QuotaService>& quotas) {
  app.add_route(http::verb::get, std::string(kQuotasPath), [&app, quotas](RequestContext& context) {
    Response refusal;
    const auto staff = app.staff_with(context, Permission::manage_quotas, refusal);
    if (!staff) return refusal;
    const auto [view, problem] = read_view(app, context, query_value(context, "from"), query_value(context, "weeks"));
    const QuotaForm form{service::format_date(view.from), "", "", ""};
    return render_quotas(app, *quotas, context, *staff, view, form, problem.empty() ? saved_notice(app, context) : "",
                         problem, problem.empty() ? http::status::ok : http::status::bad_request);
  });

  app.add_route(http::verb::post, std::string(kQuotasPath), [&app, quotas](RequestContext& context) {
    Response refusal;
    const auto staff = app.staff_with(context, Permission::manage_quotas, refusal);
    if (!staff) return refusal;
    const QuotaForm form{trim(context.form_value("from")), trim(context.form_value("to")),
                         trim(context.form_value("station_id")), trim(context.form_value("quota"))};
    // The view the form was on, shown again after an error. A bad hidden
    // value falls back to the default view.
    const GridView view =
        read_view(app, context, context.form_value("view_from"), context.form_value("view_weeks")).first;

    std::optional<Error> error;
    const auto quota = parse_count(form.quota, service::kMaxQuota);
    // An empty select means "the only station", which the service resolves.
    const auto station_id = form.station_id.empty() ? std::optional<int>(0) : parse_count(form.station_id, 999999999);
    if (!quota) {
      error = make_error(ErrorKind::invalid, "quota.value_invalid", "quota");
    } else if (!station_id || (*station_id == 0 && !form.station_id.empty())) {
      error = make_error(ErrorKind::not_found, "quota.station_not_found", "station_id");
    } else {
      auto set = quotas->set_quota(*staff, form.from, form.to, *station_id, *quota);
      if (set) {
        app.bookings().invalidate_cache();
        // Show the dates just set, in a view at least as long as the one the
        // form was on.
        const int weeks = std::clamp((set.value() + 6) / 7, view.weeks, kMaxWeeks);
        const auto from = service::parse_date(form.from);
        const std::string saved = "&saved=" + std::to_string(set.value());
        if (!from || !view_fits(sys_days{*from}, weeks)) {
          return app.redirect(context, view_href(view.from, view.weeks) + saved);
        }
        return app.redirect(context, view_href(*from, weeks) + saved);
      }
      error = set.error();
    }
    return render_quotas(app, *quotas, context, *staff, view, form, "", app.error_text(context, *error),
                         status_of(error->kind));
  });
}

}  // namespace

void register_quota_pages(App& app) {
  auto quotas = std::make_shared<service::QuotaService>(app.store(), app.clock());
  register_station_pages(app, quotas);
  register_quota_grid_pages(app, quotas);
}

}  // namespace yizhan::web

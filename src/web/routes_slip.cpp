// The confirmation slip (預約確認單): GET /api/v1/me/slip with the signed
// token, the printable page /slip, and the public keys that verify tokens at
// GET /api/v1/slip-key. A slip exists only on its booking date; before and
// after, both the API and the page say when it will be or was valid.
#include <chrono>
#include <cstdio>
#include <memory>

#include "domain/id_document.h"
#include "service/slip_service.h"
#include "web/app.h"
#include "web/booking_views.h"

namespace yizhan::web {
namespace {

using kainjow::mustache::data;

const std::string& ui(App& app, const RequestContext& context, const std::string& key) {
  return app.catalogs().text(context.language, key);
}


// "2026-12-25 19:48:14" in the configured zone.
std::string local_timestamp(App& app, std::int64_t seconds) {
  const auto local = app.zone().to_local(service::Instant{std::chrono::seconds(seconds)});
  const long total = static_cast<long>(local.time_of_day.count());
  char text[48];
  std::snprintf(text, sizeof text, " %02ld:%02ld:%02ld", total / 3600, total / 60 % 60, total % 60);
  return service::format_date(local.date) + text;
}

// Whole years from `birth_date` to `on`; -1 when either is not a date.
int age_on(const std::string& birth_date, const std::string& on) {
  const auto birth = service::parse_date(birth_date);
  const auto day = service::parse_date(on);
  if (!birth || !day) return -1;
  int years = static_cast<int>(day->year()) - static_cast<int>(birth->year());
  if (std::chrono::month_day{day->month(), day->day()} < std::chrono::month_day{birth->month(), birth->day()}) {
    --years;
  }
  return years;
}

// slip.not_today with its {when} sentence in the reader's language.
Error not_today_error(App& app, const RequestContext& context, Error error) {
  const std::string tense = error.params.count("tense") ? error.params["tense"] : "none";
  error.params["when"] = fill_placeholders(ui(app, context, "slip_when_" + tense), {{"date", error.params["valid_on"]}});
  return error;
}

data slip_page_data(App& app, RequestContext& context, const service::Slip& slip, const std::string& token) {
  const store::Booking& booking = slip.booking;
  data page;
  page.set("date", booking.date);
  page.set("created", local_timestamp(app, booking.created_at));
  page.set("name", booking.name);
  page.set("booking_number", booking.booking_number);
  page.set("co_resident_count", std::to_string(booking.group_size > 0 ? booking.group_size - 1 : 0));
  page.set("id_type_label", ui(app, context, "id_type_" + booking.id_type));
  page.set("id_number_masked", domain::mask_id_number(booking.id_number));
  page.set("id_number", booking.id_number);
  if (!booking.destination_code.empty()) {
    page.set("destination", app.divisions().full_name(booking.destination_code, context.language));
  }
  if (booking.status == "entered") page.set("entered", local_timestamp(app, booking.entered_at));

  data co_residents{data::type::list};
  int index = 0;
  for (const auto& member : slip.members) {
    if (member.position == 0) continue;
    ++index;
    data item;
    item.set("heading", fill_placeholders(ui(app, context, "slip_co_resident_heading"), {{"n", std::to_string(index)}}));
    item.set("name", member.name);
    const int age = age_on(member.birth_date, booking.date);
    if (age >= 0) item.set("age", std::to_string(age));
    item.set("minor", age >= 0 && age < 18);
    item.set("relation", member.relation.empty() ? "" : ui(app, context, "slip_relation_" + member.relation));
    item.set("id_type_label", ui(app, context, "id_type_" + member.id_type));
    item.set("id_number", member.id_number);
    co_residents.push_back(item);
  }
  page.set("co_residents", co_residents);
  page.set("has_co_residents", index > 0);

  page.set("validity_notice",
           fill_placeholders(ui(app, context, "slip_validity_notice"),
                             {{"days", std::to_string(app.bookings().policy().cancel_days_before)}}));
  page.set("qr_svg", service::qr_code_svg(token));
  page.set("token", token);
  return page;
}

}  // namespace

void register_slip_routes(App& app) {
  auto slips = std::make_shared<service::SlipService>(
      app.store(), app.clock(), app.zone(),
      app.slip_keys());

  app.add_route(http::verb::get, "/api/v1/slip-key", [&app, slips](RequestContext& context) {
    Response response = app.json(context, http::status::ok,
                                 nlohmann::json::parse(service::slip_keys_document(slips->public_keys())));
    response.set(http::field::cache_control, "public, max-age=300");
    return response;
  });

  app.add_route(http::verb::get, "/api/v1/me/slip", [&app, slips](RequestContext& context) {
    const auto account = app.current_account(context);
    if (!account) return app.json_error(context, make_error(ErrorKind::unauthenticated, "auth.required"));
    auto slip = slips->todays_slip(*account);
    if (!slip) return app.json_error(context, not_today_error(app, context, slip.error()));
    const auto& booking = slip.value().booking;
    auto body = booking_json(app, context, booking);
    body["token"] = slip.value().token;
    body["group_size"] = booking.group_size;
    body["co_resident_count"] = booking.group_size - 1;
    body["entered_at"] = booking.entered_at
                             ? nlohmann::json(app.zone().format_rfc3339(
                                   service::Instant{std::chrono::seconds(booking.entered_at)}))
                             : nlohmann::json(nullptr);
    nlohmann::json members = nlohmann::json::array();
    for (const auto& member : slip.value().members) {
      if (member.position == 0) continue;
      const int age = age_on(member.birth_date, booking.date);
      members.push_back({{"name", member.name},
                         {"relation", member.relation},
                         {"id_type", member.id_type},
                         {"id_number_masked", domain::mask_id_number(member.id_number)},
                         {"age", age >= 0 ? nlohmann::json(age) : nlohmann::json(nullptr)},
                         {"minor", age >= 0 && age < 18}});
    }
    body["co_residents"] = members;
    Response response = app.json(context, http::status::ok, body);
    response.set(http::field::cache_control, "no-store");
    return response;
  });

  app.add_route(http::verb::get, "/slip", [&app, slips](RequestContext& context) {
    const auto account = app.current_account(context);
    if (!account) return app.redirect(context, "/login");
    auto slip = slips->todays_slip(*account);
    if (!slip) {
      data page;
      page.set("unavailable", app.error_text(context, not_today_error(app, context, slip.error())));
      return app.page(context, "slip", "slip_title", page, http::status::not_found);
    }
    Response response =
        app.page(context, "slip", "slip_title", slip_page_data(app, context, slip.value(), slip.value().token));
    response.set(http::field::cache_control, "no-store");
    return response;
  });
}

}  // namespace yizhan::web

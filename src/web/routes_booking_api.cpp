// JSON API of the booking engine: availability, booking, the traveller's
// bookings, cancelling, and the public totals.
#include "domain/id_document.h"
#include "web/app.h"
#include "web/booking_views.h"
#include "web/json_input.h"

namespace yizhan::web {

nlohmann::json day_json(const service::DayAvailability& day) {
  return {{"date", day.date},       {"quota", day.quota},       {"booked", day.booked},
          {"remaining", day.remaining}, {"bookable", day.bookable}, {"state", day.state}};
}

nlohmann::json booking_json(App& app, RequestContext& context, const store::Booking& booking) {
  return {
      {"booking_number", booking.booking_number},
      {"date", booking.date},
      {"status", booking.status},
      {"created_at", app.zone().format_rfc3339(service::Instant{std::chrono::seconds(booking.created_at)})},
      {"name", booking.name},
      {"id_type", booking.id_type},
      {"id_number_masked", domain::mask_id_number(booking.id_number)},
      {"destination_code", booking.destination_code},
      {"destination_name", app.divisions().full_name(booking.destination_code, context.language)},
      {"station_id", booking.station_id},
      {"cancellable", app.bookings().cancellable(booking)},
      {"last_cancel_date", app.bookings().last_cancel_date(booking)},
  };
}

void register_booking_api(App& app) {
  app.add_route(http::verb::get, "/api/v1/availability", [&app](RequestContext& context) {
    nlohmann::json days = nlohmann::json::array();
    for (const auto& day : app.bookings().availability()) days.push_back(day_json(day));
    Response response = app.json(context, http::status::ok, days);
    // Everyone refreshes this page before the opening; a second of caching
    // lets proxies and browsers absorb most of that.
    response.set(http::field::cache_control, "public, max-age=1");
    return response;
  });

  app.add_route(http::verb::get, "/api/v1/publicity", [&app](RequestContext& context) {
    const auto publicity = app.bookings().publicity(14);
    nlohmann::json body = {{"open_dates", nlohmann::json::array()}, {"past_days", nlohmann::json::array()},
                           {"open_now", app.bookings().open_now()}, {"next_opening", app.bookings().next_opening()}};
    for (const auto& day : publicity.open_dates) body["open_dates"].push_back(day_json(day));
    for (const auto& day : publicity.past_days) {
      body["past_days"].push_back({{"date", day.date},
                                   {"quota", day.quota},
                                   {"booked", day.booked},
                                   {"entered", day.entered},
                                   {"no_show", day.no_show}});
    }
    Response response = app.json(context, http::status::ok, body);
    response.set(http::field::cache_control, "public, max-age=1");
    return response;
  });

  app.add_route(http::verb::post, "/api/v1/bookings", [&app](RequestContext& context) {
    const auto account = app.current_account(context);
    if (!account) return app.json_error(context, make_error(ErrorKind::unauthenticated, "auth.required"));
    auto body = read_json_object(context.request.body(), {{"date", JsonType::string, true},
                                                          {"captcha_id", JsonType::string, true},
                                                          {"captcha_answer", JsonType::string, true}});
    if (!body) return app.json_error(context, body.error());
    const std::string key(to_std(context.request["Idempotency-Key"]));
    auto booked = app.bookings().book(*account, string_member(body.value(), "date"),
                                      string_member(body.value(), "captcha_id"),
                                      string_member(body.value(), "captcha_answer"), key);
    if (!booked) return app.json_error(context, booked.error());
    auto json = booking_json(app, context, booked.value().booking);
    json["replayed"] = booked.value().replayed;
    return app.json(context, booked.value().replayed ? http::status::ok : http::status::created, json);
  });

  app.add_route(http::verb::get, "/api/v1/me/bookings", [&app](RequestContext& context) {
    const auto account = app.current_account(context);
    if (!account) return app.json_error(context, make_error(ErrorKind::unauthenticated, "auth.required"));
    nlohmann::json list = nlohmann::json::array();
    for (const auto& booking : app.bookings().bookings_of(*account)) list.push_back(booking_json(app, context, booking));
    return app.json(context, http::status::ok, list);
  });

  app.add_route(http::verb::delete_, "/api/v1/bookings/{booking_number}", [&app](RequestContext& context) {
    const auto account = app.current_account(context);
    if (!account) return app.json_error(context, make_error(ErrorKind::unauthenticated, "auth.required"));
    auto cancelled = app.bookings().cancel(*account, context.params["booking_number"]);
    if (!cancelled) return app.json_error(context, cancelled.error());
    return app.json(context, http::status::ok, booking_json(app, context, cancelled.value()));
  });
}

}  // namespace yizhan::web

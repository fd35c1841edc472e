// JSON API of the booking engine: availability, booking, the traveller's
// bookings, cancelling, and the public totals.
#include <memory>
#include <mutex>
#include <variant>

#include "domain/id_document.h"
#include "web/app.h"
#include "web/booking_views.h"
#include "web/json_input.h"
#include "web/waiting_room_views.h"

namespace yizhan::web {

nlohmann::json day_json(const service::DayAvailability& day) {
  return {{"date", day.date},       {"quota", day.quota},       {"booked", day.booked},
          {"remaining", day.remaining}, {"bookable", day.bookable}, {"state", day.state}};
}

nlohmann::json booking_json(App& app, RequestContext& context, const store::Booking& booking) {
  // Member by member rather than from an initializer list, which copies
  // every value once more: a confirmation's response is built under the rush.
  nlohmann::json json = nlohmann::json::object();
  json["booking_number"] = booking.booking_number;
  json["date"] = booking.date;
  json["status"] = booking.status;
  json["created_at"] = app.zone().format_rfc3339(service::Instant{std::chrono::seconds(booking.created_at)});
  json["name"] = booking.name;
  json["id_type"] = booking.id_type;
  json["id_number_masked"] = domain::mask_id_number(booking.id_number);
  json["destination_code"] = booking.destination_code;
  json["destination_name"] = app.divisions().full_name(booking.destination_code, context.language);
  json["station_id"] = booking.station_id;
  json["cancellable"] = app.bookings().cancellable(booking);
  json["last_cancel_date"] = app.bookings().last_cancel_date(booking);
  return json;
}

namespace {

// The last body a public read rendered and the version of the counts it
// shows (BookingService::public_view_version). Everyone refreshes these
// before the opening; building the JSON once per snapshot instead of once
// per request keeps that storm cheap. Thread-safe.
class PublicBodyCache {
 public:
  template <typename Render>
  std::string get(const std::string& version, Render render) {
    {
      std::lock_guard lock(mutex_);
      if (version == version_) return body_;
    }
    std::string body = render();
    std::lock_guard lock(mutex_);
    version_ = version;
    body_ = body;
    return body;
  }

 private:
  std::mutex mutex_;
  std::string version_;  // guarded by mutex_
  std::string body_;     // guarded by mutex_
};

Response public_json(std::string body) {
  Response response{http::status::ok, 11};
  response.set(http::field::content_type, "application/json; charset=utf-8");
  response.body() = std::move(body);
  // A second of caching lets proxies and browsers absorb part of the storm.
  response.set(http::field::cache_control, "public, max-age=1");
  return response;
}

}  // namespace

void count_booking(App& app, const Result<service::BookingConfirmation>& booked) {
  if (!booked) {
    app.metrics().count_booking(booked.error().code);
  } else {
    app.metrics().count_booking(booked.value().replayed ? "replayed" : "confirmed");
  }
}

namespace {

Response booking_response(App& app, RequestContext& context, const Result<service::BookingConfirmation>& booked) {
  count_booking(app, booked);
  if (!booked) return app.json_error(context, booked.error());
  auto json = booking_json(app, context, booked.value().booking);
  json["replayed"] = booked.value().replayed;
  return app.json(context, booked.value().replayed ? http::status::ok : http::status::created, json);
}

}  // namespace

void register_booking_api(App& app) {
  auto availability_cache = std::make_shared<PublicBodyCache>();
  app.add_route(http::verb::get, "/api/v1/availability", [&app, availability_cache](RequestContext&) {
    return public_json(availability_cache->get(app.bookings().public_view_version(), [&app] {
      nlohmann::json days = nlohmann::json::array();
      for (const auto& day : app.bookings().availability()) days.push_back(day_json(day));
      return days.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }));
  }, RunOn::network_first);

  auto publicity_cache = std::make_shared<PublicBodyCache>();
  app.add_route(http::verb::get, "/api/v1/publicity", [&app, publicity_cache](RequestContext&) {
    return public_json(publicity_cache->get(app.bookings().public_view_version(), [&app] {
      const auto publicity = app.bookings().publicity(14);
      nlohmann::json body = {{"open_dates", nlohmann::json::array()},
                             {"past_days", nlohmann::json::array()},
                             {"open_now", app.bookings().open_now()},
                             {"next_opening", app.bookings().next_opening()}};
      for (const auto& day : publicity.open_dates) body["open_dates"].push_back(day_json(day));
      for (const auto& day : publicity.past_days) {
        body["past_days"].push_back({{"date", day.date},
                                     {"quota", day.quota},
                                     {"booked", day.booked},
                                     {"entered", day.entered},
                                     {"no_show", day.no_show}});
      }
      return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }));
  }, RunOn::network_first);

  app.add_route(http::verb::post, "/api/v1/bookings", [&app](RequestContext& context) {
    const auto account = app.current_account(context);
    if (!account) return app.json_error(context, make_error(ErrorKind::unauthenticated, "auth.required"));
    if (auto waiting = wait_for_turn(app, context, *account, "")) return std::move(*waiting);
    if (auto limited = app.limit_booking(context, account->id)) {
      app.metrics().count_booking(limited->code);
      return app.json_error(context, *limited);
    }
    auto body = read_json_object(context.request.body(), {{"date", JsonType::string, true},
                                                          {"captcha_id", JsonType::string, true},
                                                          {"captcha_answer", JsonType::string, true}});
    if (!body) return app.json_error(context, body.error());
    const std::string key(to_std(context.request["Idempotency-Key"]));
    auto prepared = app.bookings().prepare(*account, string_member(body.value(), "date"),
                                           string_member(body.value(), "captcha_id"),
                                           string_member(body.value(), "captcha_answer"), key,
                                           !context.on_network_thread);
    if (auto* answered = std::get_if<Result<service::BookingConfirmation>>(&prepared)) {
      return booking_response(app, context, *answered);
    }
    auto& pending = std::get<service::BookingService::Pending>(prepared);
    if (!context.on_network_thread) {
      return booking_response(app, context, app.bookings().decide(std::move(pending)));
    }
    // On a network thread nothing waits for the commit. The writer's thread
    // reports the outcome, and this connection's thread sends the response.
    app.bookings().decide_async(
        std::move(pending), [&app, reply = app.answer_later(context)](Result<service::BookingConfirmation> booked) {
          reply([&app, booked = std::move(booked)](RequestContext& context) {
            return booking_response(app, context, booked);
          });
        });
    return Response{};
  }, RunOn::network_first);

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

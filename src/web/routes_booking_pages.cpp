// Traveller pages of the booking engine: choosing a date (我要預約),
// confirming it with a captcha (確認訂單), the traveller's bookings with
// cancelling (預約信息), and the public totals (預約公示). They work without
// JavaScript. With it, availability.js refreshes the counts in place from
// GET /api/v1/availability. Every decision is BookingService's, as for the
// JSON API.
#include <chrono>
#include <cstdio>
#include <map>

#include "domain/id_document.h"
#include "service/crypto.h"
#include "web/app.h"
#include "web/booking_views.h"
#include "web/waiting_room_views.h"

namespace yizhan::web {
namespace {

using kainjow::mustache::data;
using std::chrono::sys_days;

// Days of past totals on the publicity page, the same span as the API's.
constexpr int kPublicityPastDays = 14;
// Bytes of randomness in the idempotency key of one confirm form.
constexpr std::size_t kIdempotencyKeyBytes = 16;

// ---------------------------------------------------------------------------
// Texts and formatting

const std::string& ui(App& app, RequestContext& context, const std::string& key) {
  return app.catalogs().text(context.language, key);
}

// "10:00" for a time of day.
std::string format_clock(std::chrono::seconds time_of_day) {
  const auto minutes = std::chrono::duration_cast<std::chrono::minutes>(time_of_day).count();
  char text[8];
  std::snprintf(text, sizeof text, "%02d:%02d", static_cast<int>(minutes / 60 % 24), static_cast<int>(minutes % 60));
  return text;
}

// A date as the catalog's booking_day_format has it, e.g. 12月25日（週五）
// or Fri 25 Dec.
std::string format_day(App& app, RequestContext& context, std::chrono::year_month_day day) {
  const unsigned weekday = std::chrono::weekday{sys_days{day}}.c_encoding();  // 0 is Sunday
  const unsigned month = static_cast<unsigned>(day.month());
  return fill_placeholders(ui(app, context, "booking_day_format"),
              {{"year", std::to_string(static_cast<int>(day.year()))},
               {"month", std::to_string(month)},
               {"month_name", ui(app, context, "booking_month_" + std::to_string(month))},
               {"day", std::to_string(static_cast<unsigned>(day.day()))},
               {"weekday", ui(app, context, "booking_weekday_" + std::to_string(weekday))}});
}

// The same for a YYYY-MM-DD text; text that is not a date is returned as is.
std::string format_day(App& app, RequestContext& context, const std::string& date) {
  const auto parsed = service::parse_date(date);
  return parsed ? format_day(app, context, *parsed) : date;
}

// An RFC 3339 instant as a local day and time, e.g. 12月25日（週五） 10:00.
std::string format_moment(App& app, RequestContext& context, const std::string& rfc3339) {
  const auto instant = service::parse_rfc3339(rfc3339);
  if (!instant) return rfc3339;
  const auto local = app.zone().to_local(*instant);
  return format_day(app, context, local.date) + " " + format_clock(local.time_of_day);
}

// Seconds since the epoch as local "2026-12-23 10:05".
std::string format_timestamp(App& app, std::int64_t seconds) {
  const auto local = app.zone().to_local(service::Instant{std::chrono::seconds(seconds)});
  return service::format_date(local.date) + " " + format_clock(local.time_of_day);
}

// The open hours and booking window, from the configured policy.
std::string window_hint(App& app, RequestContext& context) {
  const auto& policy = app.bookings().policy();
  return fill_placeholders(ui(app, context, "book_window_hint"), {{"days", std::to_string(policy.window_days)},
                                                     {"opens", format_clock(policy.opens_at)},
                                                     {"closes", format_clock(policy.closes_at)}});
}

std::string closed_notice(App& app, RequestContext& context) {
  return fill_placeholders(ui(app, context, "book_closed_notice"),
              {{"next_opening", format_moment(app, context, app.bookings().next_opening())}});
}

// The engine's message for `error`, with its instants and dates made
// readable for a page.
std::string page_error_text(App& app, RequestContext& context, Error error) {
  if (auto found = error.params.find("next_opening"); found != error.params.end()) {
    found->second = format_moment(app, context, found->second);
  }
  for (const char* date_param : {"last_cancel_date", "banned_until"}) {
    if (auto found = error.params.find(date_param); found != error.params.end()) {
      found->second = format_day(app, context, found->second);
    }
  }
  return app.error_text(context, error);
}

http::status status_of(const Error& error) {
  switch (error.kind) {
    case ErrorKind::malformed: return http::status::bad_request;
    case ErrorKind::unauthenticated: return http::status::unauthorized;
    case ErrorKind::forbidden: return http::status::forbidden;
    case ErrorKind::not_found: return http::status::not_found;
    case ErrorKind::conflict: return http::status::conflict;
    case ErrorKind::rate_limited: return http::status::too_many_requests;
    case ErrorKind::unavailable: return http::status::service_unavailable;
    default: return http::status::unprocessable_entity;
  }
}

std::string state_code(const service::DayAvailability& day) { return day.state.empty() ? "open" : day.state; }

// Labels that availability.js puts on a date when its state changes.
void add_state_labels(App& app, RequestContext& context, data& page) {
  page.set("label_open", ui(app, context, "booking_state_open"));
  page.set("label_full", ui(app, context, "booking_state_full"));
  page.set("label_closed", ui(app, context, "booking_state_closed"));
}

// ---------------------------------------------------------------------------
// Page data

std::optional<service::DayAvailability> window_day(App& app, const std::string& date) {
  for (const auto& day : app.bookings().availability()) {
    if (day.date == date) return day;
  }
  return std::nullopt;
}

// The dates of the window for the booking page. With `link_dates` a
// bookable date links to its confirm page; without, no date does.
data day_list(App& app, RequestContext& context, bool link_dates) {
  data days{data::type::list};
  for (const auto& day : app.bookings().availability()) {
    data item;
    item.set("date", day.date);
    item.set("day_label", format_day(app, context, day.date));
    item.set("remaining", std::to_string(day.remaining));
    item.set("state", state_code(day));
    item.set("state_label", ui(app, context, "booking_state_" + state_code(day)));
    if (link_dates && day.bookable) item.set("href", "/book/" + day.date);
    days.push_back(item);
  }
  return days;
}

// Two consecutive no-shows bar booking until banned_until, the first date
// on which booking is possible again.
bool is_banned(App& app, const store::Account& account) {
  const std::string today = service::format_date(app.zone().to_local(app.clock().now()).date);
  return !account.banned_until.empty() && account.banned_until > today;
}

data book_page_data(App& app, RequestContext& context, const store::Account& account) {
  data page;
  page.set("window_hint", window_hint(app, context));
  const auto profile = app.profiles().find(account.id);
  const std::string status = service::ProfileService::review_status(profile);
  if (status != "approved") {
    // The engine rejects every booking until the profile is approved, so
    // the page offers no dates and points to the profile form instead.
    page.set("needs_approval", true);
    page.set("approval_message", ui(app, context, status == "pending" ? "book_awaiting_review" : "book_needs_approval"));
    page.set("review_status", ui(app, context, "review_status_" + status));
    return page;
  }
  page.set("can_choose", true);

  // The engine would reject every date, so none is linked.
  const bool banned = is_banned(app, account);
  if (banned) {
    Error ban = make_error(ErrorKind::forbidden, "booking.banned");
    ban.params["banned_until"] = account.banned_until;
    page.set("ban_notice", page_error_text(app, context, ban));
  }

  const auto active = app.bookings().active_booking(account.id);
  if (active) {
    data booking;
    booking.set("text", fill_placeholders(ui(app, context, "book_active_notice"),
                             {{"number", active->booking_number}, {"date", format_day(app, context, active->date)}}));
    booking.set("href", "/bookings/" + active->booking_number);
    page.set("active_booking", booking);
  } else if (!banned) {
    page.set("link_dates", true);
  }
  if (!app.bookings().open_now()) page.set("closed_notice", closed_notice(app, context));
  page.set("days", day_list(app, context, !active && !banned));
  add_state_labels(app, context, page);
  return page;
}

// A fresh captcha, unless this client has asked for too many.
void add_captcha(App& app, RequestContext& context, data& page) {
  if (auto limited = app.limit_client(context, "captcha", app.config().captcha_rate_per_minute)) {
    page.set("captcha_error", app.error_text(context, *limited));
    return;
  }
  const auto captcha = app.captchas().issue();
  page.set("captcha_id", captcha.id);
  page.set("captcha_image", captcha_data_url(captcha));
}

// Explains why `day` cannot be booked now, for the confirm page. Empty when
// it can be booked.
std::string unbookable_reason(App& app, RequestContext& context, const service::DayAvailability& day) {
  if (day.bookable) return "";
  if (day.state == "full") return app.error_text(context, make_error(ErrorKind::conflict, "booking.sold_out"));
  if (!app.bookings().open_now()) return closed_notice(app, context);
  return ui(app, context, "book_date_not_open");
}

// The confirm page (確認訂單) for `date`, with `error` from a failed attempt.
Response render_confirm(App& app, RequestContext& context, const store::Account& account,
                        const service::DayAvailability& day, const std::optional<Error>& error) {
  data page;
  const auto profile = app.profiles().find(account.id);
  if (profile && !profile->name.empty()) page.set("name", profile->name);
  page.set("id_type_label", ui(app, context, "id_type_" + account.id_type));
  page.set("id_number_masked", domain::mask_id_number(account.id_number));
  page.set("date", day.date);
  page.set("day_label", format_day(app, context, day.date));
  if (profile && !profile->destination_code.empty()) {
    page.set("destination", app.divisions().full_name(profile->destination_code, context.language));
  }
  page.set("action", "/book/" + day.date);
  // A double click or a resubmitted form sends the same key, and the
  // engine returns the booking that the first request made.
  page.set("idempotency_key", service::random_token(kIdempotencyKeyBytes));
  add_captcha(app, context, page);

  if (error) {
    page.set("error", page_error_text(app, context, *error));
    if (error->code == "booking.already_active" && error->params.count("booking_number")) {
      page.set("active_href", "/bookings/" + error->params.at("booking_number"));
    }
  } else if (const auto reason = unbookable_reason(app, context, day); !reason.empty()) {
    page.set("warning", reason);
  }
  return app.page(context, "book_confirm", "book_confirm_title", page, error ? status_of(*error) : http::status::ok);
}

// One booking as the list, detail and cancel pages show it.
data booking_data(App& app, RequestContext& context, const store::Booking& booking) {
  data item;
  item.set("number", booking.booking_number);
  item.set("href", "/bookings/" + booking.booking_number);
  item.set("date", booking.date);
  item.set("day_label", format_day(app, context, booking.date));
  item.set("status", booking.status);
  item.set("status_label", ui(app, context, "booking_status_" + booking.status));
  item.set("created_label", format_timestamp(app, booking.created_at));
  if (booking.status == "cancelled" && booking.cancelled_at) {
    item.set("cancelled_label", format_timestamp(app, booking.cancelled_at));
  }
  if (app.bookings().cancellable(booking)) {
    item.set("cancel_href", "/bookings/" + booking.booking_number + "/cancel");
    item.set("cancel_until", fill_placeholders(ui(app, context, "booking_cancel_until"),
                                  {{"date", format_day(app, context, app.bookings().last_cancel_date(booking))}}));
  } else if (booking.status == "confirmed") {
    item.set("cancel_closed", fill_placeholders(ui(app, context, "booking_cancel_closed"),
                                   {{"date", format_day(app, context, app.bookings().last_cancel_date(booking))}}));
  }
  return item;
}

std::optional<store::Booking> own_booking(App& app, const store::Account& account, const std::string& number) {
  for (auto& booking : app.bookings().bookings_of(account)) {
    if (booking.booking_number == number) return booking;
  }
  return std::nullopt;
}

Response not_found_page(App& app, RequestContext& context) {
  return app.json_error(context, make_error(ErrorKind::not_found, "booking.not_found"));
}

Response render_detail(App& app, RequestContext& context, const store::Booking& booking) {
  data page = booking_data(app, context, booking);
  const bool is_new = context.query.count("new") && booking.status == "confirmed";
  page.set("is_new", is_new);
  page.set("name", booking.name);
  page.set("id_type_label", ui(app, context, "id_type_" + booking.id_type));
  page.set("id_number_masked", domain::mask_id_number(booking.id_number));
  if (!booking.destination_code.empty()) {
    page.set("destination", app.divisions().full_name(booking.destination_code, context.language));
  }
  if (booking.status == "confirmed") {
    const auto& policy = app.bookings().policy();
    page.set("next_steps", true);
    page.set("slip_step", fill_placeholders(ui(app, context, "booking_next_slip"), {{"date", format_day(app, context, booking.date)}}));
    // Past the deadline, the cancel_closed hint replaces this step.
    if (app.bookings().cancellable(booking)) {
      page.set("cancel_step", fill_placeholders(ui(app, context, "booking_next_cancel"),
                                   {{"days", std::to_string(policy.cancel_days_before)},
                                    {"date", format_day(app, context, app.bookings().last_cancel_date(booking))}}));
    }
  }
  return app.page(context, "booking_done", is_new ? "booking_done_title" : "booking_detail_title", page);
}

Response render_cancel(App& app, RequestContext& context, const store::Booking& booking,
                       const std::optional<Error>& error) {
  data page = booking_data(app, context, booking);
  page.set("question", fill_placeholders(ui(app, context, "booking_cancel_question"),
                            {{"date", format_day(app, context, booking.date)}, {"number", booking.booking_number}}));
  if (error) {
    page.set("error", page_error_text(app, context, *error));
  } else if (!app.bookings().cancellable(booking)) {
    // Say why with the engine's own message, as a cancel attempt would.
    Error reason = make_error(ErrorKind::conflict, "booking.not_cancellable");
    if (booking.status == "confirmed") {
      reason = make_error(ErrorKind::conflict, "booking.cancel_too_late");
      reason.params["last_cancel_date"] = app.bookings().last_cancel_date(booking);
    }
    page.set("error", page_error_text(app, context, reason));
  }
  page.set("can_cancel", !error && app.bookings().cancellable(booking));
  return app.page(context, "booking_cancel", "booking_cancel_title", page,
                  error ? status_of(*error) : http::status::ok);
}

data publicity_data(App& app, RequestContext& context) {
  const auto publicity = app.bookings().publicity(kPublicityPastDays);
  data page;
  data open_dates{data::type::list};
  for (const auto& day : publicity.open_dates) {
    data row;
    row.set("date", day.date);
    row.set("day_label", format_day(app, context, day.date));
    row.set("quota", std::to_string(day.quota));
    row.set("booked", std::to_string(day.booked));
    row.set("remaining", std::to_string(day.remaining));
    row.set("state", state_code(day));
    row.set("state_label", ui(app, context, "booking_state_" + state_code(day)));
    open_dates.push_back(row);
  }
  page.set("open_dates", open_dates);

  data past_days{data::type::list};
  for (const auto& day : publicity.past_days) {
    data row;
    row.set("date", day.date);
    row.set("day_label", format_day(app, context, day.date));
    row.set("quota", std::to_string(day.quota));
    row.set("booked", std::to_string(day.booked));
    row.set("entered", std::to_string(day.entered));
    row.set("no_show", std::to_string(day.no_show));
    past_days.push_back(row);
  }
  page.set("past_days", past_days);
  page.set("has_past_days", !publicity.past_days.empty());
  page.set("past_heading", fill_placeholders(ui(app, context, "publicity_past_heading"),
                                {{"days", std::to_string(kPublicityPastDays)}}));
  page.set("window_hint", window_hint(app, context));
  if (!app.bookings().open_now()) page.set("closed_notice", closed_notice(app, context));
  add_state_labels(app, context, page);
  return page;
}

}  // namespace

void register_booking_pages(App& app) {
  app.add_route(http::verb::get, "/book", [&app](RequestContext& context) {
    const auto account = app.current_account(context);
    if (!account) return app.redirect(context, "/login");
    return app.page(context, "book", "book_title", book_page_data(app, context, *account));
  });

  app.add_route(http::verb::get, "/book/{date}", [&app](RequestContext& context) {
    const auto account = app.current_account(context);
    if (!account) return app.redirect(context, "/login");
    const std::string& date = context.params["date"];
    if (!service::parse_date(date)) return app.json_error(context, make_error(ErrorKind::not_found, "request.not_found"));
    const auto day = window_day(app, date);
    if (!day) return app.json_error(context, make_error(ErrorKind::invalid, "booking.date_outside_window"));
    // The booking page explains each of these and links onwards.
    const auto profile = app.profiles().find(account->id);
    if (service::ProfileService::review_status(profile) != "approved") return app.redirect(context, "/book");
    if (is_banned(app, *account)) return app.redirect(context, "/book");
    if (app.bookings().active_booking(account->id)) return app.redirect(context, "/book");
    // A full or closed date is shown as such at once: queueing for it would
    // only end in the same answer.
    if (day->bookable) {
      if (auto waiting = wait_for_turn(app, context, *account, date)) return std::move(*waiting);
    }
    return render_confirm(app, context, *account, *day, std::nullopt);
  });

  app.add_route(http::verb::post, "/book/{date}", [&app](RequestContext& context) {
    const auto account = app.current_account(context);
    if (!account) return app.redirect(context, "/login");
    const std::string& date = context.params["date"];
    if (!service::parse_date(date)) return app.json_error(context, make_error(ErrorKind::not_found, "request.not_found"));
    if (auto waiting = wait_for_turn(app, context, *account, date)) return std::move(*waiting);
    if (auto limited = app.limit_booking(context, account->id)) {
      app.metrics().count_booking(limited->code);
      const auto day = window_day(app, date);
      if (!day) return app.json_error(context, *limited);
      return render_confirm(app, context, *account, *day, *limited);
    }
    auto booked = app.bookings().book(*account, date, context.form_value("captcha_id"),
                                      context.form_value("captcha_answer"), context.form_value("idempotency_key"));
    count_booking(app, booked);
    if (booked) return app.redirect(context, "/bookings/" + booked.value().booking.booking_number + "?new=1");

    // The date may have left the window since the form was shown.
    const auto day = window_day(app, date);
    if (!day) return app.json_error(context, booked.error());
    return render_confirm(app, context, *account, *day, booked.error());
  });

  app.add_route(http::verb::get, "/bookings", [&app](RequestContext& context) {
    const auto account = app.current_account(context);
    if (!account) return app.redirect(context, "/login");
    data page;
    data list{data::type::list};
    // The service lists them newest booking date first.
    for (const auto& booking : app.bookings().bookings_of(*account)) list.push_back(booking_data(app, context, booking));
    page.set("bookings", list);
    if (const auto cancelled = context.query.find("cancelled"); cancelled != context.query.end()) {
      if (const auto booking = own_booking(app, *account, cancelled->second)) {
        page.set("notice", fill_placeholders(ui(app, context, "bookings_cancelled_notice"),
                                {{"number", booking->booking_number},
                                 {"date", format_day(app, context, booking->date)}}));
      }
    }
    return app.page(context, "bookings", "bookings_title", page);
  });

  app.add_route(http::verb::get, "/bookings/{number}", [&app](RequestContext& context) {
    const auto account = app.current_account(context);
    if (!account) return app.redirect(context, "/login");
    const auto booking = own_booking(app, *account, context.params["number"]);
    if (!booking) return not_found_page(app, context);
    return render_detail(app, context, *booking);
  });

  app.add_route(http::verb::get, "/bookings/{number}/cancel", [&app](RequestContext& context) {
    const auto account = app.current_account(context);
    if (!account) return app.redirect(context, "/login");
    const auto booking = own_booking(app, *account, context.params["number"]);
    if (!booking) return not_found_page(app, context);
    return render_cancel(app, context, *booking, std::nullopt);
  });

  app.add_route(http::verb::post, "/bookings/{number}/cancel", [&app](RequestContext& context) {
    const auto account = app.current_account(context);
    if (!account) return app.redirect(context, "/login");
    const std::string& number = context.params["number"];
    auto cancelled = app.bookings().cancel(*account, number);
    if (cancelled) return app.redirect(context, "/bookings?cancelled=" + number);

    const auto booking = own_booking(app, *account, number);
    if (!booking) return not_found_page(app, context);
    // A second submit of the same form finds the booking already cancelled:
    // the traveller wanted exactly that.
    if (booking->status == "cancelled") return app.redirect(context, "/bookings?cancelled=" + number);
    return render_cancel(app, context, *booking, cancelled.error());
  });

  app.add_route(http::verb::get, "/publicity", [&app](RequestContext& context) {
    return app.page(context, "publicity", "publicity_title", publicity_data(app, context));
  });
}

}  // namespace yizhan::web

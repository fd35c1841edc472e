// The waiting room: the check on the booking path that makes an arrival
// wait for its turn, the /queue page that shows the place, the queue API
// (POST and GET /api/v1/queue) and the room's metrics. With
// waiting_room_admit_per_second at 0 the booking path never consults the
// room, and the queue routes return 404 queue.off.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "web/http_util.h"
#include "web/json_input.h"
#include "web/waiting_room_views.h"

namespace yizhan::web {
namespace {

using kainjow::mustache::data;
using service::WaitingRoom;

// Seconds between reloads of the queue page when JavaScript is off.
constexpr int kPageRefreshSeconds = 5;
// Bounds of Retry-After on queue.waiting: at least a second, and at most
// half a minute so that a client learns of a faster queue soon enough.
constexpr int kMinRetrySeconds = 1;
constexpr int kMaxRetrySeconds = 30;

const char* presented_name(WaitingRoom::PresentedTicket presented) {
  switch (presented) {
    case WaitingRoom::PresentedTicket::none: return "none";
    case WaitingRoom::PresentedTicket::valid: return "valid";
    case WaitingRoom::PresentedTicket::stale: return "stale";
    case WaitingRoom::PresentedTicket::invalid: return "invalid";
    case WaitingRoom::PresentedTicket::other_account: return "other_account";
  }
  return "unknown";
}

// The ticket from the Queue-Ticket header, else from the yz_queue cookie.
std::string presented_ticket(RequestContext& context) {
  const std::string header(to_std(context.request["Queue-Ticket"]));
  return header.empty() ? context.cookie(kQueueCookie) : header;
}

// Logs a presented ticket that did not count; never the ticket itself.
void log_refusal(RequestContext& context, std::int64_t account_id, WaitingRoom::PresentedTicket presented) {
  if (presented != WaitingRoom::PresentedTicket::invalid &&
      presented != WaitingRoom::PresentedTicket::other_account) {
    return;
  }
  spdlog::info("event=queue_ticket_rejected request_id={} account_id={} reason={}", context.request_id,
               account_id, presented_name(presented));
}

void remember_ticket(RequestContext& context, const WaitingRoom::TicketStatus& status) {
  if (status.ticket.empty() || context.cookie(kQueueCookie) == status.ticket) return;
  CookieOptions options;
  options.secure = to_std(context.request["X-Forwarded-Proto"]) == "https";
  context.set_cookies.push_back(format_set_cookie(kQueueCookie, status.ticket, options));
  context.cookies[std::string(kQueueCookie)] = status.ticket;
}

// The end of an admission window on the server's clock. The room counts on
// the steady clock, so the remaining time is carried over to "now".
service::Instant wall_time(App& app, WaitingRoom::TimePoint until, WaitingRoom::TimePoint now) {
  const auto left = std::chrono::ceil<std::chrono::seconds>(std::max(until - now, WaitingRoom::TimePoint::duration{}));
  return app.clock().now() + left;
}

nlohmann::json status_json(App& app, const WaitingRoom::TicketStatus& status, WaitingRoom::TimePoint now) {
  nlohmann::json body = {{"ticket", status.ticket},
                         {"position", status.position},
                         {"estimated_wait_seconds", status.estimated_wait_seconds},
                         {"admitted", status.admitted},
                         {"admitted_until", nullptr}};
  if (status.admitted) body["admitted_until"] = app.zone().format_rfc3339(wall_time(app, status.admitted_until, now));
  return body;
}

const std::string& ui(App& app, RequestContext& context, const std::string& key) {
  return app.catalogs().text(context.language, key);
}


// "About 40 seconds" below a minute, else whole minutes rounded up.
std::string wait_text(App& app, RequestContext& context, int seconds) {
  if (seconds < 60) return fill_placeholders(ui(app, context, "queue_wait_seconds"), {{"seconds", std::to_string(seconds)}});
  return fill_placeholders(ui(app, context, "queue_wait_minutes"), {{"minutes", std::to_string((seconds + 59) / 60)}});
}

// Local "10:00:05" on the server's clock.
std::string clock_text(App& app, service::Instant instant) {
  const auto seconds = app.zone().to_local(instant).time_of_day.count();
  char text[16];
  std::snprintf(text, sizeof text, "%02d:%02d:%02d", static_cast<int>(seconds / 3600 % 24),
                static_cast<int>(seconds / 60 % 60), static_cast<int>(seconds % 60));
  return text;
}

// The ?date= of the page when it is a date of the booking window, else "":
// only such a date is carried on to a booking link.
std::string booking_window_date(App& app, RequestContext& context) {
  const auto found = context.query.find("date");
  if (found == context.query.end() || !service::parse_date(found->second)) return "";
  for (const auto& day : app.bookings().availability()) {
    if (day.date == found->second) return day.date;
  }
  return "";
}

Response queue_off(App& app, RequestContext& context) {
  return app.json_error(context, make_error(ErrorKind::not_found, "queue.off"));
}

Response render_queue_page(App& app, RequestContext& context, const WaitingRoom::TicketStatus& status,
                           WaitingRoom::TimePoint now) {
  std::string date = booking_window_date(app, context);
  const std::string book_href = date.empty() ? "/book" : "/book/" + date;

  data page;
  page.set("book_href", book_href);
  page.set("refresh_href", date.empty() ? "/queue" : "/queue?date=" + date);
  page.set("updated", clock_text(app, app.clock().now()));
  page.set("zone", app.zone().name());
  if (status.admitted) {
    page.set("admitted", true);
    page.set("turn_notice",
             fill_placeholders(ui(app, context, "queue_turn_notice"),
                               {{"until", clock_text(app, wall_time(app, status.admitted_until, now))}}));
  } else {
    page.set("waiting", true);
    page.set("refresh_seconds", std::to_string(kPageRefreshSeconds));
    page.set("position", std::to_string(status.position));
    page.set("wait", wait_text(app, context, status.estimated_wait_seconds));
    page.set("wait_seconds_text", ui(app, context, "queue_wait_seconds"));
    page.set("wait_minutes_text", ui(app, context, "queue_wait_minutes"));
  }
  return app.page(context, "queue", "queue_title", page);
}

}  // namespace

std::optional<Response> wait_for_turn(App& app, RequestContext& context, const store::Account& account,
                                      const std::string& date) {
  WaitingRoom& room = app.waiting_room();
  if (!room.enabled()) return std::nullopt;

  const auto now = std::chrono::steady_clock::now();
  const auto status = room.arrive(account.id, presented_ticket(context), now);
  log_refusal(context, account.id, status.presented);
  remember_ticket(context, status);
  if (status.admitted) return std::nullopt;

  spdlog::debug("event=queue_waiting request_id={} account_id={} position={}", context.request_id, account.id,
                status.position);
  // A booking request sent back to wait is one of the booking outcomes.
  if (context.request.method() == http::verb::post) app.metrics().count_booking("queue.waiting");
  if (context.path.rfind("/api/", 0) != 0) return app.redirect(context, "/queue?date=" + date);

  Error error = make_error(ErrorKind::rate_limited, "queue.waiting");
  error.retry_after_seconds = std::clamp(status.estimated_wait_seconds, kMinRetrySeconds, kMaxRetrySeconds);
  error.params["position"] = std::to_string(status.position);
  error.params["seconds"] = std::to_string(status.estimated_wait_seconds);
  // The error object keeps its fixed shape; the ticket travels beside it.
  return app.json_error(context, error, {{"queue", status_json(app, status, now)}});
}

void register_waiting_room_routes(App& app) {
  WaitingRoom& room = app.waiting_room();
  app.metrics().add_gauge("yizhan_waiting_room_waiting", "Waiting room tickets not yet admitted.", [&room] {
    return static_cast<double>(room.counters(std::chrono::steady_clock::now()).waiting);
  });
  app.metrics().add_counter("yizhan_waiting_room_admitted_total",
                            "Waiting room admissions: arrivals passed straight through and tickets whose turn came.",
                            [&room] {
                              return static_cast<double>(room.counters(std::chrono::steady_clock::now()).admitted_total);
                            });
  app.metrics().add_counter("yizhan_waiting_room_tickets_total", "Waiting room tickets issued to arrivals that had to wait.",
                            [&room] {
                              return static_cast<double>(room.counters(std::chrono::steady_clock::now()).tickets_total);
                            });
  app.metrics().add_counter("yizhan_waiting_room_abandoned_total",
                            "Waiting room tickets dropped at their turn because nobody had asked about them lately.",
                            [&room] {
                              return static_cast<double>(
                                  room.counters(std::chrono::steady_clock::now()).abandoned_total);
                            });
  app.metrics().add_gauge("yizhan_waiting_room_admit_per_second",
                          "Configured waiting room admissions per second; 0 when the room is off.",
                          [&room] { return static_cast<double>(room.settings().admit_per_second); });

  // Joining is what an arrival on the booking path does, so a traveller who
  // is first in an empty queue is admitted at once.
  app.add_route(http::verb::post, "/api/v1/queue", [&app, &room](RequestContext& context) {
    const auto account = app.current_account(context);
    if (!account) return app.json_error(context, make_error(ErrorKind::unauthenticated, "auth.required"));
    if (!room.enabled()) return queue_off(app, context);
    if (!context.request.body().empty()) {
      auto body = read_json_object(context.request.body(), {});
      if (!body) return app.json_error(context, body.error());
    }
    const auto now = std::chrono::steady_clock::now();
    const auto status = room.arrive(account->id, presented_ticket(context), now);
    log_refusal(context, account->id, status.presented);
    remember_ticket(context, status);
    return app.json(context, http::status::ok, status_json(app, status, now));
  }, RunOn::network_first);

  app.add_route(http::verb::get, "/api/v1/queue", [&app, &room](RequestContext& context) {
    const auto account = app.current_account(context);
    if (!account) return app.json_error(context, make_error(ErrorKind::unauthenticated, "auth.required"));
    if (!room.enabled()) return queue_off(app, context);
    const auto now = std::chrono::steady_clock::now();
    const auto lookup = room.find(account->id, presented_ticket(context), now);
    log_refusal(context, account->id, lookup.status.presented);
    if (!lookup.found) return app.json_error(context, make_error(ErrorKind::not_found, "queue.no_ticket"));
    remember_ticket(context, lookup.status);
    return app.json(context, http::status::ok, status_json(app, lookup.status, now));
  }, RunOn::network_first);

  // Opening the page joins the queue like an arrival on the booking path,
  // so reloading it keeps the place and opening it cold takes one.
  app.add_route(http::verb::get, "/queue", [&app, &room](RequestContext& context) {
    const auto account = app.current_account(context);
    if (!account) return app.redirect(context, "/login");
    // A traveller who has booked has nothing left to queue for.
    if (const auto booked = app.bookings().active_booking(account->id)) {
      return app.redirect(context, "/bookings/" + booked->booking_number);
    }
    if (!room.enabled()) {
      const std::string date = booking_window_date(app, context);
      return app.redirect(context, date.empty() ? "/book" : "/book/" + date);
    }
    const auto now = std::chrono::steady_clock::now();
    const auto status = room.arrive(account->id, presented_ticket(context), now);
    log_refusal(context, account->id, status.presented);
    remember_ticket(context, status);
    return render_queue_page(app, context, status, now);
  });
}

}  // namespace yizhan::web

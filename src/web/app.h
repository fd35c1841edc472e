// App: everything one yizhan server process serves, wired together: the
// services, the message catalogs, templates, static files, metrics and the
// route table. `handle` turns one request into one response and never
// throws; it runs on worker threads and is thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "domain/staff_role.h"
#include "service/account_service.h"
#include "service/booking_service.h"
#include "service/captcha_service.h"
#include "service/clock.h"
#include "service/config.h"
#include "service/divisions.h"
#include "service/profile_service.h"
#include "service/rate_limiter.h"
#include "service/slip_keys.h"
#include "service/trusted_proxies.h"
#include "service/waiting_room.h"
#include "store/store.h"
#include "web/beast.h"
#include "web/http_server.h"
#include "web/i18n.h"
#include "web/metrics.h"
#include "web/static_files.h"
#include "web/templates.h"

namespace yizhan::web {

inline constexpr std::string_view kSessionCookie = "yz_session";
inline constexpr std::string_view kStaffSessionCookie = "yz_staff";
inline constexpr std::string_view kLanguageCookie = "lang";
inline constexpr std::string_view kCsrfCookie = "yz_csrf";

// One request on its way through the App.
struct RequestContext : std::enable_shared_from_this<RequestContext> {
  Request request;
  std::string path;  // decoded, without the query
  std::map<std::string, std::string> query;
  std::map<std::string, std::string> cookies;
  std::map<std::string, std::string> params;  // {name} segments of the route
  std::string client_address;
  std::string request_id;
  std::string route_name = "unmatched";  // the matched route's pattern, for metrics and logs
  std::chrono::steady_clock::time_point started;
  std::string language;
  std::string csrf_token;               // the form token of this browser
  std::map<std::string, std::string> form;  // fields of a posted HTML form
  std::vector<std::string> set_cookies;  // added to the response
  // The traveller of the session cookie, looked up once per request.
  std::optional<std::optional<store::Account>> account_lookup;
  // Handled on a network thread (RunOn::network_first): nothing may wait.
  bool on_network_thread = false;
  bool network_first_route = false;  // the matched route is RunOn::network_first
  // Set by App::answer_later: the response comes later through it.
  std::shared_ptr<LateResponse> late;

  std::string cookie(std::string_view name) const;
  // A field of the posted form, or "" when it is absent.
  std::string form_value(const std::string& name) const;
};

using Handler = std::function<Response(RequestContext&)>;

// The thread a route's handler runs on. A network-first handler runs on the
// connection's network thread and must not wait there for a disk sync, a
// password hash or a lock held by such work. When it would, it throws
// NeedsWorker (or the service's WouldWait) before changing anything, and
// the request is handled again from the start on a worker thread. Routes
// that everyone hits at the opening are network-first; the rest need not be.
enum class RunOn { worker, network_first };
struct NeedsWorker {};

class App {
 public:
  App(service::Config config, store::Store& store, service::Clock& clock,
      service::AdjustableClock* test_clock);

  Response handle(Request&& request, const std::string& client_address);
  // Handles `request` on a network thread. Returns the response if the
  // route is network-first and needed no waiting (at once, or later through
  // a LateResponse), else neither, with `request` unchanged.
  QuickAnswer handle_quickly(Request& request, const std::string& client_address);
  // The answer to a request that could not be read completely; `headers`
  // are its header fields when they were read, else null.
  Response read_error(http::status status, const std::string& code, const Request* headers);
  // Builds the response when too many requests wait for the workers: 503
  // with Retry-After, as JSON or a page in the reader's language.
  Response overloaded(const Request& request);

  void add_route(http::verb method, std::string pattern, Handler handler, RunOn run_on = RunOn::worker);

  // For a network-first handler on a network thread whose response waits
  // for work on another thread (a booking waiting for the writer's commit).
  // Returns the function to call once, from any thread, with what builds
  // the response; the connection waits without holding a thread, and the
  // builder runs on its network thread. The handler then returns any
  // response; it is discarded.
  using LateBuilder = std::function<Response(RequestContext&)>;
  std::function<void(LateBuilder)> answer_later(RequestContext& context);

  // Shared helpers for handlers.
  Response json(RequestContext& context, http::status status, const nlohmann::json& body);
  // `extra` members, when given, go into the body beside "error" (API only).
  Response json_error(RequestContext& context, const Error& error, const nlohmann::json& extra = nullptr);
  Response redirect(RequestContext& context, const std::string& location);
  // Render `page` inside the layout, with `data` merged over the common data.
  Response page(RequestContext& context, const std::string& page, const std::string& title_key,
                kainjow::mustache::data data, http::status status = http::status::ok);
  std::string error_text(RequestContext& context, const Error& error) const;

  // Session lookups from the request's cookies.
  std::optional<store::Account> current_account(RequestContext& context);
  std::optional<store::Staff> current_staff(RequestContext& context);
  // The signed-in staff member if their role grants `permission`. Otherwise
  // nullopt, and `refusal` holds the answer: 401 (or the login page) when
  // nobody is signed in, 403 when the role lacks the permission.
  std::optional<store::Staff> staff_with(RequestContext& context, domain::Permission permission, Response& refusal);
  void set_session_cookie(RequestContext& context, std::string_view name, const service::SignedIn& signed_in);
  void clear_cookie(RequestContext& context, std::string_view name);
  void set_language_cookie(RequestContext& context, const std::string& language);

  // Rate limit per client address; nullopt when allowed.
  std::optional<Error> limit_client(RequestContext& context, const std::string& action, int per_minute);
  // Booking requests: the per-address and per-account budgets; nullopt when
  // allowed. A network-first request handled again on a worker was counted
  // in its first pass and is not counted twice.
  std::optional<Error> limit_booking(RequestContext& context, std::int64_t account_id);
  // Set when the server tries network-first routes on the network threads.
  void set_network_first(bool enabled) { network_first_ = enabled; }
  // Form posts: the csrf field must equal the browser's csrf cookie.
  bool csrf_ok(RequestContext& context, const std::map<std::string, std::string>& form) const;

  const service::Config& config() const { return config_; }
  store::Store& store() { return store_; }
  service::Clock& clock() { return clock_; }
  service::AdjustableClock* test_clock() { return test_clock_; }
  const service::TimeZone& zone() const { return zone_; }
  service::CaptchaService& captchas() { return captchas_; }
  service::AccountService& accounts() { return accounts_; }
  service::ProfileService& profiles() { return profiles_; }
  service::BookingService& bookings() { return bookings_; }
  service::WaitingRoom& waiting_room() { return waiting_room_; }
  const service::Divisions& divisions() const { return divisions_; }
  const Catalogs& catalogs() const { return catalogs_; }
  Metrics& metrics() { return metrics_; }
  // The slip signing keys, one reloading view shared by the slip and port
  // routes, so that signing and verifying switch to a rotated key together.
  const std::shared_ptr<service::SlipKeyDirectory>& slip_keys() const { return slip_keys_; }

 private:
  struct Route {
    http::verb method;
    std::string pattern;
    std::vector<std::string> segments;
    Handler handler;
    RunOn run_on = RunOn::worker;
  };

  QuickAnswer handle_on(Request& request, const std::string& client_address, bool on_network_thread);
  // Calls `produce` and returns its response, or the error response when it
  // throws a store or other error. NeedsWorker and WouldWait pass through.
  Response guarded(RequestContext& context, const std::function<Response()>& produce);
  // Adds the common headers, counts and logs the response.
  Response conclude(RequestContext& context, Response response);

  Response dispatch(RequestContext& context, std::string& route_name);
  Response finish(RequestContext& context, Response response);
  std::optional<Error> check_cross_site(RequestContext& context, bool is_api) const;
  std::optional<Response> require_password_change(RequestContext& context, bool is_api);
  // The client's address, from X-Forwarded-For when `peer` is a trusted proxy.
  std::string behind_proxies(const RequestContext& context, const std::string& peer) const;
  // "GET, HEAD, POST" for the routes whose pattern matches these segments.
  std::string allowed_methods(const std::vector<std::string>& segments) const;

  service::Config config_;
  store::Store& store_;
  service::Clock& clock_;
  service::AdjustableClock* test_clock_;  // null outside test mode
  service::TimeZone zone_;
  service::CaptchaService captchas_;
  service::AccountService accounts_;
  service::Divisions divisions_;
  service::ProfileService profiles_;
  service::BookingService bookings_;
  service::RateLimiter rate_limiter_;
  const service::TrustedProxies trusted_proxies_{config_.trusted_proxies};
  service::WaitingRoom waiting_room_{service::waiting_room_settings(config_)};
  Catalogs catalogs_;
  Templates templates_;
  Metrics metrics_;
  std::shared_ptr<service::SlipKeyDirectory> slip_keys_;
  std::vector<Route> routes_;
  bool network_first_ = false;

  // API error bodies that depend only on the language and the code (no
  // field, no placeholders), such as the sold-out response that most rush
  // requests receive. Each is built once, then copied. The key is the
  // language, a newline and the code.
  mutable std::shared_mutex plain_errors_mutex_;
  std::unordered_map<std::string, std::string> plain_errors_;  // guarded by plain_errors_mutex_
};

// Route groups, one file each.
void register_system_routes(App& app);
void register_account_api(App& app);
void register_account_pages(App& app);
void register_staff_routes(App& app);
void register_admin_routes(App& app);
void register_profile_routes(App& app);
void register_booking_api(App& app);
void register_booking_pages(App& app);
void register_quota_routes(App& app);
void register_quota_pages(App& app);
void register_password_routes(App& app);
void register_slip_routes(App& app);
void register_port_routes(App& app);
void register_no_show_routes(App& app);
void register_co_resident_routes(App& app);
void register_waiting_room_routes(App& app);

}  // namespace yizhan::web

namespace yizhan::web {

// The back-office menu entries that `staff`'s role may open, as a mustache
// list of {id, href, label, current}. Used by every back-office page.
kainjow::mustache::data admin_menu(App& app, RequestContext& context, const store::Staff& staff);

// Shared by the account API and pages.
nlohmann::json account_summary(App& app, const store::Account& account);
std::string captcha_data_url(const service::IssuedCaptcha& captcha);

}  // namespace yizhan::web

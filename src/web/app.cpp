#include "web/app.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <cstdint>

#include "domain/text.h"
#include "service/crypto.h"
#include "web/http_util.h"

namespace yizhan::web {
namespace {

http::status status_for(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::malformed: return http::status::bad_request;
    case ErrorKind::unauthenticated: return http::status::unauthorized;
    case ErrorKind::forbidden: return http::status::forbidden;
    case ErrorKind::not_found: return http::status::not_found;
    case ErrorKind::conflict: return http::status::conflict;
    case ErrorKind::invalid: return http::status::unprocessable_entity;
    case ErrorKind::too_large: return http::status::payload_too_large;
    case ErrorKind::unsupported: return http::status::unsupported_media_type;
    case ErrorKind::rate_limited: return http::status::too_many_requests;
    case ErrorKind::unavailable: return http::status::service_unavailable;
  }
  return http::status::internal_server_error;
}

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> segments;
  std::size_t start = 1;
  while (start <= path.size()) {
    auto end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    segments.emplace_back(path.substr(start, end - start));
    start = end + 1;
  }
  return segments;
}

bool looks_like_token(std::string_view value) {
  if (value.size() < 16 || value.size() > 64) return false;
  for (char c : value) {
    const bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!allowed) return false;
  }
  return true;
}

bool is_write(http::verb method) {
  return method == http::verb::post || method == http::verb::put || method == http::verb::patch ||
         method == http::verb::delete_;
}

}  // namespace

std::string RequestContext::cookie(std::string_view name) const {
  const auto found = cookies.find(std::string(name));
  return found == cookies.end() ? std::string() : found->second;
}

App::App(service::Config config, store::Store& store, service::Clock& clock, service::AdjustableClock* test_clock)
    : config_(std::move(config)),
      store_(store),
      clock_(clock),
      test_clock_(test_clock),
      zone_(config_.zone),
      captchas_(store_, clock_, config_.captcha_lifetime_seconds, config_.test_mode),
      accounts_(store_, clock_, zone_, config_, captchas_),
      divisions_(config_.divisions_file),
      profiles_(store_, clock_, zone_, divisions_),
      bookings_(store_, clock_, zone_, service::booking_policy(config_), captchas_, config_.test_mode,
                static_cast<std::size_t>(config_.booking_batch_limit)),
      catalogs_(config_.share_dir + "/i18n"),
      templates_(config_.share_dir + "/templates") {
  slip_keys_ = std::make_shared<service::SlipKeyDirectory>(service::slip_key_directory(config_), true);
  metrics_.add_gauge("yizhan_booking_writer_queue", "Booking attempts waiting for or in the writer's transaction.",
                     [this] { return static_cast<double>(bookings_.writer_queue_length()); });
  metrics_.add_gauge("yizhan_booking_requests_in_flight",
                     "Accounts with a booking request past the sold-out check, at most one each.",
                     [this] { return static_cast<double>(bookings_.requests_in_flight()); });
  register_system_routes(*this);
  register_account_api(*this);
  register_account_pages(*this);
  register_staff_routes(*this);
  register_admin_routes(*this);
  register_profile_routes(*this);
  register_booking_api(*this);
  register_booking_pages(*this);
  register_quota_routes(*this);
  register_quota_pages(*this);
  register_password_routes(*this);
  register_slip_routes(*this);
  register_port_routes(*this);
  register_no_show_routes(*this);
  register_co_resident_routes(*this);
  register_waiting_room_routes(*this);
}

void App::add_route(http::verb method, std::string pattern, Handler handler, RunOn run_on) {
  Route route{method, pattern, split_path(pattern), std::move(handler), run_on};
  routes_.push_back(std::move(route));
}

std::string RequestContext::form_value(const std::string& name) const {
  const auto found = form.find(name);
  return found == form.end() ? std::string() : found->second;
}

namespace {

// Request ids only tie log lines together, so they need to be unique, not
// secret: a random prefix per process and a counter, without a system call.
std::string next_request_id() {
  static const std::string prefix = service::random_token(6);
  static std::atomic<std::uint64_t> counter{0};
  return prefix + std::to_string(counter.fetch_add(1, std::memory_order_relaxed));
}

}  // namespace

Response App::handle(Request&& request, const std::string& client_address) {
  return std::move(*handle_on(request, client_address, false).response);
}

QuickAnswer App::handle_quickly(Request& request, const std::string& client_address) {
  return handle_on(request, client_address, true);
}

std::string App::behind_proxies(const RequestContext& context, const std::string& peer) const {
  // Repeated header lines form one list, in order (RFC 9110, section 5.3).
  std::string forwarded_for;
  const auto [first, last] = context.request.equal_range("X-Forwarded-For");
  for (auto line = first; line != last; ++line) {
    if (!forwarded_for.empty()) forwarded_for += ',';
    forwarded_for += to_std(line->value());
  }
  return trusted_proxies_.client_address(peer, forwarded_for);
}

QuickAnswer App::handle_on(Request& request, const std::string& client_address, bool on_network_thread) {
  // Shared, because a handler that responds later (answer_later) keeps the
  // context until then.
  auto context = std::make_shared<RequestContext>();
  context->started = std::chrono::steady_clock::now();
  context->request = std::move(request);
  context->client_address = trusted_proxies_.empty() ? client_address : behind_proxies(*context, client_address);
  context->request_id = next_request_id();
  context->language = config_.default_language;
  context->on_network_thread = on_network_thread;

  Response response;
  try {
    response = guarded(*context, [&] { return dispatch(*context, context->route_name); });
  } catch (const NeedsWorker&) {
    request = std::move(context->request);
    return {};
  } catch (const service::BookingService::WouldWait&) {
    request = std::move(context->request);
    return {};
  }
  if (context->late) return QuickAnswer{std::nullopt, context->late};
  return QuickAnswer{conclude(*context, std::move(response)), nullptr};
}

Response App::guarded(RequestContext& context, const std::function<Response()>& produce) {
  try {
    return produce();
  } catch (const store::StoreError& error) {
    // Nothing will deliver the late response the handler set up before it failed.
    context.late.reset();
    spdlog::error("event=store_error request_id={} route={} error=\"{}\"", context.request_id, context.route_name,
                  error.what());
    Response response = json_error(context, make_error(ErrorKind::unavailable, "service.unavailable"));
    response.set(http::field::retry_after, "5");
    return response;
  } catch (const std::exception& error) {
    context.late.reset();
    spdlog::error("event=handler_error request_id={} route={} error=\"{}\"", context.request_id, context.route_name,
                  error.what());
    Error internal = make_error(ErrorKind::unavailable, "service.internal_error");
    Response response = json_error(context, internal);
    response.result(http::status::internal_server_error);
    return response;
  }
}

Response App::conclude(RequestContext& context, Response response) {
  response = finish(context, std::move(response));
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - context.started).count();
  metrics_.observe_request(context.route_name, static_cast<int>(response.result_int()), seconds);
  spdlog::info("event=request request_id={} client={} method={} route={} status={} ms={:.2f}", context.request_id,
               context.client_address, std::string(context.request.method_string()), context.route_name,
               response.result_int(), seconds * 1000);
  return response;
}

std::function<void(App::LateBuilder)> App::answer_later(RequestContext& context) {
  context.late = std::make_shared<LateResponse>();
  return [this, owner = context.shared_from_this(), late = context.late](LateBuilder build) {
    late->deliver([this, owner, build = std::move(build)] {
      owner->late.reset();
      RequestContext& context = *owner;
      return conclude(context, guarded(context, [&] { return build(context); }));
    });
  };
}

Response App::read_error(http::status status, const std::string& code, const Request* headers) {
  RequestContext context;
  context.request_id = next_request_id();
  context.language = config_.default_language;
  if (headers) {
    context.cookies = parse_cookies(to_std((*headers)[http::field::cookie]));
    context.language = negotiate_language(context.cookie(kLanguageCookie),
                                          to_std((*headers)[http::field::accept_language]), config_.default_language);
  }
  // Answered as JSON: a request that could not be read may be an API call,
  // and a browser shows JSON text readably enough.
  context.path = "/api/";
  Error error = make_error(ErrorKind::malformed, code);
  Response response = json_error(context, error);
  response.result(status);
  spdlog::info("event=request_unreadable request_id={} status={} code={}", context.request_id,
               static_cast<int>(status), code);
  return finish(context, std::move(response));
}

Response App::overloaded(const Request& request) {
  RequestContext context;
  context.request_id = next_request_id();
  context.cookies = parse_cookies(to_std(request[http::field::cookie]));
  context.language = negotiate_language(context.cookie(kLanguageCookie),
                                        to_std(request[http::field::accept_language]), config_.default_language);
  const std::string_view target(request.target().data(), request.target().size());
  context.path = std::string(target.substr(0, target.find('?')));
  context.request.method(request.method());
  context.request.version(request.version());
  Error error = make_error(ErrorKind::unavailable, "service.overloaded");
  error.retry_after_seconds = 2;
  Response response = json_error(context, error);
  metrics_.observe_request("overloaded", static_cast<int>(response.result_int()), 0);
  spdlog::info("event=overloaded request_id={} path={}", context.request_id, context.path);
  return finish(context, std::move(response));
}

Response App::dispatch(RequestContext& context, std::string& route_name) {
  const std::string_view target(context.request.target().data(), context.request.target().size());
  const auto question = target.find('?');
  const auto decoded_path = percent_decode(target.substr(0, question), false);
  // An undecodable path is kept raw so that its error answer still knows
  // whether it was an API call.
  context.path = decoded_path ? *decoded_path : std::string(target.substr(0, question));
  context.cookies = parse_cookies(to_std(context.request[http::field::cookie]));
  context.language = negotiate_language(context.cookie(kLanguageCookie),
                                        to_std(context.request[http::field::accept_language]),
                                        config_.default_language);
  const bool is_api = context.path.rfind("/api/", 0) == 0;

  if (!decoded_path || target.empty() || target.front() != '/' || !domain::is_valid_utf8(context.path) ||
      context.path.find('\0') != std::string::npos) {
    return json_error(context, make_error(ErrorKind::malformed, "request.malformed_path"));
  }
  if (question != std::string_view::npos) {
    auto query = parse_url_encoded(target.substr(question + 1));
    if (!query) return json_error(context, make_error(ErrorKind::malformed, "request.malformed_query"));
    context.query = std::move(*query);
  }

  // Find the route; a path that exists under another method is a 405.
  const http::verb method =
      context.request.method() == http::verb::head ? http::verb::get : context.request.method();
  const auto segments = split_path(context.path);
  const Route* matched = nullptr;
  bool path_known = false;
  for (const Route& route : routes_) {
    if (route.segments.size() != segments.size()) continue;
    std::map<std::string, std::string> params;
    bool same = true;
    for (std::size_t i = 0; i < segments.size() && same; ++i) {
      const std::string& expected = route.segments[i];
      if (expected.size() > 2 && expected.front() == '{' && expected.back() == '}') {
        if (segments[i].empty()) same = false;
        params[expected.substr(1, expected.size() - 2)] = segments[i];
      } else {
        same = expected == segments[i];
      }
    }
    if (!same) continue;
    path_known = true;
    if (route.method == method) {
      matched = &route;
      context.params = std::move(params);
      break;
    }
  }
  if (!matched) {
    if (path_known) {
      route_name = "method_not_allowed";
      Response response = json_error(context, make_error(ErrorKind::malformed, "request.method_not_allowed"));
      response.result(http::status::method_not_allowed);
      response.set(http::field::allow, allowed_methods(segments));
      return response;
    }
    return json_error(context, make_error(ErrorKind::not_found, "request.not_found"));
  }
  route_name = matched->pattern;
  context.network_first_route = matched->run_on == RunOn::network_first;
  if (context.on_network_thread && !context.network_first_route) throw NeedsWorker{};

  if (is_write(method)) {
    if (auto error = check_cross_site(context, is_api)) return json_error(context, *error);
  }
  if (!is_api && method == http::verb::post) {
    const std::string_view type = to_std(context.request[http::field::content_type]);
    if (type.rfind("application/x-www-form-urlencoded", 0) != 0) {
      return json_error(context, make_error(ErrorKind::unsupported, "request.expected_form"));
    }
    auto form = parse_url_encoded(context.request.body());
    if (!form) return json_error(context, make_error(ErrorKind::malformed, "request.malformed_form"));
    for (const auto& [name, value] : *form) {
      if (!domain::is_valid_utf8(name) || !domain::is_valid_utf8(value)) {
        return json_error(context, make_error(ErrorKind::malformed, "request.invalid_utf8"));
      }
    }
    context.form = std::move(*form);
    if (!csrf_ok(context, context.form)) {
      return json_error(context, make_error(ErrorKind::forbidden, "request.csrf_failed"));
    }
  }
  if (auto refusal = require_password_change(context, is_api)) return std::move(*refusal);
  return matched->handler(context);
}

std::optional<Response> App::require_password_change(RequestContext& context, bool is_api) {
  // After an administrator's reset the traveller may only change the
  // password (or sign out) until it is changed.
  static const std::vector<std::string_view> kTravellerAreas = {"/me", "/book", "/bookings", "/api/v1/me",
                                                                "/api/v1/bookings"};
  static const std::vector<std::string_view> kAllowed = {"/me/password", "/api/v1/me/password", "/api/v1/me"};
  const bool traveller_area = std::any_of(kTravellerAreas.begin(), kTravellerAreas.end(), [&](std::string_view area) {
    return context.path == area || context.path.rfind(std::string(area) + "/", 0) == 0;
  });
  const bool allowed = std::find(kAllowed.begin(), kAllowed.end(), context.path) != kAllowed.end();
  if (!traveller_area || allowed || context.cookie(kSessionCookie).empty()) return std::nullopt;
  const auto account = current_account(context);
  if (!account || !account->must_change_password) return std::nullopt;
  if (is_api) return json_error(context, make_error(ErrorKind::forbidden, "account.password_change_required"));
  return redirect(context, "/me/password");
}

std::string App::allowed_methods(const std::vector<std::string>& segments) const {
  std::vector<std::string> methods;
  for (const Route& route : routes_) {
    if (route.segments.size() != segments.size()) continue;
    bool same = true;
    for (std::size_t i = 0; i < segments.size() && same; ++i) {
      const std::string& expected = route.segments[i];
      const bool placeholder = expected.size() > 2 && expected.front() == '{' && expected.back() == '}';
      same = placeholder ? !segments[i].empty() : expected == segments[i];
    }
    if (!same) continue;
    methods.emplace_back(to_std(http::to_string(route.method)));
    if (route.method == http::verb::get) methods.emplace_back("HEAD");
  }
  std::string joined;
  for (const auto& method : methods) joined += (joined.empty() ? "" : ", ") + method;
  return joined;
}

std::optional<Error> App::check_cross_site(RequestContext& context, bool is_api) const {
  // A browser names the page's origin on cross-site writes; it must be ours.
  const std::string_view origin = to_std(context.request[http::field::origin]);
  if (!origin.empty()) {
    const std::string_view host = to_std(context.request[http::field::host]);
    const auto scheme_end = origin.find("://");
    const bool same_site =
        scheme_end != std::string_view::npos && !host.empty() && origin.substr(scheme_end + 3) == host;
    if (!same_site) return make_error(ErrorKind::forbidden, "request.cross_origin");
  }
  if (is_api) {
    // A body must be declared JSON: browsers cannot send that type across
    // sites without a preflight. A write without a body (POST .../submit)
    // carries nothing to type, and SameSite cookies keep it same-site.
    const bool needs_json = !context.request.body().empty();
    const std::string_view type = to_std(context.request[http::field::content_type]);
    if (needs_json && type.rfind("application/json", 0) != 0) {
      return make_error(ErrorKind::unsupported, "request.expected_json");
    }
  }
  return std::nullopt;
}

bool App::csrf_ok(RequestContext& context, const std::map<std::string, std::string>& form) const {
  const auto field = form.find("csrf");
  const std::string cookie = context.cookie(kCsrfCookie);
  return field != form.end() && looks_like_token(cookie) && service::equal_in_constant_time(field->second, cookie);
}

Response App::finish(RequestContext& context, Response response) {
  response.set(http::field::server, "yizhan");
  response.set("X-Request-Id", context.request_id);
  response.set("X-Content-Type-Options", "nosniff");
  response.set("X-Frame-Options", "DENY");
  response.set("Referrer-Policy", "same-origin");
  response.set("Content-Security-Policy",
               "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
               "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
  if (!response.count(http::field::cache_control)) response.set(http::field::cache_control, "no-store");
  for (const std::string& cookie : context.set_cookies) response.insert(http::field::set_cookie, cookie);
  response.version(context.request.version() ? context.request.version() : 11);
  response.prepare_payload();
  if (context.request.method() == http::verb::head) {
    const auto length = response.body().size();
    response.body().clear();
    response.content_length(length);
  }
  return response;
}

namespace {

std::string dump_json(const nlohmann::json& body) {
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Response json_text(http::status status, std::string body) {
  Response response{status, 11};
  response.set(http::field::content_type, "application/json; charset=utf-8");
  response.body() = std::move(body);
  return response;
}

}  // namespace

Response App::json(RequestContext&, http::status status, const nlohmann::json& body) {
  return json_text(status, dump_json(body));
}

std::string App::error_text(RequestContext& context, const Error& error) const {
  // Messages name the offending field in the reader's language.
  if (error.field.empty() || error.params.count("field")) return catalogs_.error_message(context.language, error);
  Error named = error;
  const std::string key = "field_" + error.field;
  const std::string& label = catalogs_.text(context.language, key);
  named.params["field"] = label == key ? error.field : label;
  return catalogs_.error_message(context.language, named);
}

Response App::json_error(RequestContext& context, const Error& error, const nlohmann::json& extra) {
  const bool is_api = context.path.rfind("/api/", 0) == 0 || context.path.empty();
  Response response;
  const auto build_body = [&] {
    nlohmann::json body;
    body["error"]["code"] = error.code;
    body["error"]["message"] = error_text(context, error);
    body["error"]["field"] = error.field.empty() ? nlohmann::json(nullptr) : nlohmann::json(error.field);
    if (extra.is_object()) body.update(extra);
    return dump_json(body);
  };
  if (is_api) {
    const bool plain = error.field.empty() && error.params.empty() && error.message_key.empty() && extra.is_null();
    std::string body;
    if (plain) {
      const std::string key = context.language + "\n" + error.code;
      {
        std::shared_lock lock(plain_errors_mutex_);
        if (const auto found = plain_errors_.find(key); found != plain_errors_.end()) body = found->second;
      }
      if (body.empty()) {
        body = build_body();
        std::unique_lock lock(plain_errors_mutex_);
        plain_errors_.emplace(key, body);
      }
    } else {
      body = build_body();
    }
    response = json_text(status_for(error.kind), std::move(body));
  } else {
    kainjow::mustache::data data;
    data.set("message", error_text(context, error));
    response = page(context, "error", "error_title", data, status_for(error.kind));
  }
  if (error.retry_after_seconds > 0) response.set(http::field::retry_after, std::to_string(error.retry_after_seconds));
  return response;
}

Response App::redirect(RequestContext&, const std::string& location) {
  Response response{http::status::see_other, 11};
  response.set(http::field::location, location);
  return response;
}

Response App::page(RequestContext& context, const std::string& page, const std::string& title_key,
                   kainjow::mustache::data data, http::status status) {
  // Every page may hold a form, so every page makes sure the browser has a
  // CSRF token (a cookie that forms echo in a hidden field).
  context.csrf_token = context.cookie(kCsrfCookie);
  if (!looks_like_token(context.csrf_token)) {
    context.csrf_token = service::random_token(24);
    CookieOptions options;
    options.same_site = "Strict";
    context.set_cookies.push_back(format_set_cookie(kCsrfCookie, context.csrf_token, options));
    context.cookies[std::string(kCsrfCookie)] = context.csrf_token;
  }
  data.set("t", catalogs_.ui_data(context.language));
  data.set("lang", context.language);
  data.set("csrf", context.csrf_token);
  data.set("support_email", config_.support_email);
  data.set("title", catalogs_.text(context.language, title_key));

  // Language links return to the same page.
  std::string here = std::string(context.request.target());
  if (!is_local_path(here) || context.request.method() != http::verb::get) here = context.path;
  kainjow::mustache::data languages{kainjow::mustache::data::type::list};
  for (std::string_view language : kLanguages) {
    kainjow::mustache::data link;
    link.set("code", std::string(language));
    link.set("label", catalogs_.text(std::string(language), "language_name"));
    link.set("href", "/lang?to=" + std::string(language) + "&next=" + percent_encode(here));
    link.set("current", language == context.language);
    languages.push_back(link);
  }
  data.set("languages", languages);

  if (auto account = current_account(context)) {
    data.set("signed_in", true);
  } else if (auto staff = current_staff(context); staff && context.path.rfind("/admin", 0) == 0) {
    data.set("staff_signed_in", true);
    data.set("staff_username", staff->username);
  }

  data.set("body", templates_.render(page, data));
  Response response{status, 11};
  response.set(http::field::content_type, "text/html; charset=utf-8");
  response.body() = templates_.render("layout", data);
  return response;
}

std::optional<store::Account> App::current_account(RequestContext& context) {
  if (!context.account_lookup) {
    const std::string token = context.cookie(kSessionCookie);
    context.account_lookup = token.empty() ? std::nullopt : accounts_.account_for_session(token);
  }
  return *context.account_lookup;
}

std::optional<store::Staff> App::current_staff(RequestContext& context) {
  const std::string token = context.cookie(kStaffSessionCookie);
  if (token.empty()) return std::nullopt;
  return accounts_.staff_for_session(token);
}

std::optional<store::Staff> App::staff_with(RequestContext& context, domain::Permission permission,
                                            Response& refusal) {
  const bool is_api = context.path.rfind("/api/", 0) == 0;
  auto staff = current_staff(context);
  if (!staff) {
    refusal = is_api ? json_error(context, make_error(ErrorKind::unauthenticated, "auth.required"))
                     : redirect(context, "/admin/login");
    return std::nullopt;
  }
  const auto role = domain::parse_staff_role(staff->role);
  if (!role || !domain::role_allows(*role, permission)) {
    refusal = json_error(context, make_error(ErrorKind::forbidden, "staff.role_forbidden"));
    return std::nullopt;
  }
  return staff;
}

void App::set_session_cookie(RequestContext& context, std::string_view name, const service::SignedIn& signed_in) {
  CookieOptions options;
  options.max_age_seconds = static_cast<int>(signed_in.lifetime.count());
  options.secure = to_std(context.request["X-Forwarded-Proto"]) == "https";
  context.set_cookies.push_back(format_set_cookie(name, signed_in.token, options));
  context.cookies[std::string(name)] = signed_in.token;
  context.account_lookup.reset();

  // A language chosen on this browser before signing in wins and is
  // remembered on the account; without one, the account's language applies.
  const std::string chosen = context.cookie(kLanguageCookie);
  if (is_supported_language(chosen)) {
    if (chosen != signed_in.language) {
      if (name == kStaffSessionCookie) {
        store_.set_staff_language(signed_in.subject_id, chosen);
      } else {
        store_.set_account_language(signed_in.subject_id, chosen);
      }
    }
  } else if (is_supported_language(signed_in.language) && signed_in.language != context.language) {
    set_language_cookie(context, signed_in.language);
  }
}

void App::clear_cookie(RequestContext& context, std::string_view name) {
  CookieOptions options;
  options.max_age_seconds = 0;
  context.set_cookies.push_back(format_set_cookie(name, "", options));
  context.cookies.erase(std::string(name));
  context.account_lookup.reset();
}

void App::set_language_cookie(RequestContext& context, const std::string& language) {
  CookieOptions options;
  options.max_age_seconds = 365 * 24 * 3600;
  options.http_only = false;
  context.set_cookies.push_back(format_set_cookie(kLanguageCookie, language, options));
  context.language = language;
}

// NOTE: the budgets are counted in this process only. With several servers
// behind one address, a client gets each server's budget.
std::optional<Error> App::limit_booking(RequestContext& context, std::int64_t account_id) {
  if (network_first_ && context.network_first_route && !context.on_network_thread) return std::nullopt;
  if (auto limited = limit_client(context, "booking", config_.booking_rate_per_minute)) return limited;
  const int wait = rate_limiter_.acquire("booking-account:" + std::to_string(account_id),
                                         config_.booking_account_rate_per_minute, std::chrono::steady_clock::now());
  if (wait == 0) return std::nullopt;
  Error error = make_error(ErrorKind::rate_limited, "request.rate_limited");
  error.retry_after_seconds = wait;
  error.params["seconds"] = std::to_string(wait);
  return error;
}

std::optional<Error> App::limit_client(RequestContext& context, const std::string& action, int per_minute) {
  const int wait = rate_limiter_.acquire(action + ":" + service::address_budget_key(context.client_address), per_minute,
                                         std::chrono::steady_clock::now());
  if (wait == 0) return std::nullopt;
  Error error = make_error(ErrorKind::rate_limited, "request.rate_limited");
  error.retry_after_seconds = wait;
  error.params["seconds"] = std::to_string(wait);
  return error;
}

}  // namespace yizhan::web

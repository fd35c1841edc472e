// The staff entrance: sign-in for the back office (JSON and pages) and the
// back-office home. Staff sessions use their own cookie, separate from
// travellers'.
#include "web/app.h"
#include "web/json_input.h"

namespace yizhan::web {
namespace {

using kainjow::mustache::data;

nlohmann::json staff_summary(const store::Staff& staff) {
  return {{"staff_id", staff.id}, {"username", staff.username}, {"role", staff.role}};
}

Response render_staff_login(App& app, RequestContext& context, const std::optional<Error>& error) {
  data page;
  page.set("username", context.form_value("username"));
  if (error) page.set("error", app.error_text(context, *error));
  const auto status = !error                                        ? http::status::ok
                      : error->kind == ErrorKind::rate_limited      ? http::status::too_many_requests
                      : error->kind == ErrorKind::unauthenticated   ? http::status::unauthorized
                                                                    : http::status::unprocessable_entity;
  Response response = app.page(context, "admin_login", "admin_login_title", page, status);
  if (error && error->retry_after_seconds > 0) {
    response.set(http::field::retry_after, std::to_string(error->retry_after_seconds));
  }
  return response;
}

}  // namespace

void register_staff_routes(App& app) {
  app.add_route(http::verb::post, "/api/v1/staff/session", [&app](RequestContext& context) {
    if (auto limited = app.limit_client(context, "login", app.config().login_rate_per_minute)) {
      return app.json_error(context, *limited);
    }
    auto body = read_json_object(context.request.body(),
                                 {{"username", JsonType::string, true}, {"password", JsonType::string, true}});
    if (!body) return app.json_error(context, body.error());
    service::StaffLoginRequest request{string_member(body.value(), "username"), string_member(body.value(), "password")};
    auto signed_in = app.accounts().staff_login(request);
    if (!signed_in) return app.json_error(context, signed_in.error());
    app.set_session_cookie(context, kStaffSessionCookie, signed_in.value());
    const auto staff = app.store().find_staff_by_id(signed_in.value().subject_id);
    return app.json(context, http::status::ok, staff_summary(*staff));
  });

  app.add_route(http::verb::delete_, "/api/v1/staff/session", [&app](RequestContext& context) {
    app.accounts().logout(context.cookie(kStaffSessionCookie));
    app.clear_cookie(context, kStaffSessionCookie);
    return Response{http::status::no_content, 11};
  });

  app.add_route(http::verb::get, "/api/v1/staff/me", [&app](RequestContext& context) {
    const auto staff = app.current_staff(context);
    if (!staff) return app.json_error(context, make_error(ErrorKind::unauthenticated, "auth.required"));
    return app.json(context, http::status::ok, staff_summary(*staff));
  });

  app.add_route(http::verb::get, "/admin/login", [&app](RequestContext& context) {
    if (app.current_staff(context)) return app.redirect(context, "/admin");
    return render_staff_login(app, context, std::nullopt);
  });

  app.add_route(http::verb::post, "/admin/login", [&app](RequestContext& context) {
    if (auto limited = app.limit_client(context, "login", app.config().login_rate_per_minute)) {
      return render_staff_login(app, context, *limited);
    }
    service::StaffLoginRequest request{context.form_value("username"), context.form_value("password")};
    auto signed_in = app.accounts().staff_login(request);
    if (!signed_in) return render_staff_login(app, context, signed_in.error());
    app.set_session_cookie(context, kStaffSessionCookie, signed_in.value());
    return app.redirect(context, "/admin");
  });

  app.add_route(http::verb::get, "/admin", [&app](RequestContext& context) {
    const auto staff = app.current_staff(context);
    if (!staff) return app.redirect(context, "/admin/login");
    data page;
    page.set("username", staff->username);
    page.set("role_label", app.catalogs().text(context.language, "role_" + staff->role));
    page.set("menu", admin_menu(app, context, *staff));
    return app.page(context, "admin_home", "admin_title", page);
  });

  app.add_route(http::verb::post, "/admin/logout", [&app](RequestContext& context) {
    app.accounts().logout(context.cookie(kStaffSessionCookie));
    app.clear_cookie(context, kStaffSessionCookie);
    return app.redirect(context, "/admin/login");
  });
}

}  // namespace yizhan::web

// The traveller's own password change, required after an administrator
// reset it to a one-time password.
#include "web/app.h"
#include "web/json_input.h"

namespace yizhan::web {
namespace {

Response render_password_page(App& app, RequestContext& context, const store::Account& account,
                              const std::optional<Error>& error) {
  kainjow::mustache::data page;
  page.set("must_change", account.must_change_password);
  if (error) page.set("error", app.error_text(context, *error));
  if (context.query.count("changed")) page.set("notice", app.catalogs().text(context.language, "password_changed_notice"));
  return app.page(context, "password", "password_title", page,
                  error ? http::status::unprocessable_entity : http::status::ok);
}

}  // namespace

void register_password_routes(App& app) {
  app.add_route(http::verb::put, "/api/v1/me/password", [&app](RequestContext& context) {
    const auto account = app.current_account(context);
    if (!account) return app.json_error(context, make_error(ErrorKind::unauthenticated, "auth.required"));
    auto body = read_json_object(context.request.body(), {{"current_password", JsonType::string, false},
                                                          {"new_password", JsonType::string, true},
                                                          {"new_password_confirm", JsonType::string, true}});
    if (!body) return app.json_error(context, body.error());
    auto signed_in = app.accounts().change_password(*account, string_member(body.value(), "current_password"),
                                                    string_member(body.value(), "new_password"),
                                                    string_member(body.value(), "new_password_confirm"));
    if (!signed_in) return app.json_error(context, signed_in.error());
    app.set_session_cookie(context, kSessionCookie, signed_in.value());
    return app.json(context, http::status::ok, {{"changed", true}});
  });

  app.add_route(http::verb::get, "/me/password", [&app](RequestContext& context) {
    const auto account = app.current_account(context);
    if (!account) return app.redirect(context, "/login");
    return render_password_page(app, context, *account, std::nullopt);
  });

  app.add_route(http::verb::post, "/me/password", [&app](RequestContext& context) {
    const auto account = app.current_account(context);
    if (!account) return app.redirect(context, "/login");
    auto signed_in = app.accounts().change_password(*account, context.form_value("current_password"),
                                                    context.form_value("new_password"),
                                                    context.form_value("new_password_confirm"));
    if (!signed_in) return render_password_page(app, context, *account, signed_in.error());
    app.set_session_cookie(context, kSessionCookie, signed_in.value());
    return app.redirect(context, "/me?password_changed=1");
  });
}

}  // namespace yizhan::web

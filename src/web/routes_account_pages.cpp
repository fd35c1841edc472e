// Server-rendered pages for travellers: login, registration, the personal
// center, sign-out and "switch account". They work without JavaScript and
// call the same AccountService as the JSON API.
#include "domain/id_document.h"
#include "domain/no_show_rules.h"
#include "web/app.h"

namespace yizhan::web {
namespace {

using kainjow::mustache::data;

constexpr std::array<std::string_view, 4> kIdTypes = {"hk_macau_permit", "home_return_permit", "passport",
                                                      "resident_id"};

data id_type_options(App& app, RequestContext& context, const std::string& selected) {
  data options{data::type::list};
  for (std::string_view type : kIdTypes) {
    data option;
    option.set("value", std::string(type));
    option.set("label", app.catalogs().text(context.language, "id_type_" + std::string(type)));
    option.set("selected", selected == type);
    options.push_back(option);
  }
  return options;
}

// Data for the login and registration forms: a fresh captcha (unless the
// client has asked for too many), the ID type choices and any error.
data form_data(App& app, RequestContext& context, const std::string& id_type, const std::string& id_number,
               const std::optional<Error>& error) {
  data page;
  page.set("id_types", id_type_options(app, context, id_type));
  page.set("id_number", id_number);
  if (auto limited = app.limit_client(context, "captcha", app.config().captcha_rate_per_minute)) {
    page.set("captcha_error", app.error_text(context, *limited));
  } else {
    const auto captcha = app.captchas().issue();
    page.set("captcha_id", captcha.id);
    page.set("captcha_image", captcha_data_url(captcha));
  }
  if (error) {
    page.set("error", app.error_text(context, *error));
    page.set("error_field", error->field);
    page.set("error_on_" + (error->field.empty() ? std::string("form") : error->field), true);
  }
  return page;
}

http::status status_of(const Error& error) {
  switch (error.kind) {
    case ErrorKind::unauthenticated: return http::status::unauthorized;
    case ErrorKind::conflict: return http::status::conflict;
    case ErrorKind::rate_limited: return http::status::too_many_requests;
    case ErrorKind::malformed: return http::status::bad_request;
    default: return http::status::unprocessable_entity;
  }
}

// A page that answers a rate limit or lock says when to retry, as the API does.
Response with_retry_after(Response response, const std::optional<Error>& error) {
  if (error && error->retry_after_seconds > 0) {
    response.set(http::field::retry_after, std::to_string(error->retry_after_seconds));
  }
  return response;
}

Response render_login(App& app, RequestContext& context, const std::optional<Error>& error) {
  auto page = form_data(app, context, context.form_value("id_type"), context.form_value("id_number"), error);
  if (context.query.count("switched")) page.set("notice", app.catalogs().text(context.language, "switched_notice"));
  return with_retry_after(app.page(context, "login", "login_title", page, error ? status_of(*error) : http::status::ok),
                          error);
}

Response render_register(App& app, RequestContext& context, const std::optional<Error>& error) {
  auto page = form_data(app, context, context.form_value("id_type"), context.form_value("id_number"), error);
  page.set("consent_checked", context.form_value("consent") == "on");
  return with_retry_after(
      app.page(context, "register", "register_title", page, error ? status_of(*error) : http::status::ok), error);
}

}  // namespace

void register_account_pages(App& app) {
  app.add_route(http::verb::get, "/", [&app](RequestContext& context) {
    return app.redirect(context, app.current_account(context) ? "/me" : "/login");
  });

  app.add_route(http::verb::get, "/login", [&app](RequestContext& context) {
    if (app.current_account(context)) return app.redirect(context, "/me");
    return render_login(app, context, std::nullopt);
  });

  app.add_route(http::verb::post, "/login", [&app](RequestContext& context) {
    if (auto limited = app.limit_client(context, "login", app.config().login_rate_per_minute)) {
      return render_login(app, context, *limited);
    }
    service::LoginRequest request;
    request.id_type = context.form_value("id_type");
    request.id_number = context.form_value("id_number");
    request.password = context.form_value("password");
    request.captcha_id = context.form_value("captcha_id");
    request.captcha_answer = context.form_value("captcha_answer");
    auto signed_in = app.accounts().login(request);
    if (!signed_in) return render_login(app, context, signed_in.error());
    app.set_session_cookie(context, kSessionCookie, signed_in.value());
    return app.redirect(context, "/me");
  });

  app.add_route(http::verb::get, "/register", [&app](RequestContext& context) {
    return render_register(app, context, std::nullopt);
  });

  app.add_route(http::verb::post, "/register", [&app](RequestContext& context) {
    if (auto limited = app.limit_client(context, "register", app.config().register_rate_per_minute)) {
      return render_register(app, context, *limited);
    }
    service::RegisterRequest request;
    request.id_type = context.form_value("id_type");
    request.id_number = context.form_value("id_number");
    request.password = context.form_value("password");
    request.password_confirm = context.form_value("password_confirm");
    request.captcha_id = context.form_value("captcha_id");
    request.captcha_answer = context.form_value("captcha_answer");
    request.consent = context.form_value("consent") == "on";
    request.consent_text = app.catalogs().text(context.language, "consent_declaration");
    request.language = context.language;
    auto signed_in = app.accounts().register_account(request);
    if (!signed_in) return render_register(app, context, signed_in.error());
    app.set_session_cookie(context, kSessionCookie, signed_in.value());
    // As in the original system: registering logs in and opens the
    // personal-information form.
    return app.redirect(context, "/me/profile?registered=1");
  });

  app.add_route(http::verb::get, "/me", [&app](RequestContext& context) {
    const auto account = app.current_account(context);
    if (!account) return app.redirect(context, "/login");
    const auto profile = app.profiles().find(account->id);
    const std::string status = service::ProfileService::review_status(profile);
    data page;
    // Mustache treats even an empty string as true, so set the name only
    // when there is one.
    if (profile && !profile->name.empty()) page.set("name", profile->name);
    page.set("id_type_label", app.catalogs().text(context.language, "id_type_" + account->id_type));
    page.set("id_number_masked", domain::mask_id_number(account->id_number));
    page.set("review_status", app.catalogs().text(context.language, "review_status_" + status));
    page.set("review_status_code", status);
    if (profile && !profile->reject_reason.empty() && status != "approved") {
      page.set("reject_reason", app.catalogs().text(context.language, "reject_reason_" + profile->reject_reason));
      page.set("reject_note", profile->reject_note);
    }
    page.set("no_show_count", std::to_string(account->consecutive_no_shows));
    const std::string today = service::format_date(app.zone().to_local(app.clock().now()).date);
    if (domain::is_banned_on(account->banned_until, today)) {
      std::string notice = app.catalogs().text(context.language, "me_ban_notice");
      const std::string placeholder = "{banned_until}";
      if (const auto at = notice.find(placeholder); at != std::string::npos) {
        notice.replace(at, placeholder.size(), account->banned_until);
      }
      page.set("banned_until", account->banned_until);
      page.set("ban_notice", notice);
    }
    if (context.query.count("registered")) {
      page.set("notice", app.catalogs().text(context.language, "registered_notice"));
    } else if (context.query.count("password_changed")) {
      page.set("notice", app.catalogs().text(context.language, "password_changed_notice"));
    } else if (context.query.count("submitted")) {
      page.set("notice", app.catalogs().text(context.language, "profile_submitted_notice"));
    }
    return app.page(context, "me", "me_title", page);
  });

  app.add_route(http::verb::post, "/logout", [&app](RequestContext& context) {
    app.accounts().logout(context.cookie(kSessionCookie));
    app.clear_cookie(context, kSessionCookie);
    return app.redirect(context, "/login");
  });

  app.add_route(http::verb::post, "/switch-account", [&app](RequestContext& context) {
    app.accounts().logout(context.cookie(kSessionCookie));
    app.clear_cookie(context, kSessionCookie);
    return app.redirect(context, "/login?switched=1");
  });
}

}  // namespace yizhan::web

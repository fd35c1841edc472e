// JSON API for travellers' accounts: captcha, registration, sign-in,
// sign-out and the account summary.
#include <sodium.h>

#include "domain/id_document.h"
#include "domain/no_show_rules.h"
#include "web/app.h"
#include "web/json_input.h"

namespace yizhan::web {
namespace {

std::string png_data_url(const std::string& png) {
  std::string encoded(sodium_base64_ENCODED_LEN(png.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(encoded.data(), encoded.size(), reinterpret_cast<const unsigned char*>(png.data()), png.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  encoded.resize(encoded.find('\0'));
  return "data:image/png;base64," + encoded;
}

}  // namespace

nlohmann::json account_summary(App& app, const store::Account& account) {
  const auto profile = app.profiles().find(account.id);
  const auto active = app.bookings().active_booking(account.id);
  const std::string today = service::format_date(app.zone().to_local(app.clock().now()).date);
  return {
      {"account_id", account.id},
      {"id_type", account.id_type},
      {"id_number_masked", domain::mask_id_number(account.id_number)},
      {"name", profile ? profile->name : std::string()},
      {"language", account.language},
      {"review_status", service::ProfileService::review_status(profile)},
      {"no_show_count", account.consecutive_no_shows},
      // The column keeps the last ban's end; report it only while it holds.
      {"banned_until", domain::is_banned_on(account.banned_until, today) ? nlohmann::json(account.banned_until)
                                                                          : nlohmann::json(nullptr)},
      {"active_booking", active ? nlohmann::json{{"booking_number", active->booking_number}, {"date", active->date}}
                                : nlohmann::json(nullptr)},
      {"must_change_password", account.must_change_password},
  };
}

std::string captcha_data_url(const service::IssuedCaptcha& captcha) { return png_data_url(captcha.png); }

void register_account_api(App& app) {
  app.add_route(http::verb::get, "/api/v1/captcha", [&app](RequestContext& context) {
    if (auto limited = app.limit_client(context, "captcha", app.config().captcha_rate_per_minute)) {
      return app.json_error(context, *limited);
    }
    const auto captcha = app.captchas().issue();
    return app.json(context, http::status::ok, {{"id", captcha.id}, {"image", png_data_url(captcha.png)}});
  });

  app.add_route(http::verb::post, "/api/v1/accounts", [&app](RequestContext& context) {
    if (auto limited = app.limit_client(context, "register", app.config().register_rate_per_minute)) {
      return app.json_error(context, *limited);
    }
    auto body = read_json_object(context.request.body(), {{"id_type", JsonType::string, true},
                                                          {"id_number", JsonType::string, true},
                                                          {"password", JsonType::string, true},
                                                          {"password_confirm", JsonType::string, true},
                                                          {"captcha_id", JsonType::string, true},
                                                          {"captcha_answer", JsonType::string, true},
                                                          {"consent", JsonType::boolean, true}});
    if (!body) return app.json_error(context, body.error());
    const auto& json = body.value();
    service::RegisterRequest request;
    request.id_type = string_member(json, "id_type");
    request.id_number = string_member(json, "id_number");
    request.password = string_member(json, "password");
    request.password_confirm = string_member(json, "password_confirm");
    request.captcha_id = string_member(json, "captcha_id");
    request.captcha_answer = string_member(json, "captcha_answer");
    request.consent = json["consent"].get<bool>();
    request.consent_text = app.catalogs().text(context.language, "consent_declaration");
    request.language = context.language;

    auto signed_in = app.accounts().register_account(request);
    if (!signed_in) return app.json_error(context, signed_in.error());
    app.set_session_cookie(context, kSessionCookie, signed_in.value());
    const auto account = app.store().find_account_by_id(signed_in.value().subject_id);
    return app.json(context, http::status::created, account_summary(app, *account));
  });

  app.add_route(http::verb::post, "/api/v1/session", [&app](RequestContext& context) {
    if (auto limited = app.limit_client(context, "login", app.config().login_rate_per_minute)) {
      return app.json_error(context, *limited);
    }
    auto body = read_json_object(context.request.body(), {{"id_type", JsonType::string, true},
                                                          {"id_number", JsonType::string, true},
                                                          {"password", JsonType::string, true},
                                                          {"captcha_id", JsonType::string, true},
                                                          {"captcha_answer", JsonType::string, true}});
    if (!body) return app.json_error(context, body.error());
    const auto& json = body.value();
    service::LoginRequest request;
    request.id_type = string_member(json, "id_type");
    request.id_number = string_member(json, "id_number");
    request.password = string_member(json, "password");
    request.captcha_id = string_member(json, "captcha_id");
    request.captcha_answer = string_member(json, "captcha_answer");

    auto signed_in = app.accounts().login(request);
    if (!signed_in) return app.json_error(context, signed_in.error());
    app.set_session_cookie(context, kSessionCookie, signed_in.value());
    const auto account = app.store().find_account_by_id(signed_in.value().subject_id);
    return app.json(context, http::status::ok, account_summary(app, *account));
  });

  app.add_route(http::verb::delete_, "/api/v1/session", [&app](RequestContext& context) {
    app.accounts().logout(context.cookie(kSessionCookie));
    app.clear_cookie(context, kSessionCookie);
    Response response{http::status::no_content, 11};
    return response;
  });

  app.add_route(http::verb::get, "/api/v1/me", [&app](RequestContext& context) {
    const auto account = app.current_account(context);
    if (!account) return app.json_error(context, make_error(ErrorKind::unauthenticated, "auth.required"));
    return app.json(context, http::status::ok, account_summary(app, *account));
  });

  app.add_route(http::verb::put, "/api/v1/me/language", [&app](RequestContext& context) {
    const auto account = app.current_account(context);
    if (!account) return app.json_error(context, make_error(ErrorKind::unauthenticated, "auth.required"));
    auto body = read_json_object(context.request.body(), {{"language", JsonType::string, true}});
    if (!body) return app.json_error(context, body.error());
    const std::string language = string_member(body.value(), "language");
    if (!is_supported_language(language)) {
      return app.json_error(context, make_error(ErrorKind::invalid, "request.language_unsupported", "language"));
    }
    app.accounts().remember_language(*account, language);
    app.set_language_cookie(context, language);
    return app.json(context, http::status::ok, {{"language", language}});
  });
}

}  // namespace yizhan::web

// Closing days, no-shows and bans for staff: the JSON API under
// /api/v1/staff (close a day, list bans, lift a ban) and the page
// /admin/bans, which lists bans, lifts them with a reason and closes a day
// by hand. Every handler checks the caller's permission (close_days or
// lift_bans: operators and administrators) before it reads the request.
#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
#include <string>

#include "domain/id_document.h"
#include "domain/staff_role.h"
#include "service/no_show_service.h"
#include "web/app.h"
#include "web/json_input.h"

namespace yizhan::web {

namespace {

using domain::Permission;
using kainjow::mustache::data;

constexpr std::string_view kBansPath = "/admin/bans";

service::Actor actor_of(const store::Staff& staff) { return service::Actor{staff.id, staff.username}; }

// The {name} segment of the path as a positive database id, or nullopt.
std::optional<std::int64_t> path_id(const RequestContext& context, const std::string& name) {
  const auto found = context.params.find(name);
  if (found == context.params.end()) return std::nullopt;
  const std::string& text = found->second;
  if (text.empty() || text.size() > 18) return std::nullopt;
  std::int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  if (value <= 0) return std::nullopt;
  return value;
}

std::string param_value(const RequestContext& context, const std::string& name) {
  const auto found = context.params.find(name);
  return found == context.params.end() ? std::string() : found->second;
}

http::status status_of(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::malformed: return http::status::bad_request;
    case ErrorKind::forbidden: return http::status::forbidden;
    case ErrorKind::not_found: return http::status::not_found;
    case ErrorKind::conflict: return http::status::conflict;
    default: return http::status::unprocessable_entity;
  }
}

nlohmann::json closed_day_json(const service::ClosedDay& closed) {
  return {{"date", closed.date},
          {"no_shows", closed.no_shows},
          {"bans", closed.bans},
          {"already_closed", closed.already_closed}};
}

nlohmann::json ban_json(const service::BanSummary& ban) {
  const store::Account& account = ban.account;
  return {{"account_id", account.id},
          {"id_type", account.id_type},
          {"id_number_masked", domain::mask_id_number(account.id_number)},
          {"name", ban.name},
          {"banned_until", account.banned_until},
          {"consecutive_no_shows", account.consecutive_no_shows},
          {"total_no_shows", account.total_no_shows}};
}

// ---------------------------------------------------------------------------
// JSON API

void register_no_show_api(App& app, const std::shared_ptr<service::NoShowService>& no_shows) {
  app.add_route(http::verb::post, "/api/v1/staff/days/{date}/close", [&app, no_shows](RequestContext& context) {
    Response refusal;
    const auto staff = app.staff_with(context, Permission::close_days, refusal);
    if (!staff) return refusal;
    auto closed = no_shows->close_day(actor_of(*staff), param_value(context, "date"));
    if (!closed) return app.json_error(context, closed.error());
    return app.json(context, http::status::ok, closed_day_json(closed.value()));
  });

  app.add_route(http::verb::get, "/api/v1/staff/bans", [&app, no_shows](RequestContext& context) {
    Response refusal;
    const auto staff = app.staff_with(context, Permission::lift_bans, refusal);
    if (!staff) return refusal;
    nlohmann::json bans = nlohmann::json::array();
    for (const auto& ban : no_shows->list_bans()) bans.push_back(ban_json(ban));
    return app.json(context, http::status::ok, bans);
  });

  app.add_route(http::verb::post, "/api/v1/staff/bans/{account_id}/lift", [&app, no_shows](RequestContext& context) {
    Response refusal;
    const auto staff = app.staff_with(context, Permission::lift_bans, refusal);
    if (!staff) return refusal;
    const auto account_id = path_id(context, "account_id");
    if (!account_id) return app.json_error(context, make_error(ErrorKind::not_found, "ban.account_not_found"));
    auto body = read_json_object(context.request.body(), {{"reason", JsonType::string, true}});
    if (!body) return app.json_error(context, body.error());
    auto lifted = no_shows->lift_ban(actor_of(*staff), *account_id, string_member(body.value(), "reason"));
    if (!lifted) return app.json_error(context, lifted.error());
    const store::Account& account = lifted.value();
    return app.json(context, http::status::ok,
                    {{"account_id", account.id},
                     {"banned_until", nullptr},
                     {"consecutive_no_shows", account.consecutive_no_shows},
                     {"total_no_shows", account.total_no_shows}});
  });
}

// ---------------------------------------------------------------------------
// Page

const std::string& ui(App& app, const RequestContext& context, const std::string& key) {
  return app.catalogs().text(context.language, key);
}

// A ui text with its {name} placeholders filled in.
std::string ui_with(App& app, const RequestContext& context, const std::string& key,
                    std::initializer_list<std::pair<std::string_view, std::string>> values) {
  std::string text = ui(app, context, key);
  for (const auto& [name, value] : values) {
    const std::string placeholder = "{" + std::string(name) + "}";
    if (const auto at = text.find(placeholder); at != std::string::npos) text.replace(at, placeholder.size(), value);
  }
  return text;
}

// The back-office menu with this page's entry marked as open.
data menu_for(App& app, RequestContext& context, const store::Staff& staff) {
  const data shared = admin_menu(app, context, staff);
  data menu{data::type::list};
  for (const data& entry : shared.list_value()) {
    data item = entry;
    const data* href = entry.get("href");
    item.set("current", href && href->is_string() && href->string_value() == kBansPath);
    menu.push_back(item);
  }
  return menu;
}

std::string closed_notice(App& app, RequestContext& context, const service::ClosedDay& closed) {
  if (closed.already_closed) return ui_with(app, context, "admin_bans_close_already", {{"date", closed.date}});
  return ui_with(app, context, "admin_bans_close_done",
                 {{"date", closed.date},
                  {"no_shows", std::to_string(closed.no_shows)},
                  {"bans", std::to_string(closed.bans)}});
}

// A form shown again after an error: the account whose lift failed (0 for
// the close-day form) and the text typed.
struct FailedForm {
  std::int64_t account_id = 0;
  std::string value;
};

Response render_bans(App& app, service::NoShowService& no_shows, RequestContext& context, const store::Staff& staff,
                     const std::string& notice, const std::optional<Error>& error,
                     const std::optional<FailedForm>& failed, http::status status = http::status::ok) {
  data page;
  page.set("menu", menu_for(app, context, staff));
  if (!notice.empty()) page.set("notice", notice);
  if (error) page.set("error", app.error_text(context, *error));

  data rows{data::type::list};
  const auto bans = no_shows.list_bans();
  for (const auto& ban : bans) {
    const std::string id = std::to_string(ban.account.id);
    data row;
    row.set("account_id", id);
    if (!ban.name.empty()) row.set("name", ban.name);
    row.set("id_type_label", ui(app, context, "id_type_" + ban.account.id_type));
    row.set("id_number_masked", domain::mask_id_number(ban.account.id_number));
    row.set("banned_until", ban.account.banned_until);
    row.set("total_no_shows", std::to_string(ban.account.total_no_shows));
    const bool failed_here = failed && failed->account_id == ban.account.id;
    row.set("reason", failed_here ? failed->value : std::string());
    rows.push_back(row);
  }
  page.set("bans", rows);
  page.set("empty", bans.empty());

  const auto role = domain::parse_staff_role(staff.role);
  page.set("can_close", role && domain::role_allows(*role, Permission::close_days));
  const bool failed_close = failed && failed->account_id == 0;
  const std::string today = no_shows.today();
  const auto yesterday = std::chrono::sys_days{*service::parse_date(today)} - std::chrono::days{1};
  page.set("close_date", failed_close ? failed->value : service::format_date(std::chrono::year_month_day{yesterday}));
  page.set("close_max", service::format_date(std::chrono::year_month_day{yesterday}));
  page.set("policy_text", ui_with(app, context, "admin_bans_policy",
                                  {{"limit", std::to_string(no_shows.policy().limit)},
                                   {"days", std::to_string(no_shows.policy().ban_days)}}));
  return app.page(context, "admin_bans", "admin_bans_title", page, status);
}

void register_no_show_pages(App& app, const std::shared_ptr<service::NoShowService>& no_shows) {
  app.add_route(http::verb::get, std::string(kBansPath), [&app, no_shows](RequestContext& context) {
    Response refusal;
    const auto staff = app.staff_with(context, Permission::lift_bans, refusal);
    if (!staff) return refusal;
    const auto notice = context.query.find("notice");
    const bool lifted = notice != context.query.end() && notice->second == "lifted";
    return render_bans(app, *no_shows, context, *staff, lifted ? ui(app, context, "admin_bans_lifted") : "",
                       std::nullopt, std::nullopt);
  });

  app.add_route(http::verb::post, std::string(kBansPath) + "/{account_id}/lift",
                [&app, no_shows](RequestContext& context) {
                  Response refusal;
                  const auto staff = app.staff_with(context, Permission::lift_bans, refusal);
                  if (!staff) return refusal;
                  const auto account_id = path_id(context, "account_id");
                  if (!account_id) {
                    return render_bans(app, *no_shows, context, *staff, "",
                                       make_error(ErrorKind::not_found, "ban.account_not_found"), std::nullopt,
                                       http::status::not_found);
                  }
                  const std::string reason = context.form_value("reason");
                  auto lifted = no_shows->lift_ban(actor_of(*staff), *account_id, reason);
                  if (!lifted) {
                    return render_bans(app, *no_shows, context, *staff, "", lifted.error(),
                                       FailedForm{*account_id, reason}, status_of(lifted.error().kind));
                  }
                  return app.redirect(context, std::string(kBansPath) + "?notice=lifted");
                });

  // The close-day form posts here; the page shows what the closing did.
  app.add_route(http::verb::post, std::string(kBansPath) + "/close-day", [&app, no_shows](RequestContext& context) {
    Response refusal;
    const auto staff = app.staff_with(context, Permission::close_days, refusal);
    if (!staff) return refusal;
    const std::string date = context.form_value("date");
    auto closed = no_shows->close_day(actor_of(*staff), date);
    if (!closed) {
      return render_bans(app, *no_shows, context, *staff, "", closed.error(), FailedForm{0, date},
                         status_of(closed.error().kind));
    }
    return render_bans(app, *no_shows, context, *staff, closed_notice(app, context, closed.value()), std::nullopt,
                       std::nullopt);
  });
}

}  // namespace

void register_no_show_routes(App& app) {
  auto no_shows = std::make_shared<service::NoShowService>(app.store(), app.clock(), app.zone(),
                                                           service::no_show_policy(app.config()));
  register_no_show_api(app, no_shows);
  register_no_show_pages(app, no_shows);
}

}  // namespace yizhan::web

// The traveller's personal information (填報個人信息): the form page with its
// step-by-step destination picker, the JSON API, and the division lookup the
// picker uses. Pages and API call the same ProfileService.
#include "domain/id_document.h"
#include "web/app.h"
#include "web/json_input.h"

namespace yizhan::web {
namespace {

using kainjow::mustache::data;

const std::string& division_name(const service::Division& division, const std::string& language) {
  return language == "zh-Hant" ? division.name_hant : division.name_hans;
}

nlohmann::json profile_json(App& app, RequestContext& context, const store::Profile& profile) {
  nlohmann::json body = {
      {"review_status", profile.status},
      {"name", profile.name},
      {"gender", profile.gender},
      {"birth_date", profile.birth_date},
      {"hk_mobile", profile.hk_mobile},
      {"mainland_mobile", profile.mainland_mobile},
      {"destination_code", profile.destination_code},
      {"destination_name", profile.destination_code.empty()
                               ? std::string()
                               : app.divisions().full_name(profile.destination_code, context.language)},
      {"consent", profile.consent},
      {"submitted_at", nullptr},
      {"reject_reason", profile.reject_reason.empty() ? nlohmann::json(nullptr) : nlohmann::json(profile.reject_reason)},
      {"reject_note", profile.reject_note},
  };
  if (profile.submitted_at) {
    body["submitted_at"] = app.zone().format_rfc3339(service::Instant{std::chrono::seconds(profile.submitted_at)});
  }
  return body;
}

// The first error as the API's error object, and all of them in "errors".
Response errors_response(App& app, RequestContext& context, const std::vector<Error>& errors) {
  Response response = app.json_error(context, errors.front());
  auto body = nlohmann::json::parse(response.body());
  body["errors"] = nlohmann::json::array();
  for (const Error& error : errors) {
    body["errors"].push_back({{"code", error.code},
                              {"message", app.error_text(context, error)},
                              {"field", error.field.empty() ? nlohmann::json(nullptr) : nlohmann::json(error.field)}});
  }
  response.body() = body.dump();
  return response;
}

data division_options(RequestContext& context, const std::vector<const service::Division*>& divisions,
                      const std::string& selected) {
  data options{data::type::list};
  for (const auto* division : divisions) {
    data option;
    option.set("value", division->code);
    option.set("label", division_name(*division, context.language));
    option.set("selected", division->code == selected);
    options.push_back(option);
  }
  return options;
}

// The three selects of the destination picker. Without JavaScript the
// traveller picks a province, presses "show cities", and so on; the page is
// re-rendered with the next level filled in.
// The three selects of the destination picker. Without JavaScript the
// traveller picks a province, presses "show the next level", and so on; the
// page is re-rendered with the next level filled in. A level that does not
// belong to the one above it (the province was changed) is cleared.
void add_destination_picker(App& app, RequestContext& context, data& page, std::string province, std::string city,
                            std::string county) {
  const auto& divisions = app.divisions();
  const auto parent_of = [&](const std::string& code) {
    const auto* division = divisions.find(code);
    return division ? division->parent_code : std::string();
  };
  if (!province.empty() && !divisions.find(province)) province.clear();
  if (!city.empty() && (province.empty() || parent_of(city) != province)) city.clear();
  if (!county.empty() && (city.empty() || parent_of(county) != city)) county.clear();

  page.set("provinces", division_options(context, divisions.provinces(), province));
  if (!province.empty()) page.set("cities", division_options(context, divisions.children(province), city));
  if (!city.empty()) {
    const auto counties = divisions.children(city);
    if (counties.empty()) {
      page.set("city_is_destination", true);
    } else {
      page.set("counties", division_options(context, counties, county));
    }
  }
}

// The picker's three levels for a stored destination code.
void add_stored_destination(App& app, RequestContext& context, data& page, const std::string& code) {
  const auto& divisions = app.divisions();
  std::string province, city, county;
  if (const auto* leaf = divisions.find(code)) {
    if (leaf->level == 3) {
      county = code;
      city = leaf->parent_code;
    } else if (leaf->level == 2) {
      city = code;
    }
    if (const auto* parent = divisions.find(city)) province = parent->parent_code;
  }
  add_destination_picker(app, context, page, province, city, county);
}

data profile_form_data(App& app, RequestContext& context, const store::Account& account,
                       const std::optional<store::Profile>& stored) {
  data page;
  store::Profile profile = stored.value_or(store::Profile{});
  page.set("id_type_label", app.catalogs().text(context.language, "id_type_" + account.id_type));
  page.set("id_number_masked", domain::mask_id_number(account.id_number));
  page.set("name", profile.name);
  page.set("gender_male", profile.gender == "male");
  page.set("gender_female", profile.gender == "female");
  page.set("birth_date", profile.birth_date);
  page.set("hk_mobile", profile.hk_mobile);
  page.set("mainland_mobile", profile.mainland_mobile);
  page.set("consent_checked", profile.consent);
  page.set("status_label", app.catalogs().text(context.language, "review_status_" + service::ProfileService::review_status(stored)));
  if (!profile.reject_reason.empty() && profile.status != "approved") {
    page.set("reject_reason", app.catalogs().text(context.language, "reject_reason_" + profile.reject_reason));
    page.set("reject_note", profile.reject_note);
  }
  add_stored_destination(app, context, page, profile.destination_code);
  return page;
}

// The form as typed, for re-rendering after an error or a picker step.
data typed_form_data(App& app, RequestContext& context, const store::Account& account,
                     const std::optional<store::Profile>& stored) {
  data page = profile_form_data(app, context, account, stored);
  page.set("name", context.form_value("name"));
  page.set("gender_male", context.form_value("gender") == "male");
  page.set("gender_female", context.form_value("gender") == "female");
  page.set("birth_date", context.form_value("birth_date"));
  page.set("hk_mobile", context.form_value("hk_mobile"));
  page.set("mainland_mobile", context.form_value("mainland_mobile"));
  page.set("consent_checked", context.form_value("consent") == "on");
  add_destination_picker(app, context, page, context.form_value("province"), context.form_value("city"),
                         context.form_value("county"));
  return page;
}

// The destination the form names: the county, or a city that has none.
std::string typed_destination(App& app, RequestContext& context) {
  // The county must belong to the chosen city and the city to the chosen
  // province; otherwise the form names no destination.
  const auto& divisions = app.divisions();
  const std::string province = context.form_value("province");
  const std::string city = context.form_value("city");
  const std::string county = context.form_value("county");
  const auto* city_division = divisions.find(city);
  if (!city_division || city_division->parent_code != province) return "";
  if (county.empty()) return divisions.children(city).empty() ? city : "";
  const auto* county_division = divisions.find(county);
  return county_division && county_division->parent_code == city ? county : "";
}

void add_errors(App& app, RequestContext& context, data& page, const std::vector<Error>& errors) {
  data list{data::type::list};
  for (const Error& error : errors) {
    data item;
    item.set("message", app.error_text(context, error));
    list.push_back(item);
    if (!error.field.empty()) page.set("error_on_" + error.field, true);
  }
  page.set("errors", list);
  page.set("has_errors", true);
}

http::status status_of(const std::vector<Error>& errors) {
  return errors.front().kind == ErrorKind::conflict ? http::status::conflict : http::status::unprocessable_entity;
}

}  // namespace

void register_profile_routes(App& app) {
  app.add_route(http::verb::get, "/api/v1/divisions", [&app](RequestContext& context) {
    const auto parent = context.query.find("parent");
    std::vector<const service::Division*> children;
    if (parent == context.query.end() || parent->second.empty()) {
      children = app.divisions().provinces();
    } else {
      if (!app.divisions().find(parent->second)) {
        return app.json_error(context, make_error(ErrorKind::not_found, "division.not_found", "parent"));
      }
      children = app.divisions().children(parent->second);
    }
    nlohmann::json list = nlohmann::json::array();
    for (const auto* division : children) {
      list.push_back({{"code", division->code},
                      {"name", division_name(*division, context.language)},
                      {"level", division->level},
                      {"has_children", division->has_children},
                      {"destination", app.divisions().is_destination(division->code)}});
    }
    Response response = app.json(context, http::status::ok, list);
    // The data only changes with a new build; let browsers keep it a day.
    response.set(http::field::cache_control, "public, max-age=86400");
    response.set(http::field::vary, "Accept-Language, Cookie");
    return response;
  });

  app.add_route(http::verb::get, "/api/v1/me/profile", [&app](RequestContext& context) {
    const auto account = app.current_account(context);
    if (!account) return app.json_error(context, make_error(ErrorKind::unauthenticated, "auth.required"));
    const auto profile = app.profiles().find(account->id);
    if (!profile) return app.json(context, http::status::ok, {{"review_status", "none"}});
    return app.json(context, http::status::ok, profile_json(app, context, *profile));
  });

  app.add_route(http::verb::put, "/api/v1/me/profile", [&app](RequestContext& context) {
    const auto account = app.current_account(context);
    if (!account) return app.json_error(context, make_error(ErrorKind::unauthenticated, "auth.required"));
    auto body = read_json_object(context.request.body(), {{"name", JsonType::string, false},
                                                          {"gender", JsonType::string, false},
                                                          {"birth_date", JsonType::string, false},
                                                          {"hk_mobile", JsonType::string, false},
                                                          {"mainland_mobile", JsonType::string, false},
                                                          {"destination_code", JsonType::string, false},
                                                          {"consent", JsonType::boolean, false}});
    if (!body) return app.json_error(context, body.error());
    const auto& json = body.value();
    service::ProfileChanges changes;
    auto take = [&json](const char* name, std::optional<std::string>& into) {
      if (json.contains(name) && json[name].is_string()) into = json[name].get<std::string>();
    };
    take("name", changes.name);
    take("gender", changes.gender);
    take("birth_date", changes.birth_date);
    take("hk_mobile", changes.hk_mobile);
    take("mainland_mobile", changes.mainland_mobile);
    take("destination_code", changes.destination_code);
    if (json.contains("consent") && json["consent"].is_boolean()) changes.consent = json["consent"].get<bool>();

    const auto outcome = app.profiles().save_draft(*account, changes);
    if (!outcome.ok()) return errors_response(app, context, outcome.errors);
    return app.json(context, http::status::ok, profile_json(app, context, *outcome.profile));
  });

  app.add_route(http::verb::post, "/api/v1/me/profile/submit", [&app](RequestContext& context) {
    const auto account = app.current_account(context);
    if (!account) return app.json_error(context, make_error(ErrorKind::unauthenticated, "auth.required"));
    if (!context.request.body().empty()) {
      auto body = read_json_object(context.request.body(), {});
      if (!body) return app.json_error(context, body.error());
    }
    const auto outcome = app.profiles().submit(*account);
    if (!outcome.ok()) return errors_response(app, context, outcome.errors);
    return app.json(context, http::status::ok, profile_json(app, context, *outcome.profile));
  });

  app.add_route(http::verb::get, "/me/profile", [&app](RequestContext& context) {
    const auto account = app.current_account(context);
    if (!account) return app.redirect(context, "/login");
    auto page = profile_form_data(app, context, *account, app.profiles().find(account->id));
    if (context.query.count("registered")) {
      page.set("notice", app.catalogs().text(context.language, "registered_notice"));
    } else if (context.query.count("saved")) {
      page.set("notice", app.catalogs().text(context.language, "profile_saved_notice"));
    }
    return app.page(context, "profile", "profile_title", page);
  });

  app.add_route(http::verb::post, "/me/profile", [&app](RequestContext& context) {
    const auto account = app.current_account(context);
    if (!account) return app.redirect(context, "/login");
    const std::string action = context.form_value("action");
    const auto stored = app.profiles().find(account->id);
    if (action != "save" && action != "submit") {
      // A picker step: show the next level, keep what was typed, store nothing.
      return app.page(context, "profile", "profile_title", typed_form_data(app, context, *account, stored));
    }

    service::ProfileChanges changes;
    changes.name = context.form_value("name");
    changes.gender = context.form_value("gender");
    changes.birth_date = context.form_value("birth_date");
    changes.hk_mobile = context.form_value("hk_mobile");
    changes.mainland_mobile = context.form_value("mainland_mobile");
    changes.destination_code = typed_destination(app, context);
    changes.consent = context.form_value("consent") == "on";
    const auto outcome = action == "submit" ? app.profiles().save_and_submit(*account, changes)
                                            : app.profiles().save_draft(*account, changes);
    if (!outcome.ok()) {
      auto page = typed_form_data(app, context, *account, app.profiles().find(account->id));
      add_errors(app, context, page, outcome.errors);
      return app.page(context, "profile", "profile_title", page, status_of(outcome.errors));
    }
    return app.redirect(context, action == "submit" ? "/me?submitted=1" : "/me/profile?saved=1");
  });
}

}  // namespace yizhan::web

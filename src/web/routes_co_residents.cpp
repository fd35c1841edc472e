// Co-residents (同住人管理): the traveller's list with each person's review
// status, the add form, removal with a confirmation step, and the JSON API.
// Pages and API call the same CoResidentService. Also the co-resident views
// of the back-office review pages (co_resident_views.h).
#include <memory>

#include "domain/id_document.h"
#include "service/co_resident_service.h"
#include "web/app.h"
#include "web/co_resident_views.h"
#include "web/json_input.h"

namespace yizhan::web {
namespace {

using kainjow::mustache::data;

const std::string& text(App& app, RequestContext& context, const std::string& key) {
  return app.catalogs().text(context.language, key);
}

// A positive database id from the {id} path segment: digits only.
std::optional<std::int64_t> path_id(const RequestContext& context) {
  const auto found = context.params.find("id");
  if (found == context.params.end() || found->second.empty() || found->second.size() > 18) return std::nullopt;
  std::int64_t value = 0;
  for (char c : found->second) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  if (value <= 0) return std::nullopt;
  return value;
}

nlohmann::json co_resident_json(App& app, const store::CoResident& co_resident) {
  nlohmann::json body = {
      {"id", co_resident.id},
      {"name", co_resident.name},
      {"relation", co_resident.relation},
      {"id_type", co_resident.id_type},
      {"id_number_masked", domain::mask_id_number(co_resident.id_number)},
      {"birth_date", co_resident.birth_date},
      {"gender", co_resident.gender},
      {"care_reason", co_resident.care_reason},
      {"care_note", co_resident.care_note},
      {"status", co_resident.status},
      {"reject_reason", co_resident.reject_reason.empty() ? nlohmann::json(nullptr)
                                                          : nlohmann::json(co_resident.reject_reason)},
      {"reject_note", co_resident.reject_note},
      {"created_at", app.zone().format_rfc3339(service::Instant{std::chrono::seconds(co_resident.created_at)})},
  };
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

http::status status_of(const Error& error) {
  switch (error.kind) {
    case ErrorKind::conflict:
      return http::status::conflict;
    case ErrorKind::not_found:
      return http::status::not_found;
    default:
      return http::status::unprocessable_entity;
  }
}

data options(App& app, RequestContext& context, const std::vector<std::string_view>& values,
             const std::string& key_prefix, const std::string& selected) {
  data list{data::type::list};
  for (std::string_view value : values) {
    data option;
    option.set("value", std::string(value));
    option.set("label", text(app, context, key_prefix + std::string(value)));
    option.set("selected", value == selected);
    list.push_back(option);
  }
  return list;
}

std::string care_label(App& app, RequestContext& context, const std::string& reason) {
  return text(app, context, "co_resident_care_" + (reason.empty() ? std::string("none") : reason));
}

data person_row(App& app, RequestContext& context, const store::CoResident& co_resident, bool locked) {
  data row;
  const std::string id = std::to_string(co_resident.id);
  row.set("id", id);
  row.set("name", co_resident.name);
  row.set("relation_label", text(app, context, "co_resident_relation_" + co_resident.relation));
  row.set("id_type_label", text(app, context, "id_type_" + co_resident.id_type));
  row.set("id_number_masked", domain::mask_id_number(co_resident.id_number));
  row.set("birth_date", co_resident.birth_date);
  row.set("gender_label", text(app, context, "gender_" + co_resident.gender));
  row.set("care_label", care_label(app, context, co_resident.care_reason));
  row.set("care_note", co_resident.care_note);
  row.set("status", co_resident.status);
  row.set("status_label", text(app, context, "co_resident_status_" + co_resident.status));
  if (co_resident.status == "rejected" && !co_resident.reject_reason.empty()) {
    row.set("reject_reason", text(app, context, "reject_reason_" + co_resident.reject_reason));
    row.set("reject_note", co_resident.reject_note);
  }
  row.set("remove_href", "/me/co-residents/" + id + "/remove");
  row.set("removable", !locked);
  return row;
}

// The list page; `typed` fills the add form again after an error.
data list_page(App& app, RequestContext& context, service::CoResidentService& service, const store::Account& account,
               const domain::CoResidentInput& typed) {
  const auto co_residents = service.list(account);
  const bool locked = service.locked(account);
  data page;
  data rows{data::type::list};
  for (const auto& co_resident : co_residents) rows.push_back(person_row(app, context, co_resident, locked));
  page.set("co_residents", rows);
  page.set("empty", co_residents.empty());
  page.set("locked", locked);
  page.set("can_add", !locked && co_residents.size() < static_cast<std::size_t>(domain::kMaxCoResidents));
  page.set("full", !locked && co_residents.size() >= static_cast<std::size_t>(domain::kMaxCoResidents));

  page.set("name", typed.name);
  page.set("id_number", typed.id_number);
  page.set("birth_date", typed.birth_date);
  page.set("care_note", typed.care_note);
  page.set("gender_male", typed.gender == "male");
  page.set("gender_female", typed.gender == "female");
  page.set("relations", options(app, context, {domain::kRelations.begin(), domain::kRelations.end()},
                                "co_resident_relation_", typed.relation));
  page.set("id_types", options(app, context, {"hk_macau_permit", "home_return_permit", "passport", "resident_id"},
                               "id_type_", typed.id_type));
  page.set("care_reasons", options(app, context, {domain::kCareReasons.begin(), domain::kCareReasons.end()},
                                   "co_resident_care_", typed.care_reason));
  page.set("care_none_selected", typed.care_reason.empty());
  return page;
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

domain::CoResidentInput typed_input(RequestContext& context) {
  return domain::CoResidentInput{context.form_value("name"),       context.form_value("relation"),
                                 context.form_value("id_type"),    context.form_value("id_number"),
                                 context.form_value("birth_date"), context.form_value("gender"),
                                 context.form_value("care_reason"), context.form_value("care_note")};
}

void register_api(App& app, const std::shared_ptr<service::CoResidentService>& service) {
  app.add_route(http::verb::get, "/api/v1/me/co-residents", [&app, service](RequestContext& context) {
    const auto account = app.current_account(context);
    if (!account) return app.json_error(context, make_error(ErrorKind::unauthenticated, "auth.required"));
    nlohmann::json list = nlohmann::json::array();
    for (const auto& co_resident : service->list(*account)) list.push_back(co_resident_json(app, co_resident));
    return app.json(context, http::status::ok, list);
  });

  app.add_route(http::verb::post, "/api/v1/me/co-residents", [&app, service](RequestContext& context) {
    const auto account = app.current_account(context);
    if (!account) return app.json_error(context, make_error(ErrorKind::unauthenticated, "auth.required"));
    auto body = read_json_object(context.request.body(), {{"name", JsonType::string, false},
                                                          {"relation", JsonType::string, false},
                                                          {"id_type", JsonType::string, false},
                                                          {"id_number", JsonType::string, false},
                                                          {"birth_date", JsonType::string, false},
                                                          {"gender", JsonType::string, false},
                                                          {"care_reason", JsonType::string, false},
                                                          {"care_note", JsonType::string, false}});
    if (!body) return app.json_error(context, body.error());
    // Every member is optional here, so that a missing one gets the same
    // co_resident.*_missing error as an empty one.
    const auto& json = body.value();
    domain::CoResidentInput input{string_member(json, "name"),       string_member(json, "relation"),
                                  string_member(json, "id_type"),    string_member(json, "id_number"),
                                  string_member(json, "birth_date"), string_member(json, "gender"),
                                  string_member(json, "care_reason"), string_member(json, "care_note")};
    const auto outcome = service->add(*account, std::move(input));
    if (!outcome.ok()) return errors_response(app, context, outcome.errors);
    return app.json(context, http::status::created, co_resident_json(app, *outcome.co_resident));
  });

  app.add_route(http::verb::delete_, "/api/v1/me/co-residents/{id}", [&app, service](RequestContext& context) {
    const auto account = app.current_account(context);
    if (!account) return app.json_error(context, make_error(ErrorKind::unauthenticated, "auth.required"));
    const auto id = path_id(context);
    if (!id) return app.json_error(context, make_error(ErrorKind::not_found, "co_resident.not_found"));
    if (auto error = service->remove(*account, *id)) return app.json_error(context, *error);
    return Response{http::status::no_content, 11};
  });
}

void register_pages(App& app, const std::shared_ptr<service::CoResidentService>& service) {
  app.add_route(http::verb::get, "/me/co-residents", [&app, service](RequestContext& context) {
    const auto account = app.current_account(context);
    if (!account) return app.redirect(context, "/login");
    data page = list_page(app, context, *service, *account, {});
    if (context.query.count("added")) page.set("notice", text(app, context, "co_resident_added_notice"));
    if (context.query.count("removed")) page.set("notice", text(app, context, "co_resident_removed_notice"));
    return app.page(context, "co_residents", "co_residents_title", page);
  });

  app.add_route(http::verb::post, "/me/co-residents", [&app, service](RequestContext& context) {
    const auto account = app.current_account(context);
    if (!account) return app.redirect(context, "/login");
    const auto outcome = service->add(*account, typed_input(context));
    if (outcome.ok()) return app.redirect(context, "/me/co-residents?added=1");
    data page = list_page(app, context, *service, *account, typed_input(context));
    add_errors(app, context, page, outcome.errors);
    return app.page(context, "co_residents", "co_residents_title", page, status_of(outcome.errors.front()));
  });

  // The confirmation step: removing someone is shown before it is done.
  app.add_route(http::verb::get, "/me/co-residents/{id}/remove", [&app, service](RequestContext& context) {
    const auto account = app.current_account(context);
    if (!account) return app.redirect(context, "/login");
    const auto id = path_id(context);
    std::optional<store::CoResident> found;
    for (const auto& co_resident : service->list(*account)) {
      if (id && co_resident.id == *id) found = co_resident;
    }
    if (!found) return app.json_error(context, make_error(ErrorKind::not_found, "co_resident.not_found"));
    const bool locked = service->locked(*account);
    data page;
    page.set("confirm_remove", true);
    page.set("person", person_row(app, context, *found, locked));
    page.set("locked", locked);
    return app.page(context, "co_residents", "co_resident_remove_title", page);
  });

  app.add_route(http::verb::post, "/me/co-residents/{id}/remove", [&app, service](RequestContext& context) {
    const auto account = app.current_account(context);
    if (!account) return app.redirect(context, "/login");
    const auto id = path_id(context);
    if (!id) return app.json_error(context, make_error(ErrorKind::not_found, "co_resident.not_found"));
    const auto error = service->remove(*account, *id);
    if (!error) return app.redirect(context, "/me/co-residents?removed=1");
    if (error->kind == ErrorKind::not_found) return app.json_error(context, *error);
    data page = list_page(app, context, *service, *account, {});
    add_errors(app, context, page, {*error});
    return app.page(context, "co_residents", "co_residents_title", page, status_of(*error));
  });
}

// A check line of the review page, in the shape admin_reviews renders.
data check_item(App& app, RequestContext& context, bool passed, const std::string& text_value) {
  data check;
  check.set("state", passed ? "pass" : "fail");
  check.set("mark", text(app, context, passed ? "admin_check_pass_mark" : "admin_check_fail_mark"));
  check.set("text", text_value);
  return check;
}

data check_from_key(App& app, RequestContext& context, bool passed, const std::string& key_stem) {
  return check_item(app, context, passed, text(app, context, key_stem + (passed ? "_pass" : "_fail")));
}

nlohmann::json optional_bool(const std::optional<bool>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

}  // namespace

nlohmann::json co_residents_review_json(const service::ReviewEntry& entry, bool full_number) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& review : entry.co_residents) {
    const store::CoResident& co_resident = review.co_resident;
    nlohmann::json item = {
        {"id", co_resident.id},
        {"name", co_resident.name},
        {"relation", co_resident.relation},
        {"id_type", co_resident.id_type},
        {"id_number_masked", domain::mask_id_number(co_resident.id_number)},
        {"birth_date", co_resident.birth_date},
        {"gender", co_resident.gender},
        {"care_reason", co_resident.care_reason},
        {"care_note", co_resident.care_note},
        {"status", co_resident.status},
        {"checks",
         {{"id_number_format_valid", review.id_number_format_valid},
          {"check_digit_valid", optional_bool(review.id_check_digit_valid)},
          {"birth_date_matches_id", optional_bool(review.birth_date_matches_id)},
          {"gender_matches_id", optional_bool(review.gender_matches_id)},
          {"field_errors", review.field_errors}}},
    };
    if (full_number) item["id_number"] = co_resident.id_number;
    list.push_back(item);
  }
  return list;
}

data co_residents_review_rows(App& app, RequestContext& context, const service::ReviewEntry& entry,
                              bool full_number) {
  data rows{data::type::list};
  for (const auto& review : entry.co_residents) {
    const store::CoResident& co_resident = review.co_resident;
    data row;
    row.set("id", std::to_string(co_resident.id));
    row.set("name", co_resident.name);
    row.set("relation_label", text(app, context, "co_resident_relation_" + co_resident.relation));
    row.set("document", text(app, context, "id_type_" + co_resident.id_type) + " " +
                            (full_number ? co_resident.id_number : domain::mask_id_number(co_resident.id_number)));
    row.set("birth_date", co_resident.birth_date);
    row.set("gender_label", text(app, context, "gender_" + co_resident.gender));
    row.set("care_label", care_label(app, context, co_resident.care_reason));
    row.set("care_note", co_resident.care_note);
    row.set("status", co_resident.status);
    row.set("status_label", text(app, context, "co_resident_status_" + co_resident.status));

    data checks{data::type::list};
    checks.push_back(check_from_key(app, context, review.id_number_format_valid, "admin_check_id_format"));
    if (review.id_check_digit_valid) {
      checks.push_back(check_from_key(app, context, *review.id_check_digit_valid, "admin_check_digit"));
    }
    if (review.birth_date_matches_id) {
      checks.push_back(check_from_key(app, context, *review.birth_date_matches_id, "co_resident_check_birth_date"));
    }
    if (review.gender_matches_id) {
      checks.push_back(check_from_key(app, context, *review.gender_matches_id, "co_resident_check_gender"));
    }
    for (const auto& [field, code] : review.field_errors) {
      // The ID checks above already cover the document fields.
      if (field == "id_number" || field == "id_type") continue;
      checks.push_back(check_item(app, context, false, app.error_text(context, make_error(ErrorKind::invalid, code, field))));
    }
    row.set("checks", checks);
    rows.push_back(row);
  }
  return rows;
}

void register_co_resident_routes(App& app) {
  auto service = std::make_shared<service::CoResidentService>(app.store(), app.clock(), app.zone());
  register_api(app, service);
  register_pages(app, service);
}

}  // namespace yizhan::web

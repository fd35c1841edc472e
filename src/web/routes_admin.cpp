// The back office for reviewers and administrators: the review queue, staff
// accounts, traveller password resets and the audit log. Each tool has a
// JSON API under /api/v1/staff and server-rendered pages under /admin that
// work without JavaScript. Every handler checks the caller's role on the
// server (App::staff_with) before it reads anything else of the request.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cstdio>
#include <memory>

#include "domain/id_document.h"
#include "domain/staff_role.h"
#include "domain/text.h"
#include "service/review_service.h"
#include "service/staff_admin_service.h"
#include "web/app.h"
#include "web/co_resident_views.h"
#include "web/http_util.h"
#include "web/json_input.h"

namespace yizhan::web {

namespace {

using domain::Permission;
using kainjow::mustache::data;

constexpr int kReviewPageSize = 20;
constexpr int kAuditPageSize = 50;
constexpr int kApiDefaultLimit = 50;
constexpr int kApiMaxLimit = 200;
constexpr int kMaxOffset = 1000000;
constexpr int kMaxPage = kMaxOffset / kReviewPageSize;

// Actions this file writes to the audit log, offered as suggestions in the
// audit filter. Other parts of the product add their own.
constexpr std::array<std::string_view, 6> kKnownAuditActions = {
    "review.approve", "review.reject", "staff.add", "staff.update", "staff.password_set", "traveller.password_reset"};

struct MenuEntry {
  Permission permission;
  std::string_view id;
  std::string_view href;
  std::string_view label_key;
};

constexpr std::array<MenuEntry, 9> kMenu = {{
    {Permission::review, "menu-reviews", "/admin/reviews", "admin_menu_reviews"},
    {Permission::manage_staff, "menu-staff", "/admin/staff", "admin_menu_staff"},
    {Permission::manage_travellers, "menu-travellers", "/admin/travellers", "admin_menu_travellers"},
    {Permission::read_audit, "menu-audit", "/admin/audit", "admin_menu_audit"},
    {Permission::manage_quotas, "menu-quotas", "/admin/quotas", "admin_menu_quotas"},
    {Permission::manage_quotas, "menu-stations", "/admin/stations", "admin_menu_stations"},
    {Permission::lift_bans, "menu-bans", "/admin/bans", "admin_menu_bans"},
    {Permission::verify_slips, "menu-port", "/admin/port", "admin_menu_port"},
    {Permission::station_arrivals, "menu-arrivals", "/admin/arrivals", "admin_menu_arrivals"},
}};

// The services behind the back office, built once when the routes are
// registered. The handlers share them and the App outlives the handlers.
struct AdminServices {
  explicit AdminServices(App& app)
      : reviews(app.store(), app.clock(), app.zone(), app.divisions()),
        staff(app.store(), app.clock(), app.zone(), app.config()) {}

  service::ReviewService reviews;
  service::StaffAdminService staff;
};

// ---------------------------------------------------------------------------
// Request reading

http::status status_of(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::malformed: return http::status::bad_request;
    case ErrorKind::unauthenticated: return http::status::unauthorized;
    case ErrorKind::forbidden: return http::status::forbidden;
    case ErrorKind::not_found: return http::status::not_found;
    case ErrorKind::conflict: return http::status::conflict;
    case ErrorKind::rate_limited: return http::status::too_many_requests;
    default: return http::status::unprocessable_entity;
  }
}

std::string query_value(const RequestContext& context, const std::string& name) {
  const auto found = context.query.find(name);
  return found == context.query.end() ? std::string() : found->second;
}

// Whole decimal numbers only: no sign, no spaces, at most 18 digits.
std::optional<std::int64_t> parse_whole_number(std::string_view text) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  std::int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

// The {name} segment of the path as a database id; nullopt unless positive.
std::optional<std::int64_t> path_id(const RequestContext& context, const std::string& name) {
  const auto found = context.params.find(name);
  if (found == context.params.end()) return std::nullopt;
  const auto value = parse_whole_number(found->second);
  if (!value || *value <= 0) return std::nullopt;
  return value;
}

// An optional query parameter that must be a whole number in [min, max];
// `fallback` when absent or empty.
Result<int> query_number(const RequestContext& context, const std::string& name, int fallback, int min, int max,
                         const std::string& code) {
  const std::string text = query_value(context, name);
  if (text.empty()) return fallback;
  const auto value = parse_whole_number(text);
  if (!value || *value < min || *value > max) {
    Error error = make_error(ErrorKind::malformed, code, name);
    error.params["max"] = std::to_string(max);
    return error;
  }
  return static_cast<int>(*value);
}

struct Paging {
  int limit = 0;
  int offset = 0;
};

Result<Paging> api_paging(const RequestContext& context) {
  auto limit = query_number(context, "limit", kApiDefaultLimit, 1, kApiMaxLimit, "paging.limit_invalid");
  if (!limit) return limit.error();
  auto offset = query_number(context, "offset", 0, 0, kMaxOffset, "paging.offset_invalid");
  if (!offset) return offset.error();
  return Paging{limit.value(), offset.value()};
}

// ---------------------------------------------------------------------------
// Shared formatting

std::string rfc3339(App& app, std::int64_t at) {
  return app.zone().format_rfc3339(service::Instant{std::chrono::seconds{at}});
}

// "YYYY-MM-DD HH:MM" in the configured zone, for pages.
std::string local_time(App& app, std::int64_t at) {
  const auto local = app.zone().to_local(service::Instant{std::chrono::seconds{at}});
  const long minutes = static_cast<long>(local.time_of_day.count() / 60);
  char text[32];
  std::snprintf(text, sizeof text, " %02ld:%02ld", minutes / 60, minutes % 60);
  return service::format_date(local.date) + text;
}

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

std::string destination_name(App& app, const RequestContext& context, const std::string& code) {
  if (code.empty()) return {};
  const std::string name = app.divisions().full_name(code, context.language);
  return name.empty() ? code : name + " (" + code + ")";
}

// Replace every "id_number" member with its masked form, so an audit entry
// that carries a full number by mistake still shows only the masked one.
void mask_id_numbers(nlohmann::json& value) {
  if (value.is_object()) {
    for (auto& [key, member] : value.items()) {
      if (key == "id_number" && member.is_string()) {
        member = domain::mask_id_number(member.get<std::string>());
      } else {
        mask_id_numbers(member);
      }
    }
  } else if (value.is_array()) {
    for (auto& member : value) mask_id_numbers(member);
  }
}

// An audit entry's stored JSON text, masked; null when empty, the raw text
// when it is not JSON.
nlohmann::json audit_document(const std::string& text) {
  if (text.empty()) return nullptr;
  auto document = nlohmann::json::parse(text, nullptr, false);
  if (document.is_discarded()) return text;
  mask_id_numbers(document);
  return document;
}

// ---------------------------------------------------------------------------
// JSON views

nlohmann::json optional_bool(const std::optional<bool>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

nlohmann::json format_check(const service::ReviewChecks& checks, const std::string& field) {
  const auto found = checks.field_errors.find(field);
  const bool valid = found == checks.field_errors.end();
  return {{"format_valid", valid}, {"format_error", valid ? nlohmann::json(nullptr) : nlohmann::json(found->second)}};
}

nlohmann::json checks_json(const service::ReviewChecks& checks) {
  nlohmann::json json;
  json["id_number"] = {{"format_valid", checks.id_number_format_valid},
                       {"check_digit_valid", optional_bool(checks.id_check_digit_valid)},
                       {"same_number_accounts", checks.same_number_accounts}};
  for (std::string_view field : service::kReviewedFields) json[std::string(field)] = format_check(checks, std::string(field));
  json["gender"]["matches_id"] = optional_bool(checks.gender_matches_id);
  json["birth_date"]["matches_id"] = optional_bool(checks.birth_date_matches_id);
  json["destination_code"]["known"] = optional_bool(checks.destination_known);
  return json;
}

nlohmann::json review_json(App& app, RequestContext& context, const service::ReviewEntry& entry, bool full_number) {
  const store::Profile& profile = entry.item.profile;
  nlohmann::json json = {
      {"account_id", profile.account_id},
      {"status", profile.status},
      {"version", profile.version},
      {"submitted_at", profile.submitted_at ? nlohmann::json(rfc3339(app, profile.submitted_at)) : nullptr},
      {"id_type", entry.item.id_type},
      {"id_number_masked", domain::mask_id_number(entry.item.id_number)},
      {"name", profile.name},
      {"gender", profile.gender},
      {"birth_date", profile.birth_date},
      {"hk_mobile", profile.hk_mobile},
      {"mainland_mobile", profile.mainland_mobile},
      {"destination_code", profile.destination_code},
      {"destination_name", app.divisions().full_name(profile.destination_code, context.language)},
      {"checks", checks_json(entry.checks)},
      {"previously_approved", entry.previously_approved},
      {"changed_fields", entry.changed_fields},
      {"approved_values", entry.approved_values},
  };
  if (full_number) json["id_number"] = entry.item.id_number;
  json["co_residents"] = co_residents_review_json(entry, full_number);
  json["pending"] = entry.pending;
  if (profile.status == "rejected") {
    json["reason"] = profile.reject_reason;
    json["note"] = profile.reject_note;
  }
  return json;
}

nlohmann::json staff_json(const store::Staff& staff) {
  return {{"staff_id", staff.id}, {"username", staff.username}, {"role", staff.role}, {"disabled", staff.disabled}};
}

nlohmann::json traveller_json(App& app, const service::TravellerSummary& traveller) {
  const store::Account& account = traveller.account;
  return {{"account_id", account.id},
          {"id_type", account.id_type},
          {"id_number_masked", domain::mask_id_number(account.id_number)},
          {"name", traveller.name},
          {"review_status", traveller.review_status},
          {"must_change_password", account.must_change_password},
          {"created_at", rfc3339(app, account.created_at)}};
}

nlohmann::json audit_json(App& app, const store::AuditEntry& entry) {
  return {{"id", entry.id},
          {"at", rfc3339(app, entry.at)},
          {"staff_id", entry.staff_id ? nlohmann::json(entry.staff_id) : nlohmann::json(nullptr)},
          {"staff_username", entry.staff_username},
          {"action", entry.action},
          {"target_type", entry.target_type},
          {"target_id", entry.target_id},
          {"before", audit_document(entry.before_json)},
          {"after", audit_document(entry.after_json)}};
}

Result<service::AuditQuery> audit_query(const RequestContext& context) {
  service::AuditQuery query;
  query.staff_username = query_value(context, "staff");
  query.action = query_value(context, "action");
  query.target_type = query_value(context, "target_type");
  query.target_id = query_value(context, "target_id");
  query.from = query_value(context, "from");
  query.to = query_value(context, "to");
  for (const std::string* value : {&query.staff_username, &query.action, &query.target_type, &query.target_id}) {
    if (!domain::is_valid_utf8(*value)) return make_error(ErrorKind::malformed, "request.invalid_utf8");
  }
  return query;
}

// ---------------------------------------------------------------------------
// Page views

data menu_items(App& app, RequestContext& context, const store::Staff& staff, std::string_view current) {
  data menu{data::type::list};
  const auto role = domain::parse_staff_role(staff.role);
  if (!role) return menu;
  for (const MenuEntry& entry : kMenu) {
    if (!domain::role_allows(*role, entry.permission)) continue;
    data item;
    item.set("id", std::string(entry.id));
    item.set("href", std::string(entry.href));
    item.set("label", ui(app, context, std::string(entry.label_key)));
    item.set("current", entry.href == current);
    menu.push_back(item);
  }
  return menu;
}

data base_page(App& app, RequestContext& context, const store::Staff& staff, std::string_view current) {
  data page;
  page.set("menu", menu_items(app, context, staff, current));
  return page;
}

void set_notice(App& app, RequestContext& context, data& page, const std::string& key) {
  if (!key.empty()) page.set("notice", ui(app, context, key));
}

void set_error(App& app, RequestContext& context, data& page, const std::optional<Error>& error) {
  if (error) page.set("error", app.error_text(context, *error));
}

data check_item(App& app, RequestContext& context, bool passed, const std::string& key_stem,
                const std::string& count = {}) {
  data check;
  check.set("state", passed ? "pass" : "fail");
  check.set("mark", ui(app, context, passed ? "admin_check_pass_mark" : "admin_check_fail_mark"));
  check.set("text", ui_with(app, context, key_stem + (passed ? "_pass" : "_fail"), {{"count", count}}));
  return check;
}

data undecided_item(App& app, RequestContext& context) {
  data check;
  check.set("state", "warn");
  check.set("mark", ui(app, context, "admin_check_fail_mark"));
  check.set("text", ui(app, context, "admin_check_undecided"));
  return check;
}

// The format check of one profile field, or nothing when the field is empty.
void add_format_check(App& app, RequestContext& context, const service::ReviewChecks& checks,
                      const std::string& field, const std::string& value, data& list) {
  if (value.empty()) return;
  const auto found = checks.field_errors.find(field);
  if (found == checks.field_errors.end()) {
    list.push_back(check_item(app, context, true, "admin_check_format"));
    return;
  }
  data check = check_item(app, context, false, "admin_check_format");
  if (app.catalogs().has_error_message(found->second)) {
    check.set("text", app.error_text(context, make_error(ErrorKind::invalid, found->second)));
  }
  list.push_back(check);
}

// A resident-ID comparison: passed, failed, or undecided when the number's
// check digit is wrong; nothing for other document types.
void add_id_match_check(App& app, RequestContext& context, const service::ReviewChecks& checks,
                        const std::optional<bool>& match, const std::string& key_stem, data& list) {
  if (match) {
    list.push_back(check_item(app, context, *match, key_stem));
  } else if (checks.id_check_digit_valid.has_value()) {
    list.push_back(undecided_item(app, context));
  }
}

std::string shown_value(App& app, RequestContext& context, const std::string& field, const std::string& value) {
  if (value.empty()) return ui(app, context, "admin_not_given");
  if (field == "gender" && (value == "male" || value == "female")) return ui(app, context, "admin_gender_" + value);
  if (field == "destination_code") return destination_name(app, context, value);
  return value;
}

data field_row(App& app, RequestContext& context, const service::ReviewEntry& entry, const std::string& field,
               const std::string& value, data checks) {
  data row;
  row.set("field", field);
  const std::string label_key = field == "destination_code" ? "admin_destination_label" : "admin_" + field + "_label";
  row.set("label", ui(app, context, label_key));
  row.set("value", shown_value(app, context, field, value));
  const auto previous = entry.approved_values.find(field);
  row.set("changed", previous != entry.approved_values.end());
  if (previous != entry.approved_values.end()) {
    row.set("previous", shown_value(app, context, field, previous->second));
  }
  row.set("checks", checks);
  return row;
}

data submission_rows(App& app, RequestContext& context, const service::ReviewEntry& entry, bool full_number) {
  const store::Profile& profile = entry.item.profile;
  const service::ReviewChecks& checks = entry.checks;
  data rows{data::type::list};

  data document_checks{data::type::list};
  document_checks.push_back(check_item(app, context, checks.id_number_format_valid, "admin_check_id_format"));
  if (checks.id_check_digit_valid) {
    document_checks.push_back(check_item(app, context, *checks.id_check_digit_valid, "admin_check_digit"));
  }
  document_checks.push_back(check_item(app, context, checks.same_number_accounts == 0, "admin_check_same_number",
                                       std::to_string(checks.same_number_accounts)));
  data document;
  document.set("field", "id_number");
  document.set("label", ui(app, context, "admin_id_document_label"));
  document.set("value", ui(app, context, "id_type_" + entry.item.id_type) + " " +
                            (full_number ? entry.item.id_number : domain::mask_id_number(entry.item.id_number)));
  document.set("checks", document_checks);
  rows.push_back(document);

  data name_checks{data::type::list};
  add_format_check(app, context, checks, "name", profile.name, name_checks);
  rows.push_back(field_row(app, context, entry, "name", profile.name, name_checks));

  data gender_checks{data::type::list};
  add_format_check(app, context, checks, "gender", profile.gender, gender_checks);
  add_id_match_check(app, context, checks, checks.gender_matches_id, "admin_check_gender", gender_checks);
  rows.push_back(field_row(app, context, entry, "gender", profile.gender, gender_checks));

  data birth_checks{data::type::list};
  add_format_check(app, context, checks, "birth_date", profile.birth_date, birth_checks);
  add_id_match_check(app, context, checks, checks.birth_date_matches_id, "admin_check_birth_date", birth_checks);
  rows.push_back(field_row(app, context, entry, "birth_date", profile.birth_date, birth_checks));

  for (const std::string field : {"hk_mobile", "mainland_mobile"}) {
    const std::string& value = field == "hk_mobile" ? profile.hk_mobile : profile.mainland_mobile;
    data mobile_checks{data::type::list};
    add_format_check(app, context, checks, field, value, mobile_checks);
    rows.push_back(field_row(app, context, entry, field, value, mobile_checks));
  }

  data destination_checks{data::type::list};
  add_format_check(app, context, checks, "destination_code", profile.destination_code, destination_checks);
  if (checks.destination_known) {
    destination_checks.push_back(check_item(app, context, *checks.destination_known, "admin_check_destination"));
  }
  rows.push_back(
      field_row(app, context, entry, "destination_code", profile.destination_code, destination_checks));
  return rows;
}

data reason_options(App& app, RequestContext& context, const std::string& selected) {
  data options{data::type::list};
  for (std::string_view reason : service::kRejectReasons) {
    data option;
    option.set("value", std::string(reason));
    option.set("label", ui(app, context, "admin_reason_" + std::string(reason)));
    option.set("selected", reason == selected);
    options.push_back(option);
  }
  return options;
}

// Values of one submission's decision forms, shown again after an error.
struct DecisionForm {
  std::string reason;
  std::string note;
  std::optional<Error> error;
};

data submission_data(App& app, RequestContext& context, const service::ReviewEntry& entry, bool full_number,
                     const DecisionForm& form) {
  const store::Profile& profile = entry.item.profile;
  const std::string id = std::to_string(profile.account_id);
  data submission;
  submission.set("account_id", id);
  submission.set("version", std::to_string(profile.version));
  submission.set("submitted_at", profile.submitted_at ? local_time(app, profile.submitted_at) : "");
  submission.set("detail_href", "/admin/reviews/" + id);
  submission.set("show_detail_link", !full_number);
  submission.set("pending", entry.pending);
  submission.set("co_residents", co_residents_review_rows(app, context, entry, full_number));
  submission.set("has_co_residents", !entry.co_residents.empty());
  submission.set("status_label", ui(app, context, "admin_status_" + profile.status));
  submission.set("first_submission", !entry.previously_approved);
  submission.set("unchanged", entry.previously_approved && entry.changed_fields.empty());
  submission.set("rows", submission_rows(app, context, entry, full_number));
  submission.set("reasons", reason_options(app, context, form.reason));
  submission.set("note", form.note);
  if (form.error) submission.set("form_error", app.error_text(context, *form.error));
  return submission;
}

Response render_reviews(App& app, AdminServices& services, RequestContext& context, const store::Staff& staff,
                        int page_number, const std::string& notice_key, const std::optional<Error>& error,
                        http::status status = http::status::ok) {
  const auto queue = services.reviews.queue(kReviewPageSize, (page_number - 1) * kReviewPageSize);
  data page = base_page(app, context, staff, "/admin/reviews");
  set_notice(app, context, page, notice_key);
  set_error(app, context, page, error);
  page.set("count_text", ui_with(app, context, "admin_reviews_count", {{"count", std::to_string(queue.total)}}));
  page.set("empty", queue.entries.empty());

  data submissions{data::type::list};
  for (const auto& entry : queue.entries) submissions.push_back(submission_data(app, context, entry, false, {}));
  page.set("submissions", submissions);

  const int pages = std::max(1, (queue.total + kReviewPageSize - 1) / kReviewPageSize);
  page.set("page_text", ui_with(app, context, "admin_page_of",
                                {{"page", std::to_string(page_number)}, {"pages", std::to_string(pages)}}));
  if (page_number > 1) page.set("previous_href", "/admin/reviews?page=" + std::to_string(page_number - 1));
  if (page_number < pages) page.set("next_href", "/admin/reviews?page=" + std::to_string(page_number + 1));
  return app.page(context, "admin_reviews", "admin_reviews_title", page, status);
}

Response render_review_detail(App& app, RequestContext& context, const store::Staff& staff,
                              const service::ReviewEntry& entry, const DecisionForm& form,
                              http::status status = http::status::ok) {
  data page = base_page(app, context, staff, "/admin/reviews");
  data submissions{data::type::list};
  submissions.push_back(submission_data(app, context, entry, true, form));
  page.set("submissions", submissions);
  page.set("detail", true);
  return app.page(context, "admin_reviews", "admin_review_title", page, status);
}

data role_options(App& app, RequestContext& context, const std::string& selected) {
  data options{data::type::list};
  for (domain::StaffRole role : domain::kStaffRoles) {
    const std::string name(domain::to_string(role));
    data option;
    option.set("value", name);
    option.set("label", ui(app, context, "role_" + name));
    option.set("selected", name == selected);
    options.push_back(option);
  }
  return options;
}

Response render_staff(App& app, AdminServices& services, RequestContext& context, const store::Staff& actor,
                      const std::string& notice_key, const std::optional<Error>& error,
                      http::status status = http::status::ok) {
  data page = base_page(app, context, actor, "/admin/staff");
  set_notice(app, context, page, notice_key);
  set_error(app, context, page, error);

  data rows{data::type::list};
  for (const auto& member : services.staff.list_staff()) {
    data row;
    row.set("staff_id", std::to_string(member.id));
    row.set("username", member.username);
    row.set("role_label", ui(app, context, "role_" + member.role));
    row.set("roles", role_options(app, context, member.role));
    row.set("disabled", member.disabled);
    row.set("self", member.id == actor.id);
    rows.push_back(row);
  }
  page.set("staff", rows);

  // A failed add keeps what was typed, except the password.
  const bool failed_add = error && context.path == "/admin/staff";
  page.set("new_username", failed_add ? context.form_value("username") : "");
  page.set("new_roles", role_options(app, context, failed_add ? context.form_value("role") : "reviewer"));
  return app.page(context, "admin_staff", "admin_staff_title", page, status);
}

data traveller_rows(App& app, RequestContext& context, const std::vector<service::TravellerSummary>& travellers) {
  data rows{data::type::list};
  for (const auto& traveller : travellers) {
    const store::Account& account = traveller.account;
    data row;
    row.set("account_id", std::to_string(account.id));
    row.set("id_type_label", ui(app, context, "id_type_" + account.id_type));
    row.set("id_number_masked", domain::mask_id_number(account.id_number));
    row.set("name", traveller.name);
    row.set("status_label", ui(app, context, "admin_status_" + traveller.review_status));
    row.set("must_change", ui(app, context, account.must_change_password ? "admin_yes" : "admin_no"));
    row.set("created_at", local_time(app, account.created_at));
    rows.push_back(row);
  }
  return rows;
}

// The traveller page. `query` is searched when not empty, and `one_time`
// contains a password that was just set, with its account.
Response render_travellers(App& app, AdminServices& services, RequestContext& context, const store::Staff& staff,
                           const std::string& query, std::optional<data> one_time,
                           std::optional<Error> error = std::nullopt) {
  data page = base_page(app, context, staff, "/admin/travellers");
  page.set("q", domain::is_valid_utf8(query) ? query : "");
  if (one_time) page.set("one_time", *one_time);

  http::status status = error ? status_of(error->kind) : http::status::ok;
  if (!error && !query.empty()) {
    auto found = services.staff.search_travellers(query);
    if (!found) {
      error = found.error();
      status = status_of(error->kind);
    } else {
      page.set("searched", true);
      page.set("travellers", traveller_rows(app, context, found.value()));
      page.set("no_results", found.value().empty());
      page.set("at_limit", found.value().size() == static_cast<std::size_t>(service::kTravellerSearchLimit));
    }
  }
  set_error(app, context, page, error);
  return app.page(context, "admin_travellers", "admin_travellers_title", page, status);
}

std::string audit_href(const service::AuditQuery& query, int page_number) {
  std::string href = "/admin/audit?staff=" + percent_encode(query.staff_username) +
                     "&action=" + percent_encode(query.action) + "&target_type=" + percent_encode(query.target_type) +
                     "&target_id=" + percent_encode(query.target_id) + "&from=" + percent_encode(query.from) +
                     "&to=" + percent_encode(query.to);
  return href + "&page=" + std::to_string(page_number);
}

std::string compact_json(const nlohmann::json& value) {
  if (value.is_null()) return "";
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Response render_audit(App& app, AdminServices& services, RequestContext& context, const store::Staff& staff) {
  data page = base_page(app, context, staff, "/admin/audit");
  data actions{data::type::list};
  for (std::string_view action : kKnownAuditActions) actions.push_back(data("value", std::string(action)));
  page.set("known_actions", actions);

  auto query = audit_query(context);
  if (!query) return app.json_error(context, query.error());
  page.set("filter_staff", query.value().staff_username);
  page.set("filter_action", query.value().action);
  page.set("filter_target_type", query.value().target_type);
  page.set("filter_target_id", query.value().target_id);
  page.set("filter_from", domain::is_valid_utf8(query.value().from) ? query.value().from : "");
  page.set("filter_to", domain::is_valid_utf8(query.value().to) ? query.value().to : "");

  auto page_number = query_number(context, "page", 1, 1, kMaxOffset / kAuditPageSize, "paging.page_invalid");
  if (!page_number) return app.json_error(context, page_number.error());

  // Reading one row more than a page shows whether a next page exists.
  query.value().limit = kAuditPageSize + 1;
  query.value().offset = (page_number.value() - 1) * kAuditPageSize;
  auto entries = services.staff.read_audit(query.value());
  if (!entries) {
    set_error(app, context, page, entries.error());
    return app.page(context, "admin_audit", "admin_audit_title", page, status_of(entries.error().kind));
  }

  const bool has_next = entries.value().size() > static_cast<std::size_t>(kAuditPageSize);
  if (has_next) entries.value().pop_back();
  data rows{data::type::list};
  for (const auto& entry : entries.value()) {
    data row;
    row.set("id", std::to_string(entry.id));
    row.set("at", local_time(app, entry.at));
    row.set("staff_username", entry.staff_username);
    row.set("action", entry.action);
    row.set("target", entry.target_type + " #" + entry.target_id);
    row.set("before", compact_json(audit_document(entry.before_json)));
    row.set("after", compact_json(audit_document(entry.after_json)));
    rows.push_back(row);
  }
  page.set("entries", rows);
  page.set("empty", entries.value().empty());
  page.set("has_entries", !entries.value().empty());
  if (page_number.value() > 1) page.set("previous_href", audit_href(query.value(), page_number.value() - 1));
  if (has_next) page.set("next_href", audit_href(query.value(), page_number.value() + 1));
  return app.page(context, "admin_audit", "admin_audit_title", page);
}

// ---------------------------------------------------------------------------
// Route groups

void register_review_api(App& app, const std::shared_ptr<AdminServices>& services) {
  app.add_route(http::verb::get, "/api/v1/staff/reviews", [&app, services](RequestContext& context) {
    Response refusal;
    if (!app.staff_with(context, Permission::review, refusal)) return refusal;
    auto paging = api_paging(context);
    if (!paging) return app.json_error(context, paging.error());
    const auto queue = services->reviews.queue(paging.value().limit, paging.value().offset);
    nlohmann::json items = nlohmann::json::array();
    for (const auto& entry : queue.entries) items.push_back(review_json(app, context, entry, false));
    Response response = app.json(context, http::status::ok, items);
    response.set("X-Total-Count", std::to_string(queue.total));
    return response;
  });

  // One submission with the full ID number, which the reviewer compares
  // with the document.
  app.add_route(http::verb::get, "/api/v1/staff/reviews/{account_id}", [&app, services](RequestContext& context) {
    Response refusal;
    if (!app.staff_with(context, Permission::review, refusal)) return refusal;
    const auto id = path_id(context, "account_id");
    const auto entry = id ? services->reviews.find(*id) : std::nullopt;
    if (!entry) return app.json_error(context, make_error(ErrorKind::not_found, "review.not_found"));
    return app.json(context, http::status::ok, review_json(app, context, *entry, true));
  });

  app.add_route(http::verb::post, "/api/v1/staff/reviews/{account_id}", [&app, services](RequestContext& context) {
    Response refusal;
    const auto staff = app.staff_with(context, Permission::review, refusal);
    if (!staff) return refusal;
    auto body = read_json_object(context.request.body(), {{"decision", JsonType::string, true},
                                                          {"reason", JsonType::string, false},
                                                          {"note", JsonType::string, false},
                                                          {"version", JsonType::integer, false}});
    if (!body) return app.json_error(context, body.error());
    const auto id = path_id(context, "account_id");
    if (!id) return app.json_error(context, make_error(ErrorKind::not_found, "review.not_found"));
    std::optional<std::int64_t> version;
    if (body.value().contains("version") && !body.value()["version"].is_null()) {
      version = body.value()["version"].get<std::int64_t>();
    }
    auto decided = services->reviews.decide(*staff, *id, string_member(body.value(), "decision"),
                                            string_member(body.value(), "reason"),
                                            string_member(body.value(), "note"), version);
    if (!decided) return app.json_error(context, decided.error());
    const store::Profile& profile = decided.value();
    return app.json(context, http::status::ok,
                    {{"account_id", profile.account_id},
                     {"status", profile.status},
                     {"reason", profile.reject_reason},
                     {"note", profile.reject_note},
                     {"decided_at", rfc3339(app, profile.decided_at)},
                     {"version", profile.version}});
  });
}

void register_staff_api(App& app, const std::shared_ptr<AdminServices>& services) {
  app.add_route(http::verb::get, "/api/v1/staff/accounts", [&app, services](RequestContext& context) {
    Response refusal;
    if (!app.staff_with(context, Permission::manage_staff, refusal)) return refusal;
    nlohmann::json list = nlohmann::json::array();
    for (const auto& member : services->staff.list_staff()) list.push_back(staff_json(member));
    return app.json(context, http::status::ok, list);
  });

  app.add_route(http::verb::post, "/api/v1/staff/accounts", [&app, services](RequestContext& context) {
    Response refusal;
    const auto actor = app.staff_with(context, Permission::manage_staff, refusal);
    if (!actor) return refusal;
    auto body = read_json_object(context.request.body(), {{"username", JsonType::string, true},
                                                          {"role", JsonType::string, true},
                                                          {"password", JsonType::string, true}});
    if (!body) return app.json_error(context, body.error());
    auto added = services->staff.add_staff(*actor, string_member(body.value(), "username"),
                                           string_member(body.value(), "role"),
                                           string_member(body.value(), "password"));
    if (!added) return app.json_error(context, added.error());
    return app.json(context, http::status::created, staff_json(added.value()));
  });

  app.add_route(http::verb::patch, "/api/v1/staff/accounts/{id}", [&app, services](RequestContext& context) {
    Response refusal;
    const auto actor = app.staff_with(context, Permission::manage_staff, refusal);
    if (!actor) return refusal;
    auto body = read_json_object(context.request.body(),
                                 {{"role", JsonType::string, false}, {"disabled", JsonType::boolean, false}});
    if (!body) return app.json_error(context, body.error());
    const auto id = path_id(context, "id");
    if (!id) return app.json_error(context, make_error(ErrorKind::not_found, "staff.not_found"));
    const auto& json = body.value();
    std::optional<std::string> role;
    std::optional<bool> disabled;
    if (json.contains("role") && !json["role"].is_null()) role = json["role"].get<std::string>();
    if (json.contains("disabled") && !json["disabled"].is_null()) disabled = json["disabled"].get<bool>();
    auto changed = services->staff.update_staff(*actor, *id, role, disabled);
    if (!changed) return app.json_error(context, changed.error());
    return app.json(context, http::status::ok, staff_json(changed.value()));
  });

  app.add_route(http::verb::post, "/api/v1/staff/accounts/{id}/password", [&app, services](RequestContext& context) {
    Response refusal;
    const auto actor = app.staff_with(context, Permission::manage_staff, refusal);
    if (!actor) return refusal;
    auto body = read_json_object(context.request.body(), {{"password", JsonType::string, true}});
    if (!body) return app.json_error(context, body.error());
    const auto id = path_id(context, "id");
    if (!id) return app.json_error(context, make_error(ErrorKind::not_found, "staff.not_found"));
    if (auto error = services->staff.set_staff_password(*actor, *id, string_member(body.value(), "password"))) {
      return app.json_error(context, *error);
    }
    return Response{http::status::no_content, 11};
  });
}

void register_traveller_api(App& app, const std::shared_ptr<AdminServices>& services) {
  app.add_route(http::verb::get, "/api/v1/staff/travellers", [&app, services](RequestContext& context) {
    Response refusal;
    if (!app.staff_with(context, Permission::manage_travellers, refusal)) return refusal;
    auto found = services->staff.search_travellers(query_value(context, "q"));
    if (!found) return app.json_error(context, found.error());
    nlohmann::json list = nlohmann::json::array();
    for (const auto& traveller : found.value()) list.push_back(traveller_json(app, traveller));
    return app.json(context, http::status::ok, list);
  });

  app.add_route(http::verb::post, "/api/v1/staff/travellers/{account_id}/password-reset",
                [&app, services](RequestContext& context) {
                  Response refusal;
                  const auto actor = app.staff_with(context, Permission::manage_travellers, refusal);
                  if (!actor) return refusal;
                  // The reset takes no values; an empty body or {} are both accepted.
                  if (!context.request.body().empty()) {
                    auto body = read_json_object(context.request.body(), {});
                    if (!body) return app.json_error(context, body.error());
                  }
                  const auto id = path_id(context, "account_id");
                  if (!id) return app.json_error(context, make_error(ErrorKind::not_found, "traveller.not_found"));
                  auto password = services->staff.reset_traveller_password(*actor, *id);
                  if (!password) return app.json_error(context, password.error());
                  return app.json(context, http::status::ok,
                                  {{"account_id", *id}, {"one_time_password", password.value()}});
                });
}

void register_audit_api(App& app, const std::shared_ptr<AdminServices>& services) {
  app.add_route(http::verb::get, "/api/v1/staff/audit", [&app, services](RequestContext& context) {
    Response refusal;
    if (!app.staff_with(context, Permission::read_audit, refusal)) return refusal;
    auto query = audit_query(context);
    if (!query) return app.json_error(context, query.error());
    auto paging = api_paging(context);
    if (!paging) return app.json_error(context, paging.error());
    query.value().limit = paging.value().limit;
    query.value().offset = paging.value().offset;
    auto entries = services->staff.read_audit(query.value());
    if (!entries) return app.json_error(context, entries.error());
    nlohmann::json list = nlohmann::json::array();
    for (const auto& entry : entries.value()) list.push_back(audit_json(app, entry));
    return app.json(context, http::status::ok, list);
  });
}

void register_review_pages(App& app, const std::shared_ptr<AdminServices>& services) {
  app.add_route(http::verb::get, "/admin/reviews", [&app, services](RequestContext& context) {
    Response refusal;
    const auto staff = app.staff_with(context, Permission::review, refusal);
    if (!staff) return refusal;
    auto page_number = query_number(context, "page", 1, 1, kMaxPage, "paging.page_invalid");
    if (!page_number) return app.json_error(context, page_number.error());
    const std::string decided = query_value(context, "decided");
    const std::string notice = decided == "approve"  ? "admin_notice_approved"
                               : decided == "reject" ? "admin_notice_rejected"
                                                     : "";
    return render_reviews(app, *services, context, *staff, page_number.value(), notice, std::nullopt);
  });

  app.add_route(http::verb::get, "/admin/reviews/{account_id}", [&app, services](RequestContext& context) {
    Response refusal;
    const auto staff = app.staff_with(context, Permission::review, refusal);
    if (!staff) return refusal;
    const auto id = path_id(context, "account_id");
    const auto entry = id ? services->reviews.find(*id) : std::nullopt;
    if (!entry) return app.json_error(context, make_error(ErrorKind::not_found, "review.not_found"));
    return render_review_detail(app, context, *staff, *entry, {});
  });

  app.add_route(http::verb::post, "/admin/reviews/{account_id}", [&app, services](RequestContext& context) {
    Response refusal;
    const auto staff = app.staff_with(context, Permission::review, refusal);
    if (!staff) return refusal;
    const auto id = path_id(context, "account_id");
    if (!id) return app.json_error(context, make_error(ErrorKind::not_found, "review.not_found"));

    // The form carries the version the reviewer looked at, so a submission
    // that changed since the page was loaded is not decided unseen.
    const std::string version_text = context.form_value("version");
    const auto version = parse_whole_number(version_text);
    if (!version_text.empty() && !version) {
      return app.json_error(context, make_error(ErrorKind::malformed, "request.malformed_form"));
    }
    const std::string decision = context.form_value("decision");
    DecisionForm form{context.form_value("reason"), context.form_value("note"), std::nullopt};
    auto decided = services->reviews.decide(*staff, *id, decision, form.reason, form.note, version);
    if (decided) return app.redirect(context, "/admin/reviews?decided=" + decision);

    const Error& error = decided.error();
    if (error.kind == ErrorKind::conflict) {
      return render_reviews(app, *services, context, *staff, 1, "", error, http::status::conflict);
    }
    const auto entry = services->reviews.find(*id);
    if (error.kind == ErrorKind::not_found || !entry) return app.json_error(context, error);
    form.error = error;
    return render_review_detail(app, context, *staff, *entry, form, status_of(error.kind));
  });
}

void register_staff_pages(App& app, const std::shared_ptr<AdminServices>& services) {
  app.add_route(http::verb::get, "/admin/staff", [&app, services](RequestContext& context) {
    Response refusal;
    const auto actor = app.staff_with(context, Permission::manage_staff, refusal);
    if (!actor) return refusal;
    const std::string notice = query_value(context, "notice");
    constexpr std::array<std::string_view, 5> kNotices = {"staff_added", "role_changed", "staff_disabled",
                                                          "staff_enabled", "password_set"};
    const bool known = std::find(kNotices.begin(), kNotices.end(), notice) != kNotices.end();
    return render_staff(app, *services, context, *actor, known ? "admin_notice_" + notice : "", std::nullopt);
  });

  app.add_route(http::verb::post, "/admin/staff", [&app, services](RequestContext& context) {
    Response refusal;
    const auto actor = app.staff_with(context, Permission::manage_staff, refusal);
    if (!actor) return refusal;
    auto added = services->staff.add_staff(*actor, context.form_value("username"), context.form_value("role"),
                                           context.form_value("password"));
    if (!added) return render_staff(app, *services, context, *actor, "", added.error(), status_of(added.error().kind));
    return app.redirect(context, "/admin/staff?notice=staff_added");
  });

  app.add_route(http::verb::post, "/admin/staff/{id}/role", [&app, services](RequestContext& context) {
    Response refusal;
    const auto actor = app.staff_with(context, Permission::manage_staff, refusal);
    if (!actor) return refusal;
    const auto id = path_id(context, "id");
    if (!id) return app.json_error(context, make_error(ErrorKind::not_found, "staff.not_found"));
    auto changed = services->staff.update_staff(*actor, *id, context.form_value("role"), std::nullopt);
    if (!changed) {
      return render_staff(app, *services, context, *actor, "", changed.error(), status_of(changed.error().kind));
    }
    return app.redirect(context, "/admin/staff?notice=role_changed");
  });

  app.add_route(http::verb::post, "/admin/staff/{id}/state", [&app, services](RequestContext& context) {
    Response refusal;
    const auto actor = app.staff_with(context, Permission::manage_staff, refusal);
    if (!actor) return refusal;
    const auto id = path_id(context, "id");
    if (!id) return app.json_error(context, make_error(ErrorKind::not_found, "staff.not_found"));
    const std::string disabled = context.form_value("disabled");
    if (disabled != "1" && disabled != "0") {
      return app.json_error(context, make_error(ErrorKind::malformed, "request.malformed_form"));
    }
    auto changed = services->staff.update_staff(*actor, *id, std::nullopt, disabled == "1");
    if (!changed) {
      return render_staff(app, *services, context, *actor, "", changed.error(), status_of(changed.error().kind));
    }
    return app.redirect(context, disabled == "1" ? "/admin/staff?notice=staff_disabled"
                                                 : "/admin/staff?notice=staff_enabled");
  });

  app.add_route(http::verb::post, "/admin/staff/{id}/password", [&app, services](RequestContext& context) {
    Response refusal;
    const auto actor = app.staff_with(context, Permission::manage_staff, refusal);
    if (!actor) return refusal;
    const auto id = path_id(context, "id");
    if (!id) return app.json_error(context, make_error(ErrorKind::not_found, "staff.not_found"));
    if (auto error = services->staff.set_staff_password(*actor, *id, context.form_value("password"))) {
      return render_staff(app, *services, context, *actor, "", *error, status_of(error->kind));
    }
    // Setting one's own password ends one's own session too.
    if (*id == actor->id) return app.redirect(context, "/admin/login");
    return app.redirect(context, "/admin/staff?notice=password_set");
  });
}

void register_traveller_pages(App& app, const std::shared_ptr<AdminServices>& services) {
  app.add_route(http::verb::get, "/admin/travellers", [&app, services](RequestContext& context) {
    Response refusal;
    const auto staff = app.staff_with(context, Permission::manage_travellers, refusal);
    if (!staff) return refusal;
    return render_travellers(app, *services, context, *staff, query_value(context, "q"), std::nullopt);
  });

  // The response is a page, not a redirect, because the one-time password
  // must not travel in a URL. It is shown once and stored only hashed.
  app.add_route(http::verb::post, "/admin/travellers/{account_id}/password-reset",
                [&app, services](RequestContext& context) {
                  Response refusal;
                  const auto staff = app.staff_with(context, Permission::manage_travellers, refusal);
                  if (!staff) return refusal;
                  const auto id = path_id(context, "account_id");
                  if (!id) return app.json_error(context, make_error(ErrorKind::not_found, "traveller.not_found"));
                  const std::string query = context.form_value("q");
                  auto password = services->staff.reset_traveller_password(*staff, *id);
                  if (!password) return render_travellers(app, *services, context, *staff, "", std::nullopt, password.error());
                  const auto account = app.store().find_account_by_id(*id);
                  data one_time;
                  one_time.set("password", password.value());
                  one_time.set("account_id", std::to_string(*id));
                  one_time.set("id_number_masked", account ? domain::mask_id_number(account->id_number) : "");
                  return render_travellers(app, *services, context, *staff, query, one_time);
                });
}

void register_audit_pages(App& app, const std::shared_ptr<AdminServices>& services) {
  app.add_route(http::verb::get, "/admin/audit", [&app, services](RequestContext& context) {
    Response refusal;
    const auto staff = app.staff_with(context, Permission::read_audit, refusal);
    if (!staff) return refusal;
    return render_audit(app, *services, context, *staff);
  });
}

}  // namespace

kainjow::mustache::data admin_menu(App& app, RequestContext& context, const store::Staff& staff) {
  return menu_items(app, context, staff, "");
}

void register_admin_routes(App& app) {
  auto services = std::make_shared<AdminServices>(app);
  register_review_api(app, services);
  register_staff_api(app, services);
  register_traveller_api(app, services);
  register_audit_api(app, services);
  register_review_pages(app, services);
  register_staff_pages(app, services);
  register_traveller_pages(app, services);
  register_audit_pages(app, services);
}

}  // namespace yizhan::web

#include "service/review_service.h"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "domain/co_resident_rules.h"
#include "domain/id_document.h"
#include "domain/profile.h"
#include "domain/text.h"

namespace yizhan::service {
namespace {

std::int64_t seconds(Instant instant) { return instant.time_since_epoch().count(); }

// Stored fields were validated as UTF-8 on the way in; replacing instead of
// throwing keeps one damaged row from blocking every decision.
std::string dump(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Error invalid(std::string code, std::string field) {
  return make_error(ErrorKind::invalid, std::move(code), std::move(field));
}

std::string field_value(const store::Profile& profile, std::string_view field) {
  if (field == "name") return profile.name;
  if (field == "gender") return profile.gender;
  if (field == "birth_date") return profile.birth_date;
  if (field == "hk_mobile") return profile.hk_mobile;
  if (field == "mainland_mobile") return profile.mainland_mobile;
  if (field == "destination_code") return profile.destination_code;
  return {};
}

std::string trim_ascii_whitespace(std::string_view text) {
  const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return std::string(text);
}

// Line breaks and tabs are allowed in a note. Other control characters
// (C0, DEL and C1) are rejected because they would hide text in the audit
// log and the pages.
bool has_disallowed_control(std::string_view text) {
  for (char32_t c : domain::decode_utf8(text)) {
    if (c == U'\n' || c == U'\r' || c == U'\t') continue;
    if (c < 0x20 || (c >= 0x7F && c <= 0x9F)) return true;
  }
  return false;
}

// Checks the reason and note against the decision and returns the note
// without surrounding whitespace.
Result<std::string> check_reason(ReviewDecision decision, const std::string& reason_code, const std::string& note) {
  if (!domain::is_valid_utf8(note)) return invalid("review.note_invalid", "note");
  std::string cleaned = trim_ascii_whitespace(note);
  if (decision == ReviewDecision::approve) {
    if (!reason_code.empty()) return invalid("review.reason_unexpected", "reason");
  } else {
    if (reason_code.empty()) return invalid("review.reason_required", "reason");
    if (std::find(kRejectReasons.begin(), kRejectReasons.end(), reason_code) == kRejectReasons.end()) {
      return invalid("review.reason_invalid", "reason");
    }
    if (reason_code == "other" && cleaned.empty()) return invalid("review.note_required", "note");
  }
  if (domain::count_code_points(cleaned) > kReviewNoteMaxCodePoints) {
    Error error = invalid("review.note_too_long", "note");
    error.params["max"] = std::to_string(kReviewNoteMaxCodePoints);
    return error;
  }
  if (has_disallowed_control(cleaned)) return invalid("review.note_invalid", "note");
  return cleaned;
}

void check_id_document(const store::ReviewItem& item, std::chrono::year_month_day today, ReviewChecks& checks) {
  const auto type = domain::parse_id_type(item.id_type);
  checks.id_number_format_valid = type && !domain::validate_id_number(*type, item.id_number, today);
  checks.same_number_accounts = item.same_number_accounts;
  if (type != domain::IdType::resident_id) return;

  const char expected = item.id_number.size() == 18
                            ? domain::resident_id_check_digit(std::string_view(item.id_number).substr(0, 17))
                            : '\0';
  checks.id_check_digit_valid = expected != '\0' && expected == item.id_number[17];

  // The encoded birth date and gender are only trusted when the check digit
  // is right; otherwise the comparison is left undecided (nullopt).
  const auto facts = domain::resident_id_facts(item.id_number);
  if (!facts) return;
  const store::Profile& profile = item.profile;
  checks.birth_date_matches_id = profile.birth_date == format_date(facts->birth_date);
  checks.gender_matches_id = profile.gender == (facts->male ? "male" : "female");
}

void check_field_formats(const store::ReviewItem& item, std::chrono::year_month_day today, ReviewChecks& checks) {
  const store::Profile& profile = item.profile;
  domain::ProfileInput input;
  input.name = profile.name;
  input.gender = profile.gender;
  input.birth_date = profile.birth_date;
  input.hk_mobile = profile.hk_mobile;
  input.mainland_mobile = profile.mainland_mobile;
  input.destination_code = profile.destination_code;
  input.consent = profile.consent;
  const auto type = domain::parse_id_type(item.id_type).value_or(domain::IdType::passport);
  for (const Error& error : domain::validate_profile_draft(input, type, item.id_number, today)) {
    checks.field_errors.emplace(error.field, error.code);
  }
}

// Compares the submission with the last approved snapshot.
void mark_changes(const store::Profile& profile, ReviewEntry& entry) {
  if (profile.approved_json.empty()) return;
  const auto approved = nlohmann::json::parse(profile.approved_json, nullptr, false);
  // NOTE: only this service writes approved_json, so an unreadable snapshot
  // means a damaged row, and the submission is shown as a first one.
  if (!approved.is_object()) return;
  entry.previously_approved = true;
  for (std::string_view field : kReviewedFields) {
    const auto found = approved.find(std::string(field));
    const std::string before = found != approved.end() && found->is_string() ? found->get<std::string>() : "";
    if (before != field_value(profile, field)) {
      entry.changed_fields.emplace_back(field);
      entry.approved_values.emplace(std::string(field), before);
    }
  }
}

CoResidentReview review_co_resident(const store::CoResident& co_resident, std::chrono::year_month_day today) {
  CoResidentReview review;
  review.co_resident = co_resident;
  domain::CoResidentInput input{co_resident.name,      co_resident.relation, co_resident.id_type,
                                co_resident.id_number, co_resident.birth_date, co_resident.gender,
                                co_resident.care_reason, co_resident.care_note};
  for (const Error& error : domain::validate_co_resident(input, today)) {
    review.field_errors.emplace(error.field, error.code);
  }
  review.id_number_format_valid = review.field_errors.count("id_number") == 0 && review.field_errors.count("id_type") == 0;
  if (co_resident.id_type != "resident_id") return review;

  const char expected = co_resident.id_number.size() == 18
                            ? domain::resident_id_check_digit(std::string_view(co_resident.id_number).substr(0, 17))
                            : '\0';
  review.id_check_digit_valid = expected != '\0' && expected == co_resident.id_number[17];
  const auto facts = domain::resident_id_facts(co_resident.id_number);
  if (!facts) return review;
  review.birth_date_matches_id = co_resident.birth_date == format_date(facts->birth_date);
  review.gender_matches_id = co_resident.gender == (facts->male ? "male" : "female");
  return review;
}

nlohmann::json co_resident_audit(const store::CoResident& co_resident) {
  return {{"id", co_resident.id},
          {"relation", co_resident.relation},
          {"id_type", co_resident.id_type},
          {"id_number_masked", domain::mask_id_number(co_resident.id_number)},
          {"status", co_resident.status}};
}

nlohmann::json audit_state(const store::Profile& profile) {
  return {{"status", profile.status}, {"reason", profile.reject_reason}, {"note", profile.reject_note}};
}

}  // namespace

std::optional<ReviewDecision> parse_review_decision(std::string_view name) {
  if (name == "approve") return ReviewDecision::approve;
  if (name == "reject") return ReviewDecision::reject;
  return std::nullopt;
}

std::string approved_snapshot(const store::Profile& profile) {
  nlohmann::json snapshot = nlohmann::json::object();
  for (std::string_view field : kReviewedFields) snapshot[std::string(field)] = field_value(profile, field);
  return dump(snapshot);
}

ReviewService::ReviewService(store::Store& store, const Clock& clock, const TimeZone& zone,
                             const Divisions& divisions)
    : store_(store), clock_(clock), zone_(zone), divisions_(divisions) {}

ReviewEntry ReviewService::describe(store::ReviewItem item) const {
  const auto today = zone_.to_local(clock_.now()).date;
  ReviewEntry entry;
  check_id_document(item, today, entry.checks);
  check_field_formats(item, today, entry.checks);
  if (!item.profile.destination_code.empty()) {
    entry.checks.destination_known = divisions_.is_destination(item.profile.destination_code);
  }
  mark_changes(item.profile, entry);
  entry.pending = item.profile.status == "pending";
  for (const auto& co_resident : store_.list_co_residents(item.profile.account_id)) {
    entry.pending = entry.pending || co_resident.status == "pending";
    entry.co_residents.push_back(review_co_resident(co_resident, today));
  }
  entry.item = std::move(item);
  return entry;
}

ReviewQueuePage ReviewService::queue(int limit, int offset) {
  ReviewQueuePage page;
  page.total = store_.count_review_accounts();
  for (std::int64_t account_id : store_.list_review_accounts(limit, offset)) {
    // An account decided between the two reads is left out of this page.
    if (auto item = store_.find_review(account_id)) page.entries.push_back(describe(std::move(*item)));
  }
  return page;
}

std::optional<ReviewEntry> ReviewService::find(std::int64_t account_id) {
  auto item = store_.find_review(account_id);
  if (!item) return std::nullopt;
  return describe(std::move(*item));
}

Result<store::Profile> ReviewService::decide(const store::Staff& staff, std::int64_t account_id,
                                             const std::string& decision_name, const std::string& reason_code,
                                             const std::string& note, std::optional<std::int64_t> expected_version) {
  const auto decision = parse_review_decision(decision_name);
  if (!decision) return invalid("review.decision_invalid", "decision");
  auto cleaned_note = check_reason(*decision, reason_code, note);
  if (!cleaned_note) return cleaned_note.error();

  const auto item = store_.find_review(account_id);
  if (!item) return make_error(ErrorKind::not_found, "review.not_found");
  const store::Profile& current = item->profile;
  const bool profile_pending = current.status == "pending";
  std::vector<store::CoResident> pending_co_residents;
  for (auto& co_resident : store_.list_co_residents(account_id)) {
    if (co_resident.status == "pending") pending_co_residents.push_back(std::move(co_resident));
  }
  if ((!profile_pending && pending_co_residents.empty()) ||
      (expected_version && *expected_version != current.version)) {
    return make_error(ErrorKind::conflict, "review.not_pending");
  }

  store::Profile decided = current;
  const std::int64_t now = seconds(clock_.now());
  if (profile_pending) decide_profile_fields(decided, *decision, reason_code, cleaned_note.value(), staff, now);

  store::CoResidentDecision co_resident_decision;
  co_resident_decision.account_id = account_id;
  co_resident_decision.status = *decision == ReviewDecision::approve ? "approved" : "rejected";
  if (*decision == ReviewDecision::reject) {
    co_resident_decision.reject_reason = reason_code;
    co_resident_decision.reject_note = cleaned_note.value();
  }
  co_resident_decision.decided_at = now;
  for (const auto& co_resident : pending_co_residents) co_resident_decision.ids.push_back(co_resident.id);

  // The audit entry names the documents only masked: the log is read by
  // administrators who do not need the numbers.
  nlohmann::json before = audit_state(current);
  before["version"] = current.version;
  before["id_type"] = item->id_type;
  before["id_number_masked"] = domain::mask_id_number(item->id_number);
  nlohmann::json after = audit_state(decided);
  if (profile_pending && *decision == ReviewDecision::approve) {
    after["note"] = cleaned_note.value();
    after["approved"] = nlohmann::json::parse(decided.approved_json);
  }
  if (!pending_co_residents.empty()) {
    before["co_residents"] = nlohmann::json::array();
    after["co_residents"] = nlohmann::json::array();
    for (store::CoResident co_resident : pending_co_residents) {
      before["co_residents"].push_back(co_resident_audit(co_resident));
      co_resident.status = co_resident_decision.status;
      nlohmann::json decided_co_resident = co_resident_audit(co_resident);
      decided_co_resident["reason"] = co_resident_decision.reject_reason;
      after["co_residents"].push_back(decided_co_resident);
    }
    after["co_residents_note"] = cleaned_note.value();
  }

  store::AuditEntry audit;
  audit.at = now;
  audit.staff_id = staff.id;
  audit.staff_username = staff.username;
  audit.action = *decision == ReviewDecision::approve ? "review.approve" : "review.reject";
  audit.target_type = "account";
  audit.target_id = std::to_string(account_id);
  audit.before_json = dump(before);
  audit.after_json = dump(after);

  if (store_.decide_account(profile_pending ? &decided : nullptr, current.version, co_resident_decision, audit) ==
      store::DecisionOutcome::stale) {
    return make_error(ErrorKind::conflict, "review.not_pending");
  }
  if (profile_pending) decided.version = current.version + 1;
  spdlog::info("event=review_decided account_id={} decision={} profile={} co_residents={} by={}", account_id,
               decision_name, profile_pending, pending_co_residents.size(), staff.id);
  return decided;
}

void ReviewService::decide_profile_fields(store::Profile& decided, ReviewDecision decision,
                                          const std::string& reason_code, const std::string& note,
                                          const store::Staff& staff, std::int64_t now) {
  const store::Profile current = decided;
  decided.decided_at = now;
  decided.decided_by = staff.id;
  if (decision == ReviewDecision::approve) {
    decided.status = "approved";
    decided.reject_reason.clear();
    decided.reject_note.clear();
    decided.approved_json = approved_snapshot(current);
  } else {
    // A rejection keeps the last approved snapshot, so the next submission
    // is still compared with what was approved.
    decided.status = "rejected";
    decided.reject_reason = reason_code;
    decided.reject_note = note;
  }
}

}  // namespace yizhan::service

#include "domain/co_resident_rules.h"

#include <algorithm>
#include <optional>
#include <set>
#include <utility>

#include "domain/id_document.h"
#include "domain/profile.h"
#include "domain/text.h"

namespace yizhan::domain {

namespace {

using namespace std::chrono;

Error invalid(std::string code, std::string field) {
  return make_error(ErrorKind::invalid, std::move(code), std::move(field));
}

// "profile.name_invalid" -> "co_resident.name_invalid": the profile rules
// are reused, but their messages speak to the traveller about themselves.
Error as_co_resident_error(Error error, std::string_view old_prefix) {
  error.code = "co_resident." + error.code.substr(old_prefix.size());
  return error;
}

std::string trim_ascii_whitespace(std::string_view text) {
  const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return std::string(text);
}

bool has_control_character(std::string_view text) {
  for (char32_t c : decode_utf8(text)) {
    if (c < 0x20 || (c >= 0x7F && c <= 0x9F)) return true;
  }
  return false;
}

// Name, gender and birth date by the rules of the traveller's own profile,
// including the match with a resident ID number. Errors of the other
// profile fields, which a co-resident does not have, are dropped.
std::vector<Error> check_person_fields(const CoResidentInput& input, year_month_day today) {
  ProfileInput person;
  person.name = input.name;
  person.gender = input.gender;
  person.birth_date = input.birth_date;
  const IdType type = parse_id_type(input.id_type).value_or(IdType::passport);

  std::vector<Error> errors;
  for (Error& error : validate_profile_complete(person, type, input.id_number, today)) {
    if (error.field == "name" || error.field == "gender" || error.field == "birth_date") {
      errors.push_back(as_co_resident_error(std::move(error), "profile."));
    }
  }
  return errors;
}

std::optional<Error> first_error_on(std::vector<Error>& errors, std::string_view field) {
  for (Error& error : errors) {
    if (error.field == field) return std::move(error);
  }
  return std::nullopt;
}

Check check_id_document(const CoResidentInput& input, year_month_day today, std::vector<Error>& errors) {
  if (input.id_type.empty()) {
    errors.push_back(invalid("co_resident.id_type_missing", "id_type"));
  } else if (!parse_id_type(input.id_type)) {
    errors.push_back(invalid("co_resident.id_type_invalid", "id_type"));
  }

  if (input.id_number.empty()) return invalid("co_resident.id_number_missing", "id_number");
  if (!is_valid_utf8(input.id_number)) return invalid("co_resident.id_number_invalid", "id_number");
  const auto type = parse_id_type(input.id_type);
  // Without a known type the number's format cannot be judged, so only the
  // type's own error is reported.
  if (!type) return std::nullopt;
  if (auto error = validate_id_number(*type, input.id_number, today)) {
    return as_co_resident_error(std::move(*error), "account.");
  }
  return std::nullopt;
}

Check check_care(const CoResidentInput& input, std::vector<Error>& errors) {
  if (!input.care_reason.empty() && !is_care_reason(input.care_reason)) {
    errors.push_back(invalid("co_resident.care_reason_invalid", "care_reason"));
  }
  if (input.care_note.empty()) {
    if (input.care_reason == "other") return invalid("co_resident.care_note_required", "care_note");
    return std::nullopt;
  }
  if (!is_valid_utf8(input.care_note) || has_control_character(input.care_note)) {
    return invalid("co_resident.care_note_invalid", "care_note");
  }
  if (count_code_points(input.care_note) > kCareNoteMaxCodePoints) {
    Error error = invalid("co_resident.care_note_too_long", "care_note");
    error.params["max"] = std::to_string(kCareNoteMaxCodePoints);
    return error;
  }
  return std::nullopt;
}

std::string identity_key(const GroupPerson& person) { return person.id_type + '\n' + person.id_number; }

}  // namespace

bool is_relation(std::string_view name) {
  return std::find(kRelations.begin(), kRelations.end(), name) != kRelations.end();
}

bool is_care_reason(std::string_view name) {
  return std::find(kCareReasons.begin(), kCareReasons.end(), name) != kCareReasons.end();
}

int age_on(year_month_day birth, year_month_day on) {
  int age = static_cast<int>(on.year()) - static_cast<int>(birth.year());
  // Month and day compared as numbers: a 29 February birthday is not reached
  // on 28 February, so it counts from 1 March in other years.
  const bool birthday_reached =
      on.month() > birth.month() || (on.month() == birth.month() && on.day() >= birth.day());
  if (!birthday_reached) --age;
  return age;
}

void normalize_co_resident(CoResidentInput& input) {
  ProfileInput person;
  person.name = std::move(input.name);
  person.gender = std::move(input.gender);
  person.birth_date = std::move(input.birth_date);
  normalize_profile(person);
  input.name = std::move(person.name);
  input.gender = std::move(person.gender);
  input.birth_date = std::move(person.birth_date);

  input.relation = trim_ascii_whitespace(input.relation);
  input.id_type = trim_ascii_whitespace(input.id_type);
  input.care_reason = trim_ascii_whitespace(input.care_reason);
  input.care_note = trim_ascii_whitespace(input.care_note);
  if (is_valid_utf8(input.id_number)) input.id_number = normalize_id_number(input.id_number);
}

std::vector<Error> validate_co_resident(const CoResidentInput& input, year_month_day today) {
  std::vector<Error> person = check_person_fields(input, today);
  std::vector<Error> errors;
  auto add = [&errors](Check check) {
    if (check) errors.push_back(std::move(*check));
  };

  add(first_error_on(person, "name"));

  if (input.relation.empty()) {
    errors.push_back(invalid("co_resident.relation_missing", "relation"));
  } else if (!is_relation(input.relation)) {
    errors.push_back(invalid("co_resident.relation_invalid", "relation"));
  }

  add(check_id_document(input, today, errors));
  add(first_error_on(person, "birth_date"));
  add(first_error_on(person, "gender"));
  add(check_care(input, errors));
  return errors;
}

bool needs_care(const GroupPerson& person, year_month_day on) {
  if (is_care_reason(person.care_reason)) return true;
  const int age = age_on(person.birth_date, on);
  return age < kCareAgeBelow || age >= kCareAgeFrom;
}

int count_adults(const std::vector<GroupPerson>& group, year_month_day on) {
  return static_cast<int>(std::count_if(group.begin(), group.end(), [on](const GroupPerson& person) {
    return age_on(person.birth_date, on) >= kAdultAge;
  }));
}

Check check_group(const std::vector<GroupPerson>& group, year_month_day booking_date) {
  if (group.size() <= 1) return std::nullopt;

  if (group.size() > static_cast<std::size_t>(kMaxCoResidents) + 1) {
    Error error = make_error(ErrorKind::conflict, "booking.group_too_large");
    error.params["max"] = std::to_string(kMaxCoResidents);
    return error;
  }

  std::set<std::string> seen;
  for (const GroupPerson& person : group) {
    if (!seen.insert(identity_key(person)).second) {
      return make_error(ErrorKind::conflict, "booking.group_duplicate_person");
    }
  }

  const bool anyone_needs_care = std::any_of(
      group.begin(), group.end(), [booking_date](const GroupPerson& person) { return needs_care(person, booking_date); });
  if (!anyone_needs_care) return make_error(ErrorKind::conflict, "booking.group_no_care_need");

  const int adults = count_adults(group, booking_date);
  if (adults > kMaxAdultsPerRoom) {
    Error error = make_error(ErrorKind::conflict, "booking.group_too_many_adults");
    error.params["max"] = std::to_string(kMaxAdultsPerRoom);
    error.params["adults"] = std::to_string(adults);
    return error;
  }
  return std::nullopt;
}

}  // namespace yizhan::domain

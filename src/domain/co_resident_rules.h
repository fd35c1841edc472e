// Co-residents (同住人): direct relatives who share the traveller's room
// because someone in the group needs care. The fields of one co-resident,
// and the rules a whole group (the applicant and the co-residents) must meet
// on the booking date. The functions are pure, so the caller passes dates in.
//
// The care policy: a person under 14, aged 70 or over, pregnant, with an
// underlying disease, or otherwise in need of care may share one room with
// up to 3 accompanying direct relatives, and a room takes at most 2 adults
// (18 or over).
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "domain/error.h"

namespace yizhan::domain {

inline constexpr int kMaxCoResidents = 3;
inline constexpr int kMaxAdultsPerRoom = 2;
inline constexpr int kAdultAge = 18;
// Age-based care: younger than kCareAgeBelow or at least kCareAgeFrom.
inline constexpr int kCareAgeBelow = 14;
inline constexpr int kCareAgeFrom = 70;
// Maximum length of a care note, in code points.
inline constexpr std::size_t kCareNoteMaxCodePoints = 200;

// API names of the direct relatives a co-resident may be, from the
// applicant's point of view.
inline constexpr std::array<std::string_view, 7> kRelations = {
    "spouse",           "parent", "child", "paternal_grandparent", "maternal_grandparent", "grandchild_via_son",
    "grandchild_via_daughter"};

// API names of the care reasons a co-resident may state. An empty reason is
// also allowed: age alone can qualify, or another member needs the care.
inline constexpr std::array<std::string_view, 3> kCareReasons = {"pregnant", "underlying_disease", "other"};

bool is_relation(std::string_view name);
bool is_care_reason(std::string_view name);

// Age in completed years on `on`. Someone born on 29 February turns a year
// older on 1 March in years without that day. Returns a negative number
// when `on` is before `birth`.
int age_on(std::chrono::year_month_day birth, std::chrono::year_month_day on);

// A co-resident as typed into the form or the API.
struct CoResidentInput {
  std::string name;
  std::string relation;
  std::string id_type;
  std::string id_number;
  std::string birth_date;  // YYYY-MM-DD
  std::string gender;      // "male" or "female"
  std::string care_reason;
  std::string care_note;
};

// Normalizes typed values in place, the same way as the traveller's own
// fields: full-width forms become ASCII, surrounding whitespace goes, and
// the ID number is upper-cased with its spaces removed.
void normalize_co_resident(CoResidentInput& input);

// Validates every field of a normalized co-resident. Returns one error per
// failing field in form order, or an empty vector. All errors have kind
// ErrorKind::invalid and the JSON member name as field:
//   co_resident.name_missing / name_too_long / name_invalid
//   co_resident.relation_missing / relation_invalid
//   co_resident.id_type_missing / id_type_invalid
//   co_resident.id_number_missing / id_number_invalid / id_number_checksum /
//     id_number_birth_date            (the rules of the applicant's number)
//   co_resident.birth_date_missing / birth_date_invalid /
//     birth_date_in_future / birth_date_too_early
//   co_resident.birth_date_mismatch   differs from the resident ID number
//   co_resident.gender_missing / gender_invalid
//   co_resident.gender_mismatch       differs from the resident ID number
//   co_resident.care_reason_invalid   not empty and not in kCareReasons
//   co_resident.care_note_required    reason "other" without a note
//   co_resident.care_note_too_long    over kCareNoteMaxCodePoints (params["max"])
//   co_resident.care_note_invalid     not UTF-8, or a control character
std::vector<Error> validate_co_resident(const CoResidentInput& input, std::chrono::year_month_day today);

// One person of a booking group as the group rules see them.
struct GroupPerson {
  std::string id_type;
  std::string id_number;
  std::chrono::year_month_day birth_date;
  std::string care_reason;  // "" for the applicant, who states none
};

// True when `person` qualifies for care on `on`: under kCareAgeBelow, at
// least kCareAgeFrom, or a stated care reason.
bool needs_care(const GroupPerson& person, std::chrono::year_month_day on);

// People of the group aged kAdultAge or over on `on`.
int count_adults(const std::vector<GroupPerson>& group, std::chrono::year_month_day on);

// Checks a booking group on its booking date. `group` starts with the
// applicant; an applicant alone always passes. Error codes (kind conflict,
// no field):
//   booking.group_too_large       more than kMaxCoResidents co-residents
//                                 (params["max"])
//   booking.group_duplicate_person  one ID document twice in the group
//   booking.group_no_care_need    nobody qualifies for care on that date
//   booking.group_too_many_adults more than kMaxAdultsPerRoom adults on that
//                                 date (params["max"], params["adults"])
Check check_group(const std::vector<GroupPerson>& group, std::chrono::year_month_day booking_date);

}  // namespace yizhan::domain

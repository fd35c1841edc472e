// A traveller's personal information: the values of the form as typed, how
// they are normalized, and the rules a saved draft and a submitted profile
// must meet. The functions are pure, so the caller passes the current date.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/error.h"
#include "domain/id_document.h"

namespace yizhan::domain {

enum class Gender { male, female };

// Parses the API name of a gender ("male" or "female"). Matching is exact
// and case-sensitive.
std::optional<Gender> parse_gender(std::string_view name);

// Returns the API name of `gender`, the inverse of parse_gender.
std::string_view to_string(Gender gender);

// Maximum length of a name in code points, so a CJK character counts as one.
inline constexpr std::size_t kNameMaxCodePoints = 50;

// Maximum size in bytes of any field. Longer values are rejected before any
// other check runs, and normalize_profile leaves them unchanged.
inline constexpr std::size_t kProfileFieldMaxBytes = 200;

// The form's values as typed. An empty string means the field was not filled
// in. birth_date is YYYY-MM-DD, destination_code a six-digit GB/T 2260
// division code.
struct ProfileInput {
  std::string name;
  std::string gender;
  std::string birth_date;
  std::string hk_mobile;
  std::string mainland_mobile;
  std::string destination_code;
  bool consent = false;
};

// Normalizes typed values in place, so that one person's data has one stored
// spelling:
//   - in every field, full-width ASCII forms (U+FF01..U+FF5E) become ASCII,
//     the ideographic space U+3000 and the no-break space U+00A0 become ' ',
//     and surrounding ASCII whitespace is removed;
//   - in the name, each run of inner whitespace becomes one ' ';
//   - in the mobile numbers, whitespace and '-' are removed. Then a "+852"
//     or "852" prefix is removed from the Hong Kong number when 8 characters
//     remain, and a "+86" or "86" prefix from the mainland number when 11
//     characters remain.
// A field longer than kProfileFieldMaxBytes is left unchanged, so the
// validators reject it whatever whitespace it contains. Invalid UTF-8 bytes
// are kept for the validators to reject.
void normalize_profile(ProfileInput& input);

// Validates a draft for "save progress". Every field that is filled in must
// have a valid format, and empty fields are allowed. Returns one error per
// failing field in form order (name, gender, birth_date, hk_mobile,
// mainland_mobile, destination_code), or an empty vector when the draft is
// valid. `id_type`, `id_number` and consent are not checked for a draft.
//
// Expects normalize_profile to have run. A value that normalization would
// have changed, such as " 91234567" or "+85291234567", is rejected instead of
// being stored in a second spelling.
//
// All errors have kind ErrorKind::invalid, and `field` is the JSON member
// name:
//   profile.name_too_long      more than 50 code points (params["max"]), or
//                              more than kProfileFieldMaxBytes bytes
//   profile.name_invalid       not UTF-8; a character other than a letter,
//                              a combining mark after a letter, a space or
//                              a middle dot (U+00B7, U+30FB, U+2027); a
//                              space or middle dot at the start or end; two
//                              spaces in a row; or no letter at all
//   profile.gender_invalid     neither "male" nor "female"
//   profile.birth_date_invalid not YYYY-MM-DD or not a real calendar date
//   profile.birth_date_in_future        after `today`
//   profile.birth_date_too_early        before 1900-01-01
//   profile.hk_mobile_invalid           not 8 ASCII digits starting with 4-9
//   profile.mainland_mobile_invalid     not 11 ASCII digits starting with 1
//   profile.destination_invalid         not 6 ASCII digits (field
//                                       destination_code)
// A value that is not UTF-8 or is longer than kProfileFieldMaxBytes gets the
// field's *_invalid code, except the name, which gets name_too_long when too
// long. Whether the destination code names an existing division is not
// checked here.
std::vector<Error> validate_profile_draft(const ProfileInput& input, IdType id_type,
                                          std::string_view id_number,
                                          std::chrono::year_month_day today);

// Validates a profile for "done", before it is submitted for review. Applies
// every format rule of validate_profile_draft and also requires the name,
// gender, birth date, at least one mobile number, the destination code and
// consent. Returns one error per failing field in form order, consent last.
//
// For a resident ID card, the birth date and gender must match those encoded
// in `id_number`, the account's normalized ID number (see
// resident_id_facts). The match is skipped for other ID types, and when
// `id_number` is not a valid resident ID number, because registration
// validated the number and the profile fields are not the cause.
//
// Additional error codes:
//   profile.name_missing, profile.gender_missing, profile.birth_date_missing,
//   profile.destination_missing (field destination_code)
//   profile.mobile_missing     neither mobile number given (field hk_mobile)
//   profile.consent_required   consent is false (field consent)
//   profile.gender_mismatch    gender differs from the resident ID number
//   profile.birth_date_mismatch  birth date differs from the resident ID
//                                number
std::vector<Error> validate_profile_complete(const ProfileInput& input, IdType id_type,
                                             std::string_view id_number,
                                             std::chrono::year_month_day today);

}  // namespace yizhan::domain

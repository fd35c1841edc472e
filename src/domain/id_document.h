// Identity documents a traveller registers with, and the rules their numbers
// follow. The functions are pure, so the caller passes the current date in.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "domain/error.h"

namespace yizhan::domain {

enum class IdType {
  resident_id,         // mainland resident ID card (GB 11643)
  home_return_permit,  // Home Return Permit of Hong Kong and Macau residents
  hk_macau_permit,     // mainland residents' permit to Hong Kong and Macau
  passport,
};

// Parses the API name of an ID type ("resident_id", "home_return_permit",
// "hk_macau_permit", "passport"). Matching is exact and case-sensitive.
std::optional<IdType> parse_id_type(std::string_view name);

// Returns the API name of `type`, the inverse of parse_id_type.
std::string_view to_string(IdType type);

// Validates an ID number against the format of its type.
//
// `normalized` must be the output of normalize_id_number, so lower-case
// letters and spaces are rejected here instead of being stored in a second
// spelling of the same number. `today` bounds a resident ID's birth date.
//
// Error codes, all with field "id_number":
//   account.id_number_missing     the number is empty
//   account.id_number_birth_date  resident ID whose birth date is not a real
//                                 date, is before 1900-01-01 or after today
//   account.id_number_checksum    resident ID whose check digit is wrong
//   account.id_number_invalid     any other format error
Check validate_id_number(IdType type, std::string_view normalized,
                         std::chrono::year_month_day today);

// Birth date and gender encoded in a resident ID number.
struct ResidentIdFacts {
  std::chrono::year_month_day birth_date;
  bool male;
};

// Extracts the birth date (characters 7-14) and gender (the 17th character,
// odd for male) of a resident ID number. Returns nullopt unless the number
// has the resident ID format, a correct check digit and a real calendar
// date. The date is not compared with today or with 1900-01-01.
std::optional<ResidentIdFacts> resident_id_facts(std::string_view normalized);

// Computes the ISO 7064 MOD 11-2 check digit ('0'-'9' or 'X') of the first
// 17 digits of a resident ID number. Returns '\0' unless `first17` is
// exactly 17 ASCII digits.
char resident_id_check_digit(std::string_view first17);

// Masks an ID number for display: the first 4 and the last character stay
// and the middle becomes "****" ("H12345678" -> "H123****8"). A number of 5
// characters or fewer shows only its first character and "****". Counts
// code points, so a multi-byte character is never split.
std::string mask_id_number(std::string_view number);

}  // namespace yizhan::domain

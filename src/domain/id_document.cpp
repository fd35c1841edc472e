#include "domain/id_document.h"

#include <array>

#include "domain/text.h"

namespace yizhan::domain {

namespace {

using namespace std::chrono;

constexpr std::string_view kIdNumberField = "id_number";

Error invalid(std::string code) {
  return make_error(ErrorKind::invalid, std::move(code), std::string(kIdNumberField));
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }

bool all_digits(std::string_view text) {
  for (char c : text) {
    if (!is_digit(c)) return false;
  }
  return true;
}

// Returns the byte offset where code point `index` starts, or text.size()
// past the last one. Cutting only at lead bytes keeps a multi-byte
// character whole when a number is masked.
std::size_t byte_offset_of_code_point(std::string_view text, std::size_t index) {
  std::size_t seen = 0;
  for (std::size_t offset = 0; offset < text.size(); ++offset) {
    if ((static_cast<unsigned char>(text[offset]) & 0xC0) == 0x80) continue;
    if (seen == index) return offset;
    ++seen;
  }
  return text.size();
}

int parse_digits(std::string_view digits) {
  int value = 0;
  for (char c : digits) value = value * 10 + (c - '0');
  return value;
}

// Checks the layout of a resident ID: 17 digits, then a digit or 'X'.
bool has_resident_id_shape(std::string_view number) {
  if (number.size() != 18) return false;
  if (!all_digits(number.substr(0, 17))) return false;
  return is_digit(number[17]) || number[17] == 'X';
}

// Reads the YYYYMMDD birth date at characters 7-14 (offset 6). The result
// is not ok() when those digits do not name a real calendar date.
year_month_day resident_id_birth_date(std::string_view number) {
  return year_month_day{year{parse_digits(number.substr(6, 4))},
                        month{static_cast<unsigned>(parse_digits(number.substr(10, 2)))},
                        day{static_cast<unsigned>(parse_digits(number.substr(12, 2)))}};
}

Check validate_resident_id(std::string_view number, year_month_day today) {
  if (!has_resident_id_shape(number)) return invalid("account.id_number_invalid");

  // The birth date is checked before the check digit because a digit typed
  // wrong inside the date usually breaks both, and the date error points the
  // user to the digits to correct.
  const year_month_day birth_date = resident_id_birth_date(number);
  constexpr year_month_day kEarliestBirthDate{year{1900}, January, day{1}};
  if (!birth_date.ok() || birth_date < kEarliestBirthDate || birth_date > today) {
    return invalid("account.id_number_birth_date");
  }

  if (resident_id_check_digit(number.substr(0, 17)) != number[17]) {
    return invalid("account.id_number_checksum");
  }
  return std::nullopt;
}

// 'H' (Hong Kong) or 'M' (Macau), then 8 digits, or 10 on older cards.
bool is_home_return_permit(std::string_view number) {
  if (number.size() != 9 && number.size() != 11) return false;
  if (number[0] != 'H' && number[0] != 'M') return false;
  return all_digits(number.substr(1));
}

// 'C', one letter or digit and 7 digits, or the older 'W' and 8 digits.
bool is_hk_macau_permit(std::string_view number) {
  if (number.size() != 9) return false;
  if (number[0] == 'C') {
    return (is_upper(number[1]) || is_digit(number[1])) && all_digits(number.substr(2));
  }
  if (number[0] == 'W') return all_digits(number.substr(1));
  return false;
}

// 5 to 17 letters and digits, upper case because the number is normalized.
bool is_passport(std::string_view number) {
  if (number.size() < 5 || number.size() > 17) return false;
  for (char c : number) {
    if (!is_upper(c) && !is_digit(c)) return false;
  }
  return true;
}

}  // namespace

std::optional<IdType> parse_id_type(std::string_view name) {
  for (IdType type : {IdType::resident_id, IdType::home_return_permit,
                      IdType::hk_macau_permit, IdType::passport}) {
    if (name == to_string(type)) return type;
  }
  return std::nullopt;
}

std::string_view to_string(IdType type) {
  switch (type) {
    case IdType::resident_id:
      return "resident_id";
    case IdType::home_return_permit:
      return "home_return_permit";
    case IdType::hk_macau_permit:
      return "hk_macau_permit";
    case IdType::passport:
      return "passport";
  }
  return {};
}

Check validate_id_number(IdType type, std::string_view normalized, year_month_day today) {
  if (normalized.empty()) return invalid("account.id_number_missing");

  bool valid = false;
  switch (type) {
    case IdType::resident_id:
      return validate_resident_id(normalized, today);
    case IdType::home_return_permit:
      valid = is_home_return_permit(normalized);
      break;
    case IdType::hk_macau_permit:
      valid = is_hk_macau_permit(normalized);
      break;
    case IdType::passport:
      valid = is_passport(normalized);
      break;
  }
  if (!valid) return invalid("account.id_number_invalid");
  return std::nullopt;
}

std::optional<ResidentIdFacts> resident_id_facts(std::string_view normalized) {
  if (!has_resident_id_shape(normalized)) return std::nullopt;
  if (resident_id_check_digit(normalized.substr(0, 17)) != normalized[17]) return std::nullopt;

  const year_month_day birth_date = resident_id_birth_date(normalized);
  if (!birth_date.ok()) return std::nullopt;

  const bool male = (normalized[16] - '0') % 2 == 1;
  return ResidentIdFacts{birth_date, male};
}

char resident_id_check_digit(std::string_view first17) {
  if (first17.size() != 17 || !all_digits(first17)) return '\0';

  // ISO 7064 MOD 11-2: the digit at index i (counted from 0) has weight
  // 2^(17-i) mod 11, and the remainder of the weighted sum selects the
  // check character.
  constexpr std::array<int, 17> kWeights{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  constexpr std::string_view kCheckCharacters = "10X98765432";
  int sum = 0;
  for (std::size_t i = 0; i < first17.size(); ++i) {
    sum += (first17[i] - '0') * kWeights[i];
  }
  return kCheckCharacters[static_cast<std::size_t>(sum % 11)];
}

std::string mask_id_number(std::string_view number) {
  const std::size_t length = count_code_points(number);
  if (length <= 5) {
    return std::string(number.substr(0, byte_offset_of_code_point(number, 1))) + "****";
  }
  return std::string(number.substr(0, byte_offset_of_code_point(number, 4))) + "****" +
         std::string(number.substr(byte_offset_of_code_point(number, length - 1)));
}

}  // namespace yizhan::domain

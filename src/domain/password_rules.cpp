#include "domain/password_rules.h"

#include <string>

#include "domain/text.h"

namespace yizhan::domain {

namespace {

Error invalid_password(std::string code) {
  return make_error(ErrorKind::invalid, std::move(code), "password");
}

// C0 controls, DEL and C1 controls: the Unicode general category Cc.
bool is_control(char32_t code_point) {
  return code_point < 0x20 || (code_point >= 0x7F && code_point <= 0x9F);
}

}  // namespace

Check validate_password(std::string_view password) {
  if (!is_valid_utf8(password)) return invalid_password("account.password_invalid_encoding");

  const std::u32string code_points = decode_utf8(password);
  if (code_points.size() < kPasswordMinCodePoints) {
    Error error = invalid_password("account.password_too_short");
    error.params["min"] = std::to_string(kPasswordMinCodePoints);
    return error;
  }
  if (code_points.size() > kPasswordMaxCodePoints) {
    Error error = invalid_password("account.password_too_long");
    error.params["max"] = std::to_string(kPasswordMaxCodePoints);
    return error;
  }

  bool has_letter = false;
  bool has_digit = false;
  for (char32_t c : code_points) {
    if (is_control(c)) return invalid_password("account.password_invalid_characters");
    if ((c >= U'a' && c <= U'z') || (c >= U'A' && c <= U'Z')) has_letter = true;
    if (c >= U'0' && c <= U'9') has_digit = true;
  }
  if (!has_letter || !has_digit) {
    return invalid_password("account.password_needs_letters_and_digits");
  }
  return std::nullopt;
}

Check validate_password_confirmation(std::string_view password, std::string_view confirm) {
  if (password != confirm) {
    return make_error(ErrorKind::invalid, "account.password_mismatch", "password_confirm");
  }
  return std::nullopt;
}

}  // namespace yizhan::domain

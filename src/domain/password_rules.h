// Rules a new account password must meet. These are pure functions, and
// hashing and storage live elsewhere.
#pragma once

#include <cstddef>
#include <string_view>

#include "domain/error.h"

namespace yizhan::domain {

// Length limits in code points, so a CJK character counts as one.
inline constexpr std::size_t kPasswordMinCodePoints = 8;
inline constexpr std::size_t kPasswordMaxCodePoints = 128;

// Validates a new password. The checks run in this order and the first
// failure is returned, with field "password":
//   account.password_invalid_encoding        not well-formed UTF-8
//   account.password_too_short               fewer than 8 code points
//   account.password_too_long                more than 128 code points
//   account.password_invalid_characters      a control character (U+0000..U+001F,
//                                            U+007F..U+009F)
//   account.password_needs_letters_and_digits  no ASCII letter or no ASCII digit
// The length errors carry the limit in params["min"] or params["max"].
Check validate_password(std::string_view password);

// Validates that the confirmation repeats the password byte for byte.
// Returns account.password_mismatch with field "password_confirm".
Check validate_password_confirmation(std::string_view password, std::string_view confirm);

}  // namespace yizhan::domain

#include "domain/password_rules.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace yizhan::domain {
namespace {

// Returns the error code of a check, or "" when the value passed.
std::string code_of(const Check& check) { return check ? check->code : std::string(); }

// Repeats `unit` `count` times.
std::string repeat(const std::string& unit, std::size_t count) {
  std::string result;
  for (std::size_t i = 0; i < count; ++i) result += unit;
  return result;
}

TEST(PasswordTest, PasswordAcceptsLettersAndDigits) {
  const std::vector<std::string> cases = {
      "abcdefg1",
      "1234567a",
      "Passw0rd",
      "correct horse battery 9",
      "密碼密碼密碼a1",  // 8 code points, 20 bytes
      "p@ssw0rd!~",
      "\xF0\x9F\x98\x80" "abc12345",  // an emoji is allowed
  };
  for (const std::string& password : cases) {
    SCOPED_TRACE(password);
    EXPECT_EQ(validate_password(password), std::nullopt);
  }
}

TEST(PasswordTest, PasswordLengthBoundaries) {
  struct Case {
    std::string password;
    std::string code;
  };
  const std::vector<Case> cases = {
      {"", "account.password_too_short"},
      {"abc1234", "account.password_too_short"},         // 7
      {"abcd1234", ""},                                  // 8
      {"密碼密碼密a1", "account.password_too_short"},    // 7 code points, 17 bytes
      {"密碼密碼密碼a1", ""},                            // 8 code points
      {"a1" + repeat("b", 126), ""},                     // 128
      {"a1" + repeat("b", 127), "account.password_too_long"},  // 129
      {"a1" + repeat("密", 126), ""},                    // 128 code points, 380 bytes
      {"a1" + repeat("密", 127), "account.password_too_long"},  // 129 code points
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.password);
    EXPECT_EQ(code_of(validate_password(c.password)), c.code);
  }
}

TEST(PasswordTest, PasswordLengthErrorsCarryLimit) {
  const Check short_check = validate_password("a1");
  ASSERT_TRUE(short_check.has_value());
  EXPECT_EQ(short_check->params.at("min"), "8");

  const Check long_check = validate_password("a1" + repeat("b", 200));
  ASSERT_TRUE(long_check.has_value());
  EXPECT_EQ(long_check->params.at("max"), "128");
}

TEST(PasswordTest, PasswordNeedsLettersAndDigits) {
  for (const char* password : {
           "abcdefgh",
           "ABCDEFGHIJ",
           "12345678",
           "!@#$%^&*",
           "密碼密碼密碼密碼",
           "密碼密碼密碼密碼1",                // CJK is not an ASCII letter
           "ａｂｃｄ１２３４",                 // full-width forms are not ASCII
           "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9" "1234",  // é is not an ASCII letter
       }) {
    SCOPED_TRACE(password);
    EXPECT_EQ(code_of(validate_password(password)), "account.password_needs_letters_and_digits");
  }
}

TEST(PasswordTest, PasswordRejectsControlCharacters) {
  const std::vector<std::string> cases = {
      "abcd1234\t",
      "abcd\n1234",
      "abcd1234\r",
      std::string("abcd\0" "1234", 9),
      "abcd1234\x1F",
      "abcd1234\x7F",       // DEL
      "abcd1234\xC2\x80",   // U+0080, first C1 control
      "abcd1234\xC2\x85",   // U+0085 next line
      "abcd1234\xC2\x9F",   // U+009F, last C1 control
      "\x1B[0mabcdefg",     // escape, also without a digit
  };
  for (const std::string& password : cases) {
    SCOPED_TRACE(testing::PrintToString(password));
    EXPECT_EQ(code_of(validate_password(password)), "account.password_invalid_characters");
  }

  // U+00A0, just past the C1 controls, is an ordinary character.
  EXPECT_EQ(validate_password("abcd1234\xC2\xA0"), std::nullopt);
}

TEST(PasswordTest, PasswordRejectsInvalidUtf8) {
  for (const char* password : {
           "abcd1234\xFF",
           "abcd1234\xC0\xAF",      // overlong '/'
           "abcd1234\xED\xA0\x80",  // surrogate
           "abcd1234\xE4\xB8",      // truncated
           "\x80",
       }) {
    SCOPED_TRACE(testing::PrintToString(std::string(password)));
    EXPECT_EQ(code_of(validate_password(password)), "account.password_invalid_encoding");
  }
}

TEST(PasswordTest, PasswordErrorsNamePasswordField) {
  for (const std::string& password : {std::string("short1"), std::string("abcdefgh"),
                                      std::string("abcd1234\t"), std::string("abcd1234\xFF")}) {
    SCOPED_TRACE(testing::PrintToString(password));
    const Check check = validate_password(password);
    ASSERT_TRUE(check.has_value());
    EXPECT_EQ(check->kind, ErrorKind::invalid);
    EXPECT_EQ(check->field, "password");
  }
}

TEST(PasswordTest, PasswordLengthCheckedBeforeComposition) {
  // A short password that also lacks a digit reports the length first.
  EXPECT_EQ(code_of(validate_password("abc")), "account.password_too_short");
}

TEST(PasswordConfirmationTest, ConfirmationAcceptsIdenticalText) {
  EXPECT_EQ(validate_password_confirmation("abcd1234", "abcd1234"), std::nullopt);
  EXPECT_EQ(validate_password_confirmation("密碼密碼密碼a1", "密碼密碼密碼a1"),
            std::nullopt);
}

TEST(PasswordConfirmationTest, ConfirmationRejectsAnyDifference) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"abcd1234", "abcd1235"},
      {"abcd1234", "ABCD1234"},   // case matters
      {"abcd1234", "abcd1234 "},  // trailing space matters
      {"abcd1234", ""},
      {"abcd1234", "ａｂｃｄ１２３４"},  // full-width is a different password
  };
  for (const auto& [password, confirm] : cases) {
    SCOPED_TRACE(confirm);
    const Check check = validate_password_confirmation(password, confirm);
    ASSERT_TRUE(check.has_value());
    EXPECT_EQ(check->code, "account.password_mismatch");
    EXPECT_EQ(check->field, "password_confirm");
    EXPECT_EQ(check->kind, ErrorKind::invalid);
  }
}

}  // namespace
}  // namespace yizhan::domain

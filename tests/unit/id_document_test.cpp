#include "domain/id_document.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "domain/text.h"

namespace yizhan::domain {
namespace {

using namespace std::chrono;

// Every date rule is checked against this fixed "today".
constexpr year_month_day kToday{year{2026}, March, day{15}};

// Returns the error code of a check, or "" when the value passed.
std::string code_of(const Check& check) { return check ? check->code : std::string(); }

// Resident ID numbers below carry check digits computed twice: by
// resident_id_check_digit and independently as (12 - S mod 11) mod 11,
// with 10 written 'X', where S weights the i-th of the 17 digits by
// 2^(17-i) mod 11.

TEST(IdTypeTest, ParseIdTypeAcceptsApiNames) {
  const std::vector<std::pair<std::string, IdType>> cases = {
      {"resident_id", IdType::resident_id},
      {"home_return_permit", IdType::home_return_permit},
      {"hk_macau_permit", IdType::hk_macau_permit},
      {"passport", IdType::passport},
  };
  for (const auto& [name, type] : cases) {
    SCOPED_TRACE(name);
    ASSERT_EQ(parse_id_type(name), type);
    EXPECT_EQ(to_string(type), name);
  }
}

TEST(IdTypeTest, ParseIdTypeRejectsOtherNames) {
  for (const char* name : {"", "Passport", "PASSPORT", "passport ", " passport", "resident-id",
                           "residentId", "taiwan_permit", "hk_macau"}) {
    SCOPED_TRACE(name);
    EXPECT_FALSE(parse_id_type(name).has_value());
  }
}

TEST(ResidentIdTest, CheckDigitMatchesHandArithmetic) {
  // 1 1 0 1 0 5 1 9 4 9 1 2 3 1 0 0 2 times 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2
  // = 7+9+0+5+0+20+2+9+24+27+7+18+30+5+0+0+4 = 167 = 15*11 + 2, and
  // remainder 2 selects 'X' in "10X98765432".
  EXPECT_EQ(resident_id_check_digit("11010519491231002"), 'X');

  // 4 4 0 3 0 3 1 9 9 0 0 1 0 1 1 0 0 gives 28+36+0+15+0+12+2+9+54+0+0+9+0+5+8+0+0
  // = 178 = 16*11 + 2, so 'X' again.
  EXPECT_EQ(resident_id_check_digit("44030319900101100"), 'X');

  // 4 4 0 3 0 8 1 9 9 9 0 1 0 1 0 0 1 gives 28+36+0+15+0+32+2+9+54+27+0+9+0+5+0+0+2
  // = 219 = 19*11 + 10, and remainder 10 selects '2'.
  EXPECT_EQ(resident_id_check_digit("44030819990101001"), '2');
}

TEST(ResidentIdTest, CheckDigitCoversEveryRemainder) {
  // One prefix per remainder 0..10 of the weighted sum, each sum computed
  // independently of the implementation.
  struct Case {
    const char* first17;
    int weighted_sum;
    char check;
  };
  const std::vector<Case> cases = {
      {"44030319900101118", 198, '1'},  // 198 mod 11 = 0
      {"44030319900101105", 188, '0'},  // 1
      {"44030319900101100", 178, 'X'},  // 2
      {"44030319900101106", 190, '9'},  // 3
      {"44030319900101101", 180, '8'},  // 4
      {"44030319900101107", 192, '7'},  // 5
      {"44030319900101102", 182, '6'},  // 6
      {"44030319900101108", 194, '5'},  // 7
      {"44030319900101103", 184, '4'},  // 8
      {"44030319900101109", 196, '3'},  // 9
      {"44030319900101104", 186, '2'},  // 10
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.first17);
    EXPECT_EQ(resident_id_check_digit(c.first17), c.check);
    const std::string number = std::string(c.first17) + c.check;
    EXPECT_EQ(code_of(validate_id_number(IdType::resident_id, number, kToday)), "");
  }
}

TEST(ResidentIdTest, CheckDigitRejectsMalformedPrefix) {
  for (const char* prefix : {"", "1101051949123100", "110105194912310020", "1101051949123100A",
                             "11010519491231 02"}) {
    SCOPED_TRACE(prefix);
    EXPECT_EQ(resident_id_check_digit(prefix), '\0');
  }
}

TEST(ResidentIdTest, ResidentIdAcceptsValidNumbers) {
  for (const char* number : {
           "11010519491231002X",  // check digit X, born 1949-12-31
           "440308199901010012",  // remainder 10 -> '2'
           "310115198506123411",  // weighted sum 253, remainder 0 -> '1'
           "510107197811305628",  // weighted sum 268, remainder 4 -> '8'
       }) {
    SCOPED_TRACE(number);
    EXPECT_EQ(validate_id_number(IdType::resident_id, number, kToday), std::nullopt);
  }
}

TEST(ResidentIdTest, ResidentIdRejectsWrongCheckDigit) {
  // Every check character except the right one, on numbers whose birth
  // dates are valid, so only the checksum can fail.
  const std::vector<std::string> valid = {"11010519491231002X", "440308199901010012"};
  for (const std::string& number : valid) {
    for (char check : std::string("0123456789X")) {
      if (check == number.back()) continue;
      std::string wrong = number;
      wrong.back() = check;
      SCOPED_TRACE(wrong);
      EXPECT_EQ(code_of(validate_id_number(IdType::resident_id, wrong, kToday)),
                "account.id_number_checksum");
    }
  }

  // Swapping the day digits of 11010519491231002X ("31" to "13") keeps a
  // real date, 1949-12-13, but changes the weighted sum by
  // (1*10 + 3*5) - (3*10 + 1*5) = -10 to 157, remainder 3, which selects '9'.
  EXPECT_EQ(code_of(validate_id_number(IdType::resident_id, "11010519491213002X", kToday)),
            "account.id_number_checksum");
}

TEST(ResidentIdTest, ResidentIdRejectsBadShape) {
  for (const char* number : {
           "11010519491231002",    // 17 characters
           "11010519491231002X1",  // 19 characters
           "11010519491231002x",   // lower-case x: not normalized
           "11010519491231002Y",   // last character neither digit nor X
           "1101051949123100XX",   // X inside the first 17
           "A1010519491231002X",   // letter at the start
           "110105 19491231002",   // space inside
           "１１０１０５１９４９１２３１００２Ｘ",  // full-width: not normalized
           "X",
       }) {
    SCOPED_TRACE(number);
    EXPECT_EQ(code_of(validate_id_number(IdType::resident_id, number, kToday)),
              "account.id_number_invalid");
  }
}

TEST(ResidentIdTest, ResidentIdRejectsImpossibleBirthDate) {
  // Each prefix gets its correct check digit, so only the date can fail.
  for (const char* first17 : {
           "11010519491301002",  // month 13
           "11010519490001002",  // month 00
           "11010519491232002",  // day 32
           "11010519491200002",  // day 00
           "11010519490431002",  // April 31
           "11010500000101002",  // year 0000
       }) {
    SCOPED_TRACE(first17);
    const std::string number = std::string(first17) + resident_id_check_digit(first17);
    EXPECT_EQ(code_of(validate_id_number(IdType::resident_id, number, kToday)),
              "account.id_number_birth_date");
  }
}

TEST(ResidentIdTest, ResidentIdAcceptsBirthOnEarliestDate) {
  // 1900-01-01: weighted sum 58 = 5*11 + 3, remainder 3 -> '9'.
  EXPECT_EQ(validate_id_number(IdType::resident_id, "110101190001011009", kToday), std::nullopt);
}

TEST(ResidentIdTest, ResidentIdRejectsBirthBefore1900) {
  // 1899-12-31: weighted sum 184 = 16*11 + 8, remainder 8 -> '4', so the
  // check digit is right and only the date fails.
  EXPECT_EQ(resident_id_check_digit("11010118991231100"), '4');
  EXPECT_EQ(code_of(validate_id_number(IdType::resident_id, "110101189912311004", kToday)),
            "account.id_number_birth_date");
}

TEST(ResidentIdTest, ResidentIdAcceptsBirthToday) {
  // 2026-03-15: weighted sum 191 = 17*11 + 4, remainder 4 -> '8'.
  EXPECT_EQ(validate_id_number(IdType::resident_id, "440303202603150028", kToday), std::nullopt);
}

TEST(ResidentIdTest, ResidentIdRejectsBirthTomorrow) {
  // 2026-03-16: weighted sum 196 = 17*11 + 9, remainder 9 -> '3'.
  EXPECT_EQ(resident_id_check_digit("44030320260316002"), '3');
  EXPECT_EQ(code_of(validate_id_number(IdType::resident_id, "440303202603160023", kToday)),
            "account.id_number_birth_date");
}

TEST(ResidentIdTest, ResidentIdAcceptsFeb29InLeapYear) {
  for (const char* number : {
           "110105200002291235",  // 2000 is divisible by 400. Sum 150, remainder 7 -> '5'
           "110105202402294565",  // 2024 is divisible by 4. Sum 216, remainder 7 -> '5'
       }) {
    SCOPED_TRACE(number);
    EXPECT_EQ(validate_id_number(IdType::resident_id, number, kToday), std::nullopt);
  }
}

TEST(ResidentIdTest, ResidentIdRejectsFeb29InNonLeapYear) {
  for (const char* number : {
           "110105190002291001",  // 1900 is divisible by 100, not 400. Sum 143, remainder 0 -> '1'
           "110105202302291009",  // 2023 is not divisible by 4. Sum 157, remainder 3 -> '9'
       }) {
    SCOPED_TRACE(number);
    EXPECT_EQ(resident_id_check_digit(std::string_view(number).substr(0, 17)), number[17]);
    EXPECT_EQ(code_of(validate_id_number(IdType::resident_id, number, kToday)),
              "account.id_number_birth_date");
  }
}

TEST(ResidentIdTest, ResidentIdFactsReadBirthDateAndGender) {
  struct Case {
    const char* number;
    year_month_day birth_date;
    bool male;
  };
  const std::vector<Case> cases = {
      {"11010519491231002X", year{1949} / December / 31, false},  // 17th digit 2
      {"440308199901010012", year{1999} / January / 1, true},     // 17th digit 1
      {"310115198506123411", year{1985} / June / 12, true},       // 17th digit 1
      {"510107197811305628", year{1978} / November / 30, false},  // 17th digit 2
      {"110105202402294565", year{2024} / February / 29, false},  // 17th digit 6
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.number);
    const std::optional<ResidentIdFacts> facts = resident_id_facts(c.number);
    ASSERT_TRUE(facts.has_value());
    EXPECT_EQ(facts->birth_date, c.birth_date);
    EXPECT_EQ(facts->male, c.male);
  }
}

TEST(ResidentIdTest, ResidentIdFactsRejectInvalidNumbers) {
  for (const char* number : {
           "",
           "11010519491231002",   // too short
           "110105194912310021",  // wrong check digit
           "11010519491231002x",  // not normalized
           "110105202302291009",  // 2023-02-29 does not exist
       }) {
    SCOPED_TRACE(number);
    EXPECT_FALSE(resident_id_facts(number).has_value());
  }
}

TEST(HomeReturnPermitTest, HomeReturnPermitAcceptsBothLengths) {
  for (const char* number : {"H12345678", "M87654321", "H00000000", "H1234567890", "M0123456789"}) {
    SCOPED_TRACE(number);
    EXPECT_EQ(validate_id_number(IdType::home_return_permit, number, kToday), std::nullopt);
  }
}

TEST(HomeReturnPermitTest, HomeReturnPermitRejectsOtherFormats) {
  for (const char* number : {
           "H1234567",      // 7 digits
           "H123456789",    // 9 digits
           "H123456789012", // 12 digits
           "h12345678",     // not normalized
           "A12345678",     // wrong prefix
           "C12345678",     // permit to HK/Macau prefix
           "HM2345678",     // second letter
           "H1234567X",     // letter at the end
           "12345678",      // no prefix
           "H",
       }) {
    SCOPED_TRACE(number);
    EXPECT_EQ(code_of(validate_id_number(IdType::home_return_permit, number, kToday)),
              "account.id_number_invalid");
  }
}

TEST(HkMacauPermitTest, HkMacauPermitAcceptsBothGenerations) {
  for (const char* number : {"C12345678", "CA1234567", "CZ0000000", "C01234567", "W12345678",
                             "W00000000"}) {
    SCOPED_TRACE(number);
    EXPECT_EQ(validate_id_number(IdType::hk_macau_permit, number, kToday), std::nullopt);
  }
}

TEST(HkMacauPermitTest, HkMacauPermitRejectsOtherFormats) {
  for (const char* number : {
           "C1234567",    // one digit short
           "CA12345678",  // one digit long
           "CAB123456",   // two letters
           "Ca1234567",   // not normalized
           "W1234567",    // 7 digits after W
           "W123456789",  // 9 digits after W
           "WA2345678",   // letter after W
           "H12345678",   // Home Return Permit prefix
           "C-1234567",   // punctuation
           "CA123456X",   // letter at the end
       }) {
    SCOPED_TRACE(number);
    EXPECT_EQ(code_of(validate_id_number(IdType::hk_macau_permit, number, kToday)),
              "account.id_number_invalid");
  }
}

TEST(PassportTest, PassportAcceptsFiveToSeventeenLettersAndDigits) {
  for (const char* number : {"E1234", "12345", "ABCDE", "G12345678", "K1234567",
                             "ABCDEFGHIJ1234567"}) {
    SCOPED_TRACE(number);
    EXPECT_EQ(validate_id_number(IdType::passport, number, kToday), std::nullopt);
  }
}

TEST(PassportTest, PassportRejectsOtherFormats) {
  for (const char* number : {
           "E123",                // 4 characters
           "ABCDEFGHIJ12345678",  // 18 characters
           "E1234-5",             // punctuation
           "E1234 5",             // space
           "e12345",              // not normalized
           "Ｅ１２３４５",        // full-width: not normalized
           "護照12345",           // CJK
       }) {
    SCOPED_TRACE(number);
    EXPECT_EQ(code_of(validate_id_number(IdType::passport, number, kToday)),
              "account.id_number_invalid");
  }
}

TEST(IdNumberTest, EmptyNumberIsMissingForEveryType) {
  for (IdType type : {IdType::resident_id, IdType::home_return_permit, IdType::hk_macau_permit,
                      IdType::passport}) {
    SCOPED_TRACE(std::string(to_string(type)));
    EXPECT_EQ(code_of(validate_id_number(type, "", kToday)), "account.id_number_missing");
  }
}

TEST(IdNumberTest, ErrorsNameIdNumberField) {
  const Check check = validate_id_number(IdType::passport, "E1", kToday);
  ASSERT_TRUE(check.has_value());
  EXPECT_EQ(check->kind, ErrorKind::invalid);
  EXPECT_EQ(check->field, "id_number");

  const Check checksum = validate_id_number(IdType::resident_id, "110105194912310021", kToday);
  ASSERT_TRUE(checksum.has_value());
  EXPECT_EQ(checksum->kind, ErrorKind::invalid);
  EXPECT_EQ(checksum->field, "id_number");
}

TEST(IdNumberTest, NormalizedInputPassesValidation) {
  struct Case {
    IdType type;
    const char* typed;
  };
  const std::vector<Case> cases = {
      {IdType::resident_id, "11010519491231002x"},
      {IdType::resident_id, " 110105 19491231 002X "},
      {IdType::resident_id, "１１０１０５１９４９１２３１００２ｘ"},
      {IdType::home_return_permit, "h1234\u30005678"},
      {IdType::home_return_permit, "Ｈ１２３４５６７８"},
      {IdType::hk_macau_permit, "ca 123 4567"},
      {IdType::passport, "\te12345\n"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.typed);
    EXPECT_EQ(validate_id_number(c.type, normalize_id_number(c.typed), kToday), std::nullopt);
  }
}

TEST(MaskIdNumberTest, MaskKeepsFirstFourAndLast) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"H12345678", "H123****8"},
      {"11010519491231002X", "1101****X"},
      {"123456", "1234****6"},
      {"ABCDEFGHIJ1234567", "ABCD****7"},
      {"護照號碼一二三", "護照號碼****三"},  // cut at code points, not bytes
  };
  for (const auto& [number, masked] : cases) {
    SCOPED_TRACE(number);
    EXPECT_EQ(mask_id_number(number), masked);
  }
}

TEST(MaskIdNumberTest, MaskShowsOnlyFirstOfShortNumbers) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"12345", "1****"},
      {"E123", "E****"},
      {"A", "A****"},
      {"", "****"},
      {"護照", "護****"},
  };
  for (const auto& [number, masked] : cases) {
    SCOPED_TRACE(number);
    EXPECT_EQ(mask_id_number(number), masked);
  }
}

}  // namespace
}  // namespace yizhan::domain

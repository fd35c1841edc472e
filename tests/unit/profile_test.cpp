#include "domain/profile.h"

#include <gtest/gtest.h>

#include <locale.h>

#include <chrono>
#include <string>
#include <vector>

#include "domain/id_document.h"

namespace yizhan::domain {
namespace {

using namespace std::chrono;

// Every date rule is checked against this fixed "today".
constexpr year_month_day kToday{year{2026}, March, day{15}};

std::vector<std::string> codes_of(const std::vector<Error>& errors) {
  std::vector<std::string> codes;
  for (const Error& error : errors) codes.push_back(error.code);
  return codes;
}

std::vector<std::string> fields_of(const std::vector<Error>& errors) {
  std::vector<std::string> fields;
  for (const Error& error : errors) fields.push_back(error.field);
  return fields;
}

// Builds a resident ID number from its parts and appends the check digit,
// computed here as (12 - S mod 11) mod 11 with 10 written 'X', where S
// weights the digit at zero-based position i by 2^(17-i) mod 11. This is
// independent of the lookup table in resident_id_check_digit.
std::string make_resident_id(const std::string& region, const std::string& birth_yyyymmdd,
                             const std::string& sequence) {
  const std::string first17 = region + birth_yyyymmdd + sequence;
  int sum = 0;
  int weight = 1;  // doubled before use, so the last digit weighs 2
  for (std::size_t i = first17.size(); i-- > 0;) {
    weight = weight * 2 % 11;
    sum += (first17[i] - '0') * weight;
  }
  const int check = (12 - sum % 11) % 11;
  return first17 + (check == 10 ? 'X' : static_cast<char>('0' + check));
}

// Born 1990-05-20 with sequence 123, whose last digit (the 17th) is odd, so male.
const std::string kMaleResidentId = make_resident_id("440305", "19900520", "123");
// Born 1985-11-02 with sequence 046, whose last digit (the 17th) is even, so female.
const std::string kFemaleResidentId = make_resident_id("110105", "19851102", "046");

// A profile that passes validate_profile_complete for kMaleResidentId.
ProfileInput valid_profile() {
  ProfileInput input;
  input.name = "陳大文";
  input.gender = "male";
  input.birth_date = "1990-05-20";
  input.hk_mobile = "91234567";
  input.mainland_mobile = "13800138000";
  input.destination_code = "440305";
  input.consent = true;
  return input;
}

std::vector<Error> draft_errors(const ProfileInput& input) {
  return validate_profile_draft(input, IdType::passport, "E12345678", kToday);
}

std::vector<Error> complete_errors(const ProfileInput& input) {
  return validate_profile_complete(input, IdType::passport, "E12345678", kToday);
}

// Returns the codes a draft gets when only the name is filled in.
std::vector<std::string> name_codes(const std::string& name) {
  ProfileInput input;
  input.name = name;
  return codes_of(draft_errors(input));
}

using Codes = std::vector<std::string>;

// ---------------------------------------------------------------------------
// Gender

TEST(GenderTest, ParseAcceptsApiNames) {
  ASSERT_EQ(parse_gender("male"), Gender::male);
  ASSERT_EQ(parse_gender("female"), Gender::female);
  EXPECT_EQ(to_string(Gender::male), "male");
  EXPECT_EQ(to_string(Gender::female), "female");
}

TEST(GenderTest, ParseRejectsOtherNames) {
  for (const char* name : {"", "Male", "MALE", "m", "f", "man", "woman", "other", " male", "female ", "男"}) {
    SCOPED_TRACE(name);
    EXPECT_FALSE(parse_gender(name).has_value());
  }
}

// ---------------------------------------------------------------------------
// Test fixtures

TEST(ProfileFixtureTest, ResidentIdsAreValid) {
  // The hand-built numbers must be real resident IDs, or the match tests
  // below would skip the comparison and prove nothing.
  const std::optional<ResidentIdFacts> male = resident_id_facts(kMaleResidentId);
  ASSERT_TRUE(male.has_value());
  EXPECT_TRUE(male->male);
  EXPECT_EQ(male->birth_date, (year_month_day{year{1990}, May, day{20}}));
  EXPECT_EQ(resident_id_check_digit(kMaleResidentId.substr(0, 17)), kMaleResidentId.back());

  const std::optional<ResidentIdFacts> female = resident_id_facts(kFemaleResidentId);
  ASSERT_TRUE(female.has_value());
  EXPECT_FALSE(female->male);
  EXPECT_EQ(female->birth_date, (year_month_day{year{1985}, November, day{2}}));
  EXPECT_EQ(resident_id_check_digit(kFemaleResidentId.substr(0, 17)), kFemaleResidentId.back());
}

TEST(ProfileFixtureTest, ValidProfilePassesBothStages) {
  EXPECT_EQ(codes_of(draft_errors(valid_profile())), Codes{});
  EXPECT_EQ(codes_of(complete_errors(valid_profile())), Codes{});
  EXPECT_EQ(codes_of(validate_profile_complete(valid_profile(), IdType::resident_id, kMaleResidentId, kToday)),
            Codes{});
}

// ---------------------------------------------------------------------------
// Normalization

TEST(NormalizeProfileTest, TrimsSurroundingWhitespace) {
  ProfileInput input;
  input.name = " \t陳大文\n ";
  input.gender = "  male ";
  input.birth_date = "\t1990-05-20\r\n";
  input.hk_mobile = " 91234567 ";
  input.mainland_mobile = " 13800138000\t";
  input.destination_code = "  440305  ";
  normalize_profile(input);

  EXPECT_EQ(input.name, "陳大文");
  EXPECT_EQ(input.gender, "male");
  EXPECT_EQ(input.birth_date, "1990-05-20");
  EXPECT_EQ(input.hk_mobile, "91234567");
  EXPECT_EQ(input.mainland_mobile, "13800138000");
  EXPECT_EQ(input.destination_code, "440305");
}

TEST(NormalizeProfileTest, TrimsIdeographicAndNoBreakSpaces) {
  ProfileInput input;
  input.name = "\u3000陳大文\u00A0";
  input.destination_code = "\u00A0440305\u3000";
  normalize_profile(input);

  EXPECT_EQ(input.name, "陳大文");
  EXPECT_EQ(input.destination_code, "440305");
}

TEST(NormalizeProfileTest, CollapsesInnerSpacesInName) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"Chan  Tai   Man", "Chan Tai Man"},
      {"Chan\tTai\nMan", "Chan Tai Man"},
      {"Chan \u3000 Tai\u00A0\u00A0Man", "Chan Tai Man"},
      {"  Chan   Tai  ", "Chan Tai"},
      {"Chan Tai Man", "Chan Tai Man"},
      {"   ", ""},
  };
  for (const auto& [typed, expected] : cases) {
    SCOPED_TRACE(typed);
    ProfileInput input;
    input.name = typed;
    normalize_profile(input);
    EXPECT_EQ(input.name, expected);
  }
}

TEST(NormalizeProfileTest, ConvertsFullWidthForms) {
  ProfileInput input;
  input.name = "Ｃｈａｎ　Ｔａｉ";
  input.gender = "ｍａｌｅ";
  input.birth_date = "１９９０－０５－２０";
  input.hk_mobile = "９１２３　４５６７";
  input.mainland_mobile = "＋８６　１３８００１３８０００";
  input.destination_code = "４４０３０５";
  normalize_profile(input);

  EXPECT_EQ(input.name, "Chan Tai");
  EXPECT_EQ(input.gender, "male");
  EXPECT_EQ(input.birth_date, "1990-05-20");
  EXPECT_EQ(input.hk_mobile, "91234567");
  EXPECT_EQ(input.mainland_mobile, "13800138000");
  EXPECT_EQ(input.destination_code, "440305");
}

TEST(NormalizeProfileTest, KeepsOtherCharactersOfName) {
  // Only full-width ASCII forms and the two spaces are rewritten, so CJK
  // text, accents and middle dots stay as typed.
  for (const char* name : {"陳大文", "José Núñez", "阿卜杜拉·穆罕默德", "マイケル・ジャクソン", "Nguyê\u0303n"}) {
    SCOPED_TRACE(name);
    ProfileInput input;
    input.name = name;
    normalize_profile(input);
    EXPECT_EQ(input.name, name);
  }
}

TEST(NormalizeProfileTest, HkMobileSeparatorsAndCountryCode) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"9123 4567", "91234567"},
      {"9123-4567", "91234567"},
      {" 91 23-45 67 ", "91234567"},
      {"+852 9123 4567", "91234567"},
      {"+852-9123-4567", "91234567"},
      {"+85291234567", "91234567"},
      {"852 91234567", "91234567"},
      {"85291234567", "91234567"},
      {"＋８５２ ９１２３－４５６７", "91234567"},
      // The rest would not be 8 characters, so the digits stay.
      {"85212345", "85212345"},
      {"852912345678", "852912345678"},
      {"+8529123456", "+8529123456"},
      // Another country code is not removed.
      {"+8691234567", "+8691234567"},
  };
  for (const auto& [typed, expected] : cases) {
    SCOPED_TRACE(typed);
    ProfileInput input;
    input.hk_mobile = typed;
    normalize_profile(input);
    EXPECT_EQ(input.hk_mobile, expected);
  }
}

TEST(NormalizeProfileTest, MainlandMobileSeparatorsAndCountryCode) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"138 0013 8000", "13800138000"},
      {"138-0013-8000", "13800138000"},
      {"+86 138 0013 8000", "13800138000"},
      {"+86-138-0013-8000", "13800138000"},
      {"+8613800138000", "13800138000"},
      {"86 13800138000", "13800138000"},
      {"8613800138000", "13800138000"},
      {"＋８６１３８００１３８０００", "13800138000"},
      // The rest would not be 11 characters, so the digits stay.
      {"861380013800", "861380013800"},
      {"+86138001380001", "+86138001380001"},
      // The Hong Kong code is not removed from a mainland number.
      {"+852 13800138000", "+85213800138000"},
  };
  for (const auto& [typed, expected] : cases) {
    SCOPED_TRACE(typed);
    ProfileInput input;
    input.mainland_mobile = typed;
    normalize_profile(input);
    EXPECT_EQ(input.mainland_mobile, expected);
  }
}

TEST(NormalizeProfileTest, KeepsHyphensOutsideMobiles) {
  // Hyphens are removed only from phone numbers, so a date keeps its shape.
  ProfileInput input;
  input.birth_date = "1990-05-20";
  input.destination_code = "440-305";
  normalize_profile(input);

  EXPECT_EQ(input.birth_date, "1990-05-20");
  EXPECT_EQ(input.destination_code, "440-305");
}

TEST(NormalizeProfileTest, LeavesOversizeFieldsUnchanged) {
  ProfileInput input;
  input.name = " " + std::string(kProfileFieldMaxBytes, 'a');
  input.hk_mobile = "9123 4567" + std::string(kProfileFieldMaxBytes, ' ');
  const ProfileInput before = input;
  normalize_profile(input);

  EXPECT_EQ(input.name, before.name);
  EXPECT_EQ(input.hk_mobile, before.hk_mobile);
  EXPECT_EQ(codes_of(draft_errors(input)), (Codes{"profile.name_too_long", "profile.hk_mobile_invalid"}));
}

TEST(NormalizeProfileTest, NormalizesFieldAtByteLimit) {
  ProfileInput input;
  input.destination_code = std::string(kProfileFieldMaxBytes - 6, ' ') + "440305";
  normalize_profile(input);
  EXPECT_EQ(input.destination_code, "440305");
}

TEST(NormalizeProfileTest, KeepsInvalidUtf8Bytes) {
  ProfileInput input;
  input.name = " Chan\xFF ";
  input.gender = "\xC3";
  normalize_profile(input);

  EXPECT_EQ(input.name, "Chan\xFF");
  EXPECT_EQ(input.gender, "\xC3");
  EXPECT_EQ(codes_of(draft_errors(input)), (Codes{"profile.name_invalid", "profile.gender_invalid"}));
}

TEST(NormalizeProfileTest, IsIdempotent) {
  ProfileInput input;
  input.name = "  Chan \u3000 Tai  Man ";
  input.hk_mobile = "+852 9123-4567";
  input.mainland_mobile = "＋８６ １３８ ００１３ ８０００";
  input.birth_date = " １９９０－０５－２０ ";
  normalize_profile(input);
  const ProfileInput once = input;
  normalize_profile(input);

  EXPECT_EQ(input.name, once.name);
  EXPECT_EQ(input.hk_mobile, once.hk_mobile);
  EXPECT_EQ(input.mainland_mobile, once.mainland_mobile);
  EXPECT_EQ(input.birth_date, once.birth_date);
}

TEST(NormalizeProfileTest, TypedFormBecomesValid) {
  ProfileInput input;
  input.name = " 陳  大文 ";
  input.gender = " male";
  input.birth_date = "１９９０-０５-２０ ";
  input.hk_mobile = "+852 9123-4567";
  input.mainland_mobile = "+86 138 0013 8000";
  input.destination_code = "４４０３０５";
  input.consent = true;
  ASSERT_FALSE(codes_of(complete_errors(input)).empty());

  normalize_profile(input);
  EXPECT_EQ(input.name, "陳 大文");
  EXPECT_EQ(codes_of(validate_profile_complete(input, IdType::resident_id, kMaleResidentId, kToday)), Codes{});
}

// ---------------------------------------------------------------------------
// Name

TEST(NameRuleTest, AcceptsNamesInManyScripts) {
  for (const char* name : {
           "A",
           "Chan Tai Man",
           "CHAN TAI MAN",
           "陳大文",
           "陈大文",
           "司徒 美玲",
           "陳〇",                        // U+3007, a letter number used in names
           "𠮷田",                        // U+20BB7, CJK Extension B
           "𰻝",                          // U+30EDD, CJK Extension G
           "José Núñez",
           "Zoë Ångström",
           "Nguyễn Văn An",               // precomposed Vietnamese
           "Nguye\u0302\u0303n",          // e with two combining accents
           "Jose\u0301",                  // e with a combining acute accent
           "Иван Петров",
           "Αλέξανδρος",
           "김민준",
           "やまだ たろう",
           "ヤマダ タロウ",
           "か\u3099",                    // kana with a combining voiced sound mark
           "محمد",
           "דוד",
           "आदित्य",                      // Devanagari vowel signs
           "क्षत्रिय",                      // Devanagari virama U+094D
           "สมชาย",
           "阿卜杜拉·穆罕默德",            // U+00B7
           "マイケル・ジャクソン",          // U+30FB
           "約翰‧史密斯",                  // U+2027
           "John · Smith",
           "Ｃｈａｎ",                     // full-width letters are letters
       }) {
    SCOPED_TRACE(name);
    EXPECT_EQ(name_codes(name), Codes{});
  }
}

TEST(NameRuleTest, RejectsDigits) {
  for (const char* name : {
           "Chan 2",
           "0",
           "李1",
           "李１",                        // U+FF11 full-width, not normalized
           "محمد٣",                       // U+0663 Arabic-Indic three
           "राम४",                         // U+096A Devanagari four
           "Li\U0001D7CE",                // U+1D7CE mathematical bold zero
           "Li\U0001FBF9",                // U+1FBF9 segmented digit nine
       }) {
    SCOPED_TRACE(name);
    EXPECT_EQ(name_codes(name), Codes{"profile.name_invalid"});
  }
}

TEST(NameRuleTest, RejectsPunctuationAndSymbols) {
  for (const char* name : {
           "O'Brien",
           "Jean-Pierre",
           "Chan, Tai Man",
           "Chan.",
           "陳大文。",
           "陳（大文）",
           "Li@Ming",
           "Li_Ming",
           "陳大文😀",
           "Ⓐlice",                       // U+24B6 circled letter
           "\U0001F130BC",                // U+1F130 squared letter
           "$",
           "Li\uE000",                    // private use
           "Li\u2003Ming",                // em space
       }) {
    SCOPED_TRACE(name);
    EXPECT_EQ(name_codes(name), Codes{"profile.name_invalid"});
  }
}

TEST(NameRuleTest, RejectsControlAndInvisibleCharacters) {
  for (const std::string& name : {
           std::string("Li\tMing"),
           std::string("Li\nMing"),
           std::string("Li\0Ming", 7),
           std::string("Li\x7F"),
           std::string("Li\u0085"),        // C1 control
           std::string("Li\u200BMing"),    // zero-width space
           std::string("Li\u200DMing"),    // zero-width joiner
           std::string("Li\u202EgniM"),    // right-to-left override
           std::string("Li\u2066Ming"),    // left-to-right isolate
           std::string("\uFEFFLi"),        // byte order mark
           std::string("Li\u2028Ming"),    // line separator
           std::string("Li\U000E0041"),    // tag letter
       }) {
    SCOPED_TRACE(testing::PrintToString(name));
    EXPECT_EQ(name_codes(name), Codes{"profile.name_invalid"});
  }
}

TEST(NameRuleTest, RejectsMisplacedSpacesAndDots) {
  for (const char* name : {
           " Li",
           "Li ",
           "Li  Ming",
           "·Li",
           "Li·",
           "・",
           "‧ ‧",
           " ",
           "·",
       }) {
    SCOPED_TRACE(name);
    EXPECT_EQ(name_codes(name), Codes{"profile.name_invalid"});
  }
}

TEST(NameRuleTest, RejectsCombiningMarkWithoutLetter) {
  for (const char* name : {
           "\u0301a",       // at the start
           "a \u0301",      // after a space
           "a·\u0301b",     // after a middle dot
           "\u3099",        // a mark alone
       }) {
    SCOPED_TRACE(name);
    EXPECT_EQ(name_codes(name), Codes{"profile.name_invalid"});
  }
}

TEST(NameRuleTest, RejectsInvalidUtf8) {
  for (const std::string& name : {
           std::string("Li\xFF"),
           std::string("\xC3"),            // truncated two-byte sequence
           std::string("\xED\xA0\x80"),    // surrogate U+D800
           std::string("\xC0\xAF"),        // overlong '/'
       }) {
    SCOPED_TRACE(testing::PrintToString(name));
    EXPECT_EQ(name_codes(name), Codes{"profile.name_invalid"});
  }
}

TEST(NameRuleTest, LengthCountsCodePoints) {
  // 50 CJK characters are 150 bytes and within both limits.
  std::string fifty;
  for (int i = 0; i < 50; ++i) fifty += "陳";
  EXPECT_EQ(name_codes(fifty), Codes{});
  EXPECT_EQ(name_codes(std::string(50, 'a')), Codes{});

  ProfileInput input;
  input.name = fifty + "陳";
  const std::vector<Error> errors = draft_errors(input);
  ASSERT_EQ(codes_of(errors), Codes{"profile.name_too_long"});
  EXPECT_EQ(errors[0].field, "name");
  EXPECT_EQ(errors[0].params.at("max"), "50");
  EXPECT_EQ(name_codes(std::string(51, 'a')), Codes{"profile.name_too_long"});
}

TEST(NameRuleTest, RejectsOversizeBeforeOtherChecks) {
  // Over the byte limit, the name is too long even if it is broken UTF-8.
  EXPECT_EQ(name_codes(std::string(kProfileFieldMaxBytes + 1, '\xFF')), Codes{"profile.name_too_long"});
  EXPECT_EQ(name_codes(std::string(kProfileFieldMaxBytes + 1, '1')), Codes{"profile.name_too_long"});
}

TEST(NameRuleTest, RestoresThreadLocale) {
  // Name checks switch the thread to C.UTF-8 for wcwidth and must switch
  // back, or later locale-dependent code in the thread would change.
  const locale_t before = uselocale(locale_t{});
  EXPECT_EQ(name_codes("陳大文"), Codes{});
  EXPECT_EQ(name_codes("Li1"), Codes{"profile.name_invalid"});
  EXPECT_EQ(uselocale(locale_t{}), before);
}

TEST(NameRuleTest, AcceptsLetterNumbers) {
  // Unicode counts letter numbers (Nl) as alphabetic, and only decimal
  // digits (Nd) are rejected, so a Roman numeral passes like U+3007 does.
  EXPECT_EQ(name_codes("Henry \u2167"), Codes{});
}

// ---------------------------------------------------------------------------
// Gender, birth date, mobiles and destination formats

TEST(GenderRuleTest, RejectsOtherValues) {
  for (const char* gender : {"Male", "FEMALE", "m", "f", "other", "unknown", " male", "male ", "男", "女"}) {
    SCOPED_TRACE(gender);
    ProfileInput input;
    input.gender = gender;
    const std::vector<Error> errors = draft_errors(input);
    EXPECT_EQ(codes_of(errors), Codes{"profile.gender_invalid"});
    EXPECT_EQ(fields_of(errors), Codes{"gender"});
  }
}

std::vector<std::string> birth_date_codes(const std::string& birth_date) {
  ProfileInput input;
  input.birth_date = birth_date;
  return codes_of(draft_errors(input));
}

TEST(BirthDateRuleTest, AcceptsRealDatesInRange) {
  for (const char* date : {"1900-01-01", "1990-05-20", "2000-02-29", "2024-02-29", "2025-12-31",
                           "2026-03-14", "2026-03-15"}) {
    SCOPED_TRACE(date);
    EXPECT_EQ(birth_date_codes(date), Codes{});
  }
}

TEST(BirthDateRuleTest, RejectsOtherShapes) {
  for (const std::string& date : {
           std::string("1990-5-20"),
           std::string("1990/05/20"),
           std::string("19900520"),
           std::string("20-05-1990"),
           std::string("1990-05-20T00:00"),
           std::string("1990-05-2a"),
           std::string(" 1990-05-20"),
           std::string("+990-05-20"),
           std::string("１９９０-05-20"),   // full-width, not normalized
           std::string("1990-05-2\xFF"),
           std::string(kProfileFieldMaxBytes + 1, '1'),
       }) {
    SCOPED_TRACE(testing::PrintToString(date));
    EXPECT_EQ(birth_date_codes(date), Codes{"profile.birth_date_invalid"});
  }
}

TEST(BirthDateRuleTest, RejectsImpossibleDates) {
  for (const char* date : {"1990-13-01", "1990-00-10", "1990-01-00", "1990-01-32", "1990-04-31",
                           "1900-02-29", "2023-02-29", "2100-02-29"}) {
    SCOPED_TRACE(date);
    EXPECT_EQ(birth_date_codes(date), Codes{"profile.birth_date_invalid"});
  }
}

TEST(BirthDateRuleTest, RejectsFutureDates) {
  for (const char* date : {"2026-03-16", "2026-04-01", "2027-01-01", "9999-12-31"}) {
    SCOPED_TRACE(date);
    EXPECT_EQ(birth_date_codes(date), Codes{"profile.birth_date_in_future"});
  }
}

TEST(BirthDateRuleTest, RejectsDatesBefore1900) {
  for (const char* date : {"1899-12-31", "1800-06-15", "0001-01-01", "0000-01-01"}) {
    SCOPED_TRACE(date);
    EXPECT_EQ(birth_date_codes(date), Codes{"profile.birth_date_too_early"});
  }
}

std::vector<std::string> hk_mobile_codes(const std::string& number) {
  ProfileInput input;
  input.hk_mobile = number;
  return codes_of(draft_errors(input));
}

TEST(MobileRuleTest, HkMobileAcceptsFirstDigitFourToNine) {
  for (const char* number : {"41234567", "51234567", "61234567", "71234567", "81234567", "91234567",
                             "40000000", "99999999"}) {
    SCOPED_TRACE(number);
    EXPECT_EQ(hk_mobile_codes(number), Codes{});
  }
}

TEST(MobileRuleTest, HkMobileRejectsOtherFormats) {
  for (const std::string& number : {
           std::string("01234567"),
           std::string("11234567"),
           std::string("21234567"),    // fixed line
           std::string("31234567"),    // fixed line
           std::string("9123456"),
           std::string("912345678"),
           std::string("9123456a"),
           std::string("9123 4567"),   // not normalized
           std::string("+85291234567"),
           std::string("９１２３４５６７"),
           std::string("9123456\xFF"),
           std::string(kProfileFieldMaxBytes + 1, '9'),
       }) {
    SCOPED_TRACE(testing::PrintToString(number));
    ProfileInput input;
    input.hk_mobile = number;
    const std::vector<Error> errors = draft_errors(input);
    EXPECT_EQ(codes_of(errors), Codes{"profile.hk_mobile_invalid"});
    EXPECT_EQ(fields_of(errors), Codes{"hk_mobile"});
  }
}

std::vector<std::string> mainland_mobile_codes(const std::string& number) {
  ProfileInput input;
  input.mainland_mobile = number;
  return codes_of(draft_errors(input));
}

TEST(MobileRuleTest, MainlandMobileAcceptsElevenDigitsStartingWithOne) {
  for (const char* number : {"13800138000", "15012345678", "19912345678", "10000000000"}) {
    SCOPED_TRACE(number);
    EXPECT_EQ(mainland_mobile_codes(number), Codes{});
  }
}

TEST(MobileRuleTest, MainlandMobileRejectsOtherFormats) {
  for (const std::string& number : {
           std::string("23800138000"),
           std::string("03800138000"),
           std::string("1380013800"),
           std::string("138001380001"),
           std::string("1380013800X"),
           std::string("138 0013 8000"),   // not normalized
           std::string("+8613800138000"),
           std::string("１３８００１３８０００"),
           std::string(kProfileFieldMaxBytes + 1, '1'),
       }) {
    SCOPED_TRACE(testing::PrintToString(number));
    ProfileInput input;
    input.mainland_mobile = number;
    const std::vector<Error> errors = draft_errors(input);
    EXPECT_EQ(codes_of(errors), Codes{"profile.mainland_mobile_invalid"});
    EXPECT_EQ(fields_of(errors), Codes{"mainland_mobile"});
  }
}

TEST(DestinationRuleTest, AcceptsSixDigits) {
  for (const char* code : {"440305", "110101", "000000", "999999"}) {
    SCOPED_TRACE(code);
    ProfileInput input;
    input.destination_code = code;
    EXPECT_EQ(codes_of(draft_errors(input)), Codes{});
  }
}

TEST(DestinationRuleTest, RejectsOtherFormats) {
  for (const std::string& code : {
           std::string("44030"),
           std::string("4403051"),
           std::string("44030a"),
           std::string("440-305"),
           std::string(" 440305"),
           std::string("４４０３０５"),
           std::string("44030\xFF"),
           std::string(kProfileFieldMaxBytes + 1, '4'),
       }) {
    SCOPED_TRACE(testing::PrintToString(code));
    ProfileInput input;
    input.destination_code = code;
    const std::vector<Error> errors = draft_errors(input);
    EXPECT_EQ(codes_of(errors), Codes{"profile.destination_invalid"});
    EXPECT_EQ(fields_of(errors), Codes{"destination_code"});
  }
}

// ---------------------------------------------------------------------------
// Draft and complete

TEST(ProfileDraftTest, AcceptsEmptyProfile) {
  EXPECT_EQ(codes_of(draft_errors(ProfileInput{})), Codes{});
}

TEST(ProfileDraftTest, AcceptsAnySubsetOfValidFields) {
  const ProfileInput full = valid_profile();
  // Each bit of `mask` keeps one field.
  for (unsigned mask = 0; mask < 64; ++mask) {
    ProfileInput input;
    if (mask & 1) input.name = full.name;
    if (mask & 2) input.gender = full.gender;
    if (mask & 4) input.birth_date = full.birth_date;
    if (mask & 8) input.hk_mobile = full.hk_mobile;
    if (mask & 16) input.mainland_mobile = full.mainland_mobile;
    if (mask & 32) input.destination_code = full.destination_code;
    SCOPED_TRACE(mask);
    EXPECT_EQ(codes_of(draft_errors(input)), Codes{});
  }
}

TEST(ProfileDraftTest, IgnoresConsentAndResidentIdMatch) {
  // The match with the ID number is checked only on completion, so a draft
  // can be saved while the user is still correcting it.
  ProfileInput input = valid_profile();
  input.consent = false;
  input.gender = "female";
  input.birth_date = "1991-01-01";
  EXPECT_EQ(codes_of(validate_profile_draft(input, IdType::resident_id, kMaleResidentId, kToday)), Codes{});
}

TEST(ProfileCompleteTest, EmptyProfileListsEveryRequiredField) {
  const std::vector<Error> errors = complete_errors(ProfileInput{});
  EXPECT_EQ(codes_of(errors),
            (Codes{"profile.name_missing", "profile.gender_missing", "profile.birth_date_missing",
                   "profile.mobile_missing", "profile.destination_missing", "profile.consent_required"}));
  EXPECT_EQ(fields_of(errors),
            (Codes{"name", "gender", "birth_date", "hk_mobile", "destination_code", "consent"}));
  for (const Error& error : errors) {
    SCOPED_TRACE(error.code);
    EXPECT_EQ(error.kind, ErrorKind::invalid);
  }
}

TEST(ProfileCompleteTest, ReportsEachMissingField) {
  struct Case {
    void (*clear)(ProfileInput&);
    const char* code;
    const char* field;
  };
  const std::vector<Case> cases = {
      {[](ProfileInput& p) { p.name.clear(); }, "profile.name_missing", "name"},
      {[](ProfileInput& p) { p.gender.clear(); }, "profile.gender_missing", "gender"},
      {[](ProfileInput& p) { p.birth_date.clear(); }, "profile.birth_date_missing", "birth_date"},
      {[](ProfileInput& p) { p.destination_code.clear(); }, "profile.destination_missing", "destination_code"},
      {[](ProfileInput& p) { p.consent = false; }, "profile.consent_required", "consent"},
      {[](ProfileInput& p) {
         p.hk_mobile.clear();
         p.mainland_mobile.clear();
       },
       "profile.mobile_missing", "hk_mobile"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.code);
    ProfileInput input = valid_profile();
    c.clear(input);
    const std::vector<Error> errors = complete_errors(input);
    EXPECT_EQ(codes_of(errors), Codes{c.code});
    EXPECT_EQ(fields_of(errors), Codes{c.field});
  }
}

TEST(ProfileCompleteTest, AcceptsEitherMobileAlone) {
  ProfileInput hk_only = valid_profile();
  hk_only.mainland_mobile.clear();
  EXPECT_EQ(codes_of(complete_errors(hk_only)), Codes{});

  ProfileInput mainland_only = valid_profile();
  mainland_only.hk_mobile.clear();
  EXPECT_EQ(codes_of(complete_errors(mainland_only)), Codes{});
}

TEST(ProfileCompleteTest, InvalidMobileIsNotMissing) {
  // A mobile that is filled in but invalid is reported as invalid, and the
  // other empty one does not add mobile_missing.
  ProfileInput input = valid_profile();
  input.hk_mobile = "21234567";
  input.mainland_mobile.clear();
  EXPECT_EQ(codes_of(complete_errors(input)), Codes{"profile.hk_mobile_invalid"});
}

TEST(ProfileCompleteTest, AppliesDraftFormatRules) {
  ProfileInput input = valid_profile();
  input.birth_date = "2026-03-16";
  EXPECT_EQ(codes_of(complete_errors(input)), Codes{"profile.birth_date_in_future"});
}

TEST(ProfileCompleteTest, ReportsErrorsInFormOrder) {
  ProfileInput input;
  input.name = "Li1";
  input.gender = "x";
  input.birth_date = "1899-01-01";
  input.hk_mobile = "123";
  input.mainland_mobile = "456";
  input.destination_code = "abc";
  const Codes expected_codes = {"profile.name_invalid",        "profile.gender_invalid",
                                "profile.birth_date_too_early", "profile.hk_mobile_invalid",
                                "profile.mainland_mobile_invalid", "profile.destination_invalid"};
  const Codes expected_fields = {"name", "gender", "birth_date", "hk_mobile", "mainland_mobile",
                                 "destination_code"};

  const std::vector<Error> draft = draft_errors(input);
  EXPECT_EQ(codes_of(draft), expected_codes);
  EXPECT_EQ(fields_of(draft), expected_fields);

  Codes complete_codes = expected_codes;
  complete_codes.push_back("profile.consent_required");
  EXPECT_EQ(codes_of(complete_errors(input)), complete_codes);
}

TEST(ProfileCompleteTest, MixesMissingAndInvalidInFormOrder) {
  ProfileInput input;
  input.gender = "female";
  input.birth_date = "1990-02-30";
  input.destination_code = "44";
  input.consent = true;
  EXPECT_EQ(codes_of(complete_errors(input)),
            (Codes{"profile.name_missing", "profile.birth_date_invalid", "profile.mobile_missing",
                   "profile.destination_invalid"}));
}

// ---------------------------------------------------------------------------
// Match with a resident ID card

std::vector<std::string> resident_codes(const ProfileInput& input, const std::string& id_number) {
  return codes_of(validate_profile_complete(input, IdType::resident_id, id_number, kToday));
}

TEST(ResidentIdMatchTest, AcceptsMatchingProfiles) {
  EXPECT_EQ(resident_codes(valid_profile(), kMaleResidentId), Codes{});

  ProfileInput female = valid_profile();
  female.gender = "female";
  female.birth_date = "1985-11-02";
  EXPECT_EQ(resident_codes(female, kFemaleResidentId), Codes{});
}

TEST(ResidentIdMatchTest, AcceptsCheckDigitX) {
  // Born 1949-12-31 with sequence 002, this number has the check digit 'X'.
  // Its 17th digit, 2, is even, so the holder is female.
  const std::string id_number = make_resident_id("110105", "19491231", "002");
  ASSERT_EQ(id_number.back(), 'X');

  ProfileInput input = valid_profile();
  input.gender = "female";
  input.birth_date = "1949-12-31";
  EXPECT_EQ(resident_codes(input, id_number), Codes{});
}

TEST(ResidentIdMatchTest, RejectsBirthDateMismatch) {
  for (const char* birth_date : {"1990-05-21", "1990-06-20", "1991-05-20", "1909-05-20"}) {
    SCOPED_TRACE(birth_date);
    ProfileInput input = valid_profile();
    input.birth_date = birth_date;
    const std::vector<Error> errors =
        validate_profile_complete(input, IdType::resident_id, kMaleResidentId, kToday);
    EXPECT_EQ(codes_of(errors), Codes{"profile.birth_date_mismatch"});
    EXPECT_EQ(fields_of(errors), Codes{"birth_date"});
  }
}

TEST(ResidentIdMatchTest, RejectsGenderMismatch) {
  ProfileInput male_as_female = valid_profile();
  male_as_female.gender = "female";
  const std::vector<Error> errors =
      validate_profile_complete(male_as_female, IdType::resident_id, kMaleResidentId, kToday);
  EXPECT_EQ(codes_of(errors), Codes{"profile.gender_mismatch"});
  EXPECT_EQ(fields_of(errors), Codes{"gender"});

  ProfileInput female_as_male = valid_profile();
  female_as_male.birth_date = "1985-11-02";
  EXPECT_EQ(resident_codes(female_as_male, kFemaleResidentId), Codes{"profile.gender_mismatch"});
}

TEST(ResidentIdMatchTest, ReportsBothMismatchesInFormOrder) {
  ProfileInput input = valid_profile();
  input.gender = "female";
  input.birth_date = "2000-01-01";
  EXPECT_EQ(resident_codes(input, kMaleResidentId),
            (Codes{"profile.gender_mismatch", "profile.birth_date_mismatch"}));
}

TEST(ResidentIdMatchTest, InvalidFieldGetsOnlyFormatError) {
  // Each field gets one error, so an invalid value is not compared as well.
  ProfileInput input = valid_profile();
  input.birth_date = "1990-02-30";
  input.gender = "Male";
  EXPECT_EQ(resident_codes(input, kMaleResidentId),
            (Codes{"profile.gender_invalid", "profile.birth_date_invalid"}));
}

TEST(ResidentIdMatchTest, SkippedForOtherIdTypes) {
  ProfileInput input = valid_profile();
  input.gender = "female";
  input.birth_date = "2000-01-01";
  for (IdType type : {IdType::home_return_permit, IdType::hk_macau_permit, IdType::passport}) {
    SCOPED_TRACE(std::string(to_string(type)));
    // Even a number shaped like a resident ID is not read for another type.
    EXPECT_EQ(codes_of(validate_profile_complete(input, type, kMaleResidentId, kToday)), Codes{});
  }
}

TEST(ResidentIdMatchTest, SkippedWhenNumberDoesNotParse) {
  ProfileInput input = valid_profile();
  input.gender = "female";
  std::string wrong_check_digit = kMaleResidentId;
  wrong_check_digit.back() = wrong_check_digit.back() == '0' ? '1' : '0';
  for (const std::string& id_number : {std::string(), std::string("H12345678"), wrong_check_digit}) {
    SCOPED_TRACE(id_number);
    EXPECT_EQ(resident_codes(input, id_number), Codes{});
  }
}

}  // namespace
}  // namespace yizhan::domain

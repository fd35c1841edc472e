#include "domain/co_resident_rules.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "domain/id_document.h"

namespace yizhan::domain {
namespace {

using std::chrono::year_month_day;
using namespace std::chrono_literals;

constexpr year_month_day kToday{2027y / 3 / 10};

// A resident ID number with a correct check digit.
std::string resident_id(const std::string& first17) { return first17 + resident_id_check_digit(first17); }

CoResidentInput valid_child() {
  return CoResidentInput{"陳小明", "child", "home_return_permit", "H87654321", "2019-05-01", "male", "", ""};
}

std::vector<std::string> codes_of(const std::vector<Error>& errors) {
  std::vector<std::string> codes;
  for (const Error& error : errors) codes.push_back(error.code);
  return codes;
}

std::string code_of(const Check& check) { return check ? check->code : std::string(); }

GroupPerson person(const std::string& number, year_month_day birth, const std::string& care_reason = "") {
  return GroupPerson{"home_return_permit", number, birth, care_reason};
}

TEST(CoResidentRules, EveryListedRelationIsAccepted) {
  for (std::string_view relation : kRelations) EXPECT_TRUE(is_relation(relation)) << relation;
  for (const char* other : {"", "sibling", "cousin", "Spouse", "friend", "grandparent"}) {
    EXPECT_FALSE(is_relation(other)) << other;
  }
}

TEST(CoResidentRules, CareReasonsAreTheFixedList) {
  for (std::string_view reason : kCareReasons) EXPECT_TRUE(is_care_reason(reason)) << reason;
  for (const char* other : {"", "elderly", "Pregnant", "minor"}) EXPECT_FALSE(is_care_reason(other)) << other;
}

TEST(CoResidentRules, AgeCountsCompletedYears) {
  struct Case {
    year_month_day birth;
    year_month_day on;
    int age;
  };
  const std::vector<Case> cases = {
      {2013y / 3 / 10, 2027y / 3 / 10, 14},  // birthday today
      {2013y / 3 / 11, 2027y / 3 / 10, 13},  // birthday tomorrow
      {2009y / 3 / 10, 2027y / 3 / 10, 18},
      {2009y / 3 / 11, 2027y / 3 / 10, 17},
      {1957y / 3 / 10, 2027y / 3 / 10, 70},
      {1957y / 3 / 11, 2027y / 3 / 10, 69},
      {2027y / 3 / 10, 2027y / 3 / 10, 0},
      {2008y / 2 / 29, 2026y / 2 / 28, 17},  // leap-day birthday not reached on 28 February
      {2008y / 2 / 29, 2026y / 3 / 1, 18},
      {2008y / 2 / 29, 2028y / 2 / 29, 20},
      {2027y / 3 / 11, 2027y / 3 / 10, -1},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(age_on(c.birth, c.on), c.age) << static_cast<int>(c.birth.year()) << " -> " << c.age;
  }
}

TEST(CoResidentRules, ValidCoResidentHasNoErrors) {
  EXPECT_TRUE(validate_co_resident(valid_child(), kToday).empty());

  CoResidentInput resident = valid_child();
  resident.id_type = "resident_id";
  resident.id_number = resident_id("11010120190501003");  // born 2019-05-01, odd 17th digit: male
  EXPECT_TRUE(validate_co_resident(resident, kToday).empty()) << codes_of(validate_co_resident(resident, kToday))[0];
}

TEST(CoResidentRules, EachInvalidFieldHasItsCode) {
  struct Case {
    const char* label;
    void (*change)(CoResidentInput&);
    const char* code;
    const char* field;
  };
  const std::vector<Case> cases = {
      {"name missing", [](CoResidentInput& c) { c.name = ""; }, "co_resident.name_missing", "name"},
      {"name with digits", [](CoResidentInput& c) { c.name = "Tom2"; }, "co_resident.name_invalid", "name"},
      {"name too long", [](CoResidentInput& c) { c.name = std::string(51, 'a'); }, "co_resident.name_too_long",
       "name"},
      {"relation missing", [](CoResidentInput& c) { c.relation = ""; }, "co_resident.relation_missing", "relation"},
      {"relation not direct", [](CoResidentInput& c) { c.relation = "sibling"; }, "co_resident.relation_invalid",
       "relation"},
      {"id type missing", [](CoResidentInput& c) { c.id_type = ""; }, "co_resident.id_type_missing", "id_type"},
      {"id type unknown", [](CoResidentInput& c) { c.id_type = "driving_licence"; }, "co_resident.id_type_invalid",
       "id_type"},
      {"id number missing", [](CoResidentInput& c) { c.id_number = ""; }, "co_resident.id_number_missing",
       "id_number"},
      {"id number format", [](CoResidentInput& c) { c.id_number = "X1234"; }, "co_resident.id_number_invalid",
       "id_number"},
      {"resident id check digit",
       [](CoResidentInput& c) {
         c.id_type = "resident_id";
         c.id_number = "110101201905010030";
         if (resident_id_check_digit("11010120190501003") == '0') c.id_number.back() = '1';
       },
       "co_resident.id_number_checksum", "id_number"},
      {"birth date missing", [](CoResidentInput& c) { c.birth_date = ""; }, "co_resident.birth_date_missing",
       "birth_date"},
      {"birth date not a date", [](CoResidentInput& c) { c.birth_date = "2019-02-30"; },
       "co_resident.birth_date_invalid", "birth_date"},
      {"birth date in future", [](CoResidentInput& c) { c.birth_date = "2027-03-11"; },
       "co_resident.birth_date_in_future", "birth_date"},
      {"birth date too early", [](CoResidentInput& c) { c.birth_date = "1899-12-31"; },
       "co_resident.birth_date_too_early", "birth_date"},
      {"gender missing", [](CoResidentInput& c) { c.gender = ""; }, "co_resident.gender_missing", "gender"},
      {"gender unknown", [](CoResidentInput& c) { c.gender = "x"; }, "co_resident.gender_invalid", "gender"},
      {"care reason unknown", [](CoResidentInput& c) { c.care_reason = "elderly"; },
       "co_resident.care_reason_invalid", "care_reason"},
      {"other without note", [](CoResidentInput& c) { c.care_reason = "other"; }, "co_resident.care_note_required",
       "care_note"},
      {"note too long", [](CoResidentInput& c) { c.care_note = std::string(201, 'a'); },
       "co_resident.care_note_too_long", "care_note"},
      {"note with control", [](CoResidentInput& c) { c.care_note = "a\x01" "b"; }, "co_resident.care_note_invalid",
       "care_note"},
  };
  for (const Case& c : cases) {
    CoResidentInput input = valid_child();
    c.change(input);
    const auto errors = validate_co_resident(input, kToday);
    ASSERT_EQ(errors.size(), 1u) << c.label;
    EXPECT_EQ(errors[0].code, c.code) << c.label;
    EXPECT_EQ(errors[0].field, c.field) << c.label;
    EXPECT_EQ(errors[0].kind, ErrorKind::invalid) << c.label;
  }
}

TEST(CoResidentRules, ResidentIdMustMatchBirthDateAndGender) {
  CoResidentInput input = valid_child();
  input.id_type = "resident_id";
  input.id_number = resident_id("11010120190501003");
  input.birth_date = "2019-05-02";
  input.gender = "female";
  EXPECT_EQ(codes_of(validate_co_resident(input, kToday)),
            (std::vector<std::string>{"co_resident.birth_date_mismatch", "co_resident.gender_mismatch"}));
}

TEST(CoResidentRules, ErrorsComeInFormOrder) {
  const CoResidentInput empty{};
  EXPECT_EQ(codes_of(validate_co_resident(empty, kToday)),
            (std::vector<std::string>{"co_resident.name_missing", "co_resident.relation_missing",
                                      "co_resident.id_type_missing", "co_resident.id_number_missing",
                                      "co_resident.birth_date_missing", "co_resident.gender_missing"}));
}

TEST(CoResidentRules, NormalizeCleansTypedValues) {
  CoResidentInput input{"  陳  小明 ", " child ", " passport ", " e 1234 5678 ", " 2019-05-01 ", " male ",
                        " other ", "  needs help  "};
  normalize_co_resident(input);
  EXPECT_EQ(input.name, "陳 小明");
  EXPECT_EQ(input.relation, "child");
  EXPECT_EQ(input.id_type, "passport");
  EXPECT_EQ(input.id_number, "E12345678");
  EXPECT_EQ(input.birth_date, "2019-05-01");
  EXPECT_EQ(input.gender, "male");
  EXPECT_EQ(input.care_reason, "other");
  EXPECT_EQ(input.care_note, "needs help");
}

TEST(CoResidentRules, CareNeedByAgeAndReason) {
  struct Case {
    const char* label;
    GroupPerson person;
    bool needs;
  };
  const std::vector<Case> cases = {
      {"13 years old", person("H1", 2013y / 3 / 11), true},
      {"14 years old", person("H1", 2013y / 3 / 10), false},
      {"69 years old", person("H1", 1957y / 3 / 11), false},
      {"70 years old", person("H1", 1957y / 3 / 10), true},
      {"adult pregnant", person("H1", 1990y / 1 / 1, "pregnant"), true},
      {"adult with disease", person("H1", 1990y / 1 / 1, "underlying_disease"), true},
      {"adult other", person("H1", 1990y / 1 / 1, "other"), true},
      {"adult without reason", person("H1", 1990y / 1 / 1), false},
  };
  for (const Case& c : cases) EXPECT_EQ(needs_care(c.person, kToday), c.needs) << c.label;
}

TEST(CoResidentRules, AdultsCountFromEighteenOnTheDate) {
  const std::vector<GroupPerson> group = {person("H1", 1990y / 1 / 1), person("H2", 2009y / 3 / 10),
                                          person("H3", 2009y / 3 / 11), person("H4", 2020y / 1 / 1)};
  EXPECT_EQ(count_adults(group, kToday), 2);
  EXPECT_EQ(count_adults(group, 2027y / 3 / 11), 3);
  EXPECT_EQ(count_adults({}, kToday), 0);
}

TEST(CoResidentRules, GroupChecksOnTheBookingDate) {
  struct Case {
    const char* label;
    std::vector<GroupPerson> group;
    year_month_day date;
    const char* code;
  };
  const auto adult = [](const char* number) { return person(number, 1990y / 1 / 1); };
  const std::vector<Case> cases = {
      {"applicant alone", {adult("H1")}, kToday, ""},
      {"nobody at all", {}, kToday, ""},
      {"parent and young child", {adult("H1"), person("H2", 2020y / 1 / 1)}, kToday, ""},
      {"two adults and two children",
       {adult("H1"), adult("H2"), person("H3", 2020y / 1 / 1), person("H4", 2018y / 1 / 1)},
       kToday,
       ""},
      {"grandparent aged 70 with adult child", {adult("H1"), person("H2", 1957y / 3 / 10)}, kToday, ""},
      {"pregnant spouse", {adult("H1"), person("H2", 1992y / 1 / 1, "pregnant")}, kToday, ""},
      {"two adults without need", {adult("H1"), adult("H2")}, kToday, "booking.group_no_care_need"},
      {"child turns 14 before the booking date",
       {adult("H1"), person("H2", 2013y / 3 / 12)},
       2027y / 3 / 12,
       "booking.group_no_care_need"},
      {"child still 13 on the booking date", {adult("H1"), person("H2", 2013y / 3 / 12)}, 2027y / 3 / 11, ""},
      {"three adults", {adult("H1"), adult("H2"), person("H3", 1950y / 1 / 1)}, kToday,
       "booking.group_too_many_adults"},
      {"teen turns 18 on the booking date",
       {adult("H1"), adult("H2"), person("H3", 2009y / 3 / 12), person("H4", 2020y / 1 / 1)},
       2027y / 3 / 12,
       "booking.group_too_many_adults"},
      {"teen still 17 on the booking date",
       {adult("H1"), adult("H2"), person("H3", 2009y / 3 / 12), person("H4", 2020y / 1 / 1)},
       2027y / 3 / 11,
       ""},
      {"co-resident is the applicant", {adult("H1"), person("H1", 2020y / 1 / 1)}, kToday,
       "booking.group_duplicate_person"},
      {"same person twice", {adult("H1"), person("H2", 2020y / 1 / 1), person("H2", 2020y / 1 / 1)}, kToday,
       "booking.group_duplicate_person"},
      {"four co-residents",
       {adult("H1"), person("H2", 2020y / 1 / 1), person("H3", 2020y / 1 / 1), person("H4", 2020y / 1 / 1),
        person("H5", 2020y / 1 / 1)},
       kToday,
       "booking.group_too_large"},
  };
  for (const Case& c : cases) EXPECT_EQ(code_of(check_group(c.group, c.date)), c.code) << c.label;
}

TEST(CoResidentRules, SameNumberUnderAnotherTypeIsAnotherPerson) {
  std::vector<GroupPerson> group = {person("E1234567", 1990y / 1 / 1), person("E1234567", 2020y / 1 / 1)};
  group[1].id_type = "passport";
  EXPECT_EQ(code_of(check_group(group, kToday)), "");
}

TEST(CoResidentRules, TooManyAdultsNamesTheCount) {
  const std::vector<GroupPerson> group = {person("H1", 1990y / 1 / 1), person("H2", 1990y / 1 / 1),
                                          person("H3", 1950y / 1 / 1)};
  const Check check = check_group(group, kToday);
  ASSERT_TRUE(check);
  EXPECT_EQ(check->kind, ErrorKind::conflict);
  EXPECT_EQ(check->params.at("max"), "2");
  EXPECT_EQ(check->params.at("adults"), "3");
}

}  // namespace
}  // namespace yizhan::domain

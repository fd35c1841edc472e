#include "domain/profile.h"

#include <locale.h>
#include <wchar.h>
#include <wctype.h>

#include <algorithm>
#include <array>
#include <initializer_list>
#include <stdexcept>
#include <utility>
#include <variant>

#include "domain/text.h"

namespace yizhan::domain {

namespace {

using namespace std::chrono;

constexpr year_month_day kEarliestBirthDate{year{1900}, January, day{1}};

constexpr std::size_t kHkMobileDigits = 8;
constexpr std::size_t kMainlandMobileDigits = 11;
constexpr std::size_t kDestinationCodeDigits = 6;

Error invalid(std::string code, std::string field) {
  return make_error(ErrorKind::invalid, std::move(code), std::move(field));
}

bool is_ascii_digit(char c) { return c >= '0' && c <= '9'; }

bool is_ascii_whitespace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

bool all_ascii_digits(std::string_view text) {
  return std::all_of(text.begin(), text.end(), is_ascii_digit);
}

// ---------------------------------------------------------------------------
// Normalization

// Replaces full-width ASCII forms (U+FF01..U+FF5E) with ASCII, and the
// ideographic space U+3000 and the no-break space U+00A0 with ' '. CJK input
// methods produce these when the user forgets to switch to half-width, and
// copied text often carries U+00A0. Other bytes are copied unchanged.
std::string replace_wide_forms(std::string_view typed) {
  std::string result;
  result.reserve(typed.size());

  std::size_t i = 0;
  while (i < typed.size()) {
    const auto b0 = static_cast<unsigned char>(typed[i]);
    const auto b1 = i + 1 < typed.size() ? static_cast<unsigned char>(typed[i + 1]) : 0;
    const auto b2 = i + 2 < typed.size() ? static_cast<unsigned char>(typed[i + 2]) : 0;

    if (b0 == 0xC2 && b1 == 0xA0) {
      result.push_back(' ');
      i += 2;
    } else if (b0 == 0xE3 && b1 == 0x80 && b2 == 0x80) {
      result.push_back(' ');
      i += 3;
    } else if (b0 == 0xEF && b1 == 0xBC && b2 >= 0x81 && b2 <= 0xBF) {
      // U+FF01..U+FF3F map to U+0021..U+005F.
      result.push_back(static_cast<char>(b2 - 0x81 + 0x21));
      i += 3;
    } else if (b0 == 0xEF && b1 == 0xBD && b2 >= 0x80 && b2 <= 0x9E) {
      // U+FF40..U+FF5E map to U+0060..U+007E.
      result.push_back(static_cast<char>(b2 - 0x80 + 0x60));
      i += 3;
    } else {
      result.push_back(typed[i]);
      ++i;
    }
  }
  return result;
}

std::string_view trim_ascii_whitespace(std::string_view text) {
  while (!text.empty() && is_ascii_whitespace(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_ascii_whitespace(text.back())) text.remove_suffix(1);
  return text;
}

std::string collapse_whitespace(std::string_view text) {
  std::string result;
  result.reserve(text.size());
  bool previous_was_space = false;
  for (char c : text) {
    const bool space = is_ascii_whitespace(c);
    if (space && previous_was_space) continue;
    result.push_back(space ? ' ' : c);
    previous_was_space = space;
  }
  return result;
}

std::string remove_whitespace_and_hyphens(std::string_view text) {
  std::string result;
  result.reserve(text.size());
  for (char c : text) {
    if (!is_ascii_whitespace(c) && c != '-') result.push_back(c);
  }
  return result;
}

// Removes the first of `prefixes` that `number` starts with, but only when
// the rest has exactly `local_length` characters. The length condition keeps
// a local number that merely begins with the same digits intact.
std::string remove_country_code(std::string number, std::initializer_list<std::string_view> prefixes,
                                std::size_t local_length) {
  for (std::string_view prefix : prefixes) {
    if (number.size() == prefix.size() + local_length && std::string_view(number).starts_with(prefix)) {
      return number.substr(prefix.size());
    }
  }
  return number;
}

enum class FieldShape { plain, name, hk_mobile, mainland_mobile };

void normalize_field(std::string& value, FieldShape shape) {
  if (value.size() > kProfileFieldMaxBytes) return;

  const std::string replaced = replace_wide_forms(value);
  const std::string_view trimmed = trim_ascii_whitespace(replaced);
  switch (shape) {
    case FieldShape::plain:
      value = std::string(trimmed);
      break;
    case FieldShape::name:
      value = collapse_whitespace(trimmed);
      break;
    case FieldShape::hk_mobile:
      value = remove_country_code(remove_whitespace_and_hyphens(trimmed), {"+852", "852"}, kHkMobileDigits);
      break;
    case FieldShape::mainland_mobile:
      value = remove_country_code(remove_whitespace_and_hyphens(trimmed), {"+86", "86"},
                                  kMainlandMobileDigits);
      break;
  }
}

// ---------------------------------------------------------------------------
// Characters of a name

// The C.UTF-8 locale, whose LC_CTYPE classifies all of Unicode in the
// version glibc was built with. Created once and never freed, because the
// classification functions need it for the process lifetime. The process
// locale is not used, since it is often plain "C".
// NOTE: glibc 2.36 classifies by Unicode 14.0, so letters added later, such
// as CJK Extension H (U+31350..U+323AF), are rejected. A later glibc accepts
// them, but the digit and format tables below still follow Unicode 14.0, so
// digits and format characters added later would then pass as well.
locale_t unicode_locale() {
  static const locale_t locale = [] {
    const locale_t created = newlocale(LC_CTYPE_MASK, "C.UTF-8", locale_t{});
    if (created == locale_t{}) {
      throw std::runtime_error(
          "newlocale(\"C.UTF-8\") failed, so names cannot be validated. Install the C.UTF-8 locale "
          "(on Debian, /usr/lib/locale/C.utf8 from package libc-bin)");
    }
    return created;
  }();
  return locale;
}

// Makes `locale` the calling thread's locale until destruction, for wcwidth,
// which has no _l variant. uselocale changes only the calling thread.
class ThreadLocaleGuard {
 public:
  explicit ThreadLocaleGuard(locale_t locale) : previous_(uselocale(locale)) {}
  ~ThreadLocaleGuard() { uselocale(previous_); }
  ThreadLocaleGuard(const ThreadLocaleGuard&) = delete;
  ThreadLocaleGuard& operator=(const ThreadLocaleGuard&) = delete;

 private:
  locale_t previous_;
};

// The digit zero of every run of decimal digits (general category Nd) in
// Unicode 14.0. Every such run is the ten digits 0-9 in order. glibc counts
// all non-ASCII decimal digits as alphabetic, so they must be excluded here.
constexpr std::array<char32_t, 66> kDecimalDigitZeros = {
    0x30,    0x660,   0x6F0,   0x7C0,   0x966,   0x9E6,   0xA66,   0xAE6,   0xB66,   0xBE6,   0xC66,
    0xCE6,   0xD66,   0xDE6,   0xE50,   0xED0,   0xF20,   0x1040,  0x1090,  0x17E0,  0x1810,  0x1946,
    0x19D0,  0x1A80,  0x1A90,  0x1B50,  0x1BB0,  0x1C40,  0x1C50,  0xA620,  0xA8D0,  0xA900,  0xA9D0,
    0xA9F0,  0xAA50,  0xABF0,  0xFF10,  0x104A0, 0x10D30, 0x11066, 0x110F0, 0x11136, 0x111D0, 0x112F0,
    0x11450, 0x114D0, 0x11650, 0x116C0, 0x11730, 0x118E0, 0x11950, 0x11C50, 0x11D50, 0x11DA0, 0x16A60,
    0x16AC0, 0x16B50, 0x1D7CE, 0x1D7D8, 0x1D7E2, 0x1D7EC, 0x1D7F6, 0x1E140, 0x1E2F0, 0x1E950, 0x1FBF0,
};

bool is_decimal_digit(char32_t c) {
  const auto after = std::upper_bound(kDecimalDigitZeros.begin(), kDecimalDigitZeros.end(), c);
  if (after == kDecimalDigitZeros.begin()) return false;
  return c - *(after - 1) < 10;
}

struct CodePointRange {
  char32_t first;
  char32_t last;
};

bool in_ranges(char32_t c, std::initializer_list<CodePointRange> ranges) {
  return std::any_of(ranges.begin(), ranges.end(),
                     [c](const CodePointRange& range) { return c >= range.first && c <= range.last; });
}

// Circled, squared and negative squared Latin letters (So), which glibc
// counts as alphabetic but which are symbols, not letters of a name.
bool is_enclosed_letter(char32_t c) {
  return in_ranges(c, {{0x24B6, 0x24E9}, {0x1F130, 0x1F149}, {0x1F150, 0x1F169}, {0x1F170, 0x1F189}});
}

// Format characters (Cf) that glibc gives width 0 in Unicode 14.0: zero-width
// spaces and joiners, bidirectional controls, the byte order mark, tags and
// similar. They are invisible and can disguise a name, so they are rejected
// although their width makes them look like combining marks.
bool is_invisible_format_character(char32_t c) {
  return in_ranges(c, {{0x061C, 0x061C},
                       {0x180E, 0x180E},
                       {0x200B, 0x200F},
                       {0x202A, 0x202E},
                       {0x2060, 0x2064},
                       {0x2066, 0x206F},
                       {0xFEFF, 0xFEFF},
                       {0xFFF9, 0xFFFB},
                       {0x13430, 0x13438},
                       {0x1BCA0, 0x1BCA3},
                       {0x1D173, 0x1D17A},
                       {0xE0001, 0xE0001},
                       {0xE0020, 0xE007F}});
}

// Middle dots that separate the parts of a transliterated foreign name in
// Chinese ("阿卜杜拉·穆罕默德"): U+00B7, the katakana middle dot U+30FB and the
// hyphenation point U+2027.
bool is_name_separator(char32_t c) { return c == 0x00B7 || c == 0x30FB || c == 0x2027; }

enum class NameCharacter { letter, combining_mark, space, separator, other };

// Classifies a code point of a name. Requires the thread locale to be
// unicode_locale(), because wcwidth reads it.
//
// Letters are what glibc calls alphabetic: the Unicode Alphabetic property,
// which covers the letter categories, letter numbers such as U+3007 "〇" and
// the vowel signs that scripts like Devanagari need. glibc also counts
// non-ASCII decimal digits and enclosed letters as alphabetic, so those are
// excluded. glibc has no test for combining marks, so a non-alphabetic code
// point of width 0 that is not an invisible format character is taken as a
// combining mark (U+0301, the virama U+094D, the kana sound mark U+3099).
// NOTE: the 28 spacing marks (Mc) of Unicode 14.0 that are not Alphabetic,
// such as the Javanese pangkon U+A9C0, have width 1 and fall under "other",
// so names that need them are rejected.
NameCharacter classify_name_character(char32_t c, locale_t locale) {
  if (c == U' ') return NameCharacter::space;
  if (is_name_separator(c)) return NameCharacter::separator;

  const auto wide = static_cast<wint_t>(c);
  if (iswalpha_l(wide, locale)) {
    if (is_decimal_digit(c) || is_enclosed_letter(c)) return NameCharacter::other;
    return NameCharacter::letter;
  }
  if (iswcntrl_l(wide, locale) || is_invisible_format_character(c)) return NameCharacter::other;
  if (wcwidth(static_cast<wchar_t>(c)) == 0) return NameCharacter::combining_mark;
  return NameCharacter::other;
}

// Checks the characters of a non-empty, well-formed UTF-8 name. Spaces and
// middle dots only separate parts, so neither may start or end the name.
bool has_valid_name_characters(std::string_view name) {
  const locale_t locale = unicode_locale();
  const ThreadLocaleGuard guard(locale);

  bool has_letter = false;
  NameCharacter previous = NameCharacter::other;
  bool first = true;
  for (char32_t c : decode_utf8(name)) {
    const NameCharacter current = classify_name_character(c, locale);
    switch (current) {
      case NameCharacter::letter:
        has_letter = true;
        break;
      case NameCharacter::combining_mark:
        // A mark modifies the character before it, so it needs a letter or
        // another mark there (stacked Vietnamese accents).
        if (previous != NameCharacter::letter && previous != NameCharacter::combining_mark) return false;
        break;
      case NameCharacter::space:
        if (first || previous == NameCharacter::space) return false;
        break;
      case NameCharacter::separator:
        if (first) return false;
        break;
      case NameCharacter::other:
        return false;
    }
    previous = current;
    first = false;
  }
  return has_letter && previous != NameCharacter::space && previous != NameCharacter::separator;
}

// ---------------------------------------------------------------------------
// Field formats. Each takes a non-empty value.

Error name_too_long_error() {
  Error error = invalid("profile.name_too_long", "name");
  error.params["max"] = std::to_string(kNameMaxCodePoints);
  return error;
}

// Only the name needs an explicit size and UTF-8 check. The other formats
// accept a fixed number of ASCII characters, so a long or broken value fails
// their first comparison.
Check check_name_format(std::string_view name) {
  if (name.size() > kProfileFieldMaxBytes) return name_too_long_error();
  if (!is_valid_utf8(name)) return invalid("profile.name_invalid", "name");
  if (count_code_points(name) > kNameMaxCodePoints) return name_too_long_error();
  if (!has_valid_name_characters(name)) return invalid("profile.name_invalid", "name");
  return std::nullopt;
}

int parse_digits(std::string_view digits) {
  int value = 0;
  for (char c : digits) value = value * 10 + (c - '0');
  return value;
}

// Parses YYYY-MM-DD with exactly that many ASCII digits. Returns nullopt
// when the text has another shape or names no real calendar date.
std::optional<year_month_day> parse_iso_date(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  const std::string_view year_digits = text.substr(0, 4);
  const std::string_view month_digits = text.substr(5, 2);
  const std::string_view day_digits = text.substr(8, 2);
  if (!all_ascii_digits(year_digits) || !all_ascii_digits(month_digits) || !all_ascii_digits(day_digits)) {
    return std::nullopt;
  }

  const year_month_day date{year{parse_digits(year_digits)},
                            month{static_cast<unsigned>(parse_digits(month_digits))},
                            day{static_cast<unsigned>(parse_digits(day_digits))}};
  if (!date.ok()) return std::nullopt;
  return date;
}

// Returns the birth date, or the error for a birth date that is not valid.
std::variant<year_month_day, Error> parse_birth_date(std::string_view text, year_month_day today) {
  const std::optional<year_month_day> date = parse_iso_date(text);
  if (!date) return invalid("profile.birth_date_invalid", "birth_date");
  if (*date > today) return invalid("profile.birth_date_in_future", "birth_date");
  if (*date < kEarliestBirthDate) return invalid("profile.birth_date_too_early", "birth_date");
  return *date;
}

Check check_hk_mobile_format(std::string_view number) {
  // Hong Kong mobile numbers have 8 digits and start with 4 to 9, because
  // 2 and 3 start fixed lines.
  const bool valid = number.size() == kHkMobileDigits && all_ascii_digits(number) && number[0] >= '4';
  if (!valid) return invalid("profile.hk_mobile_invalid", "hk_mobile");
  return std::nullopt;
}

Check check_mainland_mobile_format(std::string_view number) {
  const bool valid = number.size() == kMainlandMobileDigits && all_ascii_digits(number) && number[0] == '1';
  if (!valid) return invalid("profile.mainland_mobile_invalid", "mainland_mobile");
  return std::nullopt;
}

Check check_destination_format(std::string_view code) {
  const bool valid = code.size() == kDestinationCodeDigits && all_ascii_digits(code);
  if (!valid) return invalid("profile.destination_invalid", "destination_code");
  return std::nullopt;
}

// ---------------------------------------------------------------------------
// Whole form

enum class Stage { draft, complete };

// Collects the errors in form order. The field helpers above check formats
// only, and this function adds the required fields and the resident ID
// match for the complete stage.
std::vector<Error> validate_profile(const ProfileInput& input, IdType id_type, std::string_view id_number,
                                    year_month_day today, Stage stage) {
  const bool complete = stage == Stage::complete;
  std::optional<ResidentIdFacts> id_facts;
  if (complete && id_type == IdType::resident_id) id_facts = resident_id_facts(id_number);

  std::vector<Error> errors;
  auto add = [&errors](Check check) {
    if (check) errors.push_back(std::move(*check));
  };

  if (!input.name.empty()) {
    add(check_name_format(input.name));
  } else if (complete) {
    add(invalid("profile.name_missing", "name"));
  }

  if (!input.gender.empty()) {
    const std::optional<Gender> gender = parse_gender(input.gender);
    if (!gender) {
      add(invalid("profile.gender_invalid", "gender"));
    } else if (id_facts && id_facts->male != (*gender == Gender::male)) {
      add(invalid("profile.gender_mismatch", "gender"));
    }
  } else if (complete) {
    add(invalid("profile.gender_missing", "gender"));
  }

  if (!input.birth_date.empty()) {
    const std::variant<year_month_day, Error> birth_date = parse_birth_date(input.birth_date, today);
    if (const Error* error = std::get_if<Error>(&birth_date)) {
      add(*error);
    } else if (id_facts && id_facts->birth_date != std::get<year_month_day>(birth_date)) {
      add(invalid("profile.birth_date_mismatch", "birth_date"));
    }
  } else if (complete) {
    add(invalid("profile.birth_date_missing", "birth_date"));
  }

  // Either mobile number is enough, so only both missing is an error, and it
  // is reported on the first of the two.
  if (complete && input.hk_mobile.empty() && input.mainland_mobile.empty()) {
    add(invalid("profile.mobile_missing", "hk_mobile"));
  }
  if (!input.hk_mobile.empty()) add(check_hk_mobile_format(input.hk_mobile));
  if (!input.mainland_mobile.empty()) add(check_mainland_mobile_format(input.mainland_mobile));

  if (!input.destination_code.empty()) {
    add(check_destination_format(input.destination_code));
  } else if (complete) {
    add(invalid("profile.destination_missing", "destination_code"));
  }

  if (complete && !input.consent) add(invalid("profile.consent_required", "consent"));
  return errors;
}

}  // namespace

std::optional<Gender> parse_gender(std::string_view name) {
  for (Gender gender : {Gender::male, Gender::female}) {
    if (name == to_string(gender)) return gender;
  }
  return std::nullopt;
}

std::string_view to_string(Gender gender) {
  switch (gender) {
    case Gender::male:
      return "male";
    case Gender::female:
      return "female";
  }
  return {};
}

void normalize_profile(ProfileInput& input) {
  normalize_field(input.name, FieldShape::name);
  normalize_field(input.gender, FieldShape::plain);
  normalize_field(input.birth_date, FieldShape::plain);
  normalize_field(input.hk_mobile, FieldShape::hk_mobile);
  normalize_field(input.mainland_mobile, FieldShape::mainland_mobile);
  normalize_field(input.destination_code, FieldShape::plain);
}

std::vector<Error> validate_profile_draft(const ProfileInput& input, IdType id_type, std::string_view id_number,
                                          year_month_day today) {
  return validate_profile(input, id_type, id_number, today, Stage::draft);
}

std::vector<Error> validate_profile_complete(const ProfileInput& input, IdType id_type, std::string_view id_number,
                                             year_month_day today) {
  return validate_profile(input, id_type, id_number, today, Stage::complete);
}

}  // namespace yizhan::domain

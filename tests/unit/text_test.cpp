#include "domain/text.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace yizhan::domain {
namespace {

TEST(Utf8Test, AcceptsWellFormedSequences) {
  const std::vector<std::string> cases = {
      "",
      "abc",
      std::string("a\0b", 3),  // U+0000 is a valid code point
      "\xC2\x80",              // U+0080, smallest two-byte
      "\xDF\xBF",              // U+07FF, largest two-byte
      "\xE0\xA0\x80",          // U+0800, smallest three-byte
      "\xED\x9F\xBF",          // U+D7FF, just below the surrogates
      "\xEE\x80\x80",          // U+E000, just above the surrogates
      "\xEF\xBF\xBF",          // U+FFFF
      "\xF0\x90\x80\x80",      // U+10000, smallest four-byte
      "\xF4\x8F\xBF\xBF",      // U+10FFFF, largest code point
      "中文",
      "\xF0\x9F\x98\x80",      // U+1F600, an emoji
  };
  for (const std::string& text : cases) {
    SCOPED_TRACE(testing::PrintToString(text));
    EXPECT_TRUE(is_valid_utf8(text));
  }
}

TEST(Utf8Test, RejectsOverlongForms) {
  for (const char* text : {
           "\xC0\xAF",          // '/' in two bytes
           "\xC1\xBF",          // U+007F in two bytes
           "\xE0\x80\xAF",      // '/' in three bytes
           "\xE0\x9F\xBF",      // U+07FF in three bytes
           "\xF0\x80\x80\xAF",  // '/' in four bytes
           "\xF0\x8F\xBF\xBF",  // U+FFFF in four bytes
       }) {
    SCOPED_TRACE(testing::PrintToString(std::string(text)));
    EXPECT_FALSE(is_valid_utf8(text));
  }
}

TEST(Utf8Test, RejectsSurrogates) {
  for (const char* text : {"\xED\xA0\x80", "\xED\xAF\xBF", "\xED\xB0\x80", "\xED\xBF\xBF",
                           "\xED\xA0\xBD\xED\xB8\x80"}) {  // the last is CESU-8 for U+1F600
    SCOPED_TRACE(testing::PrintToString(std::string(text)));
    EXPECT_FALSE(is_valid_utf8(text));
  }
}

TEST(Utf8Test, RejectsCodePointsAboveMaximum) {
  for (const char* text : {"\xF4\x90\x80\x80", "\xF5\x80\x80\x80", "\xF7\xBF\xBF\xBF",
                           "\xF8\x88\x80\x80\x80", "\xFE", "\xFF"}) {
    SCOPED_TRACE(testing::PrintToString(std::string(text)));
    EXPECT_FALSE(is_valid_utf8(text));
  }
}

TEST(Utf8Test, RejectsBrokenSequences) {
  for (const char* text : {
           "\x80",              // lone continuation byte
           "a\xBF",             // continuation after ASCII
           "\xE4\xB8",          // truncated three-byte
           "\xF0\x9F\x98",      // truncated four-byte
           "\xC3",              // truncated at the end
           "\xC3\x28",          // ASCII where a continuation belongs
           "\xE4\x41\xAD",      // ASCII in the middle
           "\xF0\x9F\x98\x41",  // ASCII as the last byte
           "\xE4\xB8\xAD\xAD",  // one continuation too many
       }) {
    SCOPED_TRACE(testing::PrintToString(std::string(text)));
    EXPECT_FALSE(is_valid_utf8(text));
  }
}

TEST(Utf8Test, CountsCodePointsNotBytes) {
  struct Case {
    std::string text;
    std::size_t code_points;
  };
  const std::vector<Case> cases = {
      {"", 0},
      {"abc", 3},
      {"中文", 2},                      // 6 bytes
      {"a中\xF0\x9F\x98\x80", 3},       // 1 + 3 + 4 bytes
      {"\xC2\x80\xDF\xBF", 2},
      {std::string("\0\0", 2), 2},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(testing::PrintToString(c.text));
    EXPECT_EQ(count_code_points(c.text), c.code_points);
  }
}

TEST(Utf8Test, DecodesEachSequenceLength) {
  EXPECT_EQ(decode_utf8(""), U"");
  EXPECT_EQ(decode_utf8("a\xC2\x80\xE4\xB8\xAD\xF0\x9F\x98\x80"), U"a\u0080\u4E2D\U0001F600");
  EXPECT_EQ(decode_utf8("\xF4\x8F\xBF\xBF"), U"\U0010FFFF");
}

TEST(NormalizeIdNumberTest, UpperCasesAsciiLetters) {
  EXPECT_EQ(normalize_id_number("h12345678"), "H12345678");
  EXPECT_EQ(normalize_id_number("11010519491231002x"), "11010519491231002X");
  EXPECT_EQ(normalize_id_number("abcxyzABCXYZ09"), "ABCXYZABCXYZ09");
}

TEST(NormalizeIdNumberTest, RemovesWhitespace) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {" H12345678 ", "H12345678"},
      {"H1234 5678", "H12345678"},
      {"H1234\t5678", "H12345678"},
      {"H1234\r\n5678\n", "H12345678"},
      {"H1234\u30005678", "H12345678"},        // ideographic space
      {"\u3000 H12345678\u3000", "H12345678"},
      {"   ", ""},
  };
  for (const auto& [typed, normalized] : cases) {
    SCOPED_TRACE(testing::PrintToString(typed));
    EXPECT_EQ(normalize_id_number(typed), normalized);
  }
}

TEST(NormalizeIdNumberTest, ConvertsFullWidthForms) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"Ｈ１２３４５６７８", "H12345678"},
      {"ｈ１２３４５６７８", "H12345678"},  // full-width lower case, then upper-cased
      {"１１０１０５１９４９１２３１００２ｘ", "11010519491231002X"},
      {"\uFF01", "!"},   // first of the range
      {"\uFF3F", "_"},   // last with lead bytes EF BC
      {"\uFF20", "@"},
      {"\uFF40", "`"},   // first with lead bytes EF BD
      {"\uFF5E", "~"},   // last of the range
      {"\uFF0D", "-"},   // kept as ASCII so the validator rejects it
  };
  for (const auto& [typed, normalized] : cases) {
    SCOPED_TRACE(typed);
    EXPECT_EQ(normalize_id_number(typed), normalized);
  }
}

TEST(NormalizeIdNumberTest, KeepsOtherCharacters) {
  const std::vector<std::string> cases = {
      "\uFF00",          // just below the full-width range (EF BC 80)
      "\uFF5F",          // just above it (EF BD 9F)
      "\uFF61",          // half-width katakana punctuation
      "護照",
      "\u00A0",          // no-break space is not in the removed set
      "\xFF\xFE",        // invalid bytes pass through
      "\xEF\xBC",        // a truncated full-width form passes through
      "-/.",
  };
  for (const std::string& typed : cases) {
    SCOPED_TRACE(testing::PrintToString(typed));
    EXPECT_EQ(normalize_id_number(typed), typed);
  }
}

}  // namespace
}  // namespace yizhan::domain

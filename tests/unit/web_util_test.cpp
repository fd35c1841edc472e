#include <gtest/gtest.h>

#include "web/http_util.h"
#include "web/i18n.h"
#include "web/json_input.h"

namespace yizhan::web {
namespace {

TEST(PercentDecode, DecodesEscapesAndPlusInForms) {
  EXPECT_EQ(percent_decode("a%20b+c", true).value(), "a b c");
  EXPECT_EQ(percent_decode("a%20b+c", false).value(), "a b+c");
  EXPECT_EQ(percent_decode("%E5%81%A5", false).value(), "\xE5\x81\xA5");
}

TEST(PercentDecode, RejectsMalformedEscapes) {
  for (const char* bad : {"%", "%2", "%zz", "abc%4", "%g0"}) {
    EXPECT_FALSE(percent_decode(bad, false).has_value()) << bad;
  }
}

TEST(UrlEncoded, LaterDuplicatesWin) {
  const auto values = parse_url_encoded("a=1&b=x%26y&a=2&&c").value();
  EXPECT_EQ(values.at("a"), "2");
  EXPECT_EQ(values.at("b"), "x&y");
  EXPECT_EQ(values.at("c"), "");
}

TEST(Cookies, ParsesPairsAndKeepsFirstOccurrence) {
  const auto cookies = parse_cookies("lang=en; yz_session=abc; lang=zh-Hans; broken; =x");
  EXPECT_EQ(cookies.at("lang"), "en");
  EXPECT_EQ(cookies.at("yz_session"), "abc");
  EXPECT_EQ(cookies.size(), 2u);
}

TEST(SetCookie, CarriesSecurityAttributes) {
  CookieOptions options;
  options.max_age_seconds = 60;
  EXPECT_EQ(format_set_cookie("s", "v", options), "s=v; Path=/; Max-Age=60; HttpOnly; SameSite=Lax");
}

TEST(LocalPath, AcceptsOnlyPathsOnThisSite) {
  for (const char* good : {"/", "/me", "/login?switched=1", "/guide#booking"}) EXPECT_TRUE(is_local_path(good)) << good;
  for (const char* bad : {"", "me", "//evil.example", "/\\evil.example", "https://evil.example", "/a\nb", "\\\\x"}) {
    EXPECT_FALSE(is_local_path(bad)) << bad;
  }
}

TEST(NegotiateLanguage, CookieWinsOverHeader) {
  EXPECT_EQ(negotiate_language("en", "zh-CN", "zh-Hant"), "en");
}

TEST(NegotiateLanguage, MapsRegionalChineseTags) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"zh-TW", "zh-Hant"}, {"zh-HK,zh;q=0.9", "zh-Hant"}, {"zh-Hant-HK", "zh-Hant"}, {"zh-CN", "zh-Hans"},
      {"zh", "zh-Hans"},    {"en-GB,en;q=0.8", "en"},      {"fr, en;q=0.5", "en"},  {"fr", "zh-Hant"},
      {"en;q=0, zh-CN", "zh-Hans"}, {"", "zh-Hant"}, {"en;q=0.5, zh-TW;q=0.9", "zh-Hant"},
      {"zh-CN;q=0.0, en;q=0.1", "en"}, {"en;q=abc", "zh-Hant"}};
  for (const auto& [header, expected] : cases) EXPECT_EQ(negotiate_language("", header, "zh-Hant"), expected) << header;
}

TEST(NegotiateLanguage, IgnoresUnsupportedCookie) {
  EXPECT_EQ(negotiate_language("de", "en", "zh-Hant"), "en");
}

TEST(Catalogs, EveryLanguageHasEveryKey) {
  // The constructor rejects catalogs whose keys differ from zh-Hant's.
  EXPECT_NO_THROW(Catalogs(std::string(YIZHAN_SHARE_DIR) + "/i18n"));
}

TEST(Catalogs, FillsPlaceholdersInTheRequestedLanguage) {
  const Catalogs catalogs(std::string(YIZHAN_SHARE_DIR) + "/i18n");
  Error error = make_error(ErrorKind::rate_limited, "request.rate_limited");
  error.params["seconds"] = "7";
  EXPECT_EQ(catalogs.error_message("en", error), "Too many requests. Try again in 7 seconds.");
  EXPECT_NE(catalogs.error_message("zh-Hant", error).find("7"), std::string::npos);
  EXPECT_NE(catalogs.error_message("zh-Hant", error), catalogs.error_message("zh-Hans", error));
}

TEST(JsonInput, AcceptsListedMembersOfTheRightType) {
  const auto result = read_json_object(R"({"a":"x","b":true,"n":null})", {{"a", JsonType::string, true},
                                                                           {"b", JsonType::boolean, false},
                                                                           {"n", JsonType::integer, false}});
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(string_member(result.value(), "a"), "x");
}

TEST(JsonInput, RejectsEachKindOfBadBody) {
  const std::vector<JsonField> fields = {{"a", JsonType::string, true}};
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{", "request.malformed_json"},
      {"[1]", "request.expected_object"},
      {"\"a\"", "request.expected_object"},
      {R"({"a":"x","z":1})", "request.unknown_field"},
      {R"({"a":1})", "request.wrong_type"},
      {R"({})", "request.field_missing"},
      {R"({"a":null})", "request.field_missing"},
      {"{\"a\":\"\xff\"}", "request.invalid_utf8"},
  };
  for (const auto& [body, code] : cases) {
    const auto result = read_json_object(body, fields);
    ASSERT_FALSE(result.ok()) << body;
    EXPECT_EQ(result.error().code, code) << body;
  }
}

}  // namespace
}  // namespace yizhan::web

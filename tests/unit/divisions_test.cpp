#include "service/divisions.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace yizhan::service {
namespace {

// Loading once keeps the suite fast. Divisions is immutable, so sharing it
// between tests cannot leak state.
const Divisions& divisions() {
  static const Divisions loaded;
  return loaded;
}

// Reads the generated file without Divisions, so counts are checked against
// the data rather than against the code under test.
std::vector<std::vector<std::string>> read_rows() {
  std::ifstream in(YIZHAN_DIVISIONS_FILE);
  std::vector<std::vector<std::string>> rows;
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> fields;
    std::stringstream stream(line);
    std::string field;
    while (std::getline(stream, field, '\t')) fields.push_back(field);
    rows.push_back(fields);
  }
  return rows;
}

std::vector<std::string> codes_of(const std::vector<const Division*>& list) {
  std::vector<std::string> codes;
  for (const Division* division : list) codes.push_back(division->code);
  return codes;
}

TEST(DivisionsTest, LoadsAllProvinces) {
  const auto& provinces = divisions().provinces();
  ASSERT_EQ(provinces.size(), 31u);
  EXPECT_EQ(provinces.front()->code, "110000");
  EXPECT_EQ(provinces.front()->name_hans, "北京市");
  for (const Division* province : provinces) {
    SCOPED_TRACE(province->code);
    EXPECT_EQ(province->level, 1);
    EXPECT_TRUE(province->parent_code.empty());
    EXPECT_TRUE(province->has_children);
  }
}

TEST(DivisionsTest, GuangdongHas21Cities) {
  const std::vector<const Division*> cities = divisions().children("440000");
  ASSERT_EQ(cities.size(), 21u);
  EXPECT_EQ(cities.front()->code, "440100");
  EXPECT_EQ(cities.front()->name_hans, "广州市");
  for (const Division* city : cities) {
    SCOPED_TRACE(city->code);
    EXPECT_EQ(city->level, 2);
    EXPECT_EQ(city->parent_code, "440000");
  }
}

TEST(DivisionsTest, ChildrenInCodeOrder) {
  for (const char* parent : {"440000", "440100", "110100"}) {
    SCOPED_TRACE(parent);
    const std::vector<std::string> codes = codes_of(divisions().children(parent));
    ASSERT_FALSE(codes.empty());
    EXPECT_TRUE(std::is_sorted(codes.begin(), codes.end()));
  }
}

TEST(DivisionsTest, EveryGuangdongCountyIsDestination) {
  int counties_in_file = 0;
  for (const auto& row : read_rows()) {
    if (row.size() == 5 && row[0].starts_with("44") && row[2] == "3") ++counties_in_file;
  }
  ASSERT_GT(counties_in_file, 100);

  int counties_found = 0;
  for (const Division* city : divisions().children("440000")) {
    for (const Division* county : divisions().children(city->code)) {
      SCOPED_TRACE(county->code);
      EXPECT_EQ(county->level, 3);
      EXPECT_EQ(county->parent_code, city->code);
      EXPECT_TRUE(divisions().is_destination(county->code));
      ++counties_found;
    }
  }
  EXPECT_EQ(counties_found, counties_in_file);
}

TEST(DivisionsTest, KnownCountiesFound) {
  const Division* baiyun = divisions().find("440111");
  ASSERT_NE(baiyun, nullptr);
  EXPECT_EQ(baiyun->name_hans, "白云区");
  EXPECT_EQ(baiyun->parent_code, "440100");
  EXPECT_EQ(baiyun->level, 3);
  EXPECT_FALSE(baiyun->has_children);

  const Division* xinyi = divisions().find("440983");
  ASSERT_NE(xinyi, nullptr);
  EXPECT_EQ(xinyi->name_hans, "信宜市");
  EXPECT_EQ(xinyi->name_hant, "信宜市");
  EXPECT_TRUE(divisions().is_destination("440983"));

  const Division* dianbai = divisions().find("440904");
  ASSERT_NE(dianbai, nullptr);
  EXPECT_EQ(dianbai->name_hans, "电白区");
  EXPECT_EQ(dianbai->name_hant, "電白區");
  EXPECT_TRUE(divisions().is_destination("440904"));
}

TEST(DivisionsTest, CitiesWithoutCountiesAreDestinations) {
  for (const char* code : {"441900", "442000"}) {
    SCOPED_TRACE(code);
    const Division* city = divisions().find(code);
    ASSERT_NE(city, nullptr);
    EXPECT_EQ(city->level, 2);
    EXPECT_FALSE(city->has_children);
    EXPECT_TRUE(divisions().children(code).empty());
    EXPECT_TRUE(divisions().is_destination(code));
  }
  EXPECT_EQ(divisions().find("441900")->name_hans, "东莞市");
}

TEST(DivisionsTest, ProvinceAndCityWithCountiesNotDestinations) {
  EXPECT_FALSE(divisions().is_destination("440000"));
  EXPECT_FALSE(divisions().is_destination("440100"));
  EXPECT_FALSE(divisions().is_destination("440900"));
  // Beijing's 市辖区 groups its districts and is not a place of its own.
  EXPECT_FALSE(divisions().is_destination("110100"));
  EXPECT_TRUE(divisions().is_destination("110101"));
}

TEST(DivisionsTest, UnknownCodesRejected) {
  for (const char* code : {"", "999999", "440199", "4401", "44010", "4401000", "44a100"}) {
    SCOPED_TRACE(code);
    EXPECT_EQ(divisions().find(code), nullptr);
    EXPECT_TRUE(divisions().children(code).empty());
    EXPECT_FALSE(divisions().is_destination(code));
    EXPECT_EQ(divisions().full_name(code, "zh-Hans"), "");
  }
}

TEST(DivisionsTest, TraditionalNamesConverted) {
  EXPECT_EQ(divisions().find("440000")->name_hant, "廣東省");
  EXPECT_EQ(divisions().find("440100")->name_hant, "廣州市");
  EXPECT_EQ(divisions().find("110100")->name_hant, "市轄區");

  // Most names contain at least one character that differs between the
  // scripts, so an unconverted file would show far more equal pairs.
  int unchanged = 0;
  const auto rows = read_rows();
  for (const auto& row : rows) {
    if (row.size() == 5 && row[3] == row[4]) ++unchanged;
  }
  EXPECT_LT(unchanged, static_cast<int>(rows.size()) / 2);
}

TEST(DivisionsTest, FullNameInBothScripts) {
  EXPECT_EQ(divisions().full_name("440904", "zh-Hans"), "广东省 茂名市 电白区");
  EXPECT_EQ(divisions().full_name("440904", "zh-Hant"), "廣東省 茂名市 電白區");
  EXPECT_EQ(divisions().full_name("440904", "en"), "广东省 茂名市 电白区");
  EXPECT_EQ(divisions().full_name("441900", "zh-Hant"), "廣東省 東莞市");
  EXPECT_EQ(divisions().full_name("440000", "zh-Hans"), "广东省");
}

TEST(DivisionsTest, FullNameSkipsGroupingEntries) {
  EXPECT_EQ(divisions().full_name("110101", "zh-Hans"), "北京市 东城区");
  EXPECT_EQ(divisions().full_name("110101", "zh-Hant"), "北京市 東城區");
  EXPECT_EQ(divisions().full_name("110100", "zh-Hans"), "北京市 市辖区");
  const Division* xiantao = divisions().find("429004");
  ASSERT_NE(xiantao, nullptr);
  EXPECT_EQ(xiantao->parent_code, "429000");
  EXPECT_EQ(divisions().full_name("429004", "zh-Hans"), "湖北省 仙桃市");
}

TEST(DivisionsTest, EveryParentIsListed) {
  for (const auto& row : read_rows()) {
    ASSERT_EQ(row.size(), 5u);
    SCOPED_TRACE(row[0]);
    const Division* division = divisions().find(row[0]);
    ASSERT_NE(division, nullptr);
    EXPECT_EQ(division->code, row[0]);
    if (division->level > 1) {
      const Division* parent = divisions().find(division->parent_code);
      ASSERT_NE(parent, nullptr);
      EXPECT_EQ(parent->level, division->level - 1);
    }
  }
}

class MalformedDivisionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = std::filesystem::temp_directory_path() /
            ("yizhan-divisions-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".tsv");
  }
  void TearDown() override { std::filesystem::remove(path_); }

  void write(const std::string& content) {
    std::ofstream out(path_, std::ios::binary | std::ios::trunc);
    out << content;
  }

  // Expects loading to fail with a message that names the file and contains
  // `detail`.
  void expect_rejected(const std::string& detail) {
    try {
      Divisions loaded(path_.string());
      FAIL() << "loaded a malformed file";
    } catch (const std::runtime_error& error) {
      const std::string message = error.what();
      EXPECT_NE(message.find(path_.string()), std::string::npos) << message;
      EXPECT_NE(message.find(detail), std::string::npos) << message;
    }
  }

  std::filesystem::path path_;
};

constexpr const char* kValidHead =
    "440000\t\t1\t广东省\t廣東省\n"
    "440100\t440000\t2\t广州市\t廣州市\n";

TEST_F(MalformedDivisionsTest, SmallValidFileLoads) {
  write(std::string(kValidHead) + "440111\t440100\t3\t白云区\t白雲區\r\n");
  const Divisions loaded(path_.string());
  EXPECT_EQ(loaded.provinces().size(), 1u);
  EXPECT_EQ(loaded.find("440111")->name_hant, "白雲區");
  EXPECT_TRUE(loaded.is_destination("440111"));
}

TEST_F(MalformedDivisionsTest, MissingFileRejected) { expect_rejected("missing"); }

TEST_F(MalformedDivisionsTest, EmptyFileRejected) {
  write("");
  expect_rejected("empty");
}

TEST_F(MalformedDivisionsTest, WrongFieldCountRejected) {
  write(std::string(kValidHead) + "440111\t440100\t3\t白云区\n");
  expect_rejected("line 3");
}

TEST_F(MalformedDivisionsTest, BlankLineRejected) {
  write(std::string(kValidHead) + "\n440111\t440100\t3\t白云区\t白雲區\n");
  expect_rejected("line 3");
}

TEST_F(MalformedDivisionsTest, BadLevelRejected) {
  write(std::string(kValidHead) + "440111\t440100\t4\t白云区\t白雲區\n");
  expect_rejected("level");
}

TEST_F(MalformedDivisionsTest, NonDigitCodeRejected) {
  write(std::string(kValidHead) + "44011x\t440100\t3\t白云区\t白雲區\n");
  expect_rejected("44011x");
}

TEST_F(MalformedDivisionsTest, WrongParentRejected) {
  write(std::string(kValidHead) + "440111\t440000\t3\t白云区\t白雲區\n");
  expect_rejected("line 3");
}

TEST_F(MalformedDivisionsTest, UnlistedParentRejected) {
  write(std::string(kValidHead) + "440211\t440200\t3\t某区\t某區\n");
  expect_rejected("440200");
}

TEST_F(MalformedDivisionsTest, UnsortedOrDuplicateRejected) {
  write(std::string(kValidHead) + "440100\t440000\t2\t广州市\t廣州市\n");
  expect_rejected("line 3");
}

TEST_F(MalformedDivisionsTest, EmptyNameRejected) {
  write(std::string(kValidHead) + "440111\t440100\t3\t白云区\t\n");
  expect_rejected("name");
}

}  // namespace
}  // namespace yizhan::service

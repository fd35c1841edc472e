#include "service/captcha_image.h"

#include <gd.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace yizhan::service {
namespace {

constexpr std::string_view kPngSignature = "\x89PNG\r\n\x1a\n";

struct ImageDeleter {
  void operator()(gdImagePtr image) const noexcept { gdImageDestroy(image); }
};
using ImagePtr = std::unique_ptr<gdImage, ImageDeleter>;

ImagePtr decode_png(const std::string& png) {
  return ImagePtr(gdImageCreateFromPngPtr(static_cast<int>(png.size()),
                                          const_cast<char*>(png.data())));
}

std::uint32_t read_big_endian_u32(const std::string& bytes, std::size_t offset) {
  std::uint32_t value = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    value = (value << 8) | static_cast<unsigned char>(bytes[offset + i]);
  }
  return value;
}

// Returns the chunk types of a PNG in file order, or an empty list when the
// chunk structure runs past the end of the data.
std::vector<std::string> png_chunk_types(const std::string& png) {
  std::vector<std::string> types;
  std::size_t offset = kPngSignature.size();
  while (offset + 12 <= png.size()) {
    const std::uint32_t length = read_big_endian_u32(png, offset);
    if (offset + 12 + length > png.size()) {
      return {};
    }
    types.push_back(png.substr(offset + 4, 4));
    offset += 12 + length;
  }
  if (offset != png.size()) {
    return {};
  }
  return types;
}

TEST(CaptchaImage, OutputStartsWithPngSignature) {
  const std::string png = render_captcha_png("3KHP9", 1);

  ASSERT_GE(png.size(), kPngSignature.size());
  EXPECT_EQ(std::string_view(png).substr(0, kPngSignature.size()), kPngSignature);
}

TEST(CaptchaImage, DecodesToDefaultSize) {
  const std::string png = render_captcha_png("3KHP9", 2);

  const ImagePtr image = decode_png(png);
  ASSERT_NE(image, nullptr);
  EXPECT_EQ(gdImageSX(image.get()), 150);
  EXPECT_EQ(gdImageSY(image.get()), 50);
}

TEST(CaptchaImage, DecodesToRequestedSize) {
  CaptchaImageOptions options;
  options.width = 240;
  options.height = 80;

  const ImagePtr image = decode_png(render_captcha_png("MWXA", 3, options));

  ASSERT_NE(image, nullptr);
  EXPECT_EQ(gdImageSX(image.get()), 240);
  EXPECT_EQ(gdImageSY(image.get()), 80);
}

TEST(CaptchaImage, SameSeedGivesSameBytes) {
  const std::string first = render_captcha_png("ACE36", 42);
  const std::string second = render_captcha_png("ACE36", 42);

  EXPECT_EQ(first, second);
}

TEST(CaptchaImage, DifferentSeedsGiveDifferentBytes) {
  std::set<std::string> images;
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    images.insert(render_captcha_png("ACE36", seed));
  }

  EXPECT_EQ(images.size(), 20u);
}

TEST(CaptchaImage, DifferentAnswersGiveDifferentBytes) {
  EXPECT_NE(render_captcha_png("ACE36", 7), render_captcha_png("ACE39", 7));
}

TEST(CaptchaImage, AnswerAbsentFromBytes) {
  // Answers of four or more characters, because a shorter string turns up in
  // about 9 KB of compressed data by chance.
  const std::vector<std::string> answers = {"3KHP9", "MWMWMW", "AAAA", "HKMN", "369ACE"};
  for (const std::string& answer : answers) {
    for (std::uint64_t seed = 0; seed < 50; ++seed) {
      const std::string png = render_captcha_png(answer, seed);
      EXPECT_EQ(png.find(answer), std::string::npos) << "answer " << answer << ", seed " << seed;
    }
  }
}

TEST(CaptchaImage, PngHasNoTextOrMetadataChunks) {
  // Everything outside this list could carry text: tEXt, zTXt, iTXt, eXIf, tIME.
  const std::set<std::string> allowed = {"IHDR", "PLTE", "tRNS", "pHYs", "IDAT", "IEND"};

  const std::vector<std::string> types = png_chunk_types(render_captcha_png("3KHP9", 5));

  ASSERT_FALSE(types.empty());
  EXPECT_EQ(types.front(), "IHDR");
  EXPECT_EQ(types.back(), "IEND");
  for (const std::string& type : types) {
    EXPECT_TRUE(allowed.contains(type)) << "unexpected chunk " << type;
  }
}

TEST(CaptchaImage, EveryAlphabetCharacterRenders) {
  for (const char character : captcha_alphabet()) {
    const std::string png = render_captcha_png(std::string(1, character), 9);
    EXPECT_NE(decode_png(png), nullptr) << "character " << character;
  }
}

TEST(CaptchaImage, MaxLengthAnswerRenders) {
  const std::string answer(kMaxCaptchaAnswerLength, 'W');

  EXPECT_NE(decode_png(render_captcha_png(answer, 10)), nullptr);
}

TEST(CaptchaImage, ConcurrentRendersMatchSerial) {
  constexpr int kThreads = 4;
  constexpr int kRendersPerThread = 10;
  std::vector<std::string> expected;
  for (int i = 0; i < kThreads * kRendersPerThread; ++i) {
    expected.push_back(render_captcha_png("HKMNP", static_cast<std::uint64_t>(i)));
  }

  std::vector<std::string> actual(expected.size());
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t, &actual] {
      for (int k = 0; k < kRendersPerThread; ++k) {
        const int i = t * kRendersPerThread + k;
        actual[i] = render_captcha_png("HKMNP", static_cast<std::uint64_t>(i));
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }

  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(actual[i], expected[i]) << "render " << i;
  }
}

TEST(CaptchaAlphabet, ExcludesLookAlikes) {
  // Each character here is easily misread as another after rotation and noise.
  const std::string_view look_alikes[] = {
      "0", "O", "Q", "D",  // round shapes
      "1", "I", "L", "J",  // vertical strokes
      "2", "Z",
      "4",  // reads as A
      "5", "S",
      "G",  // reads as 6 or C
      "7",  // reads as T
      "8", "B",
      "U", "V",
      "F",  // reads as E when a line crosses its foot
  };
  const std::string_view alphabet = captcha_alphabet();

  for (const std::string_view character : look_alikes) {
    EXPECT_EQ(alphabet.find(character), std::string_view::npos) << "alphabet contains "
                                                                << character;
  }
}

TEST(CaptchaAlphabet, ContainsOnlyDistinctDigitsAndCapitals) {
  const std::string_view alphabet = captcha_alphabet();
  std::set<char> seen;

  for (const char character : alphabet) {
    const bool digit = character >= '0' && character <= '9';
    const bool capital = character >= 'A' && character <= 'Z';
    EXPECT_TRUE(digit || capital) << "character " << static_cast<int>(character);
    EXPECT_TRUE(seen.insert(character).second) << "duplicate " << character;
  }
  // 16 characters give 16^5, about one million, five-character answers.
  EXPECT_GE(alphabet.size(), 16u);
}

TEST(CaptchaImage, RejectsEmptyAnswer) {
  EXPECT_THROW(render_captcha_png("", 1), std::invalid_argument);
}

TEST(CaptchaImage, RejectsTooLongAnswer) {
  const std::string answer(kMaxCaptchaAnswerLength + 1, 'A');

  EXPECT_THROW(render_captcha_png(answer, 1), std::invalid_argument);
}

TEST(CaptchaImage, RejectsCharactersOutsideAlphabet) {
  const std::string invalid_answers[] = {
      "ACE0",  "ace",   "AC E", std::string("AC\0E", 4), "AC\xC3\xA9",
      "A&#65;", "A\nC", "AC-E",
  };
  for (const std::string& answer : invalid_answers) {
    EXPECT_THROW(render_captcha_png(answer, 1), std::invalid_argument) << "answer " << answer;
  }
}

TEST(CaptchaImage, RejectsSizeOutOfRange) {
  const std::pair<int, int> invalid_sizes[] = {
      {0, 50}, {-150, 50}, {150, 0}, {150, -50}, {59, 50}, {150, 29}, {1001, 50}, {150, 401},
  };
  for (const auto& [width, height] : invalid_sizes) {
    CaptchaImageOptions options;
    options.width = width;
    options.height = height;
    EXPECT_THROW(render_captcha_png("ACE", 1, options), std::invalid_argument)
        << width << "x" << height;
  }
}

TEST(CaptchaImage, MissingFontNamesPath) {
  CaptchaImageOptions options;
  options.font_path = "/nonexistent/yizhan-captcha-font.ttf";

  try {
    render_captcha_png("ACE", 1, options);
    FAIL() << "expected std::runtime_error";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find(options.font_path), std::string::npos)
        << error.what();
  }
}

TEST(CaptchaImage, UnreadableFontNamesPath) {
  const std::filesystem::path path =
      std::filesystem::path(::testing::TempDir()) / "captcha_image_test_not_a_font.ttf";
  std::ofstream(path, std::ios::binary) << "this is not a TrueType font";
  CaptchaImageOptions options;
  options.font_path = path.string();

  try {
    render_captcha_png("ACE", 1, options);
    FAIL() << "expected std::runtime_error";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find(options.font_path), std::string::npos)
        << error.what();
  }
  std::filesystem::remove(path);
}

TEST(CaptchaImage, DirectoryAsFontNamesPath) {
  CaptchaImageOptions options;
  options.font_path = ::testing::TempDir();

  EXPECT_THROW(render_captcha_png("ACE", 1, options), std::runtime_error);
}

}  // namespace
}  // namespace yizhan::service

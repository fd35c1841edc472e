#include "service/captcha_image.h"

#include <gd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <memory>
#include <mutex>
#include <numbers>
#include <random>
#include <stdexcept>
#include <string>
#include <system_error>

namespace yizhan::service {

namespace {

// Digits and capitals that stay distinct in DejaVu Sans Bold after rotation,
// distortion and noise. 4, 7 and F were dropped after test renders at 150x50
// where they were read as A, T and E.
constexpr std::string_view kAlphabet = "369ACEHKMNPRTWXY";

constexpr int kMinWidth = 60;
constexpr int kMaxWidth = 1000;
constexpr int kMinHeight = 30;
constexpr int kMaxHeight = 400;

// gdImageStringFT takes sizes in points and renders at 96 dpi.
constexpr double kPointsPerPixel = 72.0 / 96.0;

struct ImageDeleter {
  void operator()(gdImagePtr image) const noexcept { gdImageDestroy(image); }
};
using ImagePtr = std::unique_ptr<gdImage, ImageDeleter>;

struct GdFreeDeleter {
  void operator()(void* memory) const noexcept { gdFree(memory); }
};
using GdBuffer = std::unique_ptr<void, GdFreeDeleter>;

// Maps std::mt19937_64 output to ranges with our own arithmetic rather than
// std::uniform_*_distribution, whose algorithms the standard leaves to each
// library. So the random choices for a seed do not depend on the C++ standard
// library in use.
class Random {
 public:
  explicit Random(std::uint64_t seed) : engine_(seed) {}

  // Returns an integer in [low, high]. The modulo bias is below 2^-50 for
  // ranges of up to 2^14 values, and the largest range here has 1000.
  int integer(int low, int high) {
    const auto span = static_cast<std::uint64_t>(high - low) + 1;
    return low + static_cast<int>(engine_() % span);
  }

  // Returns a real number in [low, high).
  double real(double low, double high) {
    const double unit = static_cast<double>(engine_() >> 11) * 0x1.0p-53;
    return low + (high - low) * unit;
  }

 private:
  std::mt19937_64 engine_;
};

int random_color(Random& random, int low, int high) {
  const int red = random.integer(low, high);
  const int green = random.integer(low, high);
  const int blue = random.integer(low, high);
  return gdTrueColor(red, green, blue);
}

// Dark enough to read on the light background. Each glyph gets its own
// colour, so no single colour threshold separates text from noise.
int random_text_color(Random& random) { return random_color(random, 0, 110); }

void validate_input(std::string_view answer, const CaptchaImageOptions& options) {
  if (answer.empty()) {
    throw std::invalid_argument("captcha answer is empty");
  }
  if (answer.size() > kMaxCaptchaAnswerLength) {
    throw std::invalid_argument("captcha answer has " + std::to_string(answer.size()) +
                                " characters, the maximum is " +
                                std::to_string(kMaxCaptchaAnswerLength));
  }
  for (std::size_t i = 0; i < answer.size(); ++i) {
    if (kAlphabet.find(answer[i]) == std::string_view::npos) {
      throw std::invalid_argument(
          "captcha answer contains a character outside captcha_alphabet() at offset " +
          std::to_string(i));
    }
  }
  if (options.width < kMinWidth || options.width > kMaxWidth) {
    throw std::invalid_argument("captcha width " + std::to_string(options.width) +
                                " is out of range " + std::to_string(kMinWidth) + ".." +
                                std::to_string(kMaxWidth));
  }
  if (options.height < kMinHeight || options.height > kMaxHeight) {
    throw std::invalid_argument("captcha height " + std::to_string(options.height) +
                                " is out of range " + std::to_string(kMinHeight) + ".." +
                                std::to_string(kMaxHeight));
  }
}

// libgd 2.3.3 creates its FreeType font cache lazily inside gdImageStringFT
// with no lock, so two threads making the first call at once could both
// create it. Setting the cache up once here closes that race. After setup,
// each gdImageStringFT call holds libgd's font cache mutex (a pthread mutex
// in Debian's build) from font lookup to the last glyph, so glyph drawing is
// serialised across threads. All other gd calls here touch only images this
// call owns. This relies on nothing in the process calling
// gdFontCacheShutdown() while renders can still run.
void set_up_font_cache() {
  static std::once_flag once;
  static int status = 0;
  std::call_once(once, [] { status = gdFontCacheSetup(); });
  if (status != 0) {
    throw std::runtime_error("FreeType initialisation failed: gdFontCacheSetup returned " +
                             std::to_string(status));
  }
}

void require_font_file(const std::string& font_path) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(font_path, error)) {
    throw std::runtime_error("captcha font file is missing or not a regular file: " + font_path +
                             " (install the Debian package fonts-dejavu-core or set "
                             "CaptchaImageOptions::font_path)");
  }
}

ImagePtr create_canvas(int width, int height, int background) {
  ImagePtr image(gdImageCreateTrueColor(width, height));
  if (!image) {
    throw std::runtime_error("gdImageCreateTrueColor failed for " + std::to_string(width) + "x" +
                             std::to_string(height));
  }
  gdImageFilledRectangle(image.get(), 0, 0, width - 1, height - 1, background);
  return image;
}

// Light lines behind the text, so the background is not one flat colour.
void draw_background_lines(gdImage& image, Random& random) {
  const int width = gdImageSX(&image);
  const int height = gdImageSY(&image);
  const int count = std::max(4, width * height / 1000);

  gdImageSetThickness(&image, 1);
  for (int i = 0; i < count; ++i) {
    const int color = random_color(random, 120, 220);
    gdImageLine(&image, random.integer(0, width - 1), random.integer(0, height - 1),
                random.integer(0, width - 1), random.integer(0, height - 1), color);
  }
}

// Draws one glyph so the centre of its rotated bounding box lands on
// (centre_x, centre_y), shifted as needed to stay inside the image.
void draw_glyph(gdImage& image, char glyph, const std::string& font_path, double point_size,
                double angle, int centre_x, int centre_y, int color) {
  const char text[2] = {glyph, '\0'};
  const int width = gdImageSX(&image);
  const int height = gdImageSY(&image);

  // With a null image, gdImageStringFT only computes the bounding box.
  int box[8];
  const char* error = gdImageStringFT(nullptr, box, color, font_path.c_str(), point_size, angle,
                                      0, 0, text);
  if (error != nullptr) {
    throw std::runtime_error("measuring a captcha glyph with font " + font_path +
                             " failed: " + error);
  }

  const int left = std::min({box[0], box[2], box[4], box[6]});
  const int right = std::max({box[0], box[2], box[4], box[6]});
  const int top = std::min({box[1], box[3], box[5], box[7]});
  const int bottom = std::max({box[1], box[3], box[5], box[7]});

  int x = centre_x - (left + right) / 2;
  int y = centre_y - (top + bottom) / 2;
  x = std::clamp(x, 1 - left, std::max(1 - left, width - 2 - right));
  y = std::clamp(y, 1 - top, std::max(1 - top, height - 2 - bottom));

  error = gdImageStringFT(&image, box, color, font_path.c_str(), point_size, angle, x, y, text);
  if (error != nullptr) {
    throw std::runtime_error("drawing a captcha glyph with font " + font_path +
                             " failed: " + error);
  }
}

void draw_glyphs(gdImage& image, std::string_view answer, const std::string& font_path,
                 Random& random) {
  const int width = gdImageSX(&image);
  const int height = gdImageSY(&image);
  const double margin = width * 0.06;
  const double slot = (width - 2 * margin) / static_cast<double>(answer.size());

  // Glyphs may overlap their neighbours a little, which hinders segmentation
  // but keeps them readable.
  const double base_em_pixels = std::min(height * 0.62, slot * 1.0);

  for (std::size_t i = 0; i < answer.size(); ++i) {
    const double em_pixels = base_em_pixels * random.real(0.85, 1.1);
    const double angle = random.real(-20.0, 20.0) * std::numbers::pi / 180.0;
    const double slot_centre = margin + slot * (static_cast<double>(i) + 0.5);
    const int centre_x = static_cast<int>(slot_centre + random.real(-0.1, 0.1) * slot);
    const int centre_y = static_cast<int>(height * random.real(0.4, 0.6));
    const int color = random_text_color(random);

    draw_glyph(image, answer[i], font_path, em_pixels * kPointsPerPixel, angle, centre_x,
               centre_y, color);
  }
}

// Wavy lines through the text band in text-like colours, so they cannot be
// removed by colour, and they connect neighbouring glyphs, which makes it
// harder to split the image into single characters.
void draw_strike_curves(gdImage& image, Random& random) {
  const int width = gdImageSX(&image);
  const int height = gdImageSY(&image);

  for (int curve = 0; curve < 2; ++curve) {
    const double base_y = height * random.real(0.3, 0.7);
    const double amplitude = height * random.real(0.08, 0.2);
    const double period = width * random.real(0.5, 1.2);
    const double phase = random.real(0.0, 2.0 * std::numbers::pi);
    const int color = random_text_color(random);
    const int start_x = random.integer(0, width / 4);
    const int end_x = random.integer(width * 3 / 4, width - 1);

    gdImageSetThickness(&image, curve == 0 ? 2 : 1);
    int previous_y = -1;
    for (int x = start_x; x <= end_x; ++x) {
      const double angle = 2.0 * std::numbers::pi * x / period + phase;
      const int y = static_cast<int>(std::lround(base_y + amplitude * std::sin(angle)));
      if (x > start_x) {
        gdImageLine(&image, x - 1, previous_y, x, y, color);
      }
      previous_y = y;
    }
  }
  gdImageSetThickness(&image, 1);
}

// Returns the colour at (x, y) by bilinear interpolation, treating points
// outside the image as `outside`.
int sample_bilinear(const gdImage& image, double x, double y, int outside) {
  const int width = gdImageSX(&image);
  const int height = gdImageSY(&image);
  const int x0 = static_cast<int>(std::floor(x));
  const int y0 = static_cast<int>(std::floor(y));
  const double fx = x - x0;
  const double fy = y - y0;

  auto pixel = [&](int px, int py) {
    if (px < 0 || py < 0 || px >= width || py >= height) {
      return outside;
    }
    return image.tpixels[py][px];
  };
  const int corners[4] = {pixel(x0, y0), pixel(x0 + 1, y0), pixel(x0, y0 + 1),
                          pixel(x0 + 1, y0 + 1)};
  const double weights[4] = {(1 - fx) * (1 - fy), fx * (1 - fy), (1 - fx) * fy, fx * fy};

  double red = 0;
  double green = 0;
  double blue = 0;
  for (int i = 0; i < 4; ++i) {
    red += weights[i] * gdTrueColorGetRed(corners[i]);
    green += weights[i] * gdTrueColorGetGreen(corners[i]);
    blue += weights[i] * gdTrueColorGetBlue(corners[i]);
  }
  return gdTrueColor(static_cast<int>(std::lround(red)), static_cast<int>(std::lround(green)),
                     static_cast<int>(std::lround(blue)));
}

// Returns a copy of `source` with every row shifted sideways by a sine of y
// and every column shifted vertically by a sine of x. This bends baselines
// and strokes away from the font's shapes, while shifts of a few pixels keep
// the glyphs readable.
ImagePtr apply_sine_wave(const gdImage& source, int background, Random& random) {
  const int width = gdImageSX(&source);
  const int height = gdImageSY(&source);
  const double scale = height / 50.0;

  const double shift_x = scale * random.real(1.5, 3.0);
  const double period_y = height * random.real(0.8, 1.6);
  const double phase_x = random.real(0.0, 2.0 * std::numbers::pi);
  const double shift_y = scale * random.real(2.5, 4.5);
  const double period_x = width * random.real(0.35, 0.8);
  const double phase_y = random.real(0.0, 2.0 * std::numbers::pi);

  ImagePtr target = create_canvas(width, height, background);
  for (int y = 0; y < height; ++y) {
    const double dx = shift_x * std::sin(2.0 * std::numbers::pi * y / period_y + phase_x);
    for (int x = 0; x < width; ++x) {
      const double dy = shift_y * std::sin(2.0 * std::numbers::pi * x / period_x + phase_y);
      target->tpixels[y][x] = sample_bilinear(source, x + dx, y + dy, background);
    }
  }
  return target;
}

// Single-pixel dots in any colour, text-like dark ones included. They are drawn
// after the wave so they stay one pixel in size.
void draw_noise_dots(gdImage& image, Random& random) {
  const int width = gdImageSX(&image);
  const int height = gdImageSY(&image);
  const int count = width * height / 25;

  for (int i = 0; i < count; ++i) {
    const int x = random.integer(0, width - 1);
    const int y = random.integer(0, height - 1);
    image.tpixels[y][x] = random_color(random, 0, 255);
  }
}

std::string encode_png(gdImage& image) {
  int size = 0;
  GdBuffer png(gdImagePngPtr(&image, &size));
  if (!png || size <= 0) {
    throw std::runtime_error("gdImagePngPtr failed to encode the captcha image");
  }
  return std::string(static_cast<const char*>(png.get()), static_cast<std::size_t>(size));
}

}  // namespace

std::string_view captcha_alphabet() { return kAlphabet; }

std::string render_captcha_png(std::string_view answer, std::uint64_t seed,
                               const CaptchaImageOptions& options) {
  validate_input(answer, options);
  set_up_font_cache();
  require_font_file(options.font_path);

  Random random(seed);
  const int background = random_color(random, 225, 255);

  ImagePtr canvas = create_canvas(options.width, options.height, background);
  draw_background_lines(*canvas, random);
  draw_glyphs(*canvas, answer, options.font_path, random);
  draw_strike_curves(*canvas, random);

  ImagePtr distorted = apply_sine_wave(*canvas, background, random);
  draw_noise_dots(*distorted, random);

  return encode_png(*distorted);
}

std::string render_captcha_png(std::string_view answer, std::uint64_t seed) {
  return render_captcha_png(answer, seed, CaptchaImageOptions{});
}

}  // namespace yizhan::service

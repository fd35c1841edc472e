// Captcha image rendering: turns an answer the server has already chosen and
// stored into a distorted PNG, so the answer reaches the client only as pixels.
// All functions are thread-safe, provided nothing in the process calls libgd's
// gdFontCacheShutdown() while a render can still run.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace yizhan::service {

// Returns the characters a captcha answer may contain: digits and upper-case
// ASCII letters. Of each group that looks alike in a rotated, distorted image
// at most one member is kept: 0 O Q D, 1 I L J, 2 Z, 4 A, 5 S, 6 G, 7 T,
// 8 B, U V, E F.
std::string_view captcha_alphabet();

struct CaptchaImageOptions {
  int width = 150;   // pixels, 60..1000
  int height = 50;   // pixels, 30..400
  // TrueType font file for the glyphs. The default comes from the Debian
  // package fonts-dejavu-core.
  std::string font_path = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf";
};

// Longest answer that still leaves each glyph room to be read at the default size.
inline constexpr std::size_t kMaxCaptchaAnswerLength = 6;

// Renders `answer` as a PNG and returns the PNG bytes. Each glyph gets its own
// rotation, offset, size and colour, noise dots and lines are drawn in several
// colours, and a sine-wave displacement bends the whole image. The PNG contains
// no text or metadata chunks, so the answer is present only as pixels.
//
// The same (answer, seed, options) give the same bytes as long as the versions
// of libgd, FreeType, zlib and the C maths library stay the same, which lets
// tests compare output. The server must take the seed from a cryptographically
// secure source, because anyone who knows the seed can render every candidate
// answer with it and find the one that matches the image.
//
// Throws std::invalid_argument when `answer` is empty, longer than
// kMaxCaptchaAnswerLength or contains a character outside captcha_alphabet(),
// or when the size in `options` is out of range. Throws std::runtime_error
// when the font file is missing or unreadable, or when libgd fails to render
// or encode. The font error names the path. The server should render one
// captcha at startup, so that this deployment error stops it early.
std::string render_captcha_png(std::string_view answer, std::uint64_t seed,
                               const CaptchaImageOptions& options);

// Renders with the default CaptchaImageOptions (150x50, DejaVu Sans Bold).
std::string render_captcha_png(std::string_view answer, std::uint64_t seed);

}  // namespace yizhan::service

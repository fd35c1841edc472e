#include "domain/text.h"

namespace yizhan::domain {

namespace {

bool is_continuation(unsigned char byte) { return (byte & 0xC0) == 0x80; }

bool is_ascii_whitespace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

}  // namespace

bool is_valid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    if (lead < 0x80) {
      ++i;
      continue;
    }

    // The allowed range of the second byte depends on the lead byte: the
    // narrow ranges exclude overlong forms (E0, F0), surrogates (ED) and
    // code points above U+10FFFF (F4). C0, C1 and F5..FF never start a
    // well-formed sequence.
    std::size_t length = 0;
    unsigned char second_min = 0x80;
    unsigned char second_max = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      if (lead == 0xE0) second_min = 0xA0;
      if (lead == 0xED) second_max = 0x9F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      if (lead == 0xF0) second_min = 0x90;
      if (lead == 0xF4) second_max = 0x8F;
    } else {
      return false;
    }

    if (text.size() - i < length) return false;
    const auto second = static_cast<unsigned char>(text[i + 1]);
    if (second < second_min || second > second_max) return false;
    for (std::size_t k = 2; k < length; ++k) {
      if (!is_continuation(static_cast<unsigned char>(text[i + k]))) return false;
    }
    i += length;
  }
  return true;
}

std::size_t count_code_points(std::string_view text) {
  std::size_t count = 0;
  for (char c : text) {
    if (!is_continuation(static_cast<unsigned char>(c))) ++count;
  }
  return count;
}

std::u32string decode_utf8(std::string_view text) {
  std::u32string result;
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    std::size_t length = 1;
    char32_t code_point = lead;
    if (lead >= 0xF0) {
      length = 4;
      code_point = lead & 0x07;
    } else if (lead >= 0xE0) {
      length = 3;
      code_point = lead & 0x0F;
    } else if (lead >= 0xC0) {
      length = 2;
      code_point = lead & 0x1F;
    }
    // Stops at the end of the input even if a sequence is truncated, so a
    // broken precondition cannot read out of bounds.
    for (std::size_t k = 1; k < length && i + k < text.size(); ++k) {
      code_point = (code_point << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
    }
    result.push_back(code_point);
    i += length;
  }
  return result;
}

std::string normalize_id_number(std::string_view typed) {
  std::string result;
  result.reserve(typed.size());

  std::size_t i = 0;
  while (i < typed.size()) {
    const auto b0 = static_cast<unsigned char>(typed[i]);
    const auto b1 = i + 1 < typed.size() ? static_cast<unsigned char>(typed[i + 1]) : 0;
    const auto b2 = i + 2 < typed.size() ? static_cast<unsigned char>(typed[i + 2]) : 0;

    char ascii = 0;
    std::size_t consumed = 1;
    if (b0 == 0xE3 && b1 == 0x80 && b2 == 0x80) {
      // U+3000 IDEOGRAPHIC SPACE, which CJK input methods produce.
      ascii = ' ';
      consumed = 3;
    } else if (b0 == 0xEF && b1 == 0xBC && b2 >= 0x81 && b2 <= 0xBF) {
      // U+FF01..U+FF3F map to U+0021..U+005F.
      ascii = static_cast<char>(b2 - 0x81 + 0x21);
      consumed = 3;
    } else if (b0 == 0xEF && b1 == 0xBD && b2 >= 0x80 && b2 <= 0x9E) {
      // U+FF40..U+FF5E map to U+0060..U+007E.
      ascii = static_cast<char>(b2 - 0x80 + 0x60);
      consumed = 3;
    } else {
      ascii = typed[i];
    }
    i += consumed;

    if (is_ascii_whitespace(ascii)) continue;
    if (ascii >= 'a' && ascii <= 'z') ascii = static_cast<char>(ascii - 'a' + 'A');
    result.push_back(ascii);
  }
  return result;
}

}  // namespace yizhan::domain

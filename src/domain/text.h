// UTF-8 helpers for the domain rules: pure functions over byte strings that
// do not depend on the process locale.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace yizhan::domain {

// Returns whether `text` is well-formed UTF-8: no overlong forms, no
// surrogates (U+D800..U+DFFF), nothing above U+10FFFF, no truncated
// sequences. U+0000 counts as valid.
bool is_valid_utf8(std::string_view text);

// Counts the code points in `text`.
// REQUIRES: is_valid_utf8(text). Other input gives a meaningless count.
std::size_t count_code_points(std::string_view text);

// Decodes `text` into code points.
// REQUIRES: is_valid_utf8(text). Other input gives meaningless values.
std::u32string decode_utf8(std::string_view text);

// Converts an ID number as typed into its stored form: full-width ASCII
// forms (U+FF01..U+FF5E) become ASCII, ASCII whitespace and the ideographic
// space U+3000 are removed, and ASCII letters are upper-cased. Other
// characters and invalid bytes are kept, so the validator rejects them.
std::string normalize_id_number(std::string_view typed);

}  // namespace yizhan::domain

// Small HTTP helpers: query strings, form bodies, cookies.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace yizhan::web {

// Decode %XX escapes and, when `plus_is_space`, '+' as a space (forms).
// nullopt when an escape is malformed.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space);
std::string percent_encode(std::string_view text);

// name=value pairs joined by '&'; later duplicates win. nullopt when an
// escape is malformed.
std::optional<std::map<std::string, std::string>> parse_url_encoded(std::string_view text);

std::map<std::string, std::string> parse_cookies(std::string_view header);

struct CookieOptions {
  int max_age_seconds = -1;  // -1: session cookie; 0: delete
  bool http_only = true;
  bool secure = false;
  std::string same_site = "Lax";
};
std::string format_set_cookie(std::string_view name, std::string_view value, const CookieOptions& options);

// True when `target` is a path on this site ("/me"), not "//host" or a URL,
// so that it is safe to redirect to.
bool is_local_path(std::string_view target);

}  // namespace yizhan::web

// Catalogs: every user-facing text in zh-Hant (the default), zh-Hans and en,
// loaded from the JSON files in share/i18n/<language>/. Each file has up to
// two parts: "ui" (page texts, keys without dots so templates can name them
// as t.key) and "errors" (keyed by the stable error code). Every language must carry every
// key of zh-Hant; loading fails otherwise. Immutable after loading, so
// thread-safe.
#pragma once

#include <kainjow/mustache.hpp>

#include <array>
#include <map>
#include <string>
#include <string_view>

#include "domain/error.h"

namespace yizhan::web {

inline constexpr std::array<std::string_view, 3> kLanguages = {"zh-Hant", "zh-Hans", "en"};

bool is_supported_language(std::string_view language);

// Pick the language: a supported `lang` cookie wins, then the first
// supported entry of Accept-Language (zh-TW/zh-HK/zh-MO map to zh-Hant,
// zh-CN/zh-SG/zh to zh-Hans, en-* to en), then `fallback`.
std::string negotiate_language(std::string_view cookie, std::string_view accept_language, const std::string& fallback);

// Replaces each {name} in `text` with its value from `values`.
std::string fill_placeholders(std::string text, const std::map<std::string, std::string>& values);

class Catalogs {
 public:
  // Throws std::runtime_error naming the file and key on any problem.
  explicit Catalogs(const std::string& directory);

  // The ui text for `key`; the key itself when missing (visible, not fatal).
  const std::string& text(const std::string& language, const std::string& key) const;
  // The message for an error, with {name} placeholders filled from its params.
  std::string error_message(const std::string& language, const Error& error) const;
  bool has_error_message(const std::string& code) const;
  // All ui texts of a language as a mustache object (t.key in templates).
  const kainjow::mustache::data& ui_data(const std::string& language) const;

 private:
  struct Catalog {
    std::map<std::string, std::string> ui;
    std::map<std::string, std::string> errors;
    kainjow::mustache::data ui_data{kainjow::mustache::data::type::object};
  };
  const Catalog& catalog(const std::string& language) const;

  std::map<std::string, Catalog> catalogs_;
};

}  // namespace yizhan::web

#include "web/i18n.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace yizhan::web {
namespace {

std::string lower_ascii(std::string_view text) {
  std::string lowered(text);
  std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lowered;
}

// Map one Accept-Language range to a supported language, or "".
std::string match_language_range(std::string_view range) {
  const std::string tag = lower_ascii(range);
  if (tag == "zh-hant" || tag.rfind("zh-hant-", 0) == 0 || tag == "zh-tw" || tag == "zh-hk" || tag == "zh-mo") {
    return "zh-Hant";
  }
  if (tag == "zh" || tag.rfind("zh-", 0) == 0) return "zh-Hans";
  if (tag == "en" || tag.rfind("en-", 0) == 0) return "en";
  return "";
}

std::map<std::string, std::string> read_section(const nlohmann::json& document, const char* section,
                                                const std::string& path) {
  std::map<std::string, std::string> entries;
  if (!document.contains(section) || !document[section].is_object()) {
    throw std::runtime_error(path + ": missing object \"" + section + "\"");
  }
  for (const auto& [key, value] : document[section].items()) {
    if (!value.is_string()) throw std::runtime_error(path + ": " + section + "." + key + " is not a string");
    entries[key] = value.get<std::string>();
  }
  return entries;
}

}  // namespace

bool is_supported_language(std::string_view language) {
  return std::find(kLanguages.begin(), kLanguages.end(), language) != kLanguages.end();
}

std::string negotiate_language(std::string_view cookie, std::string_view accept_language, const std::string& fallback) {
  if (is_supported_language(cookie)) return std::string(cookie);
  // The supported range with the highest q-value wins; among equal ones the
  // first listed. q=0 means "not this one".
  std::string best;
  double best_quality = 0;
  std::size_t start = 0;
  while (start < accept_language.size()) {
    auto end = accept_language.find(',', start);
    if (end == std::string_view::npos) end = accept_language.size();
    std::string_view item = accept_language.substr(start, end - start);
    start = end + 1;
    const auto semicolon = item.find(';');
    std::string_view range = item.substr(0, semicolon);
    while (!range.empty() && range.front() == ' ') range.remove_prefix(1);
    while (!range.empty() && range.back() == ' ') range.remove_suffix(1);
    double quality = 1.0;
    if (semicolon != std::string_view::npos) {
      std::string parameters(item.substr(semicolon + 1));
      parameters.erase(std::remove(parameters.begin(), parameters.end(), ' '), parameters.end());
      if (parameters.rfind("q=", 0) == 0) {
        char* parsed_end = nullptr;
        quality = std::strtod(parameters.c_str() + 2, &parsed_end);
        if (parsed_end == parameters.c_str() + 2 || quality < 0 || quality > 1) quality = 0;
      }
    }
    const std::string match = match_language_range(range);
    if (!match.empty() && quality > best_quality) {
      best = match;
      best_quality = quality;
    }
  }
  return best.empty() ? fallback : best;
}

Catalogs::Catalogs(const std::string& directory) {
  namespace fs = std::filesystem;
  for (std::string_view language : kLanguages) {
    // A language is a folder of JSON files, one per area of the product,
    // merged; the same key in two files is an error.
    const fs::path folder = fs::path(directory) / std::string(language);
    if (!fs::is_directory(folder)) throw std::runtime_error("message catalog folder not found: " + folder.string());
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(folder)) {
      if (entry.path().extension() == ".json") files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    Catalog catalog;
    for (const auto& file : files) {
      const std::string path = file.string();
      std::ifstream in(path);
      nlohmann::json document;
      try {
        document = nlohmann::json::parse(in);
      } catch (const nlohmann::json::exception& error) {
        throw std::runtime_error(path + ": " + error.what());
      }
      for (auto [section, name] : {std::pair{&Catalog::ui, "ui"}, std::pair{&Catalog::errors, "errors"}}) {
        if (!document.contains(name)) continue;
        for (auto& [key, value] : read_section(document, name, path)) {
          if (!(catalog.*section).emplace(key, std::move(value)).second) {
            throw std::runtime_error(path + ": key " + key + " is already defined in another file");
          }
        }
      }
    }
    for (const auto& [key, value] : catalog.ui) {
      if (key.find('.') != std::string::npos) throw std::runtime_error("ui key " + key + " contains a dot");
      catalog.ui_data.set(key, value);
    }
    catalogs_.emplace(std::string(language), std::move(catalog));
  }
  // Every language carries every key of the default language and no other.
  const Catalog& reference = catalogs_.at("zh-Hant");
  for (const auto& [language, catalog] : catalogs_) {
    for (auto section : {&Catalog::ui, &Catalog::errors}) {
      const auto& expected = reference.*section;
      const auto& actual = catalog.*section;
      for (const auto& [key, value] : expected) {
        if (!actual.count(key)) throw std::runtime_error("catalog " + language + " lacks key " + key);
      }
      for (const auto& [key, value] : actual) {
        if (!expected.count(key)) throw std::runtime_error("catalog " + language + " has key " + key + " unknown to zh-Hant");
      }
    }
  }
}

const Catalogs::Catalog& Catalogs::catalog(const std::string& language) const {
  const auto found = catalogs_.find(language);
  return found == catalogs_.end() ? catalogs_.at("zh-Hant") : found->second;
}

const std::string& Catalogs::text(const std::string& language, const std::string& key) const {
  const auto& ui = catalog(language).ui;
  const auto found = ui.find(key);
  return found == ui.end() ? key : found->second;
}

bool Catalogs::has_error_message(const std::string& code) const {
  return catalogs_.at("zh-Hant").errors.count(code) != 0;
}

std::string Catalogs::error_message(const std::string& language, const Error& error) const {
  const auto& errors = catalog(language).errors;
  auto found = errors.find(error.message_key.empty() ? error.code : error.message_key);
  if (found == errors.end()) found = errors.find("service.unknown_error");
  return fill_placeholders(found == errors.end() ? error.code : found->second, error.params);
}

std::string fill_placeholders(std::string text, const std::map<std::string, std::string>& values) {
  for (const auto& [name, value] : values) {
    const std::string placeholder = "{" + name + "}";
    for (auto at = text.find(placeholder); at != std::string::npos; at = text.find(placeholder, at + value.size())) {
      text.replace(at, placeholder.size(), value);
    }
  }
  return text;
}

const kainjow::mustache::data& Catalogs::ui_data(const std::string& language) const {
  return catalog(language).ui_data;
}

}  // namespace yizhan::web

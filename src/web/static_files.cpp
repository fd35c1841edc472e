#include "web/static_files.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "service/crypto.h"

namespace yizhan::web {
namespace {

std::string content_type_for(const std::string& extension) {
  if (extension == ".css") return "text/css; charset=utf-8";
  if (extension == ".js") return "text/javascript; charset=utf-8";
  if (extension == ".svg") return "image/svg+xml";
  if (extension == ".png") return "image/png";
  if (extension == ".ico") return "image/x-icon";
  if (extension == ".json") return "application/json";
  if (extension == ".txt") return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

}  // namespace

StaticFiles::StaticFiles(const std::string& directory) {
  namespace fs = std::filesystem;
  if (!fs::is_directory(directory)) return;
  for (const auto& entry : fs::recursive_directory_iterator(directory)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    StaticFile file;
    file.body = bytes.str();
    file.content_type = content_type_for(entry.path().extension().string());
    file.etag = "\"" + service::token_digest(file.body).substr(0, 16) + "\"";
    files_[fs::relative(entry.path(), directory).generic_string()] = std::move(file);
  }
}

const StaticFile* StaticFiles::find(const std::string& name) const {
  const auto found = files_.find(name);
  return found == files_.end() ? nullptr : &found->second;
}

}  // namespace yizhan::web

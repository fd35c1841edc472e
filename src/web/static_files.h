// StaticFiles: the files under share/static, read into memory at start and
// served with a content type, an ETag and cache headers. Only names found at
// start can be served, so no request path can reach another file.
#pragma once

#include <map>
#include <optional>
#include <string>

namespace yizhan::web {

struct StaticFile {
  std::string body;
  std::string content_type;
  std::string etag;
};

class StaticFiles {
 public:
  explicit StaticFiles(const std::string& directory);
  // `name` relative to the static directory, e.g. "css/site.css".
  const StaticFile* find(const std::string& name) const;

 private:
  std::map<std::string, StaticFile> files_;
};

}  // namespace yizhan::web

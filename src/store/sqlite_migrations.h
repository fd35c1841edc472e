// The SQLite schema as numbered migrations. A migration is never edited
// once released; a change to the schema is a new, higher-numbered entry.
// The PostgreSQL store keeps the same numbering.
#pragma once

#include <string_view>
#include <vector>

namespace yizhan::store {

struct Migration {
  int version;
  std::string_view description;
  std::string_view sql;
};

const std::vector<Migration>& sqlite_migrations();

}  // namespace yizhan::store

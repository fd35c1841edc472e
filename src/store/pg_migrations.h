// The PostgreSQL schema as numbered migrations, with the numbering and the
// constraints of the SQLite schema in PostgreSQL's dialect. A migration is
// never edited once released; a change to the schema is a new entry here
// and in the SQLite list, under the same number.
#pragma once

#include <vector>

#include "store/sqlite_migrations.h"

namespace yizhan::store {

const std::vector<Migration>& pg_migrations();

}  // namespace yizhan::store

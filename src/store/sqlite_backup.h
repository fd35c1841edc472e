// Online backup of a SQLite database file, safe while a server is writing
// to it. Uses its own connections, so it may run on any thread.
#pragma once

#include <string>

namespace yizhan::store {

struct SqliteBackupResult {
  int pages = 0;        // pages in the copy
  int page_size = 0;    // bytes per page
};

// Copies the SQLite database at `source_path` to the new file `target_path`
// with SQLite's online backup API. The copy is one consistent snapshot: in
// WAL mode a single read transaction covers the whole copy, and writers go on
// meanwhile. It is written under a temporary name in the target's directory,
// checked with PRAGMA quick_check, and linked into place only when complete,
// so `target_path` never contains a partial copy. Throws StoreError when the
// source is missing or not a database, when `target_path` already exists (it
// is never overwritten), or when copying fails; no temporary file is left.
SqliteBackupResult backup_sqlite(const std::string& source_path, const std::string& target_path);

}  // namespace yizhan::store

// SqliteConnection: one sqlite3 handle with the settings yizhan relies on
// (WAL, foreign keys, busy timeout), plus a small statement wrapper.
// Not thread-safe: one thread uses a connection at a time (see SqlitePool).
//
// Compiling a statement costs more than running a point lookup, so each
// connection keeps the statements it has compiled, keyed by their SQL, and
// a statement wrapper hands its statement back (reset) when it goes away.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

namespace yizhan::store {

// A compiled statement the connection keeps; `busy` while a wrapper uses it.
struct CachedStatement {
  sqlite3_stmt* statement = nullptr;
  bool busy = false;
};

class SqliteStatement {
 public:
  // A statement compiled for this wrapper alone, finalized with it.
  SqliteStatement(sqlite3* db, std::string_view sql);
  // A statement borrowed from the connection's cache, reset and handed
  // back when the wrapper goes away.
  SqliteStatement(sqlite3* db, CachedStatement& cached);
  ~SqliteStatement();
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  // Parameters are numbered from 1, as in SQLite.
  SqliteStatement& bind(int index, std::int64_t value);
  SqliteStatement& bind(int index, std::string_view value);
  SqliteStatement& bind_null(int index);

  // Advance; true while a row is available. Throws StoreError on failure.
  bool step();
  // Step a statement that returns no row; returns the rows changed.
  int run();

  std::int64_t column_int(int index) const;
  std::string column_text(int index) const;
  bool column_is_null(int index) const;

  // A UNIQUE or PRIMARY KEY violation in the last step (a duplicate).
  bool constraint_failed() const { return constraint_failed_; }

 private:
  sqlite3* db_;
  sqlite3_stmt* statement_ = nullptr;
  CachedStatement* cached_ = nullptr;
  bool constraint_failed_ = false;
};

class SqliteConnection {
 public:
  // `cache_kib`: the page cache's size in KiB.
  SqliteConnection(const std::string& path, int cache_kib);
  ~SqliteConnection();
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  sqlite3* handle() { return db_; }
  int cache_kib() const { return cache_kib_; }
  void execute(std::string_view sql);
  // The cached statement for `sql`; a fresh one when the cached one is in
  // use (the same query nested inside itself).
  SqliteStatement prepare(std::string_view sql);

 private:
  // Hashes std::string and std::string_view alike, so that a lookup by a
  // string_view allocates no std::string.
  struct SqlHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view sql) const { return std::hash<std::string_view>{}(sql); }
  };

  sqlite3* db_ = nullptr;
  int cache_kib_;
  std::unordered_map<std::string, CachedStatement, SqlHash, std::equal_to<>> statements_;
};

// Runs BEGIN IMMEDIATE on construction and ROLLBACK on destruction unless
// commit() ran. IMMEDIATE takes the write lock up front, so a transaction
// that reads then writes cannot fail halfway with SQLITE_BUSY.
class SqliteTransaction {
 public:
  explicit SqliteTransaction(SqliteConnection& connection);
  ~SqliteTransaction();
  void commit();

 private:
  SqliteConnection& connection_;
  bool done_ = false;
};

}  // namespace yizhan::store

// SqliteConnection: one sqlite3 handle with the settings yizhan relies on
// (WAL, foreign keys, busy timeout), plus a small statement wrapper.
// Not thread-safe: one thread uses a connection at a time (see SqlitePool).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace yizhan::store {

class SqliteStatement {
 public:
  SqliteStatement(sqlite3* db, std::string_view sql);
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
  bool constraint_failed_ = false;
};

class SqliteConnection {
 public:
  explicit SqliteConnection(const std::string& path);
  ~SqliteConnection();
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  sqlite3* handle() { return db_; }
  void execute(std::string_view sql);
  SqliteStatement prepare(std::string_view sql) { return SqliteStatement(db_, sql); }

 private:
  sqlite3* db_ = nullptr;
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

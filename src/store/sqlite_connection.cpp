#include "store/sqlite_connection.h"

#include "store/store.h"

namespace yizhan::store {
namespace {

[[noreturn]] void fail(sqlite3* db, std::string_view what) {
  throw StoreError(std::string(what) + ": " + sqlite3_errmsg(db));
}

}  // namespace

SqliteStatement::SqliteStatement(sqlite3* db, std::string_view sql) : db_(db) {
  if (sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &statement_, nullptr) != SQLITE_OK) {
    fail(db, "prepare failed");
  }
}

SqliteStatement::SqliteStatement(sqlite3* db, CachedStatement& cached)
    : db_(db), statement_(cached.statement), cached_(&cached) {
  cached.busy = true;
}

SqliteStatement::~SqliteStatement() {
  if (cached_ == nullptr) {
    sqlite3_finalize(statement_);
    return;
  }
  // The result of reset repeats the last step's error, already reported.
  sqlite3_reset(statement_);
  sqlite3_clear_bindings(statement_);
  cached_->busy = false;
}

SqliteStatement& SqliteStatement::bind(int index, std::int64_t value) {
  if (sqlite3_bind_int64(statement_, index, value) != SQLITE_OK) fail(db_, "bind failed");
  return *this;
}

SqliteStatement& SqliteStatement::bind(int index, std::string_view value) {
  if (sqlite3_bind_text(statement_, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT) !=
      SQLITE_OK) {
    fail(db_, "bind failed");
  }
  return *this;
}

SqliteStatement& SqliteStatement::bind_null(int index) {
  if (sqlite3_bind_null(statement_, index) != SQLITE_OK) fail(db_, "bind failed");
  return *this;
}

bool SqliteStatement::step() {
  const int code = sqlite3_step(statement_);
  if (code == SQLITE_ROW) return true;
  if (code == SQLITE_DONE) return false;
  // Only a uniqueness violation is an expected outcome (a duplicate); a
  // CHECK, NOT NULL or foreign key violation is a bug and fails loudly.
  if (code == SQLITE_CONSTRAINT_UNIQUE || code == SQLITE_CONSTRAINT_PRIMARYKEY) {
    constraint_failed_ = true;
    return false;
  }
  fail(db_, "step failed");
}

int SqliteStatement::run() {
  while (step()) {
  }
  return constraint_failed_ ? 0 : sqlite3_changes(db_);
}

std::int64_t SqliteStatement::column_int(int index) const { return sqlite3_column_int64(statement_, index); }

std::string SqliteStatement::column_text(int index) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement_, index));
  if (text == nullptr) return {};
  return std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(statement_, index)));
}

bool SqliteStatement::column_is_null(int index) const {
  return sqlite3_column_type(statement_, index) == SQLITE_NULL;
}

SqliteConnection::SqliteConnection(const std::string& path, int cache_kib) : cache_kib_(cache_kib) {
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
    const std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    throw StoreError("cannot open SQLite database " + path + ": " + message);
  }
  sqlite3_extended_result_codes(db_, 1);
  // Writers wait for each other instead of failing at once.
  sqlite3_busy_timeout(db_, 10'000);
  execute("PRAGMA journal_mode = WAL");
  // NORMAL in WAL mode can lose the last transactions on power loss; a
  // confirmed booking must survive that, so every commit is synced.
  execute("PRAGMA synchronous = FULL");
  execute("PRAGMA foreign_keys = ON");
  // A page cache large enough for the sessions and accounts of a rush (50,000
  // sessions take about 9 MB) spares a read system call per page. Each
  // connection has its own cache, and SqliteStore decides which are large.
  // Memory-mapped reads were tried instead: each connection maps the file on
  // its own, and the resident size grew by the map size per connection.
  execute("PRAGMA cache_size = -" + std::to_string(cache_kib));
}

SqliteConnection::~SqliteConnection() {
  for (auto& [sql, cached] : statements_) sqlite3_finalize(cached.statement);
  sqlite3_close(db_);
}

SqliteStatement SqliteConnection::prepare(std::string_view sql) {
  auto found = statements_.find(sql);
  if (found == statements_.end()) {
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &statement,
                           nullptr) != SQLITE_OK) {
      fail(db_, "prepare failed");
    }
    found = statements_.emplace(std::string(sql), CachedStatement{statement, false}).first;
  }
  if (found->second.busy) return SqliteStatement(db_, sql);
  return SqliteStatement(db_, found->second);
}

void SqliteConnection::execute(std::string_view sql) {
  const std::string terminated(sql);
  char* message = nullptr;
  if (sqlite3_exec(db_, terminated.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    const std::string text = message ? message : sqlite3_errmsg(db_);
    sqlite3_free(message);
    throw StoreError("SQL failed: " + text);
  }
}

SqliteTransaction::SqliteTransaction(SqliteConnection& connection) : connection_(connection) {
  connection_.execute("BEGIN IMMEDIATE");
}

SqliteTransaction::~SqliteTransaction() {
  if (!done_) {
    try {
      connection_.execute("ROLLBACK");
    } catch (const StoreError&) {
      // The transaction is already gone (e.g. SQLite rolled it back itself).
    }
  }
}

void SqliteTransaction::commit() {
  connection_.execute("COMMIT");
  done_ = true;
}

}  // namespace yizhan::store

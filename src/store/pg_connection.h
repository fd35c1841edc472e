// PgConnection: one libpq connection with the session settings yizhan
// relies on (READ COMMITTED transactions, a statement timeout), and a cache
// of server-side prepared statements keyed by their SQL, so each statement
// is prepared once per connection. Every value travels as a parameter.
// Not thread-safe: one thread uses a connection at a time (see PgStore).
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "store/store.h"

namespace yizhan::store {

// A failure reported by PostgreSQL, with its SQLSTATE code ("" when the
// connection itself failed).
class PgError : public StoreError {
 public:
  PgError(const std::string& message, std::string sqlstate) : StoreError(message), sqlstate_(std::move(sqlstate)) {}
  const std::string& sqlstate() const { return sqlstate_; }

 private:
  std::string sqlstate_;
};

// One query parameter in PostgreSQL's text format; nullopt is SQL NULL.
class PgParam {
 public:
  PgParam(std::int64_t value) : text_(std::to_string(value)) {}
  PgParam(int value) : text_(std::to_string(value)) {}
  PgParam(bool value) : text_(value ? "true" : "false") {}
  PgParam(std::string_view value) : text_(std::string(value)) {}
  PgParam(const std::string& value) : text_(value) {}
  PgParam(const char* value) : text_(std::string(value)) {}
  PgParam(std::nullopt_t) {}
  // Arrays, for `= ANY($n::bigint[])` and `unnest`.
  PgParam(const std::vector<std::int64_t>& values);
  PgParam(const std::vector<std::string>& values);

  const char* c_str() const { return text_ ? text_->c_str() : nullptr; }

 private:
  std::optional<std::string> text_;
};

class PgResult {
 public:
  PgResult() = default;
  explicit PgResult(PGresult* result, bool unique_violation = false)
      : result_(result), unique_violation_(unique_violation) {}
  ~PgResult() { PQclear(result_); }
  PgResult(PgResult&& other) noexcept : result_(other.result_), unique_violation_(other.unique_violation_) {
    other.result_ = nullptr;
  }
  PgResult& operator=(PgResult&& other) noexcept;
  PgResult(const PgResult&) = delete;
  PgResult& operator=(const PgResult&) = delete;

  int rows() const { return result_ ? PQntuples(result_) : 0; }
  bool empty() const { return rows() == 0; }
  // Rows an INSERT, UPDATE or DELETE changed; 0 after a unique violation.
  int affected() const;
  std::int64_t integer(int row, int column) const;
  std::string text(int row, int column) const;
  bool boolean(int row, int column) const;
  bool is_null(int row, int column) const { return PQgetisnull(result_, row, column) != 0; }
  // The statement violated a UNIQUE or PRIMARY KEY constraint (a duplicate).
  // Inside a transaction PostgreSQL then rejects every further statement
  // until a rollback, unlike SQLite.
  bool unique_violation() const { return unique_violation_; }

 private:
  PGresult* result_ = nullptr;
  bool unique_violation_ = false;
};

class PgConnection {
 public:
  // `conninfo` is a libpq connection URI without yizhan's own parameters.
  PgConnection(const std::string& conninfo, int statement_timeout_ms);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Run SQL without parameters through the simple query protocol (it may
  // hold several statements): transaction control and migrations only.
  void execute(const std::string& sql);
  // Run one parameterised statement, prepared on first use. A unique
  // violation comes back as a flag on the result; any other failure throws
  // PgError.
  PgResult query(const std::string& sql, std::initializer_list<PgParam> params = {});
  PgResult query(const std::string& sql, const std::vector<PgParam>& params);

  // False once the server went away or the session can no longer be
  // trusted; the pool then drops the connection instead of reusing it.
  bool usable() const;

 private:
  [[noreturn]] void fail(PGresult* result, std::string_view what);

  PGconn* conn_ = nullptr;
  bool broken_ = false;
  std::unordered_map<std::string, std::string> prepared_;  // SQL -> statement name
};

// BEGIN ISOLATION LEVEL READ COMMITTED on construction, ROLLBACK on
// destruction unless commit() ran. The store's concurrency rules rely on
// READ COMMITTED: a statement that waited for a row lock re-reads the row
// as the other transaction committed it.
class PgTransaction {
 public:
  explicit PgTransaction(PgConnection& connection);
  ~PgTransaction();
  void commit();

 private:
  PgConnection& connection_;
  bool done_ = false;
};

// The connection settings parsed from a postgresql:// URL.
struct PgSettings {
  std::string conninfo;       // the URL without pool and statement_timeout
  std::string display;        // the URL with any password replaced by "***", for messages
  int pool_size = 10;         // ?pool=N, 1 to 1000
  int statement_timeout_ms = 10'000;  // ?statement_timeout=MS, 1 to 3,600,000
};

// Throws StoreError on an invalid pool size or timeout.
PgSettings parse_pg_url(const std::string& url);

// A stable 64-bit key for pg_advisory_xact_lock (FNV-1a of `text`).
std::int64_t advisory_key(std::string_view text);

}  // namespace yizhan::store

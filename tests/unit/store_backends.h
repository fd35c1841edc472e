// Fresh databases for the store test suites, so that one suite runs against
// both backends: a SQLite file in a temporary directory always, and a
// PostgreSQL database when YIZHAN_TEST_POSTGRES_URL names a cluster's
// maintenance database (e.g. postgresql://postgres@127.0.0.1:55432/yizhan
// from scripts/pg-cluster.sh). Each PostgreSQL test gets a database of its
// own, created on that cluster and dropped afterwards; without the variable
// the PostgreSQL cases are skipped.
//
// Usage: a fixture derived from ::testing::TestWithParam<Backend> calls
// YIZHAN_SKIP_UNAVAILABLE_BACKEND() first in SetUp, then creates a
// TestDatabase, and the suite is instantiated with
// INSTANTIATE_TEST_SUITE_P(Backends, Fixture, kAllBackends, backend_name).
#pragma once

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "store/pg_store.h"
#include "store/sqlite_store.h"

namespace yizhan::store::backends {

enum class Backend { sqlite, postgres };

inline const auto kAllBackends = ::testing::Values(Backend::sqlite, Backend::postgres);

inline std::string backend_name(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::sqlite ? "sqlite" : "postgres";
}

// The maintenance database URL, or "" when PostgreSQL tests are off.
inline std::string postgres_test_url() {
  const char* url = std::getenv("YIZHAN_TEST_POSTGRES_URL");
  return url ? url : "";
}

#define YIZHAN_SKIP_UNAVAILABLE_BACKEND(backend)                                                     \
  if ((backend) == ::yizhan::store::backends::Backend::postgres &&                                    \
      ::yizhan::store::backends::postgres_test_url().empty()) {                                       \
    GTEST_SKIP() << "set YIZHAN_TEST_POSTGRES_URL to a PostgreSQL maintenance database to run this"; \
  }

// The result of raw SQL run beside the store, as any other program could.
enum class SqlStatus { ok, check_violation, failed };

// `url` with its database name replaced by `database`.
inline std::string with_database(const std::string& url, const std::string& database) {
  const auto authority = url.find("://");
  const auto query = url.find('?');
  const auto slash = url.find('/', authority == std::string::npos ? 0 : authority + 3);
  const std::string options = query == std::string::npos ? "" : url.substr(query);
  if (slash == std::string::npos || (query != std::string::npos && slash > query)) {
    return url.substr(0, query) + "/" + database + options;
  }
  return url.substr(0, slash) + "/" + database + options;
}

// Run `sql` on the PostgreSQL database at `url` through a connection of its own.
inline SqlStatus run_postgres_sql(const std::string& url, const std::string& sql, std::string* message = nullptr) {
  PGconn* conn = PQconnectdb(url.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    if (message) *message = PQerrorMessage(conn);
    PQfinish(conn);
    return SqlStatus::failed;
  }
  PGresult* result = PQexec(conn, sql.c_str());
  const auto status = PQresultStatus(result);
  SqlStatus outcome = SqlStatus::ok;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    const char* sqlstate = PQresultErrorField(result, PG_DIAG_SQLSTATE);
    outcome = sqlstate && std::string(sqlstate) == "23514" ? SqlStatus::check_violation : SqlStatus::failed;
    if (message) *message = PQresultErrorMessage(result);
  }
  PQclear(result);
  PQfinish(conn);
  return outcome;
}

// One empty database of one backend, removed by the destructor.
class TestDatabase {
 public:
  explicit TestDatabase(Backend backend) : backend_(backend) {
    static std::atomic<int> counter{0};
    const std::string unique = std::to_string(::getpid()) + "_" + std::to_string(counter++);
    if (backend_ == Backend::sqlite) {
      directory_ = std::filesystem::temp_directory_path() / ("yizhan-store-" + unique);
      std::filesystem::remove_all(directory_);
      url_ = (directory_ / "db.sqlite").string();
      return;
    }
    maintenance_url_ = postgres_test_url();
    name_ = "yizhan_test_" + unique;
    std::string message;
    if (run_postgres_sql(maintenance_url_, "CREATE DATABASE " + name_, &message) != SqlStatus::ok) {
      throw StoreError("cannot create test database " + name_ + ": " + message);
    }
    url_ = with_database(maintenance_url_, name_);
  }

  ~TestDatabase() {
    if (backend_ == Backend::sqlite) {
      std::error_code ignored;
      std::filesystem::remove_all(directory_, ignored);
    } else {
      // FORCE ends sessions a failed test left open.
      run_postgres_sql(maintenance_url_, "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
    }
  }

  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  Backend backend() const { return backend_; }
  // The --db value that names this database.
  const std::string& url() const { return url_; }
  // The database's name on the PostgreSQL cluster; "" for SQLite.
  const std::string& name() const { return name_; }
  const std::string& maintenance_url() const { return maintenance_url_; }

  // A new, unmigrated store on this database; call it twice for two
  // servers. `options` ("pool=2&statement_timeout=100") go into a
  // PostgreSQL URL's query.
  std::unique_ptr<Store> open(const std::string& options = "") const {
    if (backend_ == Backend::sqlite) return std::make_unique<SqliteStore>(url_);
    if (options.empty()) return std::make_unique<PgStore>(url_);
    return std::make_unique<PgStore>(url_ + (url_.find('?') == std::string::npos ? "?" : "&") + options);
  }

  SqlStatus execute(const std::string& sql, std::string* message = nullptr) const {
    if (backend_ == Backend::postgres) return run_postgres_sql(url_, sql, message);
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(url_.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
      if (message) *message = sqlite3_errmsg(db);
      sqlite3_close(db);
      return SqlStatus::failed;
    }
    sqlite3_busy_timeout(db, 5000);
    sqlite3_extended_result_codes(db, 1);
    char* error = nullptr;
    const int code = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
    if (message && error) *message = error;
    sqlite3_free(error);
    sqlite3_close(db);
    if (code == SQLITE_OK) return SqlStatus::ok;
    return code == SQLITE_CONSTRAINT_CHECK ? SqlStatus::check_violation : SqlStatus::failed;
  }

  // The first column of the first row of `sql` as an integer; -1 when there is no row.
  std::int64_t query_int(const std::string& sql) const {
    if (backend_ == Backend::postgres) {
      PGconn* conn = PQconnectdb(url_.c_str());
      PGresult* result = PQexec(conn, sql.c_str());
      EXPECT_EQ(PQresultStatus(result), PGRES_TUPLES_OK) << PQresultErrorMessage(result) << " in " << sql;
      std::int64_t value = -1;
      if (PQresultStatus(result) == PGRES_TUPLES_OK && PQntuples(result) > 0 && !PQgetisnull(result, 0, 0)) {
        value = std::stoll(PQgetvalue(result, 0, 0));
      }
      PQclear(result);
      PQfinish(conn);
      return value;
    }
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open_v2(url_.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_stmt* statement = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
    std::int64_t value = -1;
    if (sqlite3_step(statement) == SQLITE_ROW) value = sqlite3_column_int64(statement, 0);
    sqlite3_finalize(statement);
    sqlite3_close(db);
    return value;
  }

  // Make every insert of a booking for `account_id` fail, the way a
  // database failure in the middle of a batch would.
  SqlStatus fail_booking_inserts(std::int64_t account_id) const {
    const std::string id = std::to_string(account_id);
    if (backend_ == Backend::sqlite) {
      return execute("CREATE TRIGGER fail_insert BEFORE INSERT ON bookings WHEN NEW.account_id = " + id +
                     " BEGIN SELECT RAISE(ABORT, 'injected failure'); END");
    }
    return execute(
        "CREATE FUNCTION fail_insert() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'injected failure'; END $$; "
        "CREATE TRIGGER fail_insert BEFORE INSERT ON bookings FOR EACH ROW WHEN (NEW.account_id = " +
        id + ") EXECUTE FUNCTION fail_insert()");
  }

 private:
  Backend backend_;
  std::filesystem::path directory_;
  std::string url_;
  std::string maintenance_url_;
  std::string name_;
};

}  // namespace yizhan::store::backends

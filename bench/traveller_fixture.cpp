#include "traveller_fixture.h"

#include <libpq-fe.h>
#include <sqlite3.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <stdexcept>

#include "service/captcha_service.h"
#include "service/crypto.h"

namespace yizhan::bench {
namespace {

// A well-formed Argon2id string that no password matches, for benchmarks
// that never sign in.
constexpr const char* kDummyPasswordHash =
    "$argon2id$v=19$m=19456,t=2,p=1$YmVuY2htYXJrc2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
constexpr const char* kCaptchaAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

struct DatabaseCloser {
  void operator()(sqlite3* db) const { sqlite3_close(db); }
};
struct StatementFinalizer {
  void operator()(sqlite3_stmt* statement) const { sqlite3_finalize(statement); }
};
using Database = std::unique_ptr<sqlite3, DatabaseCloser>;
using Statement = std::unique_ptr<sqlite3_stmt, StatementFinalizer>;

[[noreturn]] void fail(sqlite3* db, const std::string& operation) {
  throw std::runtime_error("preparing travellers: " + operation + " failed: " + sqlite3_errmsg(db));
}

void execute(sqlite3* db, const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    const std::string text = message ? message : "unknown error";
    sqlite3_free(message);
    throw std::runtime_error(std::string("preparing travellers: ") + sql + " failed: " + text);
  }
}

Statement prepare(sqlite3* db, const char* sql) {
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &statement, nullptr) != SQLITE_OK) fail(db, std::string("prepare ") + sql);
  return Statement(statement);
}

void bind_text(sqlite3_stmt* statement, int index, const std::string& value) {
  sqlite3_bind_text(statement, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
}

// Steps a statement that returns no row, then resets it for the next row.
void run(sqlite3* db, sqlite3_stmt* statement, const char* operation) {
  if (sqlite3_step(statement) != SQLITE_DONE) fail(db, operation);
  sqlite3_reset(statement);
  sqlite3_clear_bindings(statement);
}

Database open_database(const std::string& db_path) {
  sqlite3* raw = nullptr;
  if (sqlite3_open_v2(db_path.c_str(), &raw, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    Database guard(raw);
    fail(raw, "open " + db_path);
  }
  Database db(raw);
  sqlite3_busy_timeout(db.get(), 10'000);
  return db;
}

void new_captcha(Traveller& traveller) {
  traveller.captcha_id = service::random_token(16);
  traveller.captcha_answer.clear();
  for (int letter = 0; letter < 4; ++letter) traveller.captcha_answer += kCaptchaAlphabet[service::random_below(32)];
}

void insert_captcha(sqlite3* db, sqlite3_stmt* statement, Traveller& traveller, std::int64_t expires_at) {
  new_captcha(traveller);
  bind_text(statement, 1, traveller.captcha_id);
  bind_text(statement, 2, service::CaptchaService::answer_digest_for(traveller.captcha_id, traveller.captcha_answer));
  sqlite3_bind_int64(statement, 3, expires_at);
  run(db, statement, "insert captcha");
}

constexpr const char* kInsertCaptcha = "INSERT INTO captchas (id, answer_digest, expires_at) VALUES (?, ?, ?)";

struct PgConnectionCloser {
  void operator()(PGconn* connection) const { PQfinish(connection); }
};
struct PgResultClearer {
  void operator()(PGresult* result) const { PQclear(result); }
};
using PgConnection = std::unique_ptr<PGconn, PgConnectionCloser>;
using PgResult = std::unique_ptr<PGresult, PgResultClearer>;

[[noreturn]] void pg_fail(PGconn* connection, const std::string& operation) {
  throw std::runtime_error("preparing travellers: " + operation + " failed: " + PQerrorMessage(connection));
}

void pg_execute(PGconn* connection, const std::string& sql, const std::vector<std::string>& parameters = {}) {
  std::vector<const char*> values;
  for (const auto& parameter : parameters) values.push_back(parameter.c_str());
  PgResult result(PQexecParams(connection, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(),
                               nullptr, nullptr, 0));
  const auto status = PQresultStatus(result.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) pg_fail(connection, sql);
}

// Sends `rows` (COPY text format: tab-separated columns, one row a line)
// through `copy_sql`, a COPY ... FROM STDIN. The values written here
// contain no tab, newline or backslash, so none needs escaping.
void pg_copy(PGconn* connection, const std::string& copy_sql, const std::string& rows) {
  PgResult started(PQexec(connection, copy_sql.c_str()));
  if (PQresultStatus(started.get()) != PGRES_COPY_IN) pg_fail(connection, copy_sql);
  constexpr std::size_t kChunk = 1 << 20;
  for (std::size_t offset = 0; offset < rows.size(); offset += kChunk) {
    const std::size_t size = std::min(kChunk, rows.size() - offset);
    if (PQputCopyData(connection, rows.data() + offset, static_cast<int>(size)) != 1) pg_fail(connection, copy_sql);
  }
  if (PQputCopyEnd(connection, nullptr) != 1) pg_fail(connection, copy_sql);
  PgResult finished(PQgetResult(connection));
  if (PQresultStatus(finished.get()) != PGRES_COMMAND_OK) pg_fail(connection, copy_sql);
  while (PGresult* rest = PQgetResult(connection)) PQclear(rest);
}

}  // namespace

std::vector<Traveller> insert_travellers(const std::string& db_path, int count, std::int64_t now,
                                         const std::vector<std::string>& password_hashes) {
  if (!password_hashes.empty() && password_hashes.size() != 1 &&
      password_hashes.size() != static_cast<std::size_t>(count)) {
    throw std::invalid_argument("insert_travellers needs 0, 1 or " + std::to_string(count) + " password hashes, not " +
                                std::to_string(password_hashes.size()));
  }
  Database db = open_database(db_path);
  execute(db.get(), "BEGIN IMMEDIATE");

  auto account = prepare(db.get(),
                         "INSERT INTO accounts (id_type, id_number, password_hash, language, consent_text, consent_at, "
                         "created_at) VALUES ('home_return_permit', ?, ?, 'zh-Hant', 'benchmark', ?, ?)");
  auto profile = prepare(db.get(),
                         "INSERT INTO profiles (account_id, name, gender, birth_date, hk_mobile, destination_code, "
                         "consent, consent_at, status, submitted_at, decided_at, updated_at) "
                         "VALUES (?, ?, 'female', '1990-01-01', ?, '440304', 1, ?, 'approved', ?, ?, ?)");
  auto session = prepare(db.get(),
                         "INSERT INTO sessions (token_digest, kind, subject_id, created_at, expires_at) "
                         "VALUES (?, 'account', ?, ?, ?)");
  auto captcha = prepare(db.get(), kInsertCaptcha);

  const std::int64_t valid_from = now - 24 * 3600;
  const std::int64_t valid_until = now + 2 * 24 * 3600;
  std::vector<Traveller> travellers;
  travellers.reserve(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) {
    char id_number[16];
    std::snprintf(id_number, sizeof id_number, "H2%07d", i);
    char mobile[16];
    std::snprintf(mobile, sizeof mobile, "9%07d", i % 10'000'000);

    sqlite3_bind_text(account.get(), 1, id_number, -1, SQLITE_TRANSIENT);
    if (password_hashes.empty()) {
      sqlite3_bind_text(account.get(), 2, kDummyPasswordHash, -1, SQLITE_STATIC);
    } else {
      bind_text(account.get(), 2, password_hashes[password_hashes.size() == 1 ? 0 : static_cast<std::size_t>(i)]);
    }
    sqlite3_bind_int64(account.get(), 3, valid_from);
    sqlite3_bind_int64(account.get(), 4, valid_from);
    run(db.get(), account.get(), "insert account");
    const std::int64_t account_id = sqlite3_last_insert_rowid(db.get());

    sqlite3_bind_int64(profile.get(), 1, account_id);
    bind_text(profile.get(), 2, "Traveller " + std::to_string(i));
    sqlite3_bind_text(profile.get(), 3, mobile, -1, SQLITE_TRANSIENT);
    for (int column = 4; column <= 7; ++column) sqlite3_bind_int64(profile.get(), column, valid_from);
    run(db.get(), profile.get(), "insert profile");

    Traveller traveller;
    traveller.id_number = id_number;
    traveller.session_token = service::random_token();
    bind_text(session.get(), 1, service::token_digest(traveller.session_token));
    sqlite3_bind_int64(session.get(), 2, account_id);
    sqlite3_bind_int64(session.get(), 3, valid_from);
    sqlite3_bind_int64(session.get(), 4, valid_until);
    run(db.get(), session.get(), "insert session");

    insert_captcha(db.get(), captcha.get(), traveller, valid_until);

    travellers.push_back(std::move(traveller));
  }

  execute(db.get(), "COMMIT");
  return travellers;
}

void renew_captchas(const std::string& db_path, const std::vector<Traveller*>& travellers, std::int64_t expires_at) {
  Database db = open_database(db_path);
  execute(db.get(), "BEGIN IMMEDIATE");
  auto captcha = prepare(db.get(), kInsertCaptcha);
  for (Traveller* traveller : travellers) insert_captcha(db.get(), captcha.get(), *traveller, expires_at);
  execute(db.get(), "COMMIT");
}

std::vector<Traveller> insert_travellers_postgres(const std::string& url, int count, std::int64_t now,
                                                  const std::string& quota_date, int quota) {
  PgConnection connection(PQconnectdb(url.c_str()));
  if (PQstatus(connection.get()) != CONNECTION_OK) pg_fail(connection.get(), "connecting to the database");

  const std::string valid_from = std::to_string(now - 24 * 3600);
  const std::string valid_until = std::to_string(now + 2 * 24 * 3600);
  std::string accounts, profiles, sessions, captchas;
  std::vector<Traveller> travellers;
  travellers.reserve(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) {
    char id_number[16];
    std::snprintf(id_number, sizeof id_number, "H2%07d", i);
    char mobile[16];
    std::snprintf(mobile, sizeof mobile, "9%07d", i % 10'000'000);
    // A fresh database: the accounts take ids 1..count, and the identity
    // is moved past them before the commit.
    const std::string account_id = std::to_string(i + 1);

    Traveller traveller;
    traveller.id_number = id_number;
    traveller.session_token = service::random_token();
    new_captcha(traveller);

    accounts += account_id + "\thome_return_permit\t" + id_number + "\t" + kDummyPasswordHash +
                "\tzh-Hant\tbenchmark\t" + valid_from + "\t" + valid_from + "\n";
    profiles += account_id + "\tTraveller " + std::to_string(i) + "\tfemale\t1990-01-01\t" + mobile +
                "\t440304\tt\t" + valid_from + "\tapproved\t" + valid_from + "\t" + valid_from + "\t" +
                valid_from + "\n";
    sessions += service::token_digest(traveller.session_token) + "\taccount\t" + account_id + "\t" + valid_from +
                "\t" + valid_until + "\n";
    captchas += traveller.captcha_id + "\t" +
                service::CaptchaService::answer_digest_for(traveller.captcha_id, traveller.captcha_answer) + "\t" +
                valid_until + "\n";
    travellers.push_back(std::move(traveller));
  }

  pg_execute(connection.get(), "BEGIN");
  pg_copy(connection.get(),
          "COPY accounts (id, id_type, id_number, password_hash, language, consent_text, consent_at, created_at) "
          "FROM STDIN",
          accounts);
  pg_copy(connection.get(),
          "COPY profiles (account_id, name, gender, birth_date, hk_mobile, destination_code, consent, consent_at, "
          "status, submitted_at, decided_at, updated_at) FROM STDIN",
          profiles);
  pg_copy(connection.get(), "COPY sessions (token_digest, kind, subject_id, created_at, expires_at) FROM STDIN",
          sessions);
  pg_copy(connection.get(), "COPY captchas (id, answer_digest, expires_at) FROM STDIN", captchas);
  if (count > 0) {
    pg_execute(connection.get(), "SELECT setval(pg_get_serial_sequence('accounts', 'id'), $1::bigint)",
               {std::to_string(count)});
  }
  // The quota as set_quota stores it: the row and its audit entry.
  pg_execute(connection.get(),
             "INSERT INTO day_quotas (date, station_id, quota) "
             "SELECT $1, id, $2::integer FROM stations ORDER BY id LIMIT 1",
             {quota_date, std::to_string(quota)});
  pg_execute(connection.get(),
             "INSERT INTO audit_log (at, staff_username, action, target_type, target_id, after_json) "
             "VALUES ($1::bigint, 'benchmark', 'quota.set', 'day_quota', $2, $3)",
             {std::to_string(now), quota_date, "{\"quota\":" + std::to_string(quota) + "}"});
  pg_execute(connection.get(), "COMMIT");
  return travellers;
}

std::string booking_request(unsigned short port, const std::string& date, const Traveller& traveller) {
  const std::string body = "{\"date\":\"" + date + "\",\"captcha_id\":\"" + traveller.captcha_id +
                           "\",\"captcha_answer\":\"" + traveller.captcha_answer + "\"}";
  return "POST /api/v1/bookings HTTP/1.1\r\n"
         "Host: 127.0.0.1:" +
         std::to_string(port) +
         "\r\n"
         "Content-Type: application/json\r\n"
         "Accept: application/json\r\n"
         "Cookie: yz_session=" +
         traveller.session_token + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

}  // namespace yizhan::bench

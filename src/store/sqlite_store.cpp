#include "store/sqlite_store.h"

#include <filesystem>

#include "store/sqlite_migrations.h"

namespace yizhan::store {
namespace {

constexpr std::string_view kAccountColumns =
    "id, id_type, id_number, password_hash, language, must_change_password, created_at";

Account read_account(SqliteStatement& row) {
  Account account;
  account.id = row.column_int(0);
  account.id_type = row.column_text(1);
  account.id_number = row.column_text(2);
  account.password_hash = row.column_text(3);
  account.language = row.column_text(4);
  account.must_change_password = row.column_int(5) != 0;
  account.created_at = row.column_int(6);
  return account;
}

constexpr std::string_view kStaffColumns = "id, username, password_hash, role, disabled, language";

Staff read_staff(SqliteStatement& row) {
  Staff staff;
  staff.id = row.column_int(0);
  staff.username = row.column_text(1);
  staff.password_hash = row.column_text(2);
  staff.role = row.column_text(3);
  staff.disabled = row.column_int(4) != 0;
  staff.language = row.column_text(5);
  return staff;
}

std::string_view kind_name(SessionKind kind) { return kind == SessionKind::staff ? "staff" : "account"; }

}  // namespace

SqliteStore::SqliteStore(std::string path) : path_(std::move(path)) {
  const auto parent = std::filesystem::path(path_).parent_path();
  if (!parent.empty()) {
    std::error_code ignored;
    std::filesystem::create_directories(parent, ignored);
  }
  // Open one connection now so that a bad path fails at start, not at the
  // first request.
  release(std::make_unique<SqliteConnection>(path_));
}

SqliteStore::~SqliteStore() = default;

SqliteStore::Lease SqliteStore::acquire() {
  {
    std::lock_guard lock(pool_mutex_);
    if (!idle_.empty()) {
      auto connection = std::move(idle_.back());
      idle_.pop_back();
      return Lease(*this, std::move(connection));
    }
  }
  return Lease(*this, std::make_unique<SqliteConnection>(path_));
}

void SqliteStore::release(std::unique_ptr<SqliteConnection> connection) {
  if (!connection) return;
  std::lock_guard lock(pool_mutex_);
  idle_.push_back(std::move(connection));
}

int SqliteStore::migrate() {
  auto connection = acquire();
  connection->execute(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL, "
      "applied_at INTEGER NOT NULL DEFAULT (unixepoch()))");
  int version = 0;
  for (const Migration& migration : sqlite_migrations()) {
    // Each migration and its bookkeeping row commit together, so a crash
    // leaves the schema at one version or the next, never between.
    SqliteTransaction transaction(*connection);
    auto applied = connection->prepare("SELECT 1 FROM schema_migrations WHERE version = ?");
    applied.bind(1, static_cast<std::int64_t>(migration.version));
    if (!applied.step()) {
      connection->execute(migration.sql);
      connection->prepare("INSERT INTO schema_migrations (version, description) VALUES (?, ?)")
          .bind(1, static_cast<std::int64_t>(migration.version))
          .bind(2, migration.description)
          .run();
    }
    transaction.commit();
    version = migration.version;
  }
  return version;
}

int SqliteStore::schema_version() {
  auto connection = acquire();
  auto exists = connection->prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'");
  if (!exists.step()) return 0;
  auto query = connection->prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  query.step();
  return static_cast<int>(query.column_int(0));
}

bool SqliteStore::ping() {
  try {
    auto connection = acquire();
    auto query = connection->prepare("SELECT 1");
    return query.step();
  } catch (const StoreError&) {
    return false;
  }
}

InsertOutcome SqliteStore::insert_account(const NewAccount& account, std::int64_t& id) {
  auto connection = acquire();
  auto insert = connection->prepare(
      "INSERT INTO accounts (id_type, id_number, password_hash, language, consent_text, consent_at, created_at) "
      "VALUES (?, ?, ?, ?, ?, ?, ?)");
  insert.bind(1, account.id_type)
      .bind(2, account.id_number)
      .bind(3, account.password_hash)
      .bind(4, account.language)
      .bind(5, account.consent_text)
      .bind(6, account.consent_at)
      .bind(7, account.created_at);
  insert.run();
  if (insert.constraint_failed()) return InsertOutcome::duplicate;
  id = sqlite3_last_insert_rowid(connection->handle());
  return InsertOutcome::inserted;
}

std::optional<Account> SqliteStore::find_account(const std::string& id_type, const std::string& id_number) {
  auto connection = acquire();
  auto query = connection->prepare("SELECT " + std::string(kAccountColumns) +
                                   " FROM accounts WHERE id_type = ? AND id_number = ?");
  query.bind(1, id_type).bind(2, id_number);
  if (!query.step()) return std::nullopt;
  return read_account(query);
}

std::optional<Account> SqliteStore::find_account_by_id(std::int64_t id) {
  auto connection = acquire();
  auto query = connection->prepare("SELECT " + std::string(kAccountColumns) + " FROM accounts WHERE id = ?");
  query.bind(1, id);
  if (!query.step()) return std::nullopt;
  return read_account(query);
}

void SqliteStore::set_account_language(std::int64_t id, const std::string& language) {
  auto connection = acquire();
  connection->prepare("UPDATE accounts SET language = ? WHERE id = ?").bind(1, language).bind(2, id).run();
}

InsertOutcome SqliteStore::insert_staff(const NewStaff& staff, std::int64_t& id) {
  auto connection = acquire();
  auto insert = connection->prepare(
      "INSERT INTO staff (username, password_hash, role, created_at) VALUES (?, ?, ?, ?)");
  insert.bind(1, staff.username).bind(2, staff.password_hash).bind(3, staff.role).bind(4, staff.created_at);
  insert.run();
  if (insert.constraint_failed()) return InsertOutcome::duplicate;
  id = sqlite3_last_insert_rowid(connection->handle());
  return InsertOutcome::inserted;
}

std::optional<Staff> SqliteStore::find_staff(const std::string& username) {
  auto connection = acquire();
  auto query = connection->prepare("SELECT " + std::string(kStaffColumns) + " FROM staff WHERE username = ?");
  query.bind(1, username);
  if (!query.step()) return std::nullopt;
  return read_staff(query);
}

std::optional<Staff> SqliteStore::find_staff_by_id(std::int64_t id) {
  auto connection = acquire();
  auto query = connection->prepare("SELECT " + std::string(kStaffColumns) + " FROM staff WHERE id = ?");
  query.bind(1, id);
  if (!query.step()) return std::nullopt;
  return read_staff(query);
}

void SqliteStore::set_staff_language(std::int64_t id, const std::string& language) {
  auto connection = acquire();
  connection->prepare("UPDATE staff SET language = ? WHERE id = ?").bind(1, language).bind(2, id).run();
}

void SqliteStore::insert_session(const Session& session) {
  auto connection = acquire();
  connection
      ->prepare("INSERT INTO sessions (token_digest, kind, subject_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?)")
      .bind(1, session.token_digest)
      .bind(2, kind_name(session.kind))
      .bind(3, session.subject_id)
      .bind(4, session.created_at)
      .bind(5, session.expires_at)
      .run();
}

std::optional<Session> SqliteStore::find_session(const std::string& token_digest, std::int64_t now) {
  auto connection = acquire();
  auto query = connection->prepare(
      "SELECT kind, subject_id, created_at, expires_at FROM sessions WHERE token_digest = ? AND expires_at > ?");
  query.bind(1, token_digest).bind(2, now);
  if (!query.step()) return std::nullopt;
  Session session;
  session.token_digest = token_digest;
  session.kind = query.column_text(0) == "staff" ? SessionKind::staff : SessionKind::account;
  session.subject_id = query.column_int(1);
  session.created_at = query.column_int(2);
  session.expires_at = query.column_int(3);
  return session;
}

void SqliteStore::delete_session(const std::string& token_digest) {
  auto connection = acquire();
  connection->prepare("DELETE FROM sessions WHERE token_digest = ?").bind(1, token_digest).run();
}

int SqliteStore::delete_expired_sessions(std::int64_t now) {
  auto connection = acquire();
  return connection->prepare("DELETE FROM sessions WHERE expires_at <= ?").bind(1, now).run();
}

void SqliteStore::insert_captcha(const std::string& id, const std::string& answer_digest, std::int64_t expires_at) {
  auto connection = acquire();
  connection->prepare("INSERT INTO captchas (id, answer_digest, expires_at) VALUES (?, ?, ?)")
      .bind(1, id)
      .bind(2, answer_digest)
      .bind(3, expires_at)
      .run();
}

std::optional<std::string> SqliteStore::consume_captcha(const std::string& id, std::int64_t now) {
  auto connection = acquire();
  // One statement marks the captcha used and returns it, so two requests
  // racing with the same captcha cannot both succeed.
  auto update = connection->prepare(
      "UPDATE captchas SET used = 1 WHERE id = ? AND used = 0 AND expires_at > ? RETURNING answer_digest");
  update.bind(1, id).bind(2, now);
  if (!update.step()) return std::nullopt;
  std::string digest = update.column_text(0);
  while (update.step()) {
  }
  return digest;
}

int SqliteStore::delete_expired_captchas(std::int64_t now) {
  auto connection = acquire();
  return connection->prepare("DELETE FROM captchas WHERE expires_at <= ?").bind(1, now).run();
}

LoginThrottle SqliteStore::find_login_throttle(const std::string& key) {
  auto connection = acquire();
  auto query = connection->prepare("SELECT failures, locked_until FROM login_throttles WHERE identity = ?");
  query.bind(1, key);
  if (!query.step()) return {};
  return LoginThrottle{static_cast<int>(query.column_int(0)), query.column_int(1)};
}

LoginThrottle SqliteStore::record_login_failure(const std::string& key, std::int64_t now, int max_failures,
                                                std::int64_t lock_seconds) {
  auto connection = acquire();
  SqliteTransaction transaction(*connection);
  LoginThrottle state;
  auto query = connection->prepare("SELECT failures, locked_until FROM login_throttles WHERE identity = ?");
  query.bind(1, key);
  if (query.step()) state = LoginThrottle{static_cast<int>(query.column_int(0)), query.column_int(1)};
  state.failures += 1;
  if (state.failures >= max_failures) {
    state.failures = 0;
    state.locked_until = now + lock_seconds;
  }
  connection
      ->prepare(
          "INSERT INTO login_throttles (identity, failures, locked_until) VALUES (?, ?, ?) "
          "ON CONFLICT (identity) DO UPDATE SET failures = excluded.failures, locked_until = excluded.locked_until")
      .bind(1, key)
      .bind(2, static_cast<std::int64_t>(state.failures))
      .bind(3, state.locked_until)
      .run();
  transaction.commit();
  return state;
}

void SqliteStore::clear_login_failures(const std::string& key) {
  auto connection = acquire();
  connection->prepare("DELETE FROM login_throttles WHERE identity = ?").bind(1, key).run();
}

std::unique_ptr<Store> open_store(const std::string& url) {
  if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0) {
    // TODO: PostgreSQL store; until it exists such a URL is rejected here.
    throw StoreError("PostgreSQL is not supported by this build yet; use a SQLite file path");
  }
  return std::make_unique<SqliteStore>(url);
}

}  // namespace yizhan::store

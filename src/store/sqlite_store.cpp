#include "store/sqlite_store.h"

#include <filesystem>

#include "store/sqlite_migrations.h"

namespace yizhan::store {
namespace {

constexpr std::string_view kStaffColumns =
    "id, username, password_hash, role, disabled, language, COALESCE(station_id, 0)";

Staff read_staff(SqliteStatement& row) {
  Staff staff;
  staff.id = row.column_int(0);
  staff.username = row.column_text(1);
  staff.password_hash = row.column_text(2);
  staff.role = row.column_text(3);
  staff.disabled = row.column_int(4) != 0;
  staff.language = row.column_text(5);
  staff.station_id = row.column_int(6);
  return staff;
}

constexpr std::string_view kProfileColumns =
    "account_id, name, gender, birth_date, hk_mobile, mainland_mobile, destination_code, consent, consent_at, "
    "status, submitted_at, decided_at, COALESCE(decided_by, 0), reject_reason, reject_note, approved_json, "
    "updated_at, version";

// Reads kProfileColumns starting at column `first`.
Profile read_profile(SqliteStatement& row, int first = 0) {
  Profile profile;
  profile.account_id = row.column_int(first + 0);
  profile.name = row.column_text(first + 1);
  profile.gender = row.column_text(first + 2);
  profile.birth_date = row.column_text(first + 3);
  profile.hk_mobile = row.column_text(first + 4);
  profile.mainland_mobile = row.column_text(first + 5);
  profile.destination_code = row.column_text(first + 6);
  profile.consent = row.column_int(first + 7) != 0;
  profile.consent_at = row.column_int(first + 8);
  profile.status = row.column_text(first + 9);
  profile.submitted_at = row.column_int(first + 10);
  profile.decided_at = row.column_int(first + 11);
  profile.decided_by = row.column_int(first + 12);
  profile.reject_reason = row.column_text(first + 13);
  profile.reject_note = row.column_text(first + 14);
  profile.approved_json = row.column_text(first + 15);
  profile.updated_at = row.column_int(first + 16);
  profile.version = row.column_int(first + 17);
  return profile;
}

// Shared part of the review queue queries: the profile, the account's
// document, and how many other accounts carry the same number.
constexpr std::string_view kReviewSelect =
    "SELECT p.account_id, p.name, p.gender, p.birth_date, p.hk_mobile, p.mainland_mobile, p.destination_code, "
    "p.consent, p.consent_at, p.status, p.submitted_at, p.decided_at, COALESCE(p.decided_by, 0), p.reject_reason, "
    "p.reject_note, p.approved_json, p.updated_at, p.version, a.id_type, a.id_number, "
    "(SELECT COUNT(*) FROM accounts o WHERE o.id_number = a.id_number AND o.id <> a.id) "
    "FROM profiles p JOIN accounts a ON a.id = p.account_id ";

ReviewItem read_review(SqliteStatement& row) {
  ReviewItem item;
  item.profile = read_profile(row);
  item.id_type = row.column_text(18);
  item.id_number = row.column_text(19);
  item.same_number_accounts = static_cast<int>(row.column_int(20));
  return item;
}

std::string_view kind_name(SessionKind kind) { return kind == SessionKind::staff ? "staff" : "account"; }

}  // namespace

const std::string_view kAccountColumns =
    "id, id_type, id_number, password_hash, language, must_change_password, created_at, consecutive_no_shows, "
    "total_no_shows, banned_until";

Account read_account(SqliteStatement& row) {
  Account account;
  account.id = row.column_int(0);
  account.id_type = row.column_text(1);
  account.id_number = row.column_text(2);
  account.password_hash = row.column_text(3);
  account.language = row.column_text(4);
  account.must_change_password = row.column_int(5) != 0;
  account.created_at = row.column_int(6);
  account.consecutive_no_shows = static_cast<int>(row.column_int(7));
  account.total_no_shows = static_cast<int>(row.column_int(8));
  account.banned_until = row.column_text(9);
  return account;
}

void insert_audit_row(SqliteConnection& connection, const AuditEntry& entry) {
  auto insert = connection.prepare(
      "INSERT INTO audit_log (at, staff_id, staff_username, action, target_type, target_id, before_json, after_json) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  insert.bind(1, entry.at);
  if (entry.staff_id) {
    insert.bind(2, entry.staff_id);
  } else {
    insert.bind_null(2);
  }
  insert.bind(3, entry.staff_username)
      .bind(4, entry.action)
      .bind(5, entry.target_type)
      .bind(6, entry.target_id)
      .bind(7, entry.before_json)
      .bind(8, entry.after_json)
      .run();
}

SqliteStore::SqliteStore(std::string path) : path_(std::move(path)) {
  // SQLite's memory statistics take a process-wide mutex on every
  // allocation, which the network threads' session lookups contended for.
  // Nothing here reads the statistics, so they are off. The call only works
  // before SQLite's first use, and SQLite rejects it harmlessly after that.
  static const int statistics_off = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  (void)statistics_off;
  const auto parent = std::filesystem::path(path_).parent_path();
  if (!parent.empty()) {
    std::error_code ignored;
    std::filesystem::create_directories(parent, ignored);
  }
  // Open one connection now so that a bad path fails at start, not at the
  // first request.
  release(acquire().take());
  booking_connection_ = std::make_unique<SqliteConnection>(path_, kLargeCacheKib);
}

SqliteStore::~SqliteStore() = default;

SqliteStore::Lease SqliteStore::acquire() {
  int cache_kib = kSmallCacheKib;
  {
    std::lock_guard lock(pool_mutex_);
    for (auto* idle : {&idle_large_, &idle_small_}) {
      if (idle->empty()) continue;
      auto connection = std::move(idle->back());
      idle->pop_back();
      return Lease(*this, std::move(connection));
    }
    if (large_connections_ < kLargeCacheConnections) {
      ++large_connections_;
      cache_kib = kLargeCacheKib;
    }
  }
  try {
    return Lease(*this, std::make_unique<SqliteConnection>(path_, cache_kib));
  } catch (...) {
    if (cache_kib == kLargeCacheKib) {
      std::lock_guard lock(pool_mutex_);
      --large_connections_;
    }
    throw;
  }
}

void SqliteStore::release(std::unique_ptr<SqliteConnection> connection) {
  if (!connection) return;
  std::lock_guard lock(pool_mutex_);
  (connection->cache_kib() == kLargeCacheKib ? idle_large_ : idle_small_).push_back(std::move(connection));
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

std::optional<Account> SqliteStore::find_session_account(const std::string& token_digest, std::int64_t now) {
  // Built once: every request with a session runs this query.
  static const std::string sql = "SELECT " + std::string(kAccountColumns) +
                                 " FROM accounts WHERE id = (SELECT subject_id FROM sessions WHERE token_digest = ? "
                                 "AND expires_at > ? AND kind = 'account')";
  auto connection = acquire();
  auto query = connection->prepare(sql);
  query.bind(1, token_digest).bind(2, now);
  if (!query.step()) return std::nullopt;
  return read_account(query);
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

std::vector<Staff> SqliteStore::list_staff() {
  auto connection = acquire();
  auto query = connection->prepare("SELECT " + std::string(kStaffColumns) + " FROM staff ORDER BY username");
  std::vector<Staff> staff;
  while (query.step()) staff.push_back(read_staff(query));
  return staff;
}

InsertOutcome SqliteStore::insert_staff_audited(const NewStaff& staff, std::int64_t& id, const AuditEntry& audit) {
  auto connection = acquire();
  SqliteTransaction transaction(*connection);
  auto insert = connection->prepare(
      "INSERT INTO staff (username, password_hash, role, created_at) VALUES (?, ?, ?, ?)");
  insert.bind(1, staff.username).bind(2, staff.password_hash).bind(3, staff.role).bind(4, staff.created_at);
  insert.run();
  if (insert.constraint_failed()) return InsertOutcome::duplicate;
  id = sqlite3_last_insert_rowid(connection->handle());
  AuditEntry entry = audit;
  entry.target_id = std::to_string(id);
  insert_audit_row(*connection, entry);
  transaction.commit();
  return InsertOutcome::inserted;
}

void SqliteStore::update_staff(std::int64_t id, const std::string& role, bool disabled, const AuditEntry& audit) {
  auto connection = acquire();
  SqliteTransaction transaction(*connection);
  connection->prepare("UPDATE staff SET role = ?, disabled = ? WHERE id = ?")
      .bind(1, role)
      .bind(2, static_cast<std::int64_t>(disabled))
      .bind(3, id)
      .run();
  // A disabled account's sessions end at once.
  if (disabled) {
    connection->prepare("DELETE FROM sessions WHERE kind = 'staff' AND subject_id = ?").bind(1, id).run();
  }
  insert_audit_row(*connection, audit);
  transaction.commit();
}

void SqliteStore::set_staff_password(std::int64_t id, const std::string& password_hash, const AuditEntry& audit) {
  auto connection = acquire();
  SqliteTransaction transaction(*connection);
  connection->prepare("UPDATE staff SET password_hash = ? WHERE id = ?").bind(1, password_hash).bind(2, id).run();
  connection->prepare("DELETE FROM sessions WHERE kind = 'staff' AND subject_id = ?").bind(1, id).run();
  insert_audit_row(*connection, audit);
  transaction.commit();
}

void SqliteStore::set_account_password(std::int64_t id, const std::string& password_hash, bool must_change,
                                       const AuditEntry* audit) {
  auto connection = acquire();
  SqliteTransaction transaction(*connection);
  connection->prepare("UPDATE accounts SET password_hash = ?, must_change_password = ? WHERE id = ?")
      .bind(1, password_hash)
      .bind(2, static_cast<std::int64_t>(must_change))
      .bind(3, id)
      .run();
  // A reset by staff ends every session of the account; a change by the
  // traveller keeps the session it was made in (the caller opens a new one).
  connection->prepare("DELETE FROM sessions WHERE kind = 'account' AND subject_id = ?").bind(1, id).run();
  if (audit) insert_audit_row(*connection, *audit);
  transaction.commit();
}

std::vector<Account> SqliteStore::search_accounts(const std::string& query, int limit) {
  auto connection = acquire();
  auto statement = connection->prepare(
      "SELECT a.id, a.id_type, a.id_number, a.password_hash, a.language, a.must_change_password, a.created_at, "
      "a.consecutive_no_shows, a.total_no_shows, a.banned_until "
      "FROM accounts a LEFT JOIN profiles p ON p.account_id = a.id "
      "WHERE instr(a.id_number, ?) > 0 OR instr(p.name, ?) > 0 ORDER BY a.id DESC LIMIT ?");
  statement.bind(1, query).bind(2, query).bind(3, static_cast<std::int64_t>(limit));
  std::vector<Account> accounts;
  while (statement.step()) accounts.push_back(read_account(statement));
  return accounts;
}

std::optional<Profile> SqliteStore::find_profile(std::int64_t account_id) {
  auto connection = acquire();
  auto query = connection->prepare("SELECT " + std::string(kProfileColumns) + " FROM profiles WHERE account_id = ?");
  query.bind(1, account_id);
  if (!query.step()) return std::nullopt;
  return read_profile(query);
}

Profile SqliteStore::save_profile(const Profile& profile) {
  auto connection = acquire();
  SqliteTransaction transaction(*connection);
  connection
      ->prepare(
          "INSERT INTO profiles (account_id, name, gender, birth_date, hk_mobile, mainland_mobile, destination_code, "
          "consent, consent_at, status, submitted_at, decided_at, decided_by, reject_reason, reject_note, "
          "approved_json, updated_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULLIF(?, 0), ?, ?, ?, ?, 1) "
          "ON CONFLICT (account_id) DO UPDATE SET name = excluded.name, gender = excluded.gender, "
          "birth_date = excluded.birth_date, hk_mobile = excluded.hk_mobile, "
          "mainland_mobile = excluded.mainland_mobile, destination_code = excluded.destination_code, "
          "consent = excluded.consent, consent_at = excluded.consent_at, status = excluded.status, "
          "submitted_at = excluded.submitted_at, decided_at = excluded.decided_at, "
          "decided_by = excluded.decided_by, reject_reason = excluded.reject_reason, "
          "reject_note = excluded.reject_note, approved_json = excluded.approved_json, "
          "updated_at = excluded.updated_at, version = profiles.version + 1")
      .bind(1, profile.account_id)
      .bind(2, profile.name)
      .bind(3, profile.gender)
      .bind(4, profile.birth_date)
      .bind(5, profile.hk_mobile)
      .bind(6, profile.mainland_mobile)
      .bind(7, profile.destination_code)
      .bind(8, static_cast<std::int64_t>(profile.consent))
      .bind(9, profile.consent_at)
      .bind(10, profile.status)
      .bind(11, profile.submitted_at)
      .bind(12, profile.decided_at)
      .bind(13, profile.decided_by)
      .bind(14, profile.reject_reason)
      .bind(15, profile.reject_note)
      .bind(16, profile.approved_json)
      .bind(17, profile.updated_at)
      .run();
  auto query = connection->prepare("SELECT " + std::string(kProfileColumns) + " FROM profiles WHERE account_id = ?");
  query.bind(1, profile.account_id);
  query.step();
  Profile stored = read_profile(query);
  transaction.commit();
  return stored;
}

DecisionOutcome SqliteStore::decide_profile(const Profile& decided, std::int64_t expected_version,
                                            const AuditEntry& audit) {
  auto connection = acquire();
  SqliteTransaction transaction(*connection);
  // The WHERE clause is the whole concurrency rule: of two reviewers
  // deciding the same submission, only the first finds it pending at the
  // version both saw.
  const int changed = connection
                          ->prepare(
                              "UPDATE profiles SET status = ?, decided_at = ?, decided_by = ?, reject_reason = ?, "
                              "reject_note = ?, approved_json = ?, version = version + 1 "
                              "WHERE account_id = ? AND status = 'pending' AND version = ?")
                          .bind(1, decided.status)
                          .bind(2, decided.decided_at)
                          .bind(3, decided.decided_by)
                          .bind(4, decided.reject_reason)
                          .bind(5, decided.reject_note)
                          .bind(6, decided.approved_json)
                          .bind(7, decided.account_id)
                          .bind(8, expected_version)
                          .run();
  if (changed == 0) return DecisionOutcome::stale;
  insert_audit_row(*connection, audit);
  transaction.commit();
  return DecisionOutcome::decided;
}

std::vector<ReviewItem> SqliteStore::list_pending_reviews(int limit, int offset) {
  auto connection = acquire();
  auto query = connection->prepare(std::string(kReviewSelect) +
                                   "WHERE p.status = 'pending' ORDER BY p.submitted_at, p.account_id LIMIT ? OFFSET ?");
  query.bind(1, static_cast<std::int64_t>(limit)).bind(2, static_cast<std::int64_t>(offset));
  std::vector<ReviewItem> items;
  while (query.step()) items.push_back(read_review(query));
  return items;
}

int SqliteStore::count_pending_reviews() {
  auto connection = acquire();
  auto query = connection->prepare("SELECT COUNT(*) FROM profiles WHERE status = 'pending'");
  query.step();
  return static_cast<int>(query.column_int(0));
}

std::optional<ReviewItem> SqliteStore::find_review(std::int64_t account_id) {
  auto connection = acquire();
  auto query = connection->prepare(std::string(kReviewSelect) + "WHERE p.account_id = ?");
  query.bind(1, account_id);
  if (!query.step()) return std::nullopt;
  return read_review(query);
}

void SqliteStore::append_audit(const AuditEntry& entry) {
  auto connection = acquire();
  insert_audit_row(*connection, entry);
}

std::vector<AuditEntry> SqliteStore::list_audit(const AuditFilter& filter) {
  auto connection = acquire();
  // Each filter is either unset ('' or 0) or must match.
  auto query = connection->prepare(
      "SELECT id, at, COALESCE(staff_id, 0), staff_username, action, target_type, target_id, before_json, after_json "
      "FROM audit_log WHERE (? = '' OR staff_username = ?) AND (? = '' OR action = ?) "
      "AND (? = '' OR target_type = ?) AND (? = '' OR target_id = ?) AND (? = 0 OR at >= ?) AND (? = 0 OR at < ?) "
      "ORDER BY id DESC LIMIT ? OFFSET ?");
  query.bind(1, filter.staff_username).bind(2, filter.staff_username);
  query.bind(3, filter.action).bind(4, filter.action);
  query.bind(5, filter.target_type).bind(6, filter.target_type);
  query.bind(7, filter.target_id).bind(8, filter.target_id);
  query.bind(9, filter.from).bind(10, filter.from);
  query.bind(11, filter.to).bind(12, filter.to);
  query.bind(13, static_cast<std::int64_t>(filter.limit)).bind(14, static_cast<std::int64_t>(filter.offset));
  std::vector<AuditEntry> entries;
  while (query.step()) {
    AuditEntry entry;
    entry.id = query.column_int(0);
    entry.at = query.column_int(1);
    entry.staff_id = query.column_int(2);
    entry.staff_username = query.column_text(3);
    entry.action = query.column_text(4);
    entry.target_type = query.column_text(5);
    entry.target_id = query.column_text(6);
    entry.before_json = query.column_text(7);
    entry.after_json = query.column_text(8);
    entries.push_back(std::move(entry));
  }
  return entries;
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

}  // namespace yizhan::store

#include "store/pg_store.h"

#include <chrono>

#include "store/pg_migrations.h"

namespace yizhan::store {
namespace {

constexpr std::string_view kStaffColumns =
    "id, username, password_hash, role, disabled, language, COALESCE(station_id, 0)";

Staff read_staff(const PgResult& result, int row) {
  Staff staff;
  staff.id = result.integer(row, 0);
  staff.username = result.text(row, 1);
  staff.password_hash = result.text(row, 2);
  staff.role = result.text(row, 3);
  staff.disabled = result.boolean(row, 4);
  staff.language = result.text(row, 5);
  staff.station_id = result.integer(row, 6);
  return staff;
}

constexpr std::string_view kProfileColumns =
    "account_id, name, gender, birth_date, hk_mobile, mainland_mobile, destination_code, consent, consent_at, "
    "status, submitted_at, decided_at, COALESCE(decided_by, 0), reject_reason, reject_note, approved_json, "
    "updated_at, version";

Profile read_profile(const PgResult& result, int row) {
  Profile profile;
  profile.account_id = result.integer(row, 0);
  profile.name = result.text(row, 1);
  profile.gender = result.text(row, 2);
  profile.birth_date = result.text(row, 3);
  profile.hk_mobile = result.text(row, 4);
  profile.mainland_mobile = result.text(row, 5);
  profile.destination_code = result.text(row, 6);
  profile.consent = result.boolean(row, 7);
  profile.consent_at = result.integer(row, 8);
  profile.status = result.text(row, 9);
  profile.submitted_at = result.integer(row, 10);
  profile.decided_at = result.integer(row, 11);
  profile.decided_by = result.integer(row, 12);
  profile.reject_reason = result.text(row, 13);
  profile.reject_note = result.text(row, 14);
  profile.approved_json = result.text(row, 15);
  profile.updated_at = result.integer(row, 16);
  profile.version = result.integer(row, 17);
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

ReviewItem read_review(const PgResult& result, int row) {
  ReviewItem item;
  item.profile = read_profile(result, row);
  item.id_type = result.text(row, 18);
  item.id_number = result.text(row, 19);
  item.same_number_accounts = static_cast<int>(result.integer(row, 20));
  return item;
}

std::string_view kind_name(SessionKind kind) { return kind == SessionKind::staff ? "staff" : "account"; }

// SQLite reads a negative LIMIT as "no limit" and a negative OFFSET as 0;
// PostgreSQL rejects both. NULL is PostgreSQL's "no limit".
PgParam limit_param(int limit) { return limit < 0 ? PgParam(std::nullopt) : PgParam(limit); }
int offset_value(int offset) { return offset < 0 ? 0 : offset; }

const std::string kInsertStaff =
    "INSERT INTO staff (username, password_hash, role, created_at) VALUES ($1, $2, $3, $4) RETURNING id";

}  // namespace

const std::string_view kPgAccountColumns =
    "id, id_type, id_number, password_hash, language, must_change_password, created_at, consecutive_no_shows, "
    "total_no_shows, banned_until";

Account read_pg_account(const PgResult& result, int row) {
  Account account;
  account.id = result.integer(row, 0);
  account.id_type = result.text(row, 1);
  account.id_number = result.text(row, 2);
  account.password_hash = result.text(row, 3);
  account.language = result.text(row, 4);
  account.must_change_password = result.boolean(row, 5);
  account.created_at = result.integer(row, 6);
  account.consecutive_no_shows = static_cast<int>(result.integer(row, 7));
  account.total_no_shows = static_cast<int>(result.integer(row, 8));
  account.banned_until = result.text(row, 9);
  return account;
}

void insert_pg_audit_row(PgConnection& connection, const AuditEntry& entry) {
  connection.query(
      "INSERT INTO audit_log (at, staff_id, staff_username, action, target_type, target_id, before_json, after_json) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
      {entry.at, entry.staff_id ? PgParam(entry.staff_id) : PgParam(std::nullopt), entry.staff_username, entry.action,
       entry.target_type, entry.target_id, entry.before_json, entry.after_json});
}

PgStore::PgStore(const std::string& url) : settings_(parse_pg_url(url)) {
  // Open one connection now so that a bad URL or an unreachable server
  // fails at start, not at the first request.
  std::unique_ptr<PgConnection> first;
  try {
    first = std::make_unique<PgConnection>(settings_.conninfo, settings_.statement_timeout_ms);
  } catch (const StoreError& error) {
    throw StoreError(std::string(error.what()) + " (database " + settings_.display + ")");
  }
  std::lock_guard lock(pool_mutex_);
  open_ = 1;
  idle_.push_back(Idle{std::move(first), generation_});
}

PgStore::~PgStore() = default;

PgStore::Lease PgStore::acquire() {
  std::uint64_t generation = 0;
  {
    std::unique_lock lock(pool_mutex_);
    // A caller waits at most as long as one statement may run: by then a
    // leased connection has normally come back.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(settings_.statement_timeout_ms);
    while (true) {
      while (!idle_.empty()) {
        Idle idle = std::move(idle_.back());
        idle_.pop_back();
        if (idle.generation == generation_ && idle.connection->usable()) {
          return Lease(*this, std::move(idle.connection), idle.generation);
        }
        --open_;  // from before a lost connection: drop it and look again
      }
      if (open_ < settings_.pool_size) break;
      if (pool_freed_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
          open_ >= settings_.pool_size) {
        throw StoreError("timed out waiting for a free PostgreSQL connection (pool of " +
                         std::to_string(settings_.pool_size) + "; raise ?pool= in the database URL)");
      }
    }
    ++open_;
    generation = generation_;
  }
  // Connect outside the lock: it may take up to connect_timeout.
  try {
    return Lease(*this, std::make_unique<PgConnection>(settings_.conninfo, settings_.statement_timeout_ms),
                 generation);
  } catch (...) {
    std::lock_guard lock(pool_mutex_);
    --open_;
    pool_freed_.notify_one();
    throw;
  }
}

void PgStore::release(std::unique_ptr<PgConnection> connection, std::uint64_t generation) {
  if (!connection) return;
  std::lock_guard lock(pool_mutex_);
  if (!connection->usable()) {
    // The server went away or ended this session: the other idle
    // connections are probably dead too.
    if (generation == generation_) ++generation_;
    --open_;
  } else if (generation != generation_) {
    --open_;
  } else {
    idle_.push_back(Idle{std::move(connection), generation});
  }
  pool_freed_.notify_one();
}

int PgStore::migrate() {
  auto connection = acquire();
  // Two servers starting at once both call migrate(): the session-level
  // advisory lock lets one apply the migrations while the other waits and
  // then finds them applied. It ends with the session if the process dies.
  const std::int64_t lock_key = advisory_key("yizhan.migrate");
  connection->query("SELECT pg_advisory_lock($1)", {lock_key});
  struct Unlock {
    PgConnection& connection;
    std::int64_t key;
    ~Unlock() {
      try {
        if (connection.usable()) connection.query("SELECT pg_advisory_unlock($1)", {key});
      } catch (const StoreError&) {
        // The lock ends with the session anyway.
      }
    }
  } unlock{*connection, lock_key};

  connection->execute(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL, "
      "applied_at BIGINT NOT NULL DEFAULT (EXTRACT(EPOCH FROM now())::BIGINT))");
  int version = 0;
  for (const Migration& migration : pg_migrations()) {
    // Each migration and its bookkeeping row commit together, so a crash
    // leaves the schema at one version or the next, never between.
    PgTransaction transaction(*connection);
    const auto applied = connection->query("SELECT 1 FROM schema_migrations WHERE version = $1", {migration.version});
    if (applied.empty()) {
      connection->execute(std::string(migration.sql));
      connection->query("INSERT INTO schema_migrations (version, description) VALUES ($1, $2)",
                        {migration.version, migration.description});
    }
    transaction.commit();
    version = migration.version;
  }
  return version;
}

int PgStore::schema_version() {
  auto connection = acquire();
  if (connection->query("SELECT to_regclass('schema_migrations') IS NOT NULL").boolean(0, 0) == false) return 0;
  return static_cast<int>(connection->query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").integer(0, 0));
}

bool PgStore::ping() {
  try {
    auto connection = acquire();
    return connection->query("SELECT 1").rows() == 1;
  } catch (const StoreError&) {
    return false;
  }
}

InsertOutcome PgStore::insert_account(const NewAccount& account, std::int64_t& id) {
  auto connection = acquire();
  const auto inserted = connection->query(
      "INSERT INTO accounts (id_type, id_number, password_hash, language, consent_text, consent_at, created_at) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
      {account.id_type, account.id_number, account.password_hash, account.language, account.consent_text,
       account.consent_at, account.created_at});
  if (inserted.unique_violation()) return InsertOutcome::duplicate;
  id = inserted.integer(0, 0);
  return InsertOutcome::inserted;
}

std::optional<Account> PgStore::find_account(const std::string& id_type, const std::string& id_number) {
  auto connection = acquire();
  const auto found = connection->query(
      "SELECT " + std::string(kPgAccountColumns) + " FROM accounts WHERE id_type = $1 AND id_number = $2",
      {id_type, id_number});
  if (found.empty()) return std::nullopt;
  return read_pg_account(found, 0);
}

std::optional<Account> PgStore::find_account_by_id(std::int64_t id) {
  auto connection = acquire();
  const auto found =
      connection->query("SELECT " + std::string(kPgAccountColumns) + " FROM accounts WHERE id = $1", {id});
  if (found.empty()) return std::nullopt;
  return read_pg_account(found, 0);
}

void PgStore::set_account_language(std::int64_t id, const std::string& language) {
  auto connection = acquire();
  connection->query("UPDATE accounts SET language = $1 WHERE id = $2", {language, id});
}

InsertOutcome PgStore::insert_staff(const NewStaff& staff, std::int64_t& id) {
  auto connection = acquire();
  const auto inserted =
      connection->query(kInsertStaff, {staff.username, staff.password_hash, staff.role, staff.created_at});
  if (inserted.unique_violation()) return InsertOutcome::duplicate;
  id = inserted.integer(0, 0);
  return InsertOutcome::inserted;
}

std::optional<Staff> PgStore::find_staff(const std::string& username) {
  auto connection = acquire();
  const auto found =
      connection->query("SELECT " + std::string(kStaffColumns) + " FROM staff WHERE username = $1", {username});
  if (found.empty()) return std::nullopt;
  return read_staff(found, 0);
}

std::optional<Staff> PgStore::find_staff_by_id(std::int64_t id) {
  auto connection = acquire();
  const auto found = connection->query("SELECT " + std::string(kStaffColumns) + " FROM staff WHERE id = $1", {id});
  if (found.empty()) return std::nullopt;
  return read_staff(found, 0);
}

void PgStore::set_staff_language(std::int64_t id, const std::string& language) {
  auto connection = acquire();
  connection->query("UPDATE staff SET language = $1 WHERE id = $2", {language, id});
}

void PgStore::insert_session(const Session& session) {
  auto connection = acquire();
  // A duplicate digest is ignored, as in the SQLite store.
  connection->query(
      "INSERT INTO sessions (token_digest, kind, subject_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
      {session.token_digest, kind_name(session.kind), session.subject_id, session.created_at, session.expires_at});
}

std::optional<Session> PgStore::find_session(const std::string& token_digest, std::int64_t now) {
  auto connection = acquire();
  const auto found = connection->query(
      "SELECT kind, subject_id, created_at, expires_at FROM sessions WHERE token_digest = $1 AND expires_at > $2",
      {token_digest, now});
  if (found.empty()) return std::nullopt;
  Session session;
  session.token_digest = token_digest;
  session.kind = found.text(0, 0) == "staff" ? SessionKind::staff : SessionKind::account;
  session.subject_id = found.integer(0, 1);
  session.created_at = found.integer(0, 2);
  session.expires_at = found.integer(0, 3);
  return session;
}

std::optional<Account> PgStore::find_session_account(const std::string& token_digest, std::int64_t now) {
  auto connection = acquire();
  const auto found = connection->query(
      "SELECT " + std::string(kPgAccountColumns) +
          " FROM accounts WHERE id = (SELECT subject_id FROM sessions WHERE token_digest = $1 AND expires_at > $2 "
          "AND kind = 'account')",
      {token_digest, now});
  if (found.empty()) return std::nullopt;
  return read_pg_account(found, 0);
}

void PgStore::delete_session(const std::string& token_digest) {
  auto connection = acquire();
  connection->query("DELETE FROM sessions WHERE token_digest = $1", {token_digest});
}

int PgStore::delete_expired_sessions(std::int64_t now) {
  auto connection = acquire();
  return connection->query("DELETE FROM sessions WHERE expires_at <= $1", {now}).affected();
}

void PgStore::insert_captcha(const std::string& id, const std::string& answer_digest, std::int64_t expires_at) {
  auto connection = acquire();
  connection->query("INSERT INTO captchas (id, answer_digest, expires_at) VALUES ($1, $2, $3)",
                    {id, answer_digest, expires_at});
}

std::optional<std::string> PgStore::consume_captcha(const std::string& id, std::int64_t now) {
  auto connection = acquire();
  // One statement marks the captcha used and returns it. Of two requests
  // racing with the same captcha the second waits for the first's row lock,
  // re-reads the row as used and gets nothing.
  const auto consumed = connection->query(
      "UPDATE captchas SET used = TRUE WHERE id = $1 AND NOT used AND expires_at > $2 RETURNING answer_digest",
      {id, now});
  if (consumed.empty()) return std::nullopt;
  return consumed.text(0, 0);
}

int PgStore::delete_expired_captchas(std::int64_t now) {
  auto connection = acquire();
  return connection->query("DELETE FROM captchas WHERE expires_at <= $1", {now}).affected();
}

std::vector<Staff> PgStore::list_staff() {
  auto connection = acquire();
  // COLLATE "C": byte order, as SQLite's default BINARY collation sorts.
  const auto found =
      connection->query("SELECT " + std::string(kStaffColumns) + " FROM staff ORDER BY username COLLATE \"C\"");
  std::vector<Staff> staff;
  for (int row = 0; row < found.rows(); ++row) staff.push_back(read_staff(found, row));
  return staff;
}

InsertOutcome PgStore::insert_staff_audited(const NewStaff& staff, std::int64_t& id, const AuditEntry& audit) {
  auto connection = acquire();
  PgTransaction transaction(*connection);
  const auto inserted =
      connection->query(kInsertStaff, {staff.username, staff.password_hash, staff.role, staff.created_at});
  if (inserted.unique_violation()) return InsertOutcome::duplicate;
  id = inserted.integer(0, 0);
  AuditEntry entry = audit;
  entry.target_id = std::to_string(id);
  insert_pg_audit_row(*connection, entry);
  transaction.commit();
  return InsertOutcome::inserted;
}

void PgStore::update_staff(std::int64_t id, const std::string& role, bool disabled, const AuditEntry& audit) {
  auto connection = acquire();
  PgTransaction transaction(*connection);
  connection->query("UPDATE staff SET role = $1, disabled = $2 WHERE id = $3", {role, disabled, id});
  // A disabled account's sessions end at once.
  if (disabled) connection->query("DELETE FROM sessions WHERE kind = 'staff' AND subject_id = $1", {id});
  insert_pg_audit_row(*connection, audit);
  transaction.commit();
}

void PgStore::set_staff_password(std::int64_t id, const std::string& password_hash, const AuditEntry& audit) {
  auto connection = acquire();
  PgTransaction transaction(*connection);
  connection->query("UPDATE staff SET password_hash = $1 WHERE id = $2", {password_hash, id});
  connection->query("DELETE FROM sessions WHERE kind = 'staff' AND subject_id = $1", {id});
  insert_pg_audit_row(*connection, audit);
  transaction.commit();
}

void PgStore::set_account_password(std::int64_t id, const std::string& password_hash, bool must_change,
                                   const AuditEntry* audit) {
  auto connection = acquire();
  PgTransaction transaction(*connection);
  connection->query("UPDATE accounts SET password_hash = $1, must_change_password = $2 WHERE id = $3",
                    {password_hash, must_change, id});
  // A reset by staff ends every session of the account; a change by the
  // traveller keeps the session it was made in (the caller opens a new one).
  connection->query("DELETE FROM sessions WHERE kind = 'account' AND subject_id = $1", {id});
  if (audit) insert_pg_audit_row(*connection, *audit);
  transaction.commit();
}

std::vector<Account> PgStore::search_accounts(const std::string& query, int limit) {
  auto connection = acquire();
  // strpos, like SQLite's instr, matches literally (no LIKE wildcards) and
  // finds "" at position 1.
  const auto found = connection->query(
      "SELECT a.id, a.id_type, a.id_number, a.password_hash, a.language, a.must_change_password, a.created_at, "
      "a.consecutive_no_shows, a.total_no_shows, a.banned_until "
      "FROM accounts a LEFT JOIN profiles p ON p.account_id = a.id "
      "WHERE strpos(a.id_number, $1) > 0 OR strpos(p.name, $1) > 0 ORDER BY a.id DESC LIMIT $2",
      {query, limit_param(limit)});
  std::vector<Account> accounts;
  for (int row = 0; row < found.rows(); ++row) accounts.push_back(read_pg_account(found, row));
  return accounts;
}

std::optional<Profile> PgStore::find_profile(std::int64_t account_id) {
  auto connection = acquire();
  const auto found = connection->query(
      "SELECT " + std::string(kProfileColumns) + " FROM profiles WHERE account_id = $1", {account_id});
  if (found.empty()) return std::nullopt;
  return read_profile(found, 0);
}

Profile PgStore::save_profile(const Profile& profile) {
  auto connection = acquire();
  const auto stored = connection->query(
      "INSERT INTO profiles (account_id, name, gender, birth_date, hk_mobile, mainland_mobile, destination_code, "
      "consent, consent_at, status, submitted_at, decided_at, decided_by, reject_reason, reject_note, "
      "approved_json, updated_at, version) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, NULLIF($13::BIGINT, 0), $14, $15, $16, $17, 1) "
      "ON CONFLICT (account_id) DO UPDATE SET name = excluded.name, gender = excluded.gender, "
      "birth_date = excluded.birth_date, hk_mobile = excluded.hk_mobile, "
      "mainland_mobile = excluded.mainland_mobile, destination_code = excluded.destination_code, "
      "consent = excluded.consent, consent_at = excluded.consent_at, status = excluded.status, "
      "submitted_at = excluded.submitted_at, decided_at = excluded.decided_at, "
      "decided_by = excluded.decided_by, reject_reason = excluded.reject_reason, "
      "reject_note = excluded.reject_note, approved_json = excluded.approved_json, "
      "updated_at = excluded.updated_at, version = profiles.version + 1 RETURNING " +
          std::string(kProfileColumns),
      {profile.account_id, profile.name, profile.gender, profile.birth_date, profile.hk_mobile,
       profile.mainland_mobile, profile.destination_code, profile.consent, profile.consent_at, profile.status,
       profile.submitted_at, profile.decided_at, profile.decided_by, profile.reject_reason, profile.reject_note,
       profile.approved_json, profile.updated_at});
  return read_profile(stored, 0);
}

DecisionOutcome PgStore::decide_profile(const Profile& decided, std::int64_t expected_version,
                                        const AuditEntry& audit) {
  auto connection = acquire();
  PgTransaction transaction(*connection);
  // The WHERE clause is the whole concurrency rule: of two reviewers
  // deciding the same submission, the second waits for the first's row
  // lock, re-reads the row at its new version and changes nothing.
  const int changed = connection
                          ->query(
                              "UPDATE profiles SET status = $1, decided_at = $2, decided_by = $3, reject_reason = $4, "
                              "reject_note = $5, approved_json = $6, version = version + 1 "
                              "WHERE account_id = $7 AND status = 'pending' AND version = $8",
                              {decided.status, decided.decided_at, decided.decided_by, decided.reject_reason,
                               decided.reject_note, decided.approved_json, decided.account_id, expected_version})
                          .affected();
  if (changed == 0) return DecisionOutcome::stale;
  insert_pg_audit_row(*connection, audit);
  transaction.commit();
  return DecisionOutcome::decided;
}

std::vector<ReviewItem> PgStore::list_pending_reviews(int limit, int offset) {
  auto connection = acquire();
  const auto found = connection->query(
      std::string(kReviewSelect) +
          "WHERE p.status = 'pending' ORDER BY p.submitted_at, p.account_id LIMIT $1 OFFSET $2",
      {limit_param(limit), offset_value(offset)});
  std::vector<ReviewItem> items;
  for (int row = 0; row < found.rows(); ++row) items.push_back(read_review(found, row));
  return items;
}

int PgStore::count_pending_reviews() {
  auto connection = acquire();
  return static_cast<int>(connection->query("SELECT COUNT(*) FROM profiles WHERE status = 'pending'").integer(0, 0));
}

std::optional<ReviewItem> PgStore::find_review(std::int64_t account_id) {
  auto connection = acquire();
  const auto found = connection->query(std::string(kReviewSelect) + "WHERE p.account_id = $1", {account_id});
  if (found.empty()) return std::nullopt;
  return read_review(found, 0);
}

void PgStore::append_audit(const AuditEntry& entry) {
  auto connection = acquire();
  insert_pg_audit_row(*connection, entry);
}

std::vector<AuditEntry> PgStore::list_audit(const AuditFilter& filter) {
  auto connection = acquire();
  // Each filter is either unset ('' or 0) or must match.
  const auto found = connection->query(
      "SELECT id, at, COALESCE(staff_id, 0), staff_username, action, target_type, target_id, before_json, after_json "
      "FROM audit_log WHERE ($1::TEXT = '' OR staff_username = $1) AND ($2::TEXT = '' OR action = $2) "
      "AND ($3::TEXT = '' OR target_type = $3) AND ($4::TEXT = '' OR target_id = $4) "
      "AND ($5::BIGINT = 0 OR at >= $5) AND ($6::BIGINT = 0 OR at < $6) "
      "ORDER BY id DESC LIMIT $7 OFFSET $8",
      {filter.staff_username, filter.action, filter.target_type, filter.target_id, filter.from, filter.to,
       limit_param(filter.limit), offset_value(filter.offset)});
  std::vector<AuditEntry> entries;
  for (int row = 0; row < found.rows(); ++row) {
    AuditEntry entry;
    entry.id = found.integer(row, 0);
    entry.at = found.integer(row, 1);
    entry.staff_id = found.integer(row, 2);
    entry.staff_username = found.text(row, 3);
    entry.action = found.text(row, 4);
    entry.target_type = found.text(row, 5);
    entry.target_id = found.text(row, 6);
    entry.before_json = found.text(row, 7);
    entry.after_json = found.text(row, 8);
    entries.push_back(std::move(entry));
  }
  return entries;
}

LoginThrottle PgStore::find_login_throttle(const std::string& key) {
  auto connection = acquire();
  const auto found = connection->query("SELECT failures, locked_until FROM login_throttles WHERE identity = $1", {key});
  if (found.empty()) return {};
  return LoginThrottle{static_cast<int>(found.integer(0, 0)), found.integer(0, 1)};
}

LoginThrottle PgStore::record_login_failure(const std::string& key, std::int64_t now, int max_failures,
                                            std::int64_t lock_seconds) {
  auto connection = acquire();
  // One upsert counts the failure and locks at the limit. Concurrent
  // failures for one identity queue on the row lock and each counts once,
  // so several servers cannot lose a failure between a read and a write.
  const auto state = connection->query(
      "INSERT INTO login_throttles AS t (identity, failures, locked_until) "
      "VALUES ($1, CASE WHEN 1 >= $3::INTEGER THEN 0 ELSE 1 END, "
      "CASE WHEN 1 >= $3::INTEGER THEN $2::BIGINT + $4::BIGINT ELSE 0 END) "
      "ON CONFLICT (identity) DO UPDATE SET "
      "failures = CASE WHEN t.failures + 1 >= $3::INTEGER THEN 0 ELSE t.failures + 1 END, "
      "locked_until = CASE WHEN t.failures + 1 >= $3::INTEGER THEN $2::BIGINT + $4::BIGINT ELSE t.locked_until END "
      "RETURNING failures, locked_until",
      {key, now, max_failures, lock_seconds});
  return LoginThrottle{static_cast<int>(state.integer(0, 0)), state.integer(0, 1)};
}

void PgStore::clear_login_failures(const std::string& key) {
  auto connection = acquire();
  connection->query("DELETE FROM login_throttles WHERE identity = $1", {key});
}

}  // namespace yizhan::store

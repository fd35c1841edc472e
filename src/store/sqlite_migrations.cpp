#include "store/sqlite_migrations.h"

namespace yizhan::store {

const std::vector<Migration>& sqlite_migrations() {
  static const std::vector<Migration> migrations = {
      {1, "accounts, staff, sessions, captchas, login throttles", R"SQL(
CREATE TABLE accounts (
  id INTEGER PRIMARY KEY,
  id_type TEXT NOT NULL,
  id_number TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  language TEXT NOT NULL,
  consent_text TEXT NOT NULL,
  consent_at INTEGER NOT NULL,
  must_change_password INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  UNIQUE (id_type, id_number)
);

CREATE TABLE staff (
  id INTEGER PRIMARY KEY,
  username TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('admin', 'reviewer', 'operator', 'port_officer', 'station_staff')),
  disabled INTEGER NOT NULL DEFAULT 0,
  language TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL
);

CREATE TABLE sessions (
  token_digest TEXT PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('account', 'staff')),
  subject_id INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expires_at);

CREATE TABLE captchas (
  id TEXT PRIMARY KEY,
  answer_digest TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  used INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX captchas_expiry ON captchas (expires_at);

CREATE TABLE login_throttles (
  identity TEXT PRIMARY KEY,
  failures INTEGER NOT NULL,
  locked_until INTEGER NOT NULL DEFAULT 0
);
)SQL"},
      {2, "personal information, review decisions, audit log", R"SQL(
CREATE TABLE profiles (
  account_id INTEGER PRIMARY KEY REFERENCES accounts (id),
  name TEXT NOT NULL DEFAULT '',
  gender TEXT NOT NULL DEFAULT '',
  birth_date TEXT NOT NULL DEFAULT '',
  hk_mobile TEXT NOT NULL DEFAULT '',
  mainland_mobile TEXT NOT NULL DEFAULT '',
  destination_code TEXT NOT NULL DEFAULT '',
  consent INTEGER NOT NULL DEFAULT 0,
  consent_at INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL CHECK (status IN ('draft', 'pending', 'approved', 'rejected')),
  submitted_at INTEGER NOT NULL DEFAULT 0,
  decided_at INTEGER NOT NULL DEFAULT 0,
  decided_by INTEGER REFERENCES staff (id),
  reject_reason TEXT NOT NULL DEFAULT '',
  reject_note TEXT NOT NULL DEFAULT '',
  approved_json TEXT NOT NULL DEFAULT '',
  updated_at INTEGER NOT NULL,
  version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX profiles_review_queue ON profiles (status, submitted_at, account_id);

CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  staff_id INTEGER,
  staff_username TEXT NOT NULL,
  action TEXT NOT NULL,
  target_type TEXT NOT NULL,
  target_id TEXT NOT NULL,
  before_json TEXT NOT NULL DEFAULT '',
  after_json TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log (at);
-- The audit log is append-only: no row may change or disappear.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
)SQL"},
  };
  return migrations;
}

}  // namespace yizhan::store

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
  };
  return migrations;
}

}  // namespace yizhan::store

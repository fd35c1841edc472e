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
      {3, "stations, daily quotas, bookings", R"SQL(
CREATE TABLE stations (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  address TEXT NOT NULL DEFAULT '',
  district TEXT NOT NULL DEFAULT '',
  rooms INTEGER NOT NULL DEFAULT 0 CHECK (rooms >= 0),
  active INTEGER NOT NULL DEFAULT 1
);
-- A fresh database has one station, so quotas can be set at once.
INSERT INTO stations (name) VALUES ('Default station');

-- The rooms of one station offered on one date. `booked` counts confirmed
-- bookings (entered and no-show ones too: the room was taken) and can never
-- exceed `quota`: the CHECK is the last line of defence against overselling.
CREATE TABLE day_quotas (
  date TEXT NOT NULL,
  station_id INTEGER NOT NULL REFERENCES stations (id),
  quota INTEGER NOT NULL CHECK (quota >= 0),
  booked INTEGER NOT NULL DEFAULT 0 CHECK (booked >= 0 AND booked <= quota),
  PRIMARY KEY (date, station_id)
);

-- The last booking sequence handed out per date; never reused.
CREATE TABLE day_sequences (
  date TEXT PRIMARY KEY,
  last_sequence INTEGER NOT NULL CHECK (last_sequence BETWEEN 1 AND 9999)
);

CREATE TABLE bookings (
  id INTEGER PRIMARY KEY,
  booking_number TEXT NOT NULL UNIQUE,
  date TEXT NOT NULL,
  sequence INTEGER NOT NULL,
  account_id INTEGER NOT NULL REFERENCES accounts (id),
  station_id INTEGER NOT NULL REFERENCES stations (id),
  status TEXT NOT NULL CHECK (status IN ('confirmed', 'cancelled', 'entered', 'no_show')),
  created_at INTEGER NOT NULL,
  cancelled_at INTEGER NOT NULL DEFAULT 0,
  idempotency_key TEXT NOT NULL DEFAULT '',
  name TEXT NOT NULL,
  id_type TEXT NOT NULL,
  id_number TEXT NOT NULL,
  destination_code TEXT NOT NULL,
  UNIQUE (date, sequence)
);
CREATE UNIQUE INDEX bookings_idempotency ON bookings (account_id, idempotency_key) WHERE idempotency_key <> '';
CREATE INDEX bookings_account ON bookings (account_id, date);
CREATE INDEX bookings_identity ON bookings (id_type, id_number, status, date);
CREATE INDEX bookings_date ON bookings (date, status);
)SQL"},
      {4, "port entries, station check-ins, no-shows and bans, co-residents", R"SQL(
-- Port entry (recorded once) and station check-in of a booking.
ALTER TABLE bookings ADD COLUMN entered_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE bookings ADD COLUMN entered_by INTEGER REFERENCES staff (id);
ALTER TABLE bookings ADD COLUMN checked_in_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE bookings ADD COLUMN room_number TEXT NOT NULL DEFAULT '';
ALTER TABLE bookings ADD COLUMN group_size INTEGER NOT NULL DEFAULT 1;

-- Station staff see the arrivals of one station.
ALTER TABLE staff ADD COLUMN station_id INTEGER REFERENCES stations (id);

-- No-shows: consecutive ones lead to a ban; an entry resets the count.
-- banned_until is the first date on which booking is possible again.
ALTER TABLE accounts ADD COLUMN consecutive_no_shows INTEGER NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN total_no_shows INTEGER NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN banned_until TEXT NOT NULL DEFAULT '';

-- Days whose no-shows were marked; closing a day twice changes nothing.
CREATE TABLE closed_days (
  date TEXT PRIMARY KEY,
  closed_at INTEGER NOT NULL,
  no_shows INTEGER NOT NULL
);

-- Direct relatives who share the traveller's room, reviewed like the
-- traveller's own information.
CREATE TABLE co_residents (
  id INTEGER PRIMARY KEY,
  account_id INTEGER NOT NULL REFERENCES accounts (id),
  name TEXT NOT NULL,
  relation TEXT NOT NULL,
  id_type TEXT NOT NULL,
  id_number TEXT NOT NULL,
  birth_date TEXT NOT NULL,
  gender TEXT NOT NULL,
  care_reason TEXT NOT NULL DEFAULT '',
  care_note TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
  reject_reason TEXT NOT NULL DEFAULT '',
  reject_note TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (account_id, id_type, id_number)
);

-- Everyone a booking covers, as at booking time: position 0 is the
-- applicant, then the co-residents.
CREATE TABLE booking_members (
  booking_id INTEGER NOT NULL REFERENCES bookings (id),
  position INTEGER NOT NULL,
  name TEXT NOT NULL,
  relation TEXT NOT NULL DEFAULT '',
  id_type TEXT NOT NULL,
  id_number TEXT NOT NULL,
  birth_date TEXT NOT NULL DEFAULT '',
  gender TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (booking_id, position)
);
CREATE INDEX booking_members_identity ON booking_members (id_type, id_number);
)SQL"},
  };
  return migrations;
}

}  // namespace yizhan::store

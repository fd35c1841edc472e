// Config: every setting of a yizhan server, with the documented defaults.
// Read from a `key = value` file (`--config`) and then overridden by command
// line flags; docs/configuration.md lists each key.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "domain/booking_rules.h"
#include "domain/no_show_rules.h"

namespace yizhan::service {

struct Config {
  std::vector<std::string> listen = {"127.0.0.1:8080"};
  std::string db = "var/yizhan.db";
  // Ed25519 keys that sign confirmation slips; "" means the directory
  // slip-keys next to the SQLite file (var/slip-keys for the default db).
  std::string slip_key_dir;
  std::string share_dir = YIZHAN_SHARE_DIR;
  std::string divisions_file = YIZHAN_DIVISIONS_FILE;  // generated at build time
  std::string zone = "Asia/Shanghai";
  std::string support_email = "support@example.org";
  std::string default_language = "zh-Hant";
  std::string log_level = "info";
  bool test_mode = false;

  // HTTP connections.
  int io_threads = 0;      // 0: one per core
  int worker_threads = 0;  // 0: 16 per core; runs handlers, store and hashing
  int read_timeout_seconds = 30;
  int write_timeout_seconds = 30;
  std::uint64_t body_limit_bytes = 64 * 1024;
  // Requests waiting for a worker beyond which new ones get 503 at once.
  int max_waiting_requests = 4096;
  // Booking attempts decided in one store transaction at most.
  int booking_batch_limit = 512;

  // Sessions and sign-in protection.
  int session_lifetime_minutes = 12 * 60;
  int staff_session_lifetime_minutes = 8 * 60;
  int lockout_failures = 5;        // consecutive failures before a lock
  int lockout_minutes = 15;        // how long the lock lasts
  int captcha_lifetime_seconds = 120;

  // Reverse proxies whose X-Forwarded-For header is believed: addresses
  // or networks ("127.0.0.1", "10.0.0.0/8"). Empty: the client address is
  // the connection's, and the header is ignored.
  std::vector<std::string> trusted_proxies;

  // Per client address, requests per minute.
  int login_rate_per_minute = 30;
  int register_rate_per_minute = 10;
  int captcha_rate_per_minute = 60;
  // Booking requests per client address, generous because many travellers
  // may share one address. Per account, a person books once, so only a
  // script retrying in a loop reaches the limit and gets 429.
  int booking_rate_per_minute = 600;
  int booking_account_rate_per_minute = 20;

  // Waiting room in front of the booking path: admissions per second, 0
  // to turn it off. `waiting_room_burst` admissions may pass at once after
  // a quiet spell; 0 means the rate (at least 1). An admitted account may
  // book for `waiting_room_admitted_minutes`, then queues again.
  int waiting_room_admit_per_second = 0;
  int waiting_room_burst = 0;
  int waiting_room_admitted_minutes = 10;
  int waiting_room_abandoned_seconds = 60;

  // Booking policy. Times are local "HH:MM" in `zone`.
  std::string booking_opens_at = "10:00";
  std::string booking_closes_at = "20:00";
  int booking_window_days = 7;  // today and the next 6 days
  int cancel_days_before = 2;   // cancel on D-2 at the latest

  // No-shows: `no_show_limit` consecutive ones bar booking for `ban_days`
  // days from the last one's date. Past days are closed every day at
  // `close_days_at` (local "HH:MM"). "off" turns that job off. Empty means
  // 00:05, or off in test mode because tests move the clock.
  int no_show_limit = 2;
  int ban_days = 14;
  std::string close_days_at;

  // Argon2id cost (OWASP password storage guidance: 19 MiB, 2 passes, 1 lane).
  std::uint64_t password_memory_kib = 19 * 1024;
  std::uint64_t password_passes = 2;
};

// Seconds since midnight for "HH:MM" (00:00 to 24:00), or -1.
int parse_time_of_day(const std::string& text);

domain::BookingPolicy booking_policy(const Config& config);
domain::NoShowPolicy no_show_policy(const Config& config);
// Seconds after local midnight at which the server closes past days, or -1
// when the job is off (see Config::close_days_at).
int close_days_time(const Config& config);

// The slip key directory: `slip_key_dir`, or slip-keys beside the SQLite file.
std::string slip_key_directory(const Config& config);

// Apply `key = value` lines ('#' starts a comment) from `path` onto `config`.
// Throws std::runtime_error naming the file, line and key on any bad line.
void load_config_file(const std::string& path, Config& config);

// Apply one setting; returns false when the key is unknown. Throws
// std::invalid_argument when the value does not parse.
bool apply_config_value(Config& config, const std::string& key, const std::string& value);

}  // namespace yizhan::service

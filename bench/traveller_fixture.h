// TravellerFixture: the data of the rush, login and crash benchmarks. Many
// approved travellers, each with a live session and an unused captcha,
// written in bulk.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace yizhan::bench {

// The credentials of one traveller's client at 10:00: a session cookie and
// a solved captcha.
struct Traveller {
  std::string id_number;  // a Home Return Permit number, H2 and 7 digits
  std::string session_token;
  std::string captcha_id;
  std::string captcha_answer;
};

// Inserts `count` travellers into the migrated SQLite database at
// `db_path`. Each gets an account (Home Return Permit H2xxxxxxx), an
// approved profile, a session and a captcha. Sessions and captchas are
// valid from `now` - 1 day to `now` + 2 days (Unix seconds).
//
// With `password_hashes` empty, every account gets a fixed dummy hash that
// no password matches, for benchmarks that do not sign in. One hash is
// shared by every account, and `count` hashes go one to each traveller.
// Any other number throws std::invalid_argument.
//
// It writes with SQL in one transaction rather than through store::Store,
// whose every call is its own synchronous commit: four commits per
// traveller take minutes for 50,000 travellers. The SQL therefore follows
// the schema of the SQLite migrations and must change with them. Throws
// std::runtime_error naming the failing statement.
std::vector<Traveller> insert_travellers(const std::string& db_path, int count, std::int64_t now,
                                         const std::vector<std::string>& password_hashes = {});

// Gives each traveller in `travellers` a new captcha valid until
// `expires_at` (Unix seconds), inserted into the SQLite database at
// `db_path` in one transaction, because each captcha works once. Throws
// std::runtime_error naming the failing statement.
void renew_captchas(const std::string& db_path, const std::vector<Traveller*>& travellers, std::int64_t expires_at);

// Inserts `count` travellers, as insert_travellers does, and a quota of
// `quota` rooms on `quota_date` at the first station, into the migrated
// PostgreSQL database named by `url`, in one transaction with COPY. The
// rows follow the schema of the PostgreSQL migrations and must change with
// them. Throws std::runtime_error naming the failing step.
std::vector<Traveller> insert_travellers_postgres(const std::string& url, int count, std::int64_t now,
                                                  const std::string& quota_date, int quota);

// The bytes of the traveller's POST /api/v1/bookings for `date` to
// 127.0.0.1:port: its session cookie, and its captcha with the solution.
std::string booking_request(unsigned short port, const std::string& date, const Traveller& traveller);

}  // namespace yizhan::bench

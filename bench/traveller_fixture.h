// TravellerFixture: the rush benchmark's data. Many approved travellers,
// each with a live session and an unused captcha, written in bulk.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace yizhan::bench {

// The credentials of one traveller's client at 10:00: a session cookie and
// a solved captcha.
struct Traveller {
  std::string session_token;
  std::string captcha_id;
  std::string captcha_answer;
};

// Inserts `count` travellers into the migrated SQLite database at
// `db_path`. Each gets an account (Home Return Permit H2xxxxxxx with a
// fixed dummy password hash, since sign-in is not measured), an approved
// profile, a session and a captcha. Sessions and captchas are valid from
// `now` - 1 day to `now` + 2 days (Unix seconds).
//
// It writes with SQL in one transaction rather than through store::Store,
// whose every call is its own synchronous commit: four commits per
// traveller take minutes for 50,000 travellers. The SQL therefore follows
// the schema of the SQLite migrations and must change with them. Throws
// std::runtime_error naming the failing statement.
std::vector<Traveller> insert_travellers(const std::string& db_path, int count, std::int64_t now);

}  // namespace yizhan::bench

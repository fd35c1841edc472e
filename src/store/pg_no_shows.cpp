// PgStore: closing days, no-shows and bans.
#include <algorithm>
#include <map>

#include "domain/no_show_rules.h"
#include "store/pg_store.h"

namespace yizhan::store {
namespace {

// Count `no_shows` more no-shows on one account, banning it when its
// consecutive count reaches the limit. Returns whether it was banned.
bool count_account_no_shows(PgConnection& connection, std::int64_t account_id, int no_shows, const std::string& date,
                            const domain::NoShowPolicy& policy) {
  // FOR UPDATE: a port entry resetting the count at the same moment waits
  // for this transaction, or this one reads the reset.
  const auto current = connection.query(
      "SELECT consecutive_no_shows, banned_until FROM accounts WHERE id = $1 FOR UPDATE", {account_id});
  if (current.empty()) throw StoreError("booking refers to missing account " + std::to_string(account_id));
  int consecutive = static_cast<int>(current.integer(0, 0));
  std::string banned_until = current.text(0, 1);

  bool banned = false;
  for (int i = 0; i < no_shows; ++i) {
    const auto step = domain::count_no_show(consecutive, policy);
    consecutive = step.consecutive;
    if (!step.banned) continue;
    banned = true;
    const auto end = domain::ban_end(date, policy);
    if (!end) throw StoreError("cannot compute the ban end for no-show date " + date);
    // A ban never shortens one that is already running.
    banned_until = std::max(banned_until, *end);
  }

  connection.query(
      "UPDATE accounts SET consecutive_no_shows = $1, total_no_shows = total_no_shows + $2, banned_until = $3 "
      "WHERE id = $4",
      {consecutive, no_shows, banned_until, account_id});
  return banned;
}

}  // namespace

CloseDayOutcome PgStore::close_day(const std::string& date, std::int64_t now, int no_show_limit, int ban_days) {
  const domain::NoShowPolicy policy{no_show_limit, ban_days};
  if (domain::check_no_show_policy(policy)) throw StoreError("close_day needs a no-show limit and ban days of at least 1");

  auto connection = acquire();
  PgTransaction transaction(*connection);
  CloseDayOutcome outcome;
  // Every server runs the scheduled close. The advisory lock makes a second
  // closer of the same date wait for the first to commit; READ COMMITTED
  // then shows it the closed_days row.
  connection->query("SELECT pg_advisory_xact_lock($1)", {advisory_key("yizhan.close_day:" + date)});
  if (!connection->query("SELECT 1 FROM closed_days WHERE date = $1", {date}).empty()) {
    outcome.already_closed = true;
    return outcome;
  }

  // Confirmed bookings without an entry; cancelled and entered ones keep their status.
  const auto marked = connection->query(
      "UPDATE bookings SET status = 'no_show' WHERE date = $1 AND status = 'confirmed' AND entered_at = 0 "
      "RETURNING account_id",
      {date});
  std::map<std::int64_t, int> no_shows_per_account;  // ordered, so accounts are locked in id order
  for (int row = 0; row < marked.rows(); ++row) {
    ++no_shows_per_account[marked.integer(row, 0)];
    ++outcome.no_shows;
  }

  for (const auto& [account_id, no_shows] : no_shows_per_account) {
    if (count_account_no_shows(*connection, account_id, no_shows, date, policy)) ++outcome.bans;
  }

  connection->query("INSERT INTO closed_days (date, closed_at, no_shows) VALUES ($1, $2, $3)",
                    {date, now, outcome.no_shows});
  transaction.commit();
  return outcome;
}

bool PgStore::is_day_closed(const std::string& date) {
  auto connection = acquire();
  return !connection->query("SELECT 1 FROM closed_days WHERE date = $1", {date}).empty();
}

std::vector<Account> PgStore::list_banned(const std::string& today) {
  auto connection = acquire();
  const auto found = connection->query("SELECT " + std::string(kPgAccountColumns) +
                                           " FROM accounts WHERE banned_until > $1 "
                                           "ORDER BY banned_until COLLATE \"C\", id",
                                       {today});
  std::vector<Account> accounts;
  for (int row = 0; row < found.rows(); ++row) accounts.push_back(read_pg_account(found, row));
  return accounts;
}

bool PgStore::lift_ban(std::int64_t account_id, const AuditEntry& audit) {
  auto connection = acquire();
  PgTransaction transaction(*connection);
  const int changed =
      connection->query("UPDATE accounts SET banned_until = '' WHERE id = $1 AND banned_until <> ''", {account_id})
          .affected();
  if (changed == 0) return false;
  insert_pg_audit_row(*connection, audit);
  transaction.commit();
  return true;
}

}  // namespace yizhan::store

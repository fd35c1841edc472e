// SqliteStore: closing days, no-shows and bans.
#include <algorithm>
#include <map>

#include "domain/no_show_rules.h"
#include "store/sqlite_store.h"

namespace yizhan::store {
namespace {

// Count `no_shows` more no-shows on one account, banning it when its
// consecutive count reaches the limit. Returns whether it was banned.
bool count_account_no_shows(SqliteConnection& connection, std::int64_t account_id, int no_shows,
                            const std::string& date, const domain::NoShowPolicy& policy) {
  auto current = connection.prepare("SELECT consecutive_no_shows, banned_until FROM accounts WHERE id = ?");
  current.bind(1, account_id);
  if (!current.step()) throw StoreError("booking refers to missing account " + std::to_string(account_id));
  int consecutive = static_cast<int>(current.column_int(0));
  std::string banned_until = current.column_text(1);

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

  connection
      .prepare(
          "UPDATE accounts SET consecutive_no_shows = ?, total_no_shows = total_no_shows + ?, banned_until = ? "
          "WHERE id = ?")
      .bind(1, static_cast<std::int64_t>(consecutive))
      .bind(2, static_cast<std::int64_t>(no_shows))
      .bind(3, banned_until)
      .bind(4, account_id)
      .run();
  return banned;
}

}  // namespace

CloseDayOutcome SqliteStore::close_day(const std::string& date, std::int64_t now, int no_show_limit, int ban_days) {
  const domain::NoShowPolicy policy{no_show_limit, ban_days};
  if (domain::check_no_show_policy(policy)) throw StoreError("close_day needs a no-show limit and ban days of at least 1");

  auto connection = acquire();
  // BEGIN IMMEDIATE: of two callers closing the same day at once, the
  // second waits for the first and then finds the closed_days row.
  SqliteTransaction transaction(*connection);
  CloseDayOutcome outcome;

  auto closed = connection->prepare("SELECT 1 FROM closed_days WHERE date = ?");
  closed.bind(1, date);
  if (closed.step()) {
    outcome.already_closed = true;
    return outcome;
  }

  // Confirmed bookings without an entry; cancelled and entered ones keep their status.
  auto mark = connection->prepare(
      "UPDATE bookings SET status = 'no_show' WHERE date = ? AND status = 'confirmed' AND entered_at = 0 "
      "RETURNING account_id");
  mark.bind(1, date);
  std::map<std::int64_t, int> no_shows_per_account;  // ordered, so accounts are updated in id order
  while (mark.step()) {
    ++no_shows_per_account[mark.column_int(0)];
    ++outcome.no_shows;
  }

  for (const auto& [account_id, no_shows] : no_shows_per_account) {
    if (count_account_no_shows(*connection, account_id, no_shows, date, policy)) ++outcome.bans;
  }

  connection->prepare("INSERT INTO closed_days (date, closed_at, no_shows) VALUES (?, ?, ?)")
      .bind(1, date)
      .bind(2, now)
      .bind(3, static_cast<std::int64_t>(outcome.no_shows))
      .run();
  transaction.commit();
  return outcome;
}

bool SqliteStore::is_day_closed(const std::string& date) {
  auto connection = acquire();
  auto query = connection->prepare("SELECT 1 FROM closed_days WHERE date = ?");
  query.bind(1, date);
  return query.step();
}

std::vector<Account> SqliteStore::list_banned(const std::string& today) {
  auto connection = acquire();
  auto query = connection->prepare("SELECT " + std::string(kAccountColumns) +
                                   " FROM accounts WHERE banned_until > ? ORDER BY banned_until, id");
  query.bind(1, today);
  std::vector<Account> accounts;
  while (query.step()) accounts.push_back(read_account(query));
  return accounts;
}

bool SqliteStore::lift_ban(std::int64_t account_id, const AuditEntry& audit) {
  auto connection = acquire();
  SqliteTransaction transaction(*connection);
  const int changed = connection->prepare("UPDATE accounts SET banned_until = '' WHERE id = ? AND banned_until <> ''")
                          .bind(1, account_id)
                          .run();
  if (changed == 0) return false;
  insert_audit_row(*connection, audit);
  transaction.commit();
  return true;
}

}  // namespace yizhan::store

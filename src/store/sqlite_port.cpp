// SqliteStore: port entries, station check-ins and booking members.
#include "store/sqlite_booking_rows.h"
#include "store/sqlite_store.h"

namespace yizhan::store {
namespace {

std::string staff_username(SqliteConnection& connection, std::int64_t staff_id) {
  auto query = connection.prepare("SELECT username FROM staff WHERE id = ?");
  query.bind(1, staff_id);
  return query.step() ? query.column_text(0) : std::string();
}

}  // namespace

EntryOutcome SqliteStore::record_entry(const std::string& booking_number, std::int64_t staff_id, std::int64_t now) {
  auto connection = acquire();
  // BEGIN IMMEDIATE takes the write lock before the read, so of two officers
  // scanning the same slip at once the second reads the first one's entry.
  SqliteTransaction transaction(*connection);
  EntryOutcome outcome;
  auto query = connection->prepare(select_bookings("WHERE booking_number = ?"));
  query.bind(1, booking_number);
  if (!query.step()) {
    outcome.result = EntryResult::not_found;
    return outcome;
  }
  outcome.booking = read_booking(query);
  if (outcome.booking.status == "entered") {
    outcome.result = EntryResult::already_entered;
    outcome.entered_by_username = staff_username(*connection, outcome.booking.entered_by);
    return outcome;
  }
  if (outcome.booking.status != "confirmed") {
    outcome.result = EntryResult::not_confirmed;
    return outcome;
  }

  connection
      ->prepare("UPDATE bookings SET status = 'entered', entered_at = ?, entered_by = ? "
                "WHERE id = ? AND status = 'confirmed'")
      .bind(1, now)
      .bind(2, staff_id)
      .bind(3, outcome.booking.id)
      .run();
  // Showing up ends a run of no-shows.
  connection->prepare("UPDATE accounts SET consecutive_no_shows = 0 WHERE id = ?")
      .bind(1, outcome.booking.account_id)
      .run();
  transaction.commit();

  outcome.result = EntryResult::recorded;
  outcome.booking.status = "entered";
  outcome.booking.entered_at = now;
  outcome.booking.entered_by = staff_id;
  outcome.entered_by_username = staff_username(*connection, staff_id);
  return outcome;
}

std::vector<Booking> SqliteStore::list_arrivals(std::int64_t station_id, const std::string& date) {
  auto connection = acquire();
  auto query = connection->prepare(
      select_bookings("WHERE station_id = ? AND date = ? AND status IN ('confirmed', 'entered') ORDER BY sequence"));
  query.bind(1, station_id).bind(2, date);
  std::vector<Booking> arrivals;
  while (query.step()) arrivals.push_back(read_booking(query));
  return arrivals;
}

bool SqliteStore::record_check_in(const std::string& booking_number, std::int64_t station_id,
                                  const std::string& room_number, std::int64_t now, const AuditEntry& audit) {
  auto connection = acquire();
  SqliteTransaction transaction(*connection);
  // A second check-in corrects the room number but keeps the first time.
  const int changed =
      connection
          ->prepare("UPDATE bookings SET room_number = ?, "
                    "checked_in_at = CASE WHEN checked_in_at = 0 THEN ? ELSE checked_in_at END "
                    "WHERE booking_number = ? AND station_id = ? AND status = 'entered'")
          .bind(1, room_number)
          .bind(2, now)
          .bind(3, booking_number)
          .bind(4, station_id)
          .run();
  if (changed == 0) return false;
  insert_audit_row(*connection, audit);
  transaction.commit();
  return true;
}

void SqliteStore::set_staff_station(std::int64_t staff_id, std::int64_t station_id, const AuditEntry& audit) {
  auto connection = acquire();
  SqliteTransaction transaction(*connection);
  auto update = connection->prepare("UPDATE staff SET station_id = ? WHERE id = ?");
  if (station_id == 0) {
    update.bind_null(1);
  } else {
    update.bind(1, station_id);
  }
  update.bind(2, staff_id);
  update.run();
  insert_audit_row(*connection, audit);
  transaction.commit();
}

std::vector<BookingMember> SqliteStore::booking_members(std::int64_t booking_id) {
  auto connection = acquire();
  auto query = connection->prepare(
      "SELECT position, name, relation, id_type, id_number, birth_date, gender FROM booking_members "
      "WHERE booking_id = ? ORDER BY position");
  query.bind(1, booking_id);
  std::vector<BookingMember> members;
  while (query.step()) {
    members.push_back(BookingMember{static_cast<int>(query.column_int(0)), query.column_text(1), query.column_text(2),
                                    query.column_text(3), query.column_text(4), query.column_text(5),
                                    query.column_text(6)});
  }
  return members;
}

}  // namespace yizhan::store

// PgStore: port entries, station check-ins and booking members.
#include "store/pg_booking_rows.h"
#include "store/pg_store.h"

namespace yizhan::store {
namespace {

std::string staff_username(PgConnection& connection, std::int64_t staff_id) {
  const auto found = connection.query("SELECT username FROM staff WHERE id = $1", {staff_id});
  return found.empty() ? std::string() : found.text(0, 0);
}

}  // namespace

EntryOutcome PgStore::record_entry(const std::string& booking_number, std::int64_t staff_id, std::int64_t now) {
  auto connection = acquire();
  PgTransaction transaction(*connection);
  EntryOutcome outcome;
  // FOR UPDATE: of two officers scanning the same slip at once, on one
  // server or two, the second waits for the first's commit and then reads
  // the booking as entered.
  const auto found = connection->query(select_pg_bookings("WHERE booking_number = $1 FOR UPDATE"), {booking_number});
  if (found.empty()) {
    outcome.result = EntryResult::not_found;
    return outcome;
  }
  outcome.booking = read_pg_booking(found, 0);
  if (outcome.booking.status == "entered") {
    outcome.result = EntryResult::already_entered;
    outcome.entered_by_username = staff_username(*connection, outcome.booking.entered_by);
    return outcome;
  }
  if (outcome.booking.status != "confirmed") {
    outcome.result = EntryResult::not_confirmed;
    return outcome;
  }

  connection->query(
      "UPDATE bookings SET status = 'entered', entered_at = $1, entered_by = $2 WHERE id = $3 AND status = 'confirmed'",
      {now, staff_id, outcome.booking.id});
  // Showing up ends a run of no-shows.
  connection->query("UPDATE accounts SET consecutive_no_shows = 0 WHERE id = $1", {outcome.booking.account_id});
  transaction.commit();

  outcome.result = EntryResult::recorded;
  outcome.booking.status = "entered";
  outcome.booking.entered_at = now;
  outcome.booking.entered_by = staff_id;
  outcome.entered_by_username = staff_username(*connection, staff_id);
  return outcome;
}

std::vector<Booking> PgStore::list_arrivals(std::int64_t station_id, const std::string& date) {
  auto connection = acquire();
  const auto found = connection->query(
      select_pg_bookings(
          "WHERE station_id = $1 AND date = $2 AND status IN ('confirmed', 'entered') ORDER BY sequence"),
      {station_id, date});
  std::vector<Booking> arrivals;
  for (int row = 0; row < found.rows(); ++row) arrivals.push_back(read_pg_booking(found, row));
  return arrivals;
}

bool PgStore::record_check_in(const std::string& booking_number, std::int64_t station_id,
                              const std::string& room_number, std::int64_t now, const AuditEntry& audit) {
  auto connection = acquire();
  PgTransaction transaction(*connection);
  // A second check-in corrects the room number but keeps the first time.
  const int changed = connection
                          ->query("UPDATE bookings SET room_number = $1, "
                                  "checked_in_at = CASE WHEN checked_in_at = 0 THEN $2 ELSE checked_in_at END "
                                  "WHERE booking_number = $3 AND station_id = $4 AND status = 'entered'",
                                  {room_number, now, booking_number, station_id})
                          .affected();
  if (changed == 0) return false;
  insert_pg_audit_row(*connection, audit);
  transaction.commit();
  return true;
}

void PgStore::set_staff_station(std::int64_t staff_id, std::int64_t station_id, const AuditEntry& audit) {
  auto connection = acquire();
  PgTransaction transaction(*connection);
  connection->query("UPDATE staff SET station_id = $1 WHERE id = $2",
                    {station_id == 0 ? PgParam(std::nullopt) : PgParam(station_id), staff_id});
  insert_pg_audit_row(*connection, audit);
  transaction.commit();
}

std::vector<BookingMember> PgStore::booking_members(std::int64_t booking_id) {
  auto connection = acquire();
  const auto found = connection->query(
      "SELECT position, name, relation, id_type, id_number, birth_date, gender FROM booking_members "
      "WHERE booking_id = $1 ORDER BY position",
      {booking_id});
  std::vector<BookingMember> members;
  for (int row = 0; row < found.rows(); ++row) {
    members.push_back(BookingMember{static_cast<int>(found.integer(row, 0)), found.text(row, 1), found.text(row, 2),
                                    found.text(row, 3), found.text(row, 4), found.text(row, 5), found.text(row, 6)});
  }
  return members;
}

}  // namespace yizhan::store

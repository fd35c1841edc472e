// Reading `bookings` rows: the column list and the row reader shared by the
// PostgreSQL files that select bookings. Internal to the PostgreSQL store.
#pragma once

#include <string>
#include <string_view>

#include "store/pg_connection.h"
#include "store/store.h"

namespace yizhan::store {

inline constexpr std::string_view kPgBookingColumns =
    "id, booking_number, date, sequence, account_id, station_id, status, created_at, cancelled_at, "
    "idempotency_key, name, id_type, id_number, destination_code, entered_at, COALESCE(entered_by, 0), "
    "checked_in_at, room_number, group_size";

// The booking in `row` of a result that selected kPgBookingColumns.
inline Booking read_pg_booking(const PgResult& result, int row) {
  Booking booking;
  booking.id = result.integer(row, 0);
  booking.booking_number = result.text(row, 1);
  booking.date = result.text(row, 2);
  booking.sequence = static_cast<int>(result.integer(row, 3));
  booking.account_id = result.integer(row, 4);
  booking.station_id = result.integer(row, 5);
  booking.status = result.text(row, 6);
  booking.created_at = result.integer(row, 7);
  booking.cancelled_at = result.integer(row, 8);
  booking.idempotency_key = result.text(row, 9);
  booking.name = result.text(row, 10);
  booking.id_type = result.text(row, 11);
  booking.id_number = result.text(row, 12);
  booking.destination_code = result.text(row, 13);
  booking.entered_at = result.integer(row, 14);
  booking.entered_by = result.integer(row, 15);
  booking.checked_in_at = result.integer(row, 16);
  booking.room_number = result.text(row, 17);
  booking.group_size = static_cast<int>(result.integer(row, 18));
  return booking;
}

// "SELECT <kPgBookingColumns> FROM bookings <where>".
inline std::string select_pg_bookings(std::string_view where) {
  return "SELECT " + std::string(kPgBookingColumns) + " FROM bookings " + std::string(where);
}

}  // namespace yizhan::store

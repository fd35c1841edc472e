// Reading `bookings` rows: the column list and the row reader shared by the
// SQLite files that select bookings. Internal to the SQLite store.
#pragma once

#include <string>
#include <string_view>

#include "store/sqlite_connection.h"
#include "store/store.h"

namespace yizhan::store {

inline constexpr std::string_view kBookingColumns =
    "id, booking_number, date, sequence, account_id, station_id, status, created_at, cancelled_at, "
    "idempotency_key, name, id_type, id_number, destination_code, entered_at, COALESCE(entered_by, 0), "
    "checked_in_at, room_number, group_size";

// The booking in the current row of a statement that selected kBookingColumns.
inline Booking read_booking(SqliteStatement& row) {
  Booking booking;
  booking.id = row.column_int(0);
  booking.booking_number = row.column_text(1);
  booking.date = row.column_text(2);
  booking.sequence = static_cast<int>(row.column_int(3));
  booking.account_id = row.column_int(4);
  booking.station_id = row.column_int(5);
  booking.status = row.column_text(6);
  booking.created_at = row.column_int(7);
  booking.cancelled_at = row.column_int(8);
  booking.idempotency_key = row.column_text(9);
  booking.name = row.column_text(10);
  booking.id_type = row.column_text(11);
  booking.id_number = row.column_text(12);
  booking.destination_code = row.column_text(13);
  booking.entered_at = row.column_int(14);
  booking.entered_by = row.column_int(15);
  booking.checked_in_at = row.column_int(16);
  booking.room_number = row.column_text(17);
  booking.group_size = static_cast<int>(row.column_int(18));
  return booking;
}

// "SELECT <kBookingColumns> FROM bookings <where>".
inline std::string select_bookings(std::string_view where) {
  return "SELECT " + std::string(kBookingColumns) + " FROM bookings " + std::string(where);
}

}  // namespace yizhan::store

// Booking rules that need no I/O: which dates can be booked and when, the
// cancellation deadline, and booking numbers. Times are local to the
// configured zone; the caller converts.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "domain/error.h"

namespace yizhan::domain {

struct BookingPolicy {
  int window_days = 7;                              // today and the next 6 days
  std::chrono::seconds opens_at{10 * 3600};         // 10:00:00 local, inclusive
  std::chrono::seconds closes_at{20 * 3600};        // 20:00:00 local, exclusive
  int cancel_days_before = 2;                       // cancel on D-2 at the latest
};

struct LocalMoment {
  std::chrono::year_month_day date;
  std::chrono::seconds time_of_day;  // since local midnight
};

// True while bookings are accepted: opens_at <= time < closes_at.
bool within_open_hours(const LocalMoment& now, const BookingPolicy& policy);

// The next instant (local) at which bookings open: today's opening when it
// is still ahead, otherwise tomorrow's. While open, returns now's date and
// opening time.
LocalMoment next_opening(const LocalMoment& now, const BookingPolicy& policy);

// The dates open for booking: today through today + window_days - 1.
bool within_booking_window(std::chrono::year_month_day today, std::chrono::year_month_day date,
                           const BookingPolicy& policy);

// booking.date_outside_window (field "date") or booking.outside_open_hours.
Check check_booking_time(const LocalMoment& now, std::chrono::year_month_day date, const BookingPolicy& policy);

// A booking may be cancelled while its date is at least cancel_days_before
// days after today: on D-2, not on D-1 or D. booking.cancel_too_late.
Check check_cancel_deadline(std::chrono::year_month_day today, std::chrono::year_month_day booking_date,
                            const BookingPolicy& policy);

// The last date on which a booking for `booking_date` can be cancelled.
std::chrono::year_month_day last_cancel_date(std::chrono::year_month_day booking_date, const BookingPolicy& policy);

// Booking numbers: the booking date as YYYYMMDD, then a 4-digit sequence
// within that date, e.g. 202012250006. Sequences run from 1 to 9999.
inline constexpr int kMaxDailySequence = 9999;
std::string format_booking_number(std::chrono::year_month_day date, int sequence);
struct BookingNumber {
  std::chrono::year_month_day date;
  int sequence;
};
std::optional<BookingNumber> parse_booking_number(std::string_view text);

}  // namespace yizhan::domain

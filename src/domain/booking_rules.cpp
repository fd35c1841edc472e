#include "domain/booking_rules.h"

#include <cstdio>

namespace yizhan::domain {

using std::chrono::days;
using std::chrono::sys_days;
using std::chrono::year_month_day;

bool within_open_hours(const LocalMoment& now, const BookingPolicy& policy) {
  return now.time_of_day >= policy.opens_at && now.time_of_day < policy.closes_at;
}

LocalMoment next_opening(const LocalMoment& now, const BookingPolicy& policy) {
  if (now.time_of_day < policy.closes_at) {
    return LocalMoment{now.date, policy.opens_at};
  }
  return LocalMoment{year_month_day{sys_days{now.date} + days{1}}, policy.opens_at};
}

bool within_booking_window(year_month_day today, year_month_day date, const BookingPolicy& policy) {
  const auto offset = (sys_days{date} - sys_days{today}).count();
  return offset >= 0 && offset < policy.window_days;
}

Check check_booking_time(const LocalMoment& now, year_month_day date, const BookingPolicy& policy) {
  if (!date.ok() || !within_booking_window(now.date, date, policy)) {
    return make_error(ErrorKind::invalid, "booking.date_outside_window", "date");
  }
  if (!within_open_hours(now, policy)) return make_error(ErrorKind::invalid, "booking.outside_open_hours");
  return std::nullopt;
}

year_month_day last_cancel_date(year_month_day booking_date, const BookingPolicy& policy) {
  return year_month_day{sys_days{booking_date} - days{policy.cancel_days_before}};
}

Check check_cancel_deadline(year_month_day today, year_month_day booking_date, const BookingPolicy& policy) {
  if (sys_days{today} > sys_days{last_cancel_date(booking_date, policy)}) {
    return make_error(ErrorKind::conflict, "booking.cancel_too_late");
  }
  return std::nullopt;
}

std::string format_booking_number(year_month_day date, int sequence) {
  char text[32];
  std::snprintf(text, sizeof text, "%04d%02u%02u%04d", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()), sequence);
  return text;
}

std::optional<BookingNumber> parse_booking_number(std::string_view text) {
  if (text.size() != 12) return std::nullopt;
  int digits[12];
  for (std::size_t i = 0; i < 12; ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    digits[i] = text[i] - '0';
  }
  const int year = digits[0] * 1000 + digits[1] * 100 + digits[2] * 10 + digits[3];
  const unsigned month = static_cast<unsigned>(digits[4] * 10 + digits[5]);
  const unsigned day = static_cast<unsigned>(digits[6] * 10 + digits[7]);
  const int sequence = digits[8] * 1000 + digits[9] * 100 + digits[10] * 10 + digits[11];
  const year_month_day date{std::chrono::year{year}, std::chrono::month{month}, std::chrono::day{day}};
  if (!date.ok() || sequence < 1) return std::nullopt;
  return BookingNumber{date, sequence};
}

}  // namespace yizhan::domain

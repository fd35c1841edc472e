#include "domain/booking_rules.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace yizhan::domain {
namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using std::chrono::sys_days;
using std::chrono::year_month_day;
using namespace std::chrono_literals;

constexpr year_month_day kToday{2026y / 12 / 20};

year_month_day add_days(year_month_day date, int count) { return year_month_day{sys_days{date} + days{count}}; }

seconds clock_time(int hour, int minute, int second) { return hours{hour} + minutes{minute} + seconds{second}; }

LocalMoment at(year_month_day date, int hour, int minute, int second) {
  return LocalMoment{date, clock_time(hour, minute, second)};
}

// Returns the error code of a check, or "" when it passed.
std::string code_of(const Check& check) { return check ? check->code : std::string(); }

TEST(BookingRulesTest, OpenHoursBoundaries) {
  const BookingPolicy policy;
  EXPECT_FALSE(within_open_hours(at(kToday, 0, 0, 0), policy));
  EXPECT_FALSE(within_open_hours(at(kToday, 9, 59, 59), policy));
  EXPECT_TRUE(within_open_hours(at(kToday, 10, 0, 0), policy));
  EXPECT_TRUE(within_open_hours(at(kToday, 15, 30, 0), policy));
  EXPECT_TRUE(within_open_hours(at(kToday, 19, 59, 59), policy));
  EXPECT_FALSE(within_open_hours(at(kToday, 20, 0, 0), policy));
  EXPECT_FALSE(within_open_hours(at(kToday, 23, 59, 59), policy));
}

TEST(BookingRulesTest, BookingTimeChecksOpenHours) {
  const BookingPolicy policy;
  const auto date = add_days(kToday, 1);
  EXPECT_EQ(code_of(check_booking_time(at(kToday, 9, 59, 59), date, policy)), "booking.outside_open_hours");
  EXPECT_EQ(code_of(check_booking_time(at(kToday, 10, 0, 0), date, policy)), "");
  EXPECT_EQ(code_of(check_booking_time(at(kToday, 19, 59, 59), date, policy)), "");
  EXPECT_EQ(code_of(check_booking_time(at(kToday, 20, 0, 0), date, policy)), "booking.outside_open_hours");

  const auto closed = check_booking_time(at(kToday, 20, 0, 0), date, policy);
  ASSERT_TRUE(closed.has_value());
  EXPECT_EQ(closed->kind, ErrorKind::invalid);
  EXPECT_EQ(closed->field, "");
}

TEST(BookingRulesTest, WindowIsTodayThroughSixDaysAhead) {
  const BookingPolicy policy;
  EXPECT_TRUE(within_booking_window(kToday, kToday, policy));
  for (int offset = 1; offset <= 6; ++offset) {
    EXPECT_TRUE(within_booking_window(kToday, add_days(kToday, offset), policy)) << "today + " << offset;
  }
  EXPECT_FALSE(within_booking_window(kToday, add_days(kToday, 7), policy));
  EXPECT_FALSE(within_booking_window(kToday, add_days(kToday, 30), policy));
  EXPECT_FALSE(within_booking_window(kToday, add_days(kToday, -1), policy));
  EXPECT_FALSE(within_booking_window(kToday, add_days(kToday, -365), policy));
}

TEST(BookingRulesTest, WindowCrossesYearEnd) {
  const BookingPolicy policy;
  const year_month_day today{2026y / 12 / 28};
  EXPECT_TRUE(within_booking_window(today, 2027y / 1 / 3, policy));
  EXPECT_FALSE(within_booking_window(today, 2027y / 1 / 4, policy));
}

TEST(BookingRulesTest, BookingTimeChecksWindow) {
  const BookingPolicy policy;
  const auto open = at(kToday, 12, 0, 0);
  EXPECT_EQ(code_of(check_booking_time(open, kToday, policy)), "");
  EXPECT_EQ(code_of(check_booking_time(open, add_days(kToday, 6), policy)), "");
  EXPECT_EQ(code_of(check_booking_time(open, add_days(kToday, 7), policy)), "booking.date_outside_window");
  EXPECT_EQ(code_of(check_booking_time(open, add_days(kToday, -1), policy)), "booking.date_outside_window");

  const auto late = check_booking_time(open, add_days(kToday, 7), policy);
  ASSERT_TRUE(late.has_value());
  EXPECT_EQ(late->kind, ErrorKind::invalid);
  EXPECT_EQ(late->field, "date");
}

TEST(BookingRulesTest, BookingTimeRejectsInvalidDate) {
  const BookingPolicy policy;
  const year_month_day february_30{2026y / 2 / 30};
  ASSERT_FALSE(february_30.ok());
  EXPECT_EQ(code_of(check_booking_time(at(2026y / 2 / 27, 12, 0, 0), february_30, policy)),
            "booking.date_outside_window");
}

TEST(BookingRulesTest, WindowIsCheckedBeforeOpenHours) {
  // A date outside the window stays wrong at any hour, so the user hears
  // about the date first.
  const BookingPolicy policy;
  EXPECT_EQ(code_of(check_booking_time(at(kToday, 9, 0, 0), add_days(kToday, 7), policy)),
            "booking.date_outside_window");
  EXPECT_EQ(code_of(check_booking_time(at(kToday, 21, 0, 0), add_days(kToday, -1), policy)),
            "booking.date_outside_window");
}

TEST(BookingRulesTest, CancelDeadlineIsTwoDaysBefore) {
  const BookingPolicy policy;
  const auto booking_date = add_days(kToday, 5);
  EXPECT_EQ(code_of(check_cancel_deadline(add_days(booking_date, -5), booking_date, policy)), "");
  EXPECT_EQ(code_of(check_cancel_deadline(add_days(booking_date, -3), booking_date, policy)), "");
  EXPECT_EQ(code_of(check_cancel_deadline(add_days(booking_date, -2), booking_date, policy)), "");
  EXPECT_EQ(code_of(check_cancel_deadline(add_days(booking_date, -1), booking_date, policy)),
            "booking.cancel_too_late");
  EXPECT_EQ(code_of(check_cancel_deadline(booking_date, booking_date, policy)), "booking.cancel_too_late");
  EXPECT_EQ(code_of(check_cancel_deadline(add_days(booking_date, 1), booking_date, policy)),
            "booking.cancel_too_late");

  const auto late = check_cancel_deadline(booking_date, booking_date, policy);
  ASSERT_TRUE(late.has_value());
  EXPECT_EQ(late->kind, ErrorKind::conflict);
}

TEST(BookingRulesTest, LastCancelDate) {
  const BookingPolicy policy;
  EXPECT_EQ(last_cancel_date(2026y / 12 / 25, policy), year_month_day{2026y / 12 / 23});
  EXPECT_EQ(last_cancel_date(2027y / 1 / 1, policy), year_month_day{2026y / 12 / 30});
  EXPECT_EQ(last_cancel_date(2028y / 3 / 1, policy), year_month_day{2028y / 2 / 28});
}

TEST(BookingRulesTest, NextOpeningBeforeHoursIsToday) {
  const BookingPolicy policy;
  for (const auto& now : {at(kToday, 0, 0, 0), at(kToday, 6, 30, 0), at(kToday, 9, 59, 59)}) {
    const auto opening = next_opening(now, policy);
    EXPECT_EQ(opening.date, kToday);
    EXPECT_EQ(opening.time_of_day, clock_time(10, 0, 0));
  }
}

TEST(BookingRulesTest, NextOpeningDuringHoursIsTodaysOpening) {
  const BookingPolicy policy;
  for (const auto& now : {at(kToday, 10, 0, 0), at(kToday, 14, 0, 0), at(kToday, 19, 59, 59)}) {
    const auto opening = next_opening(now, policy);
    EXPECT_EQ(opening.date, kToday);
    EXPECT_EQ(opening.time_of_day, clock_time(10, 0, 0));
  }
}

TEST(BookingRulesTest, NextOpeningAfterHoursIsTomorrow) {
  const BookingPolicy policy;
  for (const auto& now : {at(kToday, 20, 0, 0), at(kToday, 22, 15, 0), at(kToday, 23, 59, 59)}) {
    const auto opening = next_opening(now, policy);
    EXPECT_EQ(opening.date, add_days(kToday, 1));
    EXPECT_EQ(opening.time_of_day, clock_time(10, 0, 0));
  }
}

TEST(BookingRulesTest, NextOpeningAfterHoursCrossesYearEnd) {
  const BookingPolicy policy;
  const auto opening = next_opening(at(2026y / 12 / 31, 20, 0, 0), policy);
  EXPECT_EQ(opening.date, year_month_day{2027y / 1 / 1});
  EXPECT_EQ(opening.time_of_day, clock_time(10, 0, 0));
}

TEST(BookingRulesTest, FormatBookingNumber) {
  EXPECT_EQ(format_booking_number(2020y / 12 / 25, 6), "202012250006");
  EXPECT_EQ(format_booking_number(2026y / 1 / 5, 1), "202601050001");
  EXPECT_EQ(format_booking_number(2026y / 1 / 5, 100), "202601050100");
  EXPECT_EQ(format_booking_number(2026y / 1 / 5, kMaxDailySequence), "202601059999");
}

TEST(BookingRulesTest, BookingNumberRoundTrip) {
  const std::vector<std::pair<year_month_day, int>> cases = {
      {2020y / 12 / 25, 6}, {2026y / 1 / 1, 1}, {2028y / 2 / 29, 42}, {2026y / 10 / 31, kMaxDailySequence}};
  for (const auto& [date, sequence] : cases) {
    const auto text = format_booking_number(date, sequence);
    const auto parsed = parse_booking_number(text);
    ASSERT_TRUE(parsed.has_value()) << text;
    EXPECT_EQ(parsed->date, date) << text;
    EXPECT_EQ(parsed->sequence, sequence) << text;
  }
}

TEST(BookingRulesTest, ParseRejectsInvalidBookingNumbers) {
  const std::vector<std::string> cases = {
      "",
      "20201225006",     // 11 digits
      "2020122500060",   // 13 digits
      "20201225000A",    // a letter
      "2020X2250006",
      "202013250006",    // month 13
      "202000250006",    // month 00
      "202012320006",    // day 32
      "202012000006",    // day 00
      "202602290006",    // 2026 is not a leap year
      "202012250000",    // sequence 0000
      " 20201225006",
      "20201225000 ",
      "2020-12-25-06",
      "+20201225006",
      "-20201225006",
  };
  for (const auto& text : cases) {
    EXPECT_FALSE(parse_booking_number(text).has_value()) << "'" << text << "'";
  }
}

TEST(BookingRulesTest, ParseRejectsFullWidthDigits) {
  // U+FF12 FULLWIDTH DIGIT TWO and friends: twelve of them are 36 bytes,
  // so a byte-level length check alone already rejects them.
  EXPECT_FALSE(parse_booking_number("２０２０１２２５０００６").has_value());
}

TEST(BookingRulesTest, CustomPolicyHoursAndWindow) {
  BookingPolicy policy;
  policy.opens_at = clock_time(8, 30, 0);
  policy.closes_at = clock_time(22, 0, 0);
  policy.window_days = 3;

  EXPECT_FALSE(within_open_hours(at(kToday, 8, 29, 59), policy));
  EXPECT_TRUE(within_open_hours(at(kToday, 8, 30, 0), policy));
  EXPECT_TRUE(within_open_hours(at(kToday, 20, 0, 0), policy));
  EXPECT_TRUE(within_open_hours(at(kToday, 21, 59, 59), policy));
  EXPECT_FALSE(within_open_hours(at(kToday, 22, 0, 0), policy));

  EXPECT_TRUE(within_booking_window(kToday, add_days(kToday, 2), policy));
  EXPECT_FALSE(within_booking_window(kToday, add_days(kToday, 3), policy));
  EXPECT_EQ(code_of(check_booking_time(at(kToday, 21, 0, 0), add_days(kToday, 2), policy)), "");
  EXPECT_EQ(code_of(check_booking_time(at(kToday, 21, 0, 0), add_days(kToday, 3), policy)),
            "booking.date_outside_window");

  const auto before = next_opening(at(kToday, 8, 0, 0), policy);
  EXPECT_EQ(before.date, kToday);
  EXPECT_EQ(before.time_of_day, clock_time(8, 30, 0));
  const auto during = next_opening(at(kToday, 21, 59, 59), policy);
  EXPECT_EQ(during.date, kToday);
  EXPECT_EQ(during.time_of_day, clock_time(8, 30, 0));
  const auto after = next_opening(at(kToday, 22, 0, 0), policy);
  EXPECT_EQ(after.date, add_days(kToday, 1));
  EXPECT_EQ(after.time_of_day, clock_time(8, 30, 0));
}

TEST(BookingRulesTest, CustomPolicySingleDayWindow) {
  BookingPolicy policy;
  policy.window_days = 1;
  EXPECT_TRUE(within_booking_window(kToday, kToday, policy));
  EXPECT_FALSE(within_booking_window(kToday, add_days(kToday, 1), policy));
}

TEST(BookingRulesTest, CustomPolicyOpenUntilMidnight) {
  BookingPolicy policy;
  policy.opens_at = clock_time(0, 0, 0);
  policy.closes_at = clock_time(24, 0, 0);
  EXPECT_TRUE(within_open_hours(at(kToday, 0, 0, 0), policy));
  EXPECT_TRUE(within_open_hours(at(kToday, 23, 59, 59), policy));
  const auto opening = next_opening(at(kToday, 23, 59, 59), policy);
  EXPECT_EQ(opening.date, kToday);
  EXPECT_EQ(opening.time_of_day, clock_time(0, 0, 0));
}

TEST(BookingRulesTest, CustomPolicyCancelDeadline) {
  BookingPolicy policy;
  policy.cancel_days_before = 1;
  const auto booking_date = add_days(kToday, 3);
  EXPECT_EQ(last_cancel_date(booking_date, policy), add_days(booking_date, -1));
  EXPECT_EQ(code_of(check_cancel_deadline(add_days(booking_date, -1), booking_date, policy)), "");
  EXPECT_EQ(code_of(check_cancel_deadline(booking_date, booking_date, policy)), "booking.cancel_too_late");

  policy.cancel_days_before = 0;
  EXPECT_EQ(code_of(check_cancel_deadline(booking_date, booking_date, policy)), "");
  EXPECT_EQ(code_of(check_cancel_deadline(add_days(booking_date, 1), booking_date, policy)),
            "booking.cancel_too_late");
}

}  // namespace
}  // namespace yizhan::domain

// The pure no-show rules: ban length, ban checks, counting and closing.
#include <gtest/gtest.h>

#include "domain/no_show_rules.h"

namespace yizhan::domain {
namespace {

using namespace std::chrono;

constexpr NoShowPolicy kDefaultPolicy{};

TEST(NoShowRules, DefaultPolicyIsTwoNoShowsFourteenDays) {
  EXPECT_EQ(kDefaultPolicy.limit, 2);
  EXPECT_EQ(kDefaultPolicy.ban_days, 14);
  EXPECT_FALSE(check_no_show_policy(kDefaultPolicy));
}

TEST(NoShowRules, PolicyBelowOneRejected) {
  EXPECT_TRUE(check_no_show_policy(NoShowPolicy{0, 14}));
  EXPECT_TRUE(check_no_show_policy(NoShowPolicy{2, 0}));
  EXPECT_TRUE(check_no_show_policy(NoShowPolicy{-1, -1}));
  ASSERT_TRUE(check_no_show_policy(NoShowPolicy{0, 0}));
  EXPECT_EQ(check_no_show_policy(NoShowPolicy{0, 0})->code, "no_show.policy_invalid");
}

// A second no-show on 1 February 2021 bars booking for 14 days counting
// from that date: booking is possible again on 15 February.
TEST(NoShowRules, BanEndAfterFirstFebruary) {
  const auto end = ban_end(2021y / February / 1d, kDefaultPolicy);
  EXPECT_EQ(end, 2021y / February / 15d);
  EXPECT_EQ(ban_end("2021-02-01", kDefaultPolicy), "2021-02-15");
}

TEST(NoShowRules, BannedFirstToFourteenthFebruary) {
  const auto until = ban_end(2021y / February / 1d, kDefaultPolicy);
  EXPECT_TRUE(is_banned_on(until, 2021y / February / 1d));
  EXPECT_TRUE(is_banned_on(until, 2021y / February / 14d));
  EXPECT_FALSE(is_banned_on(until, 2021y / February / 15d));
  EXPECT_FALSE(is_banned_on(until, 2021y / February / 16d));
}

TEST(NoShowRules, BanEndCrossesMonthEnd) {
  EXPECT_EQ(ban_end("2026-01-25", kDefaultPolicy), "2026-02-08");
  EXPECT_EQ(ban_end("2026-04-30", kDefaultPolicy), "2026-05-14");
}

TEST(NoShowRules, BanEndCrossesYearEnd) {
  EXPECT_EQ(ban_end("2026-12-25", kDefaultPolicy), "2027-01-08");
  EXPECT_EQ(ban_end("2026-12-31", kDefaultPolicy), "2027-01-14");
}

TEST(NoShowRules, BanEndCountsLeapDay) {
  // 2028 is a leap year: 29 February is one of the 14 days.
  EXPECT_EQ(ban_end("2028-02-20", kDefaultPolicy), "2028-03-05");
  EXPECT_EQ(ban_end("2028-02-29", kDefaultPolicy), "2028-03-14");
  // 2027 is not: February has 28 days.
  EXPECT_EQ(ban_end("2027-02-20", kDefaultPolicy), "2027-03-06");
  // 2100 is not a leap year either (divisible by 100, not by 400).
  EXPECT_EQ(ban_end("2100-02-20", kDefaultPolicy), "2100-03-06");
  EXPECT_EQ(ban_end("2000-02-20", kDefaultPolicy), "2000-03-05");
}

TEST(NoShowRules, BanEndFollowsConfiguredDays) {
  EXPECT_EQ(ban_end("2026-03-01", NoShowPolicy{2, 1}), "2026-03-02");
  EXPECT_EQ(ban_end("2026-03-01", NoShowPolicy{2, 30}), "2026-03-31");
  EXPECT_EQ(ban_end("2026-03-01", NoShowPolicy{2, 365}), "2027-03-01");
}

TEST(NoShowRules, BanEndRejectsInvalidDates) {
  EXPECT_EQ(ban_end("2027-02-29", kDefaultPolicy), std::nullopt);
  EXPECT_EQ(ban_end("2026-13-01", kDefaultPolicy), std::nullopt);
  EXPECT_EQ(ban_end("2026-1-01", kDefaultPolicy), std::nullopt);
  EXPECT_EQ(ban_end("", kDefaultPolicy), std::nullopt);
  EXPECT_EQ(ban_end("2026/01/01", kDefaultPolicy), std::nullopt);
  EXPECT_EQ(ban_end("9999-12-31", kDefaultPolicy), std::nullopt);
}

TEST(NoShowRules, TextBanCheck) {
  EXPECT_FALSE(is_banned_on("", "2026-12-25"));
  EXPECT_TRUE(is_banned_on("2026-12-26", "2026-12-25"));
  EXPECT_FALSE(is_banned_on("2026-12-25", "2026-12-25"));
  EXPECT_FALSE(is_banned_on("2026-12-24", "2026-12-25"));
  EXPECT_TRUE(is_banned_on("2027-01-08", "2026-12-31"));
}

TEST(NoShowRules, SecondConsecutiveNoShowBans) {
  const auto first = count_no_show(0, kDefaultPolicy);
  EXPECT_EQ(first.consecutive, 1);
  EXPECT_FALSE(first.banned);
  const auto second = count_no_show(first.consecutive, kDefaultPolicy);
  EXPECT_TRUE(second.banned);
  EXPECT_EQ(second.consecutive, 0) << "the count starts again after a ban";
}

TEST(NoShowRules, ConfiguredLimitBansAtLimit) {
  const NoShowPolicy three{3, 14};
  EXPECT_FALSE(count_no_show(0, three).banned);
  EXPECT_FALSE(count_no_show(1, three).banned);
  EXPECT_TRUE(count_no_show(2, three).banned);
  const NoShowPolicy one{1, 14};
  EXPECT_TRUE(count_no_show(0, one).banned);
  EXPECT_EQ(count_no_show(0, one).consecutive, 0);
}

TEST(NoShowRules, CountAboveLimitStillBans) {
  // A count left above a lowered limit bans at the next no-show.
  EXPECT_TRUE(count_no_show(5, kDefaultPolicy).banned);
}

TEST(NoShowRules, OnlyPastDaysAreOver) {
  const auto today = 2026y / December / 25d;
  EXPECT_TRUE(day_is_over(2026y / December / 24d, today));
  EXPECT_TRUE(day_is_over(2025y / December / 25d, today));
  EXPECT_FALSE(day_is_over(today, today));
  EXPECT_FALSE(day_is_over(2026y / December / 26d, today));
  EXPECT_TRUE(day_is_over(2026y / December / 31d, 2027y / January / 1d));
}

}  // namespace
}  // namespace yizhan::domain

// No-show rules that need no I/O. A confirmed booking whose date ends
// without an entry is a no-show. When an account's consecutive no-shows
// reach the limit, it may not book for `ban_days` days from the date of
// that no-show, and its count starts again at 0. An entry resets the
// count, and cancellations do not count. Dates are local calendar dates in the
// configured zone, written YYYY-MM-DD where they are text.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "domain/error.h"

namespace yizhan::domain {

struct NoShowPolicy {
  int limit = 2;      // consecutive no-shows that lead to a ban
  int ban_days = 14;  // days barred, counting the date of the last no-show
};

// Returns no_show.policy_invalid unless the limit and the ban length are at least 1.
Check check_no_show_policy(const NoShowPolicy& policy);

// The first date on which an account banned for a no-show on `no_show_date`
// may book again: no_show_date + ban_days. With 14 days, a no-show on
// 1 February bars 1 to 14 February and booking opens again on 15 February.
std::chrono::year_month_day ban_end(std::chrono::year_month_day no_show_date, const NoShowPolicy& policy);
// The same on YYYY-MM-DD text; nullopt when `no_show_date` is not a valid date.
std::optional<std::string> ban_end(std::string_view no_show_date, const NoShowPolicy& policy);

// Whether an account whose ban ends on `banned_until` (the first date
// booking is possible again) is barred from booking on `date`.
bool is_banned_on(std::chrono::year_month_day banned_until, std::chrono::year_month_day date);
// The same on YYYY-MM-DD text; an empty `banned_until` means no ban.
bool is_banned_on(std::string_view banned_until, std::string_view date);

// The account's state after one more no-show.
struct NoShowStep {
  int consecutive = 0;  // the new consecutive count; 0 again after a ban
  bool banned = false;  // this no-show reached the limit
};
NoShowStep count_no_show(int consecutive_before, const NoShowPolicy& policy);

// A day can be closed once it has ended: only dates before local today.
bool day_is_over(std::chrono::year_month_day date, std::chrono::year_month_day today);

}  // namespace yizhan::domain

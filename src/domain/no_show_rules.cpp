#include "domain/no_show_rules.h"

#include <cstdio>

namespace yizhan::domain {
namespace {

using std::chrono::days;
using std::chrono::sys_days;
using std::chrono::year_month_day;

// Strict YYYY-MM-DD with a real calendar date.
std::optional<year_month_day> parse_iso_date(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  int fields[3] = {0, 0, 0};
  const std::size_t starts[3] = {0, 5, 8};
  const std::size_t lengths[3] = {4, 2, 2};
  for (int field = 0; field < 3; ++field) {
    for (std::size_t i = starts[field]; i < starts[field] + lengths[field]; ++i) {
      if (text[i] < '0' || text[i] > '9') return std::nullopt;
      fields[field] = fields[field] * 10 + (text[i] - '0');
    }
  }
  const year_month_day date{std::chrono::year{fields[0]}, std::chrono::month{static_cast<unsigned>(fields[1])},
                            std::chrono::day{static_cast<unsigned>(fields[2])}};
  if (!date.ok()) return std::nullopt;
  return date;
}

std::string format_iso_date(year_month_day date) {
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
  return text;
}

}  // namespace

Check check_no_show_policy(const NoShowPolicy& policy) {
  if (policy.limit < 1 || policy.ban_days < 1) return make_error(ErrorKind::invalid, "no_show.policy_invalid");
  return std::nullopt;
}

year_month_day ban_end(year_month_day no_show_date, const NoShowPolicy& policy) {
  return year_month_day{sys_days{no_show_date} + days{policy.ban_days}};
}

std::optional<std::string> ban_end(std::string_view no_show_date, const NoShowPolicy& policy) {
  const auto date = parse_iso_date(no_show_date);
  if (!date) return std::nullopt;
  const auto end = ban_end(*date, policy);
  // Dates past year 9999 have no YYYY-MM-DD form.
  if (end.year() > std::chrono::year{9999}) return std::nullopt;
  return format_iso_date(end);
}

bool is_banned_on(year_month_day banned_until, year_month_day date) { return sys_days{date} < sys_days{banned_until}; }

bool is_banned_on(std::string_view banned_until, std::string_view date) {
  if (banned_until.empty()) return false;
  // Zero-padded YYYY-MM-DD text sorts in date order.
  return date < banned_until;
}

NoShowStep count_no_show(int consecutive_before, const NoShowPolicy& policy) {
  const int consecutive = consecutive_before + 1;
  if (consecutive >= policy.limit) return NoShowStep{0, true};
  return NoShowStep{consecutive, false};
}

bool day_is_over(year_month_day date, year_month_day today) { return sys_days{date} < sys_days{today}; }

}  // namespace yizhan::domain

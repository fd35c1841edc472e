#include "service/clock.h"

#include <date/tz.h>

#include <cstdio>
#include <stdexcept>

namespace yizhan::service {

Instant SystemClock::now() const {
  return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
}

Instant AdjustableClock::now() const {
  const auto system_now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  return system_now + std::chrono::seconds(offset_seconds_.load(std::memory_order_relaxed));
}

void AdjustableClock::set(Instant instant) {
  const auto system_now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  offset_seconds_.store((instant - system_now).count(), std::memory_order_relaxed);
}

TimeZone::TimeZone(const std::string& name) : name_(name) {
  try {
    zone_ = date::locate_zone(name);
  } catch (const std::exception&) {
    throw std::runtime_error("unknown time zone '" + name + "' (expected a tz database name such as Asia/Shanghai)");
  }
}

LocalDateTime TimeZone::to_local(Instant instant) const {
  const auto local = zone_->to_local(instant);
  const auto day = std::chrono::floor<std::chrono::days>(local.time_since_epoch());
  const std::chrono::sys_days as_sys_day{day};
  return LocalDateTime{std::chrono::year_month_day{as_sys_day},
                       std::chrono::duration_cast<std::chrono::seconds>(local.time_since_epoch() - day)};
}

std::string TimeZone::format_rfc3339(Instant instant) const {
  const auto info = zone_->get_info(instant);
  const LocalDateTime local = to_local(instant);
  const long offset_minutes = static_cast<long>(info.offset.count() / 60);
  const long seconds = local.time_of_day.count();
  char text[64];
  std::snprintf(text, sizeof text, "%sT%02ld:%02ld:%02ld%c%02ld:%02ld", format_date(local.date).c_str(),
                seconds / 3600, seconds / 60 % 60, seconds % 60, offset_minutes < 0 ? '-' : '+',
                std::labs(offset_minutes) / 60, std::labs(offset_minutes) % 60);
  return text;
}

std::optional<Instant> parse_rfc3339(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS then optional fraction, then Z or +HH:MM / -HH:MM.
  if (text.size() < 20) return std::nullopt;
  const auto date = parse_date(text.substr(0, 10));
  if (!date || (text[10] != 'T' && text[10] != 't' && text[10] != ' ')) return std::nullopt;
  auto two_digits = [&](std::size_t at) -> int {
    if (at + 2 > text.size() || text[at] < '0' || text[at] > '9' || text[at + 1] < '0' || text[at + 1] > '9') return -1;
    return (text[at] - '0') * 10 + (text[at + 1] - '0');
  };
  const int hour = two_digits(11), minute = two_digits(14), second = two_digits(17);
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 60) return std::nullopt;
  if (text[13] != ':' || text[16] != ':') return std::nullopt;
  std::size_t at = 19;
  if (at < text.size() && text[at] == '.') {
    ++at;
    const std::size_t digits_start = at;
    while (at < text.size() && text[at] >= '0' && text[at] <= '9') ++at;
    if (at == digits_start) return std::nullopt;
  }
  if (at >= text.size()) return std::nullopt;
  int offset_seconds = 0;
  if (text[at] == 'Z' || text[at] == 'z') {
    if (at + 1 != text.size()) return std::nullopt;
  } else if (text[at] == '+' || text[at] == '-') {
    const int offset_hours = two_digits(at + 1), offset_minutes = two_digits(at + 4);
    if (at + 6 != text.size() || text[at + 3] != ':' || offset_hours < 0 || offset_hours > 23 ||
        offset_minutes < 0 || offset_minutes > 59) {
      return std::nullopt;
    }
    offset_seconds = (offset_hours * 3600 + offset_minutes * 60) * (text[at] == '-' ? -1 : 1);
  } else {
    return std::nullopt;
  }
  const std::chrono::sys_days day{*date};
  return Instant{day} + std::chrono::hours(hour) + std::chrono::minutes(minute) +
         std::chrono::seconds(second) - std::chrono::seconds(offset_seconds);
}

std::string format_date(std::chrono::year_month_day date) {
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
  return text;
}

std::optional<std::chrono::year_month_day> parse_date(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
  }
  auto number = [&](std::size_t from, std::size_t length) {
    int value = 0;
    for (std::size_t i = from; i < from + length; ++i) value = value * 10 + (text[i] - '0');
    return value;
  };
  const std::chrono::year_month_day date{std::chrono::year{number(0, 4)},
                                         std::chrono::month{static_cast<unsigned>(number(5, 2))},
                                         std::chrono::day{static_cast<unsigned>(number(8, 2))}};
  if (!date.ok()) return std::nullopt;
  return date;
}

}  // namespace yizhan::service

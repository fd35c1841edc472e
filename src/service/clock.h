// Clock: the one source of "now" for the whole server, and conversions to
// the configured local zone. Production uses the system clock; test mode
// uses an adjustable clock that keeps ticking from the instant it was set to.
#pragma once

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace date {
class time_zone;
}

namespace yizhan::service {

using Instant = std::chrono::sys_seconds;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Instant now() const = 0;
};

class SystemClock final : public Clock {
 public:
  Instant now() const override;
};

// Thread-safe: `set` may run while other threads read `now`.
class AdjustableClock final : public Clock {
 public:
  Instant now() const override;
  void set(Instant instant);

 private:
  std::atomic<std::int64_t> offset_seconds_{0};
};

// A local calendar date and time of day in the configured zone.
struct LocalDateTime {
  std::chrono::year_month_day date;
  std::chrono::seconds time_of_day;  // seconds since local midnight
};

// TimeZone wraps the tz database entry named in the configuration.
class TimeZone {
 public:
  // Throws std::runtime_error when the zone name is unknown.
  explicit TimeZone(const std::string& name);

  LocalDateTime to_local(Instant instant) const;
  // RFC 3339 with the zone's offset, e.g. 2026-12-25T10:00:00+08:00.
  std::string format_rfc3339(Instant instant) const;
  const std::string& name() const { return name_; }

 private:
  std::string name_;
  const date::time_zone* zone_;
};

// Parse an RFC 3339 instant with `Z` or a numeric offset; nullopt when the
// text is not one.
std::optional<Instant> parse_rfc3339(std::string_view text);

// YYYY-MM-DD.
std::string format_date(std::chrono::year_month_day date);
std::optional<std::chrono::year_month_day> parse_date(std::string_view text);

}  // namespace yizhan::service

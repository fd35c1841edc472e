// QuotaService: the operator's side of the booking engine: stations and
// rooms, and how many rooms each station offers on each date. Every change
// is audited in the same transaction.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "domain/error.h"
#include "service/clock.h"
#include "store/store.h"

namespace yizhan::service {

inline constexpr int kMaxQuota = 9999;  // booking numbers have 4 sequence digits
inline constexpr int kMaxQuotaRangeDays = 92;

struct StationInput {
  std::string name;
  std::string address;
  std::string district;
  int rooms = 0;
  bool active = true;
};

class QuotaService {
 public:
  QuotaService(store::Store& store, const Clock& clock);

  // Set `quota` rooms at a station for every date from `from` to `to`
  // (inclusive). `station_id` 0 means "the only station" and is refused when
  // there are several. All dates or none: a date whose bookings exceed the
  // new quota stops the whole range (quota.below_booked, naming the date).
  Result<int> set_quota(const store::Staff& staff, const std::string& from, const std::string& to,
                        std::int64_t station_id, int quota);

  std::vector<store::Station> stations();
  Result<std::int64_t> add_station(const store::Staff& staff, StationInput input);
  Check update_station(const store::Staff& staff, std::int64_t id, StationInput input);
  // Trims the texts in place, then checks them.
  Check validate_station(StationInput& input) const;

 private:

  store::Store& store_;
  const Clock& clock_;
};

}  // namespace yizhan::service

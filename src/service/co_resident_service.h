// CoResidentService: the traveller's co-residents (同住人管理): listing,
// adding and removing them. New co-residents wait for review like the
// traveller's personal information, and a reviewer's decision on the
// account covers them (ReviewService). While a booking is active, the
// co-residents it snapshotted cannot change. Shared by the pages and the
// JSON API. Thread-safe: it has no mutable state of its own.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "domain/co_resident_rules.h"
#include "domain/error.h"
#include "service/clock.h"
#include "store/store.h"

namespace yizhan::service {

// The stored co-resident after a successful add, or every error found.
struct CoResidentOutcome {
  std::optional<store::CoResident> co_resident;
  std::vector<Error> errors;
  bool ok() const { return errors.empty(); }
};

class CoResidentService {
 public:
  CoResidentService(store::Store& store, const Clock& clock, const TimeZone& zone);

  // The account's co-residents, oldest first.
  std::vector<store::CoResident> list(const store::Account& account);

  // Validates and stores a new co-resident, pending review. Besides the
  // field errors of domain::validate_co_resident:
  //   co_resident.profile_not_submitted (409) personal information is a
  //                                     draft that was never approved
  //   co_resident.locked_by_booking     (409) a booking is active
  //   co_resident.limit_reached         (409) already kMaxCoResidents
  //   co_resident.same_as_applicant     (409, field id_number) the
  //                                     traveller's own ID document
  //   co_resident.duplicate             (409, field id_number) this ID
  //                                     document is already a co-resident
  CoResidentOutcome add(const store::Account& account, domain::CoResidentInput input);

  // Removes a co-resident of the account. Errors:
  //   co_resident.not_found         (404) no such co-resident of the account
  //   co_resident.locked_by_booking (409) a booking is active
  std::optional<Error> remove(const store::Account& account, std::int64_t id);

  // True while the account has an active booking, so nothing may change.
  bool locked(const store::Account& account);

 private:
  std::chrono::year_month_day today() const;

  store::Store& store_;
  const Clock& clock_;
  const TimeZone& zone_;
};

}  // namespace yizhan::service

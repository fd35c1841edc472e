// SlipService: the confirmation slip (預約確認單) of a traveller's booking,
// port verification (口岸核驗) that records the entry exactly once, and the
// arrivals of a health station with check-in and room numbers.
//
// The slip is valid on the booking date only, in the configured zone, and
// carries a signed token (see slip_keys.h). Thread-safe: the key directory
// and the store are thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "domain/error.h"
#include "service/clock.h"
#include "service/slip_keys.h"
#include "store/store.h"

namespace yizhan::service {

struct Slip {
  store::Booking booking;
  std::vector<store::BookingMember> members;  // position 0 is the applicant when stored
  std::string token;
};

// Stable reasons of an INVALID verdict.
inline constexpr std::string_view kSlipBadSignature = "slip.bad_signature";
inline constexpr std::string_view kSlipMalformed = "slip.malformed";
inline constexpr std::string_view kSlipUnknown = "slip.unknown";
inline constexpr std::string_view kSlipNotToday = "slip.not_today";
inline constexpr std::string_view kSlipCancelled = "slip.cancelled";
inline constexpr std::string_view kSlipAlreadyEntered = "slip.already_entered";
inline constexpr std::string_view kSlipNoShow = "slip.no_show";

// The answer of a port check. `booking` and `names` are set whenever the
// booking was found, also for most invalid verdicts.
struct PortVerdict {
  bool valid = false;
  std::string reason;  // "" when valid, else one of the kSlip* codes
  bool found = false;
  store::Booking booking;
  std::vector<std::string> names;
  std::string entered_by_username;  // of the recorded entry, when there is one
};

// `text` as a QR code (error correction level M) in an inline <svg> element
// with a 4-module quiet zone, black on white. Throws std::runtime_error when
// libqrencode cannot encode it.
std::string qr_code_svg(std::string_view text);

class SlipService {
 public:
  SlipService(store::Store& store, const Clock& clock, const TimeZone& zone, std::shared_ptr<SlipKeyDirectory> keys);

  // Today's slip of `account`: its booking dated today, confirmed or
  // entered. Otherwise slip.not_today (404) with params "valid_on" (the
  // date of the nearest booking, "" when none) and "tense" ("future",
  // "past" or "none").
  Result<Slip> todays_slip(const store::Account& account);

  // The keys that verify tokens, the signing key first.
  std::vector<SlipPublicKey> public_keys() const { return keys_->ring()->public_keys(); }
  std::string token_for(const store::Booking& booking) const;
  std::string today() const;

  // Port checks by `officer`; a valid check records the entry.
  PortVerdict check_token(const store::Staff& officer, const std::string& token);
  PortVerdict check_number(const store::Staff& officer, const std::string& booking_number,
                           const std::string& id_number);

  // Arrivals of `station_id` on `date` (confirmed and entered bookings).
  // Errors: arrival.date_invalid (field date), station.not_found.
  Result<std::vector<store::Booking>> arrivals(std::int64_t station_id, const std::string& date);
  // Record check-in and room number for an entered booking of the station.
  // Errors: arrival.room_number_invalid (field room_number),
  // arrival.not_found (404), arrival.not_entered (409).
  Result<store::Booking> check_in(const store::Staff& staff, std::int64_t station_id,
                                  const std::string& booking_number, const std::string& room_number);
  // Assign `staff_id` (a station_staff account) to a station; 0 clears it.
  // Errors: staff.not_found (404), station.not_found (field station_id),
  // staff.station_role_invalid (422).
  Result<store::Staff> assign_station(const store::Staff& admin, std::int64_t staff_id, std::int64_t station_id);

  std::vector<store::BookingMember> members_of(const store::Booking& booking);

 private:
  PortVerdict verdict_for(const store::Staff& officer, store::Booking booking);
  std::int64_t now_seconds() const;

  store::Store& store_;
  const Clock& clock_;
  const TimeZone& zone_;
  const std::shared_ptr<SlipKeyDirectory> keys_;
};

}  // namespace yizhan::service

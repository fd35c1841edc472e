#include "service/slip_service.h"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <qrencode.h>

#include <algorithm>
#include <memory>
#include <stdexcept>

#include "domain/booking_rules.h"
#include "domain/text.h"

namespace yizhan::service {
namespace {

constexpr std::size_t kMaxRoomNumber = 16;
constexpr std::size_t kMaxTokenInput = 512;

// Room numbers as stations paint them: letters, digits and '-'.
bool valid_room_number(const std::string& room) {
  return !room.empty() && room.size() <= kMaxRoomNumber &&
         std::all_of(room.begin(), room.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-';
         });
}

bool is_booking_number(const std::string& text) {
  return text.size() == 12 && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

PortVerdict invalid(std::string_view reason) {
  PortVerdict verdict;
  verdict.reason = std::string(reason);
  return verdict;
}

}  // namespace

std::string qr_code_svg(std::string_view text) {
  const std::string input(text);
  std::unique_ptr<QRcode, decltype(&QRcode_free)> code(
      QRcode_encodeString(input.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1), &QRcode_free);
  if (!code) throw std::runtime_error("QR encoding failed for a text of " + std::to_string(text.size()) + " bytes");
  constexpr int kQuietZone = 4;
  const int width = code->width;
  const int size = width + 2 * kQuietZone;
  std::string path;
  for (int y = 0; y < width; ++y) {
    for (int x = 0; x < width; ++x) {
      // Bit 0 of each module byte is set for a dark module.
      if (code->data[y * width + x] & 1) {
        path += "M" + std::to_string(x + kQuietZone) + " " + std::to_string(y + kQuietZone) + "h1v1h-1z";
      }
    }
  }
  const std::string side = std::to_string(size);
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"qr-code\" viewBox=\"0 0 " + side + " " + side +
         "\" shape-rendering=\"crispEdges\" role=\"img\"><rect width=\"" + side + "\" height=\"" + side +
         "\" fill=\"#fff\"/><path fill=\"#000\" d=\"" + path + "\"/></svg>";
}

SlipService::SlipService(store::Store& store, const Clock& clock, const TimeZone& zone,
                         std::shared_ptr<SlipKeyDirectory> keys)
    : store_(store), clock_(clock), zone_(zone), keys_(std::move(keys)) {}

std::int64_t SlipService::now_seconds() const { return clock_.now().time_since_epoch().count(); }

std::string SlipService::today() const { return format_date(zone_.to_local(clock_.now()).date); }

std::string SlipService::token_for(const store::Booking& booking) const {
  SlipClaims claims;
  claims.booking_number = booking.booking_number;
  claims.date = booking.date;
  claims.identity_digest = slip_identity_digest(booking.id_type, booking.id_number);
  claims.group_size = booking.group_size;
  return keys_->ring()->sign(claims);
}

std::vector<store::BookingMember> SlipService::members_of(const store::Booking& booking) {
  auto members = store_.booking_members(booking.id);
  // Bookings made before members were stored list only the applicant.
  if (members.empty() || members.front().position != 0) {
    store::BookingMember applicant;
    applicant.name = booking.name;
    applicant.id_type = booking.id_type;
    applicant.id_number = booking.id_number;
    members.insert(members.begin(), applicant);
  }
  return members;
}

Result<Slip> SlipService::todays_slip(const store::Account& account) {
  const std::string date = today();
  const auto bookings = store_.list_bookings(account.id);  // newest date first
  for (const auto& booking : bookings) {
    if (booking.date == date && (booking.status == "confirmed" || booking.status == "entered")) {
      return Slip{booking, members_of(booking), token_for(booking)};
    }
  }

  // Say when a slip will be or was valid: an upcoming booking first, else
  // the latest past one that was not cancelled.
  Error error = make_error(ErrorKind::not_found, std::string(kSlipNotToday));
  error.params["tense"] = "none";
  error.params["valid_on"] = "";
  for (auto booking = bookings.rbegin(); booking != bookings.rend(); ++booking) {
    if (booking->status == "confirmed" && booking->date > date) {
      error.params["tense"] = "future";
      error.params["valid_on"] = booking->date;
      return error;
    }
  }
  for (const auto& booking : bookings) {
    if (booking.status != "cancelled" && booking.date != date) {
      error.params["tense"] = booking.date > date ? "future" : "past";
      error.params["valid_on"] = booking.date;
      return error;
    }
  }
  return error;
}

PortVerdict SlipService::verdict_for(const store::Staff& officer, store::Booking booking) {
  PortVerdict verdict;
  verdict.found = true;
  for (const auto& member : members_of(booking)) verdict.names.push_back(member.name);

  auto finish = [&](std::string_view reason) {
    verdict.valid = reason.empty();
    verdict.reason = std::string(reason);
    verdict.booking = booking;
    return verdict;
  };
  if (booking.status == "cancelled") return finish(kSlipCancelled);
  if (booking.status == "no_show") return finish(kSlipNoShow);
  if (booking.status == "entered") {
    if (const auto by = store_.find_staff_by_id(booking.entered_by)) verdict.entered_by_username = by->username;
    return finish(kSlipAlreadyEntered);
  }
  if (booking.date != today()) return finish(kSlipNotToday);

  const auto entry = store_.record_entry(booking.booking_number, officer.id, now_seconds());
  booking = entry.booking;
  switch (entry.result) {
    case store::EntryResult::recorded:
      verdict.entered_by_username = entry.entered_by_username;
      spdlog::info("event=slip.entry booking_number={} staff_id={}", booking.booking_number, officer.id);
      return finish("");
    case store::EntryResult::already_entered:
      // Another officer recorded it between the read above and this call.
      verdict.entered_by_username = entry.entered_by_username;
      return finish(kSlipAlreadyEntered);
    case store::EntryResult::not_confirmed:
      return finish(booking.status == "no_show" ? kSlipNoShow : kSlipCancelled);
    case store::EntryResult::not_found:
      break;
  }
  return invalid(kSlipUnknown);
}

PortVerdict SlipService::check_token(const store::Staff& officer, const std::string& token) {
  if (token.empty() || token.size() > kMaxTokenInput) return invalid(kSlipMalformed);
  auto checked = verify_slip_token(token, keys_->ring()->public_keys());
  if (checked.result == SlipTokenCheck::unknown_key) {
    // Another server sharing the key directory may already sign with a key
    // that this one has not loaded yet.
    checked = verify_slip_token(token, keys_->refresh_now()->public_keys());
  }
  switch (checked.result) {
    case SlipTokenCheck::valid: break;
    case SlipTokenCheck::malformed: return invalid(kSlipMalformed);
    case SlipTokenCheck::unknown_key:
    case SlipTokenCheck::bad_signature:
      spdlog::warn("event=slip.rejected reason={} staff_id={}",
                   checked.result == SlipTokenCheck::unknown_key ? "unknown_key" : "bad_signature", officer.id);
      return invalid(kSlipBadSignature);
  }
  auto booking = store_.find_booking(checked.claims.booking_number);
  if (!booking || slip_identity_digest(booking->id_type, booking->id_number) != checked.claims.identity_digest) {
    return invalid(kSlipUnknown);
  }
  return verdict_for(officer, *booking);
}

PortVerdict SlipService::check_number(const store::Staff& officer, const std::string& booking_number,
                                      const std::string& id_number) {
  const std::string number = domain::normalize_id_number(booking_number);
  if (!is_booking_number(number)) return invalid(kSlipUnknown);
  auto booking = store_.find_booking(number);
  // The same answer for a wrong number and a wrong ID number, so the form
  // cannot be used to learn which booking numbers exist.
  if (!booking || id_number.empty() || domain::normalize_id_number(id_number) != booking->id_number) {
    return invalid(kSlipUnknown);
  }
  return verdict_for(officer, *booking);
}

Result<std::vector<store::Booking>> SlipService::arrivals(std::int64_t station_id, const std::string& date) {
  if (!parse_date(date)) return make_error(ErrorKind::invalid, "arrival.date_invalid", "date");
  const auto stations = store_.list_stations();
  if (std::none_of(stations.begin(), stations.end(), [&](const store::Station& s) { return s.id == station_id; })) {
    return make_error(ErrorKind::not_found, "station.not_found", "station_id");
  }
  return store_.list_arrivals(station_id, date);
}

Result<store::Booking> SlipService::check_in(const store::Staff& staff, std::int64_t station_id,
                                             const std::string& booking_number, const std::string& room_number) {
  const std::string room = domain::normalize_id_number(room_number);
  if (!valid_room_number(room)) {
    Error error = make_error(ErrorKind::invalid, "arrival.room_number_invalid", "room_number");
    error.params["max"] = std::to_string(kMaxRoomNumber);
    return error;
  }
  auto booking = is_booking_number(booking_number) ? store_.find_booking(booking_number) : std::nullopt;
  if (!booking || booking->station_id != station_id ||
      (booking->status != "confirmed" && booking->status != "entered")) {
    return make_error(ErrorKind::not_found, "arrival.not_found");
  }
  if (booking->status != "entered") return make_error(ErrorKind::conflict, "arrival.not_entered");

  store::AuditEntry audit;
  audit.at = now_seconds();
  audit.staff_id = staff.id;
  audit.staff_username = staff.username;
  audit.action = "arrival.check_in";
  audit.target_type = "booking";
  audit.target_id = booking->booking_number;
  audit.before_json = nlohmann::json{{"room_number", booking->room_number},
                                     {"checked_in", booking->checked_in_at != 0}}.dump();
  audit.after_json = nlohmann::json{{"room_number", room}, {"checked_in", true}}.dump();
  if (!store_.record_check_in(booking->booking_number, station_id, room, audit.at, audit)) {
    return make_error(ErrorKind::conflict, "arrival.not_entered");
  }
  return *store_.find_booking(booking->booking_number);
}

Result<store::Staff> SlipService::assign_station(const store::Staff& admin, std::int64_t staff_id,
                                                 std::int64_t station_id) {
  auto target = store_.find_staff_by_id(staff_id);
  if (!target) return make_error(ErrorKind::not_found, "staff.not_found");
  if (station_id != 0) {
    const auto stations = store_.list_stations();
    if (std::none_of(stations.begin(), stations.end(), [&](const store::Station& s) { return s.id == station_id; })) {
      return make_error(ErrorKind::invalid, "station.not_found", "station_id");
    }
    if (target->role != "station_staff") return make_error(ErrorKind::invalid, "staff.station_role_invalid", "station_id");
  }
  store::AuditEntry audit;
  audit.at = now_seconds();
  audit.staff_id = admin.id;
  audit.staff_username = admin.username;
  audit.action = "staff.station_set";
  audit.target_type = "staff";
  audit.target_id = std::to_string(staff_id);
  audit.before_json = nlohmann::json{{"username", target->username}, {"station_id", target->station_id}}.dump();
  audit.after_json = nlohmann::json{{"username", target->username}, {"station_id", station_id}}.dump();
  store_.set_staff_station(staff_id, station_id, audit);
  target->station_id = station_id;
  return *target;
}

}  // namespace yizhan::service

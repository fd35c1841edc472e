// Staff roles and what each may do; staff accounts are separate from
// traveller accounts and sign in on the admin entrance.
#pragma once

#include <array>
#include <optional>
#include <string_view>

#include "domain/error.h"

namespace yizhan::domain {

enum class StaffRole { admin, reviewer, operator_, port_officer, station_staff };

inline constexpr std::array<StaffRole, 5> kStaffRoles = {StaffRole::admin, StaffRole::reviewer, StaffRole::operator_,
                                                        StaffRole::port_officer, StaffRole::station_staff};

// What a staff action needs; each role is granted a fixed set.
enum class Permission {
  review,            // decide on personal information and co-residents
  manage_staff,      // add, disable, change role, reset staff passwords
  manage_travellers, // search accounts, reset traveller passwords
  read_audit,        // read the audit log
  manage_quotas,     // stations, rooms and daily quotas
  lift_bans,         // lift a no-show ban with a reason
  verify_slips,      // port verification and entry records
  station_arrivals,  // a station's arrivals, check-in and room numbers
  close_days,        // mark a day's no-shows
};

// The administrator may do everything; each other role does its own work.
bool role_allows(StaffRole role, Permission permission);

std::optional<StaffRole> parse_staff_role(std::string_view name);
std::string_view to_string(StaffRole role);

// Usernames: 3 to 32 characters of lower-case ASCII letters, digits, '.', '_'
// and '-', starting with a letter.
Check validate_staff_username(std::string_view username);

}  // namespace yizhan::domain

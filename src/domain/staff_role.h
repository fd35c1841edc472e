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

std::optional<StaffRole> parse_staff_role(std::string_view name);
std::string_view to_string(StaffRole role);

// Usernames: 3 to 32 characters of lower-case ASCII letters, digits, '.', '_'
// and '-', starting with a letter.
Check validate_staff_username(std::string_view username);

}  // namespace yizhan::domain

#include "domain/staff_role.h"

namespace yizhan::domain {

bool role_allows(StaffRole role, Permission permission) {
  switch (role) {
    case StaffRole::admin: return true;
    case StaffRole::reviewer: return permission == Permission::review;
    case StaffRole::operator_:
      return permission == Permission::manage_quotas || permission == Permission::lift_bans ||
             permission == Permission::close_days;
    case StaffRole::port_officer: return permission == Permission::verify_slips;
    case StaffRole::station_staff: return permission == Permission::station_arrivals;
  }
  return false;
}

std::optional<StaffRole> parse_staff_role(std::string_view name) {
  for (StaffRole role : kStaffRoles) {
    if (to_string(role) == name) return role;
  }
  return std::nullopt;
}

std::string_view to_string(StaffRole role) {
  switch (role) {
    case StaffRole::admin: return "admin";
    case StaffRole::reviewer: return "reviewer";
    case StaffRole::operator_: return "operator";
    case StaffRole::port_officer: return "port_officer";
    case StaffRole::station_staff: return "station_staff";
  }
  return "admin";
}

Check validate_staff_username(std::string_view username) {
  if (username.empty()) return make_error(ErrorKind::invalid, "staff.username_missing", "username");
  if (username.size() < 3 || username.size() > 32 || username[0] < 'a' || username[0] > 'z') {
    return make_error(ErrorKind::invalid, "staff.username_invalid", "username");
  }
  for (char c : username) {
    const bool allowed = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!allowed) return make_error(ErrorKind::invalid, "staff.username_invalid", "username");
  }
  return std::nullopt;
}

}  // namespace yizhan::domain

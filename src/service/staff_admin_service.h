// StaffAdminService: the administrator's tools in the back office. It
// manages staff accounts, resets travellers' passwords and reads the audit
// log. Every change is written together with its audit entry. Shared by
// the back-office pages and the staff JSON API. The caller checks the
// actor's role; this service checks the rules about the targets.
//
// Thread-safe. Staff changes that could remove the last administrator run
// one at a time inside this process.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "domain/error.h"
#include "service/clock.h"
#include "service/config.h"
#include "store/store.h"

namespace yizhan::service {

// Maximum number of travellers one search returns.
inline constexpr int kTravellerSearchLimit = 50;
// Bounds of a traveller search text, in code points.
inline constexpr std::size_t kTravellerQueryMinCodePoints = 2;
inline constexpr std::size_t kTravellerQueryMaxCodePoints = 50;
// Length of a generated one-time password, in characters.
inline constexpr std::size_t kOneTimePasswordLength = 12;

// A traveller found by a search, with what an administrator needs to pick
// the right one.
struct TravellerSummary {
  store::Account account;
  std::string name;           // from the personal information, "" when none
  std::string review_status;  // none, draft, pending, approved or rejected
};

// Filters of the audit log as typed: dates are YYYY-MM-DD in the configured
// zone and both ends are inclusive; empty strings do not filter.
struct AuditQuery {
  std::string staff_username;
  std::string action;
  std::string target_type;
  std::string target_id;
  std::string from;
  std::string to;
  int limit = 50;
  int offset = 0;
};

class StaffAdminService {
 public:
  StaffAdminService(store::Store& store, const Clock& clock, const TimeZone& zone, const Config& config);

  std::vector<store::Staff> list_staff();

  // Add a staff account on behalf of `actor`. Errors: staff.username_missing,
  // staff.username_invalid, staff.role_invalid, the password rules
  // (account.password_*), staff.username_taken (409).
  Result<store::Staff> add_staff(const store::Staff& actor, const std::string& username, const std::string& role,
                                 const std::string& password);

  // Change the role and/or the disabled flag; an absent value keeps the
  // current one, and a request that changes nothing writes no audit entry.
  // Disabling ends the account's sessions. Errors: staff.not_found (404),
  // staff.role_invalid, staff.last_admin (409) when no enabled
  // administrator would remain, staff.cannot_change_self (422) when an
  // administrator would demote or disable themselves.
  Result<store::Staff> update_staff(const store::Staff& actor, std::int64_t staff_id,
                                    const std::optional<std::string>& role, std::optional<bool> disabled);

  // Set a new password for a staff account and end its sessions. Errors:
  // staff.not_found (404), the password rules (account.password_*).
  Check set_staff_password(const store::Staff& actor, std::int64_t staff_id, const std::string& password);

  // Travellers whose ID number or name contains `query`, newest account
  // first. The ID number is also matched in its normalized spelling, so
  // "h1234" finds "H12345678". Errors: traveller.query_missing,
  // traveller.query_too_short, traveller.query_too_long (field q).
  Result<std::vector<TravellerSummary>> search_travellers(const std::string& query);

  // Give the traveller a new random password that must be changed at the
  // next login, end all their sessions, and return the password. It is
  // stored only hashed, so this result is the only place it appears.
  // Errors: traveller.not_found (404).
  Result<std::string> reset_traveller_password(const store::Staff& actor, std::int64_t account_id);

  // Audit entries matching `query`, newest first. Errors: audit.date_invalid
  // (field from or to), audit.range_invalid (field to) when `to` is before
  // `from`. `limit` and `offset` are trusted: the caller has bounded them.
  Result<std::vector<store::AuditEntry>> read_audit(const AuditQuery& query);

 private:
  store::AuditEntry audit_entry(const store::Staff& actor, std::string action, std::string target_type,
                                std::string target_id) const;
  std::string hash(const std::string& password) const;

  store::Store& store_;
  const Clock& clock_;
  const TimeZone& zone_;
  const Config& config_;
  // Serializes the "last enabled administrator" check with the change.
  // NOTE: this guards one process only. Several servers on one database
  // would need the store to make the check inside its transaction.
  std::mutex staff_changes_;
};

// A random password of kOneTimePasswordLength characters that meets the
// password rules. Letters and digits that are easy to confuse (0/O, 1/l/I)
// are left out, because an administrator may read it out over the phone.
std::string generate_one_time_password();

}  // namespace yizhan::service

// ProfileService: the traveller's personal information (填報個人信息):
// saving a draft, submitting it for review, and what booking needs to know
// about it. Shared by the pages and the JSON API.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "domain/error.h"
#include "service/clock.h"
#include "service/divisions.h"
#include "store/store.h"

namespace yizhan::service {

// The fields a save request carries; an absent member leaves the stored
// value as it is.
struct ProfileChanges {
  std::optional<std::string> name;
  std::optional<std::string> gender;
  std::optional<std::string> birth_date;
  std::optional<std::string> hk_mobile;
  std::optional<std::string> mainland_mobile;
  std::optional<std::string> destination_code;
  std::optional<bool> consent;
};

// The stored profile after a successful call, or every error found.
struct ProfileOutcome {
  std::optional<store::Profile> profile;
  std::vector<Error> errors;
  bool ok() const { return errors.empty(); }
};

class ProfileService {
 public:
  ProfileService(store::Store& store, const Clock& clock, const TimeZone& zone, const Divisions& divisions);

  std::optional<store::Profile> find(std::int64_t account_id);

  // "Save progress": merge the changes, check the format of every filled-in
  // field, and store the result as a draft. Changing an approved or pending
  // profile sends it back to draft, so it needs a new review.
  ProfileOutcome save_draft(const store::Account& account, const ProfileChanges& changes);

  // "Done": validate everything and mark the profile pending review.
  ProfileOutcome submit(const store::Account& account);
  // The form's "Done": apply the changes and submit in one step; refused
  // as a whole, so a failed submit leaves the stored profile as it was.
  ProfileOutcome save_and_submit(const store::Account& account, const ProfileChanges& changes);

  // Review status as the API names it: none, draft, pending, approved, rejected.
  static std::string review_status(const std::optional<store::Profile>& profile);

 private:
  ProfileOutcome update(const store::Account& account, const ProfileChanges& changes, bool submit);
  std::vector<Error> check_destination(const std::string& code, bool required) const;

  store::Store& store_;
  const Clock& clock_;
  const TimeZone& zone_;
  const Divisions& divisions_;
};

}  // namespace yizhan::service

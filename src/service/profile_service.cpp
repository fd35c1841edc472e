#include "service/profile_service.h"

#include <algorithm>

#include "domain/id_document.h"
#include "domain/profile.h"

namespace yizhan::service {
namespace {

domain::ProfileInput input_of(const store::Profile& profile) {
  domain::ProfileInput input;
  input.name = profile.name;
  input.gender = profile.gender;
  input.birth_date = profile.birth_date;
  input.hk_mobile = profile.hk_mobile;
  input.mainland_mobile = profile.mainland_mobile;
  input.destination_code = profile.destination_code;
  input.consent = profile.consent;
  return input;
}

void copy_input(const domain::ProfileInput& input, store::Profile& profile) {
  profile.name = input.name;
  profile.gender = input.gender;
  profile.birth_date = input.birth_date;
  profile.hk_mobile = input.hk_mobile;
  profile.mainland_mobile = input.mainland_mobile;
  profile.destination_code = input.destination_code;
  profile.consent = input.consent;
}

bool same_fields(const store::Profile& left, const store::Profile& right) {
  return left.name == right.name && left.gender == right.gender && left.birth_date == right.birth_date &&
         left.hk_mobile == right.hk_mobile && left.mainland_mobile == right.mainland_mobile &&
         left.destination_code == right.destination_code && left.consent == right.consent;
}

}  // namespace

ProfileService::ProfileService(store::Store& store, const Clock& clock, const TimeZone& zone,
                               const Divisions& divisions)
    : store_(store), clock_(clock), zone_(zone), divisions_(divisions) {}

std::optional<store::Profile> ProfileService::find(std::int64_t account_id) { return store_.find_profile(account_id); }

std::string ProfileService::review_status(const std::optional<store::Profile>& profile) {
  return profile ? profile->status : "none";
}

std::vector<Error> ProfileService::check_destination(const std::string& code, bool required) const {
  if (code.empty() && !required) return {};
  // The format rule already ran; here the code must name a real county-level
  // division (or a city without counties) of the loaded data.
  if (!code.empty() && !divisions_.is_destination(code)) {
    return {make_error(ErrorKind::invalid, "profile.destination_unknown", "destination_code")};
  }
  return {};
}

ProfileOutcome ProfileService::save_draft(const store::Account& account, const ProfileChanges& changes) {
  return update(account, changes, false);
}

ProfileOutcome ProfileService::submit(const store::Account& account) { return update(account, {}, true); }

ProfileOutcome ProfileService::save_and_submit(const store::Account& account, const ProfileChanges& changes) {
  return update(account, changes, true);
}

ProfileOutcome ProfileService::update(const store::Account& account, const ProfileChanges& changes, bool submit) {
  ProfileOutcome outcome;
  // While a booking is active it carries this information; it stays fixed.
  if (store_.find_active_booking(account.id, format_date(zone_.to_local(clock_.now()).date))) {
    outcome.errors.push_back(make_error(ErrorKind::conflict, "profile.locked_by_booking"));
    return outcome;
  }
  const auto existing = store_.find_profile(account.id);
  store::Profile profile = existing.value_or(store::Profile{});
  profile.account_id = account.id;

  domain::ProfileInput input = input_of(profile);
  if (changes.name) input.name = *changes.name;
  if (changes.gender) input.gender = *changes.gender;
  if (changes.birth_date) input.birth_date = *changes.birth_date;
  if (changes.hk_mobile) input.hk_mobile = *changes.hk_mobile;
  if (changes.mainland_mobile) input.mainland_mobile = *changes.mainland_mobile;
  if (changes.destination_code) input.destination_code = *changes.destination_code;
  if (changes.consent) input.consent = *changes.consent;
  domain::normalize_profile(input);

  // Every rule runs before anything is stored, so a refused request
  // changes nothing.
  const auto id_type = domain::parse_id_type(account.id_type);
  const auto today = zone_.to_local(clock_.now()).date;
  outcome.errors = submit ? domain::validate_profile_complete(input, *id_type, account.id_number, today)
                          : domain::validate_profile_draft(input, *id_type, account.id_number, today);
  const bool destination_format_ok = std::none_of(outcome.errors.begin(), outcome.errors.end(),
                                                  [](const Error& e) { return e.field == "destination_code"; });
  if (destination_format_ok) {
    // Keep form order: the destination comes before the consent.
    for (Error& error : check_destination(input.destination_code, false)) {
      const auto consent = std::find_if(outcome.errors.begin(), outcome.errors.end(),
                                        [](const Error& e) { return e.field == "consent"; });
      outcome.errors.insert(consent, std::move(error));
    }
  }
  if (!outcome.ok()) return outcome;

  store::Profile updated = profile;
  copy_input(input, updated);
  const bool unchanged = existing && same_fields(*existing, updated);
  if (unchanged && submit && existing->status == "pending") {
    outcome.errors.push_back(make_error(ErrorKind::conflict, "profile.already_pending"));
    return outcome;
  }
  if (unchanged && submit && existing->status == "approved") {
    outcome.errors.push_back(make_error(ErrorKind::conflict, "profile.already_approved"));
    return outcome;
  }
  if (unchanged && !submit) {
    // Saving what is already stored keeps the review state.
    outcome.profile = *existing;
    return outcome;
  }

  const auto now = clock_.now().time_since_epoch().count();
  if (updated.consent && !profile.consent) updated.consent_at = now;
  if (!updated.consent) updated.consent_at = 0;
  // Any change needs a new review; a rejection's reason stays visible until
  // the next decision.
  updated.status = submit ? "pending" : "draft";
  updated.submitted_at = submit ? now : 0;
  updated.updated_at = now;
  outcome.profile = store_.save_profile(updated);
  return outcome;
}

}  // namespace yizhan::service

// ReviewService: the reviewers' queue of submitted personal information and
// their decisions on it. Each queued submission comes with the checks the
// system made on it, so a reviewer compares only what a machine cannot.
// Shared by the back-office pages and the staff JSON API.
//
// Thread-safe: it has no mutable state of its own, and the store settles
// concurrent decisions on one submission (the first wins).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/error.h"
#include "service/clock.h"
#include "service/divisions.h"
#include "store/store.h"

namespace yizhan::service {

// Reasons a reviewer may give for a rejection; "other" needs a note.
inline constexpr std::array<std::string_view, 7> kRejectReasons = {
    "document_mismatch", "name_mismatch",       "birth_date_mismatch", "mobile_invalid",
    "destination_invalid", "duplicate_account", "other"};

// The personal-information fields a decision covers, in form order. These
// are also the members of the approved snapshot (Profile::approved_json).
inline constexpr std::array<std::string_view, 6> kReviewedFields = {
    "name", "gender", "birth_date", "hk_mobile", "mainland_mobile", "destination_code"};

// Maximum length of a reviewer's note, in code points.
inline constexpr std::size_t kReviewNoteMaxCodePoints = 500;

// Results of the system's checks on one submission. A check that does not
// apply to the ID document type is nullopt. Only resident ID cards encode a
// check digit, a birth date and a gender.
struct ReviewChecks {
  bool id_number_format_valid = false;
  std::optional<bool> id_check_digit_valid;
  std::optional<bool> birth_date_matches_id;
  std::optional<bool> gender_matches_id;
  // Whether the destination code names a place a traveller may choose;
  // nullopt when no destination was given.
  std::optional<bool> destination_known;
  // Other accounts registered with the same ID number, under any type.
  int same_number_accounts = 0;
  // Profile fields that break a format rule, with the rule's error code.
  std::map<std::string, std::string> field_errors;
};

// One co-resident of the account under review, with the system's checks:
// its fields against the co-resident rules, and the resident ID comparisons
// as for the traveller (nullopt when they do not apply).
struct CoResidentReview {
  store::CoResident co_resident;
  bool id_number_format_valid = false;
  std::optional<bool> id_check_digit_valid;
  std::optional<bool> birth_date_matches_id;
  std::optional<bool> gender_matches_id;
  // Fields that break a rule, with the rule's error code.
  std::map<std::string, std::string> field_errors;
};

// One submission with its checks and change markers, as the review pages
// and the API show it.
struct ReviewEntry {
  store::ReviewItem item;
  ReviewChecks checks;
  // True when an earlier version was approved, so changes can be shown.
  bool previously_approved = false;
  // Fields that differ from the last approved version, in form order.
  std::vector<std::string> changed_fields;
  // The last approved value of each changed field.
  std::map<std::string, std::string> approved_values;
  // Every co-resident of the account, oldest first; a decision covers the
  // pending ones.
  std::vector<CoResidentReview> co_residents;
  // True when the profile or any co-resident waits for a decision.
  bool pending = false;
};

struct ReviewQueuePage {
  std::vector<ReviewEntry> entries;  // oldest submission first
  int total = 0;                     // pending submissions in the whole queue
};

enum class ReviewDecision { approve, reject };

std::optional<ReviewDecision> parse_review_decision(std::string_view name);

class ReviewService {
 public:
  ReviewService(store::Store& store, const Clock& clock, const TimeZone& zone, const Divisions& divisions);

  // Pending submissions, oldest first. `limit` and `offset` are trusted:
  // the caller has already bounded them.
  ReviewQueuePage queue(int limit, int offset);

  // One submission, pending or not; nullopt when the account has never
  // saved personal information.
  std::optional<ReviewEntry> find(std::int64_t account_id);

  // Approve or reject everything pending of `account_id` (the personal
  // information and the co-residents) and write the audit entry in the same
  // transaction. An approval stores no reason, and
  // its note goes to the audit entry only. `expected_version`, when given, is
  // the version the reviewer looked at; a submission changed since then
  // counts as already decided. Returns the profile, decided when it was
  // pending and unchanged when only co-residents were.
  //
  // Errors:
  //   review.decision_invalid   neither approve nor reject (field decision)
  //   review.reason_required    a rejection without a reason (field reason)
  //   review.reason_invalid     a reason not in kRejectReasons (field reason)
  //   review.reason_unexpected  a reason given with an approval (field reason)
  //   review.note_required      reason "other" without a note (field note)
  //   review.note_too_long      more than kReviewNoteMaxCodePoints (field note)
  //   review.note_invalid       not UTF-8, or a control character other than
  //                             a line break or tab (field note)
  //   review.not_found          (404) the account has no personal information
  //   review.not_pending        (409) nothing waits for review, including
  //                             when another reviewer decided first
  Result<store::Profile> decide(const store::Staff& staff, std::int64_t account_id, const std::string& decision,
                                const std::string& reason_code, const std::string& note,
                                std::optional<std::int64_t> expected_version = std::nullopt);

 private:
  // The checks and change markers for one queue item, computed against the
  // current local date.
  ReviewEntry describe(store::ReviewItem item) const;
  // Sets the decision's status, reason and snapshot on a pending profile.
  static void decide_profile_fields(store::Profile& decided, ReviewDecision decision, const std::string& reason_code,
                                    const std::string& note, const store::Staff& staff, std::int64_t now);

  store::Store& store_;
  const Clock& clock_;
  const TimeZone& zone_;
  const Divisions& divisions_;
};

// The JSON snapshot of the reviewed fields that an approval stores.
std::string approved_snapshot(const store::Profile& profile);

}  // namespace yizhan::service

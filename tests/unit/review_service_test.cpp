#include "service/review_service.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <functional>
#include <thread>

#include "domain/id_document.h"
#include "store_backends.h"

namespace yizhan::service {
namespace {

// 1 December 2026, 10:00 in Shenzhen.
constexpr std::int64_t kNow = 1796090400;
constexpr std::int64_t kSubmittedAt = kNow - 3600;

// Loading once keeps the suite fast, and Divisions is immutable.
const Divisions& divisions() {
  static const Divisions loaded;
  return loaded;
}

// A resident ID number with a correct check digit for the given first 17
// digits: area code, birth date and sequence. The 17th digit is odd for men.
std::string resident_id(const std::string& first17) {
  return first17 + domain::resident_id_check_digit(first17);
}

// Born 1990-03-07, male.
const std::string kResidentId = resident_id("11010119900307123");

class ReviewServiceTest : public ::testing::TestWithParam<store::backends::Backend> {
 protected:
  void SetUp() override {
    YIZHAN_SKIP_UNAVAILABLE_BACKEND(GetParam());
    database_ = std::make_unique<store::backends::TestDatabase>(GetParam());
    store_ = database_->open();
    store_->migrate();
    clock_.set(Instant{std::chrono::seconds{kNow}});
    service_ = std::make_unique<ReviewService>(*store_, clock_, zone_, divisions());

    std::int64_t id = 0;
    store_->insert_staff(store::NewStaff{"reviewer1", "hash", "reviewer", kNow}, id);
    reviewer_ = *store_->find_staff_by_id(id);
    store_->insert_staff(store::NewStaff{"reviewer2", "hash", "reviewer", kNow}, id);
    second_reviewer_ = *store_->find_staff_by_id(id);
  }

  void TearDown() override {
    service_.reset();
    store_.reset();
    database_.reset();
  }

  std::int64_t add_account(const std::string& type, const std::string& number) {
    std::int64_t id = 0;
    store_->insert_account(store::NewAccount{type, number, "hash", "en", "consent", kNow, kNow}, id);
    return id;
  }

  // Store a submission that matches kResidentId, then apply `change`.
  store::Profile submit(std::int64_t account_id, std::int64_t submitted_at = kSubmittedAt,
                        const std::function<void(store::Profile&)>& change = {}) {
    store::Profile profile = store_->find_profile(account_id).value_or(store::Profile{});
    profile.account_id = account_id;
    profile.name = "陳大文";
    profile.gender = "male";
    profile.birth_date = "1990-03-07";
    profile.hk_mobile = "91234567";
    profile.mainland_mobile = "13800138000";
    profile.destination_code = "440304";
    profile.consent = true;
    profile.consent_at = submitted_at;
    profile.status = "pending";
    profile.submitted_at = submitted_at;
    profile.updated_at = submitted_at;
    if (change) change(profile);
    return store_->save_profile(profile);
  }

  std::int64_t resident_submission() {
    const std::int64_t id = add_account("resident_id", kResidentId);
    submit(id);
    return id;
  }

  ReviewEntry entry_for(std::int64_t account_id) {
    auto entry = service_->find(account_id);
    EXPECT_TRUE(entry.has_value());
    return entry.value_or(ReviewEntry{});
  }

  void expect_unchanged(std::int64_t account_id) {
    EXPECT_EQ(store_->find_profile(account_id)->status, "pending");
    EXPECT_TRUE(store_->list_audit(store::AuditFilter{}).empty());
  }

  std::unique_ptr<store::backends::TestDatabase> database_;
  std::unique_ptr<store::Store> store_;
  AdjustableClock clock_;
  TimeZone zone_{"Asia/Shanghai"};
  std::unique_ptr<ReviewService> service_;
  store::Staff reviewer_;
  store::Staff second_reviewer_;
};

TEST_P(ReviewServiceTest, ResidentIdChecksPass) {
  const auto entry = entry_for(resident_submission());
  EXPECT_TRUE(entry.checks.id_number_format_valid);
  EXPECT_EQ(entry.checks.id_check_digit_valid, true);
  EXPECT_EQ(entry.checks.birth_date_matches_id, true);
  EXPECT_EQ(entry.checks.gender_matches_id, true);
  EXPECT_EQ(entry.checks.same_number_accounts, 0);
  EXPECT_EQ(entry.checks.destination_known, true);
  EXPECT_TRUE(entry.checks.field_errors.empty());
}

TEST_P(ReviewServiceTest, ResidentIdMismatchesAreFlagged) {
  const std::int64_t id = add_account("resident_id", kResidentId);
  submit(id, kSubmittedAt, [](store::Profile& profile) {
    profile.birth_date = "1990-03-08";
    profile.gender = "female";
  });
  const auto entry = entry_for(id);
  EXPECT_EQ(entry.checks.id_check_digit_valid, true);
  EXPECT_EQ(entry.checks.birth_date_matches_id, false);
  EXPECT_EQ(entry.checks.gender_matches_id, false);
}

TEST_P(ReviewServiceTest, WrongCheckDigitLeavesTheComparisonsUndecided) {
  std::string number = kResidentId;
  number[17] = number[17] == '0' ? '1' : '0';
  const std::int64_t id = add_account("resident_id", number);
  submit(id);
  const auto entry = entry_for(id);
  EXPECT_FALSE(entry.checks.id_number_format_valid);
  EXPECT_EQ(entry.checks.id_check_digit_valid, false);
  EXPECT_FALSE(entry.checks.birth_date_matches_id.has_value());
  EXPECT_FALSE(entry.checks.gender_matches_id.has_value());
}

TEST_P(ReviewServiceTest, OtherDocumentTypesSkipResidentIdChecks) {
  const std::int64_t id = add_account("home_return_permit", "H12345678");
  submit(id);
  const auto entry = entry_for(id);
  EXPECT_TRUE(entry.checks.id_number_format_valid);
  EXPECT_FALSE(entry.checks.id_check_digit_valid.has_value());
  EXPECT_FALSE(entry.checks.birth_date_matches_id.has_value());
  EXPECT_FALSE(entry.checks.gender_matches_id.has_value());
}

TEST_P(ReviewServiceTest, BadlyFormattedNumberFailsTheFormatCheck) {
  const std::int64_t id = add_account("home_return_permit", "X1234");
  submit(id);
  EXPECT_FALSE(entry_for(id).checks.id_number_format_valid);
}

TEST_P(ReviewServiceTest, SameNumberOnAnotherAccountIsCounted) {
  const std::int64_t id = add_account("passport", "H12345678");
  add_account("home_return_permit", "H12345678");
  submit(id);
  EXPECT_EQ(entry_for(id).checks.same_number_accounts, 1);
}

TEST_P(ReviewServiceTest, FieldFormatErrorsAreReportedPerField) {
  const std::int64_t id = add_account("home_return_permit", "H12345678");
  submit(id, kSubmittedAt, [](store::Profile& profile) {
    profile.hk_mobile = "123";
    profile.destination_code = "999999";
  });
  const auto entry = entry_for(id);
  EXPECT_EQ(entry.checks.field_errors.count("name"), 0u);
  ASSERT_EQ(entry.checks.field_errors.count("hk_mobile"), 1u);
  EXPECT_EQ(entry.checks.field_errors.at("hk_mobile"), "profile.hk_mobile_invalid");
  EXPECT_EQ(entry.checks.destination_known, false);
}

TEST_P(ReviewServiceTest, QueueIsOldestFirstWithTheTotal) {
  const std::int64_t newer = add_account("home_return_permit", "H00000001");
  const std::int64_t older = add_account("home_return_permit", "H00000002");
  const std::int64_t draft = add_account("home_return_permit", "H00000003");
  submit(newer, kSubmittedAt);
  submit(older, kSubmittedAt - 600);
  submit(draft, kSubmittedAt - 1200, [](store::Profile& profile) { profile.status = "draft"; });

  const auto page = service_->queue(10, 0);
  EXPECT_EQ(page.total, 2);
  ASSERT_EQ(page.entries.size(), 2u);
  EXPECT_EQ(page.entries[0].item.profile.account_id, older);
  EXPECT_EQ(page.entries[1].item.profile.account_id, newer);

  const auto second = service_->queue(1, 1);
  ASSERT_EQ(second.entries.size(), 1u);
  EXPECT_EQ(second.entries[0].item.profile.account_id, newer);
}

TEST_P(ReviewServiceTest, FirstSubmissionHasNoChangedFields) {
  const auto entry = entry_for(resident_submission());
  EXPECT_FALSE(entry.previously_approved);
  EXPECT_TRUE(entry.changed_fields.empty());
}

TEST_P(ReviewServiceTest, ResubmissionMarksFieldsChangedSinceApproval) {
  const std::int64_t id = resident_submission();
  ASSERT_TRUE(service_->decide(reviewer_, id, "approve", "", ""));
  submit(id, kSubmittedAt + 60, [](store::Profile& profile) {
    profile.hk_mobile = "61234567";
    profile.destination_code = "440305";
  });

  const auto entry = entry_for(id);
  EXPECT_TRUE(entry.previously_approved);
  EXPECT_EQ(entry.changed_fields, (std::vector<std::string>{"hk_mobile", "destination_code"}));
  EXPECT_EQ(entry.approved_values.at("hk_mobile"), "91234567");
  EXPECT_EQ(entry.approved_values.at("destination_code"), "440304");
}

TEST_P(ReviewServiceTest, UnchangedResubmissionHasNoChangedFields) {
  const std::int64_t id = resident_submission();
  ASSERT_TRUE(service_->decide(reviewer_, id, "approve", "", ""));
  submit(id, kSubmittedAt + 60);
  const auto entry = entry_for(id);
  EXPECT_TRUE(entry.previously_approved);
  EXPECT_TRUE(entry.changed_fields.empty());
}

TEST_P(ReviewServiceTest, ApprovalStoresTheSnapshotAndAnAuditEntry) {
  const std::int64_t id = resident_submission();
  const auto decided = service_->decide(reviewer_, id, "approve", "", "checked by phone");
  ASSERT_TRUE(decided) << decided.error().code;

  const auto profile = *store_->find_profile(id);
  EXPECT_EQ(profile.status, "approved");
  EXPECT_EQ(profile.decided_by, reviewer_.id);
  EXPECT_EQ(profile.decided_at, kNow);
  EXPECT_EQ(profile.reject_note, "");
  const auto snapshot = nlohmann::json::parse(profile.approved_json);
  EXPECT_EQ(snapshot.size(), kReviewedFields.size());
  EXPECT_EQ(snapshot["name"], "陳大文");
  EXPECT_EQ(snapshot["destination_code"], "440304");

  const auto audit = store_->list_audit(store::AuditFilter{});
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0].action, "review.approve");
  EXPECT_EQ(audit[0].staff_id, reviewer_.id);
  EXPECT_EQ(audit[0].staff_username, "reviewer1");
  EXPECT_EQ(audit[0].target_type, "account");
  EXPECT_EQ(audit[0].target_id, std::to_string(id));
  const auto before = nlohmann::json::parse(audit[0].before_json);
  const auto after = nlohmann::json::parse(audit[0].after_json);
  EXPECT_EQ(before["status"], "pending");
  EXPECT_EQ(after["status"], "approved");
  EXPECT_EQ(after["approved"], snapshot);
  EXPECT_EQ(after["note"], "checked by phone");
}

TEST_P(ReviewServiceTest, AuditEntryCarriesOnlyTheMaskedNumber) {
  const std::int64_t id = resident_submission();
  ASSERT_TRUE(service_->decide(reviewer_, id, "reject", "document_mismatch", ""));
  const auto audit = store_->list_audit(store::AuditFilter{});
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0].before_json.find(kResidentId), std::string::npos);
  EXPECT_EQ(audit[0].after_json.find(kResidentId), std::string::npos);
  EXPECT_EQ(nlohmann::json::parse(audit[0].before_json)["id_number_masked"], domain::mask_id_number(kResidentId));
}

TEST_P(ReviewServiceTest, RejectionRecordsEachReasonFromTheList) {
  int number = 0;
  for (std::string_view reason : kRejectReasons) {
    const std::int64_t id = add_account("home_return_permit", "H1000000" + std::to_string(++number));
    submit(id);
    const std::string note = reason == "other" ? "photo unreadable" : "";
    const auto decided = service_->decide(reviewer_, id, "reject", std::string(reason), note);
    ASSERT_TRUE(decided) << reason << ": " << decided.error().code;

    const auto profile = *store_->find_profile(id);
    EXPECT_EQ(profile.status, "rejected") << reason;
    EXPECT_EQ(profile.reject_reason, reason);
    EXPECT_EQ(profile.reject_note, note) << reason;

    store::AuditFilter filter;
    filter.target_id = std::to_string(id);
    const auto audit = store_->list_audit(filter);
    ASSERT_EQ(audit.size(), 1u) << reason;
    EXPECT_EQ(audit[0].action, "review.reject");
    EXPECT_EQ(nlohmann::json::parse(audit[0].after_json)["reason"], reason);
  }
}

TEST_P(ReviewServiceTest, RejectionKeepsTheLastApprovedSnapshot) {
  const std::int64_t id = resident_submission();
  ASSERT_TRUE(service_->decide(reviewer_, id, "approve", "", ""));
  const std::string approved = store_->find_profile(id)->approved_json;
  submit(id, kSubmittedAt + 60, [](store::Profile& profile) { profile.name = "陳小文"; });
  ASSERT_TRUE(service_->decide(reviewer_, id, "reject", "name_mismatch", ""));
  EXPECT_EQ(store_->find_profile(id)->approved_json, approved);
}

TEST_P(ReviewServiceTest, InvalidDecisionsChangeNothing) {
  const std::int64_t id = resident_submission();
  struct Case {
    const char* decision;
    std::string reason;
    std::string note;
    const char* code;
    const char* field;
  };
  const std::vector<Case> cases = {
      {"maybe", "", "", "review.decision_invalid", "decision"},
      {"", "", "", "review.decision_invalid", "decision"},
      {"reject", "", "", "review.reason_required", "reason"},
      {"reject", "bogus", "", "review.reason_invalid", "reason"},
      {"reject", "OTHER", "x", "review.reason_invalid", "reason"},
      {"reject", "other", "", "review.note_required", "note"},
      {"reject", "other", " \n\t ", "review.note_required", "note"},
      {"reject", "other", std::string(501, 'x'), "review.note_too_long", "note"},
      {"reject", "other", "bell\x07", "review.note_invalid", "note"},
      {"reject", "other", "\xff\xfe", "review.note_invalid", "note"},
      {"approve", "other", "", "review.reason_unexpected", "reason"},
  };
  for (const Case& c : cases) {
    const auto decided = service_->decide(reviewer_, id, c.decision, c.reason, c.note);
    ASSERT_FALSE(decided) << c.code;
    EXPECT_EQ(decided.error().code, c.code);
    EXPECT_EQ(decided.error().field, c.field) << c.code;
    EXPECT_EQ(decided.error().kind, ErrorKind::invalid) << c.code;
  }
  expect_unchanged(id);
}

TEST_P(ReviewServiceTest, NoteOfTheMaximumLengthIsAccepted) {
  const std::int64_t id = resident_submission();
  std::string note;
  for (std::size_t i = 0; i < kReviewNoteMaxCodePoints; ++i) note += "字";
  const auto decided = service_->decide(reviewer_, id, "reject", "other", "  " + note + "\n");
  ASSERT_TRUE(decided) << decided.error().code;
  EXPECT_EQ(store_->find_profile(id)->reject_note, note);
}

TEST_P(ReviewServiceTest, UnknownAccountIsNotFound) {
  const auto decided = service_->decide(reviewer_, 9999, "approve", "", "");
  ASSERT_FALSE(decided);
  EXPECT_EQ(decided.error().code, "review.not_found");
  EXPECT_EQ(decided.error().kind, ErrorKind::not_found);
}

TEST_P(ReviewServiceTest, DraftIsNotPending) {
  const std::int64_t id = add_account("home_return_permit", "H12345678");
  submit(id, kSubmittedAt, [](store::Profile& profile) { profile.status = "draft"; });
  const auto decided = service_->decide(reviewer_, id, "approve", "", "");
  ASSERT_FALSE(decided);
  EXPECT_EQ(decided.error().code, "review.not_pending");
  EXPECT_EQ(decided.error().kind, ErrorKind::conflict);
}

TEST_P(ReviewServiceTest, SecondDecisionIsNotPending) {
  const std::int64_t id = resident_submission();
  ASSERT_TRUE(service_->decide(reviewer_, id, "approve", "", ""));
  const auto second = service_->decide(second_reviewer_, id, "reject", "other", "late");
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, "review.not_pending");
  EXPECT_EQ(store_->find_profile(id)->status, "approved");
  EXPECT_EQ(store_->list_audit(store::AuditFilter{}).size(), 1u);
}

TEST_P(ReviewServiceTest, StaleVersionIsNotPending) {
  const std::int64_t id = resident_submission();
  const std::int64_t seen = store_->find_profile(id)->version;
  // The traveller saves again while the reviewer looks at the old version.
  submit(id, kSubmittedAt + 60, [](store::Profile& profile) { profile.name = "陳小文"; });

  const auto decided = service_->decide(reviewer_, id, "approve", "", "", seen);
  ASSERT_FALSE(decided);
  EXPECT_EQ(decided.error().code, "review.not_pending");
  expect_unchanged(id);

  const auto current = service_->decide(reviewer_, id, "approve", "", "", store_->find_profile(id)->version);
  EXPECT_TRUE(current);
}

TEST_P(ReviewServiceTest, ConcurrentDecisionsHaveOneWinner) {
  const std::int64_t id = resident_submission();
  std::atomic<int> decided{0};
  std::atomic<int> not_pending{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      const auto result = i % 2 == 0 ? service_->decide(reviewer_, id, "approve", "", "")
                                     : service_->decide(second_reviewer_, id, "reject", "name_mismatch", "");
      if (result) {
        ++decided;
      } else if (result.error().code == "review.not_pending") {
        ++not_pending;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(decided.load(), 1);
  EXPECT_EQ(not_pending.load(), 7);
  EXPECT_EQ(store_->list_audit(store::AuditFilter{}).size(), 1u);
}

TEST(ReviewDecision, ParsesOnlyTheTwoNames) {
  EXPECT_EQ(parse_review_decision("approve"), ReviewDecision::approve);
  EXPECT_EQ(parse_review_decision("reject"), ReviewDecision::reject);
  EXPECT_FALSE(parse_review_decision("Approve").has_value());
  EXPECT_FALSE(parse_review_decision("").has_value());
}

INSTANTIATE_TEST_SUITE_P(Backends, ReviewServiceTest, store::backends::kAllBackends,
                         store::backends::backend_name);

}  // namespace
}  // namespace yizhan::service

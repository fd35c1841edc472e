// The store's closing of days, no-show counting and bans, on a real
// database of each backend.
#include <gtest/gtest.h>

#include <latch>
#include <thread>

#include "store_backends.h"

namespace yizhan::store {
namespace {

// Unix seconds, 2026-12-16 03:00 UTC. The store only compares it with captcha expiry times.
constexpr std::int64_t kNow = 1'797'390'000;
constexpr std::int64_t kDefaultStation = 1;  // the station every fresh database starts with
constexpr int kLimit = 2;
constexpr int kBanDays = 14;
const std::string kDigest = "digest";

class NoShowStoreTest : public ::testing::TestWithParam<backends::Backend> {
 protected:
  void SetUp() override {
    YIZHAN_SKIP_UNAVAILABLE_BACKEND(GetParam());
    database_ = std::make_unique<backends::TestDatabase>(GetParam());
    store_ = database_->open();
    store_->migrate();
    ASSERT_EQ(store_->insert_staff(NewStaff{"port1", "hash", "port_officer", kNow}, port_officer_),
              InsertOutcome::inserted);
  }

  void TearDown() override {
    store_.reset();
    database_.reset();
  }

  std::int64_t add_account() {
    std::int64_t id = 0;
    const std::string number = "H" + std::to_string(10'000'000 + next_number_++);
    const NewAccount account{"home_return_permit", number, "hash", "en", "consent", kNow, kNow};
    EXPECT_EQ(store_->insert_account(account, id), InsertOutcome::inserted) << number;
    return id;
  }

  void ensure_quota(const std::string& date) {
    AuditEntry audit;
    audit.at = kNow;
    audit.staff_username = "test";
    audit.action = "quota.set";
    audit.target_type = "day_quota";
    audit.target_id = date;
    ASSERT_EQ(store_->set_quota(date, kDefaultStation, 50, audit), QuotaResult::set);
  }

  // A confirmed booking of `account_id` on `date`, made on that date so
  // that earlier bookings of the account no longer count as active.
  Booking book(std::int64_t account_id, const std::string& date) {
    ensure_quota(date);
    const auto account = store_->find_account_by_id(account_id);
    EXPECT_TRUE(account.has_value());
    const std::string captcha = "captcha-" + std::to_string(next_captcha_++);
    store_->insert_captcha(captcha, kDigest, kNow + 120);
    BookingAttempt attempt;
    attempt.account_id = account_id;
    attempt.date = date;
    attempt.today = date;
    attempt.now = kNow;
    attempt.captcha_id = captcha;
    attempt.captcha_digest = kDigest;
    attempt.name = "Traveller " + std::to_string(account_id);
    attempt.id_type = account->id_type;
    attempt.id_number = account->id_number;
    attempt.destination_code = "440304";
    const auto outcomes = store_->book({attempt});
    EXPECT_EQ(outcomes.size(), 1u);
    EXPECT_EQ(outcomes.at(0).result, BookingResult::confirmed) << account_id << " on " << date;
    return outcomes.at(0).booking;
  }

  void enter(const Booking& booking) {
    ASSERT_EQ(store_->record_entry(booking.booking_number, port_officer_, kNow).result, EntryResult::recorded);
  }

  void cancel(const Booking& booking) {
    ASSERT_EQ(store_->cancel_booking(booking.booking_number, booking.account_id, kNow), CancelResult::cancelled);
  }

  std::string status_of(const Booking& booking) { return store_->find_booking(booking.booking_number)->status; }

  Account account(std::int64_t id) { return *store_->find_account_by_id(id); }

  CloseDayOutcome close(const std::string& date, int limit = kLimit, int ban_days = kBanDays) {
    return store_->close_day(date, kNow, limit, ban_days);
  }

  void execute_sql(const std::string& sql) {
    std::string message;
    EXPECT_EQ(database_->execute(sql, &message), backends::SqlStatus::ok) << message << " in " << sql;
  }

  std::unique_ptr<backends::TestDatabase> database_;
  std::unique_ptr<Store> store_;
  std::int64_t port_officer_ = 0;
  int next_number_ = 0;
  int next_captcha_ = 0;
};

TEST_P(NoShowStoreTest, CloseDayMarksOnlyConfirmedWithoutEntry) {
  const auto missed = book(add_account(), "2026-12-20");
  const auto cancelled = book(add_account(), "2026-12-20");
  cancel(cancelled);
  const auto entered = book(add_account(), "2026-12-20");
  enter(entered);
  const auto next_day = book(add_account(), "2026-12-21");
  const auto day_before = book(add_account(), "2026-12-19");

  const auto outcome = close("2026-12-20");

  EXPECT_EQ(outcome.no_shows, 1);
  EXPECT_EQ(outcome.bans, 0);
  EXPECT_FALSE(outcome.already_closed);
  EXPECT_EQ(status_of(missed), "no_show");
  EXPECT_EQ(status_of(cancelled), "cancelled");
  EXPECT_EQ(status_of(entered), "entered");
  EXPECT_EQ(status_of(next_day), "confirmed");
  EXPECT_EQ(status_of(day_before), "confirmed");
}

TEST_P(NoShowStoreTest, CloseDayCountsOnlyMissingAccounts) {
  const auto missed = book(add_account(), "2026-12-20");
  const auto cancelled = book(add_account(), "2026-12-20");
  cancel(cancelled);
  const auto entered = book(add_account(), "2026-12-20");
  enter(entered);

  close("2026-12-20");

  EXPECT_EQ(account(missed.account_id).consecutive_no_shows, 1);
  EXPECT_EQ(account(missed.account_id).total_no_shows, 1);
  EXPECT_EQ(account(missed.account_id).banned_until, "");
  for (const auto* other : {&cancelled, &entered}) {
    EXPECT_EQ(account(other->account_id).consecutive_no_shows, 0) << other->booking_number;
    EXPECT_EQ(account(other->account_id).total_no_shows, 0) << other->booking_number;
  }
}

TEST_P(NoShowStoreTest, CloseDayCountsSeveralAccounts) {
  for (int i = 0; i < 5; ++i) book(add_account(), "2026-12-20");
  const auto outcome = close("2026-12-20");
  EXPECT_EQ(outcome.no_shows, 5);
  EXPECT_EQ(outcome.bans, 0);
}

TEST_P(NoShowStoreTest, SecondConsecutiveNoShowBans) {
  const auto traveller = add_account();
  book(traveller, "2026-12-20");
  book(traveller, "2026-12-22");

  const auto first = close("2026-12-20");
  EXPECT_EQ(first.bans, 0);
  EXPECT_EQ(account(traveller).consecutive_no_shows, 1);
  EXPECT_EQ(account(traveller).banned_until, "");

  const auto second = close("2026-12-22");
  EXPECT_EQ(second.no_shows, 1);
  EXPECT_EQ(second.bans, 1);
  EXPECT_EQ(account(traveller).banned_until, "2027-01-05") << "14 days from the second no-show";
  EXPECT_EQ(account(traveller).consecutive_no_shows, 0) << "the count starts again after a ban";
  EXPECT_EQ(account(traveller).total_no_shows, 2);
}

TEST_P(NoShowStoreTest, BanEndAfterFirstFebruary) {
  const auto traveller = add_account();
  book(traveller, "2021-01-20");
  book(traveller, "2021-02-01");
  close("2021-01-20");
  close("2021-02-01");
  EXPECT_EQ(account(traveller).banned_until, "2021-02-15");
}

TEST_P(NoShowStoreTest, EntryResetsConsecutiveCount) {
  const auto traveller = add_account();
  book(traveller, "2026-12-20");
  close("2026-12-20");
  ASSERT_EQ(account(traveller).consecutive_no_shows, 1);

  enter(book(traveller, "2026-12-21"));
  close("2026-12-21");
  EXPECT_EQ(account(traveller).consecutive_no_shows, 0);

  book(traveller, "2026-12-22");
  const auto outcome = close("2026-12-22");
  EXPECT_EQ(outcome.bans, 0);
  EXPECT_EQ(account(traveller).consecutive_no_shows, 1);
  EXPECT_EQ(account(traveller).total_no_shows, 2);
  EXPECT_EQ(account(traveller).banned_until, "");
}

TEST_P(NoShowStoreTest, CancellationNeitherCountsNorResets) {
  const auto traveller = add_account();
  book(traveller, "2026-12-20");
  close("2026-12-20");
  cancel(book(traveller, "2026-12-21"));
  close("2026-12-21");
  EXPECT_EQ(account(traveller).consecutive_no_shows, 1);

  book(traveller, "2026-12-22");
  const auto outcome = close("2026-12-22");
  EXPECT_EQ(outcome.bans, 1);
  EXPECT_EQ(account(traveller).banned_until, "2027-01-05");
}

TEST_P(NoShowStoreTest, ConfiguredLimitAndDays) {
  const auto traveller = add_account();
  for (const std::string date : {"2026-12-20", "2026-12-21"}) {
    book(traveller, date);
    EXPECT_EQ(close(date, 3, 7).bans, 0) << date;
  }
  book(traveller, "2026-12-22");
  EXPECT_EQ(close("2026-12-22", 3, 7).bans, 1);
  EXPECT_EQ(account(traveller).banned_until, "2026-12-29");
}

TEST_P(NoShowStoreTest, RunningBanIsNeverShortened) {
  const auto traveller = add_account();
  book(traveller, "2026-12-20");
  execute_sql("UPDATE accounts SET consecutive_no_shows = 1, banned_until = '2027-06-01' WHERE id = " +
              std::to_string(traveller));
  close("2026-12-20");
  EXPECT_EQ(account(traveller).banned_until, "2027-06-01");
}

TEST_P(NoShowStoreTest, ClosingTwiceChangesNothing) {
  const auto traveller = add_account();
  book(traveller, "2026-12-20");
  ASSERT_EQ(close("2026-12-20").no_shows, 1);

  const auto again = close("2026-12-20");
  EXPECT_TRUE(again.already_closed);
  EXPECT_EQ(again.no_shows, 0);
  EXPECT_EQ(again.bans, 0);
  EXPECT_EQ(account(traveller).consecutive_no_shows, 1);
  EXPECT_EQ(account(traveller).total_no_shows, 1);
}

TEST_P(NoShowStoreTest, ClosedDayIsNeverClosedAgain) {
  close("2026-12-20");
  // A booking that somehow lands on a closed day is left alone.
  const auto late = book(add_account(), "2026-12-20");
  const auto again = close("2026-12-20");
  EXPECT_TRUE(again.already_closed);
  EXPECT_EQ(status_of(late), "confirmed");
  EXPECT_EQ(account(late.account_id).total_no_shows, 0);
}

TEST_P(NoShowStoreTest, EmptyDayIsRecordedAsClosed) {
  EXPECT_FALSE(store_->is_day_closed("2026-12-20"));
  const auto outcome = close("2026-12-20");
  EXPECT_EQ(outcome.no_shows, 0);
  EXPECT_FALSE(outcome.already_closed);
  EXPECT_TRUE(store_->is_day_closed("2026-12-20"));
  EXPECT_FALSE(store_->is_day_closed("2026-12-21"));
}

TEST_P(NoShowStoreTest, ConcurrentClosersMarkOnce) {
  for (int i = 0; i < 3; ++i) book(add_account(), "2026-12-20");
  constexpr int kClosers = 4;
  std::vector<CloseDayOutcome> outcomes(kClosers);
  std::latch start(kClosers);
  std::vector<std::thread> threads;
  for (int i = 0; i < kClosers; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      outcomes[i] = store_->close_day("2026-12-20", kNow, kLimit, kBanDays);
    });
  }
  for (auto& thread : threads) thread.join();

  int first_closings = 0;
  int no_shows = 0;
  for (const auto& outcome : outcomes) {
    if (!outcome.already_closed) ++first_closings;
    no_shows += outcome.no_shows;
  }
  EXPECT_EQ(first_closings, 1);
  EXPECT_EQ(no_shows, 3);
}

TEST_P(NoShowStoreTest, ListBannedUntilBanEnds) {
  const auto banned = add_account();
  book(banned, "2026-12-20");
  book(banned, "2026-12-22");
  const auto counted = add_account();
  book(counted, "2026-12-22");
  close("2026-12-20");
  close("2026-12-22");

  const auto during = store_->list_banned("2027-01-04");
  ASSERT_EQ(during.size(), 1u);
  EXPECT_EQ(during.at(0).id, banned);
  EXPECT_EQ(during.at(0).banned_until, "2027-01-05");
  EXPECT_EQ(store_->list_banned("2026-12-22").size(), 1u);
  EXPECT_TRUE(store_->list_banned("2027-01-05").empty()) << "booking is possible again on the end date";
}

TEST_P(NoShowStoreTest, LiftBanClearsAndAudits) {
  const auto traveller = add_account();
  book(traveller, "2026-12-20");
  book(traveller, "2026-12-22");
  close("2026-12-20");
  close("2026-12-22");

  AuditEntry audit;
  audit.at = kNow;
  audit.staff_id = port_officer_;
  audit.staff_username = "port1";
  audit.action = "ban.lift";
  audit.target_type = "account";
  audit.target_id = std::to_string(traveller);
  audit.before_json = R"({"banned_until":"2027-01-05"})";
  audit.after_json = R"({"banned_until":null,"reason":"hospital"})";
  EXPECT_TRUE(store_->lift_ban(traveller, audit));
  EXPECT_EQ(account(traveller).banned_until, "");
  EXPECT_EQ(account(traveller).total_no_shows, 2) << "lifting keeps the history";
  EXPECT_TRUE(store_->list_banned("2026-12-23").empty());

  AuditFilter filter;
  filter.action = "ban.lift";
  const auto entries = store_->list_audit(filter);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries.at(0).target_id, std::to_string(traveller));
  EXPECT_EQ(entries.at(0).after_json, audit.after_json);

  EXPECT_FALSE(store_->lift_ban(traveller, audit)) << "nothing left to lift";
  EXPECT_EQ(store_->list_audit(filter).size(), 1u) << "a refused lift writes no audit entry";
}

TEST_P(NoShowStoreTest, LiftBanOfUnknownAccountFails) {
  AuditEntry audit;
  audit.at = kNow;
  audit.staff_username = "test";
  audit.action = "ban.lift";
  audit.target_type = "account";
  audit.target_id = "999";
  EXPECT_FALSE(store_->lift_ban(999, audit));
}

TEST_P(NoShowStoreTest, InvalidPolicyRejected) {
  EXPECT_THROW(store_->close_day("2026-12-20", kNow, 0, kBanDays), StoreError);
  EXPECT_THROW(store_->close_day("2026-12-20", kNow, kLimit, 0), StoreError);
  EXPECT_FALSE(store_->is_day_closed("2026-12-20"));
}

INSTANTIATE_TEST_SUITE_P(Backends, NoShowStoreTest, backends::kAllBackends, backends::backend_name);

}  // namespace
}  // namespace yizhan::store

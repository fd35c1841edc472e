// The booking decision of Store::book and the group commit of
// BookingWriter, on a real database of each backend.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <future>
#include <latch>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "service/booking_writer.h"
#include "store_backends.h"

namespace yizhan::store {
namespace {

// Unix seconds, 2026-12-16 03:00 UTC. The store only compares it with captcha expiry times.
constexpr std::int64_t kNow = 1'797'390'000;
constexpr std::int64_t kDefaultStation = 1;  // the station every fresh database starts with
const std::string kToday = "2026-12-20";
const std::string kDate = "2026-12-25";
const std::string kRightDigest = "right-digest";

class BookingStoreTest : public ::testing::TestWithParam<backends::Backend> {
 protected:
  void SetUp() override {
    YIZHAN_SKIP_UNAVAILABLE_BACKEND(GetParam());
    database_ = std::make_unique<backends::TestDatabase>(GetParam());
    store_ = database_->open();
    store_->migrate();
  }

  void TearDown() override {
    store_.reset();
    database_.reset();
  }

  std::int64_t add_account(const std::string& id_number, const std::string& id_type = "home_return_permit") {
    std::int64_t id = 0;
    const NewAccount account{id_type, id_number, "hash", "en", "consent", kNow, kNow};
    EXPECT_EQ(store_->insert_account(account, id), InsertOutcome::inserted) << id_number;
    identities_[id] = {id_type, id_number};
    return id;
  }

  std::vector<std::int64_t> add_accounts(int count) {
    std::vector<std::int64_t> ids;
    for (int i = 0; i < count; ++i) ids.push_back(add_account("H" + std::to_string(10'000'000 + next_number_++)));
    return ids;
  }

  // Issue a captcha whose stored answer digest is kRightDigest.
  std::string add_captcha(std::int64_t expires_at = kNow + 120) {
    const std::string id = "captcha-" + std::to_string(next_captcha_++);
    store_->insert_captcha(id, kRightDigest, expires_at);
    return id;
  }

  // An attempt by `account_id` with a fresh captcha answered correctly.
  BookingAttempt attempt(std::int64_t account_id, const std::string& date = kDate, const std::string& key = "") {
    BookingAttempt attempt;
    attempt.account_id = account_id;
    attempt.date = date;
    attempt.today = kToday;
    attempt.now = kNow;
    attempt.idempotency_key = key;
    attempt.captcha_id = add_captcha();
    attempt.captcha_digest = kRightDigest;
    attempt.name = "Traveller " + std::to_string(account_id);
    attempt.id_type = identities_[account_id].first;
    attempt.id_number = identities_[account_id].second;
    attempt.destination_code = "440304";
    return attempt;
  }

  BookingOutcome book_one(const BookingAttempt& attempt) {
    const auto outcomes = store_->book({attempt});
    EXPECT_EQ(outcomes.size(), 1u);
    return outcomes.at(0);
  }

  QuotaResult set_quota(const std::string& date, int quota, std::int64_t station_id = kDefaultStation) {
    const AuditEntry audit{0, kNow, 0, "operator", "quota.set", "day_quota", date, "", ""};
    return store_->set_quota(date, station_id, quota, audit);
  }

  // The `booked` column of one station's row, or -1 when the row is missing.
  int booked(const std::string& date, std::int64_t station_id = kDefaultStation) {
    for (const auto& row : store_->list_quotas(date, date)) {
      if (row.station_id == station_id) return row.booked;
    }
    return -1;
  }

  // Run one SQL statement through a separate connection, the way any other
  // program could.
  backends::SqlStatus execute_raw(const std::string& sql) { return database_->execute(sql); }

  // The first column of the first row of `sql`, read through a separate connection.
  std::int64_t query_int(const std::string& sql) { return database_->query_int(sql); }

  std::int64_t count_bookings(const std::string& date, const std::string& status) {
    return query_int("SELECT count(*) FROM bookings WHERE date = '" + date + "' AND status = '" + status + "'");
  }

  std::unique_ptr<backends::TestDatabase> database_;
  std::unique_ptr<Store> store_;
  std::map<std::int64_t, std::pair<std::string, std::string>> identities_;  // account id -> (type, number)
  int next_number_ = 0;
  int next_captcha_ = 0;
};

TEST_P(BookingStoreTest, BatchStopsAtTheQuota) {
  ASSERT_EQ(set_quota(kDate, 3), QuotaResult::set);
  std::vector<BookingAttempt> attempts;
  for (const auto id : add_accounts(5)) attempts.push_back(attempt(id));

  const auto outcomes = store_->book(attempts);

  ASSERT_EQ(outcomes.size(), 5u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(outcomes[i].result, BookingResult::confirmed) << "attempt " << i;
    EXPECT_EQ(outcomes[i].booking.sequence, i + 1) << "attempt " << i;
    EXPECT_EQ(outcomes[i].booking.booking_number, "20261225000" + std::to_string(i + 1));
    EXPECT_EQ(outcomes[i].booking.account_id, attempts[i].account_id);
    EXPECT_EQ(outcomes[i].booking.status, "confirmed");
    EXPECT_EQ(outcomes[i].booking.station_id, kDefaultStation);
  }
  EXPECT_EQ(outcomes[3].result, BookingResult::sold_out);
  EXPECT_EQ(outcomes[4].result, BookingResult::sold_out);
  EXPECT_EQ(booked(kDate), 3);
  EXPECT_EQ(count_bookings(kDate, "confirmed"), 3);

  const auto totals = store_->day_totals(kDate, kDate);
  ASSERT_EQ(totals.size(), 1u);
  EXPECT_EQ(totals[0].quota, 3);
  EXPECT_EQ(totals[0].booked, 3);
}

TEST_P(BookingStoreTest, ConfirmedBookingIsStoredWithItsSnapshot) {
  ASSERT_EQ(set_quota(kDate, 1), QuotaResult::set);
  const auto id = add_account("H20000001");
  const auto sent = attempt(id, kDate, "key-1");

  const auto outcome = book_one(sent);

  ASSERT_EQ(outcome.result, BookingResult::confirmed);
  const auto stored = store_->find_booking("202612250001");
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->id, outcome.booking.id);
  EXPECT_EQ(stored->date, kDate);
  EXPECT_EQ(stored->sequence, 1);
  EXPECT_EQ(stored->account_id, id);
  EXPECT_EQ(stored->status, "confirmed");
  EXPECT_EQ(stored->created_at, kNow);
  EXPECT_EQ(stored->idempotency_key, "key-1");
  EXPECT_EQ(stored->name, sent.name);
  EXPECT_EQ(stored->id_type, "home_return_permit");
  EXPECT_EQ(stored->id_number, "H20000001");
  EXPECT_EQ(stored->destination_code, "440304");
  EXPECT_EQ(store_->find_active_booking(id, kToday)->booking_number, "202612250001");
}

TEST_P(BookingStoreTest, DateWithoutQuotaIsSoldOut) {
  const auto id = add_account("H20000002");
  EXPECT_EQ(book_one(attempt(id)).result, BookingResult::sold_out);
  EXPECT_EQ(count_bookings(kDate, "confirmed"), 0);
}

TEST_P(BookingStoreTest, SequencesArePerDate) {
  const std::string other_date = "2026-12-24";
  ASSERT_EQ(set_quota(kDate, 5), QuotaResult::set);
  ASSERT_EQ(set_quota(other_date, 5), QuotaResult::set);
  const auto ids = add_accounts(3);

  EXPECT_EQ(book_one(attempt(ids[0], kDate)).booking.booking_number, "202612250001");
  EXPECT_EQ(book_one(attempt(ids[1], other_date)).booking.booking_number, "202612240001");
  EXPECT_EQ(book_one(attempt(ids[2], kDate)).booking.booking_number, "202612250002");
}

TEST_P(BookingStoreTest, IdempotentReplayReturnsTheSameBooking) {
  ASSERT_EQ(set_quota(kDate, 5), QuotaResult::set);
  const auto id = add_account("H20000003");

  const auto first = book_one(attempt(id, kDate, "retry-key"));
  ASSERT_EQ(first.result, BookingResult::confirmed);
  const auto again = book_one(attempt(id, kDate, "retry-key"));

  EXPECT_EQ(again.result, BookingResult::replayed);
  EXPECT_EQ(again.booking.id, first.booking.id);
  EXPECT_EQ(again.booking.booking_number, first.booking.booking_number);
  EXPECT_EQ(booked(kDate), 1);
  EXPECT_EQ(count_bookings(kDate, "confirmed"), 1);
}

TEST_P(BookingStoreTest, IdempotentReplayInsideOneBatch) {
  ASSERT_EQ(set_quota(kDate, 5), QuotaResult::set);
  const auto id = add_account("H20000004");

  const auto outcomes = store_->book({attempt(id, kDate, "double-click"), attempt(id, kDate, "double-click")});

  ASSERT_EQ(outcomes.size(), 2u);
  EXPECT_EQ(outcomes[0].result, BookingResult::confirmed);
  EXPECT_EQ(outcomes[1].result, BookingResult::replayed);
  EXPECT_EQ(outcomes[1].booking.booking_number, outcomes[0].booking.booking_number);
  EXPECT_EQ(booked(kDate), 1);
}

TEST_P(BookingStoreTest, IdempotencyKeyBelongsToOneAccount) {
  ASSERT_EQ(set_quota(kDate, 5), QuotaResult::set);
  const auto ids = add_accounts(2);

  const auto first = book_one(attempt(ids[0], kDate, "shared-key"));
  const auto second = book_one(attempt(ids[1], kDate, "shared-key"));

  EXPECT_EQ(first.result, BookingResult::confirmed);
  EXPECT_EQ(second.result, BookingResult::confirmed);
  EXPECT_NE(second.booking.booking_number, first.booking.booking_number);
  EXPECT_EQ(booked(kDate), 2);
}

TEST_P(BookingStoreTest, SecondBookingOfAccountIsAlreadyActive) {
  ASSERT_EQ(set_quota(kDate, 5), QuotaResult::set);
  ASSERT_EQ(set_quota("2026-12-26", 5), QuotaResult::set);
  const auto id = add_account("H20000005");

  const auto first = book_one(attempt(id, kDate));
  ASSERT_EQ(first.result, BookingResult::confirmed);
  const auto same_date = book_one(attempt(id, kDate));
  const auto other_date = book_one(attempt(id, "2026-12-26"));

  EXPECT_EQ(same_date.result, BookingResult::already_active);
  EXPECT_EQ(same_date.booking.booking_number, first.booking.booking_number);
  EXPECT_EQ(other_date.result, BookingResult::already_active);
  EXPECT_EQ(other_date.booking.booking_number, first.booking.booking_number);
  EXPECT_EQ(booked(kDate), 1);
  EXPECT_EQ(booked("2026-12-26"), 0);
  EXPECT_EQ(query_int("SELECT last_sequence FROM day_sequences WHERE date = '2026-12-25'"), 1);
}

TEST_P(BookingStoreTest, SameIdentityOnAnotherAccountIsAlreadyActive) {
  // Two accounts cannot share a document (UNIQUE (id_type, id_number)), but
  // the store matches people by the identity the attempt carries, so the
  // second attempt carries the first account's document.
  ASSERT_EQ(set_quota(kDate, 5), QuotaResult::set);
  const auto first_account = add_account("H20000006");
  const auto second_account = add_account("H20000007");

  const auto first = book_one(attempt(first_account));
  ASSERT_EQ(first.result, BookingResult::confirmed);
  auto same_person = attempt(second_account);
  same_person.id_type = "home_return_permit";
  same_person.id_number = "H20000006";
  const auto second = book_one(same_person);

  EXPECT_EQ(second.result, BookingResult::already_active);
  EXPECT_EQ(second.booking.account_id, first_account);
  EXPECT_EQ(booked(kDate), 1);
}

TEST_P(BookingStoreTest, SameNumberUnderAnotherTypeIsAnotherPerson) {
  ASSERT_EQ(set_quota(kDate, 5), QuotaResult::set);
  const auto permit = add_account("E12345678", "home_return_permit");
  const auto passport = add_account("E12345678", "passport");

  EXPECT_EQ(book_one(attempt(permit)).result, BookingResult::confirmed);
  EXPECT_EQ(book_one(attempt(passport)).result, BookingResult::confirmed);
}

TEST_P(BookingStoreTest, PastAndCancelledBookingsAreNotActive) {
  ASSERT_EQ(set_quota("2026-12-21", 5), QuotaResult::set);
  ASSERT_EQ(set_quota(kDate, 5), QuotaResult::set);
  const auto id = add_account("H20000008");

  auto past = attempt(id, "2026-12-21");
  ASSERT_EQ(book_one(past).result, BookingResult::confirmed);
  // The next day that booking's date has passed.
  auto later = attempt(id, kDate);
  later.today = "2026-12-22";
  const auto second = book_one(later);
  ASSERT_EQ(second.result, BookingResult::confirmed);

  ASSERT_EQ(store_->cancel_booking(second.booking.booking_number, id, kNow), CancelResult::cancelled);
  later.captcha_id = add_captcha();
  EXPECT_EQ(book_one(later).result, BookingResult::confirmed);
}

TEST_P(BookingStoreTest, ExpiredCaptchaIsRejected) {
  ASSERT_EQ(set_quota(kDate, 5), QuotaResult::set);
  const auto id = add_account("H20000009");

  auto expired = attempt(id);
  expired.captcha_id = add_captcha(kNow);  // valid only while now < expires_at
  EXPECT_EQ(book_one(expired).result, BookingResult::captcha_expired);

  auto unknown = attempt(id);
  unknown.captcha_id = "no-such-captcha";
  EXPECT_EQ(book_one(unknown).result, BookingResult::captcha_expired);

  auto still_valid = attempt(id);
  still_valid.captcha_id = add_captcha(kNow + 1);
  EXPECT_EQ(book_one(still_valid).result, BookingResult::confirmed);
}

TEST_P(BookingStoreTest, UsedCaptchaIsRejected) {
  ASSERT_EQ(set_quota(kDate, 5), QuotaResult::set);
  const auto ids = add_accounts(2);

  const auto first = attempt(ids[0]);
  ASSERT_EQ(book_one(first).result, BookingResult::confirmed);
  auto reuse = attempt(ids[1]);
  reuse.captcha_id = first.captcha_id;
  EXPECT_EQ(book_one(reuse).result, BookingResult::captcha_expired);
  EXPECT_EQ(booked(kDate), 1);
}

TEST_P(BookingStoreTest, WrongCaptchaIsRejectedAndConsumed) {
  ASSERT_EQ(set_quota(kDate, 5), QuotaResult::set);
  const auto id = add_account("H20000010");

  auto wrong = attempt(id);
  wrong.captcha_digest = "wrong-digest";
  EXPECT_EQ(book_one(wrong).result, BookingResult::captcha_wrong);
  EXPECT_EQ(booked(kDate), 0);

  // The captcha stays used after the failed attempt, so a wrong guess cannot be retried.
  auto retry = wrong;
  retry.captcha_digest = kRightDigest;
  EXPECT_EQ(book_one(retry).result, BookingResult::captcha_expired);
  EXPECT_EQ(count_bookings(kDate, "confirmed"), 0);
}

TEST_P(BookingStoreTest, AnyAnswerCaptchaPassesOnlyWhileValid) {
  ASSERT_EQ(set_quota(kDate, 5), QuotaResult::set);
  const auto ids = add_accounts(2);

  auto any_answer = attempt(ids[0]);
  any_answer.captcha_digest = "";
  any_answer.captcha_any_answer = true;
  EXPECT_EQ(book_one(any_answer).result, BookingResult::confirmed);

  auto expired = attempt(ids[1]);
  expired.captcha_id = add_captcha(kNow - 1);
  expired.captcha_digest = "";
  expired.captcha_any_answer = true;
  EXPECT_EQ(book_one(expired).result, BookingResult::captcha_expired);
}

TEST_P(BookingStoreTest, CancelReturnsTheRoom) {
  ASSERT_EQ(set_quota(kDate, 1), QuotaResult::set);
  const auto ids = add_accounts(2);

  const auto first = book_one(attempt(ids[0]));
  ASSERT_EQ(first.result, BookingResult::confirmed);
  EXPECT_EQ(book_one(attempt(ids[1])).result, BookingResult::sold_out);

  EXPECT_EQ(store_->cancel_booking(first.booking.booking_number, ids[0], kNow + 60), CancelResult::cancelled);
  EXPECT_EQ(booked(kDate), 0);
  const auto cancelled = store_->find_booking(first.booking.booking_number);
  ASSERT_TRUE(cancelled.has_value());
  EXPECT_EQ(cancelled->status, "cancelled");
  EXPECT_EQ(cancelled->cancelled_at, kNow + 60);
  EXPECT_FALSE(store_->find_active_booking(ids[0], kToday).has_value());

  // The freed room goes to the next traveller. Sequences are never reused.
  const auto second = book_one(attempt(ids[1]));
  ASSERT_EQ(second.result, BookingResult::confirmed);
  EXPECT_EQ(second.booking.sequence, 2);
  EXPECT_EQ(booked(kDate), 1);
}

TEST_P(BookingStoreTest, CancelGuards) {
  ASSERT_EQ(set_quota(kDate, 2), QuotaResult::set);
  const auto ids = add_accounts(2);
  const auto booking = book_one(attempt(ids[0])).booking;

  EXPECT_EQ(store_->cancel_booking(booking.booking_number, ids[1], kNow), CancelResult::not_found);
  EXPECT_EQ(store_->cancel_booking("209912310001", ids[0], kNow), CancelResult::not_found);
  EXPECT_EQ(booked(kDate), 1);

  EXPECT_EQ(store_->cancel_booking(booking.booking_number, ids[0], kNow), CancelResult::cancelled);
  EXPECT_EQ(store_->cancel_booking(booking.booking_number, ids[0], kNow), CancelResult::not_confirmed);
  EXPECT_EQ(booked(kDate), 0);
}

TEST_P(BookingStoreTest, QuotaCannotGoBelowBooked) {
  ASSERT_EQ(set_quota(kDate, 3), QuotaResult::set);
  const auto ids = add_accounts(3);
  ASSERT_EQ(book_one(attempt(ids[0])).result, BookingResult::confirmed);
  ASSERT_EQ(book_one(attempt(ids[1])).result, BookingResult::confirmed);

  EXPECT_EQ(set_quota(kDate, 1), QuotaResult::below_booked);
  EXPECT_EQ(set_quota(kDate, 0), QuotaResult::below_booked);
  EXPECT_EQ(store_->list_quotas(kDate, kDate).at(0).quota, 3);

  EXPECT_EQ(set_quota(kDate, 2), QuotaResult::set);
  EXPECT_EQ(book_one(attempt(ids[2])).result, BookingResult::sold_out);
  EXPECT_EQ(set_quota(kDate, 2, 999), QuotaResult::unknown_station);
}

TEST_P(BookingStoreTest, StationWithMostRoomsLeftTakesTheBooking) {
  const AuditEntry audit{0, kNow, 0, "operator", "station.add", "station", "", "", ""};
  const auto second_station = store_->insert_station(Station{0, "Second", "", "", 10, true}, audit);
  ASSERT_EQ(set_quota(kDate, 2, kDefaultStation), QuotaResult::set);
  ASSERT_EQ(set_quota(kDate, 3, second_station), QuotaResult::set);
  const auto ids = add_accounts(6);

  std::vector<std::int64_t> stations;
  for (const auto id : ids) {
    const auto outcome = book_one(attempt(id));
    stations.push_back(outcome.result == BookingResult::confirmed ? outcome.booking.station_id : 0);
  }

  // Rooms left (first, second) before each booking: (2,3) (2,2) (1,2) (1,1)
  // (0,1) (0,0). A tie goes to the lower station id.
  const std::vector<std::int64_t> expected = {second_station, kDefaultStation, second_station,
                                              kDefaultStation, second_station, 0};
  EXPECT_EQ(stations, expected);
  EXPECT_EQ(booked(kDate, kDefaultStation), 2);
  EXPECT_EQ(booked(kDate, second_station), 3);
  EXPECT_EQ(query_int("SELECT max(sequence) FROM bookings WHERE date = '2026-12-25'"), 5);
}

TEST_P(BookingStoreTest, SchemaRejectsBookedAboveQuota) {
  ASSERT_EQ(set_quota(kDate, 2), QuotaResult::set);
  const auto ids = add_accounts(2);
  ASSERT_EQ(book_one(attempt(ids[0])).result, BookingResult::confirmed);
  ASSERT_EQ(book_one(attempt(ids[1])).result, BookingResult::confirmed);

  EXPECT_EQ(execute_raw("UPDATE day_quotas SET booked = booked + 1 WHERE date = '2026-12-25'"),
            backends::SqlStatus::check_violation);
  EXPECT_EQ(execute_raw("UPDATE day_quotas SET quota = 1 WHERE date = '2026-12-25'"), backends::SqlStatus::check_violation);
  EXPECT_EQ(execute_raw("INSERT INTO day_quotas (date, station_id, quota, booked) VALUES ('2026-12-26', 1, 1, 2)"),
            backends::SqlStatus::check_violation);
  EXPECT_EQ(execute_raw("UPDATE day_quotas SET booked = -1 WHERE date = '2026-12-25'"), backends::SqlStatus::check_violation);
  EXPECT_EQ(booked(kDate), 2);

  // The same statement within the limit goes through, so the failures above
  // came from the CHECK and not from the file being locked.
  EXPECT_EQ(execute_raw("UPDATE day_quotas SET booked = booked - 1 WHERE date = '2026-12-25'"), backends::SqlStatus::ok);
  EXPECT_EQ(booked(kDate), 1);
}

TEST_P(BookingStoreTest, FailedBatchLeavesNothingBehind) {
  ASSERT_EQ(set_quota(kDate, 5), QuotaResult::set);
  const auto ids = add_accounts(3);
  // A trigger simulates a database failure in the middle of a batch.
  ASSERT_EQ(database_->fail_booking_inserts(ids[1]), backends::SqlStatus::ok);
  const std::vector<BookingAttempt> attempts = {attempt(ids[0]), attempt(ids[1]), attempt(ids[2])};

  EXPECT_THROW(store_->book(attempts), StoreError);

  EXPECT_EQ(booked(kDate), 0);
  EXPECT_EQ(count_bookings(kDate, "confirmed"), 0);
  EXPECT_EQ(query_int("SELECT count(*) FROM day_sequences"), 0);
  // The captchas were consumed inside the rolled-back transaction, so they
  // are still unused.
  EXPECT_EQ(store_->consume_captcha(attempts[0].captcha_id, kNow), kRightDigest);
  EXPECT_EQ(store_->consume_captcha(attempts[2].captcha_id, kNow), kRightDigest);
}

TEST_P(BookingStoreTest, WriterRethrowsStoreErrorAndRecovers) {
  ASSERT_EQ(set_quota(kDate, 5), QuotaResult::set);
  const auto ids = add_accounts(2);
  ASSERT_EQ(database_->fail_booking_inserts(ids[0]), backends::SqlStatus::ok);
  service::BookingWriter writer(*store_);

  EXPECT_THROW(writer.submit(attempt(ids[0])), StoreError);
  const auto next = writer.submit(attempt(ids[1]));

  EXPECT_EQ(next.result, BookingResult::confirmed);
  EXPECT_EQ(next.booking.sequence, 1);
  EXPECT_EQ(booked(kDate), 1);
}

TEST_P(BookingStoreTest, ExhaustedSequencesDoNotFailOtherAttempts) {
  // State after 9999 bookings on kDate of which one was cancelled: a room is
  // free but every 4-digit sequence has been handed out. Sequences are never
  // reused, so the date cannot take another booking, and an attempt for it
  // must not take down the other attempts of its batch.
  ASSERT_EQ(set_quota(kDate, 9999), QuotaResult::set);
  ASSERT_EQ(set_quota("2026-12-24", 5), QuotaResult::set);
  ASSERT_EQ(execute_raw("UPDATE day_quotas SET booked = 9998 WHERE date = '2026-12-25'"), backends::SqlStatus::ok);
  ASSERT_EQ(execute_raw("INSERT INTO day_sequences (date, last_sequence) VALUES ('2026-12-25', 9999)"), backends::SqlStatus::ok);
  const auto ids = add_accounts(2);

  std::vector<BookingOutcome> outcomes;
  ASSERT_NO_THROW(outcomes = store_->book({attempt(ids[0], kDate), attempt(ids[1], "2026-12-24")}));

  ASSERT_EQ(outcomes.size(), 2u);
  EXPECT_NE(outcomes[0].result, BookingResult::confirmed);
  EXPECT_EQ(outcomes[1].result, BookingResult::confirmed);
  EXPECT_EQ(booked(kDate), 9998);
}

TEST_P(BookingStoreTest, WriterDecidesConcurrentRushExactly) {
  constexpr int kQuota = 100;
  constexpr int kThreads = 16;
  constexpr int kAttemptsPerThread = 25;  // 400 accounts in all
  ASSERT_EQ(set_quota(kDate, kQuota), QuotaResult::set);
  std::vector<BookingAttempt> attempts;
  for (const auto id : add_accounts(kThreads * kAttemptsPerThread)) attempts.push_back(attempt(id));

  service::BookingWriter writer(*store_);
  std::vector<std::vector<BookingOutcome>> outcomes(kThreads);
  std::atomic<int> errors{0};
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      for (int i = 0; i < kAttemptsPerThread; ++i) {
        try {
          outcomes[t].push_back(writer.submit(attempts[t * kAttemptsPerThread + i]));
        } catch (const StoreError&) {
          ++errors;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();

  EXPECT_EQ(errors.load(), 0);
  int confirmed = 0;
  int sold_out = 0;
  int other = 0;
  std::multiset<int> sequences;
  std::set<std::int64_t> accounts;
  for (const auto& per_thread : outcomes) {
    for (const auto& outcome : per_thread) {
      if (outcome.result == BookingResult::confirmed) {
        ++confirmed;
        sequences.insert(outcome.booking.sequence);
        accounts.insert(outcome.booking.account_id);
      } else if (outcome.result == BookingResult::sold_out) {
        ++sold_out;
      } else {
        ++other;
      }
    }
  }
  EXPECT_EQ(confirmed, kQuota);
  EXPECT_EQ(sold_out, kThreads * kAttemptsPerThread - kQuota);
  EXPECT_EQ(other, 0);
  EXPECT_EQ(accounts.size(), static_cast<std::size_t>(kQuota));
  ASSERT_EQ(sequences.size(), static_cast<std::size_t>(kQuota));
  for (int sequence = 1; sequence <= kQuota; ++sequence) {
    EXPECT_EQ(sequences.count(sequence), 1u) << "sequence " << sequence;
  }

  EXPECT_EQ(count_bookings(kDate, "confirmed"), confirmed);
  EXPECT_EQ(query_int("SELECT count(DISTINCT sequence) FROM bookings WHERE date = '2026-12-25'"), kQuota);
  EXPECT_EQ(query_int("SELECT min(sequence) FROM bookings WHERE date = '2026-12-25'"), 1);
  EXPECT_EQ(query_int("SELECT max(sequence) FROM bookings WHERE date = '2026-12-25'"), kQuota);
  EXPECT_EQ(booked(kDate), kQuota);
}

TEST_P(BookingStoreTest, WriterConcurrentDoubleSubmitBooksOnce) {
  constexpr int kThreads = 8;
  ASSERT_EQ(set_quota(kDate, 10), QuotaResult::set);
  const auto with_key = add_account("H20000011");
  const auto without_key = add_account("H20000012");
  std::vector<BookingAttempt> attempts;
  for (int i = 0; i < kThreads; ++i) {
    attempts.push_back(attempt(with_key, kDate, "same-key"));
    attempts.push_back(attempt(without_key));
  }

  service::BookingWriter writer(*store_);
  std::vector<BookingOutcome> outcomes(attempts.size());
  std::latch start(static_cast<std::ptrdiff_t>(attempts.size()));
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < attempts.size(); ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      outcomes[i] = writer.submit(attempts[i]);
    });
  }
  for (auto& thread : threads) thread.join();

  std::map<std::int64_t, std::map<BookingResult, int>> results;  // account -> result -> count
  std::map<std::int64_t, std::set<std::string>> numbers;
  for (std::size_t i = 0; i < attempts.size(); ++i) {
    results[attempts[i].account_id][outcomes[i].result] += 1;
    numbers[attempts[i].account_id].insert(outcomes[i].booking.booking_number);
  }
  EXPECT_EQ(results[with_key][BookingResult::confirmed], 1);
  EXPECT_EQ(results[with_key][BookingResult::replayed], kThreads - 1);
  EXPECT_EQ(numbers[with_key].size(), 1u) << "every replay names the one booking";
  EXPECT_EQ(results[without_key][BookingResult::confirmed], 1);
  EXPECT_EQ(results[without_key][BookingResult::already_active], kThreads - 1);
  EXPECT_EQ(numbers[without_key].size(), 1u) << "every refusal names the one booking";
  EXPECT_EQ(booked(kDate), 2);
  EXPECT_EQ(count_bookings(kDate, "confirmed"), 2);
}

TEST_P(BookingStoreTest, WriterAsyncBatchesUpToLimit) {
  constexpr int kQuota = 30;
  constexpr int kAttempts = 50;
  constexpr std::size_t kLimit = 8;
  ASSERT_EQ(set_quota(kDate, kQuota), QuotaResult::set);
  const auto ids = add_accounts(kAttempts);

  std::mutex mutex;
  std::vector<BookingOutcome> outcomes;
  std::set<std::thread::id> reporting_threads;
  {
    // Destroyed at the end of this block: the destructor must decide and
    // report whatever is still queued before it returns.
    service::BookingWriter writer(*store_, kLimit);
    for (const auto id : ids) {
      writer.submit_async(attempt(id), [&](const BookingOutcome& outcome, std::exception_ptr error) {
        EXPECT_FALSE(error);
        std::lock_guard lock(mutex);
        outcomes.push_back(outcome);
        reporting_threads.insert(std::this_thread::get_id());
      });
    }
  }

  ASSERT_EQ(outcomes.size(), static_cast<std::size_t>(kAttempts));
  EXPECT_EQ(reporting_threads.size(), 1u) << "every outcome comes from the writer's thread";
  EXPECT_EQ(reporting_threads.count(std::this_thread::get_id()), 0u);
  const auto confirmed = std::count_if(outcomes.begin(), outcomes.end(), [](const BookingOutcome& outcome) {
    return outcome.result == BookingResult::confirmed;
  });
  EXPECT_EQ(confirmed, kQuota);
  EXPECT_EQ(booked(kDate), kQuota);
  // Each commit contains at most kLimit attempts, so 50 attempts need at
  // least 7 transactions; the sequences still run 1..30 without a gap.
  EXPECT_EQ(query_int("SELECT max(sequence) FROM bookings WHERE date = '2026-12-25'"), kQuota);
}

TEST_P(BookingStoreTest, WriterAsyncReportsFailedBatch) {
  ASSERT_EQ(set_quota(kDate, 5), QuotaResult::set);
  const auto ids = add_accounts(2);
  ASSERT_EQ(database_->fail_booking_inserts(ids[0]), backends::SqlStatus::ok);
  std::promise<std::exception_ptr> failed;
  {
    service::BookingWriter writer(*store_);
    writer.submit_async(attempt(ids[0]), [&](const BookingOutcome&, std::exception_ptr error) { failed.set_value(error); });
  }
  const auto error = failed.get_future().get();
  ASSERT_TRUE(error);
  EXPECT_THROW(std::rethrow_exception(error), StoreError);
  EXPECT_EQ(booked(kDate), 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, BookingStoreTest, backends::kAllBackends, backends::backend_name);

}  // namespace
}  // namespace yizhan::store

// What only the PostgreSQL store has to get right: several servers (here
// several PgStore instances) on one database at once, lost connections,
// statement timeouts and its URL. Skipped unless YIZHAN_TEST_POSTGRES_URL
// names a cluster's maintenance database.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <latch>
#include <map>
#include <set>
#include <thread>

#include "service/booking_writer.h"
#include "store_backends.h"

namespace yizhan::store {
namespace {

using backends::Backend;
using backends::SqlStatus;
using backends::TestDatabase;

constexpr std::int64_t kNow = 1'797'390'000;
constexpr std::int64_t kDefaultStation = 1;
const std::string kToday = "2026-12-20";
const std::string kDigest = "digest";

class PgStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    YIZHAN_SKIP_UNAVAILABLE_BACKEND(Backend::postgres);
    database_ = std::make_unique<TestDatabase>(Backend::postgres);
    store_ = database_->open();
    store_->migrate();
  }

  void TearDown() override {
    store_.reset();
    database_.reset();
  }

  AuditEntry audit(const std::string& action) { return AuditEntry{0, kNow, 0, "operator", action, "", "", "", ""}; }

  std::vector<std::int64_t> add_accounts(int count) {
    std::vector<std::int64_t> ids;
    for (int i = 0; i < count; ++i) {
      std::int64_t id = 0;
      const std::string number = "H" + std::to_string(30'000'000 + next_number_++);
      EXPECT_EQ(store_->insert_account(NewAccount{"home_return_permit", number, "hash", "en", "consent", kNow, kNow}, id),
                InsertOutcome::inserted);
      numbers_[id] = number;
      ids.push_back(id);
    }
    return ids;
  }

  BookingAttempt attempt(std::int64_t account_id, const std::string& date, const std::string& key = "") {
    BookingAttempt attempt;
    attempt.account_id = account_id;
    attempt.date = date;
    attempt.today = kToday;
    attempt.now = kNow;
    attempt.idempotency_key = key;
    attempt.captcha_id = "captcha-" + std::to_string(next_captcha_++);
    store_->insert_captcha(attempt.captcha_id, kDigest, kNow + 600);
    attempt.captcha_digest = kDigest;
    attempt.name = "Traveller " + std::to_string(account_id);
    attempt.id_type = "home_return_permit";
    attempt.id_number = numbers_[account_id];
    attempt.destination_code = "440304";
    return attempt;
  }

  // Submit `attempts` from `threads_per_server` threads on each server, each
  // server with its own BookingWriter, and return every outcome.
  std::vector<BookingOutcome> rush(const std::vector<Store*>& servers, const std::vector<BookingAttempt>& attempts,
                                   int threads_per_server, std::atomic<int>& errors) {
    std::vector<std::unique_ptr<service::BookingWriter>> writers;
    for (Store* server : servers) writers.push_back(std::make_unique<service::BookingWriter>(*server));
    const int threads = threads_per_server * static_cast<int>(servers.size());
    std::vector<BookingOutcome> outcomes(attempts.size());
    std::atomic<std::size_t> next{0};
    std::latch start(threads);
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back([&, t] {
        service::BookingWriter& writer = *writers[static_cast<std::size_t>(t) % writers.size()];
        start.arrive_and_wait();
        for (std::size_t i = next++; i < attempts.size(); i = next++) {
          try {
            outcomes[i] = writer.submit(attempts[i]);
          } catch (const StoreError& error) {
            ++errors;
            ADD_FAILURE() << error.what();
          }
        }
      });
    }
    for (auto& worker : workers) worker.join();
    return outcomes;
  }

  // Check that the confirmations of each date match its quota exactly, with
  // sequences 1..quota each used once, in the outcomes and in the database.
  void expect_exact(const std::vector<BookingOutcome>& outcomes, const std::map<std::string, int>& quotas) {
    std::map<std::string, std::multiset<int>> sequences;
    std::set<std::string> numbers;
    for (const auto& outcome : outcomes) {
      if (outcome.result != BookingResult::confirmed) continue;
      sequences[outcome.booking.date].insert(outcome.booking.sequence);
      EXPECT_TRUE(numbers.insert(outcome.booking.booking_number).second) << outcome.booking.booking_number;
    }
    for (const auto& [date, quota] : quotas) {
      EXPECT_EQ(sequences[date].size(), static_cast<std::size_t>(quota)) << date;
      for (int sequence = 1; sequence <= quota; ++sequence) {
        EXPECT_EQ(sequences[date].count(sequence), 1u) << date << " sequence " << sequence;
      }
      EXPECT_EQ(database_->query_int("SELECT count(*) FROM bookings WHERE status = 'confirmed' AND date = '" + date +
                                     "'"),
                quota);
      EXPECT_EQ(database_->query_int("SELECT sum(booked) FROM day_quotas WHERE date = '" + date + "'"), quota);
      EXPECT_EQ(database_->query_int("SELECT count(*) FROM bookings WHERE date = '" + date +
                                     "' AND (sequence < 1 OR booking_number LIKE 'pending-%')"),
                0)
          << "no placeholder number survives the commit";
    }
  }

  std::unique_ptr<TestDatabase> database_;
  std::unique_ptr<Store> store_;
  std::map<std::int64_t, std::string> numbers_;
  int next_number_ = 0;
  int next_captcha_ = 0;
};

TEST_F(PgStoreTest, TwoServersOneStationWithinQuota) {
  const std::string date = "2026-12-25";
  ASSERT_EQ(store_->set_quota(date, kDefaultStation, 100, audit("quota.set")), QuotaResult::set);
  std::vector<BookingAttempt> attempts;
  for (const auto id : add_accounts(300)) attempts.push_back(attempt(id, date));
  auto second = database_->open();

  std::atomic<int> errors{0};
  const auto outcomes = rush({store_.get(), second.get()}, attempts, 6, errors);

  EXPECT_EQ(errors.load(), 0);
  expect_exact(outcomes, {{date, 100}});
}

TEST_F(PgStoreTest, TwoServersManyStationsWithinQuota) {
  // Several stations let the servers work on different quota rows; two
  // dates in one batch make them take rows in different orders.
  const std::vector<std::string> dates = {"2026-12-24", "2026-12-25"};
  std::vector<std::int64_t> stations = {kDefaultStation};
  for (int i = 0; i < 3; ++i) {
    stations.push_back(store_->insert_station(Station{0, "Station " + std::to_string(i), "", "", 50, true},
                                              audit("station.add")));
  }
  for (const auto& date : dates) {
    for (const auto station : stations) {
      ASSERT_EQ(store_->set_quota(date, station, 30, audit("quota.set")), QuotaResult::set);
    }
  }
  std::vector<BookingAttempt> attempts;
  const auto ids = add_accounts(400);
  for (std::size_t i = 0; i < ids.size(); ++i) attempts.push_back(attempt(ids[i], dates[i % 2]));
  auto second = database_->open();

  std::atomic<int> errors{0};
  const auto outcomes = rush({store_.get(), second.get()}, attempts, 6, errors);

  EXPECT_EQ(errors.load(), 0);
  expect_exact(outcomes, {{dates[0], 120}, {dates[1], 120}});
  for (const auto& quota : store_->list_quotas(dates[0], dates[1])) {
    EXPECT_EQ(quota.booked, quota.quota) << quota.date << " station " << quota.station_id;
  }
}

TEST_F(PgStoreTest, SameAccountOnTwoServersBooksOnce) {
  const std::string date = "2026-12-25";
  ASSERT_EQ(store_->set_quota(date, kDefaultStation, 10, audit("quota.set")), QuotaResult::set);
  const auto ids = add_accounts(2);
  const std::int64_t with_key = ids[0];
  const std::int64_t without_key = ids[1];
  std::vector<BookingAttempt> attempts;
  for (int i = 0; i < 8; ++i) {
    attempts.push_back(attempt(with_key, date, "same-key"));
    attempts.push_back(attempt(without_key, date));
  }
  auto second = database_->open();

  std::atomic<int> errors{0};
  const auto outcomes = rush({store_.get(), second.get()}, attempts, 8, errors);

  EXPECT_EQ(errors.load(), 0);
  std::map<std::int64_t, std::map<BookingResult, int>> results;
  std::map<std::int64_t, std::set<std::string>> numbers;
  for (std::size_t i = 0; i < attempts.size(); ++i) {
    results[attempts[i].account_id][outcomes[i].result] += 1;
    numbers[attempts[i].account_id].insert(outcomes[i].booking.booking_number);
  }
  EXPECT_EQ(results[with_key][BookingResult::confirmed], 1);
  EXPECT_EQ(results[with_key][BookingResult::replayed], 7);
  EXPECT_EQ(numbers[with_key].size(), 1u);
  EXPECT_EQ(results[without_key][BookingResult::confirmed], 1);
  EXPECT_EQ(results[without_key][BookingResult::already_active], 7);
  EXPECT_EQ(numbers[without_key].size(), 1u);
  EXPECT_EQ(database_->query_int("SELECT count(*) FROM bookings"), 2);
}

TEST_F(PgStoreTest, DroppedConnectionFailsOneCallThenRecovers) {
  // A few calls at once leave several connections in the pool.
  const auto ids = add_accounts(1);
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) threads.emplace_back([&] { store_->find_account_by_id(ids[0]); });
  for (auto& thread : threads) thread.join();

  ASSERT_EQ(backends::run_postgres_sql(database_->maintenance_url(),
                                       "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" +
                                           database_->name() + "'"),
            SqlStatus::ok);
  // pg_terminate_backend only signals; wait until the sessions are gone.
  for (int i = 0; i < 100; ++i) {
    const auto left = backends::run_postgres_sql(
        database_->maintenance_url(), "DO $$ BEGIN IF (SELECT count(*) FROM pg_stat_activity WHERE datname = '" +
                                          database_->name() + "') > 0 THEN RAISE EXCEPTION 'busy'; END IF; END $$");
    if (left == SqlStatus::ok) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }

  EXPECT_THROW(store_->find_account_by_id(ids[0]), StoreError);
  const auto found = store_->find_account_by_id(ids[0]);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->id, ids[0]);
  EXPECT_TRUE(store_->ping());
}

TEST_F(PgStoreTest, StatementTimeoutEndsAWaitingCall) {
  auto impatient = database_->open("statement_timeout=200");
  store_->insert_captcha("held", kDigest, kNow + 600);
  // Another session holds the captcha's row lock for a second, so consuming
  // it has to wait longer than the timeout allows.
  std::thread holder([&] {
    backends::run_postgres_sql(database_->url(),
                               "BEGIN; SELECT * FROM captchas WHERE id = 'held' FOR UPDATE; "
                               "SELECT pg_sleep(1); COMMIT");
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));

  const auto started = std::chrono::steady_clock::now();
  EXPECT_THROW(impatient->consume_captcha("held", kNow), StoreError);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(900));
  holder.join();

  EXPECT_EQ(impatient->consume_captcha("held", kNow), kDigest) << "the connection is still usable after a timeout";
}

TEST_F(PgStoreTest, TwoServersMigrateAtOnce) {
  TestDatabase fresh(Backend::postgres);
  auto first = fresh.open();
  auto second = fresh.open();
  std::latch start(2);
  int first_version = 0;
  int second_version = 0;
  std::thread other([&] {
    start.arrive_and_wait();
    second_version = second->migrate();
  });
  start.arrive_and_wait();
  EXPECT_NO_THROW(first_version = first->migrate());
  other.join();

  EXPECT_EQ(first_version, 4);
  EXPECT_EQ(second_version, 4);
  EXPECT_EQ(fresh.query_int("SELECT count(*) FROM schema_migrations"), 4);
  EXPECT_EQ(fresh.query_int("SELECT count(*) FROM stations"), 1) << "the default station is inserted once";
}

TEST_F(PgStoreTest, EntryIsRecordedOnceAcrossServers) {
  const std::string date = kToday;
  ASSERT_EQ(store_->set_quota(date, kDefaultStation, 5, audit("quota.set")), QuotaResult::set);
  std::int64_t officer = 0;
  ASSERT_EQ(store_->insert_staff(NewStaff{"port1", "hash", "port_officer", kNow}, officer), InsertOutcome::inserted);
  const auto booked = store_->book({attempt(add_accounts(1)[0], date)}).at(0);
  ASSERT_EQ(booked.result, BookingResult::confirmed);
  std::vector<std::unique_ptr<Store>> servers;
  for (int i = 0; i < 4; ++i) servers.push_back(database_->open());

  std::vector<EntryOutcome> outcomes(servers.size());
  std::latch start(static_cast<std::ptrdiff_t>(servers.size()));
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < servers.size(); ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      outcomes[i] = servers[i]->record_entry(booked.booking.booking_number, officer, kNow + 10);
    });
  }
  for (auto& thread : threads) thread.join();

  int recorded = 0;
  int already = 0;
  for (const auto& outcome : outcomes) {
    if (outcome.result == EntryResult::recorded) ++recorded;
    if (outcome.result == EntryResult::already_entered) {
      ++already;
      EXPECT_EQ(outcome.entered_by_username, "port1");
    }
  }
  EXPECT_EQ(recorded, 1);
  EXPECT_EQ(already, 3);
}

TEST_F(PgStoreTest, DayIsClosedOnceAcrossServers) {
  const std::string date = kToday;
  ASSERT_EQ(store_->set_quota(date, kDefaultStation, 5, audit("quota.set")), QuotaResult::set);
  for (const auto id : add_accounts(3)) ASSERT_EQ(store_->book({attempt(id, date)}).at(0).result, BookingResult::confirmed);
  std::vector<std::unique_ptr<Store>> servers;
  for (int i = 0; i < 3; ++i) servers.push_back(database_->open());

  std::vector<CloseDayOutcome> outcomes(servers.size());
  std::latch start(static_cast<std::ptrdiff_t>(servers.size()));
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < servers.size(); ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      outcomes[i] = servers[i]->close_day(date, kNow, 2, 14);
    });
  }
  for (auto& thread : threads) thread.join();

  int closings = 0;
  int no_shows = 0;
  for (const auto& outcome : outcomes) {
    if (!outcome.already_closed) ++closings;
    no_shows += outcome.no_shows;
  }
  EXPECT_EQ(closings, 1);
  EXPECT_EQ(no_shows, 3);
  EXPECT_EQ(database_->query_int("SELECT sum(total_no_shows) FROM accounts"), 3);
}

TEST_F(PgStoreTest, AuditLogIsAppendOnly) {
  store_->append_audit(audit("test.append"));
  EXPECT_EQ(database_->execute("UPDATE audit_log SET action = 'changed'"), SqlStatus::failed);
  EXPECT_EQ(database_->execute("DELETE FROM audit_log"), SqlStatus::failed);
  EXPECT_EQ(database_->execute("TRUNCATE audit_log"), SqlStatus::failed);
  EXPECT_EQ(database_->query_int("SELECT count(*) FROM audit_log WHERE action = 'test.append'"), 1);
}

TEST(PgUrlTest, PoolAndTimeoutAreReadAndRemoved) {
  const auto settings = parse_pg_url("postgresql://app:secret@db.example:5433/yizhan?pool=16&sslmode=require"
                                     "&statement_timeout=2500");
  EXPECT_EQ(settings.pool_size, 16);
  EXPECT_EQ(settings.statement_timeout_ms, 2500);
  EXPECT_EQ(settings.conninfo,
            "postgresql://app:secret@db.example:5433/yizhan?sslmode=require&connect_timeout=5&application_name=yizhan");
  EXPECT_EQ(settings.display,
            "postgresql://app:***@db.example:5433/yizhan?pool=16&sslmode=require&statement_timeout=2500");
}

TEST(PgUrlTest, DefaultsWithoutOptions) {
  const auto settings = parse_pg_url("postgres://localhost/yizhan");
  EXPECT_EQ(settings.pool_size, 10);
  EXPECT_EQ(settings.statement_timeout_ms, 10'000);
  EXPECT_EQ(settings.conninfo, "postgres://localhost/yizhan?connect_timeout=5&application_name=yizhan");
  EXPECT_EQ(settings.display, "postgres://localhost/yizhan");
}

TEST(PgUrlTest, PasswordParameterIsHidden) {
  const auto settings = parse_pg_url("postgresql://localhost/yizhan?user=app&password=secret&connect_timeout=2");
  EXPECT_EQ(settings.display, "postgresql://localhost/yizhan?user=app&password=***&connect_timeout=2");
  EXPECT_EQ(settings.conninfo.find("connect_timeout=5"), std::string::npos) << "the given timeout is kept";
}

TEST(PgUrlTest, InvalidPoolAndTimeoutAreRejected) {
  for (const std::string bad : {"pool=0", "pool=1001", "pool=x", "pool=", "pool=-1", "statement_timeout=0",
                                "statement_timeout=10s"}) {
    EXPECT_THROW(parse_pg_url("postgresql://localhost/yizhan?" + bad), StoreError) << bad;
  }
}

TEST(PgUrlTest, UnreachableServerErrorHidesThePassword) {
  // Port 1 on loopback refuses at once.
  try {
    open_store("postgresql://app:topsecret@127.0.0.1:1/yizhan");
    FAIL() << "expected StoreError";
  } catch (const StoreError& error) {
    const std::string message = error.what();
    EXPECT_EQ(message.find("topsecret"), std::string::npos) << message;
    EXPECT_NE(message.find("app:***@127.0.0.1:1"), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace yizhan::store

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "store_backends.h"

namespace yizhan::store {
namespace {

// Accounts, sessions, captchas and throttles, on each backend.
class StoreTest : public ::testing::TestWithParam<backends::Backend> {
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

  NewAccount account(const std::string& number) {
    return NewAccount{"home_return_permit", number, "hash", "en", "consent", 100, 100};
  }

  std::unique_ptr<backends::TestDatabase> database_;
  std::unique_ptr<Store> store_;
};

TEST_P(StoreTest, MigrateIsIdempotent) {
  const int version = store_->schema_version();
  EXPECT_GE(version, 1);
  EXPECT_EQ(store_->migrate(), version);
  EXPECT_EQ(store_->schema_version(), version);
}

TEST_P(StoreTest, DuplicateIdDocumentIsReportedNotThrown) {
  std::int64_t id = 0;
  EXPECT_EQ(store_->insert_account(account("H12345678"), id), InsertOutcome::inserted);
  std::int64_t second = 0;
  EXPECT_EQ(store_->insert_account(account("H12345678"), second), InsertOutcome::duplicate);
  EXPECT_EQ(store_->find_account("home_return_permit", "H12345678")->id, id);
  EXPECT_FALSE(store_->find_account("passport", "H12345678").has_value());
}

TEST_P(StoreTest, CaptchaIsConsumedOnlyOnce) {
  store_->insert_captcha("c1", "digest", 200);
  EXPECT_EQ(store_->consume_captcha("c1", 100), "digest");
  EXPECT_FALSE(store_->consume_captcha("c1", 100).has_value());
}

TEST_P(StoreTest, ExpiredCaptchaIsNotConsumed) {
  store_->insert_captcha("c2", "digest", 200);
  EXPECT_FALSE(store_->consume_captcha("c2", 200).has_value());
  EXPECT_EQ(store_->delete_expired_captchas(200), 1);
}

TEST_P(StoreTest, ConcurrentConsumersGetACaptchaOnce) {
  store_->insert_captcha("race", "digest", 1000);
  std::atomic<int> winners{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      if (store_->consume_captcha("race", 10)) ++winners;
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(winners.load(), 1);
}

TEST_P(StoreTest, SessionExpiresAtItsDeadline) {
  store_->insert_session(Session{"digest", SessionKind::staff, 7, 100, 200});
  const auto found = store_->find_session("digest", 199);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->kind, SessionKind::staff);
  EXPECT_EQ(found->subject_id, 7);
  EXPECT_FALSE(store_->find_session("digest", 200).has_value());
  store_->delete_session("digest");
  EXPECT_FALSE(store_->find_session("digest", 150).has_value());
}

TEST_P(StoreTest, SessionAccountOnlyForLiveAccountSessions) {
  std::int64_t id = 0;
  ASSERT_EQ(store_->insert_account(account("H22222222"), id), InsertOutcome::inserted);
  store_->insert_session(Session{"traveller", SessionKind::account, id, 100, 200});
  store_->insert_session(Session{"staff", SessionKind::staff, id, 100, 200});

  const auto found = store_->find_session_account("traveller", 199);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->id, id);
  EXPECT_EQ(found->id_number, "H22222222");
  EXPECT_FALSE(store_->find_session_account("traveller", 200).has_value()) << "expired";
  EXPECT_FALSE(store_->find_session_account("staff", 150).has_value()) << "a staff session names no traveller";
  EXPECT_FALSE(store_->find_session_account("unknown", 150).has_value());
}

TEST_P(StoreTest, LoginThrottleLocksAtTheLimitAndRestartsCounting) {
  EXPECT_EQ(store_->record_login_failure("k", 100, 3, 900).failures, 1);
  EXPECT_EQ(store_->record_login_failure("k", 101, 3, 900).failures, 2);
  const auto locked = store_->record_login_failure("k", 102, 3, 900);
  EXPECT_EQ(locked.failures, 0);
  EXPECT_EQ(locked.locked_until, 1002);
  store_->clear_login_failures("k");
  EXPECT_EQ(store_->find_login_throttle("k").locked_until, 0);
}

TEST_P(StoreTest, StaffRoleOutsideTheListIsRejectedByTheSchema) {
  std::int64_t id = 0;
  EXPECT_THROW(store_->insert_staff(NewStaff{"x", "hash", "superuser", 1}, id), StoreError);
  EXPECT_EQ(store_->insert_staff(NewStaff{"x", "hash", "reviewer", 1}, id), InsertOutcome::inserted);
  EXPECT_EQ(store_->insert_staff(NewStaff{"x", "hash", "reviewer", 1}, id), InsertOutcome::duplicate);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreTest, backends::kAllBackends, backends::backend_name);

}  // namespace
}  // namespace yizhan::store

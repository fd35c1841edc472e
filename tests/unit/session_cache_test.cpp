// SessionCache: entries expire, a finished write request drops them, and a
// lookup that overlapped a write does not store what it read.
#include <gtest/gtest.h>

#include "web/session_cache.h"

namespace yizhan::web {
namespace {

using std::chrono::milliseconds;

store::Account account_named(std::int64_t id) {
  store::Account account;
  account.id = id;
  return account;
}

class SessionCacheTest : public ::testing::Test {
 protected:
  SessionCache cache_{std::chrono::seconds(2), 3};
  SessionCache::Clock::time_point start_ = SessionCache::Clock::now();
};

TEST_F(SessionCacheTest, StoredAccountIsReturnedWithinLifetime) {
  cache_.put("token-a", account_named(7), cache_.generation(), start_);

  const auto hit = cache_.get("token-a", start_ + milliseconds(1999));
  ASSERT_TRUE(hit.has_value());
  ASSERT_TRUE(hit->has_value());
  EXPECT_EQ((*hit)->id, 7);
  EXPECT_FALSE(cache_.get("token-b", start_).has_value());
}

TEST_F(SessionCacheTest, MissingSessionIsCachedToo) {
  cache_.put("unknown", std::nullopt, cache_.generation(), start_);

  const auto hit = cache_.get("unknown", start_);
  ASSERT_TRUE(hit.has_value()) << "a known miss is an entry";
  EXPECT_FALSE(hit->has_value());
}

TEST_F(SessionCacheTest, EntryExpiresAfterLifetime) {
  cache_.put("token-a", account_named(7), cache_.generation(), start_);

  EXPECT_FALSE(cache_.get("token-a", start_ + milliseconds(2001)).has_value());
}

TEST_F(SessionCacheTest, WriteDropsEveryEntry) {
  cache_.put("token-a", account_named(7), cache_.generation(), start_);
  cache_.note_write();

  EXPECT_FALSE(cache_.get("token-a", start_).has_value());
}

TEST_F(SessionCacheTest, LookupOverlappingAWriteIsNotStored) {
  const auto before = cache_.generation();
  cache_.note_write();  // e.g. a sign-out finished while the store was read
  cache_.put("token-a", account_named(7), before, start_);

  EXPECT_FALSE(cache_.get("token-a", start_).has_value());
}

TEST_F(SessionCacheTest, FullCacheStartsOver) {
  for (const char* token : {"a", "b", "c"}) cache_.put(token, account_named(1), cache_.generation(), start_);
  cache_.put("d", account_named(4), cache_.generation(), start_);

  EXPECT_FALSE(cache_.get("a", start_).has_value());
  EXPECT_TRUE(cache_.get("d", start_).has_value());
}

}  // namespace
}  // namespace yizhan::web

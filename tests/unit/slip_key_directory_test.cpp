#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "service/crypto.h"
#include "service/slip_keys.h"

using namespace yizhan::service;
namespace fs = std::filesystem;

class SlipKeyDirectoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    init_crypto();
    directory_ = fs::temp_directory_path() / ("slip-key-directory-" + std::to_string(::getpid()) + "-" +
                                              ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(directory_);
  }
  void TearDown() override { fs::remove_all(directory_); }
  fs::path directory_;
};

TEST_F(SlipKeyDirectoryTest, ReloadsAfterIntervalOnly) {
  SlipKeyDirectory keys(directory_.string(), true, std::chrono::milliseconds(300));
  const std::string first = keys.ring()->current_id();
  const std::string second = rotate_slip_key(directory_.string());
  EXPECT_EQ(keys.ring()->current_id(), first) << "checked within the interval";
  std::this_thread::sleep_for(std::chrono::milliseconds(350));
  EXPECT_EQ(keys.ring()->current_id(), second);
  EXPECT_EQ(keys.ring()->public_keys().size(), 2u);
}

TEST_F(SlipKeyDirectoryTest, RefreshNowBypassesInterval) {
  SlipKeyDirectory keys(directory_.string(), true, std::chrono::hours(1));
  std::this_thread::sleep_for(SlipKeyDirectory::kMinForcedCheckInterval + std::chrono::milliseconds(20));
  const std::string second = rotate_slip_key(directory_.string());
  EXPECT_NE(keys.ring()->current_id(), second);
  EXPECT_EQ(keys.refresh_now()->current_id(), second);
  EXPECT_EQ(keys.ring()->current_id(), second);
}

TEST_F(SlipKeyDirectoryTest, KeepsRingWhenReloadFails) {
  SlipKeyDirectory keys(directory_.string(), true, std::chrono::milliseconds(0));
  const auto ring = keys.ring();
  std::ofstream(directory_ / "current") << "zzzz\n";
  EXPECT_EQ(keys.ring()->current_id(), ring->current_id());
  EXPECT_EQ(keys.ring()->current_id(), ring->current_id());
  const std::string next = rotate_slip_key(directory_.string());
  EXPECT_EQ(keys.ring()->current_id(), next);
}

TEST_F(SlipKeyDirectoryTest, RetiredKeyDisappears) {
  SlipKeyDirectory keys(directory_.string(), true, std::chrono::milliseconds(0));
  const std::string old_id = keys.ring()->current_id();
  SlipClaims claims;
  claims.booking_number = "202705280001";
  claims.date = "2027-05-28";
  claims.identity_digest = slip_identity_digest("passport", "E123");
  claims.group_size = 3;
  const std::string old_token = keys.ring()->sign(claims);
  rotate_slip_key(directory_.string());
  EXPECT_EQ(verify_slip_token(old_token, keys.ring()->public_keys()).result, SlipTokenCheck::valid);
  fs::remove(directory_ / (old_id + ".public"));
  fs::remove(directory_ / (old_id + ".secret"));
  EXPECT_EQ(verify_slip_token(old_token, keys.ring()->public_keys()).result, SlipTokenCheck::unknown_key);
}

TEST_F(SlipKeyDirectoryTest, ConcurrentReadersDuringRotation) {
  SlipKeyDirectory keys(directory_.string(), true, std::chrono::milliseconds(0));
  std::atomic<bool> done{false};
  std::atomic<int> failures{0};
  SlipClaims claims;
  claims.booking_number = "202705280001";
  claims.date = "2027-05-28";
  claims.identity_digest = slip_identity_digest("passport", "E123");
  claims.group_size = 1;
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      while (!done) {
        const auto ring = keys.ring();
        const auto token = ring->sign(claims);
        if (verify_slip_token(token, keys.ring()->public_keys()).result != SlipTokenCheck::valid) ++failures;
      }
    });
  }
  for (int i = 0; i < 20; ++i) rotate_slip_key(directory_.string());
  done = true;
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(keys.ring()->public_keys().size(), 21u);
}

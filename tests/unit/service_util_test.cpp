#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "service/clock.h"
#include "service/config.h"
#include "service/rate_limiter.h"

namespace yizhan::service {
namespace {

using namespace std::chrono;

TEST(Rfc3339, ParsesOffsetsAndZulu) {
  const auto with_offset = parse_rfc3339("2026-12-25T09:59:30+08:00");
  const auto zulu = parse_rfc3339("2026-12-25T01:59:30Z");
  ASSERT_TRUE(with_offset && zulu);
  EXPECT_EQ(*with_offset, *zulu);
  EXPECT_EQ(parse_rfc3339("2026-12-25T01:59:30.250Z"), zulu);
}

TEST(Rfc3339, RejectsMalformedInstants) {
  for (const char* bad : {"", "2026-12-25", "2026-12-25T09:59:30", "2026-13-25T09:59:30Z", "2026-02-30T00:00:00Z",
                          "2026-12-25T24:00:00Z", "2026-12-25T09:59:30+8:00", "2026-12-25T09:59:30Zjunk"}) {
    EXPECT_FALSE(parse_rfc3339(bad).has_value()) << bad;
  }
}

TEST(TimeZone, ConvertsToShanghaiLocalDateAndTime) {
  const TimeZone zone("Asia/Shanghai");
  const auto local = zone.to_local(*parse_rfc3339("2026-12-24T16:00:00Z"));
  EXPECT_EQ(local.date, year{2026} / 12 / 25);
  EXPECT_EQ(local.time_of_day, seconds(0));
  EXPECT_EQ(zone.format_rfc3339(*parse_rfc3339("2026-12-25T02:00:00Z")), "2026-12-25T10:00:00+08:00");
}

TEST(TimeZone, RejectsUnknownZone) { EXPECT_THROW(TimeZone("Mars/Olympus"), std::runtime_error); }

TEST(AdjustableClock, KeepsTickingFromTheSetInstant) {
  AdjustableClock clock;
  const auto target = *parse_rfc3339("2026-12-25T09:59:30+08:00");
  clock.set(target);
  const auto now = clock.now();
  EXPECT_GE(now, target);
  EXPECT_LT(now - target, seconds(5));
}

TEST(RateLimiter, AllowsTheBudgetThenAsksToWait) {
  RateLimiter limiter;
  const auto start = steady_clock::now();
  for (int i = 0; i < 3; ++i) EXPECT_EQ(limiter.acquire("login:1.2.3.4", 3, start), 0) << i;
  EXPECT_EQ(limiter.acquire("login:1.2.3.4", 3, start), 20);
  EXPECT_EQ(limiter.acquire("login:5.6.7.8", 3, start), 0) << "another address has its own budget";
  EXPECT_EQ(limiter.acquire("login:1.2.3.4", 3, start + seconds(20)), 0) << "one unit refills in 20 s";
}

TEST(RateLimiter, PruningKeepsEachBucketAtItsOwnRate) {
  // Pruning starts above two keys here. An address bucket of 600 a minute
  // with 30 used is not full, and must survive a prune run by a caller
  // with another rate (20 a minute), or its budget would be refilled.
  RateLimiter limiter(2);
  const auto start = steady_clock::now();
  for (int i = 0; i < 30; ++i) ASSERT_EQ(limiter.acquire("booking:1.2.3.4", 600, start), 0) << i;
  for (int account = 0; account < 3; ++account) {
    limiter.acquire("booking-account:" + std::to_string(account), 20, start);
  }
  for (int i = 0; i < 570; ++i) ASSERT_EQ(limiter.acquire("booking:1.2.3.4", 600, start), 0) << i;
  EXPECT_GT(limiter.acquire("booking:1.2.3.4", 600, start), 0) << "the 30 used were not given back by pruning";
}

TEST(RateLimiter, PruningDropsOnlyRefilledBuckets) {
  RateLimiter limiter(2);
  const auto start = steady_clock::now();
  EXPECT_EQ(limiter.acquire("login:a", 1, start), 0);
  EXPECT_EQ(limiter.acquire("login:b", 1, start), 0);
  EXPECT_EQ(limiter.acquire("login:c", 1, start), 0);
  EXPECT_GT(limiter.acquire("login:a", 1, start + seconds(30)), 0) << "half refilled, still limited";
  EXPECT_EQ(limiter.acquire("login:a", 1, start + seconds(61)), 0) << "refilled after a minute";
}

TEST(ConfigFile, AppliesKeysAndReplacesDefaultListen) {
  const auto path = std::filesystem::temp_directory_path() / "yizhan-config-test.conf";
  std::ofstream(path) << "# comment\nlisten = 127.0.0.1:9000\nlisten = [::1]:9000\nlockout_failures = 3 # inline\n"
                         "support_email = help@example.org\n";
  Config config;
  load_config_file(path.string(), config);
  EXPECT_EQ(config.listen, (std::vector<std::string>{"127.0.0.1:9000", "[::1]:9000"}));
  EXPECT_EQ(config.lockout_failures, 3);
  EXPECT_EQ(config.support_email, "help@example.org");
  std::filesystem::remove(path);
}

TEST(ConfigFile, ShippedDeployConfigLoads) {
  Config config;
  load_config_file(std::string(YIZHAN_SOURCE_DIR) + "/deploy/yizhan.conf", config);
  EXPECT_EQ(config.trusted_proxies, (std::vector<std::string>{"127.0.0.1", "::1"}));
}

TEST(ConfigFile, TrustedProxiesAddUpAcrossLines) {
  Config config;
  EXPECT_TRUE(apply_config_value(config, "trusted_proxies", "127.0.0.1, ::1"));
  EXPECT_TRUE(apply_config_value(config, "trusted_proxies", "10.0.0.0/8"));
  EXPECT_EQ(config.trusted_proxies, (std::vector<std::string>{"127.0.0.1", "::1", "10.0.0.0/8"}));
}

TEST(ConfigFile, RejectsUnknownKeysAndBadValues) {
  const auto path = std::filesystem::temp_directory_path() / "yizhan-config-bad.conf";
  for (const char* line : {"no_such_key = 1\n", "lockout_failures = many\n", "lockout_failures = 0\n", "just text\n",
                           "default_language = fr\n", "trusted_proxies = 127.0.0.1, nginx\n",
                           "trusted_proxies = 10.0.0.0/33\n", "trusted_proxies = 10.0.0.0/\n",
                           "trusted_proxies = 127.0.0.1:8080\n", "trusted_proxies =\n",
                           "trusted_proxies = 10.0.0.0/8,\n", "trusted_proxies = ,,127.0.0.1\n"}) {
    std::ofstream(path) << line;
    Config config;
    EXPECT_THROW(load_config_file(path.string(), config), std::runtime_error) << line;
  }
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace yizhan::service

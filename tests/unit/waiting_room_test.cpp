#include "service/waiting_room.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

#include "service/config.h"
#include "service/crypto.h"

namespace yizhan::service {
namespace {

using namespace std::chrono;
using Presented = WaitingRoom::PresentedTicket;

// A fixed start on the steady clock; every test moves from here by hand.
const WaitingRoom::TimePoint kStart = WaitingRoom::TimePoint{} + hours(1);

WaitingRoom::Settings settings(int per_second, int burst, minutes admitted_for = minutes(10)) {
  WaitingRoom::Settings result;
  result.admit_per_second = per_second;
  result.burst = burst;
  result.admitted_for = admitted_for;
  return result;
}

class WaitingRoomTest : public ::testing::Test {
 protected:
  void SetUp() override { init_crypto(); }
};

// Replaces one character in the middle of `ticket` with another base64url one.
std::string tampered(std::string ticket) {
  char& middle = ticket[ticket.size() / 2];
  middle = middle == 'A' ? 'B' : 'A';
  return ticket;
}

TEST_F(WaitingRoomTest, OffAdmitsEveryoneWithoutTicket) {
  WaitingRoom room(settings(0, 1));
  EXPECT_FALSE(room.enabled());
  for (std::int64_t account = 1; account <= 100; ++account) {
    const auto status = room.arrive(account, "", kStart);
    EXPECT_TRUE(status.admitted) << account;
    EXPECT_TRUE(status.ticket.empty()) << account;
  }
  EXPECT_FALSE(room.find(1, "", kStart).found);
  EXPECT_EQ(room.counters(kStart).waiting, 0);
  EXPECT_EQ(room.counters(kStart).admitted_total, 0u);
}

TEST_F(WaitingRoomTest, BurstPassesStraightThenTicketsWait) {
  WaitingRoom room(settings(1, 3));
  for (std::int64_t account = 1; account <= 3; ++account) {
    const auto status = room.arrive(account, "", kStart);
    EXPECT_TRUE(status.admitted) << "account " << account << " is within the burst";
    EXPECT_EQ(status.position, 0);
  }
  for (std::int64_t account = 4; account <= 6; ++account) {
    const auto status = room.arrive(account, "", kStart);
    EXPECT_FALSE(status.admitted) << "account " << account << " is past the burst";
    EXPECT_EQ(status.position, account - 3);
    EXPECT_EQ(status.estimated_wait_seconds, account - 3);
    EXPECT_FALSE(status.ticket.empty());
  }
  const auto counters = room.counters(kStart);
  EXPECT_EQ(counters.waiting, 3);
  EXPECT_EQ(counters.admitted_total, 3u);
  EXPECT_EQ(counters.tickets_total, 3u);
}

TEST_F(WaitingRoomTest, BurstRefillsOnlyUpToItsSize) {
  WaitingRoom room(settings(1, 2));
  EXPECT_TRUE(room.arrive(1, "", kStart).admitted);
  EXPECT_TRUE(room.arrive(2, "", kStart).admitted);
  // An hour of quiet accrues two tokens, not 3600.
  const auto later = kStart + hours(1);
  EXPECT_TRUE(room.arrive(3, "", later).admitted);
  EXPECT_TRUE(room.arrive(4, "", later).admitted);
  EXPECT_FALSE(room.arrive(5, "", later).admitted);
}

TEST_F(WaitingRoomTest, AdmitsInArrivalOrder) {
  WaitingRoom room(settings(2, 1));
  EXPECT_TRUE(room.arrive(100, "", kStart).admitted);
  // Accounts arrive in an order unrelated to their ids.
  const std::vector<std::int64_t> arrivals = {7, 3, 9, 1, 5, 8};
  for (const auto account : arrivals) EXPECT_FALSE(room.arrive(account, "", kStart).admitted);

  // Two admissions per second: after each half second exactly the next one
  // in arrival order is admitted, and nobody behind it.
  for (std::size_t turn = 0; turn < arrivals.size(); ++turn) {
    const auto now = kStart + milliseconds(500 * (turn + 1));
    for (std::size_t i = 0; i < arrivals.size(); ++i) {
      const auto status = room.arrive(arrivals[i], "", now);
      EXPECT_EQ(status.admitted, i <= turn) << "turn " << turn << ", arrival " << i;
    }
  }
}

TEST_F(WaitingRoomTest, PositionAndEstimateFallOverTime) {
  WaitingRoom room(settings(1, 1));
  EXPECT_TRUE(room.arrive(1, "", kStart).admitted);
  for (std::int64_t account = 2; account <= 5; ++account) room.arrive(account, "", kStart);

  const auto first = room.find(5, "", kStart).status;
  EXPECT_EQ(first.position, 4);
  EXPECT_EQ(first.estimated_wait_seconds, 4);
  const auto later = room.find(5, "", kStart + milliseconds(2500)).status;
  EXPECT_EQ(later.position, 2);
  EXPECT_EQ(later.estimated_wait_seconds, 2);
  const auto last = room.find(5, "", kStart + seconds(4)).status;
  EXPECT_TRUE(last.admitted);
  EXPECT_EQ(last.position, 0);
  EXPECT_EQ(last.estimated_wait_seconds, 0);
  EXPECT_EQ(last.admitted_until, kStart + seconds(4) + minutes(10));
}

TEST_F(WaitingRoomTest, SilentTicketLosesItsTurnToTheNext) {
  auto with_abandon = settings(1, 1);
  with_abandon.abandoned_after = seconds(60);
  WaitingRoom room(with_abandon);
  EXPECT_TRUE(room.arrive(1, "", kStart).admitted);
  // 69 travellers queue and keep their pages open; then one arrives and
  // closes the page at once; then one more who stays.
  std::vector<std::int64_t> present;
  for (std::int64_t account = 2; account <= 70; ++account) {
    room.arrive(account, "", kStart);
    present.push_back(account);
  }
  constexpr std::int64_t kSilent = 71;
  constexpr std::int64_t kLast = 72;
  room.arrive(kSilent, "", kStart);
  room.arrive(kLast, "", kStart);
  present.push_back(kLast);

  // One admission per second; the present ones ask every second. The
  // silent ticket's turn comes after 70 s, when it has been silent for
  // longer than 60 s, so it is dropped and the last one goes a second early.
  int admitted_at = 0;
  for (int second = 1; second <= 80 && admitted_at == 0; ++second) {
    const auto now = kStart + seconds(second);
    for (const auto account : present) {
      const auto status = room.find(account, "", now).status;
      if (account == kLast && status.admitted) admitted_at = second;
    }
  }
  EXPECT_EQ(admitted_at, 70) << "without the drop the last one's turn is at 71 s";
  const auto end = kStart + seconds(80);
  EXPECT_FALSE(room.find(kSilent, "", end).found) << "the silent ticket is gone";
  const auto counters = room.counters(end);
  EXPECT_EQ(counters.abandoned_total, 1u);
  EXPECT_EQ(counters.waiting, 0);
  // Coming back means joining again, at the back.
  EXPECT_GT(room.arrive(kSilent, "", end).number, kLast);
}

TEST_F(WaitingRoomTest, AskingKeepsTheTicketAlive) {
  auto with_abandon = settings(1, 1);
  with_abandon.abandoned_after = seconds(60);
  WaitingRoom room(with_abandon);
  EXPECT_TRUE(room.arrive(1, "", kStart).admitted);
  for (std::int64_t account = 2; account <= 100; ++account) room.arrive(account, "", kStart);
  // Everyone asks every 30 seconds, well inside the 60 s; all are admitted
  // in turn and none is dropped.
  for (int second = 30; second <= 120; second += 30) {
    for (std::int64_t account = 2; account <= 100; ++account) room.find(account, "", kStart + seconds(second));
  }
  const auto end = kStart + seconds(120);
  EXPECT_TRUE(room.find(100, "", end).status.admitted);
  EXPECT_EQ(room.counters(end).abandoned_total, 0u);
  EXPECT_EQ(room.counters(end).admitted_total, 100u);
}

TEST_F(WaitingRoomTest, EstimateRoundsUpToWholeSeconds) {
  WaitingRoom room(settings(3, 1));
  EXPECT_TRUE(room.arrive(1, "", kStart).admitted);
  for (std::int64_t account = 2; account <= 6; ++account) room.arrive(account, "", kStart);
  // Position 4 at 3 a second is 1.33 s.
  EXPECT_EQ(room.find(5, "", kStart).status.position, 4);
  EXPECT_EQ(room.find(5, "", kStart).status.estimated_wait_seconds, 2);
}

TEST_F(WaitingRoomTest, QuietSpellAdmitsEveryTicketThatWasDue) {
  WaitingRoom room(settings(1, 1));
  EXPECT_TRUE(room.arrive(1, "", kStart).admitted);
  for (std::int64_t account = 2; account <= 11; ++account) room.arrive(account, "", kStart);
  // Nobody calls for 10 s, yet 10 admissions were due in that time.
  EXPECT_EQ(room.counters(kStart + seconds(10)).waiting, 0);
  EXPECT_TRUE(room.find(11, "", kStart + seconds(10)).status.admitted);
}

TEST_F(WaitingRoomTest, SameAccountKeepsTicketAndPlace) {
  WaitingRoom room(settings(1, 1));
  EXPECT_TRUE(room.arrive(1, "", kStart).admitted);
  const auto first = room.arrive(2, "", kStart);
  const auto second = room.arrive(3, "", kStart);
  ASSERT_FALSE(first.admitted);

  // Arriving again, with or without the ticket, neither loses nor improves
  // the place.
  const auto again = room.arrive(2, "", kStart + milliseconds(100));
  EXPECT_EQ(again.ticket, first.ticket);
  EXPECT_EQ(again.number, first.number);
  EXPECT_EQ(again.position, 1);
  const auto with_ticket = room.arrive(3, second.ticket, kStart + milliseconds(200));
  EXPECT_EQ(with_ticket.presented, Presented::valid);
  EXPECT_EQ(with_ticket.ticket, second.ticket);
  EXPECT_EQ(with_ticket.position, 2);
  EXPECT_EQ(room.counters(kStart).tickets_total, 2u);
}

TEST_F(WaitingRoomTest, ChangedTicketDoesNotAdmit) {
  WaitingRoom room(settings(1, 1));
  const auto admitted = room.arrive(1, "", kStart);
  ASSERT_TRUE(admitted.admitted);
  const auto waiting = room.arrive(2, "", kStart);
  ASSERT_FALSE(waiting.admitted);

  // Account 2 presents a changed copy of its own ticket, and then garbage.
  const auto changed = room.arrive(2, tampered(waiting.ticket), kStart);
  EXPECT_EQ(changed.presented, Presented::invalid);
  EXPECT_FALSE(changed.admitted);
  EXPECT_EQ(changed.ticket, waiting.ticket);
  EXPECT_EQ(room.arrive(2, "not a ticket", kStart).presented, Presented::invalid);
  EXPECT_EQ(room.arrive(2, admitted.ticket.substr(0, 20), kStart).presented, Presented::invalid);

  // A ticket forged for account 2 from another process's key does not verify.
  WaitingRoom other_process(settings(1, 1));
  const auto forged = other_process.arrive(2, "", kStart);
  ASSERT_TRUE(forged.admitted);
  const auto with_forged = room.arrive(2, forged.ticket, kStart);
  EXPECT_EQ(with_forged.presented, Presented::invalid);
  EXPECT_FALSE(with_forged.admitted);
}

TEST_F(WaitingRoomTest, AnotherAccountsTicketDoesNotAdmit) {
  WaitingRoom room(settings(1, 1));
  const auto owner = room.arrive(1, "", kStart);
  ASSERT_TRUE(owner.admitted);
  room.arrive(2, "", kStart);

  // Account 3 presents account 1's admitted ticket: it counts as arriving
  // without one, so account 3 gets its own ticket at the back.
  const auto borrower = room.arrive(3, owner.ticket, kStart);
  EXPECT_EQ(borrower.presented, Presented::other_account);
  EXPECT_FALSE(borrower.admitted);
  EXPECT_NE(borrower.ticket, owner.ticket);
  EXPECT_EQ(borrower.position, 2);

  const auto lookup = room.find(4, owner.ticket, kStart);
  EXPECT_EQ(lookup.status.presented, Presented::other_account);
  EXPECT_FALSE(lookup.found);
  EXPECT_TRUE(lookup.status.ticket.empty());
}

TEST_F(WaitingRoomTest, AdmissionWindowExpires) {
  WaitingRoom room(settings(1, 1, minutes(10)));
  const auto first = room.arrive(1, "", kStart);
  ASSERT_TRUE(first.admitted);
  EXPECT_EQ(first.admitted_until, kStart + minutes(10));

  // Within the window every attempt passes without taking a token.
  room.arrive(2, "", kStart);
  EXPECT_TRUE(room.arrive(1, first.ticket, kStart + minutes(5)).admitted);
  EXPECT_TRUE(room.arrive(1, first.ticket, kStart + minutes(10) - milliseconds(1)).admitted);

  // Accounts 3 to 5 arrive just before the window ends: one takes the
  // token and two wait. At the end of the window account 1 queues again
  // behind them, and its old ticket is stale.
  for (std::int64_t account = 3; account <= 5; ++account) room.arrive(account, "", kStart + minutes(10) - seconds(1));
  EXPECT_FALSE(room.find(1, "", kStart + minutes(10)).found);
  const auto again = room.arrive(1, first.ticket, kStart + minutes(10));
  EXPECT_EQ(again.presented, Presented::stale);
  EXPECT_FALSE(again.admitted);
  EXPECT_GT(again.number, first.number);
  EXPECT_EQ(again.position, 3);
}

TEST_F(WaitingRoomTest, ExpiredEntriesAreForgotten) {
  WaitingRoom room(settings(1000, 1000, minutes(1)));
  for (std::int64_t account = 1; account <= 500; ++account) room.arrive(account, "", kStart);
  EXPECT_TRUE(room.find(1, "", kStart + seconds(59)).found);
  EXPECT_FALSE(room.find(1, "", kStart + minutes(1)).found);
  EXPECT_FALSE(room.find(500, "", kStart + minutes(1)).found);
  EXPECT_EQ(room.counters(kStart + minutes(1)).admitted_total, 500u);
}

TEST_F(WaitingRoomTest, FindDoesNotJoin) {
  WaitingRoom room(settings(1, 1));
  const auto lookup = room.find(1, "", kStart);
  EXPECT_FALSE(lookup.found);
  EXPECT_EQ(lookup.status.presented, Presented::none);
  EXPECT_EQ(room.counters(kStart).admitted_total, 0u);
  EXPECT_TRUE(room.arrive(2, "", kStart).admitted) << "the token is still there";
}

TEST(WaitingRoomSettings, BurstDefaultsToTheRate) {
  Config config;
  EXPECT_EQ(config.waiting_room_admit_per_second, 0);
  EXPECT_EQ(waiting_room_settings(config).burst, 1);
  EXPECT_EQ(waiting_room_settings(config).admitted_for, minutes(10));

  ASSERT_TRUE(apply_config_value(config, "waiting_room_admit_per_second", "50"));
  EXPECT_EQ(waiting_room_settings(config).burst, 50);
  ASSERT_TRUE(apply_config_value(config, "waiting_room_burst", "200"));
  EXPECT_EQ(waiting_room_settings(config).burst, 200);
  ASSERT_TRUE(apply_config_value(config, "waiting_room_admitted_minutes", "3"));
  EXPECT_EQ(waiting_room_settings(config).admitted_for, minutes(3));
}

TEST(WaitingRoomSettings, RejectsValuesOutOfRange) {
  Config config;
  EXPECT_THROW(apply_config_value(config, "waiting_room_admit_per_second", "-1"), std::invalid_argument);
  EXPECT_THROW(apply_config_value(config, "waiting_room_admit_per_second", "fast"), std::invalid_argument);
  EXPECT_THROW(apply_config_value(config, "waiting_room_burst", "-5"), std::invalid_argument);
  EXPECT_THROW(apply_config_value(config, "waiting_room_admitted_minutes", "0"), std::invalid_argument);
  EXPECT_THROW(apply_config_value(config, "waiting_room_admitted_minutes", "1441"), std::invalid_argument);
}

}  // namespace
}  // namespace yizhan::service

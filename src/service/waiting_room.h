// WaitingRoom: a fair queue in front of the booking path. Admissions accrue
// as tokens at a configured rate up to a burst. An arrival passes straight
// through while nobody waits and a token is left; otherwise it gets a
// numbered ticket, and waiting tickets are admitted strictly in number
// order as tokens accrue. An admitted account may book until its admission
// window ends. Tickets are signed (libsodium crypto_auth, a key made per
// process), bound to one account, and one account has one ticket.
//
// State lives in this process's memory only: each server process keeps its
// own queue, and a restart forgets it (and its key, so old tickets stop
// verifying). Thread-safe and cheap: one mutex, no I/O, no timer thread,
// because the queue advances lazily on every call. Callers pass the time
// in, so tests control it.
#pragma once

#include <sodium.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "service/config.h"

namespace yizhan::service {

class WaitingRoom {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  struct Settings {
    int admit_per_second = 0;  // 0: the room is off and admits everyone
    int burst = 1;             // tokens that may accrue while nobody waits
    std::chrono::seconds admitted_for{600};
    // A waiting ticket whose account has not arrived or asked about it for
    // this long when its turn comes is dropped without using an admission:
    // its holder closed the page, and the next in line goes first.
    std::chrono::seconds abandoned_after{60};
  };

  // Verdict on the ticket that a request presented.
  enum class PresentedTicket {
    none,           // no ticket was presented
    valid,          // the account's current ticket
    stale,          // a genuine ticket of this account, replaced since
    invalid,        // unparseable or a wrong MAC: changed or forged
    other_account,  // genuine, but issued to another account
  };

  // An account's ticket as the caller shows it.
  struct TicketStatus {
    std::string ticket;         // opaque text for the client to present
    std::int64_t number = 0;    // arrival order
    bool admitted = false;
    int position = 0;           // waiting tickets ahead plus one; 0 when admitted
    int estimated_wait_seconds = 0;  // position / rate, rounded up; 0 when admitted
    TimePoint admitted_until{};      // end of the admission window when admitted
    PresentedTicket presented = PresentedTicket::none;
  };

  struct Counters {
    std::int64_t waiting = 0;          // tickets not yet admitted
    std::uint64_t admitted_total = 0;  // straight passes and admitted tickets
    std::uint64_t tickets_total = 0;   // arrivals that had to wait
    std::uint64_t abandoned_total = 0;  // waiting tickets dropped unused
  };

  // Requires libsodium to be initialised (service::init_crypto).
  explicit WaitingRoom(Settings settings);

  bool enabled() const { return settings_.admit_per_second > 0; }
  const Settings& settings() const { return settings_; }

  // Records an arrival of `account_id` on the booking path and returns its
  // ticket: admitted (a straight pass or its turn came) or waiting. An
  // account that already has a ticket gets the same ticket and place. The
  // presented ticket never changes the outcome, because the account's place
  // is kept here; it is only judged so that the caller can log refusals.
  // With the room off, every arrival is admitted without a ticket.
  TicketStatus arrive(std::int64_t account_id, std::string_view presented_ticket, TimePoint now);

  // The account's current ticket without joining: `found` is false when
  // the account has none (or its admission window has ended).
  struct Lookup {
    bool found = false;
    TicketStatus status;
  };
  Lookup find(std::int64_t account_id, std::string_view presented_ticket, TimePoint now);

  Counters counters(TimePoint now);

 private:
  struct Entry {
    std::int64_t number = 0;
    TimePoint issued_at{};
    TimePoint last_seen{};  // the last arrive() or find() of its account
    bool admitted = false;
    TimePoint admitted_until{};
  };
  struct Admission {
    TimePoint until;
    std::int64_t account_id;
    std::int64_t number;
  };

  // REQUIRES: mutex_ is held. Accrues tokens and admits waiting tickets.
  void advance(TimePoint now);
  // REQUIRES: mutex_ is held. Records that the account's holder is still there.
  void note_seen(std::int64_t account_id, TimePoint now);
  // REQUIRES: mutex_ is held.
  void admit(std::int64_t account_id, Entry& entry, TimePoint now);
  // REQUIRES: mutex_ is held. Drops the account's entry once its admission
  // window has ended; returns the live entry or null.
  Entry* live_entry(std::int64_t account_id, TimePoint now);
  // REQUIRES: mutex_ is held.
  TicketStatus status_of(std::int64_t account_id, const Entry& entry) const;

  std::string sign(std::int64_t number, std::int64_t account_id, TimePoint issued_at) const;
  PresentedTicket judge(std::string_view ticket, std::int64_t account_id, const Entry* entry) const;

  const Settings settings_;
  std::array<unsigned char, crypto_auth_KEYBYTES> key_{};

  std::mutex mutex_;
  bool started_ = false;     // guarded by mutex_; the bucket starts full at the first call
  double tokens_ = 0;        // guarded by mutex_
  TimePoint refilled_at_{};  // guarded by mutex_
  std::int64_t next_number_ = 1;  // guarded by mutex_
  // Tickets next_admitted_ .. next_number_ - 1 are the waiting ones: they
  // are issued and admitted in number order, so they form one range.
  std::int64_t next_admitted_ = 1;  // guarded by mutex_
  std::unordered_map<std::int64_t, Entry> entries_;  // by account id; guarded by mutex_
  // Waiting tickets' accounts in number order.
  std::deque<std::int64_t> waiting_accounts_;  // guarded by mutex_
  // Admissions in the order their windows end, to forget expired entries.
  std::deque<Admission> admissions_;  // guarded by mutex_
  std::uint64_t admitted_total_ = 0;  // guarded by mutex_
  std::uint64_t tickets_total_ = 0;   // guarded by mutex_
  std::uint64_t abandoned_total_ = 0;  // guarded by mutex_
};

// The room's settings from the waiting_room_* keys; a burst of 0 there
// means the rate, at least 1.
WaitingRoom::Settings waiting_room_settings(const Config& config);

}  // namespace yizhan::service

#include "service/waiting_room.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>

namespace yizhan::service {
namespace {

// A ticket is base64url (no padding) of the number, the account id and the
// issue time in steady-clock milliseconds, 8 big-endian bytes each,
// followed by their MAC.
constexpr std::size_t kFieldBytes = 8;
constexpr std::size_t kSignedBytes = 3 * kFieldBytes;
constexpr std::size_t kTicketBytes = kSignedBytes + crypto_auth_BYTES;

void put_field(unsigned char* out, std::int64_t value) {
  auto bits = static_cast<std::uint64_t>(value);
  for (std::size_t i = 0; i < kFieldBytes; ++i) {
    out[kFieldBytes - 1 - i] = static_cast<unsigned char>(bits & 0xff);
    bits >>= 8;
  }
}

std::int64_t get_field(const unsigned char* in) {
  std::uint64_t bits = 0;
  for (std::size_t i = 0; i < kFieldBytes; ++i) bits = (bits << 8) | in[i];
  return static_cast<std::int64_t>(bits);
}

std::int64_t steady_milliseconds(WaitingRoom::TimePoint time) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

}  // namespace

WaitingRoom::Settings waiting_room_settings(const Config& config) {
  WaitingRoom::Settings settings;
  settings.admit_per_second = config.waiting_room_admit_per_second;
  settings.burst = config.waiting_room_burst > 0 ? config.waiting_room_burst
                                                 : std::max(config.waiting_room_admit_per_second, 1);
  settings.admitted_for = std::chrono::minutes(config.waiting_room_admitted_minutes);
  settings.abandoned_after = std::chrono::seconds(config.waiting_room_abandoned_seconds);
  return settings;
}

WaitingRoom::WaitingRoom(Settings settings) : settings_(settings) {
  crypto_auth_keygen(key_.data());
}

WaitingRoom::TicketStatus WaitingRoom::arrive(std::int64_t account_id, std::string_view presented_ticket,
                                              TimePoint now) {
  if (!enabled()) {
    TicketStatus status;
    status.admitted = true;
    return status;
  }

  std::lock_guard lock(mutex_);
  note_seen(account_id, now);
  advance(now);
  Entry* entry = live_entry(account_id, now);
  const PresentedTicket presented = judge(presented_ticket, account_id, entry);
  if (!entry) {
    entry = &entries_[account_id];
    entry->number = next_number_++;
    entry->issued_at = now;
    if (waiting_accounts_.empty() && tokens_ >= 1.0) {
      // Nobody is ahead, so the arrival takes a token and passes straight.
      tokens_ -= 1.0;
      next_admitted_ = next_number_;
      admit(account_id, *entry, now);
    } else {
      waiting_accounts_.push_back(account_id);
      ++tickets_total_;
    }
  }
  entry->last_seen = now;  // a new entry
  TicketStatus status = status_of(account_id, *entry);
  status.presented = presented;
  return status;
}

WaitingRoom::Lookup WaitingRoom::find(std::int64_t account_id, std::string_view presented_ticket, TimePoint now) {
  Lookup lookup;
  if (!enabled()) return lookup;

  std::lock_guard lock(mutex_);
  note_seen(account_id, now);
  advance(now);
  const Entry* entry = live_entry(account_id, now);
  const PresentedTicket presented = judge(presented_ticket, account_id, entry);
  if (entry) {
    lookup.found = true;
    lookup.status = status_of(account_id, *entry);
  }
  lookup.status.presented = presented;
  return lookup;
}

WaitingRoom::Counters WaitingRoom::counters(TimePoint now) {
  Counters counters;
  if (!enabled()) return counters;
  std::lock_guard lock(mutex_);
  advance(now);
  counters.waiting = next_number_ - next_admitted_;
  counters.admitted_total = admitted_total_;
  counters.tickets_total = tickets_total_;
  counters.abandoned_total = abandoned_total_;
  return counters;
}

void WaitingRoom::advance(TimePoint now) {
  const double burst = std::max(settings_.burst, 1);
  if (!started_) {
    started_ = true;
    tokens_ = burst;
    refilled_at_ = now;
  }
  // Threads read the clock before taking the lock, so `now` may be a little
  // behind the last call's; such a call accrues nothing.
  if (now > refilled_at_) {
    tokens_ += std::chrono::duration<double>(now - refilled_at_).count() * settings_.admit_per_second;
    refilled_at_ = now;
  }

  // Tokens accrued while tickets waited belong to them, so the burst cap
  // applies only once the queue is empty. Without it, a quiet spell between
  // calls would lose admissions that were due.
  while (tokens_ >= 1.0 && !waiting_accounts_.empty()) {
    const std::int64_t account_id = waiting_accounts_.front();
    waiting_accounts_.pop_front();
    ++next_admitted_;
    const auto found = entries_.find(account_id);
    // Checked only at the front, so that the waiting tickets stay one range
    // of numbers. The positions of those behind an abandoned ticket are
    // therefore one too high until it reaches the front.
    if (now - found->second.last_seen >= settings_.abandoned_after) {
      spdlog::info("event=queue_ticket_abandoned account_id={} number={}", account_id, found->second.number);
      entries_.erase(found);
      ++abandoned_total_;
      continue;
    }
    tokens_ -= 1.0;
    admit(account_id, found->second, now);
  }
  if (waiting_accounts_.empty()) tokens_ = std::min(tokens_, burst);

  while (!admissions_.empty() && admissions_.front().until <= now) {
    const Admission& ended = admissions_.front();
    const auto found = entries_.find(ended.account_id);
    if (found != entries_.end() && found->second.number == ended.number) entries_.erase(found);
    admissions_.pop_front();
  }
}

void WaitingRoom::note_seen(std::int64_t account_id, TimePoint now) {
  // Before advance(), so that a caller whose turn comes in this very call
  // counts as present.
  if (const auto found = entries_.find(account_id); found != entries_.end()) found->second.last_seen = now;
}

void WaitingRoom::admit(std::int64_t account_id, Entry& entry, TimePoint now) {
  entry.admitted = true;
  entry.admitted_until = now + settings_.admitted_for;
  admissions_.push_back(Admission{entry.admitted_until, account_id, entry.number});
  ++admitted_total_;
}

WaitingRoom::Entry* WaitingRoom::live_entry(std::int64_t account_id, TimePoint now) {
  const auto found = entries_.find(account_id);
  if (found == entries_.end()) return nullptr;
  // advance() drops ended windows too, but only from the front of the
  // admission order. This check also covers a call whose `now` lags behind.
  if (found->second.admitted && found->second.admitted_until <= now) {
    entries_.erase(found);
    return nullptr;
  }
  return &found->second;
}

WaitingRoom::TicketStatus WaitingRoom::status_of(std::int64_t account_id, const Entry& entry) const {
  TicketStatus status;
  status.ticket = sign(entry.number, account_id, entry.issued_at);
  status.number = entry.number;
  status.admitted = entry.admitted;
  if (entry.admitted) {
    status.admitted_until = entry.admitted_until;
  } else {
    const std::int64_t position = entry.number - next_admitted_ + 1;
    status.position = static_cast<int>(position);
    const std::int64_t rate = settings_.admit_per_second;
    status.estimated_wait_seconds = static_cast<int>((position + rate - 1) / rate);
  }
  return status;
}

std::string WaitingRoom::sign(std::int64_t number, std::int64_t account_id, TimePoint issued_at) const {
  std::array<unsigned char, kTicketBytes> bytes{};
  put_field(bytes.data(), number);
  put_field(bytes.data() + kFieldBytes, account_id);
  put_field(bytes.data() + 2 * kFieldBytes, steady_milliseconds(issued_at));
  crypto_auth(bytes.data() + kSignedBytes, bytes.data(), kSignedBytes, key_.data());

  constexpr int kVariant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
  std::string text(sodium_base64_ENCODED_LEN(kTicketBytes, kVariant), '\0');
  sodium_bin2base64(text.data(), text.size(), bytes.data(), bytes.size(), kVariant);
  text.resize(text.find('\0'));
  return text;
}

WaitingRoom::PresentedTicket WaitingRoom::judge(std::string_view ticket, std::int64_t account_id,
                                                const Entry* entry) const {
  if (ticket.empty()) return PresentedTicket::none;
  std::array<unsigned char, kTicketBytes> bytes{};
  std::size_t length = 0;
  if (sodium_base642bin(bytes.data(), bytes.size(), ticket.data(), ticket.size(), nullptr, &length, nullptr,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
      length != kTicketBytes) {
    return PresentedTicket::invalid;
  }
  if (crypto_auth_verify(bytes.data() + kSignedBytes, bytes.data(), kSignedBytes, key_.data()) != 0) {
    return PresentedTicket::invalid;
  }
  if (get_field(bytes.data() + kFieldBytes) != account_id) return PresentedTicket::other_account;
  if (entry && entry->number == get_field(bytes.data())) return PresentedTicket::valid;
  return PresentedTicket::stale;
}

}  // namespace yizhan::service

// PgStore: stations, quotas and the booking decision.
//
// Several servers book at once, each with its own transaction, so the
// decision must stay exact without SQLite's single writer and without one
// row that every transaction queues on:
// - People: before deciding, a batch takes transaction-level advisory locks
//   on every account and person (ID type and number) it names. Two servers
//   therefore cannot book the same person twice, and because the keys are
//   taken in sorted order, their waits cannot form a cycle.
// - Rooms: a room is taken by incrementing one station's day_quotas row
//   (the CHECK booked <= quota still guards it). A batch keeps using the
//   rows it already holds and otherwise takes the station with the most
//   rooms left among the rows no other transaction holds (FOR UPDATE SKIP
//   LOCKED), so two servers booking one date work on different stations in
//   parallel. Only when every free row is held elsewhere does it wait, and
//   only for a row ordered after every row it holds; otherwise it restarts
//   the batch in ordered mode, which locks the free rows of all its dates
//   in order up front.
// - Booking numbers: the date's day_sequences row would be a hot row if it
//   were taken per attempt, so a booking is inserted with a placeholder
//   number and the batch takes its sequences for each date in one update
//   just before the commit. The row is then held only for the commit.
#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include "store/pg_booking_rows.h"
#include "store/pg_store.h"

namespace yizhan::store {
namespace {

constexpr std::int64_t kLastSequence = 9999;
// Restarts and deadlock retries of one batch before it fails with StoreError.
constexpr int kBatchTries = 3;
// Passes of the room search for one attempt. A pass ends with a room, or
// with a row that another transaction filled while this one waited.
constexpr int kRoomSearchPasses = 50;

const std::string kDeadlockDetected = "40P01";

// "2026-12-25" and 6 -> "202612250006".
std::string booking_number(const std::string& date, std::int64_t sequence) {
  char text[32];
  std::snprintf(text, sizeof text, "%s%s%s%04lld", date.substr(0, 4).c_str(), date.substr(5, 2).c_str(),
                date.substr(8, 2).c_str(), static_cast<long long>(sequence));
  return text;
}

// The attempt's members, or the applicant alone when it names none.
std::vector<BookingMember> members_of(const BookingAttempt& attempt) {
  if (!attempt.members.empty()) return attempt.members;
  BookingMember applicant;
  applicant.name = attempt.name;
  applicant.id_type = attempt.id_type;
  applicant.id_number = attempt.id_number;
  return {applicant};
}

// Thrown inside a batch that would have to wait for a quota row out of
// order. book() then rolls the batch back and runs it again in ordered mode.
struct RestartInOrder {};

// A day_quotas row: (date, station id). Compared as bytes, the order of
// `ORDER BY date COLLATE "C", station_id`.
using QuotaKey = std::pair<std::string, std::int64_t>;

struct PendingBooking {
  std::int64_t id = 0;
  std::string date;
};

struct BatchState {
  bool ordered = false;
  std::set<QuotaKey> held;  // quota rows this transaction has locked
  std::vector<PendingBooking> pending;
  std::map<std::string, int> pending_per_date;
};

// Lock every account and person the batch names, in ascending key order.
void lock_people(PgConnection& connection, const std::vector<BookingAttempt>& attempts) {
  std::vector<std::int64_t> keys;
  for (const BookingAttempt& attempt : attempts) {
    keys.push_back(advisory_key("yizhan.account:" + std::to_string(attempt.account_id)));
    keys.push_back(advisory_key("yizhan.person:" + attempt.id_type + "\x1f" + attempt.id_number));
    for (const BookingMember& member : attempt.members) {
      keys.push_back(advisory_key("yizhan.person:" + member.id_type + "\x1f" + member.id_number));
    }
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  connection.query("SELECT pg_advisory_xact_lock(k) FROM unnest($1::BIGINT[]) AS k", {keys});
}

// Ordered mode: lock the free quota rows of every date of the batch, in key
// order, before deciding anything.
void lock_dates_in_order(PgConnection& connection, const std::vector<BookingAttempt>& attempts, BatchState& state) {
  std::set<std::string> unique_dates;
  for (const BookingAttempt& attempt : attempts) unique_dates.insert(attempt.date);
  const std::vector<std::string> dates(unique_dates.begin(), unique_dates.end());
  const auto locked = connection.query(
      "SELECT date, station_id FROM day_quotas WHERE date = ANY($1::TEXT[]) AND booked < quota "
      "ORDER BY date COLLATE \"C\", station_id FOR UPDATE",
      {dates});
  for (int row = 0; row < locked.rows(); ++row) state.held.emplace(locked.text(row, 0), locked.integer(row, 1));
}

// An active booking of the account, or one that covers any of `members` as
// applicant or co-resident; nullopt when there is none.
std::optional<Booking> find_active_conflict(PgConnection& connection, const BookingAttempt& attempt,
                                            const std::vector<BookingMember>& members) {
  const auto own = connection.query(
      select_pg_bookings("WHERE status = 'confirmed' AND date >= $1 AND account_id = $2 LIMIT 1"),
      {attempt.today, attempt.account_id});
  if (!own.empty()) return read_pg_booking(own, 0);

  for (const BookingMember& member : members) {
    const auto other = connection.query(
        select_pg_bookings("WHERE status = 'confirmed' AND date >= $1 AND ((id_type = $2 AND id_number = $3) OR id IN "
                           "(SELECT booking_id FROM booking_members WHERE id_type = $2 AND id_number = $3)) LIMIT 1"),
        {attempt.today, member.id_type, member.id_number});
    if (!other.empty()) return read_pg_booking(other, 0);
  }
  return std::nullopt;
}

// Take one room on `date`: book it on a station's quota row and return the
// station, or nullopt when the date has no room left.
std::optional<std::int64_t> take_room(PgConnection& connection, const std::string& date, BatchState& state) {
  for (int pass = 0; pass < kRoomSearchPasses; ++pass) {
    // Rows this transaction already holds cost no new lock and leave the
    // other stations to other servers.
    std::vector<std::int64_t> held_stations;
    for (const auto& [held_date, station] : state.held) {
      if (held_date == date) held_stations.push_back(station);
    }
    if (!held_stations.empty()) {
      const auto taken = connection.query(
          "UPDATE day_quotas SET booked = booked + 1 WHERE date = $1 AND station_id = ("
          "SELECT q.station_id FROM day_quotas q JOIN stations s ON s.id = q.station_id AND s.active "
          "WHERE q.date = $1 AND q.booked < q.quota AND q.station_id = ANY($2::BIGINT[]) "
          "ORDER BY q.quota - q.booked DESC, q.station_id LIMIT 1) RETURNING station_id",
          {date, held_stations});
      if (!taken.empty()) return taken.integer(0, 0);
    }

    // The station with the most rooms left among the rows no other
    // transaction holds.
    // FOR UPDATE re-reads a row that changed since the snapshot and skips it
    // when it is no longer free.
    const auto skipped = connection.query(
        "UPDATE day_quotas SET booked = booked + 1 WHERE date = $1 AND booked < quota AND station_id = ("
        "SELECT q.station_id FROM day_quotas q JOIN stations s ON s.id = q.station_id AND s.active "
        "WHERE q.date = $1 AND q.booked < q.quota ORDER BY q.quota - q.booked DESC, q.station_id LIMIT 1 "
        "FOR UPDATE OF q SKIP LOCKED) RETURNING station_id",
        {date});
    if (!skipped.empty()) {
      state.held.emplace(date, skipped.integer(0, 0));
      return skipped.integer(0, 0);
    }

    // Every free row, if any, is held by another transaction.
    const auto free = connection.query(
        "SELECT q.station_id FROM day_quotas q JOIN stations s ON s.id = q.station_id AND s.active "
        "WHERE q.date = $1 AND q.booked < q.quota ORDER BY q.station_id",
        {date});
    if (free.empty()) return std::nullopt;
    std::optional<std::int64_t> candidate;
    for (int row = 0; row < free.rows() && !candidate; ++row) {
      const QuotaKey key{date, free.integer(row, 0)};
      // Waiting only for rows ordered after every row held keeps the waits
      // between batches free of cycles. Ordered mode already holds every row
      // that was free, so it waits for a row freed since (a cancellation, a
      // raised quota). A rare deadlock with a quota change is retried by book().
      if (state.ordered || state.held.empty() || *state.held.rbegin() < key) candidate = key.second;
    }
    if (!candidate) throw RestartInOrder{};

    const auto waited = connection.query(
        "UPDATE day_quotas SET booked = booked + 1 WHERE date = $1 AND station_id = $2 AND booked < quota "
        "AND EXISTS (SELECT 1 FROM stations WHERE id = $2 AND active) RETURNING station_id",
        {date, *candidate});
    if (!waited.empty()) {
      state.held.emplace(date, *candidate);
      return *candidate;
    }
    // The other transaction filled the row; look again.
  }
  // NOTE: reached only when rows keep filling while this attempt waits.
  // The attempt's result is then sold_out.
  return std::nullopt;
}

void insert_members(PgConnection& connection, std::int64_t booking_id, const std::vector<BookingMember>& members) {
  for (std::size_t position = 0; position < members.size(); ++position) {
    const BookingMember& member = members[position];
    connection.query(
        "INSERT INTO booking_members (booking_id, position, name, relation, id_type, id_number, birth_date, gender) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        {booking_id, static_cast<int>(position), member.name, member.relation, member.id_type, member.id_number,
         member.birth_date, member.gender});
  }
}

BookingOutcome end_attempt(PgConnection& connection, BookingResult result, std::optional<Booking> booking = {}) {
  connection.execute("ROLLBACK TO SAVEPOINT attempt; RELEASE SAVEPOINT attempt");
  BookingOutcome outcome;
  outcome.result = result;
  if (booking) outcome.booking = std::move(*booking);
  return outcome;
}

// The booking decision for one attempt, inside the batch's transaction.
// The captcha is consumed before the savepoint so that it stays used even
// when the attempt fails; everything else rolls back with the savepoint.
BookingOutcome decide(PgConnection& connection, const BookingAttempt& attempt, BatchState& state) {
  BookingOutcome outcome;

  // A repeated request with the same idempotency key returns the first
  // request's booking.
  // The account's advisory lock makes a request on another server wait for
  // the first one's commit, so this read sees its booking.
  if (!attempt.idempotency_key.empty()) {
    const auto replay = connection.query(select_pg_bookings("WHERE account_id = $1 AND idempotency_key = $2"),
                                         {attempt.account_id, attempt.idempotency_key});
    if (!replay.empty()) {
      outcome.result = BookingResult::replayed;
      outcome.booking = read_pg_booking(replay, 0);
      return outcome;
    }
  }

  // A captcha row locked by another transaction is being consumed there,
  // so it counts as used here instead of being waited for.
  const auto captcha = connection.query(
      "UPDATE captchas SET used = TRUE WHERE id = (SELECT id FROM captchas WHERE id = $1 AND NOT used "
      "AND expires_at > $2 FOR UPDATE SKIP LOCKED) RETURNING answer_digest",
      {attempt.captcha_id, attempt.now});
  if (captcha.empty()) {
    outcome.result = BookingResult::captcha_expired;
    return outcome;
  }
  if (!attempt.captcha_any_answer && captcha.text(0, 0) != attempt.captcha_digest) {
    outcome.result = BookingResult::captcha_wrong;
    return outcome;
  }

  connection.execute("SAVEPOINT attempt");
  const std::vector<BookingMember> members = members_of(attempt);
  // One active booking per account, and no person in two active bookings,
  // whether that person applied or came along as a co-resident.
  if (auto conflict = find_active_conflict(connection, attempt, members)) {
    return end_attempt(connection, BookingResult::already_active, std::move(conflict));
  }

  // Booking numbers have four sequence digits and cancelled ones are not
  // reused, so a date whose sequences ran out takes no more bookings even
  // if cancellations left rooms free. This batch's own bookings count too.
  // NOTE: two servers that both pass this check at 9998 make the later
  // batch fail on the day_sequences CHECK, as a StoreError.
  const auto used = connection.query("SELECT last_sequence FROM day_sequences WHERE date = $1", {attempt.date});
  const std::int64_t last = used.empty() ? 0 : used.integer(0, 0);
  if (last + state.pending_per_date[attempt.date] >= kLastSequence) {
    return end_attempt(connection, BookingResult::sold_out);
  }

  const auto station_id = take_room(connection, attempt.date, state);
  if (!station_id) return end_attempt(connection, BookingResult::sold_out);

  Booking& booking = outcome.booking;
  booking.date = attempt.date;
  booking.account_id = attempt.account_id;
  booking.station_id = *station_id;
  booking.status = "confirmed";
  booking.created_at = attempt.now;
  booking.idempotency_key = attempt.idempotency_key;
  booking.name = attempt.name;
  booking.id_type = attempt.id_type;
  booking.id_number = attempt.id_number;
  booking.destination_code = attempt.destination_code;
  booking.group_size = static_cast<int>(members.size());
  // The placeholder number and sequence are unique (they carry the id) and
  // replaced before the commit.
  const auto inserted = connection.query(
      "INSERT INTO bookings (id, booking_number, date, sequence, account_id, station_id, status, created_at, "
      "idempotency_key, name, id_type, id_number, destination_code, group_size) "
      "SELECT n.id, 'pending-' || n.id, $1::TEXT, -n.id, $2::BIGINT, $3::BIGINT, 'confirmed', $4::BIGINT, "
      "$5::TEXT, $6::TEXT, $7::TEXT, $8::TEXT, $9::TEXT, $10::INTEGER "
      "FROM (SELECT nextval(pg_get_serial_sequence('bookings', 'id')) AS id) n RETURNING id",
      {booking.date, booking.account_id, booking.station_id, booking.created_at, booking.idempotency_key,
       booking.name, booking.id_type, booking.id_number, booking.destination_code, booking.group_size});
  if (inserted.unique_violation()) {
    throw StoreError("booking insert for account " + std::to_string(attempt.account_id) +
                     " hit a unique constraint despite the account lock");
  }
  booking.id = inserted.integer(0, 0);
  insert_members(connection, booking.id, members);
  connection.execute("RELEASE SAVEPOINT attempt");

  state.pending.push_back(PendingBooking{booking.id, booking.date});
  ++state.pending_per_date[booking.date];
  outcome.result = BookingResult::confirmed;
  return outcome;
}

// Give the batch's new bookings their sequences, date by date in key
// order, and their final numbers. Returns id -> (sequence, number).
std::map<std::int64_t, std::pair<std::int64_t, std::string>> number_bookings(PgConnection& connection,
                                                                             const BatchState& state) {
  std::map<std::string, std::vector<std::int64_t>> ids_per_date;
  for (const PendingBooking& pending : state.pending) ids_per_date[pending.date].push_back(pending.id);

  std::map<std::int64_t, std::pair<std::int64_t, std::string>> numbers;
  for (const auto& [date, ids] : ids_per_date) {
    const auto last = connection.query(
        "INSERT INTO day_sequences (date, last_sequence) VALUES ($1, $2) ON CONFLICT (date) DO UPDATE "
        "SET last_sequence = day_sequences.last_sequence + excluded.last_sequence RETURNING last_sequence",
        {date, static_cast<int>(ids.size())});
    std::int64_t sequence = last.integer(0, 0) - static_cast<std::int64_t>(ids.size());
    std::vector<std::int64_t> sequences;
    std::vector<std::string> texts;
    for (const std::int64_t id : ids) {
      ++sequence;
      sequences.push_back(sequence);
      texts.push_back(booking_number(date, sequence));
      numbers[id] = {sequence, texts.back()};
    }
    connection.query(
        "UPDATE bookings AS b SET sequence = v.sequence, booking_number = v.number "
        "FROM unnest($1::BIGINT[], $2::BIGINT[], $3::TEXT[]) AS v(id, sequence, number) WHERE b.id = v.id",
        {ids, sequences, texts});
  }
  return numbers;
}

}  // namespace

std::vector<BookingOutcome> PgStore::book(const std::vector<BookingAttempt>& attempts) {
  for (int attempt = 1;; ++attempt) {
    try {
      return book_once(attempts, attempt > 1);
    } catch (const RestartInOrder&) {
      if (attempt >= kBatchTries) throw StoreError("booking batch could not lock its quota rows in order");
    } catch (const PgError& error) {
      // PostgreSQL broke a lock cycle by failing this transaction; nothing
      // of it was committed, so it runs again.
      if (error.sqlstate() != kDeadlockDetected || attempt >= kBatchTries) throw;
    }
  }
}

std::vector<BookingOutcome> PgStore::book_once(const std::vector<BookingAttempt>& attempts, bool ordered) {
  auto connection = acquire();
  PgTransaction transaction(*connection);
  BatchState state;
  state.ordered = ordered;
  lock_people(*connection, attempts);
  if (ordered) lock_dates_in_order(*connection, attempts, state);

  std::vector<BookingOutcome> outcomes;
  outcomes.reserve(attempts.size());
  for (const BookingAttempt& attempt : attempts) outcomes.push_back(decide(*connection, attempt, state));

  // Outcomes that name one of this batch's bookings (a replay or a conflict
  // later in the batch) carry its final number too.
  const auto numbers = number_bookings(*connection, state);
  for (BookingOutcome& outcome : outcomes) {
    const auto found = numbers.find(outcome.booking.id);
    if (found == numbers.end()) continue;
    outcome.booking.sequence = static_cast<int>(found->second.first);
    outcome.booking.booking_number = found->second.second;
  }
  // With synchronous_commit on (PostgreSQL's default), every confirmation
  // is on disk when COMMIT returns.
  transaction.commit();
  return outcomes;
}

std::optional<Booking> PgStore::find_booking(const std::string& number) {
  auto connection = acquire();
  const auto found = connection->query(select_pg_bookings("WHERE booking_number = $1"), {number});
  if (found.empty()) return std::nullopt;
  return read_pg_booking(found, 0);
}

std::vector<Booking> PgStore::list_bookings(std::int64_t account_id) {
  auto connection = acquire();
  const auto found =
      connection->query(select_pg_bookings("WHERE account_id = $1 ORDER BY date COLLATE \"C\" DESC, id DESC"),
                        {account_id});
  std::vector<Booking> bookings;
  for (int row = 0; row < found.rows(); ++row) bookings.push_back(read_pg_booking(found, row));
  return bookings;
}

std::optional<Booking> PgStore::find_booking_by_key(std::int64_t account_id, const std::string& key) {
  auto connection = acquire();
  const auto found =
      connection->query(select_pg_bookings("WHERE account_id = $1 AND idempotency_key = $2"), {account_id, key});
  if (found.empty()) return std::nullopt;
  return read_pg_booking(found, 0);
}

std::optional<Booking> PgStore::find_active_booking(std::int64_t account_id, const std::string& today) {
  auto connection = acquire();
  const auto found = connection->query(
      select_pg_bookings(
          "WHERE account_id = $1 AND status = 'confirmed' AND date >= $2 ORDER BY date COLLATE \"C\" LIMIT 1"),
      {account_id, today});
  if (found.empty()) return std::nullopt;
  return read_pg_booking(found, 0);
}

CancelResult PgStore::cancel_booking(const std::string& number, std::int64_t account_id, std::int64_t now) {
  auto connection = acquire();
  PgTransaction transaction(*connection);
  // FOR UPDATE: of two cancellations at once the second waits and then
  // reads the booking as cancelled.
  const auto found = connection->query(
      select_pg_bookings("WHERE booking_number = $1 AND account_id = $2 FOR UPDATE"), {number, account_id});
  if (found.empty()) return CancelResult::not_found;
  const Booking booking = read_pg_booking(found, 0);
  if (booking.status != "confirmed") return CancelResult::not_confirmed;
  connection->query("UPDATE bookings SET status = 'cancelled', cancelled_at = $1 WHERE id = $2", {now, booking.id});
  // The room goes back to the pool at once.
  connection->query("UPDATE day_quotas SET booked = booked - 1 WHERE date = $1 AND station_id = $2",
                    {booking.date, booking.station_id});
  transaction.commit();
  return CancelResult::cancelled;
}

std::vector<Station> PgStore::list_stations() {
  auto connection = acquire();
  const auto found = connection->query("SELECT id, name, address, district, rooms, active FROM stations ORDER BY id");
  std::vector<Station> stations;
  for (int row = 0; row < found.rows(); ++row) {
    stations.push_back(Station{found.integer(row, 0), found.text(row, 1), found.text(row, 2), found.text(row, 3),
                               static_cast<int>(found.integer(row, 4)), found.boolean(row, 5)});
  }
  return stations;
}

std::int64_t PgStore::insert_station(const Station& station, const AuditEntry& audit) {
  auto connection = acquire();
  PgTransaction transaction(*connection);
  const auto inserted = connection->query(
      "INSERT INTO stations (name, address, district, rooms, active) VALUES ($1, $2, $3, $4, $5) RETURNING id",
      {station.name, station.address, station.district, station.rooms, station.active});
  const std::int64_t id = inserted.integer(0, 0);
  AuditEntry entry = audit;
  entry.target_id = std::to_string(id);
  insert_pg_audit_row(*connection, entry);
  transaction.commit();
  return id;
}

bool PgStore::update_station(const Station& station, const AuditEntry& audit) {
  auto connection = acquire();
  PgTransaction transaction(*connection);
  const int changed =
      connection
          ->query("UPDATE stations SET name = $1, address = $2, district = $3, rooms = $4, active = $5 WHERE id = $6",
                  {station.name, station.address, station.district, station.rooms, station.active, station.id})
          .affected();
  if (changed == 0) return false;
  insert_pg_audit_row(*connection, audit);
  transaction.commit();
  return true;
}

QuotaResult PgStore::set_quota(const std::string& date, std::int64_t station_id, int quota, const AuditEntry& audit) {
  DayQuota refused;
  return set_quotas({date}, station_id, quota, {audit}, refused);
}

QuotaResult PgStore::set_quotas(const std::vector<std::string>& dates, std::int64_t station_id, int quota,
                                const std::vector<AuditEntry>& audits, DayQuota& refused) {
  auto connection = acquire();
  PgTransaction transaction(*connection);
  if (connection->query("SELECT 1 FROM stations WHERE id = $1", {station_id}).empty()) {
    return QuotaResult::unknown_station;
  }
  // Lock the existing rows first, in the key order bookings use, so that no
  // booking can raise `booked` between the check below and the update.
  connection->query(
      "SELECT 1 FROM day_quotas WHERE date = ANY($1::TEXT[]) AND station_id = $2 ORDER BY date COLLATE \"C\" "
      "FOR UPDATE",
      {dates, station_id});
  for (std::size_t i = 0; i < dates.size(); ++i) {
    const auto current =
        connection->query("SELECT booked FROM day_quotas WHERE date = $1 AND station_id = $2", {dates[i], station_id});
    const int booked = current.empty() ? 0 : static_cast<int>(current.integer(0, 0));
    if (quota < booked) {
      // Returning without commit rolls back the dates already written.
      refused = DayQuota{dates[i], station_id, quota, booked};
      return QuotaResult::below_booked;
    }
    connection->query(
        "INSERT INTO day_quotas (date, station_id, quota) VALUES ($1, $2, $3) "
        "ON CONFLICT (date, station_id) DO UPDATE SET quota = excluded.quota",
        {dates[i], station_id, quota});
    if (i < audits.size()) insert_pg_audit_row(*connection, audits[i]);
  }
  transaction.commit();
  return QuotaResult::set;
}

std::vector<DayQuota> PgStore::list_quotas(const std::string& from, const std::string& to) {
  auto connection = acquire();
  const auto found = connection->query(
      "SELECT date, station_id, quota, booked FROM day_quotas WHERE date BETWEEN $1 AND $2 "
      "ORDER BY date COLLATE \"C\", station_id",
      {from, to});
  std::vector<DayQuota> quotas;
  for (int row = 0; row < found.rows(); ++row) {
    quotas.push_back(DayQuota{found.text(row, 0), found.integer(row, 1), static_cast<int>(found.integer(row, 2)),
                              static_cast<int>(found.integer(row, 3))});
  }
  return quotas;
}

std::vector<DayTotals> PgStore::day_totals(const std::string& from, const std::string& to) {
  auto connection = acquire();
  const auto found = connection->query(
      "SELECT q.date, SUM(q.quota), SUM(q.booked), "
      "(SELECT COUNT(*) FROM bookings b WHERE b.date = q.date AND b.status = 'entered'), "
      "(SELECT COUNT(*) FROM bookings b WHERE b.date = q.date AND b.status = 'no_show') "
      "FROM day_quotas q JOIN stations s ON s.id = q.station_id AND s.active "
      "WHERE q.date BETWEEN $1 AND $2 GROUP BY q.date ORDER BY q.date COLLATE \"C\"",
      {from, to});
  std::vector<DayTotals> totals;
  for (int row = 0; row < found.rows(); ++row) {
    totals.push_back(DayTotals{found.text(row, 0), static_cast<int>(found.integer(row, 1)),
                               static_cast<int>(found.integer(row, 2)), static_cast<int>(found.integer(row, 3)),
                               static_cast<int>(found.integer(row, 4))});
  }
  return totals;
}

}  // namespace yizhan::store

// SqliteStore: stations, quotas and the booking decision.
#include <cstdio>
#include <map>

#include "store/sqlite_booking_rows.h"
#include "store/sqlite_store.h"

namespace yizhan::store {
namespace {

constexpr std::int64_t kLastSequence = 9999;

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

// An active booking of the account, or one that covers any of `members` as
// applicant or co-resident; nullopt when there is none.
std::optional<Booking> find_active_conflict(SqliteConnection& connection, const BookingAttempt& attempt,
                                            const std::vector<BookingMember>& members) {
  auto own = connection.prepare(select_bookings("WHERE status = 'confirmed' AND date >= ? AND account_id = ? LIMIT 1"));
  own.bind(1, attempt.today).bind(2, attempt.account_id);
  if (own.step()) return read_booking(own);

  for (const BookingMember& member : members) {
    auto other = connection.prepare(select_bookings(
        "WHERE status = 'confirmed' AND date >= ? AND ((id_type = ? AND id_number = ?) OR id IN "
        "(SELECT booking_id FROM booking_members WHERE id_type = ? AND id_number = ?)) LIMIT 1"));
    other.bind(1, attempt.today)
        .bind(2, member.id_type)
        .bind(3, member.id_number)
        .bind(4, member.id_type)
        .bind(5, member.id_number);
    if (other.step()) return read_booking(other);
  }
  return std::nullopt;
}

void insert_members(SqliteConnection& connection, std::int64_t booking_id, const std::vector<BookingMember>& members) {
  for (std::size_t position = 0; position < members.size(); ++position) {
    const BookingMember& member = members[position];
    connection
        .prepare(
            "INSERT INTO booking_members (booking_id, position, name, relation, id_type, id_number, birth_date, "
            "gender) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
        .bind(1, booking_id)
        .bind(2, static_cast<std::int64_t>(position))
        .bind(3, member.name)
        .bind(4, member.relation)
        .bind(5, member.id_type)
        .bind(6, member.id_number)
        .bind(7, member.birth_date)
        .bind(8, member.gender)
        .run();
  }
}

// One date's rooms and booking numbers during a batch. They are read once
// when the batch first needs the date, decided in memory attempt by
// attempt, and written back once before the commit. The batch holds the
// database's write lock from its first statement (BEGIN IMMEDIATE), so no
// one else changes them meanwhile.
struct DateRooms {
  struct Station {
    std::int64_t id = 0;
    int quota = 0;
    int booked = 0;
    int booked_before = 0;  // as read, to write back only what changed
  };
  std::vector<Station> stations;  // active stations with a quota on the date
  std::int64_t last_sequence = 0;
  std::int64_t last_sequence_before = 0;

  // The station with the most rooms left (the lowest id among equals), or
  // null when every one is full.
  Station* roomiest() {
    Station* best = nullptr;
    for (Station& station : stations) {
      const int left = station.quota - station.booked;
      if (left > 0 && (!best || left > best->quota - best->booked)) best = &station;
    }
    return best;
  }
};

DateRooms read_date_rooms(SqliteConnection& connection, const std::string& date) {
  DateRooms rooms;
  auto stations = connection.prepare(
      "SELECT q.station_id, q.quota, q.booked FROM day_quotas q JOIN stations s ON s.id = q.station_id "
      "AND s.active = 1 WHERE q.date = ? ORDER BY q.station_id");
  stations.bind(1, date);
  while (stations.step()) {
    const int booked = static_cast<int>(stations.column_int(2));
    rooms.stations.push_back(
        DateRooms::Station{stations.column_int(0), static_cast<int>(stations.column_int(1)), booked, booked});
  }
  auto used = connection.prepare("SELECT last_sequence FROM day_sequences WHERE date = ?");
  used.bind(1, date);
  if (used.step()) rooms.last_sequence = used.column_int(0);
  rooms.last_sequence_before = rooms.last_sequence;
  return rooms;
}

void write_date_rooms(SqliteConnection& connection, const std::string& date, const DateRooms& rooms) {
  for (const DateRooms::Station& station : rooms.stations) {
    if (station.booked == station.booked_before) continue;
    connection.prepare("UPDATE day_quotas SET booked = ? WHERE date = ? AND station_id = ?")
        .bind(1, static_cast<std::int64_t>(station.booked))
        .bind(2, date)
        .bind(3, station.id)
        .run();
  }
  if (rooms.last_sequence == rooms.last_sequence_before) return;
  connection
      .prepare(
          "INSERT INTO day_sequences (date, last_sequence) VALUES (?, ?) "
          "ON CONFLICT (date) DO UPDATE SET last_sequence = excluded.last_sequence")
      .bind(1, date)
      .bind(2, rooms.last_sequence)
      .run();
}

// The booking decision for one attempt, inside the batch's transaction.
// The captcha is consumed first so that it stays used even when the
// attempt fails. Every other check comes before the attempt's first write,
// so a refused attempt leaves nothing else behind.
BookingOutcome decide(SqliteConnection& connection, const BookingAttempt& attempt, DateRooms& rooms) {
  BookingOutcome outcome;

  // A repeated request with the same idempotency key gets the first answer.
  if (!attempt.idempotency_key.empty()) {
    auto replay = connection.prepare(select_bookings("WHERE account_id = ? AND idempotency_key = ?"));
    replay.bind(1, attempt.account_id).bind(2, attempt.idempotency_key);
    if (replay.step()) {
      outcome.result = BookingResult::replayed;
      outcome.booking = read_booking(replay);
      return outcome;
    }
  }

  auto captcha = connection.prepare(
      "UPDATE captchas SET used = 1 WHERE id = ? AND used = 0 AND expires_at > ? RETURNING answer_digest");
  captcha.bind(1, attempt.captcha_id).bind(2, attempt.now);
  if (!captcha.step()) {
    outcome.result = BookingResult::captcha_expired;
    return outcome;
  }
  const std::string digest = captcha.column_text(0);
  while (captcha.step()) {
  }
  if (!attempt.captcha_any_answer && digest != attempt.captcha_digest) {
    outcome.result = BookingResult::captcha_wrong;
    return outcome;
  }

  const std::vector<BookingMember> members = members_of(attempt);
  // One active booking per account, and no person in two active bookings,
  // whether that person applied or came along as a co-resident.
  if (auto conflict = find_active_conflict(connection, attempt, members)) {
    outcome.result = BookingResult::already_active;
    outcome.booking = std::move(*conflict);
    return outcome;
  }

  // The station with the most rooms left takes the booking. Booking
  // numbers have four sequence digits and cancelled ones are not reused,
  // so a date whose sequences ran out takes no more bookings even if
  // cancellations left rooms free.
  DateRooms::Station* station = rooms.roomiest();
  if (!station || rooms.last_sequence >= kLastSequence) {
    outcome.result = BookingResult::sold_out;
    return outcome;
  }
  station->booked += 1;
  const std::int64_t next = ++rooms.last_sequence;

  Booking& booking = outcome.booking;
  booking.booking_number = booking_number(attempt.date, next);
  booking.date = attempt.date;
  booking.sequence = static_cast<int>(next);
  booking.account_id = attempt.account_id;
  booking.station_id = station->id;
  booking.status = "confirmed";
  booking.created_at = attempt.now;
  booking.idempotency_key = attempt.idempotency_key;
  booking.name = attempt.name;
  booking.id_type = attempt.id_type;
  booking.id_number = attempt.id_number;
  booking.destination_code = attempt.destination_code;
  booking.group_size = static_cast<int>(members.size());
  connection
      .prepare(
          "INSERT INTO bookings (booking_number, date, sequence, account_id, station_id, status, created_at, "
          "idempotency_key, name, id_type, id_number, destination_code, group_size) "
          "VALUES (?, ?, ?, ?, ?, 'confirmed', ?, ?, ?, ?, ?, ?, ?)")
      .bind(1, booking.booking_number)
      .bind(2, booking.date)
      .bind(3, next)
      .bind(4, booking.account_id)
      .bind(5, station->id)
      .bind(6, booking.created_at)
      .bind(7, booking.idempotency_key)
      .bind(8, booking.name)
      .bind(9, booking.id_type)
      .bind(10, booking.id_number)
      .bind(11, booking.destination_code)
      .bind(12, static_cast<std::int64_t>(booking.group_size))
      .run();
  booking.id = sqlite3_last_insert_rowid(connection.handle());
  insert_members(connection, booking.id, members);
  outcome.result = BookingResult::confirmed;
  return outcome;
}

}  // namespace

std::vector<BookingOutcome> SqliteStore::book(const std::vector<BookingAttempt>& attempts) {
  std::lock_guard booking_lock(booking_mutex_);
  SqliteConnection* connection = booking_connection_.get();
  SqliteTransaction transaction(*connection);
  std::map<std::string, DateRooms> rooms_by_date;
  std::vector<BookingOutcome> outcomes;
  outcomes.reserve(attempts.size());
  for (const BookingAttempt& attempt : attempts) {
    auto found = rooms_by_date.find(attempt.date);
    if (found == rooms_by_date.end()) {
      found = rooms_by_date.emplace(attempt.date, read_date_rooms(*connection, attempt.date)).first;
    }
    outcomes.push_back(decide(*connection, attempt, found->second));
  }
  for (const auto& [date, rooms] : rooms_by_date) write_date_rooms(*connection, date, rooms);
  // synchronous = FULL: when commit returns, every confirmation is on disk.
  transaction.commit();
  return outcomes;
}

std::optional<Booking> SqliteStore::find_booking(const std::string& number) {
  auto connection = acquire();
  auto query = connection->prepare(select_bookings("WHERE booking_number = ?"));
  query.bind(1, number);
  if (!query.step()) return std::nullopt;
  return read_booking(query);
}

std::vector<Booking> SqliteStore::list_bookings(std::int64_t account_id) {
  auto connection = acquire();
  auto query = connection->prepare(select_bookings("WHERE account_id = ? ORDER BY date DESC, id DESC"));
  query.bind(1, account_id);
  std::vector<Booking> bookings;
  while (query.step()) bookings.push_back(read_booking(query));
  return bookings;
}

std::optional<Booking> SqliteStore::find_booking_by_key(std::int64_t account_id, const std::string& key) {
  auto connection = acquire();
  auto query = connection->prepare(select_bookings("WHERE account_id = ? AND idempotency_key = ?"));
  query.bind(1, account_id).bind(2, key);
  if (!query.step()) return std::nullopt;
  return read_booking(query);
}

std::optional<Booking> SqliteStore::find_active_booking(std::int64_t account_id, const std::string& today) {
  auto connection = acquire();
  auto query = connection->prepare(
      select_bookings("WHERE account_id = ? AND status = 'confirmed' AND date >= ? ORDER BY date LIMIT 1"));
  query.bind(1, account_id).bind(2, today);
  if (!query.step()) return std::nullopt;
  return read_booking(query);
}

CancelResult SqliteStore::cancel_booking(const std::string& number, std::int64_t account_id, std::int64_t now) {
  auto connection = acquire();
  SqliteTransaction transaction(*connection);
  auto query = connection->prepare(select_bookings("WHERE booking_number = ? AND account_id = ?"));
  query.bind(1, number).bind(2, account_id);
  if (!query.step()) return CancelResult::not_found;
  const Booking booking = read_booking(query);
  if (booking.status != "confirmed") return CancelResult::not_confirmed;
  connection->prepare("UPDATE bookings SET status = 'cancelled', cancelled_at = ? WHERE id = ?")
      .bind(1, now)
      .bind(2, booking.id)
      .run();
  // The room goes back to the pool at once.
  connection->prepare("UPDATE day_quotas SET booked = booked - 1 WHERE date = ? AND station_id = ?")
      .bind(1, booking.date)
      .bind(2, booking.station_id)
      .run();
  transaction.commit();
  return CancelResult::cancelled;
}

std::vector<Station> SqliteStore::list_stations() {
  auto connection = acquire();
  auto query = connection->prepare("SELECT id, name, address, district, rooms, active FROM stations ORDER BY id");
  std::vector<Station> stations;
  while (query.step()) {
    stations.push_back(Station{query.column_int(0), query.column_text(1), query.column_text(2), query.column_text(3),
                               static_cast<int>(query.column_int(4)), query.column_int(5) != 0});
  }
  return stations;
}

std::int64_t SqliteStore::insert_station(const Station& station, const AuditEntry& audit) {
  auto connection = acquire();
  SqliteTransaction transaction(*connection);
  connection->prepare("INSERT INTO stations (name, address, district, rooms, active) VALUES (?, ?, ?, ?, ?)")
      .bind(1, station.name)
      .bind(2, station.address)
      .bind(3, station.district)
      .bind(4, static_cast<std::int64_t>(station.rooms))
      .bind(5, static_cast<std::int64_t>(station.active))
      .run();
  const std::int64_t id = sqlite3_last_insert_rowid(connection->handle());
  AuditEntry entry = audit;
  entry.target_id = std::to_string(id);
  insert_audit_row(*connection, entry);
  transaction.commit();
  return id;
}

bool SqliteStore::update_station(const Station& station, const AuditEntry& audit) {
  auto connection = acquire();
  SqliteTransaction transaction(*connection);
  const int changed =
      connection->prepare("UPDATE stations SET name = ?, address = ?, district = ?, rooms = ?, active = ? WHERE id = ?")
          .bind(1, station.name)
          .bind(2, station.address)
          .bind(3, station.district)
          .bind(4, static_cast<std::int64_t>(station.rooms))
          .bind(5, static_cast<std::int64_t>(station.active))
          .bind(6, station.id)
          .run();
  if (changed == 0) return false;
  insert_audit_row(*connection, audit);
  transaction.commit();
  return true;
}

QuotaResult SqliteStore::set_quota(const std::string& date, std::int64_t station_id, int quota,
                                   const AuditEntry& audit) {
  DayQuota refused;
  return set_quotas({date}, station_id, quota, {audit}, refused);
}

QuotaResult SqliteStore::set_quotas(const std::vector<std::string>& dates, std::int64_t station_id, int quota,
                                    const std::vector<AuditEntry>& audits, DayQuota& refused) {
  auto connection = acquire();
  SqliteTransaction transaction(*connection);
  auto station = connection->prepare("SELECT 1 FROM stations WHERE id = ?");
  station.bind(1, station_id);
  if (!station.step()) return QuotaResult::unknown_station;
  for (std::size_t i = 0; i < dates.size(); ++i) {
    auto current = connection->prepare("SELECT booked FROM day_quotas WHERE date = ? AND station_id = ?");
    current.bind(1, dates[i]).bind(2, station_id);
    const int booked = current.step() ? static_cast<int>(current.column_int(0)) : 0;
    if (quota < booked) {
      // Returning without commit rolls back the dates already written.
      refused = DayQuota{dates[i], station_id, quota, booked};
      return QuotaResult::below_booked;
    }
    connection
        ->prepare(
            "INSERT INTO day_quotas (date, station_id, quota) VALUES (?, ?, ?) "
            "ON CONFLICT (date, station_id) DO UPDATE SET quota = excluded.quota")
        .bind(1, dates[i])
        .bind(2, station_id)
        .bind(3, static_cast<std::int64_t>(quota))
        .run();
    if (i < audits.size()) insert_audit_row(*connection, audits[i]);
  }
  transaction.commit();
  return QuotaResult::set;
}

std::vector<DayQuota> SqliteStore::list_quotas(const std::string& from, const std::string& to) {
  auto connection = acquire();
  auto query = connection->prepare(
      "SELECT date, station_id, quota, booked FROM day_quotas WHERE date BETWEEN ? AND ? ORDER BY date, station_id");
  query.bind(1, from).bind(2, to);
  std::vector<DayQuota> quotas;
  while (query.step()) {
    quotas.push_back(DayQuota{query.column_text(0), query.column_int(1), static_cast<int>(query.column_int(2)),
                              static_cast<int>(query.column_int(3))});
  }
  return quotas;
}

std::vector<DayTotals> SqliteStore::day_totals(const std::string& from, const std::string& to) {
  auto connection = acquire();
  auto query = connection->prepare(
      "SELECT q.date, SUM(q.quota), SUM(q.booked), "
      "(SELECT COUNT(*) FROM bookings b WHERE b.date = q.date AND b.status = 'entered'), "
      "(SELECT COUNT(*) FROM bookings b WHERE b.date = q.date AND b.status = 'no_show') "
      "FROM day_quotas q JOIN stations s ON s.id = q.station_id AND s.active = 1 "
      "WHERE q.date BETWEEN ? AND ? GROUP BY q.date ORDER BY q.date");
  query.bind(1, from).bind(2, to);
  std::vector<DayTotals> totals;
  while (query.step()) {
    totals.push_back(DayTotals{query.column_text(0), static_cast<int>(query.column_int(1)),
                               static_cast<int>(query.column_int(2)), static_cast<int>(query.column_int(3)),
                               static_cast<int>(query.column_int(4))});
  }
  return totals;
}

}  // namespace yizhan::store

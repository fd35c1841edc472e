// PgStore: the Store over one PostgreSQL database, for deployments where
// several yizhan servers share the data. Each server keeps a pool of
// connections; every rule that SQLite gets from its single writer
// (BEGIN IMMEDIATE) comes here from row locks, advisory locks and
// conditional updates, so that the servers together behave like one.
// Thread-safe.
//
// A call that fails because the connection was lost throws StoreError; the
// pool then drops its connections and the next call opens a new one.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/pg_connection.h"
#include "store/store.h"

namespace yizhan::store {

// The accounts columns that read_pg_account expects, in its order.
extern const std::string_view kPgAccountColumns;
Account read_pg_account(const PgResult& result, int row);

// Append one audit entry on `connection`, inside the caller's transaction.
void insert_pg_audit_row(PgConnection& connection, const AuditEntry& entry);

class PgStore final : public Store {
 public:
  // `url`: postgresql://user[:password]@host[:port]/database[?options];
  // besides libpq's own options it accepts pool (connections, default 10)
  // and statement_timeout (milliseconds, default 10000). Connects once at
  // once, so a bad URL fails here. Throws StoreError.
  explicit PgStore(const std::string& url);
  ~PgStore() override;

  int migrate() override;
  int schema_version() override;
  bool ping() override;

  InsertOutcome insert_account(const NewAccount& account, std::int64_t& id) override;
  std::optional<Account> find_account(const std::string& id_type, const std::string& id_number) override;
  std::optional<Account> find_account_by_id(std::int64_t id) override;
  void set_account_language(std::int64_t id, const std::string& language) override;

  InsertOutcome insert_staff(const NewStaff& staff, std::int64_t& id) override;
  std::optional<Staff> find_staff(const std::string& username) override;
  std::optional<Staff> find_staff_by_id(std::int64_t id) override;
  void set_staff_language(std::int64_t id, const std::string& language) override;

  void insert_session(const Session& session) override;
  std::optional<Session> find_session(const std::string& token_digest, std::int64_t now) override;
  void delete_session(const std::string& token_digest) override;
  std::optional<Account> find_session_account(const std::string& token_digest, std::int64_t now) override;
  int delete_expired_sessions(std::int64_t now) override;

  void insert_captcha(const std::string& id, const std::string& answer_digest, std::int64_t expires_at) override;
  std::optional<std::string> consume_captcha(const std::string& id, std::int64_t now) override;
  int delete_expired_captchas(std::int64_t now) override;

  std::vector<Staff> list_staff() override;
  InsertOutcome insert_staff_audited(const NewStaff& staff, std::int64_t& id, const AuditEntry& audit) override;
  void update_staff(std::int64_t id, const std::string& role, bool disabled, const AuditEntry& audit) override;
  void set_staff_password(std::int64_t id, const std::string& password_hash, const AuditEntry& audit) override;
  void set_account_password(std::int64_t id, const std::string& password_hash, bool must_change,
                            const AuditEntry* audit) override;
  std::vector<Account> search_accounts(const std::string& query, int limit) override;

  std::optional<Profile> find_profile(std::int64_t account_id) override;
  Profile save_profile(const Profile& profile) override;
  DecisionOutcome decide_profile(const Profile& decided, std::int64_t expected_version,
                                 const AuditEntry& audit) override;
  std::vector<ReviewItem> list_pending_reviews(int limit, int offset) override;
  int count_pending_reviews() override;
  std::optional<ReviewItem> find_review(std::int64_t account_id) override;

  void append_audit(const AuditEntry& entry) override;
  std::vector<AuditEntry> list_audit(const AuditFilter& filter) override;

  std::vector<Station> list_stations() override;
  std::int64_t insert_station(const Station& station, const AuditEntry& audit) override;
  bool update_station(const Station& station, const AuditEntry& audit) override;
  QuotaResult set_quota(const std::string& date, std::int64_t station_id, int quota,
                        const AuditEntry& audit) override;
  QuotaResult set_quotas(const std::vector<std::string>& dates, std::int64_t station_id, int quota,
                         const std::vector<AuditEntry>& audits, DayQuota& refused) override;
  std::vector<DayQuota> list_quotas(const std::string& from, const std::string& to) override;
  std::vector<DayTotals> day_totals(const std::string& from, const std::string& to) override;

  std::vector<BookingOutcome> book(const std::vector<BookingAttempt>& attempts) override;
  std::optional<Booking> find_booking(const std::string& booking_number) override;
  std::vector<Booking> list_bookings(std::int64_t account_id) override;
  std::optional<Booking> find_booking_by_key(std::int64_t account_id, const std::string& key) override;
  std::optional<Booking> find_active_booking(std::int64_t account_id, const std::string& today) override;
  CancelResult cancel_booking(const std::string& booking_number, std::int64_t account_id, std::int64_t now) override;

  // Port and stations (pg_port.cpp).
  EntryOutcome record_entry(const std::string& booking_number, std::int64_t staff_id, std::int64_t now) override;
  std::vector<Booking> list_arrivals(std::int64_t station_id, const std::string& date) override;
  bool record_check_in(const std::string& booking_number, std::int64_t station_id, const std::string& room_number,
                       std::int64_t now, const AuditEntry& audit) override;
  void set_staff_station(std::int64_t staff_id, std::int64_t station_id, const AuditEntry& audit) override;
  std::vector<BookingMember> booking_members(std::int64_t booking_id) override;

  // No-shows (pg_no_shows.cpp).
  CloseDayOutcome close_day(const std::string& date, std::int64_t now, int no_show_limit, int ban_days) override;
  bool is_day_closed(const std::string& date) override;
  std::vector<Account> list_banned(const std::string& today) override;
  bool lift_ban(std::int64_t account_id, const AuditEntry& audit) override;

  // Co-residents (pg_co_residents.cpp).
  std::vector<CoResident> list_co_residents(std::int64_t account_id) override;
  InsertOutcome insert_co_resident(const CoResident& co_resident, std::int64_t& id) override;
  bool delete_co_resident(std::int64_t account_id, std::int64_t id) override;
  std::vector<std::int64_t> list_review_accounts(int limit, int offset) override;
  int count_review_accounts() override;
  DecisionOutcome decide_account(const Profile* decided, std::int64_t expected_version,
                                 const CoResidentDecision& co_residents, const AuditEntry& audit) override;

  LoginThrottle find_login_throttle(const std::string& key) override;
  LoginThrottle record_login_failure(const std::string& key, std::int64_t now, int max_failures,
                                     std::int64_t lock_seconds) override;
  void clear_login_failures(const std::string& key) override;

 private:
  // A connection borrowed from the pool for one call; returned on scope exit.
  class Lease {
   public:
    Lease(PgStore& store, std::unique_ptr<PgConnection> connection, std::uint64_t generation)
        : store_(store), connection_(std::move(connection)), generation_(generation) {}
    ~Lease() { store_.release(std::move(connection_), generation_); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    PgConnection* operator->() { return connection_.get(); }
    PgConnection& operator*() { return *connection_; }

   private:
    PgStore& store_;
    std::unique_ptr<PgConnection> connection_;
    std::uint64_t generation_;
  };

  struct Idle {
    std::unique_ptr<PgConnection> connection;
    std::uint64_t generation;
  };

  Lease acquire();
  void release(std::unique_ptr<PgConnection> connection, std::uint64_t generation);
  std::vector<BookingOutcome> book_once(const std::vector<BookingAttempt>& attempts, bool ordered);

  PgSettings settings_;
  std::mutex pool_mutex_;
  std::condition_variable pool_freed_;
  std::vector<Idle> idle_;        // guarded by pool_mutex_
  int open_ = 0;                  // connections idle or leased; guarded by pool_mutex_
  // Bumped when a connection is found lost: the server probably restarted,
  // so the idle connections of older generations are dropped rather than
  // each failing one more call. Guarded by pool_mutex_.
  std::uint64_t generation_ = 0;
};

}  // namespace yizhan::store

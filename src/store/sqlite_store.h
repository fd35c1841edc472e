// SqliteStore: the Store over one SQLite file, with a pool of connections so
// that worker threads read in parallel (WAL lets readers run beside the one
// writer). Thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/sqlite_connection.h"
#include "store/store.h"

namespace yizhan::store {

// The accounts columns that read_account expects, in its order.
extern const std::string_view kAccountColumns;
Account read_account(SqliteStatement& row);

// Append one audit entry on `connection`, inside the caller's transaction.
void insert_audit_row(SqliteConnection& connection, const AuditEntry& entry);

class SqliteStore final : public Store {
 public:
  // Page cache sizes. The first kLargeCacheConnections connections (and the
  // booking writer's) get kLargeCacheKib each and are lent first, so the
  // busiest callers read from memory. Any further connection gets
  // kSmallCacheKib. The pool grows to the maximum number of concurrent
  // store calls, about one per thread that uses the store, so the caches
  // together take about 5 x 16 MiB plus 1 MiB per further such thread.
  static constexpr int kLargeCacheConnections = 4;
  static constexpr int kLargeCacheKib = 16 * 1024;
  static constexpr int kSmallCacheKib = 1024;

  explicit SqliteStore(std::string path);
  ~SqliteStore() override;

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

  // Port and stations (sqlite_port.cpp).
  EntryOutcome record_entry(const std::string& booking_number, std::int64_t staff_id, std::int64_t now) override;
  std::vector<Booking> list_arrivals(std::int64_t station_id, const std::string& date) override;
  bool record_check_in(const std::string& booking_number, std::int64_t station_id, const std::string& room_number,
                       std::int64_t now, const AuditEntry& audit) override;
  void set_staff_station(std::int64_t staff_id, std::int64_t station_id, const AuditEntry& audit) override;
  std::vector<BookingMember> booking_members(std::int64_t booking_id) override;

  // No-shows (sqlite_no_shows.cpp).
  CloseDayOutcome close_day(const std::string& date, std::int64_t now, int no_show_limit, int ban_days) override;
  bool is_day_closed(const std::string& date) override;
  std::vector<Account> list_banned(const std::string& today) override;
  bool lift_ban(std::int64_t account_id, const AuditEntry& audit) override;

  // Co-residents (sqlite_co_residents.cpp).
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
    Lease(SqliteStore& store, std::unique_ptr<SqliteConnection> connection)
        : store_(store), connection_(std::move(connection)) {}
    ~Lease() { store_.release(std::move(connection_)); }
    SqliteConnection* operator->() { return connection_.get(); }
    SqliteConnection& operator*() { return *connection_; }
    // Keeps the connection from going back to the pool.
    std::unique_ptr<SqliteConnection> take() { return std::move(connection_); }

   private:
    SqliteStore& store_;
    std::unique_ptr<SqliteConnection> connection_;
  };

  Lease acquire();
  void release(std::unique_ptr<SqliteConnection> connection);

  std::string path_;
  std::mutex pool_mutex_;
  // Idle connections by cache size, and the number of large ones. All are
  // guarded by pool_mutex_.
  std::vector<std::unique_ptr<SqliteConnection>> idle_large_;
  std::vector<std::unique_ptr<SqliteConnection>> idle_small_;
  int large_connections_ = 0;
  // The booking batches' own connection. SQLite drops a connection's page
  // cache whenever another connection has committed (pager.c,
  // pagerBeginReadTransaction), so the writer keeps one that only it uses.
  std::mutex booking_mutex_;
  std::unique_ptr<SqliteConnection> booking_connection_;  // guarded by booking_mutex_
};

}  // namespace yizhan::store

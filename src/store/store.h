// Store: the persistence interface every service uses. One SQLite and
// (later) one PostgreSQL implementation stand behind it; services never see
// SQL. All instants are Unix seconds (UTC).
//
// Thread safety: every method may be called from any thread at any time;
// implementations hand out their own connections.
//
// Failures of the database itself (disk full, connection lost) throw
// StoreError, which the web layer turns into a 503 response. Outcomes a
// user can cause (a duplicate registration) come back as values.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace yizhan::store {

class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct NewAccount {
  std::string id_type;    // API name, e.g. "home_return_permit"
  std::string id_number;  // normalised
  std::string password_hash;
  std::string language;
  std::string consent_text;  // the declaration exactly as it was shown
  std::int64_t consent_at = 0;
  std::int64_t created_at = 0;
};

struct Account {
  std::int64_t id = 0;
  std::string id_type;
  std::string id_number;
  std::string password_hash;
  std::string language;
  bool must_change_password = false;
  std::int64_t created_at = 0;
  int consecutive_no_shows = 0;
  int total_no_shows = 0;
  std::string banned_until;  // YYYY-MM-DD: first date booking is possible again; "" when not banned
};

struct NewStaff {
  std::string username;
  std::string password_hash;
  std::string role;
  std::int64_t created_at = 0;
};

struct Staff {
  std::int64_t id = 0;
  std::string username;
  std::string password_hash;
  std::string role;
  bool disabled = false;
  std::string language;
  std::int64_t station_id = 0;  // station staff: their station; 0 otherwise
};

enum class SessionKind { account, staff };

struct Session {
  std::string token_digest;
  SessionKind kind = SessionKind::account;
  std::int64_t subject_id = 0;  // account id or staff id
  std::int64_t created_at = 0;
  std::int64_t expires_at = 0;
};

// Consecutive failed sign-ins for one identity (traveller ID document or staff
// username), whether or not such an account exists.
struct LoginThrottle {
  int failures = 0;
  std::int64_t locked_until = 0;  // 0: not locked
};

enum class InsertOutcome { inserted, duplicate };

// A traveller's personal information with its review state. Empty strings
// are fields not filled in yet.
struct Profile {
  std::int64_t account_id = 0;
  std::string name;
  std::string gender;      // "male", "female" or ""
  std::string birth_date;  // YYYY-MM-DD or ""
  std::string hk_mobile;
  std::string mainland_mobile;
  std::string destination_code;
  bool consent = false;
  std::int64_t consent_at = 0;
  std::string status;  // draft, pending, approved, rejected
  std::int64_t submitted_at = 0;
  std::int64_t decided_at = 0;
  std::int64_t decided_by = 0;  // staff id, 0 when undecided
  std::string reject_reason;    // a reason code from the fixed list
  std::string reject_note;      // the reviewer's free text
  std::string approved_json;    // the last approved version, "" when none
  std::int64_t updated_at = 0;
  std::int64_t version = 0;  // bumped by every write; decisions name the version they saw
};

// One row of the review queue: the profile and the account it belongs to.
struct ReviewItem {
  Profile profile;
  std::string id_type;
  std::string id_number;
  // Other accounts registered with the same ID number (under any type).
  int same_number_accounts = 0;
};

// One append-only audit record of a staff action that changed data.
struct AuditEntry {
  std::int64_t id = 0;
  std::int64_t at = 0;
  std::int64_t staff_id = 0;
  std::string staff_username;
  std::string action;       // e.g. "review.approve", "staff.add"
  std::string target_type;  // e.g. "account", "staff"
  std::string target_id;
  std::string before_json;
  std::string after_json;
};

struct AuditFilter {
  std::string staff_username;  // exact, "" for all
  std::string action;          // exact, "" for all
  std::string target_type;
  std::string target_id;
  std::int64_t from = 0;  // inclusive, 0 for no bound
  std::int64_t to = 0;    // exclusive, 0 for no bound
  int limit = 50;
  int offset = 0;
};

enum class DecisionOutcome { decided, stale };

struct Station {
  std::int64_t id = 0;
  std::string name;
  std::string address;
  std::string district;
  int rooms = 0;
  bool active = true;
};

// Rooms of one station on one date.
struct DayQuota {
  std::string date;  // YYYY-MM-DD
  std::int64_t station_id = 0;
  int quota = 0;
  int booked = 0;
};

// One date over all stations, for availability and publicity.
struct DayTotals {
  std::string date;
  int quota = 0;
  int booked = 0;
  int entered = 0;
  int no_show = 0;
};

struct Booking {
  std::int64_t id = 0;
  std::string booking_number;
  std::string date;
  int sequence = 0;
  std::int64_t account_id = 0;
  std::int64_t station_id = 0;
  std::string status;  // confirmed, cancelled, entered, no_show
  std::int64_t created_at = 0;
  std::int64_t cancelled_at = 0;
  std::string idempotency_key;
  // The applicant as at booking time: a booking is not transferable.
  std::string name;
  std::string id_type;
  std::string id_number;
  std::string destination_code;
  // Port and station.
  std::int64_t entered_at = 0;  // 0 until the port records the entry
  std::int64_t entered_by = 0;  // staff id of the port officer
  std::int64_t checked_in_at = 0;
  std::string room_number;
  int group_size = 1;  // applicant and co-residents
};

// One person a booking covers, as at booking time.
struct BookingMember {
  int position = 0;  // 0: the applicant
  std::string name;
  std::string relation;  // "" for the applicant
  std::string id_type;
  std::string id_number;
  std::string birth_date;
  std::string gender;
};

// One request to book, as the booking writer hands it to the store.
struct BookingAttempt {
  std::int64_t account_id = 0;
  std::string date;             // YYYY-MM-DD, already checked against the window
  std::string today;            // YYYY-MM-DD: bookings dated before it are over
  std::int64_t now = 0;
  std::string idempotency_key;  // "" when the client sent none
  // The captcha is consumed in the booking's own transaction. The stored
  // digest must equal captcha_digest unless captcha_any_answer is set
  // (test mode's fixed answer).
  std::string captcha_id;
  std::string captcha_digest;
  bool captcha_any_answer = false;
  std::string name;
  std::string id_type;
  std::string id_number;
  std::string destination_code;
  // Everyone the booking covers, the applicant at position 0, stored as the
  // booking's snapshot. Empty means the applicant alone.
  std::vector<BookingMember> members;
};

enum class BookingResult {
  confirmed,       // a new booking
  replayed,        // the same idempotency key booked before: that booking
  sold_out,        // no room left on the date
  already_active,  // the account or its identity holds another active booking
  captcha_expired,
  captcha_wrong,
};

struct BookingOutcome {
  BookingResult result = BookingResult::sold_out;
  Booking booking;  // set for confirmed, replayed and already_active
};

enum class CancelResult { cancelled, not_found, not_confirmed };

enum class EntryResult { recorded, already_entered, not_confirmed, not_found };

struct EntryOutcome {
  EntryResult result = EntryResult::not_found;
  Booking booking;  // as stored after the call
  std::string entered_by_username;
};

struct CloseDayOutcome {
  int no_shows = 0;  // bookings this call marked as no-shows
  int bans = 0;      // accounts this call banned
  bool already_closed = false;
};

// A traveller's co-resident (同住人).
struct CoResident {
  std::int64_t id = 0;
  std::int64_t account_id = 0;
  std::string name;
  std::string relation;
  std::string id_type;
  std::string id_number;
  std::string birth_date;
  std::string gender;
  std::string care_reason;
  std::string care_note;
  std::string status;  // pending, approved, rejected
  std::string reject_reason;
  std::string reject_note;
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
};

// A reviewer's decision on the co-residents of one account that were
// pending when the reviewer looked.
struct CoResidentDecision {
  std::int64_t account_id = 0;
  std::vector<std::int64_t> ids;
  std::string status;  // approved or rejected
  std::string reject_reason;
  std::string reject_note;
  std::int64_t decided_at = 0;
};

enum class QuotaResult { set, below_booked, unknown_station };

class Store {
 public:
  virtual ~Store() = default;

  // Apply every migration not yet applied; returns the schema version reached.
  virtual int migrate() = 0;
  virtual int schema_version() = 0;
  // True when the database answers a trivial query.
  virtual bool ping() = 0;

  // Accounts (travellers). `id` is set on insertion.
  virtual InsertOutcome insert_account(const NewAccount& account, std::int64_t& id) = 0;
  virtual std::optional<Account> find_account(const std::string& id_type, const std::string& id_number) = 0;
  virtual std::optional<Account> find_account_by_id(std::int64_t id) = 0;
  virtual void set_account_language(std::int64_t id, const std::string& language) = 0;

  // Staff.
  virtual InsertOutcome insert_staff(const NewStaff& staff, std::int64_t& id) = 0;
  virtual std::optional<Staff> find_staff(const std::string& username) = 0;
  virtual std::optional<Staff> find_staff_by_id(std::int64_t id) = 0;
  virtual void set_staff_language(std::int64_t id, const std::string& language) = 0;

  // Sessions, looked up by the digest of their token; expired ones are not found.
  virtual void insert_session(const Session& session) = 0;
  virtual std::optional<Session> find_session(const std::string& token_digest, std::int64_t now) = 0;
  virtual void delete_session(const std::string& token_digest) = 0;
  // Returns the traveller whose live account session has this digest. Every
  // traveller request calls it, so an implementation may use one query; this
  // default makes two.
  virtual std::optional<Account> find_session_account(const std::string& token_digest, std::int64_t now) {
    const auto session = find_session(token_digest, now);
    if (!session || session->kind != SessionKind::account) return std::nullopt;
    return find_account_by_id(session->subject_id);
  }
  virtual int delete_expired_sessions(std::int64_t now) = 0;

  // Captchas. `consume_captcha` atomically marks one used and returns its
  // answer digest, or nullopt when it is unknown, used or expired.
  virtual void insert_captcha(const std::string& id, const std::string& answer_digest, std::int64_t expires_at) = 0;
  virtual std::optional<std::string> consume_captcha(const std::string& id, std::int64_t now) = 0;
  virtual int delete_expired_captchas(std::int64_t now) = 0;

  // Staff management. Each change is written together with its audit entry.
  virtual std::vector<Staff> list_staff() = 0;
  virtual InsertOutcome insert_staff_audited(const NewStaff& staff, std::int64_t& id, const AuditEntry& audit) = 0;
  virtual void update_staff(std::int64_t id, const std::string& role, bool disabled, const AuditEntry& audit) = 0;
  virtual void set_staff_password(std::int64_t id, const std::string& password_hash, const AuditEntry& audit) = 0;

  // Traveller passwords: `must_change` forces a change at the next login.
  // `audit` is null when the traveller changes their own password.
  virtual void set_account_password(std::int64_t id, const std::string& password_hash, bool must_change,
                                    const AuditEntry* audit) = 0;
  // Accounts whose ID number or profile name contains `query`, newest first.
  virtual std::vector<Account> search_accounts(const std::string& query, int limit) = 0;

  // Personal information.
  virtual std::optional<Profile> find_profile(std::int64_t account_id) = 0;
  // Insert or replace the profile's fields and status; bumps the version
  // and returns the stored row.
  virtual Profile save_profile(const Profile& profile) = 0;
  // Record a reviewer's decision if the profile is still pending at
  // `expected_version`; otherwise nothing changes and the result is stale.
  virtual DecisionOutcome decide_profile(const Profile& decided, std::int64_t expected_version,
                                         const AuditEntry& audit) = 0;
  virtual std::vector<ReviewItem> list_pending_reviews(int limit, int offset) = 0;
  virtual int count_pending_reviews() = 0;
  virtual std::optional<ReviewItem> find_review(std::int64_t account_id) = 0;

  // Audit log, newest first.
  virtual void append_audit(const AuditEntry& entry) = 0;
  virtual std::vector<AuditEntry> list_audit(const AuditFilter& filter) = 0;

  // Stations and quotas. Quota changes carry their audit entry.
  virtual std::vector<Station> list_stations() = 0;
  virtual std::int64_t insert_station(const Station& station, const AuditEntry& audit) = 0;
  virtual bool update_station(const Station& station, const AuditEntry& audit) = 0;
  // Set the quota of a station on a date; refused below what is booked.
  virtual QuotaResult set_quota(const std::string& date, std::int64_t station_id, int quota,
                                const AuditEntry& audit) = 0;
  // Set the same quota on several dates in one transaction: all or none.
  // On below_booked, `refused` names the first such date and its bookings.
  virtual QuotaResult set_quotas(const std::vector<std::string>& dates, std::int64_t station_id, int quota,
                                 const std::vector<AuditEntry>& audits, DayQuota& refused) = 0;
  virtual std::vector<DayQuota> list_quotas(const std::string& from, const std::string& to) = 0;
  // Totals per date over all stations, for dates in [from, to].
  virtual std::vector<DayTotals> day_totals(const std::string& from, const std::string& to) = 0;

  // Bookings. `book` decides a batch of attempts in one transaction, each on
  // its own savepoint, in order; it returns after the commit, so every
  // confirmation it reports is on disk.
  virtual std::vector<BookingOutcome> book(const std::vector<BookingAttempt>& attempts) = 0;
  virtual std::optional<Booking> find_booking(const std::string& booking_number) = 0;
  // The account's bookings, newest date first.
  virtual std::vector<Booking> list_bookings(std::int64_t account_id) = 0;
  // A confirmed booking of the account dated `today` or later.
  // The booking an earlier request with this idempotency key made.
  virtual std::optional<Booking> find_booking_by_key(std::int64_t account_id, const std::string& key) = 0;
  virtual std::optional<Booking> find_active_booking(std::int64_t account_id, const std::string& today) = 0;
  // Cancel a confirmed booking of `account_id`; its room returns to the
  // date's pool in the same transaction.
  virtual CancelResult cancel_booking(const std::string& booking_number, std::int64_t account_id,
                                      std::int64_t now) = 0;

  // Port entries and station check-ins. An entry is recorded once: of two
  // officers scanning the same slip at once, one records it and the other
  // is told it was already entered (and when, and by whom). An entry also
  // resets the traveller's consecutive no-shows.
  virtual EntryOutcome record_entry(const std::string& booking_number, std::int64_t staff_id, std::int64_t now) = 0;
  virtual std::vector<Booking> list_arrivals(std::int64_t station_id, const std::string& date) = 0;
  virtual bool record_check_in(const std::string& booking_number, std::int64_t station_id,
                               const std::string& room_number, std::int64_t now, const AuditEntry& audit) = 0;
  virtual void set_staff_station(std::int64_t staff_id, std::int64_t station_id, const AuditEntry& audit) = 0;
  virtual std::vector<BookingMember> booking_members(std::int64_t booking_id) = 0;

  // No-shows. Closing a day marks its confirmed bookings without an entry
  // as no-shows, counts them on the accounts, and bans an account whose
  // consecutive no-shows reach `no_show_limit` until the no-show date plus
  // `ban_days`, all in one transaction; a closed day is never closed again.
  virtual CloseDayOutcome close_day(const std::string& date, std::int64_t now, int no_show_limit, int ban_days) = 0;
  virtual bool is_day_closed(const std::string& date) = 0;
  // Accounts banned on `today` (banned_until after it).
  virtual std::vector<Account> list_banned(const std::string& today) = 0;
  virtual bool lift_ban(std::int64_t account_id, const AuditEntry& audit) = 0;

  // Co-residents.
  virtual std::vector<CoResident> list_co_residents(std::int64_t account_id) = 0;
  virtual InsertOutcome insert_co_resident(const CoResident& co_resident, std::int64_t& id) = 0;
  virtual bool delete_co_resident(std::int64_t account_id, std::int64_t id) = 0;
  // The review queue: accounts whose personal information or co-residents
  // wait for review, longest waiting first.
  virtual std::vector<std::int64_t> list_review_accounts(int limit, int offset) = 0;
  virtual int count_review_accounts() = 0;
  // Record one decision on everything pending of an account in one
  // transaction: the profile (when `decided` is not null) if it is still
  // pending at `expected_version`, and each co-resident of `co_residents`
  // if it is still pending. When any of them is not, nothing changes and
  // the result is stale.
  virtual DecisionOutcome decide_account(const Profile* decided, std::int64_t expected_version,
                                         const CoResidentDecision& co_residents, const AuditEntry& audit) = 0;

  // Sign-in throttling per identity key.
  virtual LoginThrottle find_login_throttle(const std::string& key) = 0;
  // Count one failure; when failures reach `max_failures`, lock until
  // now + lock_seconds and start counting again. Returns the new state.
  virtual LoginThrottle record_login_failure(const std::string& key, std::int64_t now, int max_failures,
                                             std::int64_t lock_seconds) = 0;
  virtual void clear_login_failures(const std::string& key) = 0;
};

// True when `url` names a PostgreSQL database rather than a SQLite file.
inline bool is_postgresql_url(std::string_view url) {
  return url.starts_with("postgresql://") || url.starts_with("postgres://");
}

// Open the store named by `url`: a file path (SQLite, created when missing).
// Throws StoreError when it cannot be opened or the URL scheme is unsupported.
std::unique_ptr<Store> open_store(const std::string& url);

}  // namespace yizhan::store

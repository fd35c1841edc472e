// SqliteStore: co-residents, and the review queue and decisions that cover
// them together with the personal information.
#include "store/sqlite_store.h"

namespace yizhan::store {
namespace {

constexpr std::string_view kCoResidentColumns =
    "id, account_id, name, relation, id_type, id_number, birth_date, gender, care_reason, care_note, status, "
    "reject_reason, reject_note, created_at, updated_at";

CoResident read_co_resident(SqliteStatement& row) {
  CoResident co_resident;
  co_resident.id = row.column_int(0);
  co_resident.account_id = row.column_int(1);
  co_resident.name = row.column_text(2);
  co_resident.relation = row.column_text(3);
  co_resident.id_type = row.column_text(4);
  co_resident.id_number = row.column_text(5);
  co_resident.birth_date = row.column_text(6);
  co_resident.gender = row.column_text(7);
  co_resident.care_reason = row.column_text(8);
  co_resident.care_note = row.column_text(9);
  co_resident.status = row.column_text(10);
  co_resident.reject_reason = row.column_text(11);
  co_resident.reject_note = row.column_text(12);
  co_resident.created_at = row.column_int(13);
  co_resident.updated_at = row.column_int(14);
  return co_resident;
}

// Each account waiting for review with the time it started waiting: its
// profile's submission, or its oldest pending co-resident.
constexpr std::string_view kReviewAccounts =
    "SELECT account_id, MIN(waiting_since) AS since FROM ("
    "SELECT account_id, submitted_at AS waiting_since FROM profiles WHERE status = 'pending' "
    "UNION ALL SELECT account_id, created_at FROM co_residents WHERE status = 'pending') "
    "GROUP BY account_id";

}  // namespace

std::vector<CoResident> SqliteStore::list_co_residents(std::int64_t account_id) {
  auto connection = acquire();
  auto query = connection->prepare("SELECT " + std::string(kCoResidentColumns) +
                                   " FROM co_residents WHERE account_id = ? ORDER BY created_at, id");
  query.bind(1, account_id);
  std::vector<CoResident> co_residents;
  while (query.step()) co_residents.push_back(read_co_resident(query));
  return co_residents;
}

InsertOutcome SqliteStore::insert_co_resident(const CoResident& co_resident, std::int64_t& id) {
  auto connection = acquire();
  auto insert = connection->prepare(
      "INSERT INTO co_residents (account_id, name, relation, id_type, id_number, birth_date, gender, care_reason, "
      "care_note, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
      "ON CONFLICT (account_id, id_type, id_number) DO NOTHING");
  insert.bind(1, co_resident.account_id)
      .bind(2, co_resident.name)
      .bind(3, co_resident.relation)
      .bind(4, co_resident.id_type)
      .bind(5, co_resident.id_number)
      .bind(6, co_resident.birth_date)
      .bind(7, co_resident.gender)
      .bind(8, co_resident.care_reason)
      .bind(9, co_resident.care_note)
      .bind(10, co_resident.status)
      .bind(11, co_resident.created_at)
      .bind(12, co_resident.updated_at);
  if (insert.run() == 0) return InsertOutcome::duplicate;
  id = sqlite3_last_insert_rowid(connection->handle());
  return InsertOutcome::inserted;
}

bool SqliteStore::delete_co_resident(std::int64_t account_id, std::int64_t id) {
  auto connection = acquire();
  return connection->prepare("DELETE FROM co_residents WHERE account_id = ? AND id = ?")
             .bind(1, account_id)
             .bind(2, id)
             .run() > 0;
}

std::vector<std::int64_t> SqliteStore::list_review_accounts(int limit, int offset) {
  auto connection = acquire();
  auto query = connection->prepare(std::string(kReviewAccounts) + " ORDER BY since, account_id LIMIT ? OFFSET ?");
  query.bind(1, static_cast<std::int64_t>(limit)).bind(2, static_cast<std::int64_t>(offset));
  std::vector<std::int64_t> accounts;
  while (query.step()) accounts.push_back(query.column_int(0));
  return accounts;
}

int SqliteStore::count_review_accounts() {
  auto connection = acquire();
  auto query = connection->prepare("SELECT COUNT(*) FROM (" + std::string(kReviewAccounts) + ")");
  query.step();
  return static_cast<int>(query.column_int(0));
}

DecisionOutcome SqliteStore::decide_account(const Profile* decided, std::int64_t expected_version,
                                            const CoResidentDecision& co_residents, const AuditEntry& audit) {
  auto connection = acquire();
  SqliteTransaction transaction(*connection);

  // As in decide_profile, the WHERE clauses settle two reviewers deciding
  // at once: the second finds nothing pending and changes nothing.
  if (decided) {
    const int changed = connection
                            ->prepare(
                                "UPDATE profiles SET status = ?, decided_at = ?, decided_by = ?, reject_reason = ?, "
                                "reject_note = ?, approved_json = ?, version = version + 1 "
                                "WHERE account_id = ? AND status = 'pending' AND version = ?")
                            .bind(1, decided->status)
                            .bind(2, decided->decided_at)
                            .bind(3, decided->decided_by)
                            .bind(4, decided->reject_reason)
                            .bind(5, decided->reject_note)
                            .bind(6, decided->approved_json)
                            .bind(7, decided->account_id)
                            .bind(8, expected_version)
                            .run();
    if (changed == 0) return DecisionOutcome::stale;
  }

  for (std::int64_t id : co_residents.ids) {
    const int changed = connection
                            ->prepare(
                                "UPDATE co_residents SET status = ?, reject_reason = ?, reject_note = ?, "
                                "updated_at = ? WHERE id = ? AND account_id = ? AND status = 'pending'")
                            .bind(1, co_residents.status)
                            .bind(2, co_residents.reject_reason)
                            .bind(3, co_residents.reject_note)
                            .bind(4, co_residents.decided_at)
                            .bind(5, id)
                            .bind(6, co_residents.account_id)
                            .run();
    if (changed == 0) return DecisionOutcome::stale;
  }

  insert_audit_row(*connection, audit);
  transaction.commit();
  return DecisionOutcome::decided;
}

}  // namespace yizhan::store

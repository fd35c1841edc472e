// PgStore: co-residents, and the review queue and decisions that cover
// them together with the personal information.
#include "store/pg_store.h"

namespace yizhan::store {
namespace {

constexpr std::string_view kCoResidentColumns =
    "id, account_id, name, relation, id_type, id_number, birth_date, gender, care_reason, care_note, status, "
    "reject_reason, reject_note, created_at, updated_at";

CoResident read_co_resident(const PgResult& result, int row) {
  CoResident co_resident;
  co_resident.id = result.integer(row, 0);
  co_resident.account_id = result.integer(row, 1);
  co_resident.name = result.text(row, 2);
  co_resident.relation = result.text(row, 3);
  co_resident.id_type = result.text(row, 4);
  co_resident.id_number = result.text(row, 5);
  co_resident.birth_date = result.text(row, 6);
  co_resident.gender = result.text(row, 7);
  co_resident.care_reason = result.text(row, 8);
  co_resident.care_note = result.text(row, 9);
  co_resident.status = result.text(row, 10);
  co_resident.reject_reason = result.text(row, 11);
  co_resident.reject_note = result.text(row, 12);
  co_resident.created_at = result.integer(row, 13);
  co_resident.updated_at = result.integer(row, 14);
  return co_resident;
}

// Each account waiting for review with the time it started waiting: its
// profile's submission, or its oldest pending co-resident.
constexpr std::string_view kReviewAccounts =
    "SELECT account_id, MIN(waiting_since) AS since FROM ("
    "SELECT account_id, submitted_at AS waiting_since FROM profiles WHERE status = 'pending' "
    "UNION ALL SELECT account_id, created_at FROM co_residents WHERE status = 'pending') AS waiting "
    "GROUP BY account_id";

}  // namespace

std::vector<CoResident> PgStore::list_co_residents(std::int64_t account_id) {
  auto connection = acquire();
  const auto found = connection->query("SELECT " + std::string(kCoResidentColumns) +
                                           " FROM co_residents WHERE account_id = $1 ORDER BY created_at, id",
                                       {account_id});
  std::vector<CoResident> co_residents;
  for (int row = 0; row < found.rows(); ++row) co_residents.push_back(read_co_resident(found, row));
  return co_residents;
}

InsertOutcome PgStore::insert_co_resident(const CoResident& co_resident, std::int64_t& id) {
  auto connection = acquire();
  const auto inserted = connection->query(
      "INSERT INTO co_residents (account_id, name, relation, id_type, id_number, birth_date, gender, care_reason, "
      "care_note, status, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) "
      "ON CONFLICT (account_id, id_type, id_number) DO NOTHING RETURNING id",
      {co_resident.account_id, co_resident.name, co_resident.relation, co_resident.id_type, co_resident.id_number,
       co_resident.birth_date, co_resident.gender, co_resident.care_reason, co_resident.care_note, co_resident.status,
       co_resident.created_at, co_resident.updated_at});
  if (inserted.empty()) return InsertOutcome::duplicate;
  id = inserted.integer(0, 0);
  return InsertOutcome::inserted;
}

bool PgStore::delete_co_resident(std::int64_t account_id, std::int64_t id) {
  auto connection = acquire();
  return connection->query("DELETE FROM co_residents WHERE account_id = $1 AND id = $2", {account_id, id})
             .affected() > 0;
}

std::vector<std::int64_t> PgStore::list_review_accounts(int limit, int offset) {
  auto connection = acquire();
  const auto found =
      connection->query(std::string(kReviewAccounts) + " ORDER BY since, account_id LIMIT $1 OFFSET $2",
                        {limit < 0 ? PgParam(std::nullopt) : PgParam(limit), offset < 0 ? 0 : offset});
  std::vector<std::int64_t> accounts;
  for (int row = 0; row < found.rows(); ++row) accounts.push_back(found.integer(row, 0));
  return accounts;
}

int PgStore::count_review_accounts() {
  auto connection = acquire();
  return static_cast<int>(
      connection->query("SELECT COUNT(*) FROM (" + std::string(kReviewAccounts) + ") AS review").integer(0, 0));
}

DecisionOutcome PgStore::decide_account(const Profile* decided, std::int64_t expected_version,
                                        const CoResidentDecision& co_residents, const AuditEntry& audit) {
  auto connection = acquire();
  PgTransaction transaction(*connection);

  // As in decide_profile, the WHERE clauses settle two reviewers deciding
  // at once: the second waits for the first's row locks, re-reads the rows
  // and finds nothing pending.
  if (decided) {
    const int changed = connection
                            ->query(
                                "UPDATE profiles SET status = $1, decided_at = $2, decided_by = $3, "
                                "reject_reason = $4, reject_note = $5, approved_json = $6, version = version + 1 "
                                "WHERE account_id = $7 AND status = 'pending' AND version = $8",
                                {decided->status, decided->decided_at, decided->decided_by, decided->reject_reason,
                                 decided->reject_note, decided->approved_json, decided->account_id, expected_version})
                            .affected();
    if (changed == 0) return DecisionOutcome::stale;
  }

  for (std::int64_t id : co_residents.ids) {
    const int changed = connection
                            ->query(
                                "UPDATE co_residents SET status = $1, reject_reason = $2, reject_note = $3, "
                                "updated_at = $4 WHERE id = $5 AND account_id = $6 AND status = 'pending'",
                                {co_residents.status, co_residents.reject_reason, co_residents.reject_note,
                                 co_residents.decided_at, id, co_residents.account_id})
                            .affected();
    if (changed == 0) return DecisionOutcome::stale;
  }

  insert_pg_audit_row(*connection, audit);
  transaction.commit();
  return DecisionOutcome::decided;
}

}  // namespace yizhan::store

#include "store/pg_store.h"
#include "store/sqlite_store.h"

namespace yizhan::store {

std::unique_ptr<Store> open_store(const std::string& url) {
  if (is_postgresql_url(url)) return std::make_unique<PgStore>(url);
  return std::make_unique<SqliteStore>(url);
}

}  // namespace yizhan::store

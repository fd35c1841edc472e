#include "store/sqlite_backup.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <thread>
#include <vector>

#include "store/store.h"

namespace yizhan::store {
namespace {

namespace fs = std::filesystem;

// How long a copy keeps retrying after SQLite's busy handler gave up on a
// lock, for example one a server holds while it recovers the WAL.
constexpr auto kLockWait = std::chrono::seconds(60);

// A sqlite3 handle closed on every path out.
struct Database {
  sqlite3* handle = nullptr;
  ~Database() { sqlite3_close(handle); }
};

// The temporary copy and the side files SQLite may create beside it,
// removed on destruction unless the copy was linked into place.
class TemporaryCopy {
 public:
  explicit TemporaryCopy(const std::string& target) {
    std::vector<char> name(target.begin(), target.end());
    const std::string suffix = ".partial-XXXXXX";
    name.insert(name.end(), suffix.begin(), suffix.end());
    name.push_back('\0');
    const int descriptor = ::mkstemp(name.data());
    if (descriptor < 0) {
      throw StoreError("cannot create a temporary file beside " + target + ": " + std::strerror(errno));
    }
    ::close(descriptor);
    path_ = name.data();
  }

  ~TemporaryCopy() {
    for (const char* side : {"", "-journal", "-wal", "-shm"}) ::unlink((path_ + side).c_str());
  }

  TemporaryCopy(const TemporaryCopy&) = delete;
  TemporaryCopy& operator=(const TemporaryCopy&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

[[noreturn]] void fail(sqlite3* db, const std::string& what) {
  throw StoreError(what + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
}

// Opens an existing database for reading and proves it is one: SQLite opens
// any file lazily and reports "file is not a database" only on first read.
void open_source(const std::string& path, Database& source) {
  std::error_code error;
  if (!fs::is_regular_file(path, error)) throw StoreError("SQLite database not found: " + path);
  // Read-write without create: a read-only connection cannot open a WAL
  // database whose -shm file it may not write. Nothing is written.
  if (sqlite3_open_v2(path.c_str(), &source.handle, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    fail(source.handle, "cannot open SQLite database " + path);
  }
  sqlite3_busy_timeout(source.handle, 10'000);
  if (sqlite3_exec(source.handle, "SELECT count(*) FROM sqlite_master", nullptr, nullptr, nullptr) != SQLITE_OK) {
    fail(source.handle, "cannot read SQLite database " + path);
  }
}

// Runs the whole copy as one step, so it reads one snapshot. Stepping in
// smaller pieces would restart from the first page whenever the server
// commits between two steps, and might never finish under steady writes.
int copy_pages(Database& source, Database& copy) {
  sqlite3_backup* backup = sqlite3_backup_init(copy.handle, "main", source.handle, "main");
  if (backup == nullptr) fail(copy.handle, "cannot start the backup");

  const auto deadline = std::chrono::steady_clock::now() + kLockWait;
  int code = SQLITE_OK;
  for (;;) {
    code = sqlite3_backup_step(backup, -1);
    if (code == SQLITE_DONE) break;
    const bool locked = code == SQLITE_BUSY || code == SQLITE_LOCKED;
    if (code != SQLITE_OK && !(locked && std::chrono::steady_clock::now() < deadline)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const int pages = sqlite3_backup_pagecount(backup);
  const int finished = sqlite3_backup_finish(backup);
  if (code != SQLITE_DONE) throw StoreError(std::string("backup failed: ") + sqlite3_errstr(code));
  if (finished != SQLITE_OK) fail(copy.handle, "backup failed");
  return pages;
}

std::string single_text(sqlite3* db, const char* sql) {
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &statement, nullptr) != SQLITE_OK) fail(db, std::string("cannot run ") + sql);
  std::string text;
  const int code = sqlite3_step(statement);
  if (code == SQLITE_ROW) {
    const auto* value = reinterpret_cast<const char*>(sqlite3_column_text(statement, 0));
    if (value != nullptr) text = value;
  }
  sqlite3_finalize(statement);
  if (code != SQLITE_ROW) fail(db, std::string("cannot run ") + sql);
  return text;
}

// Makes the new directory entry durable; the file's own pages were synced
// by SQLite when the copy committed.
void sync_directory(const fs::path& directory) {
  const int descriptor = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY);
  if (descriptor < 0) return;
  ::fsync(descriptor);
  ::close(descriptor);
}

}  // namespace

SqliteBackupResult backup_sqlite(const std::string& source_path, const std::string& target_path) {
  std::error_code error;
  if (fs::exists(fs::symlink_status(target_path, error))) {
    throw StoreError("backup target already exists: " + target_path + " (choose a new file name)");
  }
  fs::path directory = fs::path(target_path).parent_path();
  if (directory.empty()) directory = ".";
  if (!fs::is_directory(directory, error)) throw StoreError("backup directory not found: " + directory.string());

  Database source;
  open_source(source_path, source);

  SqliteBackupResult result;
  TemporaryCopy temporary(target_path);
  {
    Database copy;
    if (sqlite3_open_v2(temporary.path().c_str(), &copy.handle, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
      fail(copy.handle, "cannot open the temporary copy " + temporary.path());
    }
    result.pages = copy_pages(source, copy);

    const std::string check = single_text(copy.handle, "PRAGMA quick_check");
    if (check != "ok") throw StoreError("the copy failed PRAGMA quick_check: " + check);
    result.page_size = std::stoi(single_text(copy.handle, "PRAGMA page_size"));
    // Closing the last connection checkpoints the copy's WAL into the file,
    // so the single file is the whole copy.
    const int closed = sqlite3_close(copy.handle);
    copy.handle = nullptr;
    if (closed != SQLITE_OK) throw StoreError(std::string("cannot close the copy: ") + sqlite3_errstr(closed));
  }

  // link() fails with EEXIST instead of replacing a file, unlike rename(),
  // so a target created while the copy ran is not overwritten either.
  if (::link(temporary.path().c_str(), target_path.c_str()) != 0) {
    const int link_error = errno;
    if (link_error == EEXIST) {
      throw StoreError("backup target already exists: " + target_path + " (choose a new file name)");
    }
    throw StoreError("cannot create " + target_path + ": " + std::strerror(link_error));
  }
  sync_directory(directory);
  return result;
}

}  // namespace yizhan::store

// backup: a consistent copy of a live SQLite database in a new file. For a
// PostgreSQL database the command names pg_dump, the tool made for it.
#include <iostream>
#include <memory>
#include <string_view>

#include "cli/commands.h"
#include "store/sqlite_backup.h"

namespace yizhan::cli {
namespace {

struct BackupOptions {
  std::string db = "var/yizhan.db";
  std::string target;
};

bool is_postgresql_url(const std::string& db) {
  return db.rfind("postgresql://", 0) == 0 || db.rfind("postgres://", 0) == 0;
}

// The URL as pg_dump takes it. The options that only yizhan reads (pool,
// statement_timeout) go, because libpq rejects them. Any password goes
// too, so the printed command does not show it, and pg_dump reads it from
// PGPASSWORD or ~/.pgpass instead.
std::string pg_dump_url(const std::string& url) {
  const auto question = url.find('?');
  std::string base = url.substr(0, question);
  const auto authority_start = base.find("://") + 3;
  const auto at = base.find('@', authority_start);
  const auto slash = base.find('/', authority_start);
  if (at != std::string::npos && (slash == std::string::npos || at < slash)) {
    const auto colon = base.find(':', authority_start);
    if (colon != std::string::npos && colon < at) base.erase(colon, at - colon);
  }
  if (question == std::string::npos) return base;

  std::string kept;
  std::string_view query = std::string_view(url).substr(question + 1);
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    const std::string_view key = pair.substr(0, pair.find('='));
    if (pair.empty() || key == "pool" || key == "statement_timeout" || key == "password") continue;
    kept += (kept.empty() ? "?" : "&") + std::string(pair);
  }
  return base + kept;
}

// Single quotes for a POSIX shell, so the printed command can be pasted.
std::string shell_quote(const std::string& text) {
  std::string quoted = "'";
  for (const char c : text) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  return quoted + "'";
}

void run_backup(const BackupOptions& options) {
  if (is_postgresql_url(options.db)) {
    throw CommandFailed(
        "backup copies SQLite databases only; back up PostgreSQL with pg_dump, for example:\n  pg_dump "
        "--format=custom --file=" +
            shell_quote(options.target) + " " + shell_quote(pg_dump_url(options.db)) +
            "\nand restore with pg_restore (see docs/deploy.md)",
        2);
  }
  const auto result = store::backup_sqlite(options.db, options.target);
  const long long bytes = static_cast<long long>(result.pages) * result.page_size;
  std::cout << "backed up " << options.db << " to " << options.target << ": " << result.pages << " pages of "
            << result.page_size << " bytes (" << bytes << " bytes)\n";
}

}  // namespace

void add_backup_command(CLI::App& cli) {
  auto options = std::make_shared<BackupOptions>();
  auto* command = cli.add_subcommand(
      "backup", "Copy a SQLite database to a new file while servers keep running (PostgreSQL: use pg_dump)");
  command->add_option("--db", options->db, "Database: a SQLite file path or a postgresql:// URL (default var/yizhan.db)");
  command->add_option("--to", options->target, "Path of the new backup file; an existing file is never overwritten")
      ->required();
  command->callback([options] { run_backup(*options); });
}

}  // namespace yizhan::cli

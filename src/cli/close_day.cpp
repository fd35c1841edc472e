// close-day: mark one past day's no-shows and the bans they bring, directly
// on the database. Idempotent: a closed day is reported and left alone.
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "service/config.h"
#include "service/no_show_service.h"
#include "store/store.h"
#include "web/i18n.h"

namespace yizhan::cli {
namespace {

struct CloseDayOptions {
  std::string config_file;
  std::string db;
  std::string date;
};

void close_day(const CloseDayOptions& options) {
  service::Config config;
  if (!options.config_file.empty()) load_config_file(options.config_file, config);
  if (!options.db.empty()) config.db = options.db;

  auto store = store::open_store(config.db);
  store->migrate();
  service::SystemClock clock;
  const service::TimeZone zone(config.zone);
  service::NoShowService no_shows(*store, clock, zone, service::no_show_policy(config));

  auto closed = no_shows.close_day(service::Actor{0, "system:cli"}, options.date);
  if (!closed) {
    // The same English sentence the API gives, with the code for scripts.
    const web::Catalogs catalogs(config.share_dir + "/i18n");
    throw CommandFailed("cannot close " + options.date + ": " + catalogs.error_message("en", closed.error()) +
                            " [" + closed.error().code + "]",
                        1);
  }
  const auto& day = closed.value();
  if (day.already_closed) {
    std::cout << day.date << " was closed before; nothing changed\n";
    return;
  }
  std::cout << "closed " << day.date << ": " << day.no_shows << (day.no_shows == 1 ? " no-show" : " no-shows")
            << " marked, " << day.bans << (day.bans == 1 ? " account" : " accounts") << " banned (limit "
            << no_shows.policy().limit << " consecutive, " << no_shows.policy().ban_days << " days)\n";
}

}  // namespace

void add_close_day_command(CLI::App& cli) {
  auto options = std::make_shared<CloseDayOptions>();
  auto* command = cli.add_subcommand(
      "close-day", "Mark a past day's confirmed bookings without an entry as no-shows and ban repeat no-shows");
  command->add_option("--db", options->db, "Database: a SQLite file path or a postgresql:// URL (default var/yizhan.db)");
  command->add_option("--date", options->date, "The day to close, YYYY-MM-DD, before today in the configured zone")
      ->required();
  command->add_option("--config", options->config_file,
                      "Configuration file for zone, no_show_limit and ban_days (key = value lines)");
  command->callback([options] { close_day(*options); });
}

}  // namespace yizhan::cli

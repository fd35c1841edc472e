// migrate, staff add and demo-data: commands that work on the database
// directly, without a running server.
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "service/account_service.h"
#include "service/crypto.h"
#include "store/store.h"
#include "web/i18n.h"

namespace yizhan::cli {
namespace {

// The services the commands need, over a migrated store.
struct Services {
  explicit Services(const std::string& db)
      : store(store::open_store(db)),
        zone(config.zone),
        captchas(*store, clock, config.captcha_lifetime_seconds, false),
        accounts(*store, clock, zone, config, captchas) {}

  service::Config config;
  std::unique_ptr<store::Store> store;
  service::SystemClock clock;
  service::TimeZone zone;
  service::CaptchaService captchas;
  service::AccountService accounts;
};

std::unique_ptr<Services> open_services(const std::string& db) {
  service::init_crypto();
  {
    auto store = store::open_store(db);
    store->migrate();
  }
  return std::make_unique<Services>(db);
}

void add_staff(const std::string& db, const std::string& username, const std::string& role,
               const std::string& password) {
  auto services = open_services(db);
  auto added = services->accounts.add_staff(username, password, role);
  if (!added) {
    // The same English sentence the API gives, with the code for scripts.
    const web::Catalogs catalogs(services->config.share_dir + "/i18n");
    throw CommandFailed("cannot add staff account '" + username + "': " +
                            catalogs.error_message("en", added.error()) + " [" + added.error().code + "]",
                        1);
  }
  std::cout << "added staff account " << username << " with role " << role << "\n";
}

}  // namespace

void add_migrate_command(CLI::App& cli) {
  auto db = std::make_shared<std::string>("var/yizhan.db");
  auto* command = cli.add_subcommand("migrate", "Create or upgrade the database schema");
  command->add_option("--db", *db, "SQLite file path");
  command->callback([db] {
    auto store = store::open_store(*db);
    const int before = store->schema_version();
    const int after = store->migrate();
    std::cout << "schema version " << after << (before == after ? " (up to date)" : "") << "\n";
  });
}

void add_staff_command(CLI::App& cli) {
  struct Options {
    std::string db = "var/yizhan.db";
    std::string username;
    std::string role;
    bool password_stdin = false;
  };
  auto options = std::make_shared<Options>();
  auto* staff = cli.add_subcommand("staff", "Manage staff accounts");
  staff->require_subcommand(1);
  auto* add = staff->add_subcommand("add", "Add a staff account");
  add->add_option("--db", options->db, "SQLite file path");
  add->add_option("--username", options->username, "Login name: 3-32 of a-z 0-9 . _ -, starting with a letter")
      ->required();
  add->add_option("--role", options->role, "admin, reviewer, operator, port_officer or station_staff")->required();
  add->add_flag("--password-stdin", options->password_stdin, "Read the password from the first line of stdin")
      ->required();
  add->callback([options] {
    std::string password;
    if (!std::getline(std::cin, password)) throw CommandFailed("no password on standard input", 1);
    if (!password.empty() && password.back() == '\r') password.pop_back();
    add_staff(options->db, options->username, options->role, password);
  });
}

void add_demo_data_command(CLI::App& cli) {
  auto db = std::make_shared<std::string>("var/yizhan.db");
  auto* command = cli.add_subcommand("demo-data", "Load demonstration data (a staff admin) into a database");
  command->add_option("--db", *db, "SQLite file path");
  command->callback([db] {
    auto services = open_services(*db);
    if (services->store->find_staff("admin")) {
      std::cout << "demo data already loaded; the admin password was printed when it was created\n";
      return;
    }
    // Letters and digits from a random token, so it meets the password rules.
    std::string password = "Yz" + service::random_token(12) + "7";
    auto added = services->accounts.add_staff("admin", password, "admin");
    if (!added) throw CommandFailed("cannot add demo admin: " + added.error().code, 1);
    std::cout << "demo staff login: username admin, password " << password << " (shown once)\n";
  });
}

}  // namespace yizhan::cli

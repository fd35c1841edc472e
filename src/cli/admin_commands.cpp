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
  command->add_option("--db", *db, "Database: a SQLite file path or a postgresql:// URL");
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
  add->add_option("--db", options->db, "Database: a SQLite file path or a postgresql:// URL");
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

namespace {

// Demo travellers: valid Home Return Permit numbers, approved information.
struct DemoTraveller {
  const char* id_number;
  const char* name;
  const char* gender;
  const char* birth_date;
  const char* hk_mobile;
  const char* destination_code;
};
constexpr DemoTraveller kDemoTravellers[] = {
    {"H10000001", "陳大文", "male", "1985-03-14", "91234567", "440304"},
    {"H10000002", "李美玲", "female", "1990-11-02", "62345678", "440106"},
    {"M10000003", "黃志明", "male", "1978-07-21", "53456789", "440904"},
};

void load_demo_travellers(Services& services, const std::string& password) {
  const auto now = services.clock.now().time_since_epoch().count();
  const auto hash = service::hash_password(
      password, service::PasswordHashCost{services.config.password_memory_kib, services.config.password_passes});
  for (const auto& traveller : kDemoTravellers) {
    store::NewAccount account{"home_return_permit", traveller.id_number, hash, "zh-Hant",
                              "demo data", now, now};
    std::int64_t id = 0;
    if (services.store->insert_account(account, id) != store::InsertOutcome::inserted) continue;
    store::Profile profile;
    profile.account_id = id;
    profile.name = traveller.name;
    profile.gender = traveller.gender;
    profile.birth_date = traveller.birth_date;
    profile.hk_mobile = traveller.hk_mobile;
    profile.destination_code = traveller.destination_code;
    profile.consent = true;
    profile.consent_at = now;
    profile.status = "approved";
    profile.submitted_at = now;
    profile.decided_at = now;
    profile.updated_at = now;
    services.store->save_profile(profile);
  }
}

void load_demo_quotas(Services& services, const store::Staff& admin) {
  const auto today = services.zone.to_local(services.clock.now()).date;
  for (int offset = 0; offset < services.config.booking_window_days; ++offset) {
    const auto date = service::format_date(std::chrono::year_month_day{std::chrono::sys_days{today} +
                                                                       std::chrono::days{offset}});
    store::AuditEntry audit;
    audit.at = services.clock.now().time_since_epoch().count();
    audit.staff_id = admin.id;
    audit.staff_username = admin.username;
    audit.action = "quota.set";
    audit.target_type = "day_quota";
    audit.target_id = date + "/1";
    audit.after_json = "{\"quota\":50}";
    services.store->set_quota(date, 1, 50, audit);
  }
}

}  // namespace

void add_demo_data_command(CLI::App& cli) {
  auto db = std::make_shared<std::string>("var/yizhan.db");
  auto* command = cli.add_subcommand(
      "demo-data", "Load demonstration data: a staff admin, quotas for the booking window, approved travellers");
  command->add_option("--db", *db, "Database: a SQLite file path or a postgresql:// URL");
  command->callback([db] {
    auto services = open_services(*db);
    if (services->store->find_staff("admin")) {
      std::cout << "demo data already loaded; the passwords were printed when it was created\n";
      return;
    }
    // Letters and digits from a random token, so it meets the password rules.
    const std::string password = "Yz" + service::random_token(12) + "7";
    auto added = services->accounts.add_staff("admin", password, "admin");
    if (!added) throw CommandFailed("cannot add demo admin: " + added.error().code, 1);
    const auto admin = services->store->find_staff("admin");
    load_demo_quotas(*services, *admin);
    const std::string traveller_password = "Demo" + service::random_token(6) + "9";
    load_demo_travellers(*services, traveller_password);

    std::cout << "demo staff login: username admin, password " << password << " (shown once)\n";
    std::cout << "demo travellers (Home Return Permit H10000001, H10000002, M10000003), password "
              << traveller_password << " (shown once)\n";
    std::cout << "quotas: 50 rooms a day at the default station for the next "
              << services->config.booking_window_days << " days\n";
  });
}

}  // namespace yizhan::cli

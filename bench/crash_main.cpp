// bench_crash: a rush that loses its server. The server is killed with
// SIGKILL while rooms are still left and restarted on the same SQLite file.
// The store is then checked against every confirmation a client received.
// After that the travellers left book, and the store is checked again. See
// docs/benchmarks.md. The last line printed is the result over all rounds:
//
//   crash: users=N quota=Q seen_confirmed=X stored_confirmed=Y missing=M
//          over_quota=O duplicates=D ok=true|false   (one line)

#include <signal.h>
#include <sqlite3.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <filesystem>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "bench_steps.h"
#include "service/crypto.h"
#include "traveller_fixture.h"

namespace yizhan::bench {
namespace {

constexpr const char* kZone = "Asia/Shanghai";
constexpr const char* kZoneOffset = "+08:00";  // Asia/Shanghai has had no daylight saving time since 1991
constexpr int kMaxQuota = 9999;                // booking numbers carry a four-digit sequence per date
// Exit status when a round finds a lost, oversold or repeated booking.
constexpr int kExitInconsistent = 3;

struct CrashOptions {
  int users = 5'000;
  int quota = 1'000;
  int concurrency = 500;
  int rounds = 3;
  std::uint64_t seed = 0;  // 0: from std::random_device
  // The kill comes once the store contains a number of confirmed bookings
  // drawn uniformly from this share of the quota.
  double kill_from = 0.1;
  double kill_to = 0.9;
  int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  int timeout_ms = 10'000;
  int max_seconds = 300;
  std::string server_log_level = "info";
  std::string server_config;
  std::string yizhan_binary = YIZHAN_BINARY;
  bool keep = false;
};

// A booking of the date as stored.
struct StoredBooking {
  std::string booking_number;
  std::int64_t sequence = 0;
  std::string status;
  std::string id_number;
};

// The store compared with the confirmations the clients received.
struct BookingCheck {
  std::int64_t seen_confirmed = 0;
  std::int64_t stored_confirmed = 0;
  std::int64_t booked_counter = 0;  // day_quotas.booked summed over stations
  std::int64_t missing = 0;         // seen, but not stored as this traveller's confirmed booking
  std::int64_t over_quota = 0;
  std::int64_t duplicates = 0;      // a number or sequence twice, or a traveller confirmed twice
  std::int64_t unseen_confirmed = 0;  // stored, but its client got no 201

  bool consistent() const {
    return missing == 0 && over_quota == 0 && duplicates == 0 && booked_counter == stored_confirmed;
  }
};

class ReadOnlyDatabase {
 public:
  explicit ReadOnlyDatabase(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
      const std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
      sqlite3_close(db_);
      throw std::runtime_error("cannot open " + path + " to read bookings: " + message);
    }
    sqlite3_busy_timeout(db_, 5'000);
  }
  ~ReadOnlyDatabase() { sqlite3_close(db_); }
  ReadOnlyDatabase(const ReadOnlyDatabase&) = delete;
  ReadOnlyDatabase& operator=(const ReadOnlyDatabase&) = delete;

  // Runs `sql` with `date` bound to ?1 and calls `read` for each row.
  template <typename Read>
  void query(const char* sql, const std::string& date, Read read) {
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(db_, sql, -1, &statement, nullptr) != SQLITE_OK) {
      throw std::runtime_error(std::string("reading bookings: ") + sql + " failed: " + sqlite3_errmsg(db_));
    }
    sqlite3_bind_text(statement, 1, date.c_str(), -1, SQLITE_TRANSIENT);
    int step = SQLITE_ROW;
    while ((step = sqlite3_step(statement)) == SQLITE_ROW) read(statement);
    sqlite3_finalize(statement);
    if (step != SQLITE_DONE) {
      throw std::runtime_error(std::string("reading bookings: ") + sql + " failed: " + sqlite3_errmsg(db_));
    }
  }

 private:
  sqlite3* db_ = nullptr;
};

std::string column_text(sqlite3_stmt* row, int column) {
  const auto* text = sqlite3_column_text(row, column);
  return text ? reinterpret_cast<const char*>(text) : "";
}

// `seen` maps a traveller's index to the booking number its 201 carried.
BookingCheck check_bookings(const std::string& db_path, const std::string& date,
                            const std::vector<Traveller>& travellers, const std::map<std::size_t, std::string>& seen,
                            int quota) {
  ReadOnlyDatabase db(db_path);
  std::vector<StoredBooking> stored;
  db.query("SELECT booking_number, sequence, status, id_number FROM bookings WHERE date = ?1", date,
           [&](sqlite3_stmt* row) {
             stored.push_back(StoredBooking{column_text(row, 0), sqlite3_column_int64(row, 1), column_text(row, 2),
                                            column_text(row, 3)});
           });
  BookingCheck check;
  db.query("SELECT COALESCE(SUM(booked), 0) FROM day_quotas WHERE date = ?1", date,
           [&](sqlite3_stmt* row) { check.booked_counter = sqlite3_column_int64(row, 0); });

  std::map<std::string, const StoredBooking*> by_number;
  std::set<std::int64_t> sequences;
  std::set<std::string> confirmed_travellers;
  for (const auto& booking : stored) {
    if (!by_number.emplace(booking.booking_number, &booking).second) ++check.duplicates;
    if (!sequences.insert(booking.sequence).second) ++check.duplicates;
    if (booking.status != "confirmed") continue;
    ++check.stored_confirmed;
    if (!confirmed_travellers.insert(booking.id_number).second) ++check.duplicates;
  }
  check.over_quota = std::max<std::int64_t>(0, check.stored_confirmed - quota);

  std::set<std::string> seen_numbers;
  std::set<std::string> seen_travellers;
  for (const auto& [index, number] : seen) {
    ++check.seen_confirmed;
    if (!seen_numbers.insert(number).second) ++check.duplicates;  // two clients received the same number
    seen_travellers.insert(travellers[index].id_number);
    const auto found = by_number.find(number);
    if (found == by_number.end() || found->second->status != "confirmed" ||
        found->second->id_number != travellers[index].id_number) {
      ++check.missing;
    }
  }
  for (const auto& id_number : confirmed_travellers) {
    if (!seen_travellers.count(id_number)) ++check.unseen_confirmed;
  }
  return check;
}

void print_check(const std::string& label, const BookingCheck& check) {
  std::cout << label << ": seen_confirmed=" << check.seen_confirmed << " stored_confirmed=" << check.stored_confirmed
            << " booked_counter=" << check.booked_counter << " unseen_confirmed=" << check.unseen_confirmed
            << " missing=" << check.missing << " over_quota=" << check.over_quota
            << " duplicates=" << check.duplicates << std::endl;
  if (check.booked_counter != check.stored_confirmed) {
    std::cout << label << ": FAILED: the booked counter differs from the confirmed bookings" << std::endl;
  }
}

// The "booking_number" member of a 201 body; empty when there is none.
std::string booking_number_of(const std::string& body) {
  constexpr std::string_view kKey = "\"booking_number\":\"";
  const auto start = body.find(kKey);
  if (start == std::string::npos) return {};
  const auto value_start = start + kKey.size();
  const auto end = body.find('"', value_start);
  return end == std::string::npos ? std::string() : body.substr(value_start, end - value_start);
}

// Polls the count of confirmed bookings of a date with a read-only
// connection of its own and kills the server with SIGKILL as soon as the
// count reaches the target. The trigger is the store and not the responses
// received, so the kill does not wait for the client to read a response.
class KillWatcher {
 public:
  KillWatcher(const std::string& db_path, const std::string& date, std::int64_t target, pid_t server)
      : thread_([this, db_path, date, target, server] { watch(db_path, date, target, server); }) {}
  ~KillWatcher() {
    done_ = true;
    if (thread_.joinable()) thread_.join();
  }
  KillWatcher(const KillWatcher&) = delete;
  KillWatcher& operator=(const KillWatcher&) = delete;

  // Stops polling; returns whether the watcher killed the server.
  bool finish() {
    done_ = true;
    if (thread_.joinable()) thread_.join();
    if (failure_) std::rethrow_exception(failure_);
    return killed_;
  }
  std::int64_t stored_at_kill() const { return stored_at_kill_; }
  double killed_after_s() const { return killed_after_s_; }

 private:
  void watch(const std::string& db_path, const std::string& date, std::int64_t target, pid_t server) {
    try {
      ReadOnlyDatabase db(db_path);
      const auto started = std::chrono::steady_clock::now();
      while (!done_) {
        std::int64_t confirmed = 0;
        db.query("SELECT COUNT(*) FROM bookings WHERE date = ?1 AND status = 'confirmed'", date,
                 [&](sqlite3_stmt* row) { confirmed = sqlite3_column_int64(row, 0); });
        if (confirmed >= target) {
          ::kill(server, SIGKILL);
          killed_ = true;
          stored_at_kill_ = confirmed;
          killed_after_s_ = seconds_since(started);
          return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    } catch (...) {
      failure_ = std::current_exception();
    }
  }

  std::atomic<bool> done_{false};
  bool killed_ = false;
  std::int64_t stored_at_kill_ = 0;
  double killed_after_s_ = 0;
  std::exception_ptr failure_;
  std::thread thread_;  // last, so that it starts after the members it uses
};

LoadOptions load_options(const CrashOptions& options, unsigned short port) {
  LoadOptions load;
  load.port = port;
  load.connections = options.concurrency;
  load.threads = options.threads;
  load.request_timeout = std::chrono::milliseconds(options.timeout_ms);
  load.run_limit = std::chrono::seconds(options.max_seconds);
  load.keep_bodies = true;
  return load;
}

// Sends the booking request of each traveller in `indices` and adds every
// confirmation to `seen`. Returns the requests that got neither a
// confirmation nor a refusal that leaves nothing to book (sold out, or
// already booked): errors and rate-limit responses.
std::uint64_t fire_bookings(const CrashOptions& options, YizhanServer& server, const std::string& date,
                            const std::vector<Traveller>& travellers, const std::vector<std::size_t>& indices,
                            const std::string& label, std::map<std::size_t, std::string>& seen,
                            const std::function<void(LoadClient&)>& before_fire) {
  std::vector<std::string> request_bytes;
  request_bytes.reserve(indices.size());
  for (const auto index : indices) request_bytes.push_back(booking_request(server.port(), date, travellers[index]));
  const std::vector<std::string_view> requests(request_bytes.begin(), request_bytes.end());

  LoadClient client(load_options(options, server.port()));
  client.connect();
  before_fire(client);
  const LoadReport report = client.fire(requests);
  print_load_summary(label, report);

  std::uint64_t confirmed = 0;
  for (std::size_t i = 0; i < indices.size(); ++i) {
    if (report.outcomes[i].status != 201) continue;
    ++confirmed;
    const std::string number = booking_number_of(report.bodies[i]);
    if (number.empty()) {
      throw std::runtime_error("a 201 response to POST /api/v1/bookings has no booking_number: " + report.bodies[i]);
    }
    seen[indices[i]] = number;
  }
  return report.outcomes.size() - confirmed - count_kind(report, "409 booking.sold_out") -
         count_kind(report, "409 booking.already_active");
}

// Opens booking on the test clock: today 09:59:59, then waits for 10:00.
void open_booking(YizhanServer& server, const std::string& today) {
  server.set_clock(today + "T09:59:59" + kZoneOffset);
  server.wait_for_clock("10:00:00", std::chrono::seconds(10));
}

std::int64_t file_bytes(const std::string& path) {
  std::error_code error;
  const auto size = std::filesystem::file_size(path, error);
  return error ? 0 : static_cast<std::int64_t>(size);
}

struct RoundResult {
  BookingCheck check;
  bool ok = false;
};

RoundResult run_round(const CrashOptions& options, int round, std::mt19937_64& random, const std::string& work) {
  const std::string label = "round " + std::to_string(round);
  const std::string db_path = work + "/round-" + std::to_string(round) + ".db";
  const std::string log_path = work + "/round-" + std::to_string(round) + ".log";
  // Every traveller books from 127.0.0.1: lift the booking budgets.
  const std::string config_path = write_server_config(
      work, options.server_config, {"booking_rate_per_minute", "booking_account_rate_per_minute"});
  const std::string today = local_date(kZone, 0);
  const std::string date = local_date(kZone, 1);

  // 1. Data, and the store count at which the server dies.
  auto started = std::chrono::steady_clock::now();
  prepare_quota(db_path, date, options.quota);
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
  auto travellers = insert_travellers(db_path, options.users, now.count());
  // At least one booking stored, and one room still left when the quota allows.
  const std::int64_t last_before_sold_out = std::max(1, std::min(options.quota, options.users) - 1);
  const auto highest = std::clamp<std::int64_t>(static_cast<std::int64_t>(options.quota * options.kill_to), 1,
                                                last_before_sold_out);
  const auto lowest = std::clamp<std::int64_t>(static_cast<std::int64_t>(options.quota * options.kill_from), 1,
                                               highest);
  const std::int64_t kill_target = std::uniform_int_distribution<std::int64_t>(lowest, highest)(random);
  std::cout << label << ": prepare: travellers=" << travellers.size() << " quota=" << options.quota
            << " date=" << date << " kill_at_stored=" << kill_target << " s=" << fixed(seconds_since(started), 2)
            << " db=" << db_path << std::endl;

  // 2. The rush, with the watcher ready to kill the server.
  std::map<std::size_t, std::string> seen;
  std::vector<std::size_t> everyone(travellers.size());
  for (std::size_t i = 0; i < everyone.size(); ++i) everyone[i] = i;
  std::unique_ptr<KillWatcher> watcher;
  std::string ended;
  {
    YizhanServer server(options.yizhan_binary, db_path, options.server_log_level, config_path, log_path);
    std::cout << label << ": server: pid=" << server.pid() << " port=" << server.port() << std::endl;
    const auto open = [&](LoadClient&) {
      open_booking(server, today);
      watcher = std::make_unique<KillWatcher>(db_path, date, kill_target, server.pid());
    };
    fire_bookings(options, server, date, travellers, everyone, label + " before the kill", seen, open);
    const bool killed = watcher->finish();
    if (killed) {
      std::cout << label << ": kill: SIGKILL at stored_confirmed=" << watcher->stored_at_kill() << " after "
                << fixed(watcher->killed_after_s(), 3) << " s; seen_confirmed=" << seen.size() << std::endl;
    } else {
      // The rush ended before the store reached the target, so this round
      // checks a restart after the rush rather than during it.
      std::cout << label << ": kill: WARNING: the rush ended before " << kill_target
                << " bookings were stored; killing the server now" << std::endl;
      ::kill(server.pid(), SIGKILL);
    }
    ended = server.stop();
  }
  watcher.reset();
  std::cout << label << ": server: " << ended << "; wal_bytes=" << file_bytes(db_path + "-wal") << std::endl;

  // 3. Restart on the same file and compare the store with the 201s. The
  //    server opens the file first, so that it, not this program, recovers
  //    the write-ahead log the killed process left.
  YizhanServer server(options.yizhan_binary, db_path, options.server_log_level, config_path, log_path);
  std::cout << label << ": restarted: pid=" << server.pid() << " port=" << server.port()
            << " started_s=" << fixed(server.start_seconds(), 2) << std::endl;
  const BookingCheck after_restart = check_bookings(db_path, date, travellers, seen, options.quota);
  print_check(label + ": after restart", after_restart);

  std::vector<std::size_t> remaining;
  std::vector<Traveller*> renewed;
  for (std::size_t i = 0; i < travellers.size(); ++i) {
    if (seen.count(i)) continue;
    remaining.push_back(i);
    renewed.push_back(&travellers[i]);
  }
  // Each captcha works once, and the killed run may have used any of them.
  renew_captchas(db_path, renewed, now.count() + 2 * 24 * 3600);

  // 4. The travellers without a confirmation book again.
  const auto reopen = [&](LoadClient&) { open_booking(server, today); };
  const std::uint64_t undecided =
      fire_bookings(options, server, date, travellers, remaining, label + " after the restart", seen, reopen);
  const BookingCheck final_check = check_bookings(db_path, date, travellers, seen, options.quota);
  print_check(label + ": final", final_check);
  std::cout << label << ": server: stopped (" << server.stop() << ")" << std::endl;

  // With rooms left and travellers waiting, every room must be taken
  // unless some requests failed or were rate-limited.
  const std::int64_t expected = std::min(options.quota, options.users);
  const bool sold_out = final_check.stored_confirmed == expected;
  if (!sold_out) {
    std::cout << label << ": " << (undecided == 0 ? "FAILED: " : "note: ") << final_check.stored_confirmed
              << " confirmed bookings after the restart, expected " << expected
              << " (requests neither confirmed nor refused as sold out or already booked: " << undecided << ")"
              << std::endl;
  }
  RoundResult result;
  result.check = final_check;
  result.ok = after_restart.consistent() && final_check.consistent() && (sold_out || undecided > 0);
  return result;
}

void print_result(const std::string& prefix, const CrashOptions& options, const BookingCheck& check, bool ok) {
  std::cout << prefix << "users=" << options.users << " quota=" << options.quota
            << " seen_confirmed=" << check.seen_confirmed << " stored_confirmed=" << check.stored_confirmed
            << " missing=" << check.missing << " over_quota=" << check.over_quota
            << " duplicates=" << check.duplicates << " ok=" << (ok ? "true" : "false") << std::endl;
}

int run_crash(CrashOptions options) {
  if (options.kill_from > options.kill_to) {
    std::cerr << "crash: --kill-from " << options.kill_from << " is above --kill-to " << options.kill_to << "\n";
    return 2;
  }
  options.concurrency = std::min(options.concurrency, options.users);
  const std::uint64_t open_files = raise_open_file_limit();
  if (static_cast<std::uint64_t>(options.concurrency) + 256 > open_files) {
    std::cerr << "crash: --concurrency " << options.concurrency << " needs more open files than the limit of "
              << open_files << "; lower --concurrency or raise the hard limit (ulimit -Hn)\n";
    return 2;
  }
  if (options.seed == 0) options.seed = std::random_device{}() | 1;
  std::cout << describe_machine() << "\n"
            << "build: " << BUILD_TYPE << "\n"
            << "options: users=" << options.users << " quota=" << options.quota
            << " concurrency=" << options.concurrency << " rounds=" << options.rounds << " seed=" << options.seed
            << " kill_from=" << options.kill_from << " kill_to=" << options.kill_to
            << " client_threads=" << options.threads << " timeout_ms=" << options.timeout_ms
            << " server_config=" << (options.server_config.empty() ? "none" : options.server_config) << std::endl;

  service::init_crypto();
  WorkDirectory work("yizhan-crash");
  if (options.keep) work.keep();
  std::mt19937_64 random(options.seed);
  BookingCheck total;
  bool all_ok = true;
  for (int round = 1; round <= options.rounds; ++round) {
    const RoundResult result = run_round(options, round, random, work.path());
    print_result("crash round " + std::to_string(round) + ": ", options, result.check, result.ok);
    total.seen_confirmed += result.check.seen_confirmed;
    total.stored_confirmed += result.check.stored_confirmed;
    total.missing += result.check.missing;
    total.over_quota += result.check.over_quota;
    total.duplicates += result.check.duplicates;
    all_ok = all_ok && result.ok;
  }
  // A failed round keeps its databases and logs for inspection.
  if (!all_ok) work.keep();
  print_result("crash: ", options, total, all_ok);
  return all_ok ? 0 : kExitInconsistent;
}

}  // namespace
}  // namespace yizhan::bench

int main(int argc, char** argv) {
  yizhan::bench::CrashOptions options;
  CLI::App cli{"Crash safety: kill -9 a yizhan server in the middle of a rush, restart it on the same SQLite file "
               "and check every received confirmation against the store"};
  cli.add_option("--users", options.users, "Travellers, each sending one booking request")
      ->check(CLI::Range(1, 1'000'000))
      ->capture_default_str();
  cli.add_option("--quota", options.quota, "Rooms on the booking date")
      ->check(CLI::Range(1, yizhan::bench::kMaxQuota))
      ->capture_default_str();
  cli.add_option("--concurrency", options.concurrency, "Keep-alive connections the requests are spread over")
      ->check(CLI::Range(1, 100'000))
      ->capture_default_str();
  cli.add_option("--rounds", options.rounds, "Rushes, each on a new database with its own kill point")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  cli.add_option("--seed", options.seed, "Seed of the kill points (default: random; the output prints it)");
  cli.add_option("--kill-from", options.kill_from,
                 "Lowest share of the quota stored when the kill comes (0 to 1)")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  cli.add_option("--kill-to", options.kill_to, "Highest share of the quota stored when the kill comes (0 to 1)")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();

  cli.add_option("--threads", options.threads, "Load generator threads (default: one per core)")
      ->check(CLI::Range(1, 256));
  cli.add_option("--timeout-ms", options.timeout_ms, "Time limit of one request in milliseconds")
      ->check(CLI::Range(100, 600'000))
      ->capture_default_str();
  cli.add_option("--max-seconds", options.max_seconds, "Requests still unsent after this many seconds count as errors")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  cli.add_option("--server-log-level", options.server_log_level, "yizhan's --log-level during the run")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}))
      ->capture_default_str();
  cli.add_option("--server-config", options.server_config, "yizhan configuration file (key = value lines)")
      ->check(CLI::ExistingFile);
  cli.add_option("--yizhan-binary", options.yizhan_binary, "The yizhan executable")->capture_default_str();
  cli.add_flag("--keep", options.keep, "Keep the work directory (databases, server logs) and print its path");
  CLI11_PARSE(cli, argc, argv);

  try {
    return yizhan::bench::run_crash(options);
  } catch (const std::exception& error) {
    std::cerr << "crash: failed: " << error.what() << "\n";
    return 1;
  }
}

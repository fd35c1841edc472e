// bench_rush: the 10:00 rush. Every traveller sends one booking request
// for the same date the moment booking opens; see docs/benchmarks.md. The
// last line printed is the result:
//
//   rush: users=N quota=Q confirmed=X oversold=O errors=E booking_rps=R
//         p50_ms=A p99_ms=B baseline_rps=S ratio=Z rss_mb=M   (one line)

#include <libpq-fe.h>
#include <sqlite3.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <exception>
#include <filesystem>
#include <functional>
#include <iostream>
#include <memory>
#include <thread>

#include "bench_steps.h"
#include "service/crypto.h"
#include "traveller_fixture.h"

namespace yizhan::bench {
namespace {

// Booking opens at 10:00 in this zone (the server's default configuration).
constexpr const char* kZone = "Asia/Shanghai";
constexpr const char* kZoneOffset = "+08:00";  // Asia/Shanghai has had no daylight saving time since 1991
// Booking numbers carry a four-digit sequence per date.
constexpr int kMaxQuota = 9999;
// Exit status when the store check fails (oversold, repeated sequences, a
// confirmation without its booking).
constexpr int kExitStoreInconsistent = 3;

struct RushOptions {
  int users = 50'000;
  int quota = 2'000;
  int concurrency = 1'000;
  std::string db;
  int servers = 1;
  int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  int timeout_ms = 10'000;
  int max_seconds = 300;
  std::string server_log_level = "info";
  std::string server_config;
  int baseline_runs = 3;
  std::string yizhan_binary = YIZHAN_BINARY;
  std::string baseline_binary = BASELINE_BINARY;
  bool keep = false;
};

bool is_postgres_url(const std::string& url) {
  return url.rfind("postgres://", 0) == 0 || url.rfind("postgresql://", 0) == 0;
}

// Confirmed bookings of `date` as stored after the run.
struct StoreCheck {
  std::int64_t bookings = 0;
  std::int64_t distinct_sequences = 0;
  std::int64_t max_sequence = 0;
  std::int64_t booked_counter = 0;  // day_quotas.booked summed over stations
  std::int64_t quota = 0;
};

StoreCheck check_store(const std::string& db_path, const std::string& date) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    const std::string message = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    throw std::runtime_error("cannot open " + db_path + " to check bookings: " + message);
  }
  StoreCheck check;
  const auto query = [&](const char* sql, const std::function<void(sqlite3_stmt*)>& read) {
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(db, sql, -1, &statement, nullptr) != SQLITE_OK) {
      const std::string message = sqlite3_errmsg(db);
      sqlite3_close(db);
      throw std::runtime_error(std::string("checking bookings: ") + sql + " failed: " + message);
    }
    sqlite3_bind_text(statement, 1, date.c_str(), -1, SQLITE_TRANSIENT);
    if (sqlite3_step(statement) == SQLITE_ROW) read(statement);
    sqlite3_finalize(statement);
  };
  query("SELECT COUNT(*), COUNT(DISTINCT sequence), COALESCE(MAX(sequence), 0) FROM bookings "
        "WHERE date = ? AND status = 'confirmed'",
        [&](sqlite3_stmt* row) {
          check.bookings = sqlite3_column_int64(row, 0);
          check.distinct_sequences = sqlite3_column_int64(row, 1);
          check.max_sequence = sqlite3_column_int64(row, 2);
        });
  query("SELECT COALESCE(SUM(booked), 0), COALESCE(SUM(quota), 0) FROM day_quotas WHERE date = ?",
        [&](sqlite3_stmt* row) {
          check.booked_counter = sqlite3_column_int64(row, 0);
          check.quota = sqlite3_column_int64(row, 1);
        });
  sqlite3_close(db);
  return check;
}

using PgConnection = std::unique_ptr<PGconn, decltype(&PQfinish)>;

PgConnection pg_connect(const std::string& url, const std::string& purpose) {
  PgConnection connection(PQconnectdb(url.c_str()), &PQfinish);
  if (PQstatus(connection.get()) != CONNECTION_OK) {
    std::string message = PQerrorMessage(connection.get());
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
    throw std::runtime_error("cannot connect to " + url + " to " + purpose + ": " + message);
  }
  return connection;
}

// Runs `sql` with text parameters and returns the first row's columns as
// integers (an empty vector when there is no row).
std::vector<std::int64_t> pg_row(PGconn* connection, const std::string& sql,
                                 const std::vector<std::string>& parameters = {}) {
  std::vector<const char*> values;
  for (const auto& parameter : parameters) values.push_back(parameter.c_str());
  std::unique_ptr<PGresult, decltype(&PQclear)> result(
      PQexecParams(connection, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr, nullptr,
                   0),
      &PQclear);
  const auto status = PQresultStatus(result.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    throw std::runtime_error(sql + " failed: " + PQerrorMessage(connection));
  }
  std::vector<std::int64_t> row;
  if (status == PGRES_TUPLES_OK && PQntuples(result.get()) > 0) {
    for (int column = 0; column < PQnfields(result.get()); ++column) {
      row.push_back(std::stoll(PQgetvalue(result.get(), 0, column)));
    }
  }
  return row;
}

StoreCheck check_store_postgres(const std::string& url, const std::string& date) {
  auto connection = pg_connect(url, "check bookings");
  StoreCheck check;
  const auto bookings = pg_row(connection.get(),
                               "SELECT COUNT(*), COUNT(DISTINCT sequence), COALESCE(MAX(sequence), 0) FROM bookings "
                               "WHERE date = $1 AND status = 'confirmed'",
                               {date});
  check.bookings = bookings.at(0);
  check.distinct_sequences = bookings.at(1);
  check.max_sequence = bookings.at(2);
  const auto quota = pg_row(connection.get(),
                            "SELECT COALESCE(SUM(booked), 0), COALESCE(SUM(quota), 0) FROM day_quotas WHERE date = $1",
                            {date});
  check.booked_counter = quota.at(0);
  check.quota = quota.at(1);
  return check;
}

// Returns `url` with its database name replaced by `name`. The user, host,
// port and query parameters stay.
std::string with_database(const std::string& url, const std::string& name) {
  const auto authority = url.find("://") + 3;
  const auto end = std::min(url.find('/', authority), url.find('?', authority));
  const auto query = url.find('?', authority);
  return url.substr(0, end) + "/" + name + (query == std::string::npos ? "" : url.substr(query));
}

// A database created for one run on the cluster of a maintenance URL and
// dropped at the end, so that runs never share data.
class ScratchDatabase {
 public:
  explicit ScratchDatabase(const std::string& maintenance_url)
      : maintenance_url_(maintenance_url),
        name_("yizhan_rush_" + std::to_string(::getpid()) + "_" +
              std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count())),
        url_(with_database(maintenance_url, name_)) {
    auto connection = pg_connect(maintenance_url_, "create the benchmark database");
    pg_row(connection.get(), "CREATE DATABASE " + name_);
  }
  ~ScratchDatabase() {
    if (keep_) {
      std::cout << "kept: database " << url_ << std::endl;
      return;
    }
    try {
      auto connection = pg_connect(maintenance_url_, "drop the benchmark database");
      // FORCE: a server that failed to stop must not keep the database alive.
      pg_row(connection.get(), "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
    } catch (const std::exception& error) {
      std::cerr << "rush: could not drop database " << name_ << ": " << error.what() << "\n";
    }
  }
  ScratchDatabase(const ScratchDatabase&) = delete;
  ScratchDatabase& operator=(const ScratchDatabase&) = delete;

  const std::string& url() const { return url_; }
  void keep() { keep_ = true; }

 private:
  std::string maintenance_url_;
  std::string name_;  // letters, digits and underscores: no quoting needed
  std::string url_;
  bool keep_ = false;
};

// Fires `requests` at several servers at once: request i goes to server
// i mod K, and the connections are dealt out the same way, each server
// getting its share over its own LoadClient. The merged report keeps the
// request order, and its wall time is the longest of the clients'.
class SpreadLoad {
 public:
  SpreadLoad(const LoadOptions& load, const std::vector<unsigned short>& ports) {
    const int servers = static_cast<int>(ports.size());
    for (int server = 0; server < servers; ++server) {
      LoadOptions share = load;
      share.port = ports[static_cast<std::size_t>(server)];
      share.connections = load.connections / servers + (server < load.connections % servers ? 1 : 0);
      share.threads = std::max(1, load.threads / servers + (server < load.threads % servers ? 1 : 0));
      clients_.push_back(std::make_unique<LoadClient>(share));
    }
  }

  void connect() {
    for (auto& client : clients_) client->connect();
  }

  LoadReport fire(const std::vector<std::string_view>& requests) {
    const std::size_t servers = clients_.size();
    if (servers == 1) return clients_.front()->fire(requests);
    std::vector<std::vector<std::string_view>> shares(servers);
    for (std::size_t i = 0; i < requests.size(); ++i) shares[i % servers].push_back(requests[i]);

    std::vector<LoadReport> reports(servers);
    std::vector<std::exception_ptr> failures(servers);
    std::vector<std::thread> threads;
    for (std::size_t server = 0; server < servers; ++server) {
      threads.emplace_back([&, server] {
        try {
          reports[server] = clients_[server]->fire(shares[server]);
        } catch (...) {
          failures[server] = std::current_exception();
        }
      });
    }
    for (auto& thread : threads) thread.join();
    for (const auto& failure : failures) {
      if (failure) std::rethrow_exception(failure);
    }

    LoadReport merged;
    merged.outcomes.resize(requests.size());
    for (std::size_t server = 0; server < servers; ++server) {
      const auto& report = reports[server];
      for (std::size_t local = 0; local < report.outcomes.size(); ++local) {
        merged.outcomes[local * servers + server] = report.outcomes[local];
      }
      merged.wall_seconds = std::max(merged.wall_seconds, report.wall_seconds);
      for (const auto& [kind, count] : report.kinds) merged.kinds[kind] += count;
    }
    return merged;
  }

 private:
  std::vector<std::unique_ptr<LoadClient>> clients_;
};

// The two phases of a rush: while rooms are left, and the sold-out responses after.
void print_phases(const LoadReport& report) {
  std::uint32_t last_confirmation_us = 0;
  for (const auto& outcome : report.outcomes) {
    if (outcome.status == 201) last_confirmation_us = std::max(last_confirmation_us, outcome.finished_us);
  }
  std::size_t responses_by_then = 0;
  for (const auto& outcome : report.outcomes) {
    if (outcome.finished_us <= last_confirmation_us) ++responses_by_then;
  }
  const double phase_one = last_confirmation_us / 1e6;
  const double phase_two = std::max(0.0, report.wall_seconds - phase_one);
  const std::size_t rest = report.outcomes.size() - responses_by_then;
  std::cout << "phase: until the last confirmation s=" << fixed(phase_one, 3) << " responses=" << responses_by_then
            << " rps=" << fixed(phase_one > 0 ? responses_by_then / phase_one : 0, 0) << "\n"
            << "phase: after it s=" << fixed(phase_two, 3) << " responses=" << rest
            << " rps=" << fixed(phase_two > 0 ? rest / phase_two : 0, 0) << "\n";

  std::vector<RequestOutcome> confirmed, other_responses;
  for (const auto& outcome : report.outcomes) {
    if (outcome.status == 201) {
      confirmed.push_back(outcome);
    } else if (outcome.status != 0) {
      other_responses.push_back(outcome);
    }
  }
  std::cout << "latency: confirmations p50_ms=" << fixed(latency_percentile_ms(confirmed, 0.5), 2)
            << " p99_ms=" << fixed(latency_percentile_ms(confirmed, 0.99), 2)
            << "; other responses p50_ms=" << fixed(latency_percentile_ms(other_responses, 0.5), 2)
            << " p99_ms=" << fixed(latency_percentile_ms(other_responses, 0.99), 2) << std::endl;
}

void print_header(const RushOptions& options) {
  std::cout << describe_machine() << "\n"
            << "build: " << BUILD_TYPE << "\n"
            << "options: users=" << options.users << " quota=" << options.quota
            << " concurrency=" << options.concurrency << " servers=" << options.servers
            << " client_threads=" << options.threads << " timeout_ms=" << options.timeout_ms
            << " max_seconds=" << options.max_seconds << " server_log_level=" << options.server_log_level
            << " server_config=" << (options.server_config.empty() ? "none" : options.server_config)
            << " baseline_runs=" << options.baseline_runs << std::endl;
}

// Prints the store check and returns false when the store contradicts the
// responses: repeated sequences, a counter that differs from the bookings,
// or a confirmation without its booking.
bool print_store_check(const StoreCheck& store, std::uint64_t confirmed, std::uint64_t errors,
                       std::int64_t rooms_to_sell) {
  std::cout << "store: bookings=" << store.bookings << " distinct_sequences=" << store.distinct_sequences
            << " max_sequence=" << store.max_sequence << " booked_counter=" << store.booked_counter
            << " quota=" << store.quota << "\n";
  bool consistent = true;
  if (store.distinct_sequences != store.bookings) {
    std::cout << "store: FAILED: booking sequences repeat\n";
    consistent = false;
  }
  if (store.booked_counter != store.bookings) {
    std::cout << "store: FAILED: booked counter differs from the bookings\n";
    consistent = false;
  }
  if (static_cast<std::int64_t>(confirmed) > store.bookings) {
    std::cout << "store: FAILED: " << confirmed << " confirmations received but only " << store.bookings
              << " bookings stored\n";
    consistent = false;
  } else if (static_cast<std::int64_t>(confirmed) < store.bookings) {
    // A booking whose response the client never read (timed out, reset)
    // is still a booking. Without such errors every booking needs its 201.
    std::cout << "store: " << (errors == 0 ? "FAILED: " : "note: ") << store.bookings << " bookings stored but "
              << confirmed << " confirmations received\n";
    if (errors == 0) consistent = false;
  }
  // Fewer is no contradiction: shed (429) and failed requests book nothing.
  if (store.bookings < rooms_to_sell) {
    std::cout << "store: note: " << store.bookings << " bookings but min(quota, users) = " << rooms_to_sell << "\n";
  }
  std::cout.flush();
  return consistent;
}

int run_rush(RushOptions options) {
  const bool postgres = is_postgres_url(options.db);
  if (!postgres && !options.db.empty() && std::filesystem::exists(options.db)) {
    std::cerr << "rush: --db " << options.db << " already exists; name a new file, the benchmark fills it itself\n";
    return 2;
  }
  if (options.concurrency > options.users) {
    std::cout << "note: --concurrency " << options.concurrency << " is more than --users; using "
              << options.users << " connections\n";
    options.concurrency = options.users;
  }
  if (options.concurrency < options.servers) {
    std::cerr << "rush: --servers " << options.servers << " needs at least as many connections (--concurrency and "
              << "--users), one or more per server\n";
    return 2;
  }
  const std::uint64_t open_files = raise_open_file_limit();
  // Client and server each hold one descriptor per connection, plus their own files.
  if (static_cast<std::uint64_t>(options.concurrency) + 256 > open_files) {
    std::cerr << "rush: --concurrency " << options.concurrency << " needs more open files than the limit of "
              << open_files << "; lower --concurrency or raise the hard limit (ulimit -Hn)\n";
    return 2;
  }

  print_header(options);

  WorkDirectory work("yizhan-rush");
  if (options.keep) work.keep();
  // Declared before the servers, so it is dropped after they stopped.
  std::unique_ptr<ScratchDatabase> scratch;
  if (postgres) {
    scratch = std::make_unique<ScratchDatabase>(options.db);
    if (options.keep) scratch->keep();
  }
  const std::string db_path =
      postgres ? scratch->url() : options.db.empty() ? work.path() + "/rush.db" : options.db;

  // 1. Data: the quota through the store, the travellers in bulk. On
  //    PostgreSQL `yizhan migrate` creates the schema and the quota goes in
  //    with the travellers.
  service::init_crypto();
  const std::string today = local_date(kZone, 0);
  const std::string date = local_date(kZone, 1);
  auto started = std::chrono::steady_clock::now();
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
  std::vector<Traveller> travellers;
  if (postgres) {
    ServerProcess migrate({options.yizhan_binary, "migrate", "--db", db_path}, work.path() + "/migrate.log");
    const std::string ended = migrate.wait(std::chrono::seconds(120));
    if (ended != "exit status 0") {
      throw std::runtime_error("yizhan migrate ended with " + ended + "; see " + work.path() + "/migrate.log");
    }
    travellers = insert_travellers_postgres(db_path, options.users, now.count(), date, options.quota);
  } else {
    prepare_quota(db_path, date, options.quota);
    travellers = insert_travellers(db_path, options.users, now.count());
  }
  std::cout << "prepare: travellers=" << travellers.size() << " quota=" << options.quota << " date=" << date
            << " s=" << fixed(seconds_since(started), 2) << " db=" << db_path << std::endl;

  // 2. The servers, and every client connection open before the opening.
  // Every traveller books from 127.0.0.1: lift the per-address budget.
  const std::string config_path = write_server_config(
      work.path(), options.server_config, {"booking_rate_per_minute", "booking_account_rate_per_minute"});
  std::vector<std::unique_ptr<YizhanServer>> servers;
  std::vector<unsigned short> ports;
  std::vector<pid_t> pids;
  for (int index = 0; index < options.servers; ++index) {
    const std::string log = work.path() + (options.servers == 1 ? std::string("/yizhan.log")
                                                                 : "/yizhan-" + std::to_string(index + 1) + ".log");
    servers.push_back(std::make_unique<YizhanServer>(options.yizhan_binary, db_path, options.server_log_level,
                                                     config_path, log));
    ports.push_back(servers.back()->port());
    pids.push_back(servers.back()->pid());
    std::cout << "server: pid=" << servers.back()->pid() << " port=" << servers.back()->port()
              << " started_s=" << fixed(servers.back()->start_seconds(), 2) << " log=" << log << std::endl;
  }

  std::vector<std::string> request_bytes;
  request_bytes.reserve(travellers.size());
  for (std::size_t i = 0; i < travellers.size(); ++i) {
    request_bytes.push_back(booking_request(ports[i % ports.size()], date, travellers[i]));
  }
  const std::vector<std::string_view> requests(request_bytes.begin(), request_bytes.end());

  LoadOptions load;
  load.port = ports.front();
  load.connections = options.concurrency;
  load.threads = options.threads;
  load.request_timeout = std::chrono::milliseconds(options.timeout_ms);
  load.run_limit = std::chrono::seconds(options.max_seconds);
  SpreadLoad client(load, ports);
  started = std::chrono::steady_clock::now();
  client.connect();
  std::cout << "connect: connections=" << options.concurrency << " servers=" << options.servers
            << " s=" << fixed(seconds_since(started), 2) << std::endl;

  // 3. 09:59:59 on every server's test clock, then fire once all read 10:00:00.
  const std::string opening_eve = today + "T09:59:59" + kZoneOffset;
  started = std::chrono::steady_clock::now();
  for (auto& server : servers) server->set_clock(opening_eve);
  std::string opened_at;
  for (auto& server : servers) opened_at = server->wait_for_clock("10:00:00", std::chrono::seconds(10));
  std::cout << "clock: set=" << opening_eve << " reached=" << opened_at << " waited_s=" << fixed(seconds_since(started), 2)
            << std::endl;

  const CpuMeter cpu(pids);
  const LoadReport report = client.fire(requests);
  print_load_summary("rush", report);
  if (options.servers > 1) {
    std::cout << "note: server_cpu_s and rss_mb are sums over the " << options.servers << " servers\n";
  }
  cpu.print("rush", requests.size());
  print_phases(report);

  // 4. The servers' own figures, then the store after they stopped.
  std::optional<double> rss = 0.0;
  for (auto& server : servers) {
    const auto one = peak_rss_mib(server->pid());
    rss = rss && one ? std::optional<double>(*rss + *one) : std::nullopt;
    if (const auto handler_ms = mean_handler_ms(server->metrics(), "/api/v1/bookings")) {
      std::cout << "server: port=" << server->port() << " mean handler time for POST /api/v1/bookings ms="
                << fixed(*handler_ms, 3) << "\n";
    }
  }
  started = std::chrono::steady_clock::now();
  for (auto& server : servers) {
    const std::string ended = server->stop();
    std::cout << "server: port=" << server->port() << " stopped (" << ended << ") s=" << fixed(seconds_since(started), 2)
              << std::endl;
  }

  const StoreCheck store = postgres ? check_store_postgres(db_path, date) : check_store(db_path, date);
  const std::uint64_t confirmed = count_kind(report, "201");
  const std::int64_t oversold = std::max<std::int64_t>(0, store.bookings - options.quota);
  const std::uint64_t errors =
      report.outcomes.size() - confirmed - count_kind(report, "409 booking.sold_out") - count_kind(report, "429");
  const bool consistent = print_store_check(store, confirmed, errors, std::min(options.quota, options.users)) && oversold == 0;

  // 5. The baseline: same client, same requests, a body as large as a
  //    sold-out response with its headers.
  std::uint32_t body_bytes = median_response_bytes(
      report.outcomes, [](const RequestOutcome& outcome) { return outcome.status == 409; });
  if (body_bytes == 0) body_bytes = median_response_bytes(report.outcomes, [](const RequestOutcome&) { return true; });
  std::cout << "baseline: body_bytes=" << body_bytes << " (median sold-out response of yizhan, headers included)"
            << std::endl;
  const LoadReport baseline = run_baseline(options.baseline_binary, std::max<std::uint32_t>(body_bytes, 12), load,
                                           requests, options.baseline_runs, work.path() + "/baseline.log");

  const double booking_rps = report.wall_seconds > 0 ? report.outcomes.size() / report.wall_seconds : 0;
  const double baseline_rps = baseline.wall_seconds > 0 ? baseline.outcomes.size() / baseline.wall_seconds : 0;
  const std::uint64_t baseline_errors = baseline.outcomes.size() - count_kind(baseline, "200");
  if (baseline_errors > 0) std::cout << "baseline: errors=" << baseline_errors << "\n";
  std::cout << "rush: users=" << options.users << " quota=" << options.quota << " confirmed=" << confirmed
            << " oversold=" << oversold << " errors=" << errors << " booking_rps=" << fixed(booking_rps, 0)
            << " p50_ms=" << fixed(latency_percentile_ms(report.outcomes, 0.50), 2)
            << " p99_ms=" << fixed(latency_percentile_ms(report.outcomes, 0.99), 2)
            << " baseline_rps=" << fixed(baseline_rps, 0)
            << " ratio=" << fixed(baseline_rps > 0 ? booking_rps / baseline_rps : 0, 2)
            << " rss_mb=" << (rss ? fixed(*rss, 1) : std::string("unknown"))
            << (options.servers > 1 ? " servers=" + std::to_string(options.servers) + " (rss_mb summed)" : std::string())
            << std::endl;
  // Throughput and errors are measurements; an oversold date or a store
  // that contradicts the responses is a failure of the server.
  return consistent ? 0 : kExitStoreInconsistent;
}

}  // namespace
}  // namespace yizhan::bench

int main(int argc, char** argv) {
  yizhan::bench::RushOptions options;
  CLI::App cli{"The 10:00 rush: N approved travellers book one date at once against a yizhan server on 127.0.0.1"};
  cli.add_option("--users", options.users, "Travellers, each sending one booking request")
      ->check(CLI::Range(1, 1'000'000))
      ->capture_default_str();
  cli.add_option("--quota", options.quota, "Rooms on the booking date")
      ->check(CLI::Range(0, yizhan::bench::kMaxQuota))
      ->capture_default_str();
  cli.add_option("--concurrency", options.concurrency, "Keep-alive connections the requests are spread over")
      ->check(CLI::Range(1, 100'000))
      ->capture_default_str();
  cli.add_option("--db", options.db, "Database: a new SQLite file path (default: a temporary file), or a PostgreSQL URL naming a "
                 "maintenance database, beside which a database for the run is created and dropped");
  cli.add_option("--servers", options.servers, "yizhan server processes; more than 1 needs a PostgreSQL --db")
      ->check(CLI::Range(1, 64))
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
  cli.add_option("--server-config", options.server_config,
                 "yizhan configuration file (key = value lines) for the run, e.g. to try other worker_threads")
      ->check(CLI::ExistingFile);

  cli.add_option("--baseline-runs", options.baseline_runs,
                 "Baseline runs; the one with the median wall time gives baseline_rps")
      ->check(CLI::Range(1, 9))
      ->capture_default_str();

  cli.add_option("--yizhan-binary", options.yizhan_binary, "The yizhan executable")->capture_default_str();
  cli.add_option("--baseline-binary", options.baseline_binary, "The bench_baseline_server executable")
      ->capture_default_str();
  cli.add_flag("--keep", options.keep, "Keep the work directory (database, server logs) and print its path");
  CLI11_PARSE(cli, argc, argv);

  if (options.servers > 1 && !yizhan::bench::is_postgres_url(options.db)) {
    std::cerr << "rush: --servers " << options.servers
              << " needs a PostgreSQL --db URL: a SQLite database is served by one yizhan process, because "
                 "its booking writer and sold-out cache live in that process; use --servers 1\n";
    return 2;
  }
  try {
    return yizhan::bench::run_rush(options);
  } catch (const std::exception& error) {
    std::cerr << "rush: failed: " << error.what() << "\n";
    return 1;
  }
}

// bench_availability: the refresh storm before the opening. Clients poll
// the public reads GET /api/v1/availability and GET /api/v1/publicity
// (alternately) at 09:59 against a server with quotas for the whole
// booking window; see docs/benchmarks.md. The last line printed is the
// result:
//
//   availability: requests=N errors=E rps=R p50_ms=A p99_ms=B baseline_rps=S ratio=Z

#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>
#include <thread>

#include "bench_steps.h"
#include "service/crypto.h"
#include "store/store.h"

namespace yizhan::bench {
namespace {

constexpr const char* kZone = "Asia/Shanghai";
constexpr const char* kZoneOffset = "+08:00";  // Asia/Shanghai has had no daylight saving time since 1991
constexpr int kWindowDays = 7;                 // the server's default booking_window_days
constexpr int kQuotaPerDay = 2'000;

struct AvailabilityOptions {
  int requests = 200'000;
  int concurrency = 200;
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

// Quotas for the booking window and the 14 days before it (so that
// publicity has past days to list), set through the store.
void prepare_quotas(const std::string& db_path) {
  auto store = store::open_store(db_path);
  store->migrate();
  const auto stations = store->list_stations();
  if (stations.empty()) throw std::runtime_error("the migrated database has no station to give a quota");
  for (int offset = -14; offset < kWindowDays; ++offset) {
    const std::string date = local_date(kZone, offset);
    store::AuditEntry audit;
    audit.at = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
                   .count();
    audit.staff_username = "benchmark";
    audit.action = "quota.set";
    audit.target_type = "day_quota";
    audit.target_id = date;
    if (store->set_quota(date, stations.front().id, kQuotaPerDay, audit) != store::QuotaResult::set) {
      throw std::runtime_error("setting the quota of " + date + " failed");
    }
  }
}

std::string read_request(unsigned short port, const std::string& target) {
  return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
         "\r\nAccept: application/json\r\n\r\n";
}

int run_availability(AvailabilityOptions options) {
  if (options.concurrency > options.requests) {
    std::cout << "note: --concurrency " << options.concurrency << " is more than --requests; using "
              << options.requests << " connections\n";
    options.concurrency = options.requests;
  }
  const std::uint64_t open_files = raise_open_file_limit();
  if (static_cast<std::uint64_t>(options.concurrency) + 256 > open_files) {
    std::cerr << "availability: --concurrency " << options.concurrency
              << " needs more open files than the limit of " << open_files
              << "; lower --concurrency or raise the hard limit (ulimit -Hn)\n";
    return 2;
  }

  std::cout << describe_machine() << "\n"
            << "build: " << BUILD_TYPE << "\n"
            << "options: requests=" << options.requests << " concurrency=" << options.concurrency
            << " client_threads=" << options.threads << " timeout_ms=" << options.timeout_ms
            << " max_seconds=" << options.max_seconds << " server_log_level=" << options.server_log_level
            << " server_config=" << (options.server_config.empty() ? "none" : options.server_config)
            << " baseline_runs=" << options.baseline_runs << std::endl;

  WorkDirectory work("yizhan-availability");
  if (options.keep) work.keep();
  const std::string db_path = work.path() + "/availability.db";

  service::init_crypto();
  auto started = std::chrono::steady_clock::now();
  prepare_quotas(db_path);
  std::cout << "prepare: quotas for " << kWindowDays << " window days and 14 past days s="
            << fixed(seconds_since(started), 2) << std::endl;

  YizhanServer server(options.yizhan_binary, db_path, options.server_log_level, options.server_config,
                      work.path() + "/yizhan.log");
  std::cout << "server: pid=" << server.pid() << " port=" << server.port()
            << " started_s=" << fixed(server.start_seconds(), 2) << " log=" << work.path() << "/yizhan.log"
            << std::endl;
  const std::string clock = local_date(kZone, 0) + "T09:59:00" + kZoneOffset;
  server.set_clock(clock);
  std::cout << "clock: set=" << clock << std::endl;

  const std::string availability = read_request(server.port(), "/api/v1/availability");
  const std::string publicity = read_request(server.port(), "/api/v1/publicity");
  std::vector<std::string_view> requests;
  requests.reserve(static_cast<std::size_t>(options.requests));
  for (int i = 0; i < options.requests; ++i) requests.emplace_back(i % 2 == 0 ? availability : publicity);

  LoadOptions load;
  load.port = server.port();
  load.connections = options.concurrency;
  load.threads = options.threads;
  load.request_timeout = std::chrono::milliseconds(options.timeout_ms);
  load.run_limit = std::chrono::seconds(options.max_seconds);
  LoadClient client(load);
  started = std::chrono::steady_clock::now();
  client.connect();
  std::cout << "connect: connections=" << options.concurrency << " s=" << fixed(seconds_since(started), 2)
            << std::endl;

  const CpuMeter cpu(server.pid());
  const LoadReport report = client.fire(requests);
  print_load_summary("availability", report);
  cpu.print("availability", requests.size());

  const auto rss = peak_rss_mib(server.pid());
  const std::string metrics = server.metrics();
  for (const char* route : {"/api/v1/availability", "/api/v1/publicity"}) {
    if (const auto handler_ms = mean_handler_ms(metrics, route)) {
      std::cout << "server: mean handler time for GET " << route << " ms=" << fixed(*handler_ms, 3) << "\n";
    }
  }
  if (rss) std::cout << "server: rss_mb=" << fixed(*rss, 1) << "\n";
  std::cout << "server: stopped (" << server.stop() << ")" << std::endl;

  // The baseline's responses have one size: the mean of the two reads' sizes.
  std::uint64_t total_bytes = 0, responses = 0;
  for (const auto& outcome : report.outcomes) {
    if (outcome.status == 0) continue;
    total_bytes += outcome.response_bytes;
    ++responses;
  }
  const std::size_t body_bytes = responses > 0 ? total_bytes / responses : 600;
  std::cout << "baseline: body_bytes=" << body_bytes << " (mean response of yizhan, headers included)" << std::endl;
  const LoadReport baseline = run_baseline(options.baseline_binary, std::max<std::size_t>(body_bytes, 12), load,
                                           requests, options.baseline_runs, work.path() + "/baseline.log");

  const std::uint64_t errors = report.outcomes.size() - count_kind(report, "200");
  const double rps = report.wall_seconds > 0 ? report.outcomes.size() / report.wall_seconds : 0;
  const double baseline_rps = baseline.wall_seconds > 0 ? baseline.outcomes.size() / baseline.wall_seconds : 0;
  const std::uint64_t baseline_errors = baseline.outcomes.size() - count_kind(baseline, "200");
  if (baseline_errors > 0) std::cout << "baseline: errors=" << baseline_errors << "\n";
  std::cout << "availability: requests=" << options.requests << " errors=" << errors << " rps=" << fixed(rps, 0)
            << " p50_ms=" << fixed(latency_percentile_ms(report.outcomes, 0.50), 2)
            << " p99_ms=" << fixed(latency_percentile_ms(report.outcomes, 0.99), 2)
            << " baseline_rps=" << fixed(baseline_rps, 0)
            << " ratio=" << fixed(baseline_rps > 0 ? rps / baseline_rps : 0, 2) << std::endl;
  return 0;
}

}  // namespace
}  // namespace yizhan::bench

int main(int argc, char** argv) {
  yizhan::bench::AvailabilityOptions options;
  CLI::App cli{"The 09:59 refresh storm: public availability and publicity reads against a yizhan server on 127.0.0.1"};
  cli.add_option("--requests", options.requests, "Requests in total, availability and publicity alternately")
      ->check(CLI::Range(1, 10'000'000))
      ->capture_default_str();
  cli.add_option("--concurrency", options.concurrency, "Keep-alive connections the requests are spread over")
      ->check(CLI::Range(1, 100'000))
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
  try {
    return yizhan::bench::run_availability(options);
  } catch (const std::exception& error) {
    std::cerr << "availability: failed: " << error.what() << "\n";
    return 1;
  }
}

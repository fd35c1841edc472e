#include "bench_steps.h"

#include <fstream>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <exception>
#include <filesystem>
#include <iostream>
#include <stdexcept>
#include <thread>

#include "service/clock.h"
#include "store/store.h"

namespace yizhan::bench {

WorkDirectory::WorkDirectory(const std::string& prefix) {
  const char* tmpdir = std::getenv("TMPDIR");
  std::string pattern = std::string(tmpdir && *tmpdir ? tmpdir : "/tmp") + "/" + prefix + "-XXXXXX";
  if (!::mkdtemp(pattern.data())) throw std::runtime_error("cannot create a work directory from " + pattern);
  path_ = pattern;
}

WorkDirectory::~WorkDirectory() {
  // A run that failed keeps its server logs for the reader of the error.
  if (keep_ || std::uncaught_exceptions() > 0) {
    std::cout << "kept: " << path_ << std::endl;
    return;
  }
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

YizhanServer::YizhanServer(const std::string& binary, const std::string& db_path, const std::string& log_level,
                           const std::string& config_path, const std::string& log_path)
    : port_(find_free_port()) {
  const auto started = std::chrono::steady_clock::now();
  std::vector<std::string> argv{binary, "serve", "--db", db_path, "--listen", "127.0.0.1:" + std::to_string(port_),
                                "--test-mode", "--log-level", log_level};
  if (!config_path.empty()) {
    argv.push_back("--config");
    argv.push_back(config_path);
  }
  process_ = std::make_unique<ServerProcess>(argv, log_path);
  process_->wait_until_listening(port_, std::chrono::seconds(30));
  start_seconds_ = seconds_since(started);
}

void YizhanServer::set_clock(const std::string& rfc3339) {
  const auto response = http_call(port_, "PUT", "/api/v1/test/clock", "{\"now\":\"" + rfc3339 + "\"}");
  if (response.status != 200) {
    throw std::runtime_error("PUT /api/v1/test/clock returned status " + std::to_string(response.status) + ": " +
                             response.body);
  }
}

std::string YizhanServer::wait_for_clock(const std::string& time_of_day, std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (true) {
    const auto response = http_call(port_, "GET", "/api/v1/test/clock");
    // {"now":"2026-12-25T10:00:00+08:00"}: the time of day follows the 'T'.
    constexpr std::string_view kKey = "{\"now\":\"";
    if (response.status == 200 && response.body.rfind(kKey, 0) == 0) {
      const std::string now = response.body.substr(kKey.size(), response.body.find('"', kKey.size()) - kKey.size());
      const auto t = now.find('T');
      if (t != std::string::npos && now.substr(t + 1, 8) >= time_of_day) return now;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      throw std::runtime_error("the test clock did not reach " + time_of_day + " within " +
                               std::to_string(limit.count()) + " s; last response: " + response.body);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::string YizhanServer::metrics() {
  const auto response = http_call(port_, "GET", "/metrics");
  return response.status == 200 ? response.body : std::string();
}

CpuMeter::CpuMeter(std::vector<pid_t> servers)
    : servers_(std::move(servers)),
      server_start_(servers_cpu_seconds(0)),
      client_start_(cpu_seconds(::getpid()).value_or(0)) {}

double CpuMeter::servers_cpu_seconds(double fallback) const {
  double total = 0;
  for (const pid_t server : servers_) {
    const auto seconds = cpu_seconds(server);
    if (!seconds) return fallback;
    total += *seconds;
  }
  return total;
}

void CpuMeter::print(const std::string& label, std::size_t requests) const {
  const double server = servers_cpu_seconds(server_start_) - server_start_;
  const double client = cpu_seconds(::getpid()).value_or(client_start_) - client_start_;
  const double per_request = requests > 0 ? 1e6 / static_cast<double>(requests) : 0;
  std::cout << label << ": server_cpu_s=" << fixed(server, 2) << " server_cpu_us_per_request="
            << fixed(server * per_request, 1) << " client_cpu_s=" << fixed(client, 2)
            << " client_cpu_us_per_request=" << fixed(client * per_request, 1) << std::endl;
}

LoadReport run_baseline(const std::string& binary, std::size_t body_bytes, LoadOptions options,
                        const std::vector<std::string_view>& requests, int runs, const std::string& log_path) {
  options.port = find_free_port();
  ServerProcess baseline({binary, "--listen", "127.0.0.1:" + std::to_string(options.port), "--body-bytes",
                          std::to_string(body_bytes)},
                         log_path);
  baseline.wait_until_listening(options.port, std::chrono::seconds(30));

  std::vector<std::pair<int, LoadReport>> reports;  // run number, report
  for (int run = 1; run <= runs; ++run) {
    // A new client per run: its connections open afresh, as in the yizhan run.
    LoadClient client(options);
    client.connect();
    const CpuMeter cpu(baseline.pid());
    reports.emplace_back(run, client.fire(requests));
    const std::string label = "baseline run " + std::to_string(run);
    print_load_summary(label, reports.back().second);
    cpu.print(label, requests.size());
  }
  if (const auto rss = peak_rss_mib(baseline.pid())) std::cout << "baseline: rss_mb=" << fixed(*rss, 1) << "\n";
  std::cout << "baseline: stopped (" << baseline.stop() << ")" << std::endl;

  std::sort(reports.begin(), reports.end(), [](const auto& left, const auto& right) {
    return left.second.wall_seconds < right.second.wall_seconds;
  });
  auto& [run, report] = reports[reports.size() / 2];
  std::cout << "baseline: run " << run << " has the median wall time of " << reports.size() << " runs" << std::endl;
  return std::move(report);
}

std::uint32_t median_response_bytes(const std::vector<RequestOutcome>& outcomes,
                                    const std::function<bool(const RequestOutcome&)>& select) {
  std::vector<std::uint32_t> sizes;
  for (const auto& outcome : outcomes) {
    if (outcome.status != 0 && select(outcome)) sizes.push_back(outcome.response_bytes);
  }
  if (sizes.empty()) return 0;
  const auto middle = sizes.begin() + static_cast<std::ptrdiff_t>(sizes.size() / 2);
  std::nth_element(sizes.begin(), middle, sizes.end());
  return *middle;
}

void print_load_summary(const std::string& label, const LoadReport& report) {
  std::uint32_t max_us = 0;
  for (const auto& outcome : report.outcomes) {
    if (outcome.status != 0) max_us = std::max(max_us, outcome.latency_us);
  }
  const double rps = report.wall_seconds > 0 ? static_cast<double>(report.outcomes.size()) / report.wall_seconds : 0;
  std::cout << label << ": requests=" << report.outcomes.size() << " wall_s=" << fixed(report.wall_seconds, 3)
            << " rps=" << fixed(rps, 0) << " p50_ms=" << fixed(latency_percentile_ms(report.outcomes, 0.50), 2)
            << " p90_ms=" << fixed(latency_percentile_ms(report.outcomes, 0.90), 2)
            << " p99_ms=" << fixed(latency_percentile_ms(report.outcomes, 0.99), 2)
            << " max_ms=" << fixed(max_us / 1000.0, 2) << "\n";
  for (const auto& [kind, count] : report.kinds) std::cout << label << ":   " << kind << ": " << count << "\n";
  std::cout.flush();
}

std::uint64_t count_kind(const LoadReport& report, const std::string& prefix) {
  std::uint64_t total = 0;
  for (const auto& [kind, count] : report.kinds) {
    if (kind.rfind(prefix, 0) == 0) total += count;
  }
  return total;
}

void prepare_quota(const std::string& db_path, const std::string& date, int quota) {
  auto store = store::open_store(db_path);
  store->migrate();
  const auto stations = store->list_stations();
  if (stations.empty()) throw std::runtime_error("the migrated database has no station to give a quota");
  store::AuditEntry audit;
  audit.at = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
                 .count();
  audit.staff_username = "benchmark";
  audit.action = "quota.set";
  audit.target_type = "day_quota";
  audit.target_id = date;
  if (store->set_quota(date, stations.front().id, quota, audit) != store::QuotaResult::set) {
    throw std::runtime_error("setting the quota of " + date + " to " + std::to_string(quota) + " failed");
  }
}

std::string local_date(const std::string& zone, int offset_days) {
  const service::TimeZone time_zone(zone);
  const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  const auto today = time_zone.to_local(now).date;
  return service::format_date(std::chrono::year_month_day{std::chrono::sys_days{today} +
                                                          std::chrono::days{offset_days}});
}

std::string write_server_config(const std::string& directory, const std::string& base_config,
                                const std::vector<std::string>& rates) {
  const std::string path = directory + "/yizhan.conf";
  std::ofstream out(path);
  if (!base_config.empty()) {
    std::ifstream in(base_config);
    if (!in) throw std::runtime_error("cannot read the server configuration " + base_config);
    out << in.rdbuf() << "\n";
  }
  for (const auto& rate : rates) out << rate << " = " << kUnlimitedRatePerMinute << "\n";
  if (!out) throw std::runtime_error("cannot write the server configuration " + path);
  return path;
}

}  // namespace yizhan::bench

// bench_login: sign-in throughput with the production password hashing.
// N travellers with real Argon2id hashes sign in once each through
// POST /api/v1/session; see docs/benchmarks.md. The last line printed is the
// result:
//
//   login: users=N logins=X errors=E login_rps=R p50_ms=A p99_ms=B rss_mb=M
//          est_50000_s=T   (one line)

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <fstream>
#include <iostream>
#include <thread>

#include "bench_steps.h"
#include "service/config.h"
#include "service/crypto.h"
#include "store/store.h"
#include "traveller_fixture.h"

namespace yizhan::bench {
namespace {

constexpr const char* kPassword = "Bench2026pass";
// The sign-ins the estimate is made for: the travellers of one opening.
constexpr int kEstimateLogins = 50'000;
// Far above any rate the server reaches here, so no request is rejected
// for its address (the bench sends everything from 127.0.0.1).
// Exit status when a sign-in is rejected (4xx): the travellers, hashes or
// limits were set up wrong, so the figures do not measure sign-in.
constexpr int kExitRejected = 3;

struct LoginOptions {
  int users = 2'000;
  int concurrency = 32;
  bool distinct_hashes = false;
  int captcha_requests = -1;  // -1: as many as users
  int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  int timeout_ms = 30'000;
  int max_seconds = 600;
  std::string server_log_level = "info";
  std::string server_config;
  std::string yizhan_binary = YIZHAN_BINARY;
  bool keep = false;
};

// The Argon2id cost the server uses for new hashes: the defaults, or the
// values in --server-config when it sets them.
service::PasswordHashCost server_password_cost(const std::string& config_path) {
  service::Config config;
  if (!config_path.empty()) service::load_config_file(config_path, config);
  return service::PasswordHashCost{config.password_memory_kib, config.password_passes};
}

// One hash for all travellers, or `count` hashes (each with its own salt)
// computed on every core. Verifying costs the same for either, because
// Argon2id's work depends on its cost parameters and not on the salt.
std::vector<std::string> make_password_hashes(int count, bool distinct, service::PasswordHashCost cost) {
  if (!distinct) return {service::hash_password(kPassword, cost)};
  std::vector<std::string> hashes(static_cast<std::size_t>(count));
  std::atomic<std::size_t> next{0};
  std::vector<std::thread> threads;
  const unsigned thread_count = std::max(1u, std::thread::hardware_concurrency());
  for (unsigned t = 0; t < thread_count; ++t) {
    threads.emplace_back([&] {
      for (std::size_t i = next++; i < hashes.size(); i = next++) hashes[i] = service::hash_password(kPassword, cost);
    });
  }
  for (auto& thread : threads) thread.join();
  return hashes;
}

std::string http_request(unsigned short port, const std::string& method, const std::string& target,
                         const std::string& body) {
  std::string request = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                        "\r\nAccept: application/json\r\n";
  if (!body.empty()) {
    request += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  }
  return request + "\r\n" + body;
}

std::string login_request(unsigned short port, const Traveller& traveller) {
  const std::string body = "{\"id_type\":\"home_return_permit\",\"id_number\":\"" + traveller.id_number +
                           "\",\"password\":\"" + kPassword + "\",\"captcha_id\":\"" + traveller.captcha_id +
                           "\",\"captcha_answer\":\"" + traveller.captcha_answer + "\"}";
  return http_request(port, "POST", "/api/v1/session", body);
}

void print_header(const LoginOptions& options, service::PasswordHashCost cost) {
  std::cout << describe_machine() << "\n"
            << "build: " << BUILD_TYPE << "\n"
            << "options: users=" << options.users << " concurrency=" << options.concurrency
            << " hashes=" << (options.distinct_hashes ? "distinct" : "shared")
            << " captcha_requests=" << options.captcha_requests << " client_threads=" << options.threads
            << " timeout_ms=" << options.timeout_ms << " max_seconds=" << options.max_seconds
            << " server_log_level=" << options.server_log_level
            << " server_config=" << (options.server_config.empty() ? "none" : options.server_config) << "\n"
            << "password_hash: argon2id memory_kib=" << cost.memory_kib << " passes=" << cost.passes << " lanes=1"
            << std::endl;
}

LoadOptions load_options(const LoginOptions& options, unsigned short port) {
  LoadOptions load;
  load.port = port;
  load.connections = options.concurrency;
  load.threads = options.threads;
  load.request_timeout = std::chrono::milliseconds(options.timeout_ms);
  load.run_limit = std::chrono::seconds(options.max_seconds);
  return load;
}

// Issues captchas as the sign-in page does before each sign-in, and returns
// their throughput (0 when none were requested).
double run_captcha_phase(YizhanServer& server, const LoginOptions& options) {
  if (options.captcha_requests == 0) return 0;
  const std::string request = http_request(server.port(), "GET", "/api/v1/captcha", "");
  const std::vector<std::string_view> requests(static_cast<std::size_t>(options.captcha_requests), request);
  LoadClient client(load_options(options, server.port()));
  client.connect();
  const CpuMeter cpu(server.pid());
  const LoadReport report = client.fire(requests);
  print_load_summary("captcha phase", report);
  cpu.print("captcha phase", requests.size());
  const std::uint64_t issued = count_kind(report, "200");
  return report.wall_seconds > 0 ? static_cast<double>(issued) / report.wall_seconds : 0;
}

int run_login(LoginOptions options) {
  if (options.concurrency > options.users) {
    std::cout << "note: --concurrency " << options.concurrency << " is more than --users; using " << options.users
              << " connections\n";
    options.concurrency = options.users;
  }
  if (options.captcha_requests < 0) options.captcha_requests = options.users;
  const std::uint64_t open_files = raise_open_file_limit();
  if (static_cast<std::uint64_t>(options.concurrency) + 256 > open_files) {
    std::cerr << "login: --concurrency " << options.concurrency << " needs more open files than the limit of "
              << open_files << "; lower --concurrency or raise the hard limit (ulimit -Hn)\n";
    return 2;
  }
  const service::PasswordHashCost cost = server_password_cost(options.server_config);
  print_header(options, cost);

  WorkDirectory work("yizhan-login");
  if (options.keep) work.keep();
  const std::string db_path = work.path() + "/login.db";

  // 1. Data: the accounts in bulk, with hashes of the server's cost.
  service::init_crypto();
  auto started = std::chrono::steady_clock::now();
  const auto hashes = make_password_hashes(options.users, options.distinct_hashes, cost);
  std::cout << "prepare: password_hashes=" << hashes.size() << " s=" << fixed(seconds_since(started), 2)
            << std::endl;
  started = std::chrono::steady_clock::now();
  store::open_store(db_path)->migrate();
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
  const auto travellers = insert_travellers(db_path, options.users, now.count(), hashes);
  std::cout << "prepare: travellers=" << travellers.size() << " s=" << fixed(seconds_since(started), 2)
            << " db=" << db_path << std::endl;

  // 2. The server, with the per-address limits lifted.
  const std::string config_path = write_server_config(work.path(), options.server_config, {"login_rate_per_minute", "captcha_rate_per_minute"});
  YizhanServer server(options.yizhan_binary, db_path, options.server_log_level, config_path,
                      work.path() + "/yizhan.log");
  std::cout << "server: pid=" << server.pid() << " port=" << server.port()
            << " started_s=" << fixed(server.start_seconds(), 2) << " config=" << config_path
            << " log=" << work.path() << "/yizhan.log" << std::endl;

  // 3. Every traveller signs in once.
  std::vector<std::string> request_bytes;
  request_bytes.reserve(travellers.size());
  for (const auto& traveller : travellers) request_bytes.push_back(login_request(server.port(), traveller));
  const std::vector<std::string_view> requests(request_bytes.begin(), request_bytes.end());
  LoadClient client(load_options(options, server.port()));
  client.connect();
  const CpuMeter cpu(server.pid());
  const LoadReport report = client.fire(requests);
  print_load_summary("login phase", report);
  cpu.print("login phase", requests.size());
  const auto rss = peak_rss_mib(server.pid());
  if (rss) std::cout << "server: rss_mb=" << fixed(*rss, 1) << " after the login phase\n";
  if (const auto handler_ms = mean_handler_ms(server.metrics(), "/api/v1/session")) {
    std::cout << "server: mean handler time for POST /api/v1/session ms=" << fixed(*handler_ms, 3) << "\n";
  }

  // 4. Captchas, which a real sign-in fetches first.
  const double captcha_rps = run_captcha_phase(server, options);
  std::cout << "server: stopped (" << server.stop() << ")" << std::endl;

  const std::uint64_t logins = count_kind(report, "200");
  const std::uint64_t errors = report.outcomes.size() - logins;
  const std::uint64_t rejected = count_kind(report, "4");
  const double login_rps = report.wall_seconds > 0 ? static_cast<double>(logins) / report.wall_seconds : 0;
  const double estimate_s = login_rps > 0 ? kEstimateLogins / login_rps : 0;
  if (captcha_rps > 0 && login_rps > 0) {
    // The two phases ran one after the other on the same cores, so their
    // times add up.
    std::cout << "estimate: " << kEstimateLogins << " sign-ins with a captcha each s="
              << fixed(estimate_s + kEstimateLogins / captcha_rps, 0) << " (captcha_rps=" << fixed(captcha_rps, 0)
              << ")\n";
  }
  if (rejected > 0) std::cout << "login: FAILED: " << rejected << " sign-ins rejected with a 4xx status\n";
  std::cout << "login: users=" << options.users << " logins=" << logins << " errors=" << errors
            << " login_rps=" << fixed(login_rps, 1)
            << " p50_ms=" << fixed(latency_percentile_ms(report.outcomes, 0.50), 2)
            << " p99_ms=" << fixed(latency_percentile_ms(report.outcomes, 0.99), 2)
            << " rss_mb=" << (rss ? fixed(*rss, 1) : std::string("unknown")) << " est_" << kEstimateLogins
            << "_s=" << fixed(estimate_s, 0) << std::endl;
  return rejected > 0 ? kExitRejected : 0;
}

}  // namespace
}  // namespace yizhan::bench

int main(int argc, char** argv) {
  yizhan::bench::LoginOptions options;
  CLI::App cli{"Sign-in throughput: N travellers with Argon2id password hashes sign in against a yizhan server on "
               "127.0.0.1"};
  cli.add_option("--users", options.users, "Travellers, each signing in once")
      ->check(CLI::Range(1, 1'000'000))
      ->capture_default_str();
  cli.add_option("--concurrency", options.concurrency, "Keep-alive connections the sign-ins are spread over")
      ->check(CLI::Range(1, 100'000))
      ->capture_default_str();
  cli.add_flag("--distinct-hashes", options.distinct_hashes,
               "Hash each traveller's password separately (slow) instead of sharing one hash");
  cli.add_option("--captcha-requests", options.captcha_requests,
                 "GET /api/v1/captcha requests after the sign-ins (default: as many as --users; 0 skips them)")
      ->check(CLI::Range(0, 1'000'000));

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
                 "yizhan configuration file (key = value lines) for the run; its password_* keys also set the "
                 "cost of the prepared hashes")
      ->check(CLI::ExistingFile);
  cli.add_option("--yizhan-binary", options.yizhan_binary, "The yizhan executable")->capture_default_str();
  cli.add_flag("--keep", options.keep, "Keep the work directory (database, server log) and print its path");
  CLI11_PARSE(cli, argc, argv);

  try {
    return yizhan::bench::run_login(options);
  } catch (const std::exception& error) {
    std::cerr << "login: failed: " << error.what() << "\n";
    return 1;
  }
}

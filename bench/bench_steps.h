// Steps that the rush and availability benchmarks share: a temporary work
// directory, a yizhan server in test mode, the baseline run, and the
// summaries printed between phases.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "bench_support.h"
#include "load_client.h"

namespace yizhan::bench {

// A directory under $TMPDIR (or /tmp) for the database and server logs,
// removed on destruction unless keep() was called or an exception is
// unwinding past it.
class WorkDirectory {
 public:
  explicit WorkDirectory(const std::string& prefix);
  ~WorkDirectory();
  WorkDirectory(const WorkDirectory&) = delete;
  WorkDirectory& operator=(const WorkDirectory&) = delete;

  const std::string& path() const { return path_; }
  void keep() { keep_ = true; }

 private:
  std::string path_;
  bool keep_ = false;
};

// `yizhan serve --test-mode` on a free 127.0.0.1 port.
class YizhanServer {
 public:
  // Starts the server on `db_path` and waits up to 30 s for it to listen.
  // A non-empty `config_path` is passed as --config; --log-level wins over
  // its log_level.
  YizhanServer(const std::string& binary, const std::string& db_path, const std::string& log_level,
               const std::string& config_path, const std::string& log_path);

  unsigned short port() const { return port_; }
  pid_t pid() const { return process_->pid(); }
  double start_seconds() const { return start_seconds_; }

  // Sets the test clock to `rfc3339` through PUT /api/v1/test/clock.
  void set_clock(const std::string& rfc3339);
  // Polls GET /api/v1/test/clock until its local time of day reaches
  // `time_of_day` ("HH:MM:SS"); returns the clock's text then. Throws when
  // `limit` passes first.
  std::string wait_for_clock(const std::string& time_of_day, std::chrono::seconds limit);
  // The server's GET /metrics text.
  std::string metrics();
  // Stops the server (SIGTERM) and returns how it ended.
  std::string stop() { return process_->stop(); }

 private:
  unsigned short port_;
  std::unique_ptr<ServerProcess> process_;
  double start_seconds_ = 0;
};

// CPU time the servers and the load generator used during one firing phase.
class CpuMeter {
 public:
  explicit CpuMeter(pid_t server) : CpuMeter(std::vector<pid_t>{server}) {}
  // Several servers count as one: their CPU times are summed.
  explicit CpuMeter(std::vector<pid_t> servers);
  // Prints "<label>: server_cpu_s=... server_cpu_us_per_request=...
  // client_cpu_s=... client_cpu_us_per_request=..." for the time since
  // construction.
  void print(const std::string& label, std::size_t requests) const;

 private:
  double servers_cpu_seconds(double fallback) const;

  std::vector<pid_t> servers_;
  double server_start_;
  double client_start_;
};

// Starts bench_baseline_server with `body_bytes`-byte response bodies, drives
// it `runs` times with `requests` exactly as the yizhan run was driven
// (`options` with the baseline's port), prints each run and stops it.
// Returns the run with the median wall time: a single short run swings
// with whatever else the machine is doing.
LoadReport run_baseline(const std::string& binary, std::size_t body_bytes, LoadOptions options,
                        const std::vector<std::string_view>& requests, int runs, const std::string& log_path);

// Median size of the responses that `select` accepts (0 when none does).
std::uint32_t median_response_bytes(const std::vector<RequestOutcome>& outcomes,
                                    const std::function<bool(const RequestOutcome&)>& select);

// Prints "<label>: requests=... wall_s=... rps=... p50_ms=... p90_ms=...
// p99_ms=... max_ms=..." and one line per response kind.
void print_load_summary(const std::string& label, const LoadReport& report);

// Number of responses of the kinds whose key starts with `prefix` (e.g.
// "409 booking.sold_out").
std::uint64_t count_kind(const LoadReport& report, const std::string& prefix);

// Migrates the database at `db_path` and sets the quota of `date` at its
// first station through the store interface, as an operator would.
void prepare_quota(const std::string& db_path, const std::string& date, int quota);

// A rate per minute no benchmark reaches: every request of one client
// address (127.0.0.1) and of one account is let through.
inline constexpr int kUnlimitedRatePerMinute = 1'000'000'000;

// Writes DIRECTORY/yizhan.conf: the lines of the file `base_config` ("" for
// none), then each of `rates` (config keys) set to kUnlimitedRatePerMinute,
// which win. Returns its path. Throws std::runtime_error when it cannot.
std::string write_server_config(const std::string& directory, const std::string& base_config,
                                const std::vector<std::string>& rates);

// Today's date in `zone` on the system clock, as YYYY-MM-DD, shifted by
// `offset_days`.
std::string local_date(const std::string& zone, int offset_days);

}  // namespace yizhan::bench

// Helpers shared by the benchmark programs: child server processes, a
// one-off HTTP call, process and machine figures, and number formatting.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace yizhan::bench {

// A port on 127.0.0.1 that was free a moment ago. The socket that found it
// is closed before the caller binds it, so another process could take it
// first. The server then fails to start, and the caller sees that.
unsigned short find_free_port();

// A server started as a child process with its standard output and error
// appended to a log file. The destructor stops it if it still runs.
class ServerProcess {
 public:
  // Throws std::runtime_error when the program cannot be started.
  ServerProcess(const std::vector<std::string>& argv, const std::string& log_path);
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  pid_t pid() const { return pid_; }
  // Waits until 127.0.0.1:port accepts a connection. Throws
  // std::runtime_error when the process exits first or `limit` passes.
  void wait_until_listening(unsigned short port, std::chrono::seconds limit);
  // Waits up to `limit` for the process to exit by itself (a command such
  // as `yizhan migrate`), then stops it as stop() does. Returns how it ended.
  std::string wait(std::chrono::seconds limit);
  // Sends SIGTERM, waits up to `grace` for the exit, then sends SIGKILL.
  // Returns a description such as "exit status 0" or "killed by signal 9".
  std::string stop(std::chrono::seconds grace = std::chrono::seconds(10));

 private:
  // Reaps the child if it has exited; true while it runs.
  bool running();

  pid_t pid_ = -1;
  std::string description_;  // how it ended, once reaped
  std::string log_path_;
};

struct HttpResponse {
  int status = 0;
  std::string body;
};

// Sends one request on a new connection to 127.0.0.1:port and reads the
// response. A non-empty body is sent as application/json. Throws
// std::runtime_error on a transport failure or when `timeout` passes.
HttpResponse http_call(unsigned short port, const std::string& method, const std::string& target,
                     const std::string& body = "", std::chrono::seconds timeout = std::chrono::seconds(10));

// Peak resident set size (VmHWM in /proc/PID/status) in MiB, or nullopt
// when the file cannot be read.
std::optional<double> peak_rss_mib(pid_t pid);

// User plus system CPU time in seconds that a process and all its threads
// have used so far (utime and stime in /proc/PID/stat). Returns nullopt
// when the file cannot be read.
std::optional<double> cpu_seconds(pid_t pid);

// Raises the soft limit on open files to the hard limit and returns the
// soft limit now in force.
std::uint64_t raise_open_file_limit();

// Core count, CPU model, memory and load average, for the report header.
std::string describe_machine();

// Mean time in milliseconds that the server's handler spent per request on
// `route`, from the Prometheus text of GET /metrics. Returns nullopt when
// the route has no samples.
std::optional<double> mean_handler_ms(const std::string& metrics, const std::string& route);

// `value` with `decimals` digits after the point.
std::string fixed(double value, int decimals);

// Seconds elapsed since `start`, for progress lines.
double seconds_since(std::chrono::steady_clock::time_point start);

}  // namespace yizhan::bench

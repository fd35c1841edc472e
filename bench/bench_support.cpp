#include "bench_support.h"

// Boost 1.74's asio/awaitable.hpp uses std::exchange without including
// <utility>, which g++ 12 no longer pulls in indirectly.
#include <utility>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace yizhan::bench {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

std::string describe_wait_status(int status) {
  if (WIFEXITED(status)) return "exit status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  return "wait status " + std::to_string(status);
}

// The value after "key:" on the first line of `path` that starts with it.
std::string proc_field(const std::string& path, const std::string& key) {
  std::ifstream file(path);
  std::string line;
  while (std::getline(file, line)) {
    if (line.rfind(key, 0) != 0) continue;
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    auto value = line.substr(colon + 1);
    const auto first = value.find_first_not_of(" \t");
    return first == std::string::npos ? std::string() : value.substr(first);
  }
  return {};
}

}  // namespace

unsigned short find_free_port() {
  asio::io_context io_context;
  tcp::acceptor acceptor(io_context, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
  return acceptor.local_endpoint().port();
}

ServerProcess::ServerProcess(const std::vector<std::string>& argv, const std::string& log_path)
    : log_path_(log_path) {
  if (argv.empty()) throw std::invalid_argument("ServerProcess needs a program to run");
  // Everything the child touches is prepared before fork(): after it, only
  // async-signal-safe calls are allowed until exec.
  std::vector<char*> arguments;
  for (const auto& argument : argv) arguments.push_back(const_cast<char*>(argument.c_str()));
  arguments.push_back(nullptr);
  const int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log < 0) throw std::runtime_error("cannot open server log " + log_path + ": " + std::strerror(errno));
  const int null_input = ::open("/dev/null", O_RDONLY | O_CLOEXEC);

  pid_ = ::fork();
  if (pid_ == 0) {
    if (null_input >= 0) ::dup2(null_input, STDIN_FILENO);
    ::dup2(log, STDOUT_FILENO);
    ::dup2(log, STDERR_FILENO);
    // Asio opens sockets without close-on-exec, so the load generator's
    // connections would otherwise stay open in the server.
    ::close_range(3, ~0U, 0);
    ::execv(arguments[0], arguments.data());
    static constexpr char kExecFailed[] = "exec failed\n";
    [[maybe_unused]] const auto ignored = ::write(STDERR_FILENO, kExecFailed, sizeof kExecFailed - 1);
    ::_exit(127);
  }
  const int fork_errno = errno;
  ::close(log);
  if (null_input >= 0) ::close(null_input);
  if (pid_ < 0) throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(fork_errno));
}

ServerProcess::~ServerProcess() { stop(); }

bool ServerProcess::running() {
  if (pid_ <= 0) return false;
  int status = 0;
  const pid_t reaped = ::waitpid(pid_, &status, WNOHANG);
  if (reaped == 0) return true;
  description_ = reaped == pid_ ? describe_wait_status(status) : "lost (waitpid failed)";
  pid_ = -1;
  return false;
}

std::string ServerProcess::wait(std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (running() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return stop();
}

void ServerProcess::wait_until_listening(unsigned short port, std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  asio::io_context io_context;
  while (true) {
    if (!running()) {
      throw std::runtime_error("server exited (" + description_ + ") before it listened on port " +
                               std::to_string(port) + "; see " + log_path_);
    }
    tcp::socket socket(io_context);
    boost::system::error_code error;
    socket.connect(tcp::endpoint(asio::ip::address_v4::loopback(), port), error);
    if (!error) return;
    if (std::chrono::steady_clock::now() >= deadline) {
      throw std::runtime_error("server did not listen on 127.0.0.1:" + std::to_string(port) + " within " +
                               std::to_string(limit.count()) + " s; see " + log_path_);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::string ServerProcess::stop(std::chrono::seconds grace) {
  if (!running()) return description_;
  ::kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while (running()) {
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
      description_ = describe_wait_status(status) + " after " + std::to_string(grace.count()) + " s without exit";
      pid_ = -1;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return description_;
}

HttpResponse http_call(unsigned short port, const std::string& method, const std::string& target,
                     const std::string& body, std::chrono::seconds timeout) {
  asio::io_context io_context;
  HttpResponse result;
  std::exception_ptr failure;
  asio::co_spawn(
      io_context,
      [&]() -> asio::awaitable<void> {
        beast::tcp_stream stream(co_await asio::this_coro::executor);
        stream.expires_after(timeout);
        co_await stream.async_connect(tcp::endpoint(asio::ip::address_v4::loopback(), port), asio::use_awaitable);

        http::request<http::string_body> request{http::string_to_verb(method), target, 11};
        request.set(http::field::host, "127.0.0.1:" + std::to_string(port));
        if (!body.empty()) {
          request.set(http::field::content_type, "application/json");
          request.body() = body;
        }
        request.prepare_payload();
        co_await http::async_write(stream, request, asio::use_awaitable);

        beast::flat_buffer buffer;
        http::response<http::string_body> response;
        co_await http::async_read(stream, buffer, response, asio::use_awaitable);
        result.status = static_cast<int>(response.result_int());
        result.body = std::move(response.body());
      },
      [&failure](std::exception_ptr error) { failure = error; });
  io_context.run();

  if (failure) {
    try {
      std::rethrow_exception(failure);
    } catch (const std::exception& error) {
      throw std::runtime_error(method + " " + target + " on 127.0.0.1:" + std::to_string(port) +
                               " failed: " + error.what());
    }
  }
  return result;
}

std::optional<double> peak_rss_mib(pid_t pid) {
  const std::string value = proc_field("/proc/" + std::to_string(pid) + "/status", "VmHWM");
  if (value.empty()) return std::nullopt;
  return std::stod(value) / 1024.0;  // the file gives kB
}

std::optional<double> cpu_seconds(pid_t pid) {
  std::ifstream file("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!std::getline(file, text)) return std::nullopt;
  // The command name (field 2) is in parentheses and may contain spaces;
  // utime and stime are fields 14 and 15, counted from after it.
  const auto close = text.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(text.substr(close + 1));
  std::string field;
  double ticks = 0;
  for (int number = 3; number <= 15 && fields >> field; ++number) {
    if (number >= 14) ticks += std::stod(field);
  }
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

std::uint64_t raise_open_file_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
    ::getrlimit(RLIMIT_NOFILE, &limit);
  }
  return limit.rlim_cur;
}

std::string describe_machine() {
  const std::string memory = proc_field("/proc/meminfo", "MemTotal");
  double memory_gib = 0;
  if (!memory.empty()) memory_gib = std::stod(memory) / (1024.0 * 1024.0);
  std::string load_1, load_5, load_15;
  std::ifstream("/proc/loadavg") >> load_1 >> load_5 >> load_15;
  std::ostringstream out;
  out << "machine: cores=" << ::sysconf(_SC_NPROCESSORS_ONLN) << " cpu=\"" << proc_field("/proc/cpuinfo", "model name")
      << "\" memory_gib=" << fixed(memory_gib, 1) << " load=" << load_1 << "," << load_5 << "," << load_15;
  return out.str();
}

std::optional<double> mean_handler_ms(const std::string& metrics, const std::string& route) {
  const auto value_of = [&](const std::string& series) -> std::optional<double> {
    const std::string key = series + "{route=\"" + route + "\"} ";
    const auto found = metrics.find(key);
    if (found == std::string::npos) return std::nullopt;
    return std::strtod(metrics.c_str() + found + key.size(), nullptr);
  };
  const auto sum = value_of("yizhan_http_request_duration_seconds_sum");
  const auto count = value_of("yizhan_http_request_duration_seconds_count");
  if (!sum || !count || *count <= 0) return std::nullopt;
  return *sum / *count * 1000.0;
}

std::string fixed(double value, int decimals) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace yizhan::bench

#include "load_client.h"

// Boost 1.74's asio/awaitable.hpp uses std::exchange without including
// <utility>, which g++ 12 no longer pulls in indirectly.
#include <utility>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace yizhan::bench {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

std::uint32_t micros_between(Clock::time_point from, Clock::time_point to) {
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(to - from).count();
  return static_cast<std::uint32_t>(std::clamp<std::int64_t>(micros, 0, UINT32_MAX));
}

bool equals_ignoring_case(std::string_view left, std::string_view right) {
  if (left.size() != right.size()) return false;
  for (std::size_t i = 0; i < left.size(); ++i) {
    const auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(left[i]) != lower(right[i])) return false;
  }
  return true;
}

// The parts of a response head that the client uses: the status, the size
// of the whole response, and whether the server closes the connection.
struct ResponseHead {
  int status = 0;
  std::size_t total_bytes = 0;
  bool close = false;
  bool valid = false;
};

// Parses `head`, the text before the blank line that ends the headers.
// Responses without Content-Length (chunked, or ended by closing) are
// reported invalid: yizhan and the baseline always send one.
ResponseHead parse_head(std::string_view head) {
  ResponseHead parsed;
  if (head.size() < 12 || head.substr(0, 5) != "HTTP/") return parsed;
  const auto space = head.find(' ');
  if (space == std::string_view::npos || space + 4 > head.size()) return parsed;
  for (std::size_t i = space + 1; i < space + 4; ++i) {
    if (head[i] < '0' || head[i] > '9') return parsed;
    parsed.status = parsed.status * 10 + (head[i] - '0');
  }

  bool has_length = false;
  std::size_t content_length = 0;
  std::size_t line_start = head.find("\r\n");
  while (line_start != std::string_view::npos) {
    line_start += 2;
    const auto line_end = head.find("\r\n", line_start);
    const auto line = head.substr(line_start, line_end == std::string_view::npos ? std::string_view::npos
                                                                                  : line_end - line_start);
    const auto colon = line.find(':');
    if (colon != std::string_view::npos) {
      const auto name = line.substr(0, colon);
      auto value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      if (equals_ignoring_case(name, "content-length")) {
        has_length = !value.empty();
        content_length = 0;
        for (char c : value) {
          if (c < '0' || c > '9') {
            has_length = false;
            break;
          }
          content_length = content_length * 10 + static_cast<std::size_t>(c - '0');
        }
      } else if (equals_ignoring_case(name, "connection")) {
        parsed.close = equals_ignoring_case(value, "close");
      }
    }
    line_start = line_end;
  }
  const bool bodiless = parsed.status == 204 || parsed.status == 304 || (parsed.status >= 100 && parsed.status < 200);
  if (!has_length && !bodiless) return parsed;
  parsed.total_bytes = head.size() + 4 + content_length;
  parsed.valid = true;
  return parsed;
}

// The "code" member of a JSON error body such as
// {"error":{"code":"booking.sold_out",...}}; empty when there is none.
std::string_view error_code_of(std::string_view body) {
  constexpr std::string_view kKey = "\"code\":\"";
  const auto start = body.find(kKey);
  if (start == std::string_view::npos) return {};
  const auto value_start = start + kKey.size();
  const auto end = body.find('"', value_start);
  if (end == std::string_view::npos) return {};
  return body.substr(value_start, end - value_start);
}

std::string transport_detail(const boost::system::error_code& error) {
  if (error == beast::error::timeout) return "timed out";
  return error.message();
}

}  // namespace

struct LoadClient::Worker {
  // Concurrency hint 1: exactly one thread runs this context.
  asio::io_context io_context{1};

  struct Kind {
    int status;  // 0 for transport failures
    std::string detail;
    std::uint64_t count;
  };
  std::vector<Kind> kinds;
  std::exception_ptr failure;

  void count(int status, std::string_view detail) {
    for (Kind& kind : kinds) {
      if (kind.status == status && kind.detail == detail) {
        ++kind.count;
        return;
      }
    }
    kinds.push_back(Kind{status, std::string(detail), 1});
  }
};

struct LoadClient::Connection {
  explicit Connection(Worker& owner) : worker(owner), stream(owner.io_context) {}

  Worker& worker;
  beast::tcp_stream stream;
  bool open = false;
  std::string received;  // bytes read and not yet consumed
  std::array<char, 16 * 1024> chunk{};

  void reset() {
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream.close();
    open = false;
    received.clear();
  }
};

namespace {

// Runs every worker's io_context until it has no work left, one thread each.
void run_workers(std::vector<std::unique_ptr<LoadClient::Worker>>& workers) {
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < workers.size(); ++i) {
    threads.emplace_back([&worker = *workers[i]] {
      worker.io_context.restart();
      worker.io_context.run();
    });
  }
  workers[0]->io_context.restart();
  workers[0]->io_context.run();
  for (auto& thread : threads) thread.join();
}

struct FireContext {
  const std::vector<std::string_view>& requests;
  std::vector<RequestOutcome>& outcomes;
  std::vector<std::string>* bodies;  // null unless bodies are kept
  tcp::endpoint endpoint;
  std::chrono::milliseconds request_timeout;
  Clock::time_point started;
  Clock::time_point deadline;
  std::size_t step;
};

// Sends requests first, first + step, ... over one connection, one at a
// time, reopening the connection after any failure.
asio::awaitable<void> drive(LoadClient::Connection& connection, const FireContext& fire, std::size_t first) {
  LoadClient::Worker& worker = connection.worker;
  for (std::size_t i = first; i < fire.requests.size(); i += fire.step) {
    RequestOutcome& outcome = fire.outcomes[i];
    if (Clock::now() >= fire.deadline) {
      outcome.finished_us = micros_between(fire.started, Clock::now());
      worker.count(0, "abandoned at the run limit");
      continue;
    }

    boost::system::error_code error;
    if (!connection.open) {
      connection.stream.expires_after(fire.request_timeout);
      co_await connection.stream.async_connect(fire.endpoint, asio::redirect_error(asio::use_awaitable, error));
      if (error) {
        outcome.finished_us = micros_between(fire.started, Clock::now());
        worker.count(0, "connect failed: " + transport_detail(error));
        connection.reset();
        continue;
      }
      connection.stream.socket().set_option(tcp::no_delay(true), error);
      connection.open = true;
    }

    const auto sent = Clock::now();
    connection.stream.expires_after(fire.request_timeout);
    co_await asio::async_write(connection.stream, asio::buffer(fire.requests[i]),
                               asio::redirect_error(asio::use_awaitable, error));

    // Read until the head is complete, then until the body is.
    ResponseHead head;
    std::size_t scanned = 0;
    while (!error) {
      if (!head.valid) {
        const auto end = connection.received.find("\r\n\r\n", scanned);
        if (end != std::string::npos) {
          head = parse_head(std::string_view(connection.received).substr(0, end));
          if (!head.valid) {
            error = boost::asio::error::invalid_argument;
            break;
          }
          continue;
        }
        scanned = connection.received.size() < 3 ? 0 : connection.received.size() - 3;
      } else if (connection.received.size() >= head.total_bytes) {
        break;
      }
      const std::size_t read = co_await connection.stream.async_read_some(
          asio::buffer(connection.chunk), asio::redirect_error(asio::use_awaitable, error));
      connection.received.append(connection.chunk.data(), read);
    }

    const auto done = Clock::now();
    outcome.finished_us = micros_between(fire.started, done);
    if (error) {
      worker.count(0, error == boost::asio::error::invalid_argument ? "malformed response" : transport_detail(error));
      connection.reset();
      continue;
    }
    outcome.status = static_cast<std::uint16_t>(head.status);
    outcome.latency_us = micros_between(sent, done);
    outcome.response_bytes = static_cast<std::uint32_t>(head.total_bytes);
    const std::string_view response(connection.received.data(), head.total_bytes);
    const auto head_end = response.find("\r\n\r\n") + 4;
    worker.count(head.status, head.status >= 300 ? error_code_of(response.substr(head_end)) : std::string_view());
    if (fire.bodies) (*fire.bodies)[i] = response.substr(head_end);
    connection.received.erase(0, head.total_bytes);
    if (head.close) connection.reset();
  }
  connection.stream.expires_never();
}

}  // namespace

LoadClient::LoadClient(LoadOptions options) : options_(options) {
  if (options_.connections < 1) throw std::invalid_argument("LoadClient needs at least one connection");
  if (options_.threads < 1) options_.threads = 1;
  for (int i = 0; i < options_.threads; ++i) workers_.push_back(std::make_unique<Worker>());
  for (int i = 0; i < options_.connections; ++i) {
    connections_.push_back(std::make_unique<Connection>(*workers_[static_cast<std::size_t>(i % options_.threads)]));
  }
}

LoadClient::~LoadClient() = default;

void LoadClient::connect() {
  const tcp::endpoint endpoint(asio::ip::address_v4::loopback(), options_.port);
  std::mutex mutex;
  std::size_t failures = 0;
  std::string first_failure;
  for (auto& connection : connections_) {
    if (connection->open) continue;
    connection->stream.expires_after(options_.request_timeout);
    connection->stream.async_connect(endpoint, [&, raw = connection.get()](const boost::system::error_code& error) {
      if (error) {
        std::lock_guard lock(mutex);
        if (failures++ == 0) first_failure = transport_detail(error);
        return;
      }
      boost::system::error_code ignored;
      raw->stream.socket().set_option(tcp::no_delay(true), ignored);
      raw->stream.expires_never();
      raw->open = true;
    });
  }
  run_workers(workers_);
  if (failures > 0) {
    throw std::runtime_error("could not open " + std::to_string(failures) + " of " +
                             std::to_string(connections_.size()) + " connections to 127.0.0.1:" +
                             std::to_string(options_.port) + ": " + first_failure);
  }
}

LoadReport LoadClient::fire(const std::vector<std::string_view>& requests) {
  LoadReport report;
  report.outcomes.resize(requests.size());
  if (options_.keep_bodies) report.bodies.resize(requests.size());
  for (auto& worker : workers_) {
    worker->kinds.clear();
    worker->failure = nullptr;
  }

  const auto started = Clock::now();
  const FireContext context{requests,
                            report.outcomes,
                            options_.keep_bodies ? &report.bodies : nullptr,
                            tcp::endpoint(asio::ip::address_v4::loopback(), options_.port),
                            options_.request_timeout,
                            started,
                            started + options_.run_limit,
                            connections_.size()};
  for (std::size_t k = 0; k < connections_.size() && k < requests.size(); ++k) {
    Connection& connection = *connections_[k];
    asio::co_spawn(connection.worker.io_context, drive(connection, context, k),
                   [&worker = connection.worker](std::exception_ptr error) {
                     if (error && !worker.failure) worker.failure = error;
                   });
  }
  run_workers(workers_);

  for (auto& worker : workers_) {
    if (worker->failure) std::rethrow_exception(worker->failure);
  }
  std::uint32_t last_us = 0;
  for (const auto& outcome : report.outcomes) last_us = std::max(last_us, outcome.finished_us);
  report.wall_seconds = last_us / 1e6;
  for (auto& worker : workers_) {
    for (const auto& kind : worker->kinds) {
      std::string key = kind.status == 0 ? "transport: " + kind.detail : std::to_string(kind.status);
      if (kind.status != 0 && !kind.detail.empty()) key += " " + kind.detail;
      report.kinds[key] += kind.count;
    }
  }
  return report;
}

double latency_percentile_ms(const std::vector<RequestOutcome>& outcomes, double fraction) {
  std::vector<std::uint32_t> latencies;
  latencies.reserve(outcomes.size());
  for (const auto& outcome : outcomes) {
    if (outcome.status != 0) latencies.push_back(outcome.latency_us);
  }
  if (latencies.empty()) return 0;
  const auto rank = static_cast<std::size_t>(std::ceil(fraction * static_cast<double>(latencies.size())));
  const auto index = std::min(latencies.size() - 1, rank == 0 ? 0 : rank - 1);
  std::nth_element(latencies.begin(), latencies.begin() + static_cast<std::ptrdiff_t>(index), latencies.end());
  return latencies[index] / 1000.0;
}

}  // namespace yizhan::bench

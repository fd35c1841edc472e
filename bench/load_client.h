// LoadClient: the benchmarks' HTTP/1.1 load generator. It opens a fixed
// number of keep-alive connections to one loopback port, then sends a list
// of pre-built requests over them, one request in flight per connection,
// and records each response's status, size and latency. Each client thread
// runs its own io_context, and a connection stays on one thread, so the
// per-request work is a write, a read and a scan of the response headers.
//
// Not thread-safe: one thread calls connect() and then fire().
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace yizhan::bench {

struct LoadOptions {
  unsigned short port = 0;  // on 127.0.0.1
  int connections = 1;
  int threads = 1;  // client threads, one io_context each
  // Covers writing one request and reading its whole response.
  std::chrono::milliseconds request_timeout{10'000};
  // Requests still without a response when this much time has passed
  // since fire() started are abandoned and counted as errors.
  std::chrono::seconds run_limit{300};
  // Keep every response body in LoadReport::bodies, e.g. to read the
  // booking numbers of confirmations.
  bool keep_bodies = false;
};

// Status 0 marks a request that got no complete response (reset, timeout,
// refused connection, or abandoned at the run limit).
struct RequestOutcome {
  std::uint16_t status = 0;
  std::uint32_t latency_us = 0;     // request written to last response byte read
  std::uint32_t finished_us = 0;    // since fire() started
  std::uint32_t response_bytes = 0;  // status line, headers and body
};

struct LoadReport {
  std::vector<RequestOutcome> outcomes;  // one per request, in request order
  double wall_seconds = 0;               // fire() start to the last outcome
  // Responses by kind, e.g. "201", "409 booking.sold_out" (the JSON error
  // code, when the body has one) or "transport: timed out".
  std::map<std::string, std::uint64_t> kinds;
  // With LoadOptions::keep_bodies, one body per request in request order
  // (empty when there was no response); otherwise empty.
  std::vector<std::string> bodies;
};

class LoadClient {
 public:
  explicit LoadClient(LoadOptions options);
  ~LoadClient();
  LoadClient(const LoadClient&) = delete;
  LoadClient& operator=(const LoadClient&) = delete;

  // Open every connection. Throws std::runtime_error naming the first
  // failure when any connection cannot be opened.
  void connect();

  // Send every request and wait for all responses. Connection k sends
  // requests k, k + connections, k + 2 * connections, ... in that order.
  // A connection that fails is reopened for its next request. The views
  // must stay valid until fire() returns.
  LoadReport fire(const std::vector<std::string_view>& requests);

 // Implementation types, defined in load_client.cpp: a client thread's
  // io_context with its response counts, and one keep-alive connection.
  struct Worker;
  struct Connection;

 private:
  LoadOptions options_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<std::unique_ptr<Connection>> connections_;
};

// Latency percentile (0 < fraction <= 1) in milliseconds over the requests
// that got a response, by the nearest-rank method; 0 when none did.
double latency_percentile_ms(const std::vector<RequestOutcome>& outcomes, double fraction);

}  // namespace yizhan::bench

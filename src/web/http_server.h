// HttpServer: accepts connections on the configured loopback or public
// addresses and serves HTTP/1.1 with keep-alive. Connections run as C++20
// coroutines, each on one of several io_contexts (one per network thread,
// taken in turn), so a connection never moves between threads and needs no
// strand. Requests that block (the store, password hashing) go to a worker
// pool. Every read and write has a timeout and every body a size
// limit. SIGINT/SIGTERM stop accepting, let in-flight requests finish, then
// make run() return.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "web/beast.h"

namespace yizhan::web {

struct ServerLimits {
  int read_timeout_seconds = 30;
  int write_timeout_seconds = 30;
  std::uint64_t body_limit_bytes = 64 * 1024;
  std::uint32_t header_limit_bytes = 16 * 1024;
  // Maximum number of requests handed to the workers and not yet finished.
  // Beyond it the overload handler responds at once (503 with Retry-After),
  // so a request does not queue until its client times out.
  std::size_t max_waiting_requests = 4096;
};

// Called on a worker thread for every request that was read completely.
using RequestHandler = std::function<Response(Request&& request, const std::string& client_address)>;
// A response finished later on another thread, for a request that waits
// for work needing no thread of the connection's own (a booking waiting
// for the writer's commit). The connection waits for it without
// holding a thread. Thread-safe.
class LateResponse {
 public:
  // Builds the response; runs on the connection's network thread.
  using Builder = std::function<Response()>;

  // Called once, from any thread.
  void deliver(Builder build);
  // Resumes the awaiting coroutine on its own executor with the builder.
  asio::awaitable<Builder> wait();

 private:
  std::mutex mutex_;
  Builder build_;                        // guarded by mutex_; set by deliver() before wait()
  std::function<void(Builder)> resume_;  // guarded by mutex_; set by wait() before deliver()
};

// Result of the quick handler: a response, a late response, or neither.
// With neither, `request` is untouched and goes to a worker.
struct QuickAnswer {
  std::optional<Response> response;
  std::shared_ptr<LateResponse> late;
};

// Called first, on the connection's own network thread, for every request
// that was read completely. Returns the response to a request that needs no
// waiting (no disk sync, no password hashing), at once or as a LateResponse.
// Other requests go to a worker. Responding on the network thread saves two
// thread hand-offs, which are most of the cost of a cheap request.
using QuickHandler = std::function<QuickAnswer(Request& request, const std::string& client_address)>;
// Builds the response when the workers are saturated (see max_waiting_requests).
using OverloadHandler = std::function<Response(const Request& request)>;
// Builds the answer to a request that could not be read (too large,
// malformed). `headers` holds the header fields parsed so far, so the
// answer can follow the request's language; null when there are none.
using ReadErrorHandler =
    std::function<Response(http::status status, const std::string& code, const Request* headers)>;

class HttpServer {
 public:
  HttpServer(std::vector<tcp::endpoint> endpoints, ServerLimits limits, int io_threads, int worker_threads,
             RequestHandler handler, ReadErrorHandler read_error_handler, QuickHandler quick_handler = {},
             OverloadHandler overload_handler = {});
  ~HttpServer();

  // The endpoints actually bound (port 0 resolved).
  std::vector<tcp::endpoint> bound_endpoints() const;

  // Serve until a signal arrives (or stop() is called) and every connection
  // has finished.
  void run();
  void stop();

 private:
  struct Connection;

  asio::awaitable<void> accept_loop(tcp::acceptor& acceptor);
  asio::io_context& next_context();
  asio::awaitable<void> serve(std::shared_ptr<Connection> connection);
  void begin_shutdown();

  // One per network thread. The first also runs the acceptors and signals.
  std::vector<std::unique_ptr<asio::io_context>> contexts_;
  // Work guards that keep every context's run() going until shutdown, even
  // without connections.
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> keep_running_;
  std::size_t next_context_ = 0;  // used only by the acceptors, on the first context
  asio::thread_pool workers_;
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors_;
  asio::signal_set signals_;
  ServerLimits limits_;
  RequestHandler handler_;
  ReadErrorHandler read_error_handler_;
  QuickHandler quick_handler_;
  OverloadHandler overload_handler_;
  std::atomic<std::size_t> waiting_requests_{0};

  std::atomic<bool> stopping_{false};
  std::mutex connections_mutex_;
  std::unordered_map<Connection*, std::weak_ptr<Connection>> connections_;  // guarded by connections_mutex_
};

}  // namespace yizhan::web

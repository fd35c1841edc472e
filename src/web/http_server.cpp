#include "web/http_server.h"

#include <spdlog/spdlog.h>

#include <boost/asio/ip/v6_only.hpp>

#include <algorithm>
#include <stdexcept>
#include <thread>

namespace yizhan::web {
namespace {

// A context runs on one thread only, so its handlers never run at once.
std::vector<std::unique_ptr<asio::io_context>> make_contexts(int count) {
  std::vector<std::unique_ptr<asio::io_context>> contexts;
  for (int i = 0; i < std::max(1, count); ++i) contexts.push_back(std::make_unique<asio::io_context>(1));
  return contexts;
}

}  // namespace

void LateResponse::deliver(Builder build) {
  std::unique_lock lock(mutex_);
  if (!resume_) {
    build_ = std::move(build);
    return;
  }
  auto resume = std::move(resume_);
  lock.unlock();
  resume(std::move(build));
}

asio::awaitable<LateResponse::Builder> LateResponse::wait() {
  return asio::async_initiate<decltype(asio::use_awaitable), void(Builder)>(
      [this](auto handler) {
        // The handler resumes the coroutine and must run on its executor.
        // Keeping that executor's work counted stops io_context::run()
        // from returning during shutdown while this response is still due.
        auto executor = asio::prefer(asio::get_associated_executor(handler), asio::execution::outstanding_work.tracked);
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        std::function<void(Builder)> resume = [shared, executor](Builder build) {
          asio::post(executor, [shared, build = std::move(build)]() mutable { (*shared)(std::move(build)); });
        };
        std::unique_lock lock(mutex_);
        if (!build_) {
          resume_ = std::move(resume);
          return;
        }
        auto build = std::move(build_);
        lock.unlock();
        resume(std::move(build));
      },
      asio::use_awaitable);
}

// One accepted connection. The serve() coroutine owns it through a
// shared_ptr; the server's registry only holds a weak_ptr so that shutdown
// can reach idle connections. All members are touched only on the
// connection's own network thread.
struct HttpServer::Connection {
  explicit Connection(beast::tcp_stream&& accepted) : stream(std::move(accepted)) {}
  beast::tcp_stream stream;
  bool busy = false;  // a request is being handled or answered
};

HttpServer::HttpServer(std::vector<tcp::endpoint> endpoints, ServerLimits limits, int io_threads,
                       int worker_threads, RequestHandler handler, ReadErrorHandler read_error_handler,
                       QuickHandler quick_handler, OverloadHandler overload_handler)
    : contexts_(make_contexts(io_threads)),
      workers_(static_cast<std::size_t>(worker_threads)),
      signals_(*contexts_.front(), SIGINT, SIGTERM),
      limits_(limits),
      handler_(std::move(handler)),
      read_error_handler_(std::move(read_error_handler)),
      quick_handler_(std::move(quick_handler)),
      overload_handler_(std::move(overload_handler)) {
  for (const auto& endpoint : endpoints) {
    auto acceptor = std::make_unique<tcp::acceptor>(*contexts_.front());
    acceptor->open(endpoint.protocol());
    acceptor->set_option(asio::socket_base::reuse_address(true));
    if (endpoint.address().is_v6()) acceptor->set_option(asio::ip::v6_only(true));
    boost::system::error_code bind_error;
    acceptor->bind(endpoint, bind_error);
    if (bind_error) {
      throw std::runtime_error("cannot listen on " + endpoint.address().to_string() + ":" +
                               std::to_string(endpoint.port()) + ": " + bind_error.message() +
                               " (choose another address with --listen HOST:PORT)");
    }
    acceptor->listen(asio::socket_base::max_listen_connections);
    acceptors_.push_back(std::move(acceptor));
  }
}

HttpServer::~HttpServer() { workers_.join(); }

asio::io_context& HttpServer::next_context() {
  asio::io_context& context = *contexts_[next_context_];
  next_context_ = (next_context_ + 1) % contexts_.size();
  return context;
}

std::vector<tcp::endpoint> HttpServer::bound_endpoints() const {
  std::vector<tcp::endpoint> endpoints;
  for (const auto& acceptor : acceptors_) endpoints.push_back(acceptor->local_endpoint());
  return endpoints;
}

void HttpServer::run() {
  signals_.async_wait([this](const boost::system::error_code& error, int signal_number) {
    if (error) return;
    spdlog::info("event=shutdown_requested signal={}", signal_number);
    begin_shutdown();
  });
  for (auto& acceptor : acceptors_) {
    asio::co_spawn(acceptor->get_executor(), accept_loop(*acceptor), asio::detached);
  }

  for (auto& context : contexts_) keep_running_.push_back(asio::make_work_guard(*context));
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < contexts_.size(); ++i) threads.emplace_back([this, i] { contexts_[i]->run(); });
  contexts_.front()->run();
  for (auto& thread : threads) thread.join();
  workers_.join();
  spdlog::info("event=stopped");
}

void HttpServer::stop() {
  asio::post(*contexts_.front(), [this] { begin_shutdown(); });
}

void HttpServer::begin_shutdown() {
  if (stopping_.exchange(true)) return;
  signals_.cancel();
  // Each context's run() returns once its connections have finished.
  for (auto& guard : keep_running_) guard.reset();
  for (auto& acceptor : acceptors_) {
    asio::post(acceptor->get_executor(), [&acceptor = *acceptor] {
      boost::system::error_code ignored;
      acceptor.close(ignored);
    });
  }
  // Idle keep-alive connections are waiting for a request that may never
  // come; wake them so they exit. Busy ones see stopping_ after answering.
  std::lock_guard lock(connections_mutex_);
  for (auto& [raw, weak] : connections_) {
    if (auto connection = weak.lock()) {
      asio::post(connection->stream.get_executor(), [connection] {
        if (!connection->busy) connection->stream.cancel();
      });
    }
  }
}

asio::awaitable<void> HttpServer::accept_loop(tcp::acceptor& acceptor) {
  while (!stopping_) {
    boost::system::error_code error;
    auto socket = co_await acceptor.async_accept(next_context(), asio::redirect_error(asio::use_awaitable, error));
    if (error) {
      if (stopping_ || error == asio::error::operation_aborted) co_return;
      // Out of file descriptors and similar: log, pause briefly, go on.
      spdlog::warn("event=accept_failed error=\"{}\"", error.message());
      asio::steady_timer pause(acceptor.get_executor(), std::chrono::milliseconds(50));
      co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, error));
      continue;
    }
    // begin_shutdown() runs on this thread too, so it may have run since
    // the accept started. The target context may then have stopped.
    if (stopping_) {
      socket.close(error);
      co_return;
    }
    socket.set_option(tcp::no_delay(true), error);
    // For the immediate write in serve(), which would otherwise block this
    // thread without a timeout. Asynchronous operations do not depend on it.
    socket.non_blocking(true, error);
    if (error) {
      spdlog::warn("event=accept_failed step=non_blocking error=\"{}\"", error.message());
      socket.close(error);
      continue;
    }
    auto connection = std::make_shared<Connection>(beast::tcp_stream(std::move(socket)));
    {
      std::lock_guard lock(connections_mutex_);
      connections_[connection.get()] = connection;
    }
    asio::co_spawn(connection->stream.get_executor(), serve(connection), asio::detached);
  }
}

asio::awaitable<void> HttpServer::serve(std::shared_ptr<Connection> connection) {
  boost::system::error_code error;
  const auto remote = connection->stream.socket().remote_endpoint(error);
  const std::string client_address = error ? std::string("unknown") : remote.address().to_string();
  beast::flat_buffer buffer;

  while (!stopping_) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(limits_.body_limit_bytes);
    parser.header_limit(limits_.header_limit_bytes);
    // The read timeout also bounds how long an idle keep-alive connection stays.
    connection->stream.expires_after(std::chrono::seconds(limits_.read_timeout_seconds));
    co_await http::async_read(connection->stream, buffer, parser, asio::redirect_error(asio::use_awaitable, error));

    connection->busy = true;
    Response response;
    bool keep_alive = false;
    if (error) {
      // Answer what the client can act on; drop the rest silently.
      // Beast reports an oversized Content-Length before it marks the header
      // done, so pass what was parsed: at worst some fields are missing.
      const Request* headers = &parser.get();
      if (error == http::error::body_limit) {
        response = read_error_handler_(http::status::payload_too_large, "request.too_large", headers);
      } else if (error == http::error::header_limit) {
        response = read_error_handler_(http::status::request_header_fields_too_large, "request.headers_too_large",
                                       nullptr);
      } else if (error.category() == beast::http::make_error_code(http::error::bad_target).category() &&
                 error != http::error::end_of_stream && error != http::error::partial_message) {
        response = read_error_handler_(http::status::bad_request, "request.malformed", headers);
      } else {
        break;
      }
    } else {
      Request request = parser.release();
      keep_alive = request.keep_alive();
      QuickAnswer quick;
      if (quick_handler_) quick = quick_handler_(request, client_address);
      if (quick.response) {
        response = std::move(*quick.response);
      } else if (quick.late) {
        const auto build = co_await quick.late->wait();
        response = build();
      } else if (overload_handler_ && waiting_requests_.load() >= limits_.max_waiting_requests) {
        response = overload_handler_(request);
      } else {
        ++waiting_requests_;
        struct Done {
          std::atomic<std::size_t>& count;
          ~Done() { --count; }
        } done{waiting_requests_};
        const auto worker = workers_.get_executor();
        response = co_await asio::co_spawn(
            worker,
            [this, &request, &client_address]() -> asio::awaitable<Response> {
              co_return handler_(std::move(request), client_address);
            },
            asio::use_awaitable);
      }
    }

    response.keep_alive(keep_alive && !stopping_);
    // Most responses fit in the socket's send buffer: write at once, and
    // only what does not fit goes through the asynchronous write with its
    // timeout. That spares a timer and Beast's write operation per response.
    http::response_serializer<http::string_body> serializer(response);
    http::write(connection->stream.socket(), serializer, error);
    if (error == asio::error::would_block || error == asio::error::try_again) {
      connection->stream.expires_after(std::chrono::seconds(limits_.write_timeout_seconds));
      co_await http::async_write(connection->stream, serializer, asio::redirect_error(asio::use_awaitable, error));
    } else {
      // Let the other connections on this thread take their turn before
      // reading the next request. Without this, sold-out rush runs had a
      // p99 latency of 63 to 81 ms instead of about 43 ms.
      co_await asio::post(connection->stream.get_executor(), asio::use_awaitable);
    }
    connection->busy = false;
    if (error || !response.keep_alive()) break;
  }

  connection->stream.socket().shutdown(tcp::socket::shutdown_send, error);
  std::lock_guard lock(connections_mutex_);
  connections_.erase(connection.get());
}

}  // namespace yizhan::web

// bench_baseline_server: the smallest useful Boost.Beast HTTP/1.1 server,
// the yardstick for the benchmarks. It reads each request with Beast's
// parser and responds to every one with 200 and a fixed JSON body of the
// requested size, over keep-alive connections. Like yizhan's server, it
// runs C++20 coroutines on one io_context with one thread per core. It
// does no routing, no store access, no worker-pool hop and no logging: the
// benchmarks divide yizhan's throughput by this one's.
//
//   bench_baseline_server --listen 127.0.0.1:PORT --body-bytes 600 [--threads N]

// Boost 1.74's asio/awaitable.hpp uses std::exchange without including
// <utility>, which g++ 12 no longer pulls in indirectly.
#include <utility>

#include <CLI/CLI.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

constexpr auto kIdleTimeout = std::chrono::seconds(30);

// A JSON object of exactly `bytes` bytes (at least 12), so that the body
// looks like an API response to anything that inspects it.
std::string make_body(std::size_t bytes) {
  const std::string open = "{\"pad\":\"";
  const std::string close = "\"}";
  if (bytes < open.size() + close.size()) bytes = open.size() + close.size();
  return open + std::string(bytes - open.size() - close.size(), 'x') + close;
}

asio::awaitable<void> serve(tcp::socket socket, std::shared_ptr<const std::string> body) {
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  boost::system::error_code error;
  while (true) {
    stream.expires_after(kIdleTimeout);
    http::request<http::string_body> request;
    co_await http::async_read(stream, buffer, request, asio::redirect_error(asio::use_awaitable, error));
    if (error) break;

    http::response<http::string_body> response{http::status::ok, request.version()};
    response.set(http::field::server, "baseline");
    response.set(http::field::content_type, "application/json; charset=utf-8");
    response.body() = *body;
    response.keep_alive(request.keep_alive());
    response.prepare_payload();
    co_await http::async_write(stream, response, asio::redirect_error(asio::use_awaitable, error));
    if (error || !response.keep_alive()) break;
  }
  stream.socket().shutdown(tcp::socket::shutdown_send, error);
}

asio::awaitable<void> accept_loop(tcp::acceptor& acceptor, std::shared_ptr<const std::string> body) {
  while (true) {
    boost::system::error_code error;
    // Each connection gets its own strand: Beast's timeout timer and the
    // socket's operations must not run on two threads at once.
    tcp::socket socket = co_await acceptor.async_accept(asio::make_strand(acceptor.get_executor()),
                                                        asio::redirect_error(asio::use_awaitable, error));
    if (error == asio::error::operation_aborted) co_return;
    if (error) continue;
    socket.set_option(tcp::no_delay(true), error);
    const auto executor = socket.get_executor();
    asio::co_spawn(executor, serve(std::move(socket), body), asio::detached);
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"Minimal Beast HTTP server for benchmark baselines; loopback only"};
  std::string listen = "127.0.0.1:0";
  std::size_t body_bytes = 600;
  int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  cli.add_option("--listen", listen, "Loopback address and port, HOST:PORT")->capture_default_str();
  cli.add_option("--body-bytes", body_bytes, "Size of every response body in bytes")
      ->check(CLI::Range(std::size_t{12}, std::size_t{1} << 20))
      ->capture_default_str();
  cli.add_option("--threads", threads, "Threads running the io_context (default: one per core)")
      ->check(CLI::Range(1, 256));
  CLI11_PARSE(cli, argc, argv);

  const auto colon = listen.rfind(':');
  boost::system::error_code error;
  const auto address =
      asio::ip::make_address(colon == std::string::npos ? std::string() : listen.substr(0, colon), error);
  if (error || !address.is_loopback()) {
    std::cerr << "bench_baseline_server: --listen must be a loopback HOST:PORT such as 127.0.0.1:8081, not '"
              << listen << "'\n";
    return 2;
  }
  int port = -1;
  try {
    port = std::stoi(listen.substr(colon + 1));
  } catch (const std::exception&) {
  }
  if (port < 0 || port > 65535) {
    std::cerr << "bench_baseline_server: invalid port in --listen '" << listen << "'\n";
    return 2;
  }

  asio::io_context io_context(threads);
  tcp::acceptor acceptor(io_context);
  const tcp::endpoint endpoint(address, static_cast<unsigned short>(port));
  acceptor.open(endpoint.protocol());
  acceptor.set_option(asio::socket_base::reuse_address(true));
  acceptor.bind(endpoint, error);
  if (error) {
    std::cerr << "bench_baseline_server: cannot bind " << listen << ": " << error.message() << "\n";
    return 1;
  }
  acceptor.listen(asio::socket_base::max_listen_connections);

  asio::signal_set signals(io_context, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int) { io_context.stop(); });
  asio::co_spawn(io_context, accept_loop(acceptor, std::make_shared<const std::string>(make_body(body_bytes))),
                 asio::detached);
  std::cout << "bench_baseline_server: listening on " << acceptor.local_endpoint() << " body_bytes=" << body_bytes
            << " threads=" << threads << std::endl;

  std::vector<std::thread> runners;
  for (int i = 1; i < threads; ++i) runners.emplace_back([&io_context] { io_context.run(); });
  io_context.run();
  for (auto& runner : runners) runner.join();
  return 0;
}

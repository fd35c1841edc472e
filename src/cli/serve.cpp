#include <spdlog/spdlog.h>

#include <sys/resource.h>

#include <chrono>
#include <iostream>
#include <memory>
#include <thread>

#include "cli/commands.h"
#include "cli/log_sink.h"
#include "service/crypto.h"
#include "service/no_show_service.h"
#include "web/app.h"
#include "web/http_server.h"

namespace yizhan::cli {
namespace {

struct ServeOptions {
  std::string config_file;
  std::string db;
  std::vector<std::string> listen;
  std::string share_dir;
  std::string log_level;
  bool test_mode = false;
};

// "127.0.0.1:8080", "[::1]:8080" or "localhost:8080".
web::tcp::endpoint parse_listen(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos) throw CommandFailed("--listen needs HOST:PORT, not '" + text + "'", 2);
  std::string host = text.substr(0, colon);
  const std::string port_text = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host == "localhost") host = "127.0.0.1";
  int port = -1;
  try {
    std::size_t used = 0;
    port = std::stoi(port_text, &used);
    if (used != port_text.size()) port = -1;
  } catch (const std::exception&) {
    port = -1;
  }
  if (port < 0 || port > 65535) throw CommandFailed("invalid port in --listen '" + text + "'", 2);
  boost::system::error_code error;
  const auto address = web::asio::ip::make_address(host, error);
  if (error) throw CommandFailed("invalid address in --listen '" + text + "' (use an IP address)", 2);
  return web::tcp::endpoint(address, static_cast<unsigned short>(port));
}

// Every keep-alive connection is a file descriptor, and the rush keeps tens
// of thousands open. The usual soft limit of 1024 would turn the excess into
// rejected connections, so raise it to the hard limit.
void raise_open_files_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
  limit.rlim_cur = limit.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &limit) != 0) spdlog::warn("event=open_files_limit_unchanged");
}

void run_serve(const ServeOptions& options) {
  service::Config config;
  if (!options.config_file.empty()) load_config_file(options.config_file, config);
  if (!options.db.empty()) config.db = options.db;
  if (!options.listen.empty()) config.listen = options.listen;
  if (!options.share_dir.empty()) config.share_dir = options.share_dir;
  if (!options.log_level.empty()) config.log_level = options.log_level;
  if (options.test_mode) config.test_mode = true;

  auto logger = std::make_shared<spdlog::logger>("yizhan", std::make_shared<BufferedStdoutSink>());
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(config.log_level));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %l %v");
  spdlog::flush_on(spdlog::level::warn);
  spdlog::flush_every(std::chrono::seconds(1));

  std::vector<web::tcp::endpoint> endpoints;
  for (const auto& listen : config.listen) endpoints.push_back(parse_listen(listen));
  if (config.test_mode) {
    for (const auto& endpoint : endpoints) {
      if (!endpoint.address().is_loopback()) {
        throw CommandFailed("test mode is only allowed on loopback addresses; " +
                                endpoint.address().to_string() + " is not one",
                            2);
      }
    }
  }

  raise_open_files_limit();
  service::init_crypto();
  auto store = store::open_store(config.db);
  const int version = store->migrate();

  service::SystemClock system_clock;
  service::AdjustableClock test_clock;
  service::Clock& clock = config.test_mode ? static_cast<service::Clock&>(test_clock) : system_clock;
  web::App app(config, *store, clock, config.test_mode ? &test_clock : nullptr);

  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const int io_threads = config.io_threads > 0 ? config.io_threads : cores;
  // Workers mostly wait: for the booking writer's group commit (a bigger
  // pool lets bigger batches form) or for a password hashing slot (limited
  // to one per core in service/crypto.cpp), so there are many.
  const int worker_threads = config.worker_threads > 0 ? config.worker_threads : 16 * cores;
  web::ServerLimits limits;
  limits.read_timeout_seconds = config.read_timeout_seconds;
  limits.write_timeout_seconds = config.write_timeout_seconds;
  limits.body_limit_bytes = config.body_limit_bytes;
  limits.max_waiting_requests = static_cast<std::size_t>(config.max_waiting_requests);

  // Cheap requests are handled on the network threads when the store
  // reads locally (SQLite: microseconds, never blocked by a writer in WAL
  // mode). A PostgreSQL read is a network round trip, which would stall
  // every connection of that thread, so there every request goes to a worker.
  web::QuickHandler quick_handler;
  app.set_network_first(!store::is_postgresql_url(config.db));
  if (!store::is_postgresql_url(config.db)) {
    quick_handler = [&app](web::Request& request, const std::string& client) {
      return app.handle_quickly(request, client);
    };
  }
  web::HttpServer server(
      endpoints, limits, io_threads, worker_threads,
      [&app](web::Request&& request, const std::string& client) { return app.handle(std::move(request), client); },
      [&app](web::http::status status, const std::string& code, const web::Request* headers) {
        return app.read_error(status, code, headers);
      },
      quick_handler, [&app](const web::Request& request) { return app.overloaded(request); });

  for (const auto& endpoint : server.bound_endpoints()) {
    const std::string host = endpoint.address().is_v6() ? "[" + endpoint.address().to_string() + "]"
                                                        : endpoint.address().to_string();
    spdlog::info("event=listening url=http://{}:{}/ schema_version={} test_mode={} zone={}", host, endpoint.port(),
                 version, config.test_mode, config.zone);
  }
  spdlog::info("event=booking_path batch_limit={} waiting_room_admit_per_second={} network_first={}",
               config.booking_batch_limit, config.waiting_room_admit_per_second, !store::is_postgresql_url(config.db));
  // The peers allowed to set the client address through X-Forwarded-For.
  std::string proxies;
  for (const auto& entry : config.trusted_proxies) proxies += (proxies.empty() ? "" : ",") + entry;
  spdlog::info("event=client_address trusted_proxies={}", proxies.empty() ? "none" : proxies);
  // Declared after the store and the server, so it stops before either goes.
  service::NoShowService no_shows(*store, clock, app.zone(), service::no_show_policy(config));
  std::optional<service::NoShowScheduler> close_days;
  if (const int close_time = service::close_days_time(config); close_time >= 0) {
    close_days.emplace(no_shows, clock, app.zone(), std::chrono::seconds(close_time));
    close_days->start();
  }
  server.run();
  if (close_days) close_days->stop();
  spdlog::default_logger()->flush();
}

}  // namespace

void add_serve_command(CLI::App& cli) {
  auto options = std::make_shared<ServeOptions>();
  auto* command = cli.add_subcommand("serve", "Run the web server");
  command->add_option("--config", options->config_file, "Configuration file (key = value lines)");
  command->add_option("--db", options->db, "Database: a SQLite file path or a postgresql:// URL (default var/yizhan.db)");
  command->add_option("--listen", options->listen, "Address to listen on, HOST:PORT; may repeat (default 127.0.0.1:8080)");
  command->add_option("--share-dir", options->share_dir, "Directory with templates, catalogs, guide and static files");
  command->add_option("--log-level", options->log_level, "trace, debug, info, warn, error (default info)");
  command->add_flag("--test-mode", options->test_mode,
                    "Accept captcha answer 0000 and allow setting the clock; loopback addresses only");
  command->callback([options] { run_serve(*options); });
}

}  // namespace yizhan::cli

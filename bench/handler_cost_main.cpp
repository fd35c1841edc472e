// bench_handler_cost: the server's own cost per request, without the
// network. Builds the App in process on a new SQLite file, books the date's
// only room, then calls App::handle N times with sold-out booking requests
// and N times with the public reads, and prints microseconds per call.
//
//   build/bench/bench_handler_cost [N=20000]
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "service/clock.h"
#include "service/config.h"
#include "service/crypto.h"
#include "store/store.h"
#include "traveller_fixture.h"
#include "web/app.h"

using namespace yizhan;

int main(int argc, char** argv) {
  const int count = argc > 1 ? std::atoi(argv[1]) : 20000;
  const auto directory = std::filesystem::temp_directory_path() / ("yizhan-handler-cost-" + std::to_string(::getpid()));
  std::filesystem::create_directories(directory);
  const std::string db_path = (directory / "cost.db").string();

  service::init_crypto();
  spdlog::set_level(spdlog::level::warn);
  auto store = store::open_store(db_path);
  store->migrate();
  store::AuditEntry audit;
  audit.action = "bench.setup";
  audit.target_type = "station";
  store::Station station;
  station.name = "bench";
  station.address = "bench";
  station.district = "bench";
  station.rooms = 10;
  const auto station_id = store->insert_station(station, audit);

  // 10:00 on 2026-12-05 in Asia/Shanghai; the booking date is the next day.
  const auto now = std::chrono::sys_days(std::chrono::year_month_day(std::chrono::year(2026), std::chrono::month(12),
                                                                     std::chrono::day(5))) +
                   std::chrono::hours(2);
  const std::string date = "2026-12-06";
  store->set_quota(date, station_id, 1, audit);
  const auto travellers = bench::insert_travellers(
      db_path, 100, std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count());

  service::Config config;
  config.test_mode = true;
  config.slip_key_dir = (directory / "slip-keys").string();
  // Every call comes from one address and 100 accounts: lift the budgets.
  config.booking_rate_per_minute = 1'000'000'000;
  config.booking_account_rate_per_minute = 1'000'000'000;
  service::AdjustableClock clock;
  clock.set(now);
  web::App app(config, *store, clock, &clock);

  const auto booking = [&](int index) {
    const auto& traveller = travellers[static_cast<std::size_t>(index) % travellers.size()];
    web::Request request{web::http::verb::post, "/api/v1/bookings", 11};
    request.set(web::http::field::host, "127.0.0.1");
    request.set(web::http::field::content_type, "application/json");
    request.set(web::http::field::cookie, "yz_session=" + traveller.session_token);
    request.body() = "{\"date\":\"" + date + "\",\"captcha_id\":\"" + traveller.captcha_id +
                     "\",\"captcha_answer\":\"" + traveller.captcha_answer + "\"}";
    request.prepare_payload();
    return request;
  };
  const auto first = app.handle(booking(0), "127.0.0.1");
  if (first.result_int() != 201) {
    std::fprintf(stderr, "the first booking got %d: %s\n", first.result_int(), first.body().c_str());
    return 1;
  }

  int unexpected = 0;
  auto started = std::chrono::steady_clock::now();
  for (int i = 1; i <= count; ++i) {
    if (app.handle(booking(i), "127.0.0.1").result_int() != 409) ++unexpected;
  }
  const double sold_out_us =
      std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - started).count() / count;

  started = std::chrono::steady_clock::now();
  for (int i = 1; i <= count; ++i) {
    web::Request request{web::http::verb::get, i % 2 ? "/api/v1/availability" : "/api/v1/publicity", 11};
    request.set(web::http::field::host, "127.0.0.1");
    if (app.handle(std::move(request), "127.0.0.1").result_int() != 200) ++unexpected;
  }
  const double public_us =
      std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - started).count() / count;

  std::filesystem::remove_all(directory);
  std::printf("handler_cost: calls=%d sold_out_us=%.1f public_read_us=%.1f unexpected=%d\n", count, sold_out_us,
              public_us, unexpected);
  return unexpected == 0 ? 0 : 3;
}

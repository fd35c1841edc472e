// Metrics: request counts by route and status, a latency histogram, booking
// outcomes and gauges read when scraped, rendered in the Prometheus text
// format for GET /metrics. Thread-safe.
#pragma once

#include <array>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace yizhan::web {

class Metrics {
 public:
  // `route` is the route pattern (e.g. /api/v1/bookings/{booking_number}),
  // never the raw path, so that the label set stays bounded.
  void observe_request(const std::string& route, int status, double seconds);
  // Counts one booking response by outcome: "confirmed", "replayed" or the
  // error code that rejected it (e.g. booking.sold_out), a bounded set.
  void count_booking(const std::string& outcome);
  // A value read at every scrape, e.g. the booking writer's queue length.
  // `name` is the full metric name; register before serving.
  void add_gauge(std::string name, std::string help, std::function<double()> read);
  // The same for a counter kept elsewhere, e.g. by a service; `read` must
  // never return less than it did before.
  void add_counter(std::string name, std::string help, std::function<double()> read);
  std::string render_prometheus() const;

 private:
  static constexpr std::array<double, 12> kBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                      0.1,   0.25,   0.5,   1.0,  2.5,   5.0};
  struct Histogram {
    std::array<std::uint64_t, kBuckets.size()> counts{};  // not cumulative
    std::uint64_t total = 0;
    double sum = 0;
  };

  mutable std::mutex mutex_;
  std::map<std::pair<std::string, int>, std::uint64_t> requests_;  // guarded by mutex_
  std::map<std::string, Histogram> latency_;                       // guarded by mutex_
  std::map<std::string, std::uint64_t> bookings_;                  // guarded by mutex_
  struct Gauge {
    std::string name;
    std::string help;
    std::function<double()> read;
    const char* type = "gauge";  // or "counter"
  };
  std::vector<Gauge> gauges_;  // fixed once serving
};

}  // namespace yizhan::web

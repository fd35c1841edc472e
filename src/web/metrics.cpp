#include "web/metrics.h"

#include <spdlog/fmt/fmt.h>

#include <sstream>

namespace yizhan::web {

void Metrics::observe_request(const std::string& route, int status, double seconds) {
  std::lock_guard lock(mutex_);
  ++requests_[{route, status}];
  Histogram& histogram = latency_[route];
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) {
      ++histogram.counts[i];
      break;
    }
  }
  ++histogram.total;
  histogram.sum += seconds;
}

void Metrics::count_booking(const std::string& outcome) {
  std::lock_guard lock(mutex_);
  ++bookings_[outcome];
}

void Metrics::add_gauge(std::string name, std::string help, std::function<double()> read) {
  gauges_.push_back(Gauge{std::move(name), std::move(help), std::move(read)});
}

void Metrics::add_counter(std::string name, std::string help, std::function<double()> read) {
  gauges_.push_back(Gauge{std::move(name), std::move(help), std::move(read), "counter"});
}

std::string Metrics::render_prometheus() const {
  std::ostringstream out;
  // Values read from elsewhere go first and outside the lock: reading one
  // may take other locks. fmt prints the shortest exact form, where the
  // stream's 6 digits would round a large counter.
  for (const auto& gauge : gauges_) {
    out << "# HELP " << gauge.name << " " << gauge.help << "\n# TYPE " << gauge.name << " " << gauge.type << "\n"
        << gauge.name << " " << fmt::format("{}", gauge.read()) << "\n";
  }
  std::lock_guard lock(mutex_);
  out << "# HELP yizhan_bookings_total Answers to booking requests: confirmed, replayed, or the code that refused "
         "them.\n"
      << "# TYPE yizhan_bookings_total counter\n";
  for (const auto& [outcome, count] : bookings_) {
    out << "yizhan_bookings_total{outcome=\"" << outcome << "\"} " << count << "\n";
  }
  out << "# HELP yizhan_http_requests_total HTTP requests answered, by route and status.\n"
      << "# TYPE yizhan_http_requests_total counter\n";
  for (const auto& [key, count] : requests_) {
    out << "yizhan_http_requests_total{route=\"" << key.first << "\",status=\"" << key.second << "\"} " << count
        << "\n";
  }
  out << "# HELP yizhan_http_request_duration_seconds Time from a complete request to its response, by route.\n"
      << "# TYPE yizhan_http_request_duration_seconds histogram\n";
  for (const auto& [route, histogram] : latency_) {
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < kBuckets.size(); ++i) {
      cumulative += histogram.counts[i];
      out << "yizhan_http_request_duration_seconds_bucket{route=\"" << route << "\",le=\"" << kBuckets[i] << "\"} "
          << cumulative << "\n";
    }
    out << "yizhan_http_request_duration_seconds_bucket{route=\"" << route << "\",le=\"+Inf\"} " << histogram.total
        << "\n"
        << "yizhan_http_request_duration_seconds_sum{route=\"" << route << "\"} " << histogram.sum << "\n"
        << "yizhan_http_request_duration_seconds_count{route=\"" << route << "\"} " << histogram.total << "\n";
  }
  return out.str();
}

}  // namespace yizhan::web

#include "service/config.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "service/trusted_proxies.h"
#include "store/store.h"

namespace yizhan::service {
namespace {

std::string trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r");
  if (first == std::string::npos) return {};
  const auto last = text.find_last_not_of(" \t\r");
  return text.substr(first, last - first + 1);
}

int parse_int(const std::string& key, const std::string& value, int min, int max) {
  std::size_t used = 0;
  long parsed = 0;
  try {
    parsed = std::stol(value, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != value.size() || parsed < min || parsed > max) {
    throw std::invalid_argument(key + " must be a whole number from " + std::to_string(min) +
                                " to " + std::to_string(max) + ", not '" + value + "'");
  }
  return static_cast<int>(parsed);
}

bool parse_bool(const std::string& key, const std::string& value) {
  if (value == "true" || value == "1" || value == "yes") return true;
  if (value == "false" || value == "0" || value == "no") return false;
  throw std::invalid_argument(key + " must be true or false, not '" + value + "'");
}

}  // namespace

int parse_time_of_day(const std::string& text) {
  if (text.size() != 5 || text[2] != ':') return -1;
  for (std::size_t i : {0, 1, 3, 4}) {
    if (text[i] < '0' || text[i] > '9') return -1;
  }
  const int hours = (text[0] - '0') * 10 + (text[1] - '0');
  const int minutes = (text[3] - '0') * 10 + (text[4] - '0');
  // 24:00 is allowed as the end of the day.
  if (minutes > 59 || hours > 24 || (hours == 24 && minutes != 0)) return -1;
  return hours * 3600 + minutes * 60;
}

domain::BookingPolicy booking_policy(const Config& config) {
  domain::BookingPolicy policy;
  policy.opens_at = std::chrono::seconds(parse_time_of_day(config.booking_opens_at));
  policy.closes_at = std::chrono::seconds(parse_time_of_day(config.booking_closes_at));
  policy.window_days = config.booking_window_days;
  policy.cancel_days_before = config.cancel_days_before;
  return policy;
}

std::string slip_key_directory(const Config& config) {
  if (!config.slip_key_dir.empty()) return config.slip_key_dir;
  if (store::is_postgresql_url(config.db)) return "var/slip-keys";
  return (std::filesystem::path(config.db).parent_path() / "slip-keys").string();
}

domain::NoShowPolicy no_show_policy(const Config& config) {
  return domain::NoShowPolicy{config.no_show_limit, config.ban_days};
}

int close_days_time(const Config& config) {
  constexpr int kDefaultCloseTime = 5 * 60;  // 00:05
  if (config.close_days_at == "off") return -1;
  if (config.close_days_at.empty()) return config.test_mode ? -1 : kDefaultCloseTime;
  return parse_time_of_day(config.close_days_at);
}

bool apply_config_value(Config& config, const std::string& key, const std::string& value) {
  constexpr int kMaxInt = 1'000'000'000;
  if (key == "listen") {
    config.listen.push_back(value);
  } else if (key == "db") {
    config.db = value;
  } else if (key == "slip_key_dir") {
    config.slip_key_dir = value;
  } else if (key == "share_dir") {
    config.share_dir = value;
  } else if (key == "divisions_file") {
    config.divisions_file = value;
  } else if (key == "zone") {
    config.zone = value;
  } else if (key == "support_email") {
    config.support_email = value;
  } else if (key == "default_language") {
    if (value != "zh-Hant" && value != "zh-Hans" && value != "en") {
      throw std::invalid_argument("default_language must be zh-Hant, zh-Hans or en");
    }
    config.default_language = value;
  } else if (key == "log_level") {
    config.log_level = value;
  } else if (key == "test_mode") {
    config.test_mode = parse_bool(key, value);
  } else if (key == "io_threads") {
    config.io_threads = parse_int(key, value, 0, 256);
  } else if (key == "trusted_proxies") {
    // A comma-separated list; each line adds to the earlier ones.
    std::vector<std::string> entries;
    std::string::size_type start = 0;
    while (start <= value.size()) {
      const auto comma = std::min(value.find(',', start), value.size());
      auto entry = trim(value.substr(start, comma - start));
      if (entry.empty()) {
        throw std::invalid_argument(key + " has an empty entry in '" + value +
                                    "'. Give addresses or networks separated by commas.");
      }
      entries.push_back(std::move(entry));
      start = comma + 1;
    }
    try {
      const TrustedProxies check(entries);
    } catch (const std::invalid_argument& error) {
      throw std::invalid_argument(key + ": " + error.what());
    }
    config.trusted_proxies.insert(config.trusted_proxies.end(), entries.begin(), entries.end());
  } else if (key == "booking_batch_limit") {
    config.booking_batch_limit = parse_int(key, value, 1, 4096);
  } else if (key == "worker_threads") {
    config.worker_threads = parse_int(key, value, 0, 1024);
  } else if (key == "read_timeout_seconds") {
    config.read_timeout_seconds = parse_int(key, value, 1, 3600);
  } else if (key == "write_timeout_seconds") {
    config.write_timeout_seconds = parse_int(key, value, 1, 3600);
  } else if (key == "max_waiting_requests") {
    config.max_waiting_requests = parse_int(key, value, 1, 1 << 20);
  } else if (key == "body_limit_bytes") {
    config.body_limit_bytes = static_cast<std::uint64_t>(parse_int(key, value, 1024, 64 << 20));
  } else if (key == "session_lifetime_minutes") {
    config.session_lifetime_minutes = parse_int(key, value, 1, kMaxInt);
  } else if (key == "staff_session_lifetime_minutes") {
    config.staff_session_lifetime_minutes = parse_int(key, value, 1, kMaxInt);
  } else if (key == "lockout_failures") {
    config.lockout_failures = parse_int(key, value, 1, 1000);
  } else if (key == "lockout_minutes") {
    config.lockout_minutes = parse_int(key, value, 1, kMaxInt);
  } else if (key == "captcha_lifetime_seconds") {
    config.captcha_lifetime_seconds = parse_int(key, value, 10, 3600);
  } else if (key == "booking_rate_per_minute") {
    config.booking_rate_per_minute = parse_int(key, value, 1, kMaxInt);
  } else if (key == "booking_account_rate_per_minute") {
    config.booking_account_rate_per_minute = parse_int(key, value, 1, kMaxInt);
  } else if (key == "waiting_room_admit_per_second") {
    config.waiting_room_admit_per_second = parse_int(key, value, 0, 1'000'000);
  } else if (key == "waiting_room_burst") {
    config.waiting_room_burst = parse_int(key, value, 0, 1'000'000);
  } else if (key == "waiting_room_abandoned_seconds") {
    config.waiting_room_abandoned_seconds = parse_int(key, value, 10, 24 * 3600);
  } else if (key == "waiting_room_admitted_minutes") {
    config.waiting_room_admitted_minutes = parse_int(key, value, 1, 24 * 60);
  } else if (key == "login_rate_per_minute") {
    config.login_rate_per_minute = parse_int(key, value, 1, kMaxInt);
  } else if (key == "register_rate_per_minute") {
    config.register_rate_per_minute = parse_int(key, value, 1, kMaxInt);
  } else if (key == "captcha_rate_per_minute") {
    config.captcha_rate_per_minute = parse_int(key, value, 1, kMaxInt);
  } else if (key == "booking_opens_at" || key == "booking_closes_at") {
    if (parse_time_of_day(value) < 0) throw std::invalid_argument(key + " must be HH:MM, not '" + value + "'");
    (key == "booking_opens_at" ? config.booking_opens_at : config.booking_closes_at) = value;
  } else if (key == "booking_window_days") {
    config.booking_window_days = parse_int(key, value, 1, 60);
  } else if (key == "cancel_days_before") {
    config.cancel_days_before = parse_int(key, value, 0, 60);
  } else if (key == "no_show_limit") {
    config.no_show_limit = parse_int(key, value, 1, 100);
  } else if (key == "ban_days") {
    config.ban_days = parse_int(key, value, 1, 3650);
  } else if (key == "close_days_at") {
    // 24:00 would never come, so the job's time must be before midnight.
    const int seconds = parse_time_of_day(value);
    if (value != "off" && (seconds < 0 || seconds >= 24 * 3600)) {
      throw std::invalid_argument(key + " must be HH:MM before 24:00 or off, not '" + value + "'");
    }
    config.close_days_at = value;
  } else if (key == "password_memory_kib") {
    config.password_memory_kib = static_cast<std::uint64_t>(parse_int(key, value, 8, 4 << 20));
  } else if (key == "password_passes") {
    config.password_passes = static_cast<std::uint64_t>(parse_int(key, value, 1, 100));
  } else {
    return false;
  }
  return true;
}

void load_config_file(const std::string& path, Config& config) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open config file " + path);
  std::string line;
  int number = 0;
  bool listen_seen = false;
  while (std::getline(in, line)) {
    ++number;
    const auto hash = line.find('#');
    if (hash != std::string::npos) line.erase(hash);
    line = trim(line);
    if (line.empty()) continue;
    const auto equals = line.find('=');
    const std::string where = path + ":" + std::to_string(number) + ": ";
    if (equals == std::string::npos) throw std::runtime_error(where + "expected key = value");
    const std::string key = trim(line.substr(0, equals));
    const std::string value = trim(line.substr(equals + 1));
    // The first `listen` line replaces the default address; later ones add.
    if (key == "listen" && !listen_seen) {
      config.listen.clear();
      listen_seen = true;
    }
    try {
      if (!apply_config_value(config, key, value)) {
        throw std::runtime_error(where + "unknown key '" + key + "'");
      }
    } catch (const std::invalid_argument& error) {
      throw std::runtime_error(where + error.what());
    }
  }
}

}  // namespace yizhan::service

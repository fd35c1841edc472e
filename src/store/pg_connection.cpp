#include "store/pg_connection.h"

#include <charconv>

namespace yizhan::store {
namespace {

constexpr std::string_view kUniqueViolation = "23505";

// SQLSTATE classes after which the session is gone or cannot be trusted:
// 08 connection exceptions, 57P0x the server shutting down or terminating
// the backend (pg_terminate_backend), XX internal errors.
bool ends_session(std::string_view sqlstate) {
  return sqlstate.starts_with("08") || sqlstate.starts_with("57P") || sqlstate.starts_with("XX");
}

std::string sqlstate_of(const PGresult* result) {
  const char* code = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  return code ? code : "";
}

// Quote one element of an array literal: "..." with \ and " escaped.
std::string quote_element(std::string_view value) {
  std::string quoted = "\"";
  for (const char c : value) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return quoted + "\"";
}

// libpq's messages span lines ("...refused\n\tIs the server running...");
// log lines must not.
std::string one_line(const std::string& message) {
  std::string line;
  for (const char c : message) {
    if (c == '\n') {
      line += "; ";
    } else if (c != '\t') {
      line += c;
    }
  }
  while (line.size() >= 2 && line.ends_with("; ")) line.resize(line.size() - 2);
  return line;
}

void ignore_notice(void*, const char*) {
  // NOTICEs such as "relation already exists, skipping" are expected and
  // would otherwise go to stderr.
}

int parse_setting(std::string_view name, std::string_view value, int min, int max) {
  int parsed = 0;
  const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), parsed);
  if (error != std::errc() || end != value.data() + value.size() || parsed < min || parsed > max) {
    throw StoreError("invalid " + std::string(name) + " '" + std::string(value) + "' in the PostgreSQL URL (expected " +
                     std::to_string(min) + " to " + std::to_string(max) + ")");
  }
  return parsed;
}

}  // namespace

PgParam::PgParam(const std::vector<std::int64_t>& values) {
  std::string text = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) text += ',';
    text += std::to_string(values[i]);
  }
  text_ = text + "}";
}

PgParam::PgParam(const std::vector<std::string>& values) {
  std::string text = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) text += ',';
    text += quote_element(values[i]);
  }
  text_ = text + "}";
}

PgResult& PgResult::operator=(PgResult&& other) noexcept {
  if (this != &other) {
    PQclear(result_);
    result_ = other.result_;
    unique_violation_ = other.unique_violation_;
    other.result_ = nullptr;
  }
  return *this;
}

int PgResult::affected() const {
  if (!result_ || unique_violation_) return 0;
  const char* count = PQcmdTuples(result_);
  return count && *count ? std::atoi(count) : 0;
}

std::int64_t PgResult::integer(int row, int column) const {
  if (PQgetisnull(result_, row, column)) return 0;
  const char* text = PQgetvalue(result_, row, column);
  const int length = PQgetlength(result_, row, column);
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text, text + length, value);
  if (error != std::errc() || end != text + length) {
    throw StoreError("PostgreSQL returned '" + std::string(text, static_cast<std::size_t>(length)) +
                     "' where an integer was expected");
  }
  return value;
}

std::string PgResult::text(int row, int column) const {
  if (PQgetisnull(result_, row, column)) return {};
  return std::string(PQgetvalue(result_, row, column), static_cast<std::size_t>(PQgetlength(result_, row, column)));
}

bool PgResult::boolean(int row, int column) const {
  return !PQgetisnull(result_, row, column) && PQgetvalue(result_, row, column)[0] == 't';
}

PgConnection::PgConnection(const std::string& conninfo, int statement_timeout_ms) {
  conn_ = PQconnectdb(conninfo.c_str());
  if (PQstatus(conn_) != CONNECTION_OK) {
    // libpq's message names the host and port, never the password.
    const std::string message = one_line(conn_ ? PQerrorMessage(conn_) : "out of memory");
    PQfinish(conn_);
    throw PgError("cannot connect to PostgreSQL: " + message, "");
  }
  PQsetNoticeProcessor(conn_, ignore_notice, nullptr);
  try {
    query("SELECT set_config('statement_timeout', $1, false)", {std::to_string(statement_timeout_ms)});
    // Statements outside PgTransaction run in their own implicit transaction.
    // A server default of SERIALIZABLE would make them fail with 40001 where
    // the store's rules expect a wait for the row lock.
    query("SELECT set_config('default_transaction_isolation', 'read committed', false)");
  } catch (...) {
    PQfinish(conn_);
    throw;
  }
}

PgConnection::~PgConnection() { PQfinish(conn_); }

bool PgConnection::usable() const { return !broken_ && PQstatus(conn_) == CONNECTION_OK; }

void PgConnection::fail(PGresult* result, std::string_view what) {
  const std::string sqlstate = sqlstate_of(result);
  std::string message = result ? PQresultErrorMessage(result) : "";
  if (message.empty()) message = PQerrorMessage(conn_);
  message = one_line(message);
  PQclear(result);
  if (PQstatus(conn_) != CONNECTION_OK || ends_session(sqlstate)) broken_ = true;
  throw PgError(std::string(what) + (sqlstate.empty() ? "" : " [" + sqlstate + "]") + ": " + message, sqlstate);
}

void PgConnection::execute(const std::string& sql) {
  PGresult* result = PQexec(conn_, sql.c_str());
  const auto status = result ? PQresultStatus(result) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) fail(result, "SQL failed");
  PQclear(result);
}

PgResult PgConnection::query(const std::string& sql, std::initializer_list<PgParam> params) {
  return query(sql, std::vector<PgParam>(params));
}

PgResult PgConnection::query(const std::string& sql, const std::vector<PgParam>& params) {
  auto found = prepared_.find(sql);
  if (found == prepared_.end()) {
    const std::string name = "yizhan_" + std::to_string(prepared_.size() + 1);
    PGresult* prepared = PQprepare(conn_, name.c_str(), sql.c_str(), 0, nullptr);
    if (!prepared || PQresultStatus(prepared) != PGRES_COMMAND_OK) fail(prepared, "prepare failed");
    PQclear(prepared);
    found = prepared_.emplace(sql, name).first;
  }

  std::vector<const char*> values;
  values.reserve(params.size());
  for (const PgParam& param : params) values.push_back(param.c_str());
  PGresult* result = PQexecPrepared(conn_, found->second.c_str(), static_cast<int>(values.size()), values.data(),
                                    nullptr, nullptr, 0);
  const auto status = result ? PQresultStatus(result) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return PgResult(result);
  if (status == PGRES_FATAL_ERROR && sqlstate_of(result) == kUniqueViolation) return PgResult(result, true);
  fail(result, "query failed");
}

PgTransaction::PgTransaction(PgConnection& connection) : connection_(connection) {
  connection_.execute("BEGIN ISOLATION LEVEL READ COMMITTED");
}

PgTransaction::~PgTransaction() {
  if (done_ || !connection_.usable()) return;
  try {
    connection_.execute("ROLLBACK");
  } catch (const StoreError&) {
    // The connection failed during the rollback, so usable() now returns
    // false and the pool drops it.
  }
}

void PgTransaction::commit() {
  done_ = true;
  connection_.execute("COMMIT");
}

PgSettings parse_pg_url(const std::string& url) {
  PgSettings settings;
  const auto question = url.find('?');
  std::string base = url.substr(0, question);
  std::vector<std::string> kept;
  bool has_connect_timeout = false;
  bool has_application_name = false;
  if (question != std::string::npos) {
    std::string_view query = std::string_view(url).substr(question + 1);
    while (!query.empty()) {
      const auto amp = query.find('&');
      const std::string_view pair = query.substr(0, amp);
      query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
      if (pair.empty()) continue;
      const auto equals = pair.find('=');
      const std::string_view key = pair.substr(0, equals);
      const std::string_view value = equals == std::string_view::npos ? std::string_view() : pair.substr(equals + 1);
      if (key == "pool") {
        settings.pool_size = parse_setting("pool", value, 1, 1000);
      } else if (key == "statement_timeout") {
        settings.statement_timeout_ms = parse_setting("statement_timeout", value, 1, 3'600'000);
      } else {
        has_connect_timeout = has_connect_timeout || key == "connect_timeout";
        has_application_name = has_application_name || key == "application_name";
        kept.emplace_back(pair);
      }
    }
  }
  // Without a connect timeout libpq waits as long as the kernel does for an
  // unreachable host, and a request would hang with it.
  if (!has_connect_timeout) kept.emplace_back("connect_timeout=5");
  if (!has_application_name) kept.emplace_back("application_name=yizhan");

  settings.conninfo = base;
  for (std::size_t i = 0; i < kept.size(); ++i) settings.conninfo += (i == 0 ? "?" : "&") + kept[i];

  // postgresql://user:password@host/... -> postgresql://user:***@host/...
  std::string display = url;
  const auto scheme_end = display.find("://");
  if (scheme_end != std::string::npos) {
    const auto authority = scheme_end + 3;
    const auto at = display.find('@', authority);
    const auto slash = display.find('/', authority);
    if (at != std::string::npos && (slash == std::string::npos || at < slash)) {
      const auto colon = display.find(':', authority);
      if (colon != std::string::npos && colon < at) display.replace(colon + 1, at - colon - 1, "***");
    }
  }
  // ...?password=secret -> ...?password=***
  for (std::size_t position = display.find("password="); position != std::string::npos;
       position = display.find("password=", position + 1)) {
    const auto value = position + std::string_view("password=").size();
    const auto end = display.find('&', value);
    display.replace(value, (end == std::string::npos ? display.size() : end) - value, "***");
  }
  settings.display = display;
  return settings;
}

std::int64_t advisory_key(std::string_view text) {
  std::uint64_t hash = 14695981039346656037ull;
  for (const unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return static_cast<std::int64_t>(hash);
}

}  // namespace yizhan::store

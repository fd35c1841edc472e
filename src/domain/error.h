// Error: the one error type that crosses layers. A rule that rejects input,
// a missing record or a refused action becomes an Error with a stable dotted
// code ("account.id_number_invalid"); the web layer maps its kind to an HTTP
// status and its code to a message in the request's language.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace yizhan {

enum class ErrorKind {
  malformed,        // 400: the request itself cannot be read
  unauthenticated,  // 401: no valid session, or bad credentials
  forbidden,        // 403: the caller may not do this
  not_found,        // 404
  conflict,         // 409: state forbids it (duplicate, sold out)
  invalid,          // 422: a rule rejects the values
  too_large,        // 413
  unsupported,      // 415
  rate_limited,     // 429
  unavailable,      // 503
};

struct Error {
  ErrorKind kind = ErrorKind::invalid;
  std::string code;   // stable dotted code, also the message catalog key
  std::string field;  // offending input, empty when there is none
  // Values substituted into the catalog message, e.g. {"minutes", "15"}.
  std::map<std::string, std::string> params;
  // Catalog key of the message when it differs from the code, e.g. the same
  // code worded for staff; empty to use the code.
  std::string message_key;
  // Seconds the client should wait before retrying; 0 when not applicable.
  int retry_after_seconds = 0;
};

inline Error make_error(ErrorKind kind, std::string code, std::string field = {}) {
  Error error;
  error.kind = kind;
  error.code = std::move(code);
  error.field = std::move(field);
  return error;
}

// Result<T>: either a value or an Error. Used where a step can fail for a
// reason the user must be told; programming errors still assert.
template <class T>
class Result {
 public:
  Result(T value) : state_(std::move(value)) {}
  Result(Error error) : state_(std::move(error)) {}

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(state_); }
  const T& value() const { return std::get<0>(state_); }
  const Error& error() const { return std::get<1>(state_); }

 private:
  std::variant<T, Error> state_;
};

// A validation step: nullopt when the value passes.
using Check = std::optional<Error>;

}  // namespace yizhan

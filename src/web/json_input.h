// Strict reading of JSON request bodies: the body must be valid UTF-8, one
// JSON object, with only the listed members and each of the listed type.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "domain/error.h"

namespace yizhan::web {

enum class JsonType { string, boolean, integer };

struct JsonField {
  std::string name;
  JsonType type;
  bool required;
};

// Errors: request.invalid_utf8, request.malformed_json, request.expected_object,
// request.unknown_field, request.wrong_type (400) and request.field_missing (422).
Result<nlohmann::json> read_json_object(const std::string& body, const std::vector<JsonField>& fields);

// Member `name` as a string, or "" when absent.
std::string string_member(const nlohmann::json& object, const std::string& name);

}  // namespace yizhan::web

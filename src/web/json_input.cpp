#include "web/json_input.h"

#include "domain/text.h"

namespace yizhan::web {
namespace {

bool has_type(const nlohmann::json& value, JsonType type) {
  switch (type) {
    case JsonType::string: return value.is_string();
    case JsonType::boolean: return value.is_boolean();
    case JsonType::integer: return value.is_number_integer();
  }
  return false;
}

}  // namespace

Result<nlohmann::json> read_json_object(const std::string& body, const std::vector<JsonField>& fields) {
  if (!domain::is_valid_utf8(body)) return make_error(ErrorKind::malformed, "request.invalid_utf8");
  nlohmann::json document = nlohmann::json::parse(body, nullptr, false);
  if (document.is_discarded()) return make_error(ErrorKind::malformed, "request.malformed_json");
  if (!document.is_object()) return make_error(ErrorKind::malformed, "request.expected_object");

  for (const auto& [name, value] : document.items()) {
    const auto field = std::find_if(fields.begin(), fields.end(), [&](const JsonField& f) { return f.name == name; });
    if (field == fields.end()) {
      // Cap the echoed name: it is user input shown back in the error.
      return make_error(ErrorKind::malformed, "request.unknown_field", name.substr(0, 64));
    }
    // null counts as absent, so clients may send every member.
    if (!value.is_null() && !has_type(value, field->type)) {
      return make_error(ErrorKind::malformed, "request.wrong_type", name);
    }
  }
  for (const JsonField& field : fields) {
    if (field.required && (!document.contains(field.name) || document[field.name].is_null())) {
      return make_error(ErrorKind::invalid, "request.field_missing", field.name);
    }
  }
  return document;
}

std::string string_member(const nlohmann::json& object, const std::string& name) {
  const auto found = object.find(name);
  if (found == object.end() || !found->is_string()) return {};
  return found->get<std::string>();
}

}  // namespace yizhan::web

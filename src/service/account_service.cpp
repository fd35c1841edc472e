#include "service/account_service.h"

#include "domain/id_document.h"
#include "domain/password_rules.h"
#include "domain/staff_role.h"
#include "domain/text.h"
#include "service/crypto.h"

namespace yizhan::service {
namespace {

std::int64_t seconds(Instant instant) { return instant.time_since_epoch().count(); }

Error missing(std::string code, std::string field) {
  return make_error(ErrorKind::invalid, std::move(code), std::move(field));
}

// Parse and normalise the ID document fields shared by registration and
// sign-in; `full_check` also applies the number's format rules.
Result<std::pair<domain::IdType, std::string>> read_id_document(const std::string& type_name,
                                                                const std::string& number,
                                                                std::chrono::year_month_day today,
                                                                bool full_check) {
  if (type_name.empty()) return missing("account.id_type_missing", "id_type");
  const auto type = domain::parse_id_type(type_name);
  if (!type) return make_error(ErrorKind::invalid, "account.id_type_invalid", "id_type");
  if (!domain::is_valid_utf8(number)) return make_error(ErrorKind::invalid, "account.id_number_invalid", "id_number");
  std::string normalized = domain::normalize_id_number(number);
  if (normalized.empty()) return missing("account.id_number_missing", "id_number");
  if (full_check) {
    if (auto error = domain::validate_id_number(*type, normalized, today)) return *error;
  } else if (normalized.size() > 32) {
    return make_error(ErrorKind::invalid, "account.id_number_invalid", "id_number");
  }
  return std::make_pair(*type, std::move(normalized));
}

}  // namespace

AccountService::AccountService(store::Store& store, const Clock& clock, const TimeZone& zone, const Config& config,
                               CaptchaService& captchas)
    : store_(store), clock_(clock), zone_(zone), config_(config), captchas_(captchas) {
  decoy_hash_ = hash_password(random_token(16), password_cost());
}

PasswordHashCost AccountService::password_cost() const {
  return PasswordHashCost{config_.password_memory_kib, config_.password_passes};
}

Result<SignedIn> AccountService::register_account(const RegisterRequest& request) {
  const auto today = zone_.to_local(clock_.now()).date;
  auto document = read_id_document(request.id_type, request.id_number, today, true);
  if (!document) return document.error();
  if (auto error = domain::validate_password(request.password)) return *error;
  if (auto error = domain::validate_password_confirmation(request.password, request.password_confirm)) return *error;
  if (!request.consent) return missing("account.consent_required", "consent");

  // The captcha is checked after the formats, so a typo does not burn it,
  // and before the duplicate check, so that registration cannot be used to
  // probe which ID numbers have accounts without solving a captcha.
  if (auto error = captchas_.verify(request.captcha_id, request.captcha_answer)) return *error;

  const auto [type, number] = document.value();
  store::NewAccount account;
  account.id_type = std::string(domain::to_string(type));
  account.id_number = number;
  account.password_hash = hash_password(request.password, password_cost());
  account.language = request.language;
  account.consent_text = request.consent_text;
  account.consent_at = seconds(clock_.now());
  account.created_at = account.consent_at;

  std::int64_t id = 0;
  if (store_.insert_account(account, id) == store::InsertOutcome::duplicate) {
    return make_error(ErrorKind::conflict, "account.already_registered", "id_number");
  }
  return open_session(store::SessionKind::account, id, config_.session_lifetime_minutes, account.language);
}

Result<SignedIn> AccountService::login(const LoginRequest& request) {
  const auto today = zone_.to_local(clock_.now()).date;
  auto document = read_id_document(request.id_type, request.id_number, today, false);
  if (!document) return document.error();
  if (request.password.empty()) return missing("account.password_missing", "password");
  if (auto error = captchas_.verify(request.captcha_id, request.captcha_answer)) return *error;

  const auto [type, number] = document.value();
  const std::string type_name(domain::to_string(type));
  const std::string key = "account:" + type_name + ":" + number;
  if (auto locked = check_lock(key)) return *locked;

  const auto account = store_.find_account(type_name, number);
  const bool password_ok = verify_password(account ? account->password_hash : decoy_hash_, request.password);
  if (!account || !password_ok) return record_failure(key);

  store_.clear_login_failures(key);
  if (account->must_change_password) {
    // A one-time password works for one login: replace it with a random
    // secret nobody knows, so the traveller must set a new one now.
    store_.set_account_password(account->id, hash_password(random_token(24), password_cost()), true, nullptr);
  }
  return open_session(store::SessionKind::account, account->id, config_.session_lifetime_minutes, account->language);
}

Result<SignedIn> AccountService::change_password(const store::Account& account, const std::string& current,
                                                 const std::string& password, const std::string& confirm) {
  if (!account.must_change_password) {
    if (current.empty()) return missing("account.current_password_missing", "current_password");
    if (!verify_password(account.password_hash, current)) {
      return make_error(ErrorKind::invalid, "account.current_password_wrong", "current_password");
    }
  }
  if (auto error = domain::validate_password(password)) {
    error->field = "new_password";
    return *error;
  }
  if (auto error = domain::validate_password_confirmation(password, confirm)) {
    error->field = "new_password_confirm";
    return *error;
  }
  store_.set_account_password(account.id, hash_password(password, password_cost()), false, nullptr);
  return open_session(store::SessionKind::account, account.id, config_.session_lifetime_minutes, account.language);
}

Result<SignedIn> AccountService::staff_login(const StaffLoginRequest& request) {
  if (request.username.empty()) return missing("staff.username_missing", "username");
  if (request.password.empty()) return missing("account.password_missing", "password");
  if (request.username.size() > 64) {
    Error error = make_error(ErrorKind::unauthenticated, "auth.invalid_credentials");
    error.message_key = "auth.staff_invalid_credentials";
    return error;
  }

  const std::string key = "staff:" + request.username;
  if (auto locked = check_lock(key)) return *locked;

  const auto staff = store_.find_staff(request.username);
  const bool password_ok = verify_password(staff ? staff->password_hash : decoy_hash_, request.password);
  if (!staff || !password_ok || staff->disabled) {
    Error error = record_failure(key);
    if (error.code == "auth.invalid_credentials") error.message_key = "auth.staff_invalid_credentials";
    return error;
  }

  store_.clear_login_failures(key);
  return open_session(store::SessionKind::staff, staff->id, config_.staff_session_lifetime_minutes, staff->language);
}

std::optional<Error> AccountService::check_lock(const std::string& key) {
  const auto throttle = store_.find_login_throttle(key);
  const auto now = seconds(clock_.now());
  if (throttle.locked_until <= now) return std::nullopt;
  Error error = make_error(ErrorKind::rate_limited, "auth.locked");
  error.retry_after_seconds = static_cast<int>(throttle.locked_until - now);
  error.params["minutes"] = std::to_string((throttle.locked_until - now + 59) / 60);
  return error;
}

Error AccountService::record_failure(const std::string& key) {
  const auto now = seconds(clock_.now());
  const auto throttle =
      store_.record_login_failure(key, now, config_.lockout_failures, config_.lockout_minutes * 60LL);
  if (throttle.locked_until > now) return *check_lock(key);
  return make_error(ErrorKind::unauthenticated, "auth.invalid_credentials");
}

void AccountService::logout(const std::string& token) {
  if (!token.empty()) store_.delete_session(token_digest(token));
}

std::optional<store::Account> AccountService::account_for_session(const std::string& token) {
  if (token.empty() || token.size() > 128) return std::nullopt;
  return store_.find_session_account(token_digest(token), seconds(clock_.now()));
}

std::optional<store::Staff> AccountService::staff_for_session(const std::string& token) {
  if (token.empty() || token.size() > 128) return std::nullopt;
  const auto session = store_.find_session(token_digest(token), seconds(clock_.now()));
  if (!session || session->kind != store::SessionKind::staff) return std::nullopt;
  auto staff = store_.find_staff_by_id(session->subject_id);
  if (!staff || staff->disabled) return std::nullopt;
  return staff;
}

void AccountService::remember_language(const store::Account& account, const std::string& language) {
  if (account.language != language) store_.set_account_language(account.id, language);
}

void AccountService::remember_staff_language(const store::Staff& staff, const std::string& language) {
  if (staff.language != language) store_.set_staff_language(staff.id, language);
}

Result<std::int64_t> AccountService::add_staff(const std::string& username, const std::string& password,
                                               const std::string& role) {
  if (auto error = domain::validate_staff_username(username)) return *error;
  if (!domain::parse_staff_role(role)) return make_error(ErrorKind::invalid, "staff.role_invalid", "role");
  if (auto error = domain::validate_password(password)) return *error;

  store::NewStaff staff;
  staff.username = username;
  staff.password_hash = hash_password(password, password_cost());
  staff.role = role;
  staff.created_at = seconds(clock_.now());
  std::int64_t id = 0;
  if (store_.insert_staff(staff, id) == store::InsertOutcome::duplicate) {
    return make_error(ErrorKind::conflict, "staff.username_taken", "username");
  }
  return id;
}

SignedIn AccountService::open_session(store::SessionKind kind, std::int64_t subject_id, int lifetime_minutes,
                                      const std::string& language) {
  SignedIn signed_in;
  signed_in.subject_id = subject_id;
  signed_in.token = random_token(32);
  const Instant opened = clock_.now();
  signed_in.lifetime = std::chrono::minutes(lifetime_minutes);
  signed_in.expires_at = opened + signed_in.lifetime;
  signed_in.language = language;

  store::Session session;
  session.token_digest = token_digest(signed_in.token);
  session.kind = kind;
  session.subject_id = subject_id;
  session.created_at = seconds(opened);
  session.expires_at = seconds(signed_in.expires_at);
  store_.insert_session(session);
  return signed_in;
}

}  // namespace yizhan::service

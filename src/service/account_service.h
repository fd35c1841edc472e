// AccountService: the traveller's registration, sign-in and sign-out, and
// the staff's sign-in. Shared by the pages and the JSON API.
#pragma once

#include <optional>
#include <string>

#include "domain/error.h"
#include "service/captcha_service.h"
#include "service/clock.h"
#include "service/config.h"
#include "service/crypto.h"
#include "store/store.h"

namespace yizhan::service {

struct RegisterRequest {
  std::string id_type;
  std::string id_number;
  std::string password;
  std::string password_confirm;
  std::string captcha_id;
  std::string captcha_answer;
  bool consent = false;
  std::string consent_text;  // the declaration as shown, in the user's language
  std::string language;
};

struct LoginRequest {
  std::string id_type;
  std::string id_number;
  std::string password;
  std::string captcha_id;
  std::string captcha_answer;
};

struct StaffLoginRequest {
  std::string username;
  std::string password;
};

// A new session: the token goes into the cookie, only its digest is stored.
struct SignedIn {
  std::int64_t subject_id = 0;
  std::string token;
  Instant expires_at;
  // Time from opening to expiry. It is the cookie's Max-Age, so time spent
  // before the cookie is written does not shorten the cookie.
  std::chrono::seconds lifetime{0};
  std::string language;  // remembered language of the account, may be empty
};

class AccountService {
 public:
  AccountService(store::Store& store, const Clock& clock, const TimeZone& zone, const Config& config,
                 CaptchaService& captchas);

  Result<SignedIn> register_account(const RegisterRequest& request);
  Result<SignedIn> login(const LoginRequest& request);
  Result<SignedIn> staff_login(const StaffLoginRequest& request);
  void logout(const std::string& token);

  // The traveller sets a new password. `current` must match unless an
  // administrator's reset requires the change, in which case the one-time
  // password was already used up by the login. Ends every other session and
  // returns a new one.
  Result<SignedIn> change_password(const store::Account& account, const std::string& current,
                                   const std::string& password, const std::string& confirm);

  std::optional<store::Account> account_for_session(const std::string& token);
  std::optional<store::Staff> staff_for_session(const std::string& token);

  void remember_language(const store::Account& account, const std::string& language);
  void remember_staff_language(const store::Staff& staff, const std::string& language);

  // Add a staff account (the CLI and, later, the admin pages).
  Result<std::int64_t> add_staff(const std::string& username, const std::string& password,
                                 const std::string& role);

 private:
  SignedIn open_session(store::SessionKind kind, std::int64_t subject_id, int lifetime_minutes,
                        const std::string& language);
  // Count a failed sign-in for `key` and return the error to show.
  Error record_failure(const std::string& key);
  std::optional<Error> check_lock(const std::string& key);
  PasswordHashCost password_cost() const;

  store::Store& store_;
  const Clock& clock_;
  const TimeZone& zone_;
  const Config& config_;
  CaptchaService& captchas_;
  // A valid hash to verify against when the identity does not exist, so that
  // an unknown ID number takes as long as a wrong password.
  std::string decoy_hash_;
};

}  // namespace yizhan::service

// CaptchaService: issues captchas and checks answers. The answer is stored
// only as a digest and leaves the server only as pixels. Each captcha can be
// checked once, right or wrong, and expires after the configured lifetime.
#pragma once

#include <string>

#include "domain/error.h"
#include "service/clock.h"
#include "store/store.h"

namespace yizhan::service {

struct IssuedCaptcha {
  std::string id;
  std::string png;  // the image bytes
};

class CaptchaService {
 public:
  // In test mode "0000" is also accepted for any captcha that was issued,
  // still only once and only before it expires.
  CaptchaService(store::Store& store, const Clock& clock, int lifetime_seconds, bool test_mode);

  IssuedCaptcha issue();
  // The digest stored for `id` when `answer` is its answer; lets a store
  // transaction check an answer while it consumes the captcha.
  static std::string answer_digest_for(const std::string& id, const std::string& answer);
  // True for test mode's fixed answer (only meaningful when test mode is on).
  static bool is_test_answer(const std::string& answer);
  // Consume the captcha `id` and check `answer` against it (case-insensitive).
  Check verify(const std::string& id, const std::string& answer);

 private:
  store::Store& store_;
  const Clock& clock_;
  int lifetime_seconds_;
  bool test_mode_;
};

}  // namespace yizhan::service

#include "service/captcha_service.h"

#include "service/captcha_image.h"
#include "service/crypto.h"

namespace yizhan::service {
namespace {

constexpr std::size_t kAnswerLength = 4;
constexpr std::string_view kTestModeAnswer = "0000";

std::string upper_ascii(std::string text) {
  for (char& c : text) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return text;
}

// Binding the digest to the id means one answer digest says nothing about
// another captcha with the same answer.
std::string answer_digest(const std::string& id, const std::string& answer) {
  return token_digest(id + ":" + upper_ascii(answer));
}

}  // namespace

std::string CaptchaService::answer_digest_for(const std::string& id, const std::string& answer) {
  return answer_digest(id, answer);
}

bool CaptchaService::is_test_answer(const std::string& answer) { return answer == kTestModeAnswer; }

CaptchaService::CaptchaService(store::Store& store, const Clock& clock, int lifetime_seconds, bool test_mode)
    : store_(store), clock_(clock), lifetime_seconds_(lifetime_seconds), test_mode_(test_mode) {}

IssuedCaptcha CaptchaService::issue() {
  const std::string_view alphabet = captcha_alphabet();
  std::string answer;
  for (std::size_t i = 0; i < kAnswerLength; ++i) {
    answer += alphabet[random_below(static_cast<std::uint32_t>(alphabet.size()))];
  }
  IssuedCaptcha captcha;
  captcha.id = random_token(16);
  captcha.png = render_captcha_png(answer, random_u64());
  const auto expires_at = clock_.now().time_since_epoch().count() + lifetime_seconds_;
  store_.insert_captcha(captcha.id, answer_digest(captcha.id, answer), expires_at);
  return captcha;
}

Check CaptchaService::verify(const std::string& id, const std::string& answer) {
  if (answer.empty()) return make_error(ErrorKind::invalid, "captcha.missing", "captcha_answer");
  if (id.empty() || id.size() > 64) return make_error(ErrorKind::invalid, "captcha.expired", "captcha_answer");

  const auto stored = store_.consume_captcha(id, clock_.now().time_since_epoch().count());
  if (!stored) return make_error(ErrorKind::invalid, "captcha.expired", "captcha_answer");
  if (test_mode_ && answer == kTestModeAnswer) return std::nullopt;
  if (answer.size() > 16 || !equal_in_constant_time(*stored, answer_digest(id, answer))) {
    return make_error(ErrorKind::invalid, "captcha.wrong", "captcha_answer");
  }
  return std::nullopt;
}

}  // namespace yizhan::service

// The session cookie's Max-Age is the configured session lifetime, however
// long signing in takes. The clock here moves one second on every reading,
// as a real clock may between opening the session and writing the cookie.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <regex>

#include "service/crypto.h"
#include "store_backends.h"
#include "web/app.h"

namespace yizhan::web {
namespace {

// 1 December 2026, 10:00 in Shenzhen.
constexpr std::int64_t kStart = 1796090400;

class SteppingClock final : public service::Clock {
 public:
  service::Instant now() const override { return service::Instant{std::chrono::seconds{next_++}}; }

 private:
  mutable std::atomic<std::int64_t> next_{kStart};
};

class SessionCookieTest : public ::testing::Test {
 protected:
  void SetUp() override {
    service::init_crypto();
    database_ = std::make_unique<store::backends::TestDatabase>(store::backends::Backend::sqlite);
    store_ = database_->open();
    store_->migrate();
    config_.db = database_->url();
    config_.test_mode = true;
    config_.session_lifetime_minutes = 30;
    config_.staff_session_lifetime_minutes = 20;
    app_ = std::make_unique<App>(config_, *store_, clock_, nullptr);
  }

  Response send(http::verb method, const std::string& target, const nlohmann::json& body = nullptr) {
    Request request{method, target, 11};
    request.set(http::field::host, "127.0.0.1");
    if (!body.is_null()) {
      request.set(http::field::content_type, "application/json");
      request.body() = body.dump();
      request.prepare_payload();
    }
    return app_->handle(std::move(request), "127.0.0.1");
  }

  std::string captcha() {
    const auto response = send(http::verb::get, "/api/v1/captcha");
    EXPECT_EQ(response.result(), http::status::ok) << response.body();
    return nlohmann::json::parse(response.body()).value("id", "");
  }

  // The Max-Age of the `name` cookie set by `response`, or -1 without one.
  static int max_age(const Response& response, const std::string& name) {
    for (const auto& field : response) {
      if (field.name() != http::field::set_cookie) continue;
      const std::string line(field.value());
      if (line.rfind(name + "=", 0) != 0) continue;
      std::smatch match;
      if (std::regex_search(line, match, std::regex("Max-Age=(\\d+)"))) return std::stoi(match[1]);
    }
    return -1;
  }

  SteppingClock clock_;
  service::Config config_;
  std::unique_ptr<store::backends::TestDatabase> database_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<App> app_;
};

TEST_F(SessionCookieTest, TravellerCookieLastsTheSessionLifetime) {
  const nlohmann::json account = {{"id_type", "home_return_permit"}, {"id_number", "H12345678"},
                                  {"password", "abc12345"},          {"password_confirm", "abc12345"},
                                  {"consent", true}};
  auto registration = account;
  registration["captcha_id"] = captcha();
  registration["captcha_answer"] = "0000";
  const auto registered = send(http::verb::post, "/api/v1/accounts", registration);
  ASSERT_EQ(registered.result(), http::status::created) << registered.body();
  EXPECT_EQ(max_age(registered, "yz_session"), 30 * 60);

  const nlohmann::json login = {{"id_type", "home_return_permit"}, {"id_number", "H12345678"},
                                {"password", "abc12345"},          {"captcha_id", captcha()},
                                {"captcha_answer", "0000"}};
  const auto signed_in = send(http::verb::post, "/api/v1/session", login);
  ASSERT_EQ(signed_in.result(), http::status::ok) << signed_in.body();
  EXPECT_EQ(max_age(signed_in, "yz_session"), 30 * 60);
}

TEST_F(SessionCookieTest, StaffCookieLastsTheStaffSessionLifetime) {
  std::int64_t id = 0;
  const auto hash = service::hash_password("staff-pass-1", service::PasswordHashCost{8, 1});
  store_->insert_staff(store::NewStaff{"operator1", hash, "operator", kStart}, id);
  const nlohmann::json login = {{"username", "operator1"}, {"password", "staff-pass-1"}};
  const auto signed_in = send(http::verb::post, "/api/v1/staff/session", login);
  ASSERT_EQ(signed_in.result(), http::status::ok) << signed_in.body();
  EXPECT_EQ(max_age(signed_in, "yz_staff"), 20 * 60);
}

}  // namespace
}  // namespace yizhan::web

// Slip tokens: signing, offline verification, tampering, unknown keys,
// key rotation and the published key document.
#include <gtest/gtest.h>
#include <sodium.h>
#include <sys/stat.h>

#include <cstring>
#include <filesystem>

#include "service/crypto.h"
#include "service/slip_keys.h"
#include "service/slip_service.h"

namespace yizhan::service {
namespace {

namespace fs = std::filesystem;

class SlipTokenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    init_crypto();
    directory_ = fs::temp_directory_path() / ("yizhan-slip-test-" + random_token(8));
  }
  void TearDown() override { fs::remove_all(directory_); }

  static SlipClaims sample_claims() {
    SlipClaims claims;
    claims.booking_number = "202612250006";
    claims.date = "2026-12-25";
    claims.identity_digest = slip_identity_digest("home_return_permit", "H20122501");
    claims.group_size = 2;
    return claims;
  }

  fs::path directory_;
};

TEST_F(SlipTokenTest, RoundTripKeepsClaims) {
  const auto ring = SlipKeyRing::load(directory_.string(), true);
  const std::string token = ring.sign(sample_claims());
  const auto checked = verify_slip_token(token, ring.public_keys());
  ASSERT_EQ(checked.result, SlipTokenCheck::valid);
  EXPECT_EQ(checked.claims.booking_number, "202612250006");
  EXPECT_EQ(checked.claims.date, "2026-12-25");
  EXPECT_EQ(checked.claims.group_size, 2);
  EXPECT_EQ(checked.claims.key_id, ring.current_id());
  EXPECT_EQ(checked.claims.identity_digest, slip_identity_digest("home_return_permit", "H20122501"));
  // URL-safe and compact enough for a small QR code.
  EXPECT_EQ(token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
            std::string::npos);
  EXPECT_LE(token.size(), 140u);
}

TEST_F(SlipTokenTest, FirstStartCreatesPrivateKeyFiles) {
  const auto ring = SlipKeyRing::load(directory_.string(), true);
  struct stat info {};
  ASSERT_EQ(::stat((directory_ / (ring.current_id() + ".secret")).c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(directory_.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0077, 0u);
  // A second start loads the same key instead of making another.
  EXPECT_EQ(SlipKeyRing::load(directory_.string(), true).current_id(), ring.current_id());
}

TEST_F(SlipTokenTest, EveryFlippedByteFails) {
  const auto ring = SlipKeyRing::load(directory_.string(), true);
  const std::string token = ring.sign(sample_claims());
  std::string bytes(token.size(), '\0');
  std::size_t length = 0;
  ASSERT_EQ(sodium_base642bin(reinterpret_cast<unsigned char*>(bytes.data()), bytes.size(), token.data(),
                              token.size(), nullptr, &length, nullptr, sodium_base64_VARIANT_URLSAFE_NO_PADDING),
            0);
  bytes.resize(length);
  for (std::size_t at = 0; at < bytes.size(); ++at) {
    for (unsigned mask : {0x01u, 0x80u, 0xffu}) {
      std::string tampered = bytes;
      tampered[at] = static_cast<char>(tampered[at] ^ mask);
      std::string text(sodium_base64_encoded_len(tampered.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
      sodium_bin2base64(text.data(), text.size(), reinterpret_cast<const unsigned char*>(tampered.data()),
                        tampered.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
      text.resize(std::strlen(text.c_str()));
      EXPECT_NE(verify_slip_token(text, ring.public_keys()).result, SlipTokenCheck::valid)
          << "byte " << at << " mask " << mask;
    }
  }
}

TEST_F(SlipTokenTest, EveryChangedCharacterFails) {
  const auto ring = SlipKeyRing::load(directory_.string(), true);
  const std::string token = ring.sign(sample_claims());
  for (std::size_t at = 0; at < token.size(); ++at) {
    std::string tampered = token;
    tampered[at] = token[at] == 'A' ? 'B' : 'A';
    EXPECT_NE(verify_slip_token(tampered, ring.public_keys()).result, SlipTokenCheck::valid) << "character " << at;
  }
}

TEST_F(SlipTokenTest, MalformedTextIsRejected) {
  const auto ring = SlipKeyRing::load(directory_.string(), true);
  const std::string token = ring.sign(sample_claims());
  for (const std::string& text : {std::string(), std::string("not a token"), token + "=", token.substr(1),
                                  token + "A", token + "AAAA", std::string(" ") + token, token + "\n"}) {
    EXPECT_EQ(verify_slip_token(text, ring.public_keys()).result, SlipTokenCheck::malformed) << text;
  }
}

TEST_F(SlipTokenTest, UnknownKeyIsReported) {
  const auto ring = SlipKeyRing::load(directory_.string(), true);
  const auto other = SlipKeyRing::load((directory_ / "other").string(), true);
  const std::string token = other.sign(sample_claims());
  EXPECT_EQ(verify_slip_token(token, ring.public_keys()).result, SlipTokenCheck::unknown_key);
  EXPECT_EQ(verify_slip_token(token, {}).result, SlipTokenCheck::unknown_key);
}

TEST_F(SlipTokenTest, RotationKeepsOldTokensValid) {
  const auto before = SlipKeyRing::load(directory_.string(), true);
  const std::string old_token = before.sign(sample_claims());
  const std::string new_id = rotate_slip_key(directory_.string());
  const auto after = SlipKeyRing::load(directory_.string(), false);
  EXPECT_EQ(after.current_id(), new_id);
  EXPECT_NE(new_id, before.current_id());
  ASSERT_EQ(after.public_keys().size(), 2u);
  EXPECT_EQ(after.public_keys().front().id, new_id);
  EXPECT_EQ(verify_slip_token(old_token, after.public_keys()).result, SlipTokenCheck::valid);
  const auto fresh = verify_slip_token(after.sign(sample_claims()), after.public_keys());
  ASSERT_EQ(fresh.result, SlipTokenCheck::valid);
  EXPECT_EQ(fresh.claims.key_id, new_id);

  // Removing the old key's files retires it.
  fs::remove(directory_ / (before.current_id() + ".public"));
  fs::remove(directory_ / (before.current_id() + ".secret"));
  const auto retired = SlipKeyRing::load(directory_.string(), false);
  EXPECT_EQ(verify_slip_token(old_token, retired.public_keys()).result, SlipTokenCheck::unknown_key);
}

TEST_F(SlipTokenTest, KeyDocumentRoundTrip) {
  rotate_slip_key(directory_.string());
  rotate_slip_key(directory_.string());
  const auto ring = SlipKeyRing::load(directory_.string(), false);
  const auto parsed = parse_slip_keys_document(slip_keys_document(ring.public_keys()));
  ASSERT_EQ(parsed.size(), 2u);
  EXPECT_EQ(parsed[0].id, ring.public_keys()[0].id);
  EXPECT_EQ(parsed[0].public_key, ring.public_keys()[0].public_key);
  EXPECT_EQ(verify_slip_token(ring.sign(sample_claims()), parsed).result, SlipTokenCheck::valid);
}

TEST_F(SlipTokenTest, BadKeyDocumentsAreRejected) {
  EXPECT_THROW(parse_slip_keys_document("[]"), std::invalid_argument);
  EXPECT_THROW(parse_slip_keys_document("{\"keys\":[]}"), std::invalid_argument);
  EXPECT_THROW(parse_slip_keys_document("{\"keys\":[{\"id\":\"00000000\",\"public_key\":\"AAAA\"}]}"),
               std::invalid_argument);
  // A valid key under another key's id.
  const auto ring = SlipKeyRing::load(directory_.string(), true);
  auto document = slip_keys_document(ring.public_keys());
  document.replace(document.find(ring.current_id()), 8, "00000000");
  EXPECT_THROW(parse_slip_keys_document(document), std::invalid_argument);
}

TEST_F(SlipTokenTest, MissingKeyDirectoryFailsWithoutCreate) {
  EXPECT_THROW(SlipKeyRing::load(directory_.string(), false), std::runtime_error);
}

TEST(QrCodeSvg, RendersSquareSvg) {
  const std::string svg = qr_code_svg("AAAA-token_text");
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_NE(svg.find("viewBox=\"0 0 "), std::string::npos);
  EXPECT_NE(svg.find("<path"), std::string::npos);
  EXPECT_EQ(svg.find("style="), std::string::npos);
}

}  // namespace
}  // namespace yizhan::service

// Slip keys and slip tokens. A confirmation slip carries a token signed with
// Ed25519 (libsodium crypto_sign), so a port device holding only the
// published public keys can check it offline.
//
// Token: unpadded base64url of payload || signature, where the 64-byte
// signature covers kSlipSignatureContext || payload and the 34-byte payload
// is, big-endian:
//   version (1, = 1) | key id (4) | booking number as an integer (8) |
//   booking date as days since 1970-01-01 (4) | identity digest (16) |
//   group size (1)
// The identity digest is BLAKE2b-128 of "id_type:id_number"; it binds the
// slip to the holder's document without printing the number.
//
// Key directory: for each key, <id>.public and <id>.secret hold the base64
// public and secret key, and the file `current` names the signing key. A key
// id is the hex of the first 4 bytes of BLAKE2b-256 of the public key.
// Removing a key's files retires it. `init_crypto` must run first.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace yizhan::service {

inline constexpr std::string_view kSlipSignatureContext = "yizhan-slip-v1";

struct SlipPublicKey {
  std::string id;          // 8 lower-case hex digits
  std::string public_key;  // 32 raw bytes
};

// What a token states about a booking.
struct SlipClaims {
  std::string key_id;
  std::string booking_number;  // 12 digits
  std::string date;            // YYYY-MM-DD
  std::string identity_digest; // 16 raw bytes, see slip_identity_digest
  int group_size = 1;
};

enum class SlipTokenCheck {
  valid,
  malformed,      // not base64url, wrong length or version, or signed fields that make no sense
  unknown_key,    // signed by a key that is not among the given ones
  bad_signature,  // the signature does not match the contents
};

struct SlipTokenVerification {
  SlipTokenCheck result = SlipTokenCheck::malformed;
  SlipClaims claims;  // set when valid
};

// The identity digest of a document, as tokens carry it.
std::string slip_identity_digest(std::string_view id_type, std::string_view id_number);

// Checks `token` against `keys` without any other state.
SlipTokenVerification verify_slip_token(std::string_view token, const std::vector<SlipPublicKey>& keys);

// The signing key and every verifying key of one key directory.
class SlipKeyRing {
 public:
  // Loads the keys of `directory`. With `create_if_missing`, creates the
  // directory (mode 0700) and a first key when it holds none. Throws
  // std::runtime_error naming the file when a key file is unreadable or
  // invalid, or when there is no signing key.
  static SlipKeyRing load(const std::string& directory, bool create_if_missing);

  // A token for `claims` (its key_id is ignored), signed with the current key.
  std::string sign(const SlipClaims& claims) const;

  const std::string& current_id() const { return current_id_; }
  const std::vector<SlipPublicKey>& public_keys() const { return public_keys_; }

 private:
  std::string current_id_;
  std::string current_secret_;  // 64 raw bytes
  std::vector<SlipPublicKey> public_keys_;
};

// The key ring of a key directory, reloaded while the server runs so that
// `yizhan slip-key rotate` and retired keys take effect without a restart.
// Several servers may share the directory because each one watches it on
// its own. Thread-safe.
class SlipKeyDirectory {
 public:
  static constexpr std::chrono::milliseconds kDefaultCheckInterval{2000};
  // The shortest time between two checks that refresh_now() forces.
  static constexpr std::chrono::milliseconds kMinForcedCheckInterval{200};

  // Loads the ring with SlipKeyRing::load, which throws when it cannot.
  SlipKeyDirectory(std::string directory, bool create_if_missing,
                   std::chrono::milliseconds check_interval = kDefaultCheckInterval);

  // Returns the ring in use. When the last check is older than the check
  // interval, first compares the key files (names, sizes, inodes,
  // modification times, and the content of `current`) with those behind the
  // ring, and reloads the ring when they differ. A ring that fails to load is
  // logged and the previous one stays in use. Never waits for a check that
  // another thread is running.
  std::shared_ptr<const SlipKeyRing> ring();

  // Like ring(), but checks unless a check ran within
  // kMinForcedCheckInterval, and waits for a check in progress. For a token
  // signed by a key id that this server does not know, which another server
  // sharing the directory may have rotated to a moment ago.
  std::shared_ptr<const SlipKeyRing> refresh_now();

  const std::string& directory() const { return directory_; }

 private:
  // Checks the directory when the last check is at least `min_age` old.
  // The caller holds check_mutex_.
  std::shared_ptr<const SlipKeyRing> check_locked(std::chrono::steady_clock::duration min_age);
  std::shared_ptr<const SlipKeyRing> current() const;

  const std::string directory_;
  const std::chrono::milliseconds check_interval_;

  mutable std::mutex ring_mutex_;
  std::shared_ptr<const SlipKeyRing> ring_;  // guarded by ring_mutex_

  // One thread checks the directory at a time; the fields below are guarded
  // by check_mutex_.
  std::mutex check_mutex_;
  std::string fingerprint_;  // of the key files behind ring_
  std::chrono::steady_clock::time_point checked_at_;
  std::string last_error_;  // logged once, until a load succeeds or fails otherwise
};

// Adds a new key to `directory` (created when missing) and makes it the
// signing key; returns its id. Older keys stay and keep verifying.
std::string rotate_slip_key(const std::string& directory);

// {"keys":[{"id","public_key"}]} with base64 public keys, as served by
// GET /api/v1/slip-key.
std::string slip_keys_document(const std::vector<SlipPublicKey>& keys);

// The keys of such a document. Throws std::invalid_argument saying what is
// wrong when it is not one.
std::vector<SlipPublicKey> parse_slip_keys_document(std::string_view document);

}  // namespace yizhan::service

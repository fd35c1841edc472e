#include "service/crypto.h"

#include <sodium.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace yizhan::service {

void init_crypto() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium could not be initialised");
}

std::string random_token(std::size_t bytes) {
  std::vector<unsigned char> raw(bytes);
  randombytes_buf(raw.data(), raw.size());
  std::string text(sodium_base64_ENCODED_LEN(bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(text.data(), text.size(), raw.data(), raw.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  text.resize(text.find('\0'));
  return text;
}

std::string token_digest(std::string_view token) {
  unsigned char digest[32];
  crypto_generichash(digest, sizeof digest, reinterpret_cast<const unsigned char*>(token.data()), token.size(),
                     nullptr, 0);
  char hex[sizeof digest * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return hex;
}

std::uint64_t random_u64() {
  std::uint64_t value;
  randombytes_buf(&value, sizeof value);
  return value;
}

std::uint32_t random_below(std::uint32_t upper_bound) { return randombytes_uniform(upper_bound); }

namespace {

// Argon2id takes 19 MiB and tens of milliseconds of one core per hash. More
// hashes at once than cores only add memory, so callers beyond that wait
// here. The worker pool can then be large (for booking requests that wait
// on the group commit) without a login storm taking gigabytes.
class HashSlots {
 public:
  HashSlots() : free_(std::max(1u, std::thread::hardware_concurrency())) {}
  void acquire() {
    std::unique_lock lock(mutex_);
    available_.wait(lock, [this] { return free_ > 0; });
    --free_;
  }
  void release() {
    {
      std::lock_guard lock(mutex_);
      ++free_;
    }
    available_.notify_one();
  }

 private:
  std::mutex mutex_;
  std::condition_variable available_;
  unsigned free_;  // guarded by mutex_
};

HashSlots& hash_slots() {
  static HashSlots slots;
  return slots;
}

struct HashSlot {
  HashSlot() { hash_slots().acquire(); }
  ~HashSlot() { hash_slots().release(); }
  HashSlot(const HashSlot&) = delete;
  HashSlot& operator=(const HashSlot&) = delete;
};

}  // namespace

std::string hash_password(std::string_view password, PasswordHashCost cost) {
  HashSlot slot;
  char encoded[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(encoded, password.data(), password.size(), cost.passes, cost.memory_kib * 1024,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    throw std::runtime_error("password hashing ran out of memory");
  }
  return encoded;
}

bool verify_password(std::string_view encoded_hash, std::string_view password) {
  const std::string terminated(encoded_hash);
  HashSlot slot;
  return crypto_pwhash_str_verify(terminated.c_str(), password.data(), password.size()) == 0;
}

bool equal_in_constant_time(std::string_view left, std::string_view right) {
  // Compare digests so that the length difference does not leak timing either.
  const std::string left_digest = token_digest(left);
  const std::string right_digest = token_digest(right);
  return sodium_memcmp(left_digest.data(), right_digest.data(), left_digest.size()) == 0;
}

}  // namespace yizhan::service

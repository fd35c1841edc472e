// Thin wrappers over libsodium: random tokens, token digests for storage,
// and Argon2id password hashing. `init_crypto` must run before any of them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace yizhan::service {

// Initialise libsodium; throws std::runtime_error when it cannot.
void init_crypto();

// `bytes` random bytes as unpadded base64url text.
std::string random_token(std::size_t bytes = 32);

// Hex BLAKE2b-256 digest. Session tokens are stored only as this digest, so a
// copy of the database does not let anyone use a live session.
std::string token_digest(std::string_view token);

std::uint64_t random_u64();
std::uint32_t random_below(std::uint32_t upper_bound);

struct PasswordHashCost {
  std::uint64_t memory_kib;
  std::uint64_t passes;
};

// Argon2id in the self-describing PHC string form. Throws std::runtime_error
// when memory cannot be allocated.
std::string hash_password(std::string_view password, PasswordHashCost cost);
bool verify_password(std::string_view encoded_hash, std::string_view password);

// Constant-time comparison of two strings of possibly different length.
bool equal_in_constant_time(std::string_view left, std::string_view right);

}  // namespace yizhan::service

#include "service/slip_keys.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <utility>

#include "service/clock.h"

namespace yizhan::service {
namespace {

namespace fs = std::filesystem;

constexpr std::uint8_t kTokenVersion = 1;
constexpr std::size_t kKeyIdBytes = 4;
constexpr std::size_t kDigestBytes = 16;
constexpr std::size_t kPayloadBytes = 1 + kKeyIdBytes + 8 + 4 + kDigestBytes + 1;
constexpr std::size_t kTokenBytes = kPayloadBytes + crypto_sign_BYTES;
// The largest text that can decode to kTokenBytes; longer input is rejected
// before decoding.
constexpr std::size_t kMaxTokenText = (kTokenBytes * 4 + 2) / 3;
constexpr std::uint64_t kMaxBookingNumber = 999999999999ULL;
constexpr int kMaxGroupSize = 4;  // the applicant and at most 3 co-residents

std::string to_base64(std::string_view bytes, int variant) {
  std::string text(sodium_base64_encoded_len(bytes.size(), variant), '\0');
  sodium_bin2base64(text.data(), text.size(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                    variant);
  text.resize(std::strlen(text.c_str()));
  return text;
}

// Decodes strictly: no whitespace, no padding where the variant has none,
// and unused trailing bits must be zero, so each byte string has exactly one
// text form. Returns false on any deviation.
bool from_base64(std::string_view text, int variant, std::size_t max_bytes, std::string& bytes) {
  bytes.assign(max_bytes, '\0');
  std::size_t length = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(bytes.data()), bytes.size(), text.data(), text.size(),
                        nullptr, &length, &end, variant) != 0 ||
      end != text.data() + text.size()) {
    return false;
  }
  bytes.resize(length);
  return true;
}

std::string key_id_of(std::string_view public_key) {
  std::array<unsigned char, 32> hash{};
  crypto_generichash(hash.data(), hash.size(), reinterpret_cast<const unsigned char*>(public_key.data()),
                     public_key.size(), nullptr, 0);
  std::string hex(kKeyIdBytes * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), hash.data(), kKeyIdBytes);
  hex.pop_back();
  return hex;
}

bool is_key_id(std::string_view text) {
  return text.size() == kKeyIdBytes * 2 &&
         std::all_of(text.begin(), text.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

void put_big_endian(std::string& out, std::uint64_t value, int bytes) {
  for (int shift = (bytes - 1) * 8; shift >= 0; shift -= 8) out.push_back(static_cast<char>((value >> shift) & 0xff));
}

std::uint64_t get_big_endian(std::string_view in, std::size_t at, int bytes) {
  std::uint64_t value = 0;
  for (int i = 0; i < bytes; ++i) value = (value << 8) | static_cast<unsigned char>(in[at + i]);
  return value;
}

std::string signed_message(std::string_view payload) {
  return std::string(kSlipSignatureContext) + std::string(payload);
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read slip key file " + path.string());
  std::stringstream content;
  content << in.rdbuf();
  std::string text = content.str();
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
  return text;
}

// Writes `content` to a new file with `mode`, then renames it over `path`,
// so a reader never sees half a key.
void write_file(const fs::path& path, const std::string& content, mode_t mode) {
  const fs::path temporary = path.string() + ".tmp";
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC, mode);
  if (fd < 0) throw std::runtime_error("cannot create " + temporary.string() + ": " + std::strerror(errno));
  // The umask may have narrowed the mode; never widened it, but secret files
  // must be exactly 0600 whatever the umask.
  ::fchmod(fd, mode);
  const std::string line = content + "\n";
  const bool written = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!written) throw std::runtime_error("cannot write " + temporary.string() + ": " + std::strerror(errno));
  fs::rename(temporary, path);
}

void ensure_directory(const fs::path& directory) {
  if (fs::exists(directory)) return;
  fs::create_directories(directory);
  fs::permissions(directory, fs::perms::owner_all, fs::perm_options::replace);
}

// Generates a key pair in `directory` and returns its id; does not touch `current`.
std::string generate_key(const fs::path& directory) {
  std::array<unsigned char, crypto_sign_PUBLICKEYBYTES> public_key{};
  std::array<unsigned char, crypto_sign_SECRETKEYBYTES> secret_key{};
  crypto_sign_keypair(public_key.data(), secret_key.data());
  const std::string public_bytes(reinterpret_cast<const char*>(public_key.data()), public_key.size());
  const std::string secret_bytes(reinterpret_cast<const char*>(secret_key.data()), secret_key.size());
  sodium_memzero(secret_key.data(), secret_key.size());
  const std::string id = key_id_of(public_bytes);
  write_file(directory / (id + ".secret"), to_base64(secret_bytes, sodium_base64_VARIANT_ORIGINAL), 0600);
  write_file(directory / (id + ".public"), to_base64(public_bytes, sodium_base64_VARIANT_ORIGINAL), 0644);
  return id;
}

std::string decode_key_file(const fs::path& path, std::size_t expected_bytes) {
  std::string bytes;
  if (!from_base64(read_file(path), sodium_base64_VARIANT_ORIGINAL, expected_bytes, bytes) ||
      bytes.size() != expected_bytes) {
    throw std::runtime_error("slip key file " + path.string() + " does not hold a base64 key of " +
                             std::to_string(expected_bytes) + " bytes");
  }
  return bytes;
}

std::optional<std::int64_t> days_since_epoch(const std::string& date) {
  const auto parsed = parse_date(date);
  if (!parsed) return std::nullopt;
  return std::chrono::sys_days{*parsed}.time_since_epoch().count();
}

// A text that changes whenever a key is added, removed or replaced in
// `directory`, or `current` names another key. It lists the name, size,
// inode and modification time (in nanoseconds) of each key file and of
// `current`, sorted, then the content of `current`. Other files, such as
// the .tmp files of a write in progress, are left out. Throws
// std::filesystem::filesystem_error when the directory cannot be read.
std::string key_files_fingerprint(const fs::path& directory) {
  std::vector<std::string> lines;
  for (const auto& entry : fs::directory_iterator(directory)) {
    const fs::path& path = entry.path();
    const std::string name = path.filename().string();
    if (name != "current" && path.extension() != ".public" && path.extension() != ".secret") continue;
    struct stat status {};
    if (::stat(path.c_str(), &status) != 0) continue;  // removed since the listing
    lines.push_back(name + " " + std::to_string(status.st_size) + " " + std::to_string(status.st_ino) + " " +
                    std::to_string(status.st_mtim.tv_sec) + "." + std::to_string(status.st_mtim.tv_nsec));
  }
  std::sort(lines.begin(), lines.end());
  std::string fingerprint;
  for (const auto& line : lines) fingerprint += line + "\n";
  const fs::path current_file = directory / "current";
  if (fs::exists(current_file)) fingerprint += "current=" + read_file(current_file);
  return fingerprint;
}

}  // namespace

std::string slip_identity_digest(std::string_view id_type, std::string_view id_number) {
  const std::string text = std::string(id_type) + ":" + std::string(id_number);
  std::array<unsigned char, kDigestBytes> hash{};
  crypto_generichash(hash.data(), hash.size(), reinterpret_cast<const unsigned char*>(text.data()), text.size(),
                     nullptr, 0);
  return std::string(reinterpret_cast<const char*>(hash.data()), hash.size());
}

SlipTokenVerification verify_slip_token(std::string_view token, const std::vector<SlipPublicKey>& keys) {
  SlipTokenVerification verification;
  std::string bytes;
  if (token.size() > kMaxTokenText ||
      !from_base64(token, sodium_base64_VARIANT_URLSAFE_NO_PADDING, kTokenBytes, bytes) ||
      bytes.size() != kTokenBytes || static_cast<std::uint8_t>(bytes[0]) != kTokenVersion) {
    return verification;
  }
  const std::string_view payload = std::string_view(bytes).substr(0, kPayloadBytes);
  const std::string_view signature = std::string_view(bytes).substr(kPayloadBytes);

  std::string key_id(kKeyIdBytes * 2 + 1, '\0');
  sodium_bin2hex(key_id.data(), key_id.size(), reinterpret_cast<const unsigned char*>(payload.data() + 1), kKeyIdBytes);
  key_id.pop_back();
  const auto key = std::find_if(keys.begin(), keys.end(), [&](const SlipPublicKey& k) { return k.id == key_id; });
  if (key == keys.end() || key->public_key.size() != crypto_sign_PUBLICKEYBYTES) {
    verification.result = SlipTokenCheck::unknown_key;
    return verification;
  }
  const std::string message = signed_message(payload);
  if (crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(signature.data()),
                                  reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                                  reinterpret_cast<const unsigned char*>(key->public_key.data())) != 0) {
    verification.result = SlipTokenCheck::bad_signature;
    return verification;
  }

  // Signed fields are ours, so nonsense here means a signing bug; still, no
  // such token is accepted.
  std::size_t at = 1 + kKeyIdBytes;
  const std::uint64_t number = get_big_endian(payload, at, 8);
  at += 8;
  const auto days = static_cast<std::int32_t>(get_big_endian(payload, at, 4));
  at += 4;
  SlipClaims& claims = verification.claims;
  claims.key_id = key_id;
  claims.identity_digest = std::string(payload.substr(at, kDigestBytes));
  at += kDigestBytes;
  claims.group_size = static_cast<unsigned char>(payload[at]);
  claims.date = format_date(std::chrono::year_month_day{std::chrono::sys_days{std::chrono::days{days}}});
  char digits[16];
  std::snprintf(digits, sizeof digits, "%012llu", static_cast<unsigned long long>(number));
  claims.booking_number = digits;
  const std::string date_digits = claims.date.substr(0, 4) + claims.date.substr(5, 2) + claims.date.substr(8, 2);
  if (number > kMaxBookingNumber || claims.booking_number.compare(0, 8, date_digits) != 0 || claims.group_size < 1 ||
      claims.group_size > kMaxGroupSize) {
    verification.claims = {};
    return verification;
  }
  verification.result = SlipTokenCheck::valid;
  return verification;
}

SlipKeyRing SlipKeyRing::load(const std::string& directory_name, bool create_if_missing) {
  const fs::path directory(directory_name);
  const fs::path current_file = directory / "current";
  if (create_if_missing) {
    ensure_directory(directory);
    if (!fs::exists(current_file)) write_file(current_file, generate_key(directory), 0644);
  }

  SlipKeyRing ring;
  if (!fs::exists(current_file)) throw std::runtime_error("no slip signing key: " + current_file.string() + " is missing");
  ring.current_id_ = read_file(current_file);
  if (!is_key_id(ring.current_id_)) {
    throw std::runtime_error(current_file.string() + " does not name a key id (8 hex digits)");
  }
  ring.current_secret_ = decode_key_file(directory / (ring.current_id_ + ".secret"), crypto_sign_SECRETKEYBYTES);

  for (const auto& entry : fs::directory_iterator(directory)) {
    if (entry.path().extension() != ".public") continue;
    const std::string id = entry.path().stem().string();
    if (!is_key_id(id)) continue;
    const std::string public_key = decode_key_file(entry.path(), crypto_sign_PUBLICKEYBYTES);
    if (key_id_of(public_key) != id) {
      throw std::runtime_error("slip key file " + entry.path().string() + " holds the key of another id");
    }
    ring.public_keys_.push_back(SlipPublicKey{id, public_key});
  }
  // The signing key first, then the others in a stable order.
  std::sort(ring.public_keys_.begin(), ring.public_keys_.end(), [&](const SlipPublicKey& a, const SlipPublicKey& b) {
    if ((a.id == ring.current_id_) != (b.id == ring.current_id_)) return a.id == ring.current_id_;
    return a.id < b.id;
  });
  if (ring.public_keys_.empty() || ring.public_keys_.front().id != ring.current_id_) {
    throw std::runtime_error("the public key of the signing key " + ring.current_id_ + " is missing in " +
                             directory.string());
  }
  return ring;
}

std::string SlipKeyRing::sign(const SlipClaims& claims) const {
  const auto days = days_since_epoch(claims.date);
  if (!days || claims.booking_number.size() != 12 || claims.identity_digest.size() != kDigestBytes ||
      claims.group_size < 1 || claims.group_size > kMaxGroupSize) {
    throw std::invalid_argument("slip claims out of range for booking " + claims.booking_number);
  }
  std::string payload;
  payload.push_back(static_cast<char>(kTokenVersion));
  std::string id_bytes(kKeyIdBytes, '\0');
  sodium_hex2bin(reinterpret_cast<unsigned char*>(id_bytes.data()), id_bytes.size(), current_id_.data(),
                 current_id_.size(), nullptr, nullptr, nullptr);
  payload += id_bytes;
  put_big_endian(payload, std::stoull(claims.booking_number), 8);
  put_big_endian(payload, static_cast<std::uint32_t>(*days), 4);
  payload += claims.identity_digest;
  payload.push_back(static_cast<char>(claims.group_size));

  const std::string message = signed_message(payload);
  std::array<unsigned char, crypto_sign_BYTES> signature{};
  crypto_sign_detached(signature.data(), nullptr, reinterpret_cast<const unsigned char*>(message.data()),
                       message.size(), reinterpret_cast<const unsigned char*>(current_secret_.data()));
  payload.append(reinterpret_cast<const char*>(signature.data()), signature.size());
  return to_base64(payload, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

SlipKeyDirectory::SlipKeyDirectory(std::string directory, bool create_if_missing,
                                   std::chrono::milliseconds check_interval)
    : directory_(std::move(directory)), check_interval_(check_interval) {
  if (create_if_missing) SlipKeyRing::load(directory_, true);
  // The fingerprint is taken before the load, so a change in between makes
  // the first check load again instead of hiding the change.
  fingerprint_ = key_files_fingerprint(directory_);
  ring_ = std::make_shared<const SlipKeyRing>(SlipKeyRing::load(directory_, false));
  checked_at_ = std::chrono::steady_clock::now();
  spdlog::info("event=slip_keys.loaded directory={} current={} keys={}", directory_, ring_->current_id(),
               ring_->public_keys().size());
}

std::shared_ptr<const SlipKeyRing> SlipKeyDirectory::current() const {
  std::lock_guard lock(ring_mutex_);
  return ring_;
}

std::shared_ptr<const SlipKeyRing> SlipKeyDirectory::ring() {
  std::unique_lock checking(check_mutex_, std::try_to_lock);
  if (!checking.owns_lock()) return current();
  return check_locked(check_interval_);
}

std::shared_ptr<const SlipKeyRing> SlipKeyDirectory::refresh_now() {
  std::lock_guard checking(check_mutex_);
  return check_locked(kMinForcedCheckInterval);
}

std::shared_ptr<const SlipKeyRing> SlipKeyDirectory::check_locked(std::chrono::steady_clock::duration min_age) {
  const auto now = std::chrono::steady_clock::now();
  if (now - checked_at_ < min_age) return current();
  checked_at_ = now;

  std::string fingerprint;
  std::shared_ptr<const SlipKeyRing> loaded;
  try {
    fingerprint = key_files_fingerprint(directory_);
    if (fingerprint == fingerprint_) return current();
    loaded = std::make_shared<const SlipKeyRing>(SlipKeyRing::load(directory_, false));
  } catch (const std::exception& error) {
    // The fingerprint stays as it was, so the next check tries again. A
    // rotation in progress does not end up here: rotate_slip_key renames
    // each file into place and writes `current` last.
    if (last_error_ != error.what()) {
      last_error_ = error.what();
      spdlog::error("event=slip_keys.reload_failed directory={} error=\"{}\" action=keeping the loaded keys",
                    directory_, last_error_);
    }
    return current();
  }
  last_error_.clear();
  fingerprint_ = std::move(fingerprint);

  const auto previous = current();
  if (previous->current_id() != loaded->current_id() ||
      previous->public_keys().size() != loaded->public_keys().size()) {
    spdlog::info("event=slip_keys.reloaded directory={} current={} previous={} keys={}", directory_,
                 loaded->current_id(), previous->current_id(), loaded->public_keys().size());
  }
  std::lock_guard lock(ring_mutex_);
  ring_ = loaded;
  return ring_;
}

std::string rotate_slip_key(const std::string& directory_name) {
  const fs::path directory(directory_name);
  ensure_directory(directory);
  const std::string id = generate_key(directory);
  write_file(directory / "current", id, 0644);
  return id;
}

std::string slip_keys_document(const std::vector<SlipPublicKey>& keys) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& key : keys) {
    list.push_back({{"id", key.id}, {"public_key", to_base64(key.public_key, sodium_base64_VARIANT_ORIGINAL)}});
  }
  return nlohmann::json{{"keys", list}}.dump();
}

std::vector<SlipPublicKey> parse_slip_keys_document(std::string_view text) {
  const auto document = nlohmann::json::parse(text, nullptr, false);
  if (document.is_discarded() || !document.is_object() || !document.contains("keys") || !document["keys"].is_array()) {
    throw std::invalid_argument("not a slip key document: expected {\"keys\": [{\"id\", \"public_key\"}]}");
  }
  std::vector<SlipPublicKey> keys;
  for (const auto& entry : document["keys"]) {
    if (!entry.is_object() || !entry.contains("id") || !entry["id"].is_string() || !entry.contains("public_key") ||
        !entry["public_key"].is_string()) {
      throw std::invalid_argument("every key needs a string \"id\" and \"public_key\"");
    }
    const std::string id = entry["id"].get<std::string>();
    std::string public_key;
    if (!from_base64(entry["public_key"].get<std::string>(), sodium_base64_VARIANT_ORIGINAL,
                     crypto_sign_PUBLICKEYBYTES, public_key) ||
        public_key.size() != crypto_sign_PUBLICKEYBYTES) {
      throw std::invalid_argument("key " + id + ": public_key is not a base64 Ed25519 key of 32 bytes");
    }
    if (key_id_of(public_key) != id) throw std::invalid_argument("key " + id + ": the id does not match the key");
    keys.push_back(SlipPublicKey{id, public_key});
  }
  if (keys.empty()) throw std::invalid_argument("the slip key document lists no keys");
  return keys;
}

}  // namespace yizhan::service

// `yizhan verify-slip --key FILE TOKEN` checks a slip token offline against
// the key document of GET /api/v1/slip-key saved to FILE; `yizhan slip-key
// rotate --key-dir DIR` makes a new signing key.
#include <chrono>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "cli/commands.h"
#include "service/crypto.h"
#include "service/slip_keys.h"

namespace yizhan::cli {
namespace {

struct VerifyOptions {
  std::string key_file;
  std::string token;
};

std::string reason_of(service::SlipTokenCheck check) {
  switch (check) {
    case service::SlipTokenCheck::valid: return "valid";
    case service::SlipTokenCheck::malformed: return "bad format";
    case service::SlipTokenCheck::unknown_key: return "unknown key";
    case service::SlipTokenCheck::bad_signature: return "bad signature";
  }
  return "unknown";
}

void run_verify(const VerifyOptions& options) {
  service::init_crypto();
  std::ifstream in(options.key_file, std::ios::binary);
  if (!in) throw CommandFailed("cannot read the key file " + options.key_file, 2);
  std::stringstream document;
  document << in.rdbuf();
  std::vector<service::SlipPublicKey> keys;
  try {
    keys = service::parse_slip_keys_document(document.str());
  } catch (const std::invalid_argument& error) {
    throw CommandFailed(options.key_file + ": " + error.what(), 2);
  }

  const auto checked = service::verify_slip_token(options.token, keys);
  if (checked.result != service::SlipTokenCheck::valid) {
    std::cout << "INVALID: " << reason_of(checked.result) << "\n";
    throw CommandFailed("the slip token is invalid (" + reason_of(checked.result) + ")", 1);
  }
  std::cout << "VALID\n"
            << "booking_number: " << checked.claims.booking_number << "\n"
            << "date: " << checked.claims.date << "\n"
            << "group_size: " << checked.claims.group_size << "\n"
            << "key_id: " << checked.claims.key_id << "\n";
}

}  // namespace

void add_verify_slip_command(CLI::App& cli) {
  auto options = std::make_shared<VerifyOptions>();
  auto* verify = cli.add_subcommand("verify-slip", "Check a slip token offline; exit code 0 when valid, 1 when not");
  verify->add_option("--key", options->key_file, "The document of GET /api/v1/slip-key saved to a file")->required();
  verify->add_option("token", options->token, "The token of the slip's QR code")->required();
  verify->callback([options] { run_verify(*options); });

  auto directory = std::make_shared<std::string>();
  auto* keys = cli.add_subcommand("slip-key", "Manage the keys that sign confirmation slips");
  keys->require_subcommand(1);
  auto* rotate = keys->add_subcommand(
      "rotate", "Create a new signing key; older public keys keep verifying until their files are removed");
  rotate->add_option("--key-dir", *directory, "The slip key directory (the server's slip_key_dir)")->required();
  rotate->callback([directory] {
    service::init_crypto();
    const std::string id = service::rotate_slip_key(*directory);
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(
        service::SlipKeyDirectory::kDefaultCheckInterval);
    std::cout << "new signing key " << id << " in " << *directory << "; running servers that use this directory sign "
              << "with it and publish it within " << seconds.count() << " s\n";
  });
}

}  // namespace yizhan::cli

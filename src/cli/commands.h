// Subcommands of the yizhan binary. Each registers itself on the CLI11 app
// and runs from its callback; a failure throws CommandFailed with the exit
// code to use.
#pragma once

#include <CLI/CLI.hpp>

#include <stdexcept>

namespace yizhan::cli {

struct CommandFailed : std::runtime_error {
  CommandFailed(const std::string& message, int code) : std::runtime_error(message), exit_code(code) {}
  int exit_code;
};

void add_serve_command(CLI::App& cli);
void add_migrate_command(CLI::App& cli);
void add_staff_command(CLI::App& cli);
void add_demo_data_command(CLI::App& cli);
void add_verify_slip_command(CLI::App& cli);
void add_close_day_command(CLI::App& cli);
void add_backup_command(CLI::App& cli);

}  // namespace yizhan::cli

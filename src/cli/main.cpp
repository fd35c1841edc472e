// The yizhan command: serve, migrate, staff add, demo-data, close-day.
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <iostream>

#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App cli{"yizhan: health station room booking"};
  cli.require_subcommand(1);
  yizhan::cli::add_serve_command(cli);
  yizhan::cli::add_migrate_command(cli);
  yizhan::cli::add_staff_command(cli);
  yizhan::cli::add_demo_data_command(cli);
  yizhan::cli::add_verify_slip_command(cli);
  yizhan::cli::add_close_day_command(cli);
  yizhan::cli::add_backup_command(cli);
  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return cli.exit(error);
  } catch (const yizhan::cli::CommandFailed& error) {
    std::cerr << "yizhan: " << error.what() << "\n";
    return error.exit_code;
  } catch (const std::exception& error) {
    std::cerr << "yizhan: " << error.what() << "\n";
    return 1;
  }
  return 0;
}

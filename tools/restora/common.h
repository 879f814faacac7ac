// Small helpers shared by the subcommands.
#pragma once

#include <CLI/CLI.hpp>

#include <exception>
#include <string>

#include "commands.h"
#include "restora/image_io.h"

namespace restora::cli {

// --quiet (also -q unless the subcommand uses -q itself) and --json on a subcommand.
void add_output_flags(CLI::App& command, GlobalOptions& global, bool short_quiet = true);

// --json alone, for subcommands whose output is the result itself (models, info).
void add_json_flag(CLI::App& command, GlobalOptions& global);

// Default data folder: $RESTORA_DATA, else ../shared/data beside the source tree.
std::string default_data_root();

// The command line as typed, for recipes and reports.
std::string command_line();

// The first line of an exception's message: LibTorch appends its stack trace after it.
std::string error_line(const std::exception& error);

// How the subcommands read images: 8- and 16-bit files keep integer samples, so a 64 MP
// image holds 0.2 GB rather than 0.8 GB of floats.
inline const ReadOptions integer_reading{/*integer_samples=*/true};

// Seconds as H:MM:SS, for progress lines' ETA.
std::string clock_text(double seconds);

// Info lines go to stderr unless --quiet; results go to stdout.
void info(const GlobalOptions& global, const std::string& text);

}  // namespace restora::cli

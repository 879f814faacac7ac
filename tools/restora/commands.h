// The subcommands of the `restora` binary. Each registers its options on the app and returns
// the function that runs it; the functions throw restora errors, main() maps them to exits.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>

namespace restora::cli {

using Run = std::function<int()>;

// Shared by every subcommand.
struct GlobalOptions {
  bool quiet = false;
  bool json = false;
};

Run add_restore_commands(CLI::App& app, GlobalOptions& global);  // denoise, upscale, dejpeg
Run add_repair_command(CLI::App& app, GlobalOptions& global);    // find damage and fill it
Run add_degrade_command(CLI::App& app, GlobalOptions& global);
Run add_compare_command(CLI::App& app, GlobalOptions& global);   // side-by-side sheets
Run add_train_command(CLI::App& app, GlobalOptions& global);
Run add_eval_command(CLI::App& app, GlobalOptions& global);
Run add_model_commands(CLI::App& app, GlobalOptions& global);    // models, info
Run add_codec_commands(CLI::App& app, GlobalOptions& global);    // compress, decompress
Run add_import_command(CLI::App& app, GlobalOptions& global);    // other projects' weights
Run add_serve_command(CLI::App& app, GlobalOptions& global);     // the web UI
Run add_video_command(CLI::App& app, GlobalOptions& global);     // videos and frame folders

}  // namespace restora::cli

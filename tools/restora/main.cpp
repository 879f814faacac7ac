// restora: one binary, one subcommand per job. Exit 0 on success, 2 on usage errors,
// 1 on runtime errors; each error is one line on stderr.
#include <fmt/format.h>

#include <cstdio>
#include <vector>

#include "commands.h"
#include "common.h"
#include "restora/errors.h"

int main(int argc, char** argv) {
  using namespace restora;
  CLI::App app{"Restora: restore images with residual networks (denoise, upscale, dejpeg) and compress them with a learned codec"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Show the help of every subcommand");
  cli::GlobalOptions global;
  std::vector<cli::Run> runs = {
      cli::add_restore_commands(app, global), cli::add_repair_command(app, global),
      cli::add_degrade_command(app, global),
      cli::add_train_command(app, global),    cli::add_eval_command(app, global),
      cli::add_model_commands(app, global),   cli::add_codec_commands(app, global),
      cli::add_compare_command(app, global),  cli::add_import_command(app, global),
      cli::add_serve_command(app, global),   cli::add_video_command(app, global)};
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    if (error.get_exit_code() == 0) return app.exit(error);  // --help, --help-all
    // Every other parse error is a usage error, told in one line.
    fmt::print(stderr, "restora: error: {} (see -h)\n", error.what());
    return 2;
  }
  try {
    for (const auto& run : runs)
      if (run) {
        const int code = run();
        if (code >= 0) return code;
      }
    return 0;
  } catch (const InvalidArgument& error) {
    fmt::print(stderr, "restora: error: {}\n", error.what());
    return 2;
  } catch (const Error& error) {
    fmt::print(stderr, "restora: error: {}\n", error.what());
    return 1;
  } catch (const std::exception& error) {
    fmt::print(stderr, "restora: error: {}\n", cli::error_line(error));
    return 1;
  }
}

// restora import FILE -o MODEL.safetensors: another project's weights (a PyTorch state dict or a
// safetensors file) as a Restora model file; --validate measures it on its task's test sets in
// fp32 and bf16 and records the scores, enabling bf16 when it keeps them (as eval --record does).
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <memory>

#include "common.h"
#include "eval/evaluate.h"
#include "eval/record.h"
#include "eval/report.h"
#include "importer/import_model.h"
#include "model_file/model_meta.h"
#include "restora/errors.h"
#include "tasks/task.h"

namespace restora::cli {
namespace {

struct ImportArgs {
  std::string input;
  std::string output;
  importer::ImportOptions options;
  bool validate = false;
  std::string data;
  int threads = 0;
};

void validate(const ImportArgs& args, const model_file::ModelMeta& meta, const GlobalOptions& global) {
  eval::EvalOptions options;
  options.data_root = args.data.empty() ? default_data_root() : args.data;
  options.tasks = {tasks::find_task(meta.task)};
  options.models = {args.output};
  options.precisions = {"fp32", "bf16"};
  options.peers = false;
  options.baselines = false;  // only our fp32 and bf16 rows matter here
  options.threads = args.threads;
  options.progress = [&](const std::string& line) { info(global, line); };
  const auto evaluation = eval::run_evaluation(options);
  const eval::ReportContext context{command_line(), model_file::today_utc(), eval::describe_machine()};
  eval::record_scores(evaluation, context);
  if (!global.quiet) fmt::print("{}", eval::render_summary(evaluation));
}

// Every task but the codec's, whose models are not restoration networks.
std::vector<std::string> restoration_tasks() {
  auto ids = tasks::known_tasks();
  ids.erase(std::remove(ids.begin(), ids.end(), "codec"), ids.end());
  return ids;
}

}  // namespace

Run add_import_command(CLI::App& app, GlobalOptions& global) {
  auto args = std::make_shared<ImportArgs>();
  auto* command = app.add_subcommand(
      "import", "Turn another project's weights (.pth/.pt/.ckpt state dict or .safetensors) into a "
                "Restora model: DnCNN, FDnCNN, FFDNet, SRVGGNetCompact, EDSR (BasicSR), RRDBNet");
  command->add_option("file", args->input, "The weights; read without running any code")->required();
  command->add_option("-o,--output", args->output, "The Restora model file to write (.safetensors)")
      ->required();
  command->add_option("--name", args->options.name, "Model name")->default_str("the file's stem");
  command->add_option("--task", args->options.task, "Task the model serves")
      ->check(CLI::IsMember(restoration_tasks()))
      ->default_str("the family's usual task");
  command->add_flag("--validate", args->validate,
                    "Measure it on its task's test sets in fp32 and bf16 and record the scores "
                    "(enables bf16 when it loses at most 0.02 dB)");
  command->add_option("--data", args->data, "Data folder for --validate")
      ->default_str("$RESTORA_DATA or ../shared/data");
  command->add_option("--threads", args->threads, "Threads for --validate (0 = all cores)")
      ->check(CLI::NonNegativeNumber);
  add_output_flags(*command, global);
  return [command, args, &global]() -> int {
    if (!command->parsed()) return -1;
    if (std::filesystem::path(args->output).extension() != ".safetensors") {
      throw InvalidArgument(fmt::format("-o '{}': a model file ends in .safetensors", args->output));
    }
    const auto model = importer::import_model(args->input, args->options);
    model_file::write_model_file(args->output, model);
    const auto& meta = model.meta;
    info(global, fmt::format("{}: {} -> '{}' ({}, arch {}, x{}, {})", args->input,
                             meta.recipe["imported"]["family"].get<std::string>(), args->output,
                             meta.task, meta.arch, meta.scales.front(),
                             model_file::color_space_name(meta.color_space)));
    if (args->validate) {
      try {
        validate(*args, meta, global);
      } catch (...) {
        std::filesystem::remove(args->output);  // nothing half-validated is left behind
        throw;
      }
    }
    return 0;
  };
}

}  // namespace restora::cli

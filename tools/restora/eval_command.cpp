// restora eval: measures our models, baselines and peers on the standard test sets with the
// protocols of PROTOCOLS.md, writes the Markdown report and prints a summary (or JSON).
#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <limits>
#include <memory>

#include "common.h"
#include "eval/codec_eval.h"
#include "eval/deblur_eval.h"
#include "eval/inpaint_eval.h"
#include "eval/repair_eval.h"
#include "eval/video_eval.h"
#include "eval/evaluate.h"
#include "eval/record.h"
#include "eval/report.h"
#include "model_file/model_meta.h"
#include "restore/model_loader.h"
#include "restora/errors.h"

namespace restora::cli {
namespace {

struct EvalArgs {
  std::string task = "all";
  std::string data;
  std::vector<std::string> models;
  std::vector<std::string> sets;
  int limit = 0;
  int timing_runs = 1;
  std::string output = "docs/RESULTS.md";
  int threads = 0;
  int tile = 0;
  std::string device = "cpu";
  std::vector<std::string> precisions{"auto"};
  bool no_peers = false;
  bool allow_missing_model = false;
  bool record = false;
  bool blind = false;  // --task deblur: the blind protocol
};

// Before measuring: scores are recorded for whole sets only, and a bad -o fails now rather
// than after the evaluation.
void check_before_measuring(const EvalArgs& args, const std::filesystem::path& report) {
  if (args.record && args.limit > 0) throw InvalidArgument("--record needs whole test sets: drop --limit");
  eval::create_output_folder(report);
}

// --task codec: rate-distortion of our codecs and the classical ones (eval/codec_eval.h).
int run_codec_eval(const EvalArgs& args, bool output_given, const GlobalOptions& global) {
  eval::CodecEvalOptions options;
  options.data_root = args.data.empty() ? default_data_root() : args.data;
  if (args.sets.size() > 1) throw InvalidArgument("--task codec measures one set at a time");
  if (!args.sets.empty()) options.set = args.sets.front();
  if (!args.models.empty()) options.models = args.models;
  options.peers = !args.no_peers;
  options.limit = args.limit;
  if (args.timing_runs != 1)
    throw InvalidArgument("--timing-runs: --task codec times every file's encoding and decoding once");
  options.threads = args.threads;
  for (const auto& precision : args.precisions)
    if (precision == "bf16")
      throw InvalidArgument("--precision bf16: the codec runs in fp32 (bit-identical decoding)");
  const std::filesystem::path report = output_given ? args.output : "docs/CODEC.md";
  check_before_measuring(args, report);
  options.progress = [&](const std::string& line) { info(global, line); };
  const auto evaluation = eval::run_codec_evaluation(options);

  auto plot = report;
  plot.replace_filename(report.stem().string() + "-rd.png");
  const eval::ReportContext context{command_line(), model_file::today_utc(), eval::describe_machine()};
  eval::plot_rate_distortion(evaluation, plot);
  eval::write_text_atomically(report, eval::render_codec_markdown(evaluation, context,
                                                                  plot.filename().string()));
  if (args.record)
    for (const auto& file : eval::record_codec_scores(evaluation, context))
      info(global, fmt::format("scores recorded in {}", file));
  if (global.json) {
    auto json = eval::codec_evaluation_json(evaluation);
    json["output"] = report.string();
    json["plot"] = plot.string();
    fmt::print("{}\n", json.dump(2));
  } else if (!global.quiet) {
    for (const auto& curve : evaluation.curves)
      if (const auto* jpeg = evaluation.curve("JPEG"); jpeg && &curve != jpeg)
        fmt::print("{:<28} BD-rate vs JPEG {:+.1f} %\n", curve.method, eval::bd_rate(*jpeg, curve));
    fmt::print("report: {}, plot: {}\n", report.string(), plot.string());
  }
  return 0;
}

// What an evaluation with a report of its own (deblur, inpaint) plugs into run_own_report.
template <typename Evaluation>
struct OwnReport {
  std::filesystem::path report;
  std::function<Evaluation()> measure;
  std::function<std::string(const Evaluation&, const eval::ReportContext&)> render;
  std::function<nlohmann::json(const Evaluation&)> json;
  // Writes the scores into the model files, returns them; empty: --record is refused.
  std::function<std::vector<std::string>(const Evaluation&, const eval::ReportContext&)> record;
  std::function<std::string(const Evaluation&)> summary;  // the lines printed without --json
};

template <typename Evaluation>
int run_own_report(const EvalArgs& args, const GlobalOptions& global, const OwnReport<Evaluation>& own) {
  if (args.record && !own.record) throw InvalidArgument("--record: this task does not record scores yet");
  if (args.timing_runs != 1) throw InvalidArgument("--timing-runs: this task times each of its runs once");
  check_before_measuring(args, own.report);
  const auto evaluation = own.measure();
  const eval::ReportContext context{command_line(), model_file::today_utc(), eval::describe_machine()};
  eval::write_text_atomically(own.report, own.render(evaluation, context));
  if (args.record)
    for (const auto& file : own.record(evaluation, context))
      info(global, fmt::format("scores recorded in {}", file));
  if (global.json) {
    auto json = own.json(evaluation);
    json["output"] = own.report.string();
    fmt::print("{}\n", json.dump(2));
  } else if (!global.quiet) {
    fmt::print("{}report: {}\n", own.summary(evaluation), own.report.string());
  }
  return 0;
}

// --task deblur: the non-blind deblurring protocol, or with --blind the blind one
// (eval/deblur_eval.h).
int run_deblur_eval(const EvalArgs& args, bool output_given, const GlobalOptions& global) {
  eval::DeblurEvalOptions options;
  options.data_root = args.data.empty() ? default_data_root() : args.data;
  options.sets = args.sets;
  options.blind = args.blind;
  if (args.blind) {
    options.sigmas = {2.55};
    options.models = {"deblur"};
  }
  if (!args.models.empty()) options.models = args.models;
  options.precisions = args.precisions;
  options.peers = !args.no_peers;
  options.limit = args.limit;
  options.threads = args.threads;
  options.progress = [&](const std::string& line) { info(global, line); };
  OwnReport<eval::DeblurEvaluation> own;
  own.report = output_given ? args.output : args.blind ? "docs/DEBLUR-BLIND.md" : "docs/DEBLUR.md";
  own.measure = [&] { return eval::run_deblur_evaluation(options); };
  own.render = eval::render_deblur_markdown;
  own.json = eval::deblur_evaluation_json;
  own.record = eval::record_deblur_scores;
  own.summary = [](const eval::DeblurEvaluation& evaluation) {
    std::string lines;
    for (const auto& row : evaluation.rows) {
      lines += fmt::format("{:<40}", row.method);
      for (const auto& cell : row.cells) lines += fmt::format("  {} {:.2f}", cell.column, cell.psnr);
      lines += "\n";
    }
    return lines;
  };
  return run_own_report(args, global, own);
}

// What the evaluations of one set (inpaint, repair) take from the command line.
template <typename Options>
void take_one_set_arguments(Options& options, const EvalArgs& args, const GlobalOptions& global) {
  options.data_root = args.data.empty() ? default_data_root() : args.data;
  if (args.sets.size() > 1)
    throw InvalidArgument(fmt::format("--task {} measures one set at a time", args.task));
  if (!args.sets.empty()) options.set = args.sets.front();
  if (!args.models.empty()) options.models = args.models;
  options.precisions = args.precisions;
  options.limit = args.limit;
  options.threads = args.threads;
  options.progress = [&global](const std::string& line) { info(global, line); };
}

// --task inpaint: Kodak24 with the three seeded mask sets (eval/inpaint_eval.h).
int run_inpaint_eval(const EvalArgs& args, bool output_given, const GlobalOptions& global) {
  eval::InpaintEvalOptions options;
  take_one_set_arguments(options, args, global);
  OwnReport<eval::InpaintEvaluation> own;
  own.report = output_given ? args.output : "docs/INPAINT.md";
  own.measure = [&] { return eval::run_inpaint_evaluation(options); };
  own.render = eval::render_inpaint_markdown;
  own.json = eval::inpaint_evaluation_json;
  own.record = eval::record_inpaint_scores;
  own.summary = [](const eval::InpaintEvaluation& evaluation) {
    std::string lines;
    for (const auto& row : evaluation.rows) {
      lines += fmt::format("{:<42}", row.method);
      for (const auto& cell : row.cells)
        lines += fmt::format("  {} {:.2f} (mask) {:.2f}", cell.masks, cell.psnr_masked, cell.psnr);
      lines += "\n";
    }
    return lines;
  };
  return run_own_report(args, global, own);
}

// --task repair: the seeded synthetic damage of Kodak24 (eval/repair_eval.h).
int run_repair_eval(const EvalArgs& args, bool output_given, const GlobalOptions& global) {
  eval::RepairEvalOptions options;
  take_one_set_arguments(options, args, global);
  OwnReport<eval::RepairEvaluation> own;
  own.report = output_given ? args.output : "docs/REPAIR.md";
  own.measure = [&] { return eval::run_repair_evaluation(options); };
  own.render = eval::render_repair_markdown;
  own.json = eval::repair_evaluation_json;
  own.record = eval::record_repair_scores;
  own.summary = [](const eval::RepairEvaluation& evaluation) {
    std::string lines;
    for (const auto& row : evaluation.rows)
      lines += fmt::format("{:<56} IoU {:.3f}  PSNR {:.2f}\n", row.method, row.iou, row.psnr);
    return lines;
  };
  return run_own_report(args, global, own);
}

// --task video (video_sr, video_denoise: one part): Vid4 (eval/video_eval.h). --sets names the
// clips; --model's files go to the protocols of their task.
int run_video_eval(const EvalArgs& args, bool output_given, const GlobalOptions& global) {
  eval::VideoEvalOptions options;
  options.data_root = args.data.empty() ? default_data_root() : args.data;
  if (!args.sets.empty()) options.clips = args.sets;
  if (args.task == "video_sr") options.protocols = {"bd", "bi", "burst"};
  if (args.task == "video_denoise") options.protocols = {"denoise"};
  if (!args.models.empty()) {
    options.sr_models.clear();
    options.denoise_models.clear();
    for (const auto& model : args.models) {
      const auto task = model_file::read_model_file(resolve_model(model)).meta.task;
      if (task == "video_sr") options.sr_models.push_back(model);
      else if (task == "video_denoise") options.denoise_models.push_back(model);
      else throw InvalidArgument(fmt::format("model '{}' is for task '{}', not a video task", model, task));
    }
    std::vector<std::string> protocols;
    for (const auto& protocol : options.protocols)
      if (protocol == "denoise" ? !options.denoise_models.empty() : !options.sr_models.empty())
        protocols.push_back(protocol);
    options.protocols = protocols;
  }
  options.precisions = args.precisions;
  options.peers = !args.no_peers;
  options.limit = args.limit;
  options.threads = args.threads;
  options.progress = [&](const std::string& line) { info(global, line); };
  OwnReport<eval::VideoEvaluation> own;
  own.report = output_given ? args.output : "docs/VIDEO.md";
  own.measure = [&] { return eval::run_video_evaluation(options); };
  own.render = eval::render_video_markdown;
  own.json = eval::video_evaluation_json;
  own.record = eval::record_video_scores;
  own.summary = eval::video_summary;
  return run_own_report(args, global, own);
}

std::vector<std::string> task_choices() {
  auto choices = tasks::known_tasks();
  choices.push_back("all");
  choices.push_back("video");  // video_sr and video_denoise
  return choices;
}

}  // namespace

Run add_eval_command(CLI::App& app, GlobalOptions& global) {
  auto args = std::make_shared<EvalArgs>();
  auto* command = app.add_subcommand(
      "eval", "Measure models, baselines and peers on the standard test sets; write a report");
  command->add_option("--task", args->task, "Task to evaluate")
      ->check(CLI::IsMember(task_choices()))
      ->capture_default_str();
  command->add_option("--data", args->data, "Data folder holding test/ and peers/")
      ->default_str("$RESTORA_DATA or ../shared/data");
  command
      ->add_option("--model", args->models,
                   "Our models, shipped names or files, comma-separated (needs one --task)")
      ->delimiter(',')
      ->default_str("the task's shipped default");
  command
      ->add_option("--sets", args->sets,
                   "Test sets, comma-separated (e.g. Set5,Set14; a folder measured by two "
                   "protocols selects both, 'LIVE1 colour' the colour JPEG protocol alone)")
      ->delimiter(',')
      ->default_str("every standard set of the tasks");
  command->add_option("--limit", args->limit, "Only the first N images of each set (0 = all)")
      ->check(CLI::Range(0, std::numeric_limits<int>::max()))
      ->capture_default_str();
  command->add_option("--timing-runs", args->timing_runs,
                      "Timed calls per image and method; an image's time is their median")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  command->add_option("-o,--output", args->output, "Markdown report, written atomically")
      ->capture_default_str()
      ->description("Markdown report, written atomically (--task codec: docs/CODEC.md and its "
                    "plot beside it; --task deblur: docs/DEBLUR.md; --task inpaint: docs/INPAINT.md; --task repair: docs/REPAIR.md; --task video: docs/VIDEO.md)");
  command->add_option("--threads", args->threads, "OpenCV and LibTorch threads (0 = all cores)")
      ->check(CLI::Range(0, std::numeric_limits<int>::max()))
      ->capture_default_str();
  command->add_option("--tile", args->tile, "Our models' input pixels per tile side (0 = automatic)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  command->add_option("--device", args->device, "Our models' device: cpu or cuda")
      ->capture_default_str();
  command
      ->add_option("--precision", args->precisions,
                   "Our models' precisions, one row each (fp32,bf16 measures what bf16 costs; "
                   "with --record it validates the model for bf16)")
      ->delimiter(',')
      ->check(CLI::IsMember({"auto", "fp32", "bf16"}))
      ->default_str("auto");
  command->add_flag("--no-peers", args->no_peers, "Skip the OpenCV dnn_superres peer networks");
  command->add_flag("--allow-missing-model", args->allow_missing_model,
                    "Skip our row with a note when the model file does not exist");
  command->add_flag("--record", args->record,
                    "Write the measured test-set scores into each evaluated model file");
  command->add_flag("--blind", args->blind,
                    "--task deblur: the blind protocol (USRNet's 12 kernels at σ 2.55, Levin09's "
                    "real blurs; model 'deblur'; report docs/DEBLUR-BLIND.md)");
  add_output_flags(*command, global);

  auto* output_option = command->get_option("--output");
  return [command, args, output_option, &global]() -> int {
    if (!command->parsed()) return -1;
    if (args->blind && args->task != "deblur") throw InvalidArgument("--blind needs --task deblur");
    if (args->task == "codec") return run_codec_eval(*args, output_option->count() > 0, global);
    if (args->task == "deblur") return run_deblur_eval(*args, output_option->count() > 0, global);
    if (args->task == "inpaint") return run_inpaint_eval(*args, output_option->count() > 0, global);
    if (args->task == "repair") return run_repair_eval(*args, output_option->count() > 0, global);
    if (args->task == "video" || args->task == "video_sr" || args->task == "video_denoise")
      return run_video_eval(*args, output_option->count() > 0, global);
    eval::EvalOptions options;
    options.data_root = args->data.empty() ? default_data_root() : args->data;
    if (args->task != "all") options.tasks = {tasks::find_task(args->task)};
    options.sets = args->sets;
    options.models = args->models;
    options.limit = args->limit;
    options.timing_runs = args->timing_runs;
    options.threads = args->threads;
    options.tile = args->tile;
    options.device = args->device;
    for (const auto& precision : args->precisions)
      if (std::count(args->precisions.begin(), args->precisions.end(), precision) > 1)
        throw InvalidArgument(fmt::format("--precision lists '{}' twice", precision));
    options.precisions = args->precisions;
    options.peers = !args->no_peers;
    options.allow_missing_model = args->allow_missing_model;
    options.progress = [&](const std::string& line) { info(global, line); };
    check_before_measuring(*args, args->output);
    const auto evaluation = eval::run_evaluation(options);

    const eval::ReportContext context{command_line(), model_file::today_utc(), eval::describe_machine()};
    eval::write_text_atomically(args->output, eval::render_markdown(evaluation, context));
    if (args->record)
      for (const auto& file : eval::record_scores(evaluation, context))
        info(global, fmt::format("scores recorded in {}", file));
    if (global.json) {
      auto json = eval::evaluation_json(evaluation);
      json["output"] = args->output;
      fmt::print("{}\n", json.dump(2));
    } else if (!global.quiet) {
      fmt::print("{}report: {}\n", eval::render_summary(evaluation), args->output);
    }
    return 0;
  };
}

}  // namespace restora::cli

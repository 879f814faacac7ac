#include "eval/evaluate.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <memory>
#include <opencv2/core/utility.hpp>
#include <set>

#include "restora/errors.h"
#include "restore/runtime.h"

namespace restora::eval {
namespace {

// The channels of a set's images (sets stored as is are colour but for rare gray files).
int channels_of(Color color) { return color == Color::rgb || color == Color::stored ? 3 : 1; }

// The selected protocols, each with only the selected sets; throws for unknown set names.
std::vector<TaskProtocol> select_protocols(const EvalOptions& options) {
  std::vector<TaskProtocol> selected;
  std::vector<std::string> known;
  std::set<std::string> used;
  // A folder's name selects every protocol measuring it; a label, that protocol's alone.
  const auto requested = [&](const std::string& name) {
    const bool found =
        std::find(options.sets.begin(), options.sets.end(), name) != options.sets.end();
    if (found) used.insert(name);
    return found;
  };
  for (auto protocol : standard_protocols()) {
    if (!options.tasks.empty() &&
        std::find(options.tasks.begin(), options.tasks.end(), protocol.task) == options.tasks.end())
      continue;
    std::vector<TestSet> sets;
    for (const auto& set : protocol.sets) {
      known.push_back(set.title());
      const bool by_name = requested(set.name);  // both looked up: each marks its name used
      const bool by_label = !set.label.empty() && requested(set.label);
      if (options.sets.empty() || by_name || by_label) sets.push_back(set);
    }
    protocol.sets = sets;
    if (!protocol.sets.empty()) selected.push_back(protocol);
  }
  for (const auto& name : options.sets)
    if (!used.count(name))
      throw InvalidArgument(fmt::format("unknown test set '{}' for the selected tasks; known: {}",
                                        name, fmt::join(known, ", ")));
  return selected;
}

// The rows of one task's tables, in report order: baseline, classical, peers; ours is added
// by the caller.
std::vector<std::unique_ptr<Method>> baseline_methods(const TaskProtocol& protocol,
                                                      const EvalOptions& options) {
  std::vector<std::unique_ptr<Method>> methods;
  for (const auto baseline : protocol.baselines) {
    switch (baseline) {
      case Baseline::input:
        methods.push_back(make_identity());
        break;
      case Baseline::fast_nl_means:
        methods.push_back(make_fast_nl_means());
        break;
      case Baseline::bsrgan_outputs: {
        const auto folder = options.data_root / "peers" / "BSRGAN_RealSRSet";
        if (!std::filesystem::is_directory(folder))
          throw FileError(fmt::format("peer outputs folder '{}' does not exist", folder.string()));
        methods.push_back(make_peer_outputs("BSRGAN", folder, "_BSRGAN"));
        break;
      }
      case Baseline::fast_nl_means_sweep:
        for (int h = 2; h <= 6; ++h) methods.push_back(make_fast_nl_means_at(static_cast<float>(h)));
        break;
      case Baseline::bicubic_matlab:
        methods.push_back(make_bicubic_matlab());
        break;
      case Baseline::opencv_cubic:
        methods.push_back(make_opencv_cubic());
        break;
      case Baseline::dnn_superres: {
        if (!options.peers) break;
        const auto folder = options.data_root / "peers" / "opencv_dnn_superres";
        if (!std::filesystem::is_directory(folder))
          throw FileError(fmt::format("peer models folder '{}' does not exist", folder.string()));
        for (auto network : {PeerNetwork::fsrcnn, PeerNetwork::fsrcnn_small, PeerNetwork::espcn,
                             PeerNetwork::lapsrn})
          methods.push_back(make_dnn_superres(network, folder));
        break;
      }
    }
  }
  return methods;
}

void add_note(std::vector<std::string>& notes, const std::string& note) {
  if (!note.empty() && std::find(notes.begin(), notes.end(), note) == notes.end())
    notes.push_back(note);
}

}  // namespace

Evaluation run_evaluation(const EvalOptions& options) {
  if (options.limit < 0) throw InvalidArgument(fmt::format("limit {} must be >= 0", options.limit));
  if (options.timing_runs < 1)
    throw InvalidArgument(fmt::format("timing runs {} must be >= 1", options.timing_runs));
  if (options.threads < 0)
    throw InvalidArgument(fmt::format("threads {} must be >= 0", options.threads));
  if (options.precisions.empty()) throw InvalidArgument("no precision to evaluate our models in");
  if (!std::filesystem::is_directory(options.data_root))
    throw FileError(fmt::format("data folder '{}' does not exist", options.data_root.string()));
  auto protocols = select_protocols(options);
  std::set<tasks::Task> selected_tasks;  // a task may have several protocols (JPEG: gray, colour)
  for (const auto& protocol : protocols) selected_tasks.insert(protocol.task);
  if (!options.models.empty() && selected_tasks.size() != 1)
    throw InvalidArgument(
        fmt::format("model '{}' serves one task, but {} tasks are selected; choose one task",
                    options.models.front(), selected_tasks.size()));

  for (auto& protocol : protocols)
    if (!protocol.niqe_model.empty()) {
      protocol.niqe_model = options.data_root / protocol.niqe_model;
      if (!std::filesystem::is_regular_file(protocol.niqe_model))
        throw FileError(fmt::format("NIQE model '{}' does not exist", protocol.niqe_model.string()));
    }
  const auto test_folder = [&](const TestSet& set) {
    return options.data_root / "test" / set.name;
  };
  for (const auto& protocol : protocols)
    for (const auto& set : protocol.sets) test_set_images(set, test_folder(set), options.limit);

  Evaluation evaluation;
  evaluation.limit = options.limit;
  evaluation.timing_runs = options.timing_runs;
  evaluation.threads = options.threads > 0 ? options.threads : available_cores();
  cv::setNumThreads(evaluation.threads);
  RestoreOptions restore_options;
  restore_options.threads = evaluation.threads;
  restore_options.tile = options.tile;
  restore_options.device = options.device;

  // Build every task's methods and load our models before any scoring, so that a missing
  // model or peer folder fails before hours of work.
  struct TaskMethods {
    std::vector<std::unique_ptr<Method>> baselines;
    std::vector<std::unique_ptr<Method>> ours;  // one per model and precision
    std::set<std::pair<size_t, int>> missing;   // (ours index, channels) of missing models
  };
  const std::vector<std::string> models =
      options.models.empty() ? std::vector<std::string>{""} : options.models;
  std::vector<TaskMethods> task_methods;
  for (const auto& protocol : protocols) {
    TaskMethods entry{options.baselines ? baseline_methods(protocol, options)
                                        : std::vector<std::unique_ptr<Method>>{},
                      {}, {}};
    std::vector<std::string> model_names;
    // Other tasks' shipped models first, at the first precision asked for.
    for (const auto& other : protocol.other_models) {
      restore_options.model = "";
      restore_options.precision = options.precisions.front();
      entry.ours.push_back(make_ours_elsewhere(tasks::find_task(other), restore_options));
      model_names.push_back(tasks::find_task(other)->default_model(3));
    }
    for (const auto& model : models)
      for (const auto& precision : options.precisions) {
        restore_options.model = model;
        restore_options.precision = precision;
        entry.ours.push_back(make_ours(protocol.task, restore_options));
        model_names.push_back(model);
      }
    for (const auto& set : protocol.sets) {
      const int channels = channels_of(set.color);
      for (size_t i = 0; i < entry.ours.size(); ++i) {
        if (entry.missing.count({i, channels})) continue;
        try {
          entry.ours[i]->name(channels);
        } catch (const FileError&) {
          if (!options.allow_missing_model) throw;
          entry.missing.insert({i, channels});
          add_note(evaluation.notes,
                   fmt::format("Restora row skipped for {} {} sets: model '{}' not found.",
                               protocol.task->id(), channels == 1 ? "gray" : "colour",
                               model_names[i].empty() ? protocol.task->default_model(channels)
                                                      : model_names[i]));
        }
      }
    }
    task_methods.push_back(std::move(entry));
  }

  for (size_t t = 0; t < protocols.size(); ++t) {
    const auto& protocol = protocols[t];
    auto& entry = task_methods[t];
    for (const auto& set : protocol.sets) {
      std::vector<Method*> rows;
      for (const auto& method : entry.baselines) rows.push_back(method.get());
      for (size_t i = 0; i < entry.ours.size(); ++i)
        if (!entry.missing.count({i, channels_of(set.color)})) rows.push_back(entry.ours[i].get());
      evaluation.sets.push_back(evaluate_set(protocol, set, test_folder(set), rows, options.limit,
                                             options.timing_runs, options.progress));
    }
    for (const auto& method : entry.baselines) add_note(evaluation.notes, method->details());
    for (const auto& ours : entry.ours) add_note(evaluation.notes, ours->details());
  }
  return evaluation;
}

}  // namespace restora::eval

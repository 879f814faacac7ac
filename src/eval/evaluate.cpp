#include "eval/evaluate.h"

#include <fmt/format.h>
#include <sched.h>

#include <algorithm>
#include <memory>
#include <opencv2/core/utility.hpp>
#include <set>
#include <thread>

#include "restora/errors.h"

namespace restora::eval {
namespace {

using tasks::Task;

int available_cores() {
  cpu_set_t cores;
  if (sched_getaffinity(0, sizeof(cores), &cores) == 0) return CPU_COUNT(&cores);
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

int channels_of(Color color) { return color == Color::rgb ? 3 : 1; }

// The selected protocols, each with only the selected sets; throws for unknown set names.
std::vector<TaskProtocol> select_protocols(const EvalOptions& options) {
  std::vector<TaskProtocol> selected;
  std::vector<std::string> known;
  std::set<std::string> used;
  for (auto protocol : standard_protocols()) {
    if (!options.tasks.empty() &&
        std::find(options.tasks.begin(), options.tasks.end(), protocol.task) == options.tasks.end())
      continue;
    std::vector<TestSet> sets;
    for (const auto& set : protocol.sets) {
      known.push_back(set.name);
      if (options.sets.empty() ||
          std::find(options.sets.begin(), options.sets.end(), set.name) != options.sets.end()) {
        sets.push_back(set);
        used.insert(set.name);
      }
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
std::vector<std::unique_ptr<Method>> baseline_methods(Task task, const EvalOptions& options) {
  std::vector<std::unique_ptr<Method>> methods;
  switch (task) {
    case Task::denoise:
      methods.push_back(make_identity());
      methods.push_back(make_fast_nl_means());
      break;
    case Task::dejpeg:
      methods.push_back(make_identity());
      break;
    case Task::super_resolution: {
      methods.push_back(make_bicubic_matlab());
      methods.push_back(make_opencv_cubic());
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
  return methods;
}

void add_note(std::vector<std::string>& notes, const std::string& note) {
  if (!note.empty() && std::find(notes.begin(), notes.end(), note) == notes.end())
    notes.push_back(note);
}

}  // namespace

Evaluation run_evaluation(const EvalOptions& options) {
  if (options.limit < 0) throw InvalidArgument(fmt::format("limit {} must be >= 0", options.limit));
  if (options.threads < 0)
    throw InvalidArgument(fmt::format("threads {} must be >= 0", options.threads));
  if (!std::filesystem::is_directory(options.data_root))
    throw FileError(fmt::format("data folder '{}' does not exist", options.data_root.string()));
  const auto protocols = select_protocols(options);
  if (!options.model.empty() && protocols.size() != 1)
    throw InvalidArgument(
        fmt::format("model '{}' serves one task, but {} tasks are selected; choose one task",
                    options.model, protocols.size()));

  const auto test_folder = [&](const TestSet& set) {
    return options.data_root / "test" / set.name;
  };
  for (const auto& protocol : protocols)
    for (const auto& set : protocol.sets) test_set_images(set, test_folder(set), options.limit);

  Evaluation evaluation;
  evaluation.limit = options.limit;
  evaluation.threads = options.threads > 0 ? options.threads : available_cores();
  cv::setNumThreads(evaluation.threads);
  RestoreOptions restore_options;
  restore_options.model = options.model;
  restore_options.threads = evaluation.threads;

  for (const auto& protocol : protocols) {
    auto methods = baseline_methods(protocol.task, options);
    auto ours = make_ours(protocol.task, restore_options);
    // Load our model for every set up front: a missing model fails before hours of work.
    std::set<int> missing;
    for (const auto& set : protocol.sets) {
      const int channels = channels_of(set.color);
      if (missing.count(channels)) continue;
      try {
        ours->name(channels);
      } catch (const FileError& error) {
        if (!options.allow_missing_model) throw;
        missing.insert(channels);
        add_note(evaluation.notes, fmt::format("Restora row skipped for {} {} sets: {}",
                                               tasks::task_name(protocol.task),
                                               channels == 1 ? "gray" : "colour", error.what()));
      }
    }
    for (const auto& set : protocol.sets) {
      std::vector<Method*> rows;
      for (const auto& method : methods) rows.push_back(method.get());
      if (!missing.count(channels_of(set.color))) rows.push_back(ours.get());
      evaluation.sets.push_back(
          evaluate_set(protocol, set, test_folder(set), rows, options.limit, options.progress));
    }
    for (const auto& method : methods) add_note(evaluation.notes, method->details());
    add_note(evaluation.notes, ours->details());
  }
  return evaluation;
}

}  // namespace restora::eval

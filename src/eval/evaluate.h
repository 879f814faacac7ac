// `restora eval` in the library: runs the standard protocols over the test sets for every
// method (baselines, classical, peers, ours) and collects the tables the reports print.
//
//   eval::EvalOptions options;
//   options.data_root = "../shared/data";
//   options.tasks = {tasks::find_task("super_resolution")};
//   options.sets = {"Set5"};
//   eval::Evaluation evaluation = eval::run_evaluation(options);
//   std::string markdown = eval::render_markdown(evaluation, context);  // eval/report.h
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "eval/protocols.h"
#include "tasks/task.h"

namespace restora::eval {

struct EvalOptions {
  std::filesystem::path data_root;  // holds test/<set> and peers/opencv_dnn_superres
  std::vector<tasks::Task> tasks;   // empty = every task, in standard_protocols() order
  std::vector<std::string> sets;    // test sets: a folder's name selects every protocol measuring
                                    // it, a label ("LIVE1 colour") that one; empty = every set
  std::vector<std::string> models;  // our models' names or files, one row each; empty = the
                                    // task's shipped default (then one task only)
  int limit = 0;                    // first N images of each set; 0 = all
  int timing_runs = 1;              // calls per image and method; its time is their median
  int threads = 0;                  // OpenCV and LibTorch threads; 0 = every available core
  int tile = 0;                     // our models' tile size; 0 = automatic
  std::string device = "cpu";       // our models' device: "cpu" or "cuda"
  // Our models' precisions ("auto", "fp32", "bf16"), one row each; fp32 + bf16 measures what
  // bf16 costs (eval/record.h validates a model for bf16 from it).
  std::vector<std::string> precisions{"auto"};
  bool peers = true;                 // run the OpenCV dnn_superres peers for super-resolution
  bool baselines = true;             // false: our rows only (validating a model's precisions)
  bool allow_missing_model = false;  // skip our row (with a note) when the model file is missing
  Progress progress;                 // optional progress lines
};

struct Evaluation {
  std::vector<SetScores> sets;     // in protocol order
  std::vector<std::string> notes;  // method details and skipped rows, one sentence each
  int threads = 0;                 // the thread count actually used
  int limit = 0;
  int timing_runs = 1;
};

// Checks everything it can before the slow part: data folder, set names and folders, peer
// folder, our models (loaded). Throws FileError for a missing data folder, test set or peer
// folder, or a missing model unless allow_missing_model; InvalidArgument for a set name that
// no selected task uses, negative limit or threads, or models given with more than one task.
// Sets the process-wide OpenCV and LibTorch thread counts.
Evaluation run_evaluation(const EvalOptions& options);

}  // namespace restora::eval

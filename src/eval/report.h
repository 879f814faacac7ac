// The reports of an evaluation: docs/RESULTS.md (Markdown), a short terminal summary, JSON.
//
//   eval::ReportContext context{cli::command_line(), model_file::today_utc(),
//                               eval::describe_machine()};
//   eval::write_text_atomically("docs/RESULTS.md", eval::render_markdown(evaluation, context));
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "eval/evaluate.h"

namespace restora::eval {

// What the Markdown header states besides the evaluation itself.
struct ReportContext {
  std::string command;  // the command line as typed
  std::string date;     // "2024-05-01"
  std::string machine;  // CPU model and core count
};

// Per task: the protocol, then one table per test set with rows = methods (baseline,
// classical, peers, ours, then the published numbers of PROTOCOLS.md marked "published") and
// columns = "PSNR / SSIM" ("PSNR / SSIM / PSNR-B" for JPEG) per setting and ms/MP per setting.
// The header states command, date, machine, threads, image limit and the noise generator.
std::string render_markdown(const Evaluation& evaluation, const ReportContext& context);

// A compact plain-text table of PSNR per setting and ms/MP, for the terminal.
std::string render_summary(const Evaluation& evaluation);

// Every measured cell: {"threads", "limit", "notes", "results": [{"task", "set", "protocol",
// "images", "channels", "setting_key", "methods": [{"method", "cells": [{"setting",
// "sigma"|"scale"|"quality", "images", "psnr", "ssim", "psnr_b" and "psnr_y" (null unless
// measured), "ms_per_megapixel"}]}]}]}.
nlohmann::json evaluation_json(const Evaluation& evaluation);

// The value of the setting's parameter for JSON: an integer when it is one (σ=25 -> 25).
nlohmann::json setting_value_json(tasks::Task task, const Degradation& degradation);

// Creates the folders `path` will be written in (FileError naming it): done before an
// evaluation, so that a bad -o fails at once rather than after the measuring.
void create_output_folder(const std::filesystem::path& path);

// Creates the parent folders, then writes through a temporary file renamed over `path`.
// Throws FileError naming the path.
void write_text_atomically(const std::filesystem::path& path, const std::string& text);

// "<CPU model name> (<its widest vector extension>), <N> logical cores", from /proc/cpuinfo;
// "unknown CPU" when unreadable.
std::string describe_machine();

// "# TITLE\n\nMeasured DATE with `COMMAND` on MACHINE (N threads).\n\n": the head of the
// reports that evaluations with a table of their own write (deblur, inpaint).
std::string report_heading(const std::string& title, const ReportContext& context, int threads);

}  // namespace restora::eval

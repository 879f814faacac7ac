#include "eval/record.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "model_file/model_meta.h"
#include "restora/errors.h"

namespace restora::eval {

namespace {

nlohmann::json cell_results(const SetScores& set, const MethodScores& method) {
  const auto& kind = set.task->degradation();
  nlohmann::json results = nlohmann::json::array();
  for (const auto& cell : method.cells) {
    nlohmann::json result = {{"setting", kind.label(cell.degradation)},
                             {kind.parameter(), setting_value_json(set.task, cell.degradation)}};
    // A no-reference protocol measures NIQE alone; the others PSNR and SSIM.
    if (!std::isnan(cell.niqe)) result["niqe"] = cell.niqe;
    if (!std::isnan(cell.psnr)) result["psnr"] = cell.psnr;
    if (!std::isnan(cell.ssim)) result["ssim"] = cell.ssim;
    if (!std::isnan(cell.psnr_b)) result["psnr_b"] = cell.psnr_b;
    if (!std::isnan(cell.psnr_y)) result["psnr_y"] = cell.psnr_y;
    results.push_back(result);
  }
  return results;
}

// The largest PSNR that bf16 loses against fp32 over the settings both rows measured.
double largest_bf16_drop(const MethodScores& fp32, const MethodScores& bf16) {
  double drop = -std::numeric_limits<double>::infinity();
  for (size_t i = 0; i < std::min(fp32.cells.size(), bf16.cells.size()); ++i)
    drop = std::max(drop, fp32.cells[i].psnr - bf16.cells[i].psnr);
  return drop;
}

struct FileRecord {
  std::vector<nlohmann::json> sets;  // new set entries in evaluation order
  bool compared = false;             // some set was measured in fp32 and bf16
  double largest_drop = -std::numeric_limits<double>::infinity();
};

}  // namespace

std::vector<std::string> record_scores(const Evaluation& evaluation, const ReportContext& context) {
  if (evaluation.limit > 0)
    throw InvalidArgument(fmt::format(
        "cannot record scores of a partial run (--limit {}): only whole test sets are the protocol",
        evaluation.limit));
  std::map<std::string, FileRecord> records;
  std::vector<std::string> files;  // in evaluation order
  std::map<std::string, std::string> task_of;  // model file -> its task, each file read once
  for (const auto& set : evaluation.sets) {
    // Our rows of this set by model file, then by precision.
    std::map<std::string, std::map<std::string, const MethodScores*>> rows;
    std::vector<std::string> order;
    for (const auto& method : set.methods) {
      if (method.model_file.empty()) continue;
      if (!rows.count(method.model_file)) order.push_back(method.model_file);
      rows[method.model_file].emplace(method.precision, &method);
    }
    for (const auto& file : order) {
      // Another task's model measured on this protocol keeps the scores of its own protocols.
      if (!task_of.count(file)) task_of[file] = model_file::read_model_file(file).meta.task;
      if (task_of[file] != set.task->id()) continue;
      const auto& by_precision = rows[file];
      const auto fp32 = by_precision.find("fp32"), bf16 = by_precision.find("bf16");
      const auto& [precision, primary] = fp32 != by_precision.end() ? *fp32 : *by_precision.begin();
      nlohmann::json entry = {{"set", set.set.title()}, {"images", set.images},
                              {"date", context.date},   {"command", context.command},
                              {"precision", precision}, {"results", cell_results(set, *primary)}};
      auto& record = records[file];
      if (fp32 != by_precision.end() && bf16 != by_precision.end()) {
        const double drop = largest_bf16_drop(*fp32->second, *bf16->second);
        record.compared = true;
        if (std::isfinite(drop)) {  // NIQE sets have no PSNR to compare
          entry["bf16_largest_psnr_drop"] = drop;
          record.largest_drop = std::max(record.largest_drop, drop);
        }
      }
      if (record.sets.empty()) files.push_back(file);
      record.sets.push_back(entry);
    }
  }
  for (const auto& path : files) {
    const auto& record = records[path];
    auto model = model_file::read_model_file(path);
    for (const auto& entry : record.sets)
      store_test_set(model.meta, entry, "../shared/PROTOCOLS.md, measured by restora eval");
    if (record.compared) {
      using model_file::Precision;
      model.meta.precision = {Precision::fp32};
      if (record.largest_drop <= bf16_psnr_tolerance_db)
        model.meta.precision.push_back(Precision::bf16);
    }
    model_file::write_model_file(path, model);
  }
  return files;
}

std::vector<std::string> record_own_rows(const std::vector<OwnRow>& rows, const ReportContext& context,
                                         const std::string& protocol, int limit) {
  if (limit > 0) throw InvalidArgument("--record needs whole test sets: drop --limit");
  std::map<std::string, std::map<std::string, const OwnRow*>> by_file;  // file -> precision -> row
  std::vector<std::string> files;
  for (const auto& row : rows) {
    if (row.model_file.empty()) continue;
    if (!by_file.count(row.model_file)) files.push_back(row.model_file);
    by_file[row.model_file].emplace(row.precision, &row);
  }
  for (const auto& file : files) {
    const auto& by_precision = by_file[file];
    const auto fp32 = by_precision.find("fp32"), bf16 = by_precision.find("bf16");
    const OwnRow& main = fp32 != by_precision.end() ? *fp32->second : *by_precision.begin()->second;
    const bool compared = fp32 != by_precision.end() && bf16 != by_precision.end();
    double drop = -std::numeric_limits<double>::infinity();
    if (compared)
      for (size_t i = 0; i < std::min(main.psnrs.size(), bf16->second->psnrs.size()); ++i)
        drop = std::max(drop, main.psnrs[i] - bf16->second->psnrs[i]);
    auto model = model_file::read_model_file(file);
    for (auto entry : main.sets) {
      entry["date"] = context.date;
      entry["command"] = context.command;
      entry["precision"] = main.precision;
      if (compared) entry["bf16_largest_psnr_drop"] = drop;
      store_test_set(model.meta, entry, protocol);
    }
    if (compared) {
      using model_file::Precision;
      model.meta.precision = {Precision::fp32};
      if (drop <= bf16_psnr_tolerance_db) model.meta.precision.push_back(Precision::bf16);
    }
    model_file::write_model_file(file, model);
  }
  return files;
}

void store_test_set(model_file::ModelMeta& meta, const nlohmann::json& entry,
                    const std::string& protocol) {
  auto& test = meta.scores["test"];
  nlohmann::json sets = nlohmann::json::array();
  if (test.is_object() && test.contains("sets") && test["sets"].is_array()) sets = test["sets"];
  auto same = std::find_if(sets.begin(), sets.end(),
                           [&](const nlohmann::json& old) { return old["set"] == entry["set"]; });
  if (same != sets.end())
    *same = entry;  // a set measured again keeps its place
  else
    sets.push_back(entry);
  test = {{"protocol", protocol}, {"sets", sets}};
}

std::string score_summary(const nlohmann::json& scores) {
  if (scores.contains("test") && scores["test"].contains("sets") &&
      !scores["test"]["sets"].empty()) {
    const auto& first = scores["test"]["sets"][0];
    std::vector<std::string> cells;
    bool niqe = false;  // a no-reference set: NIQE, not dB
    for (const auto& result : first.value("results", nlohmann::json::array())) {
      niqe = result.contains("niqe");
      cells.push_back(
          result.contains("bpp")  // a codec: its rate too
              ? fmt::format("{} {:.3f} bpp {:.2f}", result.value("setting", "?"),
                            result.value("bpp", 0.0), result.value("psnr", 0.0))
          : niqe ? fmt::format("{} NIQE {:.2f}", result.value("setting", "?"), result.value("niqe", 0.0))
                 : fmt::format("{} {:.2f}", result.value("setting", "?"), result.value("psnr", 0.0)));
    }
    return fmt::format("{} {}{}", first.value("set", "?"), fmt::join(cells, ", "), niqe ? "" : " dB");
  }
  if (scores.contains("validation") && scores["validation"].contains("psnr"))
    return fmt::format("validation {:.2f} dB", scores["validation"]["psnr"].get<double>());
  if (scores.contains("validation") && scores["validation"].contains("rd_loss"))  // a codec
    return fmt::format("validation RD loss {:.3f}", scores["validation"]["rd_loss"].get<double>());
  return "";
}

}  // namespace restora::eval

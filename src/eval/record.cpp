#include "eval/record.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "model_file/model_meta.h"
#include "restora/errors.h"

namespace restora::eval {

std::vector<std::string> record_scores(const Evaluation& evaluation, const ReportContext& context) {
  if (evaluation.limit > 0)
    throw InvalidArgument(fmt::format(
        "cannot record scores of a partial run (--limit {}): only whole test sets are the protocol",
        evaluation.limit));
  // Per model file, the new set entries in evaluation order.
  std::map<std::string, std::vector<nlohmann::json>> entries;
  std::vector<std::string> files;
  for (const auto& set : evaluation.sets)
    for (const auto& method : set.methods) {
      if (method.model_file.empty()) continue;
      const auto& kind = set.task->degradation();
      nlohmann::json results = nlohmann::json::array();
      for (const auto& cell : method.cells) {
        nlohmann::json result = {{"setting", kind.label(cell.degradation)},
                                 {kind.parameter(), setting_value_json(set.task, cell.degradation)},
                                 {"psnr", cell.psnr},
                                 {"ssim", cell.ssim}};
        if (!std::isnan(cell.psnr_b)) result["psnr_b"] = cell.psnr_b;
        results.push_back(result);
      }
      if (!entries.count(method.model_file)) files.push_back(method.model_file);
      entries[method.model_file].push_back({{"set", set.set.name},
                                            {"images", set.images},
                                            {"date", context.date},
                                            {"command", context.command},
                                            {"results", results}});
    }
  for (const auto& path : files) {
    auto model = model_file::read_model_file(path);
    auto& test = model.meta.scores["test"];
    nlohmann::json sets = nlohmann::json::array();
    if (test.is_object() && test.contains("sets") && test["sets"].is_array()) sets = test["sets"];
    for (const auto& entry : entries[path]) {
      auto same = std::find_if(sets.begin(), sets.end(), [&](const nlohmann::json& old) {
        return old["set"] == entry["set"];
      });
      if (same != sets.end())
        *same = entry;  // a set measured again keeps its place
      else
        sets.push_back(entry);
    }
    test = {{"protocol", "../shared/PROTOCOLS.md, measured by restora eval"}, {"sets", sets}};
    model_file::write_model_file(path, model);
  }
  return files;
}

std::string score_summary(const nlohmann::json& scores) {
  if (scores.contains("test") && scores["test"].contains("sets") &&
      !scores["test"]["sets"].empty()) {
    const auto& first = scores["test"]["sets"][0];
    std::vector<std::string> cells;
    for (const auto& result : first.value("results", nlohmann::json::array()))
      cells.push_back(
          fmt::format("{} {:.2f}", result.value("setting", "?"), result.value("psnr", 0.0)));
    return fmt::format("{} {} dB", first.value("set", "?"), fmt::join(cells, ", "));
  }
  if (scores.contains("validation") && scores["validation"].contains("psnr"))
    return fmt::format("validation {:.2f} dB", scores["validation"]["psnr"].get<double>());
  return "";
}

}  // namespace restora::eval

// Published reference numbers, transcribed from the table of ../shared/PROTOCOLS.md
// ("Published reference numbers"): PSNR in dB, on Y for super-resolution and JPEG, on all
// channels for denoising. Shown in the reports beside the numbers measured here.
#pragma once

#include <string>
#include <vector>

#include "tasks/task.h"

namespace restora::eval {

struct PublishedRow {
  tasks::Task task = nullptr;
  std::string set;     // test set folder name, e.g. "BSD100" (the papers' "B100")
  std::string method;  // e.g. "EDSR-baseline"
  std::vector<Degradation> settings;
  std::vector<double> psnr;  // one per setting
  std::string source;        // the papers whose tables hold the numbers
};

// Every row of the table, in its order (input/bicubic, classic, light CNN, strong CNN, SOTA).
const std::vector<PublishedRow>& published_rows();

// The rows for one task and test set (none for sets the table does not cover).
std::vector<PublishedRow> published_rows(tasks::Task task, const std::string& set);

}  // namespace restora::eval

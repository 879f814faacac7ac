// Learning-rate schedules: a pure function of the step.
#pragma once

#include "train/config.h"

namespace restora::train {

// Learning rate for `step` (1-based) of a run of `total_steps`.
double learning_rate_at(const ScheduleConfig& schedule, double base_rate, int64_t step,
                        int64_t total_steps);

}  // namespace restora::train

#include "train/schedule.h"

#include <algorithm>
#include <cmath>

namespace restora::train {

double learning_rate_at(const ScheduleConfig& schedule, double base_rate, int64_t step,
                        int64_t total_steps) {
  if (schedule.warmup_steps > 0 && step <= schedule.warmup_steps)
    return base_rate * static_cast<double>(step) / schedule.warmup_steps;
  if (schedule.kind == "cosine") {
    const double span = std::max<int64_t>(1, total_steps - schedule.warmup_steps);
    const double progress =
        std::clamp(static_cast<double>(step - schedule.warmup_steps) / span, 0.0, 1.0);
    return schedule.min_learning_rate +
           0.5 * (base_rate - schedule.min_learning_rate) * (1.0 + std::cos(M_PI * progress));
  }
  if (schedule.kind == "step") {
    double rate = base_rate;
    for (int milestone : schedule.milestones)
      if (step > milestone) rate *= schedule.gamma;
    return rate;
  }
  return base_rate;
}

}  // namespace restora::train

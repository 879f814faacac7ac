// Wall time of one run, for the evaluations' per-image timings.
#pragma once

#include <chrono>

namespace restora::eval {

class Stopwatch {
 public:
  double ms() const {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

}  // namespace restora::eval

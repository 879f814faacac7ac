// The registered tasks; a new task is one class here and one registry line.
#include "tasks/task.h"

#include <fmt/format.h>

#include <memory>

#include "restora/errors.h"

namespace restora::tasks {
namespace {

const char* color_word(int channels) { return channels == 1 ? "gray" : "color"; }

class Denoise : public TaskSpec {
 public:
  std::string id() const override { return "denoise"; }
  const DegradationKind& degradation() const override { return kind_; }
  float condition_value(const Degradation& degradation) const override {
    return static_cast<float>(degradation.sigma / 255.0);
  }
  Protocol protocol(const Degradation&) const override {
    return {metrics::Space::all_channels, 0, false, "all channels, no border crop"};
  }
  std::string default_model(int channels) const override {
    return fmt::format("denoise-{}", color_word(channels));
  }

 private:
  const DegradationKind& kind_ = find_degradation("gaussian_noise");
};

class SuperResolution : public TaskSpec {
 public:
  std::string id() const override { return "super_resolution"; }
  const DegradationKind& degradation() const override { return kind_; }
  Protocol protocol(const Degradation& degradation) const override {
    return {metrics::Space::y, degradation.scale, false,
            fmt::format("Y (BT.601), {} px border crop", degradation.scale)};
  }
  std::string default_model(int) const override { return "sr"; }

 private:
  const DegradationKind& kind_ = find_degradation("bicubic_down");
};

class Dejpeg : public TaskSpec {
 public:
  std::string id() const override { return "dejpeg"; }
  const DegradationKind& degradation() const override { return kind_; }
  float condition_value(const Degradation& degradation) const override {
    return static_cast<float>(degradation.quality / 100.0);
  }
  Protocol protocol(const Degradation&) const override {
    return {metrics::Space::y, 0, true, "Y (gray images: as is), PSNR-B on 8×8 blocks"};
  }
  std::string default_model(int channels) const override {
    return fmt::format("dejpeg-{}", color_word(channels));
  }

 private:
  const DegradationKind& kind_ = find_degradation("jpeg");
};

const std::vector<std::unique_ptr<TaskSpec>>& registry() {
  static const auto tasks = [] {
    std::vector<std::unique_ptr<TaskSpec>> entries;
    entries.push_back(std::make_unique<Denoise>());
    entries.push_back(std::make_unique<SuperResolution>());
    entries.push_back(std::make_unique<Dejpeg>());
    return entries;
  }();
  return tasks;
}

}  // namespace

Task find_task(const std::string& id) {
  for (const auto& task : registry())
    if (task->id() == id) return task.get();
  throw InvalidArgument(
      fmt::format("unknown task '{}'; known: {}", id, fmt::join(known_tasks(), ", ")));
}

std::vector<std::string> known_tasks() {
  std::vector<std::string> ids;
  for (const auto& task : registry()) ids.push_back(task->id());
  return ids;
}

}  // namespace restora::tasks

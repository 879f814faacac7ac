#include "eval/methods.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <map>
#include <opencv2/dnn_superres.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/photo.hpp>
#include <tuple>

#include "degrade/resize_matlab.h"
#include "model_file/model_meta.h"
#include "restora/errors.h"
#include "restora/image_io.h"

namespace restora::eval {
namespace {

using tasks::Task;

int scale_of(const Degradation& degradation) {
  return find_degradation(degradation.kind).scale(degradation);
}

class Identity : public Method {
 public:
  std::string name(int) override { return "Input"; }
  bool supports(Task, const Degradation& degradation, int) const override {
    return scale_of(degradation) == 1;  // the input must have the output's size
  }
  cv::Mat run(const cv::Mat& lq, const Degradation&) override { return lq; }
};

class BicubicMatlab : public Method {
 public:
  std::string name(int) override { return "Bicubic (MATLAB imresize)"; }
  bool supports(Task, const Degradation& degradation, int) const override {
    return scale_of(degradation) > 1;
  }
  cv::Mat run(const cv::Mat& lq, const Degradation& degradation) override {
    return imresize_matlab(quantize_u8(lq), scale_of(degradation));
  }
};

class OpenCVCubic : public Method {
 public:
  std::string name(int) override { return "OpenCV resize INTER_CUBIC"; }
  bool supports(Task, const Degradation& degradation, int) const override {
    return scale_of(degradation) > 1;
  }
  cv::Mat run(const cv::Mat& lq, const Degradation& degradation) override {
    cv::Mat upscaled;
    cv::resize(quantize_u8(lq), upscaled, lq.size() * scale_of(degradation), 0, 0, cv::INTER_CUBIC);
    return upscaled;
  }
};

class FastNlMeans : public Method {
 public:
  std::string name(int) override { return "OpenCV fastNlMeans"; }
  bool supports(Task, const Degradation& degradation, int) const override {
    return degradation.kind == "gaussian_noise" && degradation.at("sigma") > 0;
  }
  cv::Mat run(const cv::Mat& lq, const Degradation& degradation) override {
    const auto sigma = static_cast<float>(degradation.at("sigma"));
    cv::Mat input = quantize_u8(lq), output;
    if (input.channels() == 1) {
      cv::fastNlMeansDenoising(input, output, sigma);
      return output;
    }
    // The colored variant filters CIELAB converted from OpenCV's BGR order; the noise of its
    // L channel is weaker than σ, hence the smaller luminance strength.
    cv::cvtColor(input, input, cv::COLOR_RGB2BGR);
    cv::fastNlMeansDenoisingColored(input, output, 0.6f * sigma, sigma);
    cv::cvtColor(output, output, cv::COLOR_BGR2RGB);
    return output;
  }
  std::string details() override {
    return "OpenCV fastNlMeans: fastNlMeansDenoising with h = σ on gray images, "
           "fastNlMeansDenoisingColored with h = 0.6σ (luminance) and hColor = σ on colour "
           "images, OpenCV's default windows (template 7, search 21), on the noisy image clipped "
           "and rounded to 8 bits. The rule was chosen once on a few Train400/BSDS400 training "
           "crops, never on test images.";
  }
};

// Blind: one fixed filter strength, for damage of unknown level (real noise).
class FixedNlMeans : public Method {
 public:
  explicit FixedNlMeans(float h) : h_(h) {}
  std::string name(int) override { return fmt::format("OpenCV fastNlMeans h={}", h_); }
  bool supports(Task, const Degradation& degradation, int channels) const override {
    return channels == 3 && scale_of(degradation) == 1;
  }
  cv::Mat run(const cv::Mat& lq, const Degradation&) override {
    cv::Mat input = quantize_u8(lq), output;
    cv::cvtColor(input, input, cv::COLOR_RGB2BGR);
    cv::fastNlMeansDenoisingColored(input, output, h_, h_);  // windows 7 and 21: OpenCV's defaults
    cv::cvtColor(output, output, cv::COLOR_BGR2RGB);
    return output;
  }
  std::string details() override {
    return "OpenCV fastNlMeans h=H: fastNlMeansDenoisingColored with h = hColor = H and OpenCV's "
           "default windows (template 7, search 21) on the 8-bit input, one row per H: the noise "
           "level of real photos is unknown, so the best row is an oracle's choice.";
  }

 private:
  float h_;
};

// Another tool's published outputs of the test images (BSRGAN's of RealSRSet): read, not run.
class PeerOutputs : public Method {
 public:
  PeerOutputs(std::string name, std::filesystem::path folder, std::string suffix)
      : name_(std::move(name)), folder_(std::move(folder)), suffix_(std::move(suffix)) {}
  std::string name(int) override { return fmt::format("{} (published outputs)", name_); }
  bool supports(Task, const Degradation&, int) const override { return true; }
  cv::Mat run(const cv::Mat&, const Degradation&) override {
    throw Error(fmt::format("{}: published outputs need the input's file name", name_));
  }
  cv::Mat run_file(const std::filesystem::path& input, const cv::Mat&, const Degradation&) override {
    const auto path = output_of(input);
    if (!std::filesystem::is_regular_file(path))
      throw FileError(fmt::format("{} has no output '{}' for '{}'", name_, path.string(), input.string()));
    return quantize_u8(read_image(path).pixels);
  }
  std::string details() override {
    // The folder as the data folder names it (peers/NAME), not this machine's path.
    const auto shown = folder_.parent_path().filename() / folder_.filename();
    return fmt::format("{} (published outputs): the files NAME{}.png of the data folder's {}, as "
                       "published; their time is reading the file.",
                       name_, suffix_, shown.string());
  }

 private:
  std::filesystem::path output_of(const std::filesystem::path& input) const {
    return folder_ / (input.stem().string() + suffix_ + ".png");
  }
  std::string name_;
  std::filesystem::path folder_;
  std::string suffix_;
};

struct PeerFacts {
  const char* file_prefix;  // <prefix>_x<scale>.pb
  const char* algorithm;    // dnn_superres setModel() id
};

PeerFacts peer_facts(PeerNetwork network) {
  switch (network) {
    case PeerNetwork::fsrcnn:
      return {"FSRCNN", "fsrcnn"};
    case PeerNetwork::fsrcnn_small:
      return {"FSRCNN-small", "fsrcnn"};
    case PeerNetwork::espcn:
      return {"ESPCN", "espcn"};
    case PeerNetwork::lapsrn:
      return {"LapSRN", "lapsrn"};
  }
  throw InvalidArgument("unknown dnn_superres peer network");
}

class DnnSuperres : public Method {
 public:
  DnnSuperres(PeerNetwork network, std::filesystem::path folder)
      : facts_(peer_facts(network)), folder_(std::move(folder)) {}

  std::string name(int) override {
    return fmt::format("{} (OpenCV dnn_superres)", facts_.file_prefix);
  }
  bool supports(Task, const Degradation& degradation, int) const override {
    return scale_of(degradation) > 1 && std::filesystem::is_regular_file(path(scale_of(degradation)));
  }
  cv::Mat run(const cv::Mat& lq, const Degradation& degradation) override {
    auto& network = model(scale_of(degradation));
    cv::Mat input = quantize_u8(lq), output;
    // The networks take OpenCV's BGR order; a gray image is used as the Y channel directly.
    if (input.channels() == 3) cv::cvtColor(input, input, cv::COLOR_RGB2BGR);
    network.upsample(input, output);
    if (output.channels() == 3) cv::cvtColor(output, output, cv::COLOR_BGR2RGB);
    return output;
  }
  std::string details() override {
    return "OpenCV dnn_superres peers: the TensorFlow graphs <NAME>_x<scale>.pb of "
           "peers/opencv_dnn_superres (a scale without a graph shows a dash), run on the LR "
           "rounded to 8 bits; OpenCV feeds FSRCNN, ESPCN and LapSRN the Y channel of YCrCb and "
           "upscales the chroma bicubically.";
  }

 private:
  std::filesystem::path path(int scale) const {
    return folder_ / fmt::format("{}_x{}.pb", facts_.file_prefix, scale);
  }

  cv::dnn_superres::DnnSuperResImpl& model(int scale) {
    auto found = models_.find(scale);
    if (found != models_.end()) return found->second;
    const auto file = path(scale);
    cv::dnn_superres::DnnSuperResImpl network;
    try {
      network.readModel(file.string());
      network.setModel(facts_.algorithm, scale);
    } catch (const cv::Exception& error) {
      throw FormatError(fmt::format("cannot read peer model '{}': {}", file.string(), error.msg));
    }
    return models_.emplace(scale, std::move(network)).first->second;
  }

  PeerFacts facts_;
  std::filesystem::path folder_;
  std::map<int, cv::dnn_superres::DnnSuperResImpl> models_;
};

class Ours : public Method {
 public:
  Ours(Task task, const RestoreOptions& options, bool any_task = false)
      : task_(task), options_(options), any_task_(any_task) {}

  std::string name(int channels) override {
    const auto& model = model_for(channels);
    switch (model.conditioning) {
      case model_file::Conditioning::sigma:
        return fmt::format("Restora {} (σ given, {})", model.name, model.precision);
      case model_file::Conditioning::quality:
        return fmt::format("Restora {} (q given, {})", model.name, model.precision);
      case model_file::Conditioning::kernel:
        return fmt::format("Restora {} (kernel given, {})", model.name, model.precision);
      case model_file::Conditioning::mask:
        return fmt::format("Restora {} (mask given, {})", model.name, model.precision);
      case model_file::Conditioning::none:
        break;
    }
    return fmt::format("Restora {} ({}{})", model.name,
                       task_->degradation().changes_size() ? "" : "blind, ", model.precision);
  }
  bool supports(Task task, const Degradation& degradation, int channels) const override {
    // The row is one model: a task whose default model depends on the scale ("real" at x1,
    // "real-x4" at x4) runs only the settings of the one it names, unless a model was given.
    // A given model runs the scales it has (real-x2 on the x2 protocols, not the x4 ones).
    if (task == task_ && !options_.model.empty()) {
      const auto& scales = model_for(channels).scales;
      return std::find(scales.begin(), scales.end(), std::max(1, scale_of(degradation))) != scales.end();
    }
    if (task == task_)
      return task_->default_model(channels, std::max(1, scale_of(degradation))) ==
             task_->default_model(channels, std::max(1, options_.scale));
    // Elsewhere, a model serves the settings of its own kind of size: upscalers scales > 1.
    return any_task_ && task_->degradation().changes_size() == (scale_of(degradation) > 1);
  }

  cv::Mat run(const cv::Mat& lq, const Degradation& degradation) override {
    const auto& model = model_for(lq.channels());
    auto options = options_;
    if (scale_of(degradation) > 1) options.scale = scale_of(degradation);
    if (model.conditioning == model_file::Conditioning::sigma) options.sigma = degradation.at("sigma");
    if (model.conditioning == model_file::Conditioning::quality)
      options.quality = static_cast<int>(degradation.at("quality"));
    const auto key = std::make_tuple(options.scale, options.sigma, options.quality);
    auto found = restorers_.find(key);
    if (found == restorers_.end())
      found = restorers_.emplace(key, Restorer(task_->id(), options)).first;
    Image input;
    input.pixels = lq;
    input.bit_depth = 32;  // float input: denoising inputs are unclipped
    return found->second.restore(input).pixels;
  }

  std::string model_file(int channels) override { return model_for(channels).path; }
  std::string precision(int channels) override { return model_for(channels).precision; }

  std::string details() override {
    if (models_.empty()) return "";
    std::vector<std::string> models;
    for (const auto& [channels, model] : models_) {
      auto text = fmt::format("{} ({}, arch {}, {}-channel input, conditioning {}, {}{})",
                              model.name, model.file, model.arch, model.in_channels,
                              model_file::conditioning_name(model.conditioning), model.precision,
                              model.training);
      if (std::find(models.begin(), models.end(), text) == models.end()) models.push_back(text);
    }
    return fmt::format(
        "Restora: restora::Restorer on the float input, thread count {}, precision {}, with {}.",
        options_.threads > 0 ? std::to_string(options_.threads) : "all cores", options_.precision,
        fmt::join(models, "; "));
  }

 private:
  struct ModelFacts {
    std::string name, file, path, arch, precision;
    std::string training;  // ", trained N steps" when the recipe says so
    int in_channels = 0;
    std::vector<int> scales;
    model_file::Conditioning conditioning = model_file::Conditioning::none;
  };

  // Loads (and validates) the model serving `channels`-channel images once.
  const ModelFacts& model_for(int channels) const {
    auto found = models_.find(channels);
    if (found != models_.end()) return found->second;
    Restorer probe(task_->id(), options_);
    const auto summary = probe.model_for(channels);
    const auto meta = model_file::read_model_file(summary.path).meta;
    ModelFacts facts;
    facts.name = summary.name;
    facts.file = std::filesystem::path(summary.path).filename().string();
    facts.path = summary.path;
    facts.arch = summary.arch;
    facts.precision = summary.precision;
    if (meta.recipe.contains("step") && meta.recipe["step"].is_number_integer())
      facts.training = fmt::format(", trained {} steps", meta.recipe["step"].get<int64_t>());
    facts.in_channels = summary.in_channels;
    facts.conditioning = meta.conditioning;
    facts.scales = meta.scales;
    return models_.emplace(channels, facts).first->second;
  }

  Task task_;
  RestoreOptions options_;
  bool any_task_ = false;  // a model of another task, run on this protocol too
  mutable std::map<int, ModelFacts> models_;  // filled on first use, also by supports()
  std::map<std::tuple<int, double, int>, Restorer> restorers_;
};

}  // namespace

std::unique_ptr<Method> make_identity() { return std::make_unique<Identity>(); }
std::unique_ptr<Method> make_bicubic_matlab() { return std::make_unique<BicubicMatlab>(); }
std::unique_ptr<Method> make_opencv_cubic() { return std::make_unique<OpenCVCubic>(); }
std::unique_ptr<Method> make_fast_nl_means() { return std::make_unique<FastNlMeans>(); }

std::unique_ptr<Method> make_peer_outputs(const std::string& name, const std::filesystem::path& folder,
                                          const std::string& suffix) {
  return std::make_unique<PeerOutputs>(name, folder, suffix);
}

std::unique_ptr<Method> make_fast_nl_means_at(float h) { return std::make_unique<FixedNlMeans>(h); }

std::unique_ptr<Method> make_dnn_superres(PeerNetwork network,
                                          const std::filesystem::path& folder) {
  return std::make_unique<DnnSuperres>(network, folder);
}

std::unique_ptr<Method> make_ours(Task task, const RestoreOptions& options) {
  return std::make_unique<Ours>(task, options);
}

std::unique_ptr<Method> make_ours_elsewhere(Task model_task, const RestoreOptions& options) {
  return std::make_unique<Ours>(model_task, options, true);
}

}  // namespace restora::eval

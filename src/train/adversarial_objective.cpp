// Adversarial (GAN) training of a restoration network: the restoration objective's network is
// the generator, a discriminator (archs/discriminator.h) learns to tell its outputs from clean
// patches, and each step updates first the generator, then the discriminator, each with its own
// optimizer. The generator's loss adds, to the pixel loss, the adversarial loss and feature
// matching (L1 between the discriminator's features of output and ground truth), the perceptual
// term this project can have without a pretrained network.
#include <fmt/format.h>
#include <torch/torch.h>

#include <optional>

#include "archs/discriminator.h"
#include "metrics/niqe.h"
#include "nn/precision.h"
#include "restora/errors.h"
#include "train/losses.h"
#include "train/restoration_objective.h"

namespace restora::train {
namespace {

void set_trainable(torch::nn::Module& module, bool trainable) {
  for (auto& parameter : module.parameters()) parameter.set_requires_grad(trainable);
}

class AdversarialObjective : public Objective {
 public:
  AdversarialObjective(const ExperimentConfig& experiment, const PatchSource& source,
                       const std::function<void(const std::string&)>& say)
      : config_(experiment.adversarial), generator_(experiment, source, say) {
    if (experiment.task->id() == "codec")
      throw InvalidArgument("config: adversarial training is for restoration tasks, not the codec");
    auto arch_config = config_.discriminator_config;
    if (!arch_config.contains("channels")) arch_config["channels"] = source.channels();
    discriminator_ = archs::build_discriminator(config_.discriminator, arch_config);
    if (experiment.data.patch_size % discriminator_->size_multiple())
      throw InvalidArgument(fmt::format(
          "config: data > patch_size {} must be a multiple of {} for discriminator '{}'",
          experiment.data.patch_size, discriminator_->size_multiple(), config_.discriminator));
    if (!config_.niqe_model.empty())
      niqe_ = metrics::read_niqe_model((source.data_root() / config_.niqe_model).string());
    // A fine-tune of a PSNR-oriented model names it as its strength base, which the generator's
    // objective leaves empty when the start has the GAN model's own name.
    if (!experiment.training.init_from.empty() && !experiment.training.init_partial &&
        generator_.strength_base().empty())
      throw InvalidArgument(fmt::format(
          "config: the GAN model '{}' needs a name of its own: its start '{}' has the same",
          experiment.name, experiment.training.init_from));
    nn::to_layout(*discriminator_, nn::preferred_layout(nn::parse_precision(experiment.training.precision),
                                                        torch::kCPU));
    discriminator_->train();
  }

  torch::nn::Module& network() override { return generator_.network(); }
  std::shared_ptr<torch::nn::Module> make_twin() const override { return generator_.make_twin(); }
  torch::Tensor loss(const Batch& batch, nn::Precision precision) override {
    return generator_.loss(batch, precision);
  }

  std::vector<TrainedPart> parts(const OptimizerConfig& network_optimizer) override {
    return {{"network", &network(), network_optimizer},
            {"discriminator", discriminator_.get(), config_.optimizer}};
  }

  std::vector<std::string> loss_names() const override {
    return {"loss", "pixel_loss", "adversarial_loss", "feature_matching_loss", "discriminator_loss"};
  }

  std::vector<double> train_step(const Batch& batch, nn::Precision precision,
                                 const std::vector<torch::optim::Optimizer*>& optimizers,
                                 double grad_clip, const GradientSync& sync) override {
    const auto layout = nn::preferred_layout(precision, torch::kCPU);
    const auto gt = nn::in_layout(batch.gt, layout);
    const bool need_real = config_.feature_matching_weight > 0 || config_.loss == "relativistic";

    // Generator: the discriminator is frozen (its power iterations still advance).
    set_trainable(*discriminator_, false);
    const auto output = generator_.restore(batch, precision);
    const auto pixel = pixel_loss(generator_.experiment().training.loss, output, batch.gt);
    archs::DiscriminatorOutput fake, real;
    {
      nn::AutocastScope autocast(precision, torch::kCPU);
      fake = discriminator_->forward(output);
      if (need_real) {
        torch::NoGradGuard no_grad;
        real = discriminator_->forward(gt);
      }
    }
    const auto adversarial = generator_loss(
        config_.loss, need_real ? real.logits.detach() : torch::Tensor(), fake.logits);
    auto matching = torch::zeros({});
    if (config_.feature_matching_weight > 0) {
      for (size_t i = 0; i < fake.features.size(); ++i)
        matching = matching + (fake.features[i].to(torch::kFloat32) -
                               real.features[i].to(torch::kFloat32)).abs().mean();
      matching = matching / static_cast<double>(fake.features.size());
    }
    const auto total = config_.pixel_weight * pixel + config_.adversarial_weight * adversarial +
                       config_.feature_matching_weight * matching;
    optimizers[0]->zero_grad();
    total.backward();
    if (sync) sync(network());
    if (grad_clip > 0) torch::nn::utils::clip_grad_norm_(network().parameters(), grad_clip);
    optimizers[0]->step();

    // Discriminator: clean patches against the generator's outputs of this step.
    set_trainable(*discriminator_, true);
    torch::Tensor judged;
    {
      nn::AutocastScope autocast(precision, torch::kCPU);
      const auto real_logits = discriminator_->forward(gt).logits;
      const auto fake_logits = discriminator_->forward(output.detach()).logits;
      judged = discriminator_loss(config_.loss, real_logits, fake_logits);
    }
    optimizers[1]->zero_grad();
    judged.backward();
    if (sync) sync(*discriminator_);
    if (grad_clip > 0) torch::nn::utils::clip_grad_norm_(discriminator_->parameters(), grad_clip);
    optimizers[1]->step();
    return {total.item<double>(), pixel.item<double>(), adversarial.item<double>(),
            matching.item<double>(), judged.item<double>()};
  }

  ValidationScores validate(torch::nn::Module& weights, nn::Precision precision) override {
    const auto restored = generator_.restore_validation(weights, precision);
    const auto fidelity = generator_.fidelity(restored);
    ValidationScores result;
    result.record = {{"psnr", fidelity.psnr}, {"ssim", fidelity.ssim},
                     {"images", "held-out training images"}};
    if (niqe_) {
      double mean = 0.0;
      for (const auto& image : restored) mean += metrics::niqe(image, *niqe_) / restored.size();
      result.score = -mean;  // lower NIQE is better
      result.columns = fmt::format("{:.4f},{:.5f},{:.4f}", fidelity.psnr, fidelity.ssim, mean);
      result.summary = fmt::format("validation PSNR {:.3f} dB, SSIM {:.4f}, NIQE {:.3f}",
                                   fidelity.psnr, fidelity.ssim, mean);
      result.record["niqe"] = mean;
    } else {
      result.score = fidelity.psnr;
      result.columns = fmt::format("{:.4f},{:.5f},", fidelity.psnr, fidelity.ssim);
      result.summary = fmt::format("validation PSNR {:.3f} dB, SSIM {:.4f}", fidelity.psnr,
                                   fidelity.ssim);
    }
    return result;
  }

  std::string validation_header() const override {
    return "validation_psnr,validation_ssim,validation_niqe";
  }

  model_file::ModelFile package(torch::nn::Module& weights) override {
    return generator_.package(weights);
  }

 private:
  const AdversarialConfig& config_;
  RestorationObjective generator_;
  archs::Discriminator discriminator_;
  std::optional<metrics::NiqeModel> niqe_;
};

}  // namespace

std::unique_ptr<Objective> make_adversarial_objective(
    const ExperimentConfig& experiment, const PatchSource& source,
    const std::function<void(const std::string&)>& say) {
  return std::make_unique<AdversarialObjective>(experiment, source, say);
}

}  // namespace restora::train

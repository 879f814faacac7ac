// One training experiment, as written in a config file under configs/ (JSON, comments allowed).
// Parsed and validated once; an unknown key anywhere is an error.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "degrade/sequence.h"
#include "model_file/model_meta.h"
#include "tasks/task.h"

namespace restora::train {

// Training on synthetic clips (video networks): each sample is a clip made from a still photo by
// make_sequence (degrade/sequence.h), its frames degraded one by one with one chain drawn per
// clip. Validation: a clip per held-out image and validation chain, fixed seeds.
struct SequenceConfig {
  bool enabled = false;          // the config has a `sequence` section
  SequenceOptions motion;        // frames, camera and object motion (size = the patch)
  bool quantize = true;          // degraded frames rounded to 8 bits, as stored video frames
  int validation_frames = 10;
  int validation_size = 128;     // validation clips' ground-truth side
};

struct DataConfig {
  std::vector<std::string> folders;  // training image folders, relative to the data root
  std::string color = "rgb";         // rgb | gray (as stored, converted if needed) | y (BT.601 Y)
  int validation_holdout = 8;        // last N images (sorted) are held out for validation
  int patch_size = 64;               // ground-truth patch side
  // Each training image is also used shrunk by these factors (area interpolation; 1 = as
  // stored): e.g. {1, 2} adds a half-size copy, whose colour is at full resolution where the
  // stored photo is 4:2:0 JPEG. Validation images stay as stored.
  std::vector<double> downscales{1.0};
  int batch_size = 16;
  // The degradation each patch gets: `chain` (degrade/chain.h, or a preset's name), or for the
  // benchmark tasks the task's own kind over `sigma` / `quality` / `scales`.
  ChainSpec chain;
  std::vector<int> scales{1};     // the scales the chain produces (the model's)
  // Fixed degradations validated on; empty for `chain` configs, which validate each held-out
  // image on `validation_samples` chains drawn from `chain` with fixed seeds.
  std::vector<Chain> validation;
  int validation_samples = 1;
  int loader_threads = 1;
  int prefetch = 4;  // batches prepared ahead of the training step
  SequenceConfig sequence;
};

struct OptimizerConfig {
  std::string kind = "adam";  // adam | sgd | rmsprop
  double learning_rate = 2e-4;
  double beta1 = 0.9, beta2 = 0.999;  // adam
  double momentum = 0.9;              // sgd, rmsprop
  double weight_decay = 0.0;
};

struct ScheduleConfig {
  std::string kind = "cosine";      // cosine | step | constant
  int warmup_steps = 0;             // linear warm-up from 0
  double min_learning_rate = 1e-7;  // cosine floor
  std::vector<int> milestones;      // step: multiply by gamma at each
  double gamma = 0.5;
};

struct TrainingConfig {
  int steps = 10000;
  std::string loss = "l1";         // l1 | l2 | charbonnier
  // "": the loss is the mean over every pixel. A map of the chain ("mask"): each sample's loss is
  // the mean over the pixels where that map exceeds ½, so a sample counts the same whatever its
  // area (a thin scratch as much as a large hole); then the mean over the samples.
  std::string loss_region;
  double grad_clip = 0.0;          // max global gradient norm; 0 = off
  double ema_decay = 0.0;          // EMA of weights; 0 = off
  std::string precision = "bf16";  // bf16 autocast + channels-last | fp32
  int threads = 0;                 // compute threads; 0 = all cores
  uint64_t seed = 1;
  int checkpoint_every = 500;
  int validate_every = 1000;
  int log_every = 50;
  std::string init_from;  // model file whose weights start the run (fine-tuning)
  // Take only init_from's tensors that the network has with the same name and shape (the others
  // keep their fresh initialisation): e.g. one scale's head and the body of a multi-scale model.
  // A tensor with fewer input channels (dimension 1) fills the leading ones, the rest zero.
  bool init_partial = false;
};

// Adversarial (GAN) training of the network against a discriminator. The generator's loss is
// pixel_weight·pixel + adversarial_weight·adversarial + feature_matching_weight·FM, where FM is
// the mean L1 distance between the discriminator's features of the restored and the clean patch
// (a perceptual loss that needs no pretrained network).
struct AdversarialConfig {
  bool enabled = false;               // the config has an `adversarial` section
  std::string discriminator = "unet_sn";
  nlohmann::json discriminator_config = nlohmann::json::object();
  std::string loss = "vanilla";       // vanilla (BCE) | hinge | relativistic (average, RaGAN)
  double pixel_weight = 1.0;
  double adversarial_weight = 0.1;
  double feature_matching_weight = 1.0;
  OptimizerConfig optimizer;          // the discriminator's
  // NIQE parameters (metrics/niqe.h), relative to the data root: when set, validation also
  // scores NIQE and keeps the weights with the lowest; otherwise the highest PSNR.
  std::string niqe_model;
};

struct ExperimentConfig {
  std::string name;  // the model's name, e.g. "denoise-gray"
  std::string description;
  tasks::Task task = nullptr;
  std::string arch;
  nlohmann::json arch_config;
  std::string conditioning = "none";  // none | sigma | quality | kernel | mask
  model_file::Conditioning conditioning_kind() const;
  int tile_overlap = -1;              // written into the model; -1 = the network's radius
  DataConfig data;
  OptimizerConfig optimizer;
  ScheduleConfig schedule;
  TrainingConfig training;
  AdversarialConfig adversarial;
  nlohmann::json source;  // the config file as read, stored in the model's recipe
};

ExperimentConfig parse_experiment(const nlohmann::json& json, const std::string& source_name);
ExperimentConfig read_experiment(const std::string& path);

}  // namespace restora::train

// Bridge between a network's parameters and the tensors of a model file.
#pragma once

#include <torch/nn/module.h>

#include <string>
#include <vector>

#include "model_file/safetensors.h"

namespace restora::nn {

// Every parameter and buffer of `module` under its registered name, as fp32/int64 CPU tensors.
std::vector<model_file::Tensor> export_weights(const torch::nn::Module& module);

// Copies `tensors` into `module`. Every parameter and buffer must be present exactly once
// with its shape; a missing, extra or mis-shaped tensor throws restora::FormatError naming
// `source` and the tensor. F32, F16 and BF16 weights are accepted and converted.
void import_weights(torch::nn::Module& module, const std::vector<model_file::Tensor>& tensors,
                    const std::string& source);

// (1 − t)·a + t·b per tensor, in fp32 (t = 0 gives a, t = 1 gives b, exactly): the weights
// between two trainings of one network, e.g. its PSNR-oriented and GAN versions. Both lists must
// name the same tensors with the same shapes (InvalidArgument naming the first that differs);
// t outside [0, 1] is InvalidArgument.
std::vector<model_file::Tensor> interpolate_weights(const std::vector<model_file::Tensor>& a,
                                                    const std::vector<model_file::Tensor>& b,
                                                    double t);

// Same bridge for a plain name -> tensor map (checkpoints of the optimizer state, EMA).
model_file::Tensor to_file_tensor(const std::string& name, const torch::Tensor& tensor);
torch::Tensor from_file_tensor(const model_file::Tensor& tensor);

}  // namespace restora::nn

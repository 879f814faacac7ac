#include "nn/weights.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <torch/torch.h>

#include <cstring>
#include <map>
#include <set>

#include "restora/errors.h"

namespace restora::nn {
namespace {

using model_file::DType;

torch::ScalarType scalar_type(DType dtype) {
  switch (dtype) {
    case DType::f64: return torch::kFloat64;
    case DType::f32: return torch::kFloat32;
    case DType::f16: return torch::kFloat16;
    case DType::bf16: return torch::kBFloat16;
    case DType::i64: return torch::kInt64;
    case DType::i32: return torch::kInt32;
    case DType::i16: return torch::kInt16;
    case DType::i8: return torch::kInt8;
    case DType::u8: return torch::kUInt8;
    case DType::boolean: return torch::kBool;
  }
  throw FormatError("unknown tensor dtype");
}

DType file_dtype(torch::ScalarType type) {
  switch (type) {
    case torch::kFloat64: return DType::f64;
    case torch::kFloat32: return DType::f32;
    case torch::kFloat16: return DType::f16;
    case torch::kBFloat16: return DType::bf16;
    case torch::kInt64: return DType::i64;
    case torch::kInt32: return DType::i32;
    case torch::kInt16: return DType::i16;
    case torch::kInt8: return DType::i8;
    case torch::kUInt8: return DType::u8;
    case torch::kBool: return DType::boolean;
    default: throw InvalidArgument(fmt::format("cannot store tensors of type {}", c10::toString(type)));
  }
}

bool is_float(DType dtype) {
  return dtype == DType::f32 || dtype == DType::f16 || dtype == DType::bf16 ||
         dtype == DType::f64;
}

}  // namespace

model_file::Tensor to_file_tensor(const std::string& name, const torch::Tensor& tensor) {
  auto contiguous = tensor.detach().to(torch::kCPU).contiguous();
  model_file::Tensor out;
  out.name = name;
  out.dtype = file_dtype(contiguous.scalar_type());
  out.shape.assign(contiguous.sizes().begin(), contiguous.sizes().end());
  const auto bytes = static_cast<size_t>(contiguous.numel()) * contiguous.element_size();
  out.bytes.resize(bytes);
  if (bytes) std::memcpy(out.bytes.data(), contiguous.data_ptr(), bytes);
  return out;
}

torch::Tensor from_file_tensor(const model_file::Tensor& tensor) {
  auto result = torch::empty(tensor.shape, torch::TensorOptions().dtype(scalar_type(tensor.dtype)));
  if (!tensor.bytes.empty()) std::memcpy(result.data_ptr(), tensor.bytes.data(), tensor.bytes.size());
  return result;
}

std::vector<model_file::Tensor> export_weights(const torch::nn::Module& module) {
  std::vector<model_file::Tensor> tensors;
  for (const auto& item : module.named_parameters(/*recurse=*/true))
    tensors.push_back(to_file_tensor(item.key(), item.value().to(torch::kFloat32)));
  for (const auto& item : module.named_buffers(/*recurse=*/true))
    tensors.push_back(to_file_tensor(item.key(), item.value()));
  return tensors;
}

void import_weights(torch::nn::Module& module, const std::vector<model_file::Tensor>& tensors,
                    const std::string& source) {
  std::map<std::string, const model_file::Tensor*> by_name;
  for (const auto& tensor : tensors) by_name[tensor.name] = &tensor;

  torch::NoGradGuard no_grad;
  std::set<std::string> used;
  auto load = [&](const std::string& name, torch::Tensor& target) {
    auto found = by_name.find(name);
    if (found == by_name.end())
      throw FormatError(fmt::format("model file '{}': tensor '{}' is missing", source, name));
    const auto& stored = *found->second;
    if (!std::equal(stored.shape.begin(), stored.shape.end(), target.sizes().begin(),
                    target.sizes().end()))
      throw FormatError(fmt::format("model file '{}': tensor '{}' has shape [{}], expected [{}]",
                                    source, name, fmt::join(stored.shape, ","),
                                    fmt::join(target.sizes().vec(), ",")));
    if (target.is_floating_point() != is_float(stored.dtype))
      throw FormatError(fmt::format("model file '{}': tensor '{}' has dtype {}, expected {}",
                                    source, name, model_file::dtype_name(stored.dtype),
                                    target.is_floating_point() ? "F32" : "I64"));
    target.copy_(from_file_tensor(stored));
    used.insert(name);
  };
  for (auto& item : module.named_parameters(true)) load(item.key(), item.value());
  for (auto& item : module.named_buffers(true)) load(item.key(), item.value());
  for (const auto& tensor : tensors)
    if (!used.count(tensor.name))
      throw FormatError(
          fmt::format("model file '{}': unexpected tensor '{}'", source, tensor.name));
}

std::vector<model_file::Tensor> interpolate_weights(const std::vector<model_file::Tensor>& a,
                                                    const std::vector<model_file::Tensor>& b,
                                                    double t) {
  if (!(t >= 0.0 && t <= 1.0))
    throw InvalidArgument(fmt::format("interpolation weight {} is not in [0, 1]", t));
  if (a.size() != b.size())
    throw InvalidArgument(fmt::format("cannot interpolate {} tensors with {}", a.size(), b.size()));
  std::vector<model_file::Tensor> result;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].name != b[i].name || a[i].shape != b[i].shape)
      throw InvalidArgument(fmt::format("cannot interpolate tensor '{}' {} with '{}' {}", a[i].name,
                                        a[i].shape, b[i].name, b[i].shape));
    const auto first = from_file_tensor(a[i]), second = from_file_tensor(b[i]);
    if (!first.is_floating_point()) {
      // Counters and indices are not weights: they must agree.
      if (!torch::equal(first, second))
        throw InvalidArgument(fmt::format("cannot interpolate tensor '{}': its values differ", a[i].name));
      result.push_back(a[i]);
      continue;
    }
    if (t == 0.0 || t == 1.0) {  // the ends exactly, signed zeros included
      result.push_back(t == 0.0 ? a[i] : b[i]);
      continue;
    }
    const auto mixed = (1.0 - t) * first.to(torch::kFloat32) + t * second.to(torch::kFloat32);
    result.push_back(to_file_tensor(a[i].name, mixed));
  }
  return result;
}

}  // namespace restora::nn

// The wrappers around state dicts, removed before recognition.
#include <gtest/gtest.h>

#include "importer/unwrap.h"

namespace restora::importer {
namespace {

std::vector<model_file::Tensor> named(std::initializer_list<const char*> names) {
  std::vector<model_file::Tensor> out;
  for (const char* name : names) out.push_back({name, model_file::DType::f32, {1}, {0, 0, 0, 0}});
  return out;
}

std::vector<std::string> names_of(const std::vector<model_file::Tensor>& tensors) {
  std::vector<std::string> out;
  for (const auto& t : tensors) out.push_back(t.name);
  return out;
}

TEST(Unwrap, PrefersTheEmaWeights) {
  std::vector<std::string> removed;
  const auto out = unwrap(named({"params.conv.weight", "params_ema.conv.weight", "params_ema.conv.bias"}), &removed);
  EXPECT_EQ(names_of(out), (std::vector<std::string>{"conv.weight", "conv.bias"}));
  EXPECT_EQ(removed, std::vector<std::string>{"params_ema"});
}

TEST(Unwrap, StripsNestedWrappersAndDataParallel) {
  std::vector<std::string> removed;
  const auto out = unwrap(named({"state_dict.module.body.0.weight", "state_dict.module.body.0.bias"}), &removed);
  EXPECT_EQ(names_of(out), (std::vector<std::string>{"body.0.weight", "body.0.bias"}));
  EXPECT_EQ(removed, (std::vector<std::string>{"state_dict", "module."}));
}

TEST(Unwrap, ModelIsAWrapperOnlyBesideTrainingState) {
  EXPECT_EQ(names_of(unwrap(named({"model.0.weight", "optimizer.state.0.exp_avg"}))),
            std::vector<std::string>{"0.weight"});
  // a network with a submodule called "model" beside others keeps its names
  EXPECT_EQ(names_of(unwrap(named({"model.0.weight", "head.weight"}))),
            (std::vector<std::string>{"model.0.weight", "head.weight"}));
}

}  // namespace
}  // namespace restora::importer

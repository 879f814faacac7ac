// A fixture for tests that train: a fresh temporary data root, removed afterwards, and the
// options of a run whose outputs go to a folder under it.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "support/tiny_model.h"
#include "train/trainer.h"

namespace restora::train {

class RunsFixture : public ::testing::Test {
 protected:
  void SetUp() override { root_ = testing::make_temp_dir("restora-train"); }
  void TearDown() override { std::filesystem::remove_all(root_); }

  TrainOptions options(const std::string& run) const {
    TrainOptions result;
    result.data_root = root_;
    result.output_dir = root_ / run;
    return result;
  }

  std::filesystem::path root_;
};

}  // namespace restora::train

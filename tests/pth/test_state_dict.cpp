// Whole checkpoints written by torch.save (tests/pth/make_fixtures.py) against the tensors numpy
// wrote for the same checkpoint, and the hostile files the reader must refuse.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fileio/file_io.h"
#include "pth/state_dict.h"
#include "restora/errors.h"

namespace restora::pth {
namespace {

std::string path(const std::string& name) { return std::string(RESTORA_PTH_FIXTURES) + "/" + name; }

std::string refusal(const std::vector<uint8_t>& bytes) {
  try {
    parse_state_dict(bytes.data(), bytes.size(), "t.pth");
  } catch (const FormatError& e) {
    return e.what();
  }
  return "";
}

std::string refusal(const std::string& name) {
  try {
    read_state_dict(path(name));
  } catch (const FormatError& e) {
    return e.what();
  }
  return "";
}

void expect_matches_numpy(const StateDict& dict) {
  const model_file::Safetensors expected = model_file::read_safetensors(path("expected.safetensors"));
  ASSERT_EQ(dict.tensors.size(), expected.tensors.size());
  for (const model_file::Tensor& want : expected.tensors) {
    const model_file::Tensor* got = dict.find(want.name);
    ASSERT_NE(got, nullptr) << want.name;
    EXPECT_EQ(got->dtype, want.dtype) << want.name;
    EXPECT_EQ(got->shape, want.shape) << want.name;
    EXPECT_EQ(got->bytes, want.bytes) << want.name;
  }
}

TEST(StateDict, ZipFormatMatchesNumpy) {
  const StateDict dict = read_state_dict(path("nested.zip.pth"));
  EXPECT_EQ(dict.format, ContainerFormat::zip);
  expect_matches_numpy(dict);
  EXPECT_NE(dict.find("params_ema.weight"), nullptr);
  EXPECT_NE(dict.find("layers.1"), nullptr);
}

TEST(StateDict, LegacyFormatMatchesNumpy) {
  const StateDict dict = read_state_dict(path("nested.legacy.pth"));
  EXPECT_EQ(dict.format, ContainerFormat::legacy);
  expect_matches_numpy(dict);
}

TEST(StateDict, SafetensorsPassThrough) {
  const StateDict dict = read_state_dict(path("expected.safetensors"));
  EXPECT_EQ(dict.format, ContainerFormat::safetensors);
  expect_matches_numpy(dict);
}

TEST(StateDict, RefusesAPickleThatCallsAFunction) {
  const std::string text = refusal("calls_system.pth");
  EXPECT_NE(text.find("'posix.system'"), std::string::npos) << text;
  EXPECT_NE(text.find("calls_system.pth"), std::string::npos) << text;
}

TEST(StateDict, RefusesAWholePickledModule) {
  const std::string text = refusal("whole_module.pth");
  EXPECT_NE(text.find("torch.nn.modules.conv.Conv2d"), std::string::npos) << text;
}

TEST(StateDict, RefusesTensorsOutsideTheirStorage) {
  EXPECT_NE(refusal("past_storage.pth").find("reaches past the end of its storage"), std::string::npos);
  EXPECT_NE(refusal("negative_stride.pth").find("negative size or stride"), std::string::npos);
}

TEST(StateDict, EveryTruncationOfTheLegacyFormatIsRefused) {
  const std::vector<uint8_t> bytes = fileio::read_file_bytes(path("nested.legacy.pth"));
  for (size_t size = 0; size < bytes.size(); ++size) {
    const std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<ptrdiff_t>(size));
    EXPECT_NE(refusal(cut), "") << "cut at " << size;
  }
}

TEST(StateDict, RefusesOtherFiles) {
  const std::vector<uint8_t> png{0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 0};
  EXPECT_NE(refusal(png).find("not a PyTorch checkpoint"), std::string::npos);
  std::vector<uint8_t> tar(1024, 0);
  std::copy_n("ustar", 5, tar.begin() + 257);
  EXPECT_NE(refusal(tar).find("tar"), std::string::npos);
}

}  // namespace
}  // namespace restora::pth

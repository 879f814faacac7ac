// Helpers of the end-to-end CLI tests: run the real `restora` binary, make input images and
// model files, and inspect what the binary left behind.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

namespace restora::testing {

struct CliResult {
  std::string command;  // as run, for failure messages
  int exit_code = -1;   // the process's exit status; 128 + N when killed by signal N
  std::string out, err;

  // stderr split into lines, without the newlines.
  std::vector<std::string> err_lines() const;
};

// A fresh folder under the system temp folder, removed with its content.
class TemporaryFolder {
 public:
  explicit TemporaryFolder(const std::string& prefix = "restora-cli");
  ~TemporaryFolder();
  TemporaryFolder(const TemporaryFolder&) = delete;
  TemporaryFolder& operator=(const TemporaryFolder&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// Every test runs the binary with RESTORA_MODELS pointing at a folder of tiny random models
// under the default names (denoise-gray, denoise-color, sr, dejpeg-gray, dejpeg-color, real,
// deblur, deblur-kernel, inpaint, repair, video-sr-x4, video-denoise, codec), so the
// default-model lookups work without shipped weights.
class CliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();

  // Runs `restora ARGUMENTS...`; stdout and stderr are captured through files.
  CliResult run(const std::vector<std::string>& arguments) const;

  // The tiny model file of a default name, e.g. model("sr").
  static std::filesystem::path model(const std::string& name);

  TemporaryFolder work_;  // inputs and outputs of one test
};

// rows×cols CV_8UC(channels) of seeded uniform noise (colour channels in RGB order).
cv::Mat random_image(int rows, int cols, int channels, uint64_t seed);

// Writes 8- or 16-bit samples (gray, RGB or RGBA in RGB(A) order) or CV_32F (TIFF) through
// OpenCV, converting to its BGR order; creates the parent folder.
void write_image_file(const std::filesystem::path& path, const cv::Mat& rgb);

// Reads with cv::IMREAD_UNCHANGED and converts BGR(A) to RGB(A); fails the test when unreadable.
cv::Mat read_image_file(const std::filesystem::path& path);

// Regular files under `folder`, recursively, hidden ones included, relative and sorted.
std::vector<std::string> files_under(const std::filesystem::path& folder);

std::string read_text(const std::filesystem::path& path);
void write_text(const std::filesystem::path& path, const std::string& text);

// PSNR of two 8-bit images of one shape: 10·log10(255² / MSE), MSE in double over every sample.
double psnr_u8(const cv::Mat& a, const cv::Mat& b);

// The safetensors container split apart, for tampering: the 8-byte header length, the JSON
// header and the data buffer.
struct SafetensorsParts {
  nlohmann::json header;
  std::string data;
};
SafetensorsParts split_safetensors(const std::filesystem::path& path);
// Writes the parts back; declared_header_length overrides the true length when >= 0.
void join_safetensors(const std::filesystem::path& path, const SafetensorsParts& parts,
                      int64_t declared_header_length = -1);

// Asserts the failure contract: exit code `exit_code`, exactly one line on stderr starting
// with "restora: error: " and containing each of `fragments`.
void expect_one_error_line(const CliResult& result, int exit_code,
                           const std::vector<std::string>& fragments);

}  // namespace restora::testing

#include "cli/cli_test_support.h"

#include <sys/wait.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <sstream>

#include "support/tiny_model.h"

#ifndef RESTORA_BINARY
#error "RESTORA_BINARY must name the restora executable"
#endif

namespace restora::testing {
namespace fs = std::filesystem;

namespace {

fs::path& models_path() {
  static fs::path path;
  return path;
}

std::string shell_quote(const std::string& word) {
  std::string quoted = "'";
  for (char c : word) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

}  // namespace

std::vector<std::string> CliResult::err_lines() const {
  std::vector<std::string> lines;
  std::istringstream stream(err);
  for (std::string line; std::getline(stream, line);) lines.push_back(line);
  return lines;
}

TemporaryFolder::TemporaryFolder(const std::string& prefix) : path_(make_temp_dir(prefix)) {}

TemporaryFolder::~TemporaryFolder() {
  std::error_code ignored;
  for (auto it = fs::recursive_directory_iterator(path_, ignored);
       it != fs::recursive_directory_iterator(); it.increment(ignored))
    fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ignored);
  fs::remove_all(path_, ignored);
}

void CliTest::SetUpTestSuite() {
  models_path() = make_temp_dir("restora-cli-models");
  const struct {
    const char* name;
    const char* task;
    int channels;
  } models[] = {{"denoise-gray", "denoise", 1},
                {"denoise-color", "denoise", 3},
                {"sr", "super_resolution", 3},
                {"dejpeg-gray", "dejpeg", 1},
                {"dejpeg-color", "dejpeg", 3},
                {"real", "real", 3},
                {"deblur", "deblur", 3},
                {"deblur-kernel", "deblur", 3},
                {"inpaint", "inpaint", 3},
                {"repair", "repair", 3},
                {"video-sr-x4", "video_sr", 3},
                {"video-denoise", "video_denoise", 3}};
  uint64_t seed = 1;
  for (const auto& entry : models)
    write_tiny_model(models_path() / (std::string(entry.name) + ".safetensors"),
                     tiny_meta(entry.task, entry.channels, entry.name), seed++);
  write_tiny_codec(models_path() / "codec.safetensors", "codec", seed);
  ::setenv("RESTORA_MODELS", models_path().c_str(), 1);
}

void CliTest::TearDownTestSuite() {
  std::error_code ignored;
  fs::remove_all(models_path(), ignored);
}

fs::path CliTest::model(const std::string& name) { return models_path() / (name + ".safetensors"); }

CliResult CliTest::run(const std::vector<std::string>& arguments) const {
  const auto capture = make_temp_dir("restora-cli-capture");
  const auto out_path = capture / "stdout", err_path = capture / "stderr";
  CliResult result;
  result.command = shell_quote(RESTORA_BINARY);
  for (const auto& argument : arguments) result.command += " " + shell_quote(argument);
  const std::string line = result.command + " </dev/null >" + shell_quote(out_path.string()) +
                           " 2>" + shell_quote(err_path.string());
  const int status = std::system(line.c_str());
  if (status != -1 && WIFEXITED(status))
    result.exit_code = WEXITSTATUS(status);
  else if (status != -1 && WIFSIGNALED(status))
    result.exit_code = 128 + WTERMSIG(status);
  result.out = read_text(out_path);
  result.err = read_text(err_path);
  std::error_code ignored;
  fs::remove_all(capture, ignored);
  return result;
}

cv::Mat random_image(int rows, int cols, int channels, uint64_t seed) {
  cv::Mat image(rows, cols, CV_8UC(channels));
  cv::RNG rng(seed);
  rng.fill(image, cv::RNG::UNIFORM, 0, 256);
  return image;
}

void write_image_file(const fs::path& path, const cv::Mat& rgb) {
  cv::Mat bgr;  // a new buffer: converting into a header of `rgb` would swap the caller's
  if (rgb.channels() == 3)
    cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  else if (rgb.channels() == 4)
    cv::cvtColor(rgb, bgr, cv::COLOR_RGBA2BGRA);
  else
    bgr = rgb;
  if (path.has_parent_path()) fs::create_directories(path.parent_path());
  ASSERT_TRUE(cv::imwrite(path.string(), bgr)) << "cannot write test input " << path;
}

cv::Mat read_image_file(const fs::path& path) {
  cv::Mat image = cv::imread(path.string(), cv::IMREAD_UNCHANGED);
  EXPECT_FALSE(image.empty()) << "cannot read " << path;
  if (image.channels() == 3) cv::cvtColor(image, image, cv::COLOR_BGR2RGB);
  if (image.channels() == 4) cv::cvtColor(image, image, cv::COLOR_BGRA2RGBA);
  return image;
}

std::vector<std::string> files_under(const fs::path& folder) {
  std::vector<std::string> files;
  std::error_code error;
  for (auto it = fs::recursive_directory_iterator(folder, error);
       !error && it != fs::recursive_directory_iterator(); it.increment(error))
    if (!it->is_directory()) files.push_back(fs::relative(it->path(), folder).string());
  std::sort(files.begin(), files.end());
  return files;
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

double psnr_u8(const cv::Mat& a, const cv::Mat& b) {
  EXPECT_EQ(a.size(), b.size());
  EXPECT_EQ(a.type(), b.type());
  double sum = 0.0;
  const cv::Mat flat_a = a.reshape(1, 1), flat_b = b.reshape(1, 1);
  for (int i = 0; i < flat_a.cols; ++i) {
    const double difference = double(flat_a.at<uint8_t>(i)) - double(flat_b.at<uint8_t>(i));
    sum += difference * difference;
  }
  const double mse = sum / flat_a.cols;
  return 10.0 * std::log10(255.0 * 255.0 / mse);
}

SafetensorsParts split_safetensors(const fs::path& path) {
  const std::string bytes = read_text(path);
  uint64_t length = 0;
  for (int i = 0; i < 8; ++i) length |= uint64_t(uint8_t(bytes[i])) << (8 * i);
  return {nlohmann::json::parse(bytes.substr(8, length)), bytes.substr(8 + length)};
}

void join_safetensors(const fs::path& path, const SafetensorsParts& parts,
                      int64_t declared_header_length) {
  const std::string header = parts.header.dump();
  const uint64_t length =
      declared_header_length >= 0 ? uint64_t(declared_header_length) : header.size();
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i) bytes[i] = char((length >> (8 * i)) & 0xff);
  write_text(path, bytes + header + parts.data);
}

void expect_one_error_line(const CliResult& result, int exit_code,
                           const std::vector<std::string>& fragments) {
  SCOPED_TRACE(result.command);
  EXPECT_EQ(result.exit_code, exit_code) << "stderr: " << result.err;
  const auto lines = result.err_lines();
  ASSERT_EQ(lines.size(), 1u) << "stderr: " << result.err;
  EXPECT_EQ(lines[0].rfind("restora: error: ", 0), 0u) << lines[0];
  for (const auto& fragment : fragments)
    EXPECT_NE(lines[0].find(fragment), std::string::npos)
        << "'" << fragment << "' not in: " << lines[0];
}

}  // namespace restora::testing

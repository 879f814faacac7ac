// End to end: every bad input gives one line on stderr naming the file and the problem, a
// non-zero exit and no output file.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <functional>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <stdexcept>

#include "cli/cli_test_support.h"

namespace restora::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class CliErrors : public CliTest {
 protected:
  void SetUp() override {
    write_image_file(work_ / "in.png", random_image(12, 10, 3, 1));
    output_ = work_ / "out" / "result.png";
  }

  // Runs `command` on `input` with the extra arguments; the result must fail as described,
  // leaving no file (temporary ones included) in the output folder.
  void expect_failure(const std::string& command, const fs::path& input,
                      const std::vector<std::string>& extra, int exit_code,
                      const std::vector<std::string>& fragments) {
    std::vector<std::string> arguments = {command, "-i", input.string(), "-o", output_.string()};
    if (command != "degrade") arguments.insert(arguments.end(), {"--threads", "1"});
    arguments.insert(arguments.end(), extra.begin(), extra.end());
    const auto result = run(arguments);
    expect_one_error_line(result, exit_code, fragments);
    EXPECT_TRUE(files_under(work_ / "out").empty()) << result.command;
  }

  // A copy of the tiny colour denoiser whose safetensors parts `tamper` edits.
  fs::path tampered_model(const std::string& name,
                          const std::function<void(SafetensorsParts&)>& tamper,
                          int64_t declared_header_length = -1) {
    auto parts = split_safetensors(model("denoise-color"));
    tamper(parts);
    const auto path = work_ / (name + ".safetensors");
    join_safetensors(path, parts, declared_header_length);
    return path;
  }

  // The tensor entries of a header, sorted by their data offsets.
  static std::vector<std::string> tensors_by_offset(const json& header) {
    std::vector<std::string> names;
    for (const auto& [name, entry] : header.items())
      if (name != "__metadata__") names.push_back(name);
    std::sort(names.begin(), names.end(), [&](const std::string& a, const std::string& b) {
      return header[a]["data_offsets"][0] < header[b]["data_offsets"][0];
    });
    return names;
  }

  // The first F32 tensor with two or more dimensions (a convolution's weight).
  static json& first_weight(json& header) {
    for (const auto& name : tensors_by_offset(header))
      if (header[name]["dtype"] == "F32" && header[name]["shape"].size() >= 2) return header[name];
    throw std::runtime_error("the tiny model has no weight tensor");
  }

  fs::path output_;
};

TEST_F(CliErrors, MissingFile) {
  const auto missing = work_ / "missing.png";
  const std::vector<std::pair<std::string, std::vector<std::string>>> commands = {
      {"denoise", {}}, {"upscale", {}}, {"dejpeg", {}}, {"degrade", {"--sigma", "5"}}};
  for (const auto& [command, extra] : commands)
    expect_failure(command, missing, extra, 1, {missing.string(), "no such file"});
  expect_one_error_line(run({"info", missing.string()}), 1, {missing.string(), "no such file"});
}

TEST_F(CliErrors, ZeroByteFile) {
  write_text(work_ / "empty.png", "");
  expect_failure("denoise", work_ / "empty.png", {}, 1,
                 {(work_ / "empty.png").string(), "empty (0 bytes)"});
  expect_one_error_line(run({"info", (work_ / "empty.png").string()}), 1,
                        {(work_ / "empty.png").string(), "empty"});
}

TEST_F(CliErrors, UndecodableImage) {
  write_text(work_ / "text.png", "this is not an image\n");
  expect_failure("upscale", work_ / "text.png", {}, 1,
                 {(work_ / "text.png").string(), "unknown image format"});
}

TEST_F(CliErrors, TruncatedImages) {
  std::vector<uchar> png, jpeg;
  cv::imencode(".png", random_image(32, 32, 3, 2), png);
  cv::imencode(".jpg", random_image(32, 32, 3, 3), jpeg);
  write_text(work_ / "cut.png", std::string(png.begin(), png.begin() + png.size() / 2));
  write_text(work_ / "cut.jpg", std::string(jpeg.begin(), jpeg.begin() + jpeg.size() / 2));
  expect_failure("denoise", work_ / "cut.png", {}, 1, {(work_ / "cut.png").string(), "truncated"});
  expect_failure("dejpeg", work_ / "cut.jpg", {}, 1, {(work_ / "cut.jpg").string(), "truncated"});
}

TEST_F(CliErrors, UnreadableImage) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads files regardless of permissions";
  fs::permissions(work_ / "in.png", fs::perms::none);
  expect_failure("denoise", work_ / "in.png", {}, 1,
                 {(work_ / "in.png").string(), "ermission denied"});
}

TEST_F(CliErrors, UnsupportedScale) {
  // The options' range is a usage error; a scale the model lacks is a runtime error.
  expect_failure("upscale", work_ / "in.png", {"-s", "1"}, 2, {"scale 1"});
  expect_failure("upscale", work_ / "in.png", {"-s", "9"}, 2, {"scale 9"});
  expect_failure("upscale", work_ / "in.png", {"-s", "5"}, 1, {model("sr").string(), "x5"});
  expect_failure("degrade", work_ / "in.png", {"--scale", "1"}, 2, {"scale 1"});
}

TEST_F(CliErrors, BadMemoryBudgetOrPrecision) {
  expect_failure("denoise", work_ / "in.png", {"--max-memory", "lots"}, 2, {"'lots'", "2G"});
  expect_failure("denoise", work_ / "in.png", {"--max-memory", "0"}, 2, {"'0'"});
  expect_failure("denoise", work_ / "in.png", {"--precision", "fp16"}, 2, {"fp16"});
  // A budget too small for even the smallest tile is a runtime error naming the option.
  expect_failure("denoise", work_ / "in.png", {"--max-memory", "1k"}, 1, {"--max-memory"});
}

TEST_F(CliErrors, ServeRefusesBadOptionsBeforeListening) {
  expect_one_error_line(run({"serve", "--root", (work_ / "missing").string()}), 2, {"missing"});
  expect_one_error_line(run({"serve", "--port", "0", "--max-upload", "lots"}), 2, {"'lots'"});
  expect_one_error_line(run({"serve", "--port", "70000"}), 2, {"70000"});
  expect_one_error_line(run({"serve", "--port", "0", "--workers", "0"}), 2, {"workers"});
}

TEST_F(CliErrors, ModelForTheWrongTask) {
  expect_failure("denoise", work_ / "in.png", {"-m", model("sr").string()}, 1,
                 {model("sr").string(), "super_resolution", "denoise"});
  expect_failure("upscale", work_ / "in.png", {"-m", "dejpeg-color"}, 1,
                 {model("dejpeg-color").string(), "dejpeg", "super_resolution"});
}

TEST_F(CliErrors, MissingModel) {
  const auto missing = (work_ / "none.safetensors").string();
  expect_failure("denoise", work_ / "in.png", {"-m", missing}, 1, {missing, "not found"});
}

TEST_F(CliErrors, TruncatedOrTamperedModelFiles) {
  const auto bytes = read_text(model("denoise-color"));
  struct Case {
    fs::path path;
    std::string problem;
  };
  std::vector<Case> cases;

  write_text(work_ / "empty.safetensors", "");
  cases.push_back({work_ / "empty.safetensors", "empty"});
  write_text(work_ / "cut.safetensors", bytes.substr(0, bytes.size() - 100));
  cases.push_back({work_ / "cut.safetensors", "beyond the"});
  write_text(work_ / "header-only.safetensors", bytes.substr(0, 20));
  cases.push_back({work_ / "header-only.safetensors", "runs past the end"});

  const auto header_length = split_safetensors(model("denoise-color")).header.dump().size();
  cases.push_back(
      {tampered_model(
           "long-header", [](SafetensorsParts&) {}, int64_t(header_length + 8 + bytes.size())),
       "runs past the end"});
  cases.push_back(
      {tampered_model("overlap",
                      [](SafetensorsParts& parts) {
                        // Shift the second tensor 4 bytes into the first.
                        auto& offsets =
                            parts.header[tensors_by_offset(parts.header)[1]]["data_offsets"];
                        offsets = {offsets[0].get<int64_t>() - 4, offsets[1].get<int64_t>() - 4};
                      }),
       "overlap"});
  cases.push_back(
      {tampered_model("out-of-range",
                      [](SafetensorsParts& parts) {
                        auto& offsets =
                            parts.header[tensors_by_offset(parts.header).back()]["data_offsets"];
                        offsets = {offsets[0].get<int64_t>() + 8, offsets[1].get<int64_t>() + 8};
                      }),
       "beyond the"});
  cases.push_back({tampered_model("dtype",
                                  [](SafetensorsParts& parts) {
                                    // Same size as F32: only the type is wrong.
                                    first_weight(parts.header)["dtype"] = "I32";
                                  }),
                   "dtype I32"});
  cases.push_back({tampered_model("shape",
                                  [](SafetensorsParts& parts) {
                                    auto& entry = first_weight(parts.header);
                                    int64_t count = 1;
                                    for (const auto& size : entry["shape"])
                                      count *= size.get<int64_t>();
                                    entry["shape"] = {count};  // same bytes, flattened
                                  }),
                   "shape"});
  cases.push_back({tampered_model("arch",
                                  [](SafetensorsParts& parts) {
                                    auto& text = parts.header["__metadata__"]["restora"];
                                    auto meta = json::parse(text.get<std::string>());
                                    meta["arch"] = "nosuch";
                                    text = meta.dump();
                                  }),
                   "nosuch"});

  for (const auto& item : cases) {
    SCOPED_TRACE(item.path.filename().string());
    expect_failure("denoise", work_ / "in.png", {"-m", item.path.string()}, 1,
                   {item.path.string(), item.problem});
  }
  // `info` loads through the same validation: one container and one weight problem suffice.
  for (const char* name : {"overlap", "dtype"}) {
    const auto path = work_ / (std::string(name) + ".safetensors");
    expect_one_error_line(run({"info", path.string()}), 1, {path.string()});
  }
}

TEST_F(CliErrors, OutputFolderThatCannotBeMade) {
  // Under a regular file no folder can be made, whoever runs the test.
  write_text(work_ / "file", "");
  output_ = work_ / "file" / "sub" / "result.png";
  expect_failure("denoise", work_ / "in.png", {}, 1, {(work_ / "file" / "sub").string()});
  expect_failure("degrade", work_ / "in.png", {"--quality", "50"}, 1,
                 {(work_ / "file" / "sub").string()});

  // /proc takes no new files, even from root.
  output_ = "/proc/restora-cli-test.png";
  expect_failure("degrade", work_ / "in.png", {"--quality", "50"}, 1, {output_.string()});
  EXPECT_FALSE(fs::exists(output_));
}

TEST_F(CliErrors, OutputFolderWithoutWritePermission) {
  if (::geteuid() == 0) GTEST_SKIP() << "root writes regardless of permissions";
  fs::create_directories(work_ / "out");
  fs::permissions(work_ / "out", fs::perms::owner_read | fs::perms::owner_exec);
  output_ = work_ / "out" / "result.png";
  expect_failure("denoise", work_ / "in.png", {}, 1, {output_.string(), "ermission denied"});
}

TEST_F(CliErrors, FailedRunLeavesAnExistingOutputIntact) {
  const auto previous = random_image(4, 6, 3, 5);
  write_image_file(output_, previous);
  write_text(work_ / "cut.png", read_text(work_ / "in.png").substr(0, 60));
  const auto result = run({"denoise", "-i", (work_ / "cut.png").string(), "-o", output_.string(),
                           "--overwrite", "--threads", "1"});
  expect_one_error_line(result, 1, {(work_ / "cut.png").string()});
  EXPECT_EQ(files_under(work_ / "out"), std::vector<std::string>{"result.png"});
  EXPECT_EQ(cv::norm(read_image_file(output_), previous, cv::NORM_INF), 0.0);
}

TEST_F(CliErrors, FailingImageInAFolderDoesNotStopTheOthers) {
  write_image_file(work_ / "folder" / "good.png", random_image(6, 6, 3, 4));
  write_text(work_ / "folder" / "bad.png", "");
  const auto result =
      run({"denoise", "-i", (work_ / "folder").string(), "-o", (work_ / "out").string(), "-q"});
  expect_one_error_line(result, 1, {(work_ / "folder" / "bad.png").string(), "empty"});
  EXPECT_EQ(files_under(work_ / "out"), std::vector<std::string>{"good.png"});
}

}  // namespace
}  // namespace restora::testing

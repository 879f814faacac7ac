// End to end: `restora compress`, `decompress` and `info` on .rci files (tiny random codec).
#include <gtest/gtest.h>

#include "cli/cli_test_support.h"

namespace restora::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

using CliCodec = CliTest;

std::string bytes_of(const fs::path& path) { return read_text(path); }

TEST_F(CliCodec, CompressDecompressAndInfoAgree) {
  const auto image = random_image(70, 100, 3, 5);
  write_image_file(work_ / "in.png", image);
  for (const char* level : {"1", "3"}) {
    SCOPED_TRACE(level);
    const auto rci = work_ / (std::string("q") + level + ".rci");
    auto result = run({"compress", "-q", level, "-i", (work_ / "in.png").string(), "-o",
                       rci.string(), "--json"});
    ASSERT_EQ(result.exit_code, 0) << result.err;
    const auto size = fs::file_size(rci);
    EXPECT_NE(result.out.find(std::to_string(size) + " bytes"), std::string::npos) << result.out;
    EXPECT_EQ(bytes_of(rci).substr(0, 4), "\x89RCI");

    result = run({"info", rci.string(), "--json"});
    ASSERT_EQ(result.exit_code, 0) << result.err;
    const auto header = json::parse(result.out);
    EXPECT_EQ(header["model"], "codec");
    EXPECT_EQ(header["level"], std::stoi(level));
    EXPECT_EQ(header["width"], 100);
    EXPECT_EQ(header["height"], 70);
    EXPECT_EQ(header["bytes"], size);
    EXPECT_NEAR(header["bpp"].get<double>(), size * 8.0 / 7000, 1e-9);

    for (const char* threads : {"1", "2"}) {
      const auto out = work_ / (std::string("q") + level + "-t" + threads + ".png");
      result = run({"decompress", "-i", rci.string(), "-o", out.string(), "--threads", threads});
      ASSERT_EQ(result.exit_code, 0) << result.err;
      EXPECT_EQ(read_image_file(out).size(), image.size());
    }
    result = run({"decompress", "-i", rci.string(), "-o", (work_ / "r.png").string(), "--overwrite",
                  "--reference", (work_ / "in.png").string()});
    ASSERT_EQ(result.exit_code, 0) << result.err;
    EXPECT_NE(result.out.find("PSNR"), std::string::npos) << result.out;
    // Decoding is bit-identical whatever the thread count.
    EXPECT_EQ(bytes_of(work_ / (std::string("q") + level + "-t1.png")),
              bytes_of(work_ / (std::string("q") + level + "-t2.png")));
  }
  EXPECT_LT(fs::file_size(work_ / "q1.rci"), fs::file_size(work_ / "q3.rci"));
}

TEST_F(CliCodec, FoldersRoundTrip) {
  for (int i = 0; i < 3; ++i)
    write_image_file(work_ / "photos" / ("p" + std::to_string(i) + ".png"), random_image(40 + i, 50, 3, i));
  write_image_file(work_ / "photos" / "sub" / "gray.png", random_image(33, 65, 1, 9));
  auto result = run({"compress", "-i", (work_ / "photos").string(), "-o",
                     (work_ / "packed").string(), "--quiet"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(files_under(work_ / "packed"),
            (std::vector<std::string>{"p0.rci", "p1.rci", "p2.rci", "sub/gray.rci"}));
  result = run({"decompress", "-i", (work_ / "packed").string(), "-o",
                (work_ / "unpacked").string(), "--quiet"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(files_under(work_ / "unpacked"),
            (std::vector<std::string>{"p0.png", "p1.png", "p2.png", "sub/gray.png"}));
  EXPECT_EQ(read_image_file(work_ / "unpacked" / "sub" / "gray.png").channels(), 1);
}

TEST_F(CliCodec, BadRequestsAndDamagedFilesAreOneLineErrors) {
  write_image_file(work_ / "in.png", random_image(64, 64, 3, 1));
  const auto in = (work_ / "in.png").string(), rci = (work_ / "a.rci").string();
  expect_one_error_line(run({"compress", "-q", "9", "-i", in, "-o", rci}), 2, {"-q 9", "1-3"});
  expect_one_error_line(run({"compress", "--precision", "bf16", "-i", in, "-o", rci}), 2,
                        {"bf16", "bit-identical"});
  expect_one_error_line(run({"compress", "-i", in, "-o", (work_ / "a.png").string()}), 2, {".rci"});
  EXPECT_FALSE(fs::exists(rci));

  ASSERT_EQ(run({"compress", "-i", in, "-o", rci}).exit_code, 0);
  auto damaged = bytes_of(rci);
  damaged[damaged.size() / 2] ^= 0x10;
  write_text(work_ / "damaged.rci", damaged);
  expect_one_error_line(run({"decompress", "-i", (work_ / "damaged.rci").string(), "-o",
                             (work_ / "d.png").string()}),
                        1, {"corrupted"});
  write_text(work_ / "short.rci", bytes_of(rci).substr(0, 20));
  expect_one_error_line(run({"decompress", "-i", (work_ / "short.rci").string(), "-o",
                             (work_ / "s.png").string()}),
                        1, {"codec file"});
  EXPECT_FALSE(fs::exists(work_ / "d.png"));
  EXPECT_FALSE(fs::exists(work_ / "s.png"));
  expect_one_error_line(run({"decompress", "-i", rci, "-o", (work_ / "m.png").string(), "-m",
                             model("sr").string()}),
                        1, {"not a codec"});
}

TEST_F(CliCodec, MemoryBudgetStopsCodingWithOneLineError) {
  // 128×128 needs far more than 100 KB of tensors (its float copy alone is 196 KB) and far less
  // than the default budget.
  write_image_file(work_ / "in.png", random_image(128, 128, 3, 4));
  const auto in = (work_ / "in.png").string(), rci = (work_ / "a.rci").string();
  expect_one_error_line(run({"compress", "--max-memory", "100K", "-i", in, "-o", rci}), 1,
                        {"can't allocate memory", "--max-memory"});
  EXPECT_FALSE(fs::exists(rci));
  expect_one_error_line(run({"compress", "--max-memory", "lots", "-i", in, "-o", rci}), 2,
                        {"'lots'", "2G"});

  ASSERT_EQ(run({"compress", "-i", in, "-o", rci}).exit_code, 0);
  const auto png = (work_ / "a.png").string();
  expect_one_error_line(run({"decompress", "--max-memory", "100K", "-i", rci, "-o", png}), 1,
                        {"can't allocate memory", "--max-memory"});
  EXPECT_FALSE(fs::exists(png));
  const auto result = run({"decompress", "--max-memory", "64M", "-i", rci, "-o", png});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(read_image_file(png).size(), cv::Size(128, 128));

  // In a folder each failure is one line naming its file.
  for (const char* name : {"x.png", "y.png"})
    write_image_file(work_ / "folder" / name, random_image(128, 128, 3, 5));
  const auto folder = run({"compress", "--max-memory", "100K", "-i", (work_ / "folder").string(),
                           "-o", (work_ / "packed").string()});
  EXPECT_EQ(folder.exit_code, 1);
  for (const char* name : {"x.png", "y.png"}) {
    const auto line = folder.err.find((work_ / "folder" / name).string() + ": can't allocate memory");
    EXPECT_NE(line, std::string::npos) << folder.err;
  }
  EXPECT_FALSE(fs::exists(work_ / "packed" / "x.rci"));
}

TEST_F(CliCodec, EvalWritesReportAndPlotIntoANewFolder) {
  for (int index = 1; index <= 2; ++index)
    write_image_file(work_ / "data" / "test" / "Kodak24" / ("kodim0" + std::to_string(index) + ".png"),
                     random_image(176, 192, 3, 40 + index));
  const auto data = (work_ / "data").string();
  const auto report = work_ / "new" / "deeper" / "CODEC.md";
  const auto result = run({"eval", "--task", "codec", "--data", data, "--no-peers", "--threads", "1",
                           "-o", report.string()});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(read_text(report).find("| codec (ours) | JPEG |"), std::string::npos);
  EXPECT_TRUE(fs::exists(work_ / "new" / "deeper" / "CODEC-rd.png"));

  // Refused before anything is measured.
  const auto other = work_ / "other" / "CODEC.md";
  expect_one_error_line(run({"eval", "--task", "codec", "--data", data, "--no-peers", "--record",
                             "--limit", "1", "-o", other.string()}),
                        2, {"--record", "--limit"});
  EXPECT_FALSE(fs::exists(other.parent_path()));
}

}  // namespace
}  // namespace restora::testing

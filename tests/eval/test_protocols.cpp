// Tests of src/eval protocols and methods on tiny fake test sets (no ../shared needed).
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdlib>
#include <opencv2/imgproc.hpp>

#include "degrade/chain.h"
#include "degrade/random.h"
#include "degrade/resize_matlab.h"
#include "eval/evaluate.h"
#include "eval/protocols.h"
#include "eval_test_support.h"
#include "metrics/metrics.h"
#include "restora/errors.h"

namespace restora {
namespace {

using eval::Color;
using eval::EvalOptions;
using eval::SetScores;
using tasks::Task;

const Task denoise = tasks::find_task("denoise");
const Task super_resolution = tasks::find_task("super_resolution");
const Task dejpeg = tasks::find_task("dejpeg");
using testing::SyntheticGray;
using testing::SyntheticImage;
using testing::TemporaryFolder;
using testing::WriteSet;

const eval::MethodScores& Row(const SetScores& set, const std::string& method) {
  for (const auto& row : set.methods)
    if (row.method == method) return row;
  ADD_FAILURE() << "no row '" << method << "'";
  static const eval::MethodScores none;
  return none;
}

// Data folder with every set the tests use: RGB Set5 and LIVE1, gray BSD68 (2 images each).
class FakeData : public ::testing::Test {
 protected:
  void SetUp() override {
    WriteSet(folder.path(), "Set5", {SyntheticImage(0), SyntheticImage(1)});
    WriteSet(folder.path(), "LIVE1", {SyntheticImage(0), SyntheticImage(1)});
    WriteSet(folder.path(), "BSD68", {SyntheticGray(0), SyntheticGray(1)});
  }
  EvalOptions Options(Task task, const std::string& set) const {
    EvalOptions options;
    options.data_root = folder.path();
    options.tasks = {task};
    options.sets = {set};
    options.peers = false;
    options.threads = 1;
    options.models = {(folder.path() / "no_such_model.safetensors").string()};
    options.allow_missing_model = true;
    return options;
  }
  TemporaryFolder folder;
};

TEST(Protocols, StandardSetsAndSettingsFollowProtocolsMd) {
  const auto protocols = eval::standard_protocols();
  ASSERT_EQ(protocols.size(), 9u);
  EXPECT_EQ(protocols[0].task, denoise);
  EXPECT_EQ(protocols[0].sets.front().name, "BSD68");
  EXPECT_EQ(protocols[0].sets.front().color, Color::gray);
  EXPECT_EQ(protocols[0].settings.size(), 3u);
  EXPECT_EQ(protocols[1].sets.size(), 3u);
  EXPECT_EQ(protocols[2].sets.front().color, Color::y_u8);
  EXPECT_EQ(protocols[2].sets.back().name, "classic5");
  EXPECT_EQ(protocols[2].settings.back().at("quality"), 40);
  EXPECT_FALSE(protocols[2].rgb_with_y);
  // The secondary colour JPEG protocol: LIVE1 in RGB under its own label, RGB and Y metrics.
  EXPECT_EQ(protocols[3].task, dejpeg);
  ASSERT_EQ(protocols[3].sets.size(), 1u);
  EXPECT_EQ(protocols[3].sets[0].name, "LIVE1");
  EXPECT_EQ(protocols[3].sets[0].title(), "LIVE1 colour");
  EXPECT_EQ(protocols[3].sets[0].color, Color::rgb);
  EXPECT_TRUE(protocols[3].rgb_with_y);
  EXPECT_EQ(protocols[3].settings.size(), 4u);
  EXPECT_EQ(eval::standard_protocol(protocols[3].title).sets[0].title(), "LIVE1 colour");
  EXPECT_THROW(eval::standard_protocol("no such protocol"), InvalidArgument);
  EXPECT_EQ(denoise->degradation().label(protocols[0].settings[1]), "σ=25");
  EXPECT_EQ(super_resolution->degradation().label(protocols[1].settings[0]), "x2");
  EXPECT_EQ(dejpeg->degradation().label(protocols[2].settings[0]), "q10");
  // The real-world protocols: real noise (paired), real low quality (NIQE), synthetic control.
  EXPECT_EQ(protocols[5].niqe_model, "metrics/niqe_pris_params.json");
  EXPECT_EQ(protocols[6].chain, eval::synthetic_second_order(4));
  EXPECT_EQ(protocols[6].sets.front().name, "BSD100");
  EXPECT_EQ(protocols[6].sets.back().name, "Kodak24");
  EXPECT_TRUE(protocols[6].niqe_model.empty());
  // The same two at x2, under their own labels; the chain ends with the resize to 1/2.
  EXPECT_EQ(protocols[7].sets[0].title(), "RealSRSet x2");
  EXPECT_EQ(protocols[7].baselines.size(), 1u);  // BSRGAN published x4 outputs only
  EXPECT_EQ(protocols[8].sets[0].title(), "BSD100 x2");
  EXPECT_NE(protocols[8].chain.find("resize_to:scale=2:"), std::string::npos);
  EXPECT_EQ(eval::synthetic_second_order(4).find("resize_to:scale=2:"), std::string::npos);
}

TEST_F(FakeData, GroundTruthColours) {
  const auto rgb = eval::read_ground_truth(folder.path() / "test/Set5/image0.png", Color::rgb);
  EXPECT_EQ(cv::norm(rgb, SyntheticImage(0), cv::NORM_INF), 0.0);
  const auto gray_as_rgb =
      eval::read_ground_truth(folder.path() / "test/BSD68/image1.png", Color::rgb);
  ASSERT_EQ(gray_as_rgb.channels(), 3);
  cv::Mat green;
  cv::extractChannel(gray_as_rgb, green, 1);
  EXPECT_EQ(cv::norm(green, SyntheticGray(1), cv::NORM_INF), 0.0);
  const auto gray_as_stored =
      eval::read_ground_truth(folder.path() / "test/BSD68/image1.png", Color::stored);
  ASSERT_EQ(gray_as_stored.channels(), 1);
  EXPECT_EQ(cv::norm(gray_as_stored, SyntheticGray(1), cv::NORM_INF), 0.0);
  // Y uint8: round half away from zero of MATLAB's Y, here at one pixel by hand.
  const auto y = eval::read_ground_truth(folder.path() / "test/LIVE1/image0.png", Color::y_u8);
  ASSERT_EQ(y.type(), CV_8UC1);
  const auto pixel = SyntheticImage(0).at<cv::Vec3b>(3, 5);
  const double expected = 16 + (65.481 * pixel[0] + 128.553 * pixel[1] + 24.966 * pixel[2]) / 255;
  EXPECT_EQ(y.at<uint8_t>(3, 5), static_cast<int>(std::floor(expected + 0.5)));
  EXPECT_THROW(eval::read_ground_truth(folder.path() / "test/Set5/image0.png", Color::gray),
               FormatError);
}

TEST(Protocols, NoiseIsSeededPerImageAndSharedAcrossSigmas) {
  const auto gt = SyntheticGray(0);
  const auto sigma15 = denoise->degradation().with_value(15);
  const auto sigma25 = denoise->degradation().with_value(25);
  const auto a = eval::make_input(gt, denoise, sigma15, 0);
  EXPECT_EQ(cv::norm(a, eval::make_input(gt, denoise, sigma15, 0), cv::NORM_INF), 0.0);
  EXPECT_GT(cv::norm(a, eval::make_input(gt, denoise, sigma15, 1), cv::NORM_INF), 0.0);
  cv::Mat clean, noise15, noise25;
  gt.convertTo(clean, CV_32F, 1.0 / 255);
  noise15 = a - clean;
  noise25 = eval::make_input(gt, denoise, sigma25, 0) - clean;
  EXPECT_LT(cv::norm(noise15 * (25.0 / 15.0), noise25, cv::NORM_INF), 1e-5);
  EXPECT_GT(cv::norm(noise15, cv::NORM_INF), 0.05);  // unclipped noise of σ=15 reaches ±3σ
}

// Reference values: tests/eval/reference/eval_reference.py (numpy/skimage/cv2, independent
// MATLAB imresize), means over the two synthetic images.
TEST_F(FakeData, SuperResolutionRowsMatchIndependentReference) {
  const auto evaluation = eval::run_evaluation(Options(super_resolution, "Set5"));
  ASSERT_EQ(evaluation.sets.size(), 1u);
  const auto& set = evaluation.sets[0];
  EXPECT_EQ(set.images, 2);
  ASSERT_EQ(set.methods.size(), 2u);  // bicubic MATLAB, OpenCV cubic; our model is missing
  const double bicubic_psnr[] = {20.662036815536503, 20.286937192923492, 20.182461249916223};
  const double bicubic_ssim[] = {0.4690092302733765, 0.3646031134710124, 0.32108691667051537};
  const double cubic_psnr[] = {20.658257296587806, 20.29562106847033, 20.171271102857055};
  const double cubic_ssim[] = {0.4723286804458071, 0.36587261179620023, 0.3218262038463101};
  const auto& bicubic = Row(set, "Bicubic (MATLAB imresize)");
  const auto& cubic = Row(set, "OpenCV resize INTER_CUBIC");
  ASSERT_EQ(bicubic.cells.size(), 3u);
  ASSERT_EQ(cubic.cells.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(bicubic.cells[i].degradation.at("scale"), i + 2);
    EXPECT_NEAR(bicubic.cells[i].psnr, bicubic_psnr[i], 1e-9);
    EXPECT_NEAR(bicubic.cells[i].ssim, bicubic_ssim[i], 1e-9);
    EXPECT_NEAR(cubic.cells[i].psnr, cubic_psnr[i], 1e-9);
    EXPECT_NEAR(cubic.cells[i].ssim, cubic_ssim[i], 1e-9);
    EXPECT_TRUE(std::isnan(bicubic.cells[i].psnr_b));
    EXPECT_GE(bicubic.cells[i].ms_per_megapixel, 0.0);
  }
  ASSERT_EQ(evaluation.notes.size(), 1u);
  EXPECT_NE(evaluation.notes[0].find("Restora row skipped"), std::string::npos);
}

// A JPEG protocol's Input row at qualities 10, 20, 30, 40 against the reference values: PSNR,
// SSIM and the protocol's own third metric (`extra`: PSNR-B gray, PSNR-Y colour); the other one
// (`absent`) is not measured.
using Four = std::array<double, 4>;
void ExpectJpegInputRow(const eval::MethodScores& input, const Four& psnr, const Four& ssim,
                        double eval::Cell::*extra, const Four& extra_values,
                        double eval::Cell::*absent) {
  ASSERT_EQ(input.cells.size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    const auto& cell = input.cells[i];
    EXPECT_EQ(cell.degradation.at("quality"), 10 * static_cast<int>(i + 1));
    EXPECT_NEAR(cell.psnr, psnr[i], 1e-9);
    EXPECT_NEAR(cell.ssim, ssim[i], 1e-9);
    EXPECT_NEAR(cell.*extra, extra_values[i], 1e-9);
    EXPECT_TRUE(std::isnan(cell.*absent));
  }
}

TEST_F(FakeData, JpegInputRowMatchesIndependentReference) {
  // The folder's name selects both protocols measuring LIVE1: gray first, then colour.
  const auto evaluation = eval::run_evaluation(Options(dejpeg, "LIVE1"));
  ASSERT_EQ(evaluation.sets.size(), 2u);
  EXPECT_EQ(evaluation.sets[0].set.title(), "LIVE1");
  EXPECT_EQ(evaluation.sets[1].set.title(), "LIVE1 colour");
  ExpectJpegInputRow(Row(evaluation.sets[0], "Input"),
                     {20.507512054539404, 21.73135301612449, 23.03172209485821, 24.282635595625436},
                     {0.4682472589752338, 0.5842278749749734, 0.6861580958327376, 0.7430728211027732},
                     &eval::Cell::psnr_b,
                     {18.47022385637983, 19.58451196974613, 20.472964293410694, 22.624801838110518},
                     &eval::Cell::psnr_y);
}

TEST_F(FakeData, ColourJpegInputRowMatchesIndependentReference) {
  const auto evaluation = eval::run_evaluation(Options(dejpeg, "LIVE1 colour"));
  ASSERT_EQ(evaluation.sets.size(), 1u);  // the label selects the colour protocol alone
  const auto& set = evaluation.sets[0];
  EXPECT_EQ(set.protocol, "JPEG artifact removal (colour protocol)");
  EXPECT_EQ(set.channels, 3);
  ExpectJpegInputRow(Row(set, "Input"),
                     {13.795151788470006, 13.928244308953191, 14.102815130337, 14.282471311461595},
                     {0.233750834587873, 0.30111231206386496, 0.3591299116505806, 0.39865985932678255},
                     &eval::Cell::psnr_y,
                     {20.83720435862962, 22.360278384293558, 24.03780266830598, 25.250404040300438},
                     &eval::Cell::psnr_b);
}

// Mean PSNR of quantize_u8(restore(input)) against the ground truth, computed here directly.
double DirectDenoisePsnr(double sigma, const std::function<cv::Mat(const cv::Mat&)>& restore) {
  const auto degradation = denoise->degradation().with_value(sigma);
  double sum = 0.0;
  for (int index = 0; index < 2; ++index) {
    const auto gt = SyntheticGray(index);
    const auto lq = eval::make_input(gt, denoise, degradation, index);
    sum +=
        metrics::measure(quantize_u8(restore(lq)), gt, metrics::Space::all_channels, 0, false).psnr;
  }
  return sum / 2;
}

cv::Mat PlusConstant(const cv::Mat& lq, float constant) {
  cv::Mat result = lq.clone();
  result.forEach<float>([constant](float& value, const int*) { value += constant; });
  return result;
}

TEST_F(FakeData, DenoiseRowsEqualDirectComputation) {
  const auto model = folder.path() / "tiny-blind.safetensors";
  testing::WriteTinyDenoiser(model, /*sigma_conditioned=*/false, 0.02f);
  auto options = Options(denoise, "BSD68");
  options.models = {model.string()};
  options.allow_missing_model = false;
  const auto evaluation = eval::run_evaluation(options);
  ASSERT_EQ(evaluation.sets.size(), 1u);
  const auto& set = evaluation.sets[0];
  EXPECT_EQ(set.channels, 1);
  ASSERT_EQ(set.methods.size(), 3u);
  EXPECT_EQ(set.methods[1].method, "OpenCV fastNlMeans");
  const auto& input = Row(set, "Input");
  const auto& ours = Row(set, "Restora tiny-blind (blind, fp32)");
  ASSERT_EQ(input.cells.size(), 3u);
  ASSERT_EQ(ours.cells.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    const double sigma = input.cells[i].degradation.at("sigma");
    EXPECT_DOUBLE_EQ(input.cells[i].psnr,
                     DirectDenoisePsnr(sigma, [](const cv::Mat& lq) { return lq; }));
    EXPECT_DOUBLE_EQ(ours.cells[i].psnr, DirectDenoisePsnr(sigma, [](const cv::Mat& lq) {
                       return PlusConstant(lq, 0.02f);
                     }));
  }
}

TEST_F(FakeData, SigmaConditionedModelGetsEachSigma) {
  const auto model = folder.path() / "tiny-sigma.safetensors";
  testing::WriteTinyDenoiser(model, /*sigma_conditioned=*/true, 0.0f);
  auto options = Options(denoise, "BSD68");
  options.models = {model.string()};
  const auto evaluation = eval::run_evaluation(options);
  const auto& ours = Row(evaluation.sets.at(0), "Restora tiny-sigma (σ given, fp32)");
  ASSERT_EQ(ours.cells.size(), 3u);
  for (const auto& cell : ours.cells) {
    const float condition = static_cast<float>(cell.degradation.at("sigma") / 255.0);
    EXPECT_DOUBLE_EQ(cell.psnr, DirectDenoisePsnr(cell.degradation.at("sigma"), [&](const cv::Mat& lq) {
                       return PlusConstant(lq, condition);
                     }));
  }
}

TEST_F(FakeData, PairedSetsReadTheirInputsAndMeasureAgainstTheirMeans) {
  // A paired set: clean/ and noisy/ with the same file names, the input read, never made.
  const auto set = folder.path() / "test" / "Nam_CC15";
  std::filesystem::create_directories(set / "clean");
  std::filesystem::create_directories(set / "noisy");
  std::vector<cv::Mat> cleans, noisies;
  for (int i = 0; i < 2; ++i) {
    cleans.push_back(SyntheticImage(i));
    cv::Mat noise(cleans.back().size(), CV_8UC3);
    cv::randu(noise, 0, 9);
    noisies.push_back(cleans.back() + noise);
    const auto name = "shot" + std::to_string(i) + ".png";
    write_image(image_from_u8(cleans.back()), set / "clean" / name);
    write_image(image_from_u8(noisies.back()), set / "noisy" / name);
  }
  const auto real = tasks::find_task("real");
  const auto evaluation = eval::run_evaluation(Options(real, "Nam_CC15"));
  ASSERT_EQ(evaluation.sets.size(), 1u);
  const auto& input = Row(evaluation.sets[0], "Input");
  ASSERT_EQ(input.cells.size(), 1u);
  double psnr = 0;
  for (int i = 0; i < 2; ++i) psnr += metrics::psnr(metrics::prepare(noisies[i], metrics::Space::all_channels, 0),
                                                    metrics::prepare(cleans[i], metrics::Space::all_channels, 0)) / 2;
  EXPECT_NEAR(input.cells[0].psnr, psnr, 1e-9);
  // The blind non-local-means sweep: one row per strength, each a real denoiser.
  for (int h = 2; h <= 6; ++h) {
    const auto& row = Row(evaluation.sets[0], "OpenCV fastNlMeans h=" + std::to_string(h));
    EXPECT_EQ(row.cells.size(), 1u);
  }
  EXPECT_EQ(real->degradation().label(evaluation.sets[0].methods[0].cells[0].degradation), "real");

  // An input missing for a ground truth is named before anything is measured.
  std::filesystem::remove(set / "noisy" / "shot1.png");
  try {
    eval::run_evaluation(Options(real, "Nam_CC15"));
    FAIL() << "no error";
  } catch (const FileError& error) {
    EXPECT_NE(std::string(error.what()).find("shot1.png"), std::string::npos) << error.what();
  }
}

TEST_F(FakeData, SyntheticControlDegradesEachImageByTheFixedSeededChain) {
  WriteSet(folder.path(), "BSD100", {SyntheticImage(0), SyntheticImage(1)});
  const auto real = tasks::find_task("real");
  // The folder's name selects the x4 and the x2 control; the x4 one comes first.
  const auto evaluation = eval::run_evaluation(Options(real, "BSD100"));
  ASSERT_EQ(evaluation.sets.size(), 2u);
  EXPECT_EQ(evaluation.sets[1].protocol, "Real-world restoration (synthetic second-order, x2)");
  const auto& set = evaluation.sets[0];
  EXPECT_EQ(set.protocol, "Real-world restoration (synthetic second-order, x4)");
  const auto& bicubic = Row(set, "Bicubic (MATLAB imresize)");
  ASSERT_EQ(bicubic.cells.size(), 1u);
  // Directly: modcrop, the chain drawn and applied with the image's seed, MATLAB bicubic x4,
  // PSNR on Y with a 4-pixel crop.
  double psnr = 0.0;
  for (int index = 0; index < 2; ++index) {
    const auto gt = modcrop(SyntheticImage(index), 4);
    Rng rng(eval::noise_seed(index));
    const auto chain = sample_chain(parse_chain(eval::synthetic_second_order(4)), rng);
    const auto lq = degrade(chain, gt, rng).lq;
    ASSERT_EQ(lq.size(), gt.size() / 4);
    const auto upscaled = imresize_matlab(quantize_u8(lq), 4);
    psnr += metrics::measure(upscaled, gt, metrics::Space::y, 4, false).psnr / 2;
  }
  EXPECT_NEAR(bicubic.cells[0].psnr, psnr, 1e-9);
  // The damage is real: far below a plain bicubic round trip of the same images.
  EXPECT_LT(psnr, 30.0);
}

TEST_F(FakeData, WithoutBaselinesOnlyOurRowsAreMeasured) {
  auto options = Options(dejpeg, "LIVE1");
  options.limit = 1;
  const auto with = eval::run_evaluation(options);
  EXPECT_FALSE(with.sets.at(0).methods.empty());  // the Input row
  options.baselines = false;
  const auto without = eval::run_evaluation(options);
  ASSERT_EQ(without.sets.size(), with.sets.size());
  for (const auto& set : without.sets) EXPECT_TRUE(set.methods.empty());  // our model is missing
}

TEST_F(FakeData, LimitTakesTheFirstImages) {
  auto options = Options(dejpeg, "LIVE1");
  options.limit = 1;
  const auto evaluation = eval::run_evaluation(options);
  EXPECT_EQ(evaluation.limit, 1);
  EXPECT_EQ(evaluation.sets.at(0).images, 1);
  EXPECT_EQ(Row(evaluation.sets[0], "Input").cells.at(0).images, 1);
}

// Upscales by nearest neighbour and counts its calls. After the warm-up, each image is expected
// `runs` times in a row; only the first of them gets the real output, the others black, so the
// scores show which call was measured.
class CountingUpscaler : public eval::Method {
 public:
  explicit CountingUpscaler(int runs) : runs(runs) {}
  std::string name(int) override { return "counting"; }
  bool supports(Task task, const Degradation&, int) const override {
    return task == super_resolution;
  }
  cv::Mat run(const cv::Mat& lq, const Degradation& degradation) override {
    cv::Mat output;
    cv::resize(lq, output, {}, degradation.at("scale"), degradation.at("scale"), cv::INTER_NEAREST);
    const bool first_of_image = calls == 0 || (calls - 1) % runs == 0;
    if (!first_of_image) output.setTo(0);
    ++calls;
    return output;
  }
  const int runs;
  int calls = 0;
};

TEST_F(FakeData, TimingRunsRepeatEachCallAndMeasureTheFirst) {
  eval::TaskProtocol x2{super_resolution, "", "", {{"Set5", Color::stored, "", "", ""}}, {super_resolution->degradation().with_value(2)}, {}, false, {}, {}};
  const auto folder_of_set = folder.path() / "test/Set5";
  CountingUpscaler once(1), thrice(3);
  const auto one = eval::evaluate_set(x2, x2.sets[0], folder_of_set, {&once});
  EXPECT_EQ(once.calls, 1 + 2);  // the warm-up, then each of the 2 images once
  const auto three =
      eval::evaluate_set(x2, x2.sets[0], folder_of_set, {&thrice}, /*limit=*/0, /*timing_runs=*/3);
  EXPECT_EQ(thrice.calls, 1 + 2 * 3);
  EXPECT_EQ(Row(three, "counting").cells.at(0).psnr, Row(one, "counting").cells.at(0).psnr);
  EXPECT_THROW(eval::evaluate_set(x2, x2.sets[0], folder_of_set, {&once}, 0, 0), InvalidArgument);
  auto options = Options(super_resolution, "Set5");
  options.timing_runs = 0;
  EXPECT_THROW(eval::run_evaluation(options), InvalidArgument);
}

TEST_F(FakeData, BadInputsThrowTypedErrors) {
  auto options = Options(super_resolution, "Set14");  // not in the fake data folder
  EXPECT_THROW(eval::run_evaluation(options), FileError);
  options = Options(super_resolution, "BSD68");  // a denoising set
  EXPECT_THROW(eval::run_evaluation(options), InvalidArgument);
  options = Options(super_resolution, "Set5");
  options.data_root = folder.path() / "missing";
  EXPECT_THROW(eval::run_evaluation(options), FileError);
  options = Options(super_resolution, "Set5");
  options.peers = true;  // no peers folder in the fake data
  EXPECT_THROW(eval::run_evaluation(options), FileError);
  options = Options(super_resolution, "Set5");
  options.allow_missing_model = false;
  EXPECT_THROW(eval::run_evaluation(options), FileError);
  options = Options(super_resolution, "Set5");
  options.tasks = {};
  options.sets = {};
  EXPECT_THROW(eval::run_evaluation(options), InvalidArgument);  // one model, three tasks
  options = Options(super_resolution, "Set5");
  options.limit = -1;
  EXPECT_THROW(eval::run_evaluation(options), InvalidArgument);

  std::filesystem::create_directories(folder.path() / "test/Empty");
  const std::vector<eval::Method*> none;
  EXPECT_THROW(eval::evaluate_set(eval::standard_protocols()[1], {"Empty", Color::rgb, "", "", ""},
                                  folder.path() / "test/Empty", none),
               FileError);
}

// With the shared data: an OpenCV dnn_superres peer on Set5's first image (baby) at x2.
// Reference: tests/eval/reference/eval_reference.py (Python's cv2.dnn_superres on MATLAB's own
// LR image); the tolerance allows for OpenCV's thread-dependent float sums.
TEST(SharedData, FsrcnnPeerOnSet5MatchesPythonOpenCV) {
  const char* shared = std::getenv("RESTORA_SHARED_DATA");
  const auto peers = std::filesystem::path(shared ? shared : "") / "peers/opencv_dnn_superres";
  if (!shared || !std::filesystem::is_directory(std::filesystem::path(shared) / "test/Set5") ||
      !std::filesystem::is_directory(peers))
    GTEST_SKIP() << "RESTORA_SHARED_DATA not set or incomplete";
  eval::TaskProtocol x2{super_resolution, "", "", {{"Set5", Color::stored, "", "", ""}}, {super_resolution->degradation().with_value(2)}, {}, false, {}, {}};
  auto fsrcnn = eval::make_dnn_superres(eval::PeerNetwork::fsrcnn, peers);
  const auto set = eval::evaluate_set(x2, x2.sets[0], std::filesystem::path(shared) / "test/Set5",
                                      {fsrcnn.get()}, /*limit=*/1);
  const auto& row = Row(set, "FSRCNN (OpenCV dnn_superres)");
  ASSERT_EQ(row.cells.size(), 1u);
  EXPECT_NEAR(row.cells[0].psnr, 37.34507506942468, 0.01);
  EXPECT_NEAR(row.cells[0].ssim, 0.9534486655857163, 1e-4);

  auto lapsrn = eval::make_dnn_superres(eval::PeerNetwork::lapsrn, peers);
  for (int s : {2, 3, 4}) {
    const auto scale = super_resolution->degradation().with_value(s);
    EXPECT_EQ(lapsrn->supports(super_resolution, scale, 3), s != 3) << s;
  }
}

}  // namespace
}  // namespace restora
